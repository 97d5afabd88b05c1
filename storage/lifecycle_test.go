package storage_test

import (
	"testing"

	"decisionflow/workflow"
)

// adjust publishes a decision, adjusts it after an evaluation, takes the
// successor through all five procedures and publishes it: the old decision
// is then adjusted. It returns both, as they stand at the end.
func (h *harness) adjust(t testing.TB) (old, next *workflow.Decision) {
	t.Helper()
	old = h.advance(t, workflow.StatePublished)
	h.prepare(t, old.ID, workflow.EventAdjust)
	old = h.fire(t, head, old.ID, workflow.EventAdjust, h.validData(workflow.EventAdjust))
	if old.State != workflow.StatePublished || old.SupersededBy == nil {
		t.Fatalf("after adjust: %s, superseded_by %v; want published with a successor", old.State, old.SupersededBy)
	}
	next, err := h.eng.Decision(h.ctx, staff, *old.SupersededBy)
	if err != nil {
		t.Fatal(err)
	}
	if next.State != workflow.StateDrafting || next.Supersedes == nil || *next.Supersedes != old.ID {
		t.Fatalf("successor %d: %s, supersedes %v", next.ID, next.State, next.Supersedes)
	}
	h.saveDraft(t, next.ID)
	for _, ev := range path[workflow.StatePublished] {
		h.prepare(t, next.ID, ev)
		def, _ := workflow.LookupEvent(ev)
		next = h.fire(t, users[def.Role], next.ID, ev, h.validData(ev))
	}
	if old, err = h.eng.Decision(h.ctx, staff, old.ID); err != nil {
		t.Fatal(err)
	}
	return old, next
}

