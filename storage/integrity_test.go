package storage_test

import (
	"strings"
	"testing"

	"decisionflow/workflow"
)

// TestLegalIntegrity checks what the rules of this round allow and record:
// the review's requested date (Art 26), the decided text (Arts 30, 32), the
// text under consultation (Art 15), and the meeting's majority (Art 30).
func TestLegalIntegrity(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		t.Run("review due on the 7th working day by default", func(t *testing.T) {
			h.at(t, "2026-08-20")
			d := h.advance(t, workflow.StateRiskAssessment)
			h.at(t, "2026-09-29")
			d = h.fire(t, staff, d.ID, workflow.EventCompleteRiskAssessment, h.validData(workflow.EventCompleteRiskAssessment))
			if d.ReviewRequestedBy == nil || d.ReviewRequestedBy.String() != "2026-10-14" {
				t.Fatalf("review_requested_by = %v, want 2026-10-14", d.ReviewRequestedBy)
			}
		})
		t.Run("an urgent review asks for less time", func(t *testing.T) {
			d := h.advance(t, workflow.StateRiskAssessment)
			data := h.validData(workflow.EventCompleteRiskAssessment).(workflow.RiskReport)
			want := h.today().AddDays(2)
			data.ReviewRequestedBy, data.UrgentReason = want.String(), "汛期前必须实施"
			d = h.fire(t, staff, d.ID, workflow.EventCompleteRiskAssessment, data)
			if d.ReviewRequestedBy == nil || *d.ReviewRequestedBy != want {
				t.Fatalf("review_requested_by = %v, want %s", d.ReviewRequestedBy, want)
			}
			if len(d.Deadlines) != 1 || d.Deadlines[0].DueOn != want {
				t.Fatalf("deadlines = %+v, want the review due %s", d.Deadlines, want)
			}
		})
		t.Run("approve with changes records the decided text", func(t *testing.T) {
			d := h.advance(t, workflow.StateCollectiveDecision)
			before := d.Draft.Version
			data := h.validData(workflow.EventApproveWithChanges).(workflow.ApproveWithChangesData)
			d = h.fire(t, head, d.ID, workflow.EventApproveWithChanges, data)
			if d.Draft == nil || d.Draft.Version != before+1 || d.Draft.Text != data.FinalText || d.Draft.CreatedBy != head.Username {
				t.Fatalf("draft after approve_with_changes = %+v, want version %d by head with the final text", d.Draft, before+1)
			}
			if len(d.Draft.LegalBases) == 0 {
				t.Fatal("the decided text lost the legal bases of the draft")
			}
			es := h.history(t, d.ID)
			if last := es[len(es)-1]; last.Name != workflow.EventApproveWithChanges {
				t.Fatalf("last entry %s: the new version is journaled with the event, in one entry", last.Name)
			}
			dos, err := h.eng.Dossier(h.ctx, staff, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if dos.Decision.Draft.SHA256 != d.Draft.SHA256 || dos.Drafts[len(dos.Drafts)-1].Text != data.FinalText {
				t.Fatal("the dossier does not show the decided text")
			}
		})
		t.Run("comments name the draft version; revising after the window", func(t *testing.T) {
			id, err := setPeriodCase(0, 30, "")(t, h)
			if err != nil {
				t.Fatal(err)
			}
			c, err := h.eng.AddPublicComment(h.ctx, id, workflow.PublicCommentInput{Content: "建议"})
			if err != nil {
				t.Fatal(err)
			}
			if c.DraftVersion != 1 {
				t.Fatalf("comment on draft version %d, want 1", c.DraftVersion)
			}
			cons, err := h.eng.Consultations(h.ctx)
			if err != nil || len(cons) == 0 || cons[0].DraftVersion != 1 || len(cons[0].DraftSHA256) != 64 {
				t.Fatalf("consultations %+v, %v: want draft version 1 with its sum", cons, err)
			}
			d, _ := h.eng.Decision(h.ctx, staff, id)
			for _, a := range d.AllowedActions {
				if a == workflow.RecordSaveDraft {
					t.Fatalf("save_draft offered while the window is open: %v", d.AllowedActions)
				}
			}
			h.clock.Advance(31 * 24 * 3600e9)
			if _, err := h.eng.SaveDraft(h.ctx, staff, id, workflow.DraftInput{Text: "根据意见修改", LegalBases: []string{"《条例》"}}, 0); err != nil {
				t.Fatalf("revising after the window closed: %v", err)
			}
		})
		t.Run("the head's vote is not counted in the majority", func(t *testing.T) {
			d := h.advance(t, workflow.StateCollectiveDecision)
			m := h.meeting("agree", "disagree") // one of two members agrees; the head agrees too
			err := h.fireErr(t, head, d.ID, workflow.EventApprove, workflow.ApproveData{Meeting: m})
			wantCode(t, err, workflow.ERULE, workflow.RuleDepartureReasonRequired)
		})
		t.Run("attendees without a vote count for neither quorum nor majority", func(t *testing.T) {
			d := h.advance(t, workflow.StateCollectiveDecision)
			m := h.meeting("agree", "agree", "disagree", "disagree")
			no := false
			m.Attendees[2].IsMember, m.Attendees[3].IsMember = &no, &no // 列席
			m.MembersTotal = 5                                          // 3 voting members of 5 attend
			h.fire(t, head, d.ID, workflow.EventApprove, workflow.ApproveData{Meeting: m})
		})
	})
}

func TestMinAttendeesBelowThreeRefused(t *testing.T) {
	s := workflow.DefaultSettings()
	s.MinAttendees = 2
	if err := s.Validate(); err == nil {
		t.Fatal("min_attendees 2 accepted; Art 30 wants a meeting of at least 3")
	}
}

// TestSingleLineFields: titles, names and units refuse control characters
// and bidi overrides, in the engine, for the API and the pages alike.
func TestSingleLineFields(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		for _, title := range []string{"关于\u202e补助的决定", "tab\there", "line\nbreak", "\u2066isolate"} {
			_, err := h.eng.Create(h.ctx, staff, proposed(workflow.NewDecision{Title: title, Category: "plan", UndertakingUnit: "镇城建办"}))
			wantCode(t, err, workflow.EINVALID, "")
		}
		acc := workflow.NewAccounts(h.db, h.clock)
		long := strings.Repeat("名", workflow.MaxTitle+1)
		_, err := acc.UpdateUser(h.ctx, admin, "nobody", workflow.UserUpdate{DisplayName: &long})
		wantCode(t, err, workflow.EINVALID, "")
	})
}

// TestContactForStaffOnly: a public commenter's contact reaches staff, and
// no other role (workflow.md).
func TestContactForStaffOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		id, err := setPeriodCase(0, 30, "")(t, h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.eng.AddPublicComment(h.ctx, id, workflow.PublicCommentInput{Content: "建议", Contact: "13800000000"}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*workflow.User{staff, legal, head, admin} {
			cs, err := h.eng.Comments(h.ctx, u, id)
			if err != nil || len(cs) != 1 {
				t.Fatalf("%s: %v %v", u.Role, cs, err)
			}
			if got, want := cs[0].Contact != "", u.Role == workflow.RoleStaff; got != want {
				t.Errorf("%s sees the contact: %v, want %v", u.Role, got, want)
			}
		}
	})
}
