package storage_test

import (
	"sync"
	"testing"

	"decisionflow/workflow"
)

// TestConcurrentTogglesChain has goroutines fire defer and retable on one
// decision, back and forth, all at once. A transaction that waited for the
// row lock must chain its entry onto the head its predecessor wrote: a
// stale head would collide on the journal's primary key (EEXISTS) or break
// the chain. Only ECONFLICT (the state moved on) is an allowed refusal.
//
// It runs twice: with the optimistic first run (most
// conflicts end there, the rest fall back to the lock) and with the lock
// always, so that the lock's stale-head check is exercised on its own.
func TestConcurrentTogglesChain(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		t.Run("optimistic", func(t *testing.T) { togglesChain(t, h) })
		h.db.SetOptimistic(false)
		defer h.db.SetOptimistic(true)
		t.Run("locking", func(t *testing.T) { togglesChain(t, h) })
	})
}

func togglesChain(t *testing.T, h *harness) {
	d := h.advance(t, workflow.StateCollectiveDecision)
	before := len(h.history(t, d.ID))
	deferData := mustJSON(t, h.validData(workflow.EventDefer))
	retableData := mustJSON(t, h.validData(workflow.EventRetable))
	const workers, rounds = 16, 12
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		won   int
		start = make(chan struct{})
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			<-start
			for i := 0; i < rounds; i++ {
				ev, data := workflow.EventDefer, deferData
				if (i+w)%2 == 1 {
					ev, data = workflow.EventRetable, retableData
				}
				_, err := h.eng.Fire(h.ctx, head, d.ID, ev, data, 0)
				switch workflow.ErrorCode(err) {
				case "":
					mu.Lock()
					won++
					mu.Unlock()
				case workflow.ECONFLICT:
				default:
					t.Errorf("%s: %v", ev, err)
				}
			}
		}(w)
	}
	close(start)
	wg.Wait()
	if won == 0 {
		t.Fatal("no event succeeded")
	}
	if got := len(h.history(t, d.ID)); got != before+won {
		t.Fatalf("journal grew by %d entries, want %d", got-before, won)
	}
	if v := h.verify(t, d.ID); !v.OK {
		t.Fatalf("verify: %+v", v)
	}
}
