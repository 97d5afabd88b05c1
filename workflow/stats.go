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
	var stepStates []State
	for _, s := range States {
		if _, ok := stepOf(s); ok {
			stepStates = append(stepStates, s)
		}
	}
	stays, err := e.store.StayMedians(ctx, stepStates)
	if err != nil {
		return nil, err
	}
	byStep := map[string]StayMedian{}
	for s, m := range stays {
		if step, ok := stepOf(s); ok {
			byStep[step] = m
		}
	}
	for _, s := range Steps {
		st := byStep[s]
		out.MedianDays = append(out.MedianDays, StepMedian{Step: s, Stays: st.Stays, Days: stayMedianDays(st)})
	}
	if out.Overdue, err = e.OverdueCount(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// stayMedianDays is m's median in days, rounded to a tenth (nil when no
// stay ended): each middle stay in days, the two averaged when their number
// is even, exactly as when the stays were gathered in Go.
func stayMedianDays(m StayMedian) *float64 {
	if m.Stays == 0 {
		return nil
	}
	v := m.Lo.Hours() / 24
	if m.Stays%2 == 0 {
		v = (m.Lo.Hours()/24 + m.Hi.Hours()/24) / 2
	}
	v = float64(int(v*10+0.5)) / 10
	return &v
}
