package storage_test

import (
	"testing"

	"decisionflow/workflow"
)

// TestOtherEvents covers every event off the main path.
func TestOtherEvents(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		t.Run("waivers under statutory", func(t *testing.T) {
			s := h.withSettings(func(s *workflow.Settings) { s.Policy = workflow.PolicyStatutory })
			d := s.advance(t, workflow.StatePublicParticipation)
			if d.Policy != workflow.PolicyStatutory {
				t.Fatalf("policy = %s", d.Policy)
			}
			for _, ev := range []string{workflow.EventWaivePublicParticipation, workflow.EventWaiveExpertReview, workflow.EventWaiveRiskAssessment} {
				d = s.fire(t, staff, d.ID, ev, s.validData(ev))
			}
			if d.State != workflow.StateLegalityReview {
				t.Fatalf("after three waivers: %s, want legality_review", d.State)
			}
		})
		t.Run("return and resubmit legality review", func(t *testing.T) {
			d := h.advance(t, workflow.StateRevising)
			// The draft is frozen in legality review and editable again in revising.
			if _, err := h.eng.SaveDraft(h.ctx, staff, d.ID, workflow.DraftInput{Text: "修改后的文本", LegalBases: []string{"《条例》"}}, 0); err != nil {
				t.Fatalf("save draft in revising: %v", err)
			}
			d = h.fire(t, staff, d.ID, workflow.EventResubmitLegalityReview, h.validData(workflow.EventResubmitLegalityReview))
			if d.State != workflow.StateLegalityReview || d.Draft.Version != 2 {
				t.Fatalf("after resubmit: %s draft v%d, want legality_review v2", d.State, d.Draft.Version)
			}
			_, err := h.eng.SaveDraft(h.ctx, staff, d.ID, workflow.DraftInput{Text: "x", LegalBases: []string{"y"}}, 0)
			wantCode(t, err, workflow.ECONFLICT, "")
		})
		t.Run("defer and retable", func(t *testing.T) {
			d := h.advance(t, workflow.StateDeferred)
			d = h.fire(t, head, d.ID, workflow.EventRetable, h.validData(workflow.EventRetable))
			if d.State != workflow.StateCollectiveDecision {
				t.Fatalf("after retable: %s", d.State)
			}
		})
		t.Run("return for revision", func(t *testing.T) {
			d := h.advance(t, workflow.StateCollectiveDecision)
			d = h.fire(t, head, d.ID, workflow.EventReturnForRevision, h.validData(workflow.EventReturnForRevision))
			if d.State != workflow.StateRevising {
				t.Fatalf("after return_for_revision: %s", d.State)
			}
			d = h.fire(t, staff, d.ID, workflow.EventResubmitLegalityReview, h.validData(workflow.EventResubmitLegalityReview))
			if d.State != workflow.StateLegalityReview {
				t.Fatalf("after resubmit: %s", d.State)
			}
		})
		t.Run("approve with changes", func(t *testing.T) {
			d := h.advance(t, workflow.StateCollectiveDecision)
			d = h.fire(t, head, d.ID, workflow.EventApproveWithChanges, h.validData(workflow.EventApproveWithChanges))
			if d.State != workflow.StateApproved {
				t.Fatalf("state %s", d.State)
			}
		})
		t.Run("reject", func(t *testing.T) {
			d := h.advance(t, workflow.StateRejected)
			if !d.State.Closed() || d.State.Terminal() || len(d.AllowedEvents) != 0 {
				t.Fatalf("rejected: closed %v terminal %v, the head may fire %v", d.State.Closed(), d.State.Terminal(), d.AllowedEvents)
			}
			if got := workflow.AllowedEvents(d.State, workflow.RoleStaff); len(got) != 1 || got[0] != workflow.EventArchive {
				t.Fatalf("staff may fire %v from rejected, want [archive]", got)
			}
		})
		def, _ := workflow.LookupEvent(workflow.EventWithdraw)
		for _, from := range def.From {
			t.Run("withdraw from "+string(from), func(t *testing.T) {
				d := h.advance(t, from)
				d = h.fire(t, head, d.ID, workflow.EventWithdraw, h.validData(workflow.EventWithdraw))
				if d.State != workflow.StateWithdrawn {
					t.Fatalf("state %s", d.State)
				}
				if v := h.verify(t, d.ID); !v.OK {
					t.Fatalf("verify: %+v", v)
				}
			})
		}
		for _, from := range []workflow.State{workflow.StatePublished, workflow.StateArchived, workflow.StateRejected} {
			t.Run("no withdraw from "+string(from), func(t *testing.T) {
				d := h.advance(t, from)
				wantCode(t, h.fireErr(t, head, d.ID, workflow.EventWithdraw, h.validData(workflow.EventWithdraw)), workflow.ECONFLICT, "")
			})
		}
	})
}

