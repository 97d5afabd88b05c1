package storage_test

import (
	"testing"
	"time"

	"decisionflow/workflow"
)

// The calendar cases below are pinned to the State Council General Office's
// yearly notices on public holidays (《国务院办公厅关于2024年/2025年/2026年部分节假日安排的通知》),
// which the seed of storage/migrations/*/00003_calendar.sql reproduces.
var workingDayCases = []struct {
	from string
	n    int
	want string
	why  string
}{
	{"2026-09-29", 7, "2026-10-14", "2026 National Day and Mid-Autumn: 10-01 to 10-07 off, Saturday 10-10 worked"},
	{"2026-02-11", 7, "2026-02-27", "2026 Spring Festival: 02-15 to 02-23 off, Saturday 02-14 worked"},
	{"2025-01-24", 7, "2025-02-10", "2025 Spring Festival: 01-28 to 02-04 off, Sunday 01-26 and Saturday 02-08 worked"},
	{"2024-02-08", 7, "2024-02-23", "2024 Spring Festival: 02-10 to 02-17 off, Sunday 02-18 worked"},
	{"2026-04-29", 7, "2026-05-12", "2026 Labour Day: 05-01 to 05-05 off, Saturday 05-09 worked"},
	{"2026-03-06", 7, "2026-03-17", "an ordinary Friday: two weekends pass"},
	{"2026-03-06", 1, "2026-03-09", "the next working day after a Friday is Monday"},
	{"2025-12-31", 2, "2026-01-05", "2026 New Year: 01-01 to 01-03 off, Sunday 01-04 worked"},
}

// TestWorkingDays pins "N working days after D" around real dates, on the
// seeded calendar of each store.
func TestWorkingDays(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		for _, c := range workingDayCases {
			from, _ := workflow.ParseDate(c.from)
			got, err := h.eng.WorkingDaysAfter(h.ctx, from, c.n)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != c.want {
				t.Errorf("%d working days after %s = %s, want %s (%s)", c.n, c.from, got, c.want, c.why)
			}
		}
		days, err := h.eng.CalendarDays(h.ctx, staff)
		if err != nil {
			t.Fatal(err)
		}
		years := map[int]bool{}
		for _, d := range days {
			years[d.Day.Year] = true
		}
		for y := 2021; y <= 2027; y++ {
			if !years[y] {
				t.Errorf("the seeded calendar has no days for %d", y)
			}
		}
	})
}

// at moves the engine's clock to 10:00 in Shanghai on date s.
func (h *harness) at(t testing.TB, s string) {
	t.Helper()
	d, err := workflow.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Set(time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, workflow.DefaultSettings().Location))
}

