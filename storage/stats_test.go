package storage_test

import (
	"sort"
	"testing"
	"time"

	"decisionflow/workflow"
)

// TestStayMediansMatchTheJournal checks the medians the database computes
// (StayMedians, PostgreSQL in SQL) against the same figures computed in Go
// from every transition, as the statistics did before: odd and even
// numbers of stays, stays of uneven lengths down to the microsecond.
func TestStayMediansMatchTheJournal(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		targets := []workflow.State{workflow.StatePublished, workflow.StateArchived, workflow.StateRejected,
			workflow.StatePublished, workflow.StateCollectiveDecision, workflow.StateWithdrawn, workflow.StatePublished}
		for i, state := range targets {
			d := h.create(t)
			h.saveDraft(t, d.ID)
			for j, ev := range path[state] {
				h.prepare(t, d.ID, ev)
				h.clock.Advance(time.Duration(i*37+j*11+1)*time.Hour + time.Duration(i*j*7919)*time.Microsecond)
				def, _ := workflow.LookupEvent(ev)
				d = h.fire(t, users[def.Role], d.ID, ev, h.validData(ev))
			}
		}

		ts, err := h.db.Transitions(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]float64{}
		for i := 1; i < len(ts); i++ {
			prev, cur := ts[i-1], ts[i]
			if prev.DecisionID != cur.DecisionID {
				continue
			}
			if def, ok := workflow.LookupState(prev.To); ok && def.Step == string(prev.To) {
				want[def.Step] = append(want[def.Step], cur.At.Sub(prev.At).Hours()/24)
			}
		}
		st, err := h.eng.Stats(h.ctx, legal)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.MedianDays) != len(workflow.Steps) {
			t.Fatalf("median days %+v", st.MedianDays)
		}
		some := 0
		for _, m := range st.MedianDays {
			w := goMedian(want[m.Step])
			if m.Stays != len(want[m.Step]) || (w == nil) != (m.Days == nil) || (w != nil && *w != *m.Days) {
				t.Errorf("step %s: %d stays, median %v; computed in Go from the journal: %d, %v",
					m.Step, m.Stays, ptr(m.Days), len(want[m.Step]), ptr(w))
			}
			if m.Stays > 1 {
				some++
			}
		}
		if some < 3 {
			t.Fatalf("too few steps with stays to compare: %+v", st.MedianDays)
		}
	})
}

func ptr(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// goMedian is the statistics' median as it was computed in Go.
func goMedian(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	m = float64(int(m*10+0.5)) / 10
	return &m
}
