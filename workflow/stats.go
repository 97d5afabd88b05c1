package workflow

import (
	"context"
	"sort"
)

// Stats are the figures of the statistics page.
type Stats struct {
	ByState []StateCount `json:"by_state"`
	ByUnit  []UnitCount  `json:"by_unit"`
	// ByOutcome counts the closed files by outcome (lifecycle.md "Archive"):
	// archived decisions by the state they were archived from, closed ones
	// not yet archived by their state.
	ByOutcome []OutcomeCount `json:"by_outcome"`
	// MedianDays is the median time, in days, that a decision spent in each
	// step, over the stays that ended; Stays counts them.
	MedianDays []StepMedian `json:"median_days"`
	Overdue    int          `json:"overdue"`
	Total      int          `json:"total"`
}

// StateCount counts decisions in a state.
type StateCount struct {
	State State `json:"state"`
	Count int   `json:"count"`
}

// UnitCount counts decisions of an undertaking unit.
type UnitCount struct {
	Unit  string `json:"undertaking_unit"`
	Count int    `json:"count"`
}

// StepMedian is the median stay in one step.
type StepMedian struct {
	Step  string   `json:"step"`
	Days  *float64 `json:"days"`
	Stays int      `json:"stays"`
}

// stepOf returns the procedure carried out in s: the state named for its
// step (revising and deferred are waits between, not the step itself).
func stepOf(s State) (string, bool) {
	def, ok := LookupState(s)
	if !ok || def.Step != string(s) {
		return "", false
	}
	return def.Step, true
}

// Stats computes the statistics over every decision.
func (e *Engine) Stats(ctx context.Context, actor *User) (*Stats, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	counts, err := e.store.CountByState(ctx)
	if err != nil {
		return nil, err
	}
	out := &Stats{}
	for _, s := range States {
		out.ByState = append(out.ByState, StateCount{s, counts[s]})
		out.Total += counts[s]
	}
	units, err := e.store.CountByUnit(ctx)
	if err != nil {
		return nil, err
	}
	for u, n := range units {
		out.ByUnit = append(out.ByUnit, UnitCount{u, n})
	}
	sort.Slice(out.ByUnit, func(i, j int) bool {
		if out.ByUnit[i].Count != out.ByUnit[j].Count {
			return out.ByUnit[i].Count > out.ByUnit[j].Count
		}
		return out.ByUnit[i].Unit < out.ByUnit[j].Unit
	})
	outcomes, err := e.store.CountByOutcome(ctx)
	if err != nil {
		return nil, err
	}
	out.ByOutcome = outcomeCounts(outcomes)
	ts, err := e.store.Transitions(ctx)
	if err != nil {
		return nil, err
	}
	stays := map[string][]float64{}
	for i := 1; i < len(ts); i++ {
		prev, cur := ts[i-1], ts[i]
		if prev.DecisionID != cur.DecisionID {
			continue
		}
		if step, ok := stepOf(prev.To); ok {
			stays[step] = append(stays[step], cur.At.Sub(prev.At).Hours()/24)
		}
	}
	for _, s := range Steps {
		m := StepMedian{Step: s, Stays: len(stays[s])}
		if v := median(stays[s]); v != nil {
			m.Days = v
		}
		out.MedianDays = append(out.MedianDays, m)
	}
	if out.Overdue, err = e.OverdueCount(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

func median(xs []float64) *float64 {
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
