package workflow

import (
	"cmp"
	"slices"
)

// Tallies are the counts the store keeps on write for the statistics and
// the dashboard (DecisionStore.Tallies): reading them costs the number of
// distinct counts, not the number of decisions or journal entries.
type Tallies struct {
	// Decisions counts the decisions by state and outcome (the outcome is
	// the empty State until the file is archived).
	Decisions map[StateOutcome]int
	// Units counts the decisions by undertaking unit.
	Units map[string]int
	// Stays counts the stays that ended, by the state they were spent in
	// and their length in tenths of a day, rounded to nearest (halves up).
	// A stay runs from a transition into the state to the decision's next
	// transition.
	Stays map[StayBucket]int
	// Due counts the open deadlines by kind and date: the decisions and
	// dates the due filter of the decision list looks at (DueBounds), so
	// that the overdue count is a sum over dates (DueCount).
	Due map[DueDay]int
}

// DueKind is which deadline a due tally counts.
type DueKind string

const (
	// DueReview is review_requested_by of a decision in legality review.
	DueReview DueKind = "review"
	// DueSubmitted is the submission date of a decision in legality review
	// with no review_requested_by (sent before it was recorded).
	DueSubmitted DueKind = "submitted"
	// DueCloses is the closing day of the comment period of a decision in
	// public participation.
	DueCloses DueKind = "closes"
)

// DueDay is the deadlines of one kind on one date.
type DueDay struct {
	Kind DueKind
	Date Date
}

// StateOutcome is a decision's state with its outcome ("" when none).
type StateOutcome struct {
	State   State
	Outcome State
}

// StayBucket is the stays in one state of one length, in tenths of a day.
type StayBucket struct {
	State  State
	Tenths int64
}

// NewTallies returns empty tallies, ready to be added to.
func NewTallies() *Tallies {
	return &Tallies{Decisions: map[StateOutcome]int{}, Units: map[string]int{}, Stays: map[StayBucket]int{}, Due: map[DueDay]int{}}
}

// DueCount counts the decisions the due filter b selects, as the store's
// filter does (storage.decisionWhere): in legality review with
// review_requested_by before b.ReviewDueBefore, or without it and submitted
// on or before b.LegalityStartedBy; and, when b.CommentClosesBefore is set,
// in public participation with a comment period closing before it.
func (t *Tallies) DueCount(b DueBounds) int {
	total := 0
	for k, n := range t.Due {
		switch k.Kind {
		case DueReview:
			if k.Date.Before(b.ReviewDueBefore) {
				total += n
			}
		case DueSubmitted:
			if !k.Date.After(b.LegalityStartedBy) {
				total += n
			}
		case DueCloses:
			if b.CommentClosesBefore != nil && k.Date.Before(*b.CommentClosesBefore) {
				total += n
			}
		}
	}
	return total
}

// StateCounts counts the decisions in each state (states with none are absent).
func (t *Tallies) StateCounts() map[State]int {
	out := map[State]int{}
	for k, n := range t.Decisions {
		if n != 0 {
			out[k.State] += n
		}
	}
	return out
}

// OutcomeCounts counts the closed files by outcome: an archived decision by
// the state it was archived from (its outcome), a decision closed and not
// yet archived by its state.
func (t *Tallies) OutcomeCounts() map[State]int {
	out := map[State]int{}
	for k, n := range t.Decisions {
		switch {
		case n == 0:
		case k.Outcome != "":
			out[k.Outcome] += n
		case slices.Contains(Outcomes(), k.State):
			out[k.State] += n
		}
	}
	return out
}

// StayMedian is the median stay in state s in days, and the number of
// stays that ended in it (nil and 0 when none did). Stays are counted in
// tenths of a day, so the median is the middle stay's tenth, or the mean
// of the two middle ones when their number is even, rounded to a tenth
// (halves up).
func (t *Tallies) StayMedian(s State) (*float64, int) {
	type bucket struct {
		tenths int64
		n      int
	}
	var bs []bucket
	total := 0
	for k, n := range t.Stays {
		if k.State == s && n > 0 {
			bs = append(bs, bucket{k.Tenths, n})
			total += n
		}
	}
	if total == 0 {
		return nil, 0
	}
	slices.SortFunc(bs, func(a, b bucket) int { return cmp.Compare(a.tenths, b.tenths) })
	// The stays at 0-based ranks lo and hi (the same one when total is odd).
	lo, hi := (total-1)/2, total/2
	at := func(rank int) int64 {
		for _, b := range bs {
			if rank < b.n {
				return b.tenths
			}
			rank -= b.n
		}
		return bs[len(bs)-1].tenths // not reached: rank < total
	}
	sum := at(lo) + at(hi)
	tenths := floorDiv(sum+1, 2) // (lo+hi)/2 to the tenth, halves up
	days := float64(tenths) / 10
	return &days, total
}

// floorDiv is a/b rounded down (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