// TestDeadlines: the legality review is due 7 working days after
// submission; an admin's calendar change moves it; the overdue filter, the
// due-before filter and the count follow the clock.
func TestDeadlines(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		h.at(t, "2026-08-20")
		d := h.advance(t, workflow.StateRiskAssessment) // the 31-day comment period passes in advance
		h.at(t, "2026-09-29")
		d = h.fire(t, staff, d.ID, workflow.EventCompleteRiskAssessment, h.validData(workflow.EventCompleteRiskAssessment))
		if d.LegalitySubmittedOn == nil || d.LegalitySubmittedOn.String() != "2026-09-29" {
			t.Fatalf("submitted on %v", d.LegalitySubmittedOn)
		}
		due := func() workflow.Deadline {
			t.Helper()
			got, err := h.eng.Decision(h.ctx, legal, d.ID)
			if err != nil || len(got.Deadlines) != 1 || got.Deadlines[0].Kind != workflow.DeadlineLegality {
				t.Fatalf("deadlines %+v, %v", got, err)
			}
			return got.Deadlines[0]
		}
		if dl := due(); dl.DueOn.String() != "2026-10-14" || dl.Overdue {
			t.Fatalf("legality review due %+v, want 2026-10-14, not overdue", dl)
		}
		// Another decision in public participation, its window closing 2026-10-29.
		other := h.advance(t, workflow.StatePublicParticipation)
		h.setPeriod(t, other.ID)

		count := func() int {
			t.Helper()
			n, err := h.eng.OverdueCount(h.ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		list := func(f workflow.DecisionFilter) []int64 {
			t.Helper()
			ds, _, err := h.eng.Decisions(h.ctx, head, f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, x := range ds {
				ids = append(ids, x.ID)
			}
			return ids
		}
		if n := count(); n != 0 {
			t.Fatalf("overdue on 2026-09-29: %d", n)
		}
		oct15, _ := workflow.ParseDate("2026-10-15")
		if got := list(workflow.DecisionFilter{DueBefore: &oct15}); len(got) != 1 || got[0] != d.ID {
			t.Fatalf("due before 10-15: %v, want [%d]", got, d.ID)
		}
		nov1, _ := workflow.ParseDate("2026-11-01")
		if got := list(workflow.DecisionFilter{DueBefore: &nov1}); len(got) != 2 {
			t.Fatalf("due before 11-01: %v, want both", got)
		}

		// On the due date it is not overdue yet; the day after it is.
		h.at(t, "2026-10-14")
		if n := count(); n != 0 || due().Overdue {
			t.Fatalf("overdue on the due date: %d", n)
		}
		h.at(t, "2026-10-15")
		if n := count(); n != 1 || !due().Overdue {
			t.Fatalf("not overdue the day after the due date: %d", n)
		}
		if got := list(workflow.DecisionFilter{Overdue: true}); len(got) != 1 || got[0] != d.ID {
			t.Fatalf("overdue list %v", got)
		}

		// The admin adds a holiday on 10-09: the due date the sender asked for
		// (review_requested_by, recorded at submission) stays 10-14 (Art 26);
		// a draft sent now would be due 10-15.
		h.at(t, "2026-10-01")
		nine, _ := workflow.ParseDate("2026-10-09")
		_, err := h.eng.SetCalendarDay(h.ctx, staff, nine, workflow.CalendarDayInput{Kind: workflow.DayHoliday, Name: "x"})
		wantCode(t, err, workflow.EFORBIDDEN, "")
		if _, err := h.eng.SetCalendarDay(h.ctx, admin, nine, workflow.CalendarDayInput{Kind: workflow.DayHoliday, Name: "镇级调整"}); err != nil {
			t.Fatal(err)
		}
		if dl := due(); dl.DueOn.String() != "2026-10-14" {
			t.Fatalf("after the calendar change the review is due %s, want the requested 2026-10-14", dl.DueOn)
		}
		if got, err := h.eng.WorkingDaysAfter(h.ctx, mustDate(t, "2026-09-29"), workflow.LegalityReviewDays); err != nil || got.String() != "2026-10-15" {
			t.Fatalf("7 working days after 09-29 with the new holiday = %s, %v; want 2026-10-15", got, err)
		}
		if err := h.eng.DeleteCalendarDay(h.ctx, admin, nine); err != nil {
			t.Fatal(err)
		}
		if dl := due(); dl.DueOn.String() != "2026-10-14" {
			t.Fatalf("after removing the change: %s", dl.DueOn)
		}
		wantCode(t, h.eng.DeleteCalendarDay(h.ctx, admin, nine), workflow.ENOTFOUND, "")

		// Passing the review clears the deadline.
		h.at(t, "2026-10-20")
		d = h.fire(t, legal, d.ID, workflow.EventPassLegalityReview, h.validData(workflow.EventPassLegalityReview))
		if len(d.Deadlines) != 0 || count() != 0 {
			t.Fatalf("deadlines after the review: %+v", d.Deadlines)
		}
	})
}

func mustDate(t testing.TB, s string) workflow.Date {
	t.Helper()
	d, err := workflow.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