// TestRoles fires every event in its source state with every role: only the
// contract's role succeeds; the others get EFORBIDDEN and change nothing.
func TestRoles(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.withSettings(func(s *workflow.Settings) { s.Policy = workflow.PolicyStatutory })
		for _, ev := range workflow.Events {
			if ev.Internal {
				continue // fired by nobody: TestLifecycle covers supersede
			}
			t.Run(ev.Name, func(t *testing.T) {
				d := s.advance(t, ev.From[0])
				s.prepare(t, d.ID, ev.Name)
				before := len(s.history(t, d.ID))
				for _, role := range workflow.Roles {
					if role == ev.Role {
						continue
					}
					err := s.fireErr(t, users[role], d.ID, ev.Name, s.validData(ev.Name))
					wantCode(t, err, workflow.EFORBIDDEN, "")
				}
				_, err := s.eng.Fire(s.ctx, nil, d.ID, ev.Name, mustJSON(t, s.validData(ev.Name)), 0)
				wantCode(t, err, workflow.EUNAUTHENTICATED, "")
				if n := len(s.history(t, d.ID)); n != before {
					t.Fatalf("refused events wrote %d journal entries", n-before)
				}
				got := s.fire(t, users[ev.Role], d.ID, ev.Name, s.validData(ev.Name))
				want := ev.To
				if ev.Stays {
					want = ev.From[0]
				}
				if got.State != want {
					t.Fatalf("state = %s, want %s", got.State, want)
				}
			})
		}
		t.Run("records are staff only", func(t *testing.T) {
			d := s.advance(t, workflow.StatePublicParticipation)
			for _, role := range []workflow.Role{workflow.RoleLegalAdvisor, workflow.RoleHead, workflow.RoleAdmin} {
				u := users[role]
				_, err := s.eng.SaveDraft(s.ctx, u, d.ID, workflow.DraftInput{Text: "x"}, 0)
				wantCode(t, err, workflow.EFORBIDDEN, "")
				_, err = s.eng.SetCommentPeriod(s.ctx, u, d.ID, workflow.CommentPeriodInput{OpensOn: s.today().String(), ClosesOn: s.today().AddDays(40).String(), Channels: []string{"网站"}}, 0)
				wantCode(t, err, workflow.EFORBIDDEN, "")
				_, err = s.eng.AddComment(s.ctx, u, d.ID, workflow.CommentInput{Channel: "letter", Content: "x"})
				wantCode(t, err, workflow.EFORBIDDEN, "")
				_, err = s.eng.DisposeComment(s.ctx, u, d.ID, 1, workflow.DispositionInput{Disposition: "adopted", Reason: "x"})
				wantCode(t, err, workflow.EFORBIDDEN, "")
				yes, no := true, false
				_, err = s.eng.AddExpertOpinion(s.ctx, u, d.ID, workflow.ExpertOpinionInput{ExpertName: "a", Opinion: "b", Signed: &yes, ConflictOfInterest: &no})
				wantCode(t, err, workflow.EFORBIDDEN, "")
				_, err = s.eng.Create(s.ctx, u, proposed(workflow.NewDecision{Title: "t", Category: "plan", UndertakingUnit: "u"}))
				wantCode(t, err, workflow.EFORBIDDEN, "")
			}
		})
	})
}

// TestEventNotAllowed fires, in every state, every event not defined from
// it: ECONFLICT with the state and the caller's allowed events.
func TestEventNotAllowed(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.withSettings(func(s *workflow.Settings) { s.Policy = workflow.PolicyStatutory })
		for _, state := range workflow.States {
			t.Run(string(state), func(t *testing.T) {
				d := s.advance(t, state)
				defined := map[string]bool{}
				for _, ev := range workflow.EventsFrom(state) {
					defined[ev] = true
				}
				for _, ev := range workflow.Events {
					if defined[ev.Name] {
						continue
					}
					err := s.fireErr(t, users[ev.Role], d.ID, ev.Name, s.validData(ev.Name))
					wantCode(t, err, workflow.ECONFLICT, "")
					var we *workflow.Error
					if !asError(err, &we) || we.State != state {
						t.Fatalf("%s: conflict state = %v, want %s", ev.Name, we, state)
					}
					want := workflow.AllowedEvents(state, ev.Role)
					if len(we.AllowedEvents) != len(want) {
						t.Fatalf("%s: allowed = %v, want %v", ev.Name, we.AllowedEvents, want)
					}
				}
			})
		}
	})
}
