package storage_test

import (
	"strings"
	"testing"
	"time"

	"decisionflow/workflow"
)

// TestFullPath walks one decision from its proposal to archived through every
// mandatory step, the public comment and the 30-day period included.
func TestFullPath(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		d := h.create(t)
		if d.State != workflow.StateDrafting || d.Version != 2 {
			t.Fatalf("created and started: state %s version %d, want drafting 2", d.State, d.Version)
		}
		err := h.fireErr(t, staff, d.ID, workflow.EventSubmitDraft, map[string]any{})
		wantCode(t, err, workflow.ERULE, workflow.RuleDraftRequired)

		dr := h.saveDraft(t, d.ID)
		if dr.Version != 1 || len(dr.SHA256) != 64 {
			t.Fatalf("draft = %+v", dr)
		}
		h.fire(t, staff, d.ID, workflow.EventSubmitDraft, map[string]any{})

		// Public participation: the period, a public and a recorded comment, their dispositions.
		h.setPeriod(t, d.ID)
		pub, err := h.eng.AddPublicComment(h.ctx, d.ID, workflow.PublicCommentInput{Content: "建议提高补助标准", AuthorName: "居民甲", Contact: "13800000000"})
		if err != nil {
			t.Fatalf("public comment: %v", err)
		}
		letter, err := h.eng.AddComment(h.ctx, staff, d.ID, workflow.CommentInput{Channel: "letter", AuthorName: "居民乙", Content: "请明确申请流程"})
		if err != nil {
			t.Fatalf("recorded comment: %v", err)
		}
		for _, c := range []*workflow.Comment{pub, letter} {
			if _, err := h.eng.DisposeComment(h.ctx, staff, d.ID, c.ID, workflow.DispositionInput{Disposition: "adopted", Reason: "已采纳"}); err != nil {
				t.Fatalf("dispose: %v", err)
			}
		}
		err = h.fireErr(t, staff, d.ID, workflow.EventCompletePublicParticipation, h.validData(workflow.EventCompletePublicParticipation))
		wantCode(t, err, workflow.ERULE, workflow.RuleCommentPeriodNotEnded)
		h.clock.Advance(31 * 24 * time.Hour)
		h.fire(t, staff, d.ID, workflow.EventCompletePublicParticipation, h.validData(workflow.EventCompletePublicParticipation))

		h.addOpinion(t, d.ID)
		h.fire(t, staff, d.ID, workflow.EventCompleteExpertReview, h.validData(workflow.EventCompleteExpertReview))
		h.fire(t, staff, d.ID, workflow.EventCompleteRiskAssessment, h.validData(workflow.EventCompleteRiskAssessment))
		h.fire(t, legal, d.ID, workflow.EventPassLegalityReview, h.validData(workflow.EventPassLegalityReview))
		d = h.fire(t, head, d.ID, workflow.EventApprove, h.validData(workflow.EventApprove))
		if d.DecidedOn == nil || *d.DecidedOn != h.today() {
			t.Fatalf("decided_on = %v, want %s", d.DecidedOn, h.today())
		}
		h.clock.Advance(2 * 24 * time.Hour)
		h.fire(t, staff, d.ID, workflow.EventPublish, h.validData(workflow.EventPublish))
		h.fire(t, staff, d.ID, workflow.EventCompleteExecution, h.validData(workflow.EventCompleteExecution))
		d = h.fire(t, staff, d.ID, workflow.EventArchive, h.validData(workflow.EventArchive))
		if d.State != workflow.StateArchived {
			t.Fatalf("state = %s, want archived", d.State)
		}
		if len(d.AllowedEvents) != 0 {
			t.Errorf("allowed events in archived = %v, want none", d.AllowedEvents)
		}

		got, err := h.eng.Decision(h.ctx, head, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		entries := h.history(t, d.ID)
		wantNames := []string{"create", "start", "save_draft", "submit_draft", "set_comment_period", "add_comment", "add_comment",
			"dispose_comment", "dispose_comment", "complete_public_participation", "add_expert_opinion",
			"complete_expert_review", "complete_risk_assessment", "pass_legality_review", "approve", "publish", "complete_execution", "archive"}
		if len(entries) != len(wantNames) {
			t.Fatalf("journal has %d entries, want %d", len(entries), len(wantNames))
		}
		for i, e := range entries {
			if e.Name != wantNames[i] || e.Seq != int64(i+1) {
				t.Errorf("entry %d = %d %s, want %d %s", i, e.Seq, e.Name, i+1, wantNames[i])
			}
		}
		if got.Version != int64(len(entries)) {
			t.Errorf("version = %d, want %d (one per journal entry)", got.Version, len(entries))
		}
		if e := entries[5]; e.Role != workflow.RolePublic || e.Actor != "public" || strings.Contains(string(e.Data), "13800000000") {
			t.Errorf("public comment entry = %+v, want actor and role public and no contact", e)
		}
		if e := entries[14]; e.Actor != head.Username || e.Role != workflow.RoleHead || e.From != workflow.StateCollectiveDecision || e.To != workflow.StateApproved {
			t.Errorf("approve entry = %+v", e)
		}
		v := h.verify(t, d.ID)
		if !v.OK || v.Entries != len(entries) || v.HeadHash != entries[len(entries)-1].Hash {
			t.Errorf("verify = %+v, want ok with %d entries", v, len(entries))
		}
	})
}
