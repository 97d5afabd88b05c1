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

// TestDueCount: the due filter's bounds, as storage.decisionWhere applies
// them: a review's due date strictly before ReviewDueBefore, a submission
// (no due date recorded) on or before LegalityStartedBy, a comment period
// closing strictly before CommentClosesBefore, and only when that is set.
func TestDueCount(t *testing.T) {
	day := func(s string) Date {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tl := NewTallies()
	tl.Due[DueDay{DueReview, day("2026-05-09")}] = 1
	tl.Due[DueDay{DueReview, day("2026-05-10")}] = 2
	tl.Due[DueDay{DueSubmitted, day("2026-04-28")}] = 4
	tl.Due[DueDay{DueSubmitted, day("2026-04-29")}] = 8
	tl.Due[DueDay{DueCloses, day("2026-05-09")}] = 16
	tl.Due[DueDay{DueCloses, day("2026-05-10")}] = 32
	tl.Due[DueDay{DueReview, day("2026-01-01")}] = 0
	may10 := day("2026-05-10")
	cases := []struct {
		name string
		b    DueBounds
		want int
	}{
		{"overdue: no comment periods", DueBounds{ReviewDueBefore: may10, LegalityStartedBy: day("2026-04-28")}, 1 + 4},
		{"the submission bound is inclusive", DueBounds{ReviewDueBefore: may10, LegalityStartedBy: day("2026-04-29")}, 1 + 4 + 8},
		{"due before: the comment periods too", DueBounds{ReviewDueBefore: may10, LegalityStartedBy: day("2026-04-28"), CommentClosesBefore: &may10}, 1 + 4 + 16},
		{"a day later", DueBounds{ReviewDueBefore: may10.AddDays(1), LegalityStartedBy: day("2026-04-29"), CommentClosesBefore: ptrTo(may10.AddDays(1))}, 63},
		{"before everything", DueBounds{ReviewDueBefore: day("2026-05-09"), LegalityStartedBy: day("2026-04-27"), CommentClosesBefore: ptrTo(day("2026-05-09"))}, 0},
	}
	for _, c := range cases {
		if got := tl.DueCount(c.b); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
