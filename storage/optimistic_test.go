package storage_test

import (
	"testing"

	"decisionflow/workflow"
)

// TestOptimisticWriteSeesAnotherWriter moves the decision between an
// optimistic run's read and its write: the write must find the version
// moved, write nothing, and run the action again on a fresh read, so that
// its entry chains onto the other writer's.
func TestOptimisticWriteSeesAnotherWriter(t *testing.T) {
	forEachStore(t, writeSeesAnotherWriter)
}

func writeSeesAnotherWriter(t *testing.T, h *harness) {
	db, clock := h.db, h.clock
	d := h.advance(t, workflow.StateCollectiveDecision)
	before := len(h.history(t, d.ID))
	deferData := mustJSON(t, h.validData(workflow.EventDefer))

	var versions []int64
	err := db.UpdateDecision(h.ctx, d.ID, func(tx workflow.DecisionTx) error {
		cur := tx.Decision()
		versions = append(versions, cur.Version)
		if len(versions) == 1 {
			// Another writer, between this run's read and its write.
			if _, err := h.eng.Fire(h.ctx, head, d.ID, workflow.EventDefer, deferData, 0); err != nil {
				return err
			}
		}
		seq, prev, err := tx.LastEntry(h.ctx)
		if err != nil {
			return err
		}
		cur.Version++
		cur.UpdatedAt = clock.Now()
		if err := tx.SaveDecision(h.ctx, cur); err != nil {
			return err
		}
		e := &workflow.JournalEntry{DecisionID: cur.ID, Seq: seq + 1, Kind: workflow.KindRecord,
			Name: workflow.RecordAddComment, From: cur.State, To: cur.State, Actor: staff.Username,
			Role: staff.Role, At: clock.Now(), Data: []byte(`{}`), PrevHash: prev}
		if e.Hash, err = e.ComputeHash(); err != nil {
			return err
		}
		return tx.AppendEntry(h.ctx, e)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 2 || versions[1] != versions[0]+1 {
		t.Fatalf("the action ran at versions %v, want twice, the second on the other writer's", versions)
	}
	hist := h.history(t, d.ID)
	if len(hist) != before+2 {
		t.Fatalf("journal grew by %d entries, want 2 (the other writer's and this one's)", len(hist)-before)
	}
	if last := hist[len(hist)-1]; last.Name != workflow.RecordAddComment || last.From != workflow.StateDeferred {
		t.Fatalf("last entry %s from %s, want %s from deferred", last.Name, last.From, workflow.RecordAddComment)
	}
	if v := h.verify(t, d.ID); !v.OK {
		t.Fatalf("verify: %+v", v)
	}
	got, err := db.Decision(h.ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != versions[1]+1 {
		t.Fatalf("version %d, want %d", got.Version, versions[1]+1)
	}
}

// TestOptimisticNeedsLock: an action that reads more than the decision
// (here the comments) runs in the locking transaction, once, and writes
// what it should.
func TestOptimisticNeedsLock(t *testing.T) {
	forEachStore(t, needsLock)
}

func needsLock(t *testing.T, h *harness) {
	db := h.db
	d := h.advance(t, workflow.StateCollectiveDecision)
	runs, locked := 0, 0
	err := db.UpdateDecision(h.ctx, d.ID, func(tx workflow.DecisionTx) error {
		runs++
		if _, err := tx.Comments(h.ctx); err != nil {
			return err
		}
		locked++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 || locked != 1 {
		t.Fatalf("runs %d, of which past the comments %d; want 2 and 1 (optimistic, then locked)", runs, locked)
	}
}
