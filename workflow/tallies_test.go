package workflow

import (
	"maps"
	"testing"
)

// TestStayMedianFromBuckets: the median of stays counted in tenths of a
// day is the middle stay by cumulative count, or the mean of the two
// middle ones rounded to a tenth, halves up.
func TestStayMedianFromBuckets(t *testing.T) {
	const none = -999.0
	cases := []struct {
		name    string
		buckets map[int64]int // tenths → stays
		want    float64       // none: no median
		stays   int
	}{
		{"no stay", nil, none, 0},
		{"one stay", map[int64]int{42: 1}, 4.2, 1},
		{"odd: the middle one", map[int64]int{3: 1, 33: 1, 70: 1}, 3.3, 3},
		{"odd, by cumulative count", map[int64]int{5: 2, 8: 1, 90: 2}, 0.8, 5},
		{"even: the mean of the two middle ones", map[int64]int{10: 1, 20: 1, 30: 1, 50: 1}, 2.5, 4},
		{"even: the mean rounded halves up", map[int64]int{10: 1, 20: 1, 21: 1, 50: 1}, 2.1, 4},
		{"even: both middle ones in one bucket", map[int64]int{1: 1, 7: 2, 9: 1}, 0.7, 4},
		{"even: the middle ones straddle a heavy bucket", map[int64]int{2: 3, 4: 3}, 0.3, 6},
		{"zero days", map[int64]int{0: 4}, 0, 4},
		{"a clock set back: negative stays, halves up", map[int64]int{-3: 1, 0: 1}, -0.1, 2},
		{"empty buckets are ignored", map[int64]int{1: 0, 5: 1, 9: 0}, 0.5, 1},
	}
	for _, c := range cases {
		tl := NewTallies()
		for tenths, n := range c.buckets {
			tl.Stays[StayBucket{StateExpertReview, tenths}] = n
		}
		tl.Stays[StayBucket{StateRiskAssessment, 1000}] = 7 // another state's stays
		days, stays := tl.StayMedian(StateExpertReview)
		if stays != c.stays || (days == nil) != (c.want == none) || (days != nil && *days != c.want) {
			got := any(nil)
			if days != nil {
				got = *days
			}
			t.Errorf("%s: %v over %d stays, want %v over %d", c.name, got, stays, c.want, c.stays)
		}
	}
}

// TestTallyCounts: counts by state sum the outcomes; by outcome, archived
// decisions count under their outcome and closed ones not yet archived
// under their state, as CountByOutcome's COALESCE(outcome, state) did.
func TestTallyCounts(t *testing.T) {
	tl := NewTallies()
	tl.Decisions[StateOutcome{StateArchived, StateExecuted}] = 5
	tl.Decisions[StateOutcome{StateArchived, StateRejected}] = 2
	tl.Decisions[StateOutcome{StateRejected, ""}] = 3
	tl.Decisions[StateOutcome{StateWithdrawn, ""}] = 1
	tl.Decisions[StateOutcome{StatePublished, ""}] = 4
	tl.Decisions[StateOutcome{StateDeferred, ""}] = 0
	if got, want := tl.StateCounts(), map[State]int{StateArchived: 7, StateRejected: 3, StateWithdrawn: 1, StatePublished: 4}; !maps.Equal(got, want) {
		t.Errorf("state counts %v, want %v", got, want)
	}
	if got, want := tl.OutcomeCounts(), map[State]int{StateExecuted: 5, StateRejected: 5, StateWithdrawn: 1}; !maps.Equal(got, want) {
		t.Errorf("outcome counts %v, want %v", got, want)
	}
}