// TestLifecycle: after the decision (lifecycle.md, Arts 34-37), on both stores.
func TestLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		t.Run("suspend, resume, evaluate from suspension back to it", func(t *testing.T) {
			d := h.advance(t, workflow.StatePublished)
			if d.ExecutionUnit != d.UndertakingUnit {
				t.Fatalf("execution unit %q, want the undertaking unit by default", d.ExecutionUnit)
			}
			d = h.fire(t, head, d.ID, workflow.EventSuspend, h.validData(workflow.EventSuspend))
			d = h.fire(t, head, d.ID, workflow.EventStartEvaluation, h.validData(workflow.EventStartEvaluation))
			d = h.fire(t, staff, d.ID, workflow.EventCompleteEvaluation, h.validData(workflow.EventCompleteEvaluation))
			if d.State != workflow.StateSuspended || d.EvaluationConclusion != "adjust" {
				t.Fatalf("after the evaluation: %s (%s), want back in suspended", d.State, d.EvaluationConclusion)
			}
			d = h.fire(t, head, d.ID, workflow.EventResume, h.validData(workflow.EventResume))
			if d.State != workflow.StatePublished {
				t.Fatalf("resumed into %s", d.State)
			}
		})
		t.Run("adjust: the old stays in force until the successor is published", func(t *testing.T) {
			old, next := h.adjust(t)
			if old.State != workflow.StateAdjusted || next.State != workflow.StatePublished {
				t.Fatalf("old %s, successor %s; want adjusted and published", old.State, next.State)
			}
			es := h.history(t, old.ID)
			if last := es[len(es)-1]; last.Name != workflow.EventSupersede || last.To != workflow.StateAdjusted || last.Actor != staff.Username {
				t.Fatalf("old's last entry %+v, want supersede by the publisher", last)
			}
			for _, id := range []int64{old.ID, next.ID} {
				if v := h.verify(t, id); !v.OK {
					t.Fatalf("decision %d: %+v", id, v)
				}
			}
			if first := h.history(t, next.ID)[0]; first.Name != workflow.RecordCreate || first.To != workflow.StateDrafting {
				t.Fatalf("successor's first entry %+v", first)
			}
			d := h.fire(t, staff, old.ID, workflow.EventArchive, h.validData(workflow.EventArchive))
			if d.State != workflow.StateArchived || d.Outcome == nil || *d.Outcome != workflow.StateAdjusted {
				t.Fatalf("archived %s with outcome %v, want adjusted", d.State, d.Outcome)
			}
		})
		t.Run("an adjusted decision under evaluation is retired too", func(t *testing.T) {
			old := h.advance(t, workflow.StatePublished)
			h.prepare(t, old.ID, workflow.EventAdjust)
			old = h.fire(t, head, old.ID, workflow.EventAdjust, h.validData(workflow.EventAdjust))
			h.fire(t, head, old.ID, workflow.EventStartEvaluation, h.validData(workflow.EventStartEvaluation))
			next := *old.SupersededBy
			h.saveDraft(t, next)
			for _, ev := range path[workflow.StatePublished] {
				h.prepare(t, next, ev)
				def, _ := workflow.LookupEvent(ev)
				h.fire(t, users[def.Role], next, ev, h.validData(ev))
			}
			if d, _ := h.eng.Decision(h.ctx, staff, old.ID); d.State != workflow.StateAdjusted {
				t.Fatalf("old decision %s after its successor was published, want adjusted", d.State)
			}
		})
		t.Run("one adjustment at a time; again after the successor was withdrawn", func(t *testing.T) {
			d := h.advance(t, workflow.StatePublished)
			h.prepare(t, d.ID, workflow.EventAdjust)
			d = h.fire(t, head, d.ID, workflow.EventAdjust, h.validData(workflow.EventAdjust))
			err := h.fireErr(t, head, d.ID, workflow.EventAdjust, h.validData(workflow.EventAdjust))
			wantCode(t, err, workflow.ECONFLICT, "")
			h.fire(t, head, *d.SupersededBy, workflow.EventWithdraw, h.validData(workflow.EventWithdraw))
			d = h.fire(t, head, d.ID, workflow.EventAdjust, h.validData(workflow.EventAdjust))
			if d.State != workflow.StatePublished {
				t.Fatalf("state %s", d.State)
			}
		})
		t.Run("archive every closed decision with its outcome", func(t *testing.T) {
			for _, closed := range []workflow.State{workflow.StateRejected, workflow.StateWithdrawn, workflow.StateExecuted, workflow.StateStopped} {
				d := h.advance(t, closed)
				d = h.fire(t, staff, d.ID, workflow.EventArchive, h.validData(workflow.EventArchive))
				if d.Outcome == nil || *d.Outcome != closed {
					t.Fatalf("archived from %s with outcome %v", closed, d.Outcome)
				}
			}
			d := h.advance(t, workflow.StatePublished)
			wantCode(t, h.fireErr(t, staff, d.ID, workflow.EventArchive, h.validData(workflow.EventArchive)), workflow.ECONFLICT, "")
		})
		t.Run("a decision not to be disclosed completes without publication", func(t *testing.T) {
			d := h.advance(t, workflow.StateCollectiveDecision)
			data := h.validData(workflow.EventApprove).(workflow.ApproveData)
			data.NotDisclosed, data.NondisclosureBasis = true, "《保守国家秘密法》"
			d = h.fire(t, head, d.ID, workflow.EventApprove, data)
			if !d.NotDisclosed {
				t.Fatal("not_disclosed was not kept")
			}
			d = h.fire(t, staff, d.ID, workflow.EventCompleteExecution, h.validData(workflow.EventCompleteExecution))
			if d.State != workflow.StateExecuted {
				t.Fatalf("state %s", d.State)
			}
		})
		t.Run("supersede is fired by nobody", func(t *testing.T) {
			d := h.advance(t, workflow.StatePublished)
			for _, u := range []*workflow.User{staff, legal, head, admin} {
				wantCode(t, h.fireErr(t, u, d.ID, workflow.EventSupersede, map[string]any{}), workflow.EFORBIDDEN, "")
			}
		})
	})
}
