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
	// step, over the stays that ended; Stays counts them. Stays are counted
	// in tenths of a day (Tallies.StayMedian).
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

// Stats computes the statistics over every decision, from the one read of
// the tallies the store keeps on write, the overdue count included.
func (e *Engine) Stats(ctx context.Context, actor *User) (*Stats, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	t, err := e.store.Tallies(ctx)
	if err != nil {
		return nil, err
	}
	out := &Stats{}
	counts := t.StateCounts()
	for _, s := range States {
		out.ByState = append(out.ByState, StateCount{s, counts[s]})
		out.Total += counts[s]
	}
	for u, n := range t.Units {
		if n != 0 {
			out.ByUnit = append(out.ByUnit, UnitCount{u, n})
		}
	}
	sort.Slice(out.ByUnit, func(i, j int) bool {
		if out.ByUnit[i].Count != out.ByUnit[j].Count {
			return out.ByUnit[i].Count > out.ByUnit[j].Count
		}
		return out.ByUnit[i].Unit < out.ByUnit[j].Unit
	})
	out.ByOutcome = outcomeCounts(t.OutcomeCounts())
	stateOf := map[string]State{}
	for _, s := range States {
		if step, ok := stepOf(s); ok {
			stateOf[step] = s
		}
	}
	for _, step := range Steps {
		m := StepMedian{Step: step}
		if s, ok := stateOf[step]; ok {
			m.Days, m.Stays = t.StayMedian(s)
		}
		out.MedianDays = append(out.MedianDays, m)
	}
	if out.Overdue, err = e.overdueCount(ctx, t); err != nil {
		return nil, err
	}
	return out, nil
}
