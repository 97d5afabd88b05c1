package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"decisionflow/storage"
	"decisionflow/workflow"
)

// TestConcurrentEvents fires one event from 50 goroutines at once: exactly
// one wins, exactly one journal entry is added, the others get a conflict.
func TestConcurrentEvents(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		d := h.advance(t, workflow.StateCollectiveDecision)
		before := len(h.history(t, d.ID))
		data := mustJSON(t, h.validData(workflow.EventDefer))
		const n = 50
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make([]error, n)
		)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				_, errs[i] = h.eng.Fire(h.ctx, head, d.ID, workflow.EventDefer, data, 0)
			}(i)
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch workflow.ErrorCode(err) {
			case "":
				won++
			case workflow.ECONFLICT:
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d goroutines succeeded, want exactly 1", won)
		}
		if got := len(h.history(t, d.ID)); got != before+1 {
			t.Fatalf("journal grew by %d entries, want 1", got-before)
		}
		if v := h.verify(t, d.ID); !v.OK {
			t.Fatalf("verify: %+v", v)
		}
	})
}

// TestConcurrentIfMatch: 20 writers with the same If-Match version; one wins,
// the others get EVERSION.
func TestConcurrentIfMatch(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		d := h.create(t)
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = h.eng.SaveDraft(h.ctx, staff, d.ID, workflow.DraftInput{Text: "版本", LegalBases: []string{"x"}}, d.Version)
			}(i)
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch workflow.ErrorCode(err) {
			case "":
				won++
			case workflow.EVERSION:
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d writers succeeded with the same If-Match, want 1", won)
		}
	})
}

// TestNoGlobalLock holds the row lock of one decision in an open
// transaction and fires an event on another: it must not wait. PostgreSQL
// only: SQLite has one writer at a time by design (docs/design.md). The
// store takes the lock for every action here (SetOptimistic(false)): the
// holder below changes nothing, which would otherwise run without a lock.
func TestNoGlobalLock(t *testing.T) {
	db := openStore(t, storage.Postgres)
	db.SetOptimistic(false)
	clock := workflow.NewManualClock(start)
	h := &harness{name: "postgres", db: db, clock: clock, ctx: context.Background(), eng: workflow.NewEngine(db, clock, workflow.DefaultSettings())}
	a, b := h.create(t), h.create(t)
	h.saveDraft(t, b.ID)

	locked := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.UpdateDecision(h.ctx, a.ID, func(workflow.DecisionTx) error {
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	ctx, cancel := context.WithTimeout(h.ctx, 3*time.Second)
	defer cancel()
	if _, err := h.eng.Fire(ctx, staff, b.ID, workflow.EventSubmitDraft, nil, 0); err != nil {
		t.Fatalf("an event on another decision waited for the lock: %v", err)
	}
	// The same decision does wait: a second action on a times out while a is held.
	ctx2, cancel2 := context.WithTimeout(h.ctx, 300*time.Millisecond)
	defer cancel2()
	_, err := h.eng.SaveDraft(ctx2, staff, a.ID, workflow.DraftInput{Text: "x", LegalBases: []string{"y"}}, 0)
	if err == nil {
		t.Fatal("a second action on the locked decision did not wait")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
