package workflow

import (
	"context"
	"sync"
	"time"
)

// Day kinds of the working-day calendar. A day not in the calendar is a
// working day from Monday to Friday and a rest day at the weekend.
const (
	DayHoliday = "holiday" // 法定节假日: a day off, weekday or not
	DayWorkday = "workday" // 调休上班: a weekend day worked in exchange
)

// CalendarDay is one exception to the ordinary week.
type CalendarDay struct {
	Day       Date      `json:"day"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CalendarDayInput sets one day of the calendar.
type CalendarDayInput struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// Validate checks the form of the request.
func (r *CalendarDayInput) Validate() error {
	var c fieldCheck
	c.enum("kind", r.Kind, []string{DayHoliday, DayWorkday})
	c.required("name", r.Name, MaxTitle)
	return c.err()
}

// CalendarStore keeps the working-day calendar. Methods return EUNAVAILABLE
// and EINTERNAL like the other stores.
type CalendarStore interface {
	// CalendarDays returns every exception, by day.
	CalendarDays(ctx context.Context) ([]CalendarDay, error)
	// SetCalendarDay inserts or replaces the exception of d.Day.
	SetCalendarDay(ctx context.Context, d CalendarDay) error
	// DeleteCalendarDay removes an exception (ENOTFOUND if none).
	DeleteCalendarDay(ctx context.Context, day Date) error
}

// Calendar answers which days are working days.
type Calendar struct {
	days map[Date]string
}

// NewCalendar builds a calendar from its exceptions.
func NewCalendar(days []CalendarDay) *Calendar {
	c := &Calendar{days: make(map[Date]string, len(days))}
	for _, d := range days {
		c.days[d.Day] = d.Kind
	}
	return c
}

// IsWorkingDay reports whether d is a working day.
func (c *Calendar) IsWorkingDay(d Date) bool {
	switch c.days[d] {
	case DayHoliday:
		return false
	case DayWorkday:
		return true
	}
	wd := d.Time().Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the n-th working day after d (n ≥ 1): the due
// date of a task given n working days from d.
func (c *Calendar) AddWorkingDays(d Date, n int) Date {
	for n > 0 {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// LatestStartDueBefore returns the latest start s whose n-th working day
// after is before limit; every earlier start is due before limit too, as
// AddWorkingDays never decreases. It turns "due before X" into a bound on
// the start date that a database can index.
func (c *Calendar) LatestStartDueBefore(limit Date, n int) Date {
	s := limit.AddDays(-1)
	for !c.AddWorkingDays(s, n).Before(limit) {
		s = s.AddDays(-1)
	}
	return s
}

// LegalityReviewDays is the least time the sender of a draft leaves the
// legality reviewer (Art 26: 7 working days), unless the matter is urgent.
const LegalityReviewDays = 7

// Deadline is a date by which something must be done.
type Deadline struct {
	Kind    string `json:"kind"` // comment_window_closes or legality_review_due
	DueOn   Date   `json:"due_on"`
	Overdue bool   `json:"overdue"`
}

// Deadline kinds.
const (
	DeadlineCommentWindow = "comment_window_closes"
	DeadlineLegality      = "legality_review_due"
)

// deadlines computes a decision's deadlines in its current state.
func (c *Calendar) deadlines(d *Decision, today Date) []Deadline {
	out := []Deadline{}
	if d.State == StatePublicParticipation && d.CommentPeriod != nil {
		out = append(out, Deadline{Kind: DeadlineCommentWindow, DueOn: d.CommentPeriod.ClosesOn})
	}
	if d.State == StateLegalityReview && (d.ReviewRequestedBy != nil || d.LegalitySubmittedOn != nil) {
		var due Date
		if d.ReviewRequestedBy != nil {
			due = *d.ReviewRequestedBy
		} else {
			due = c.AddWorkingDays(*d.LegalitySubmittedOn, LegalityReviewDays)
		}
		out = append(out, Deadline{Kind: DeadlineLegality, DueOn: due, Overdue: today.After(due)})
	}
	return out
}

// calendarCache keeps the calendar for a short while: it changes a few times
// a year, and every decision read needs it. An edit through this engine
// clears it at once; other replicas see it within calendarTTL.
type calendarCache struct {
	mu     sync.Mutex
	cal    *Calendar
	loaded time.Time
}

const calendarTTL = 30 * time.Second

func (e *Engine) calendar(ctx context.Context) (*Calendar, error) {
	e.cal.mu.Lock()
	defer e.cal.mu.Unlock()
	if e.cal.cal != nil && time.Since(e.cal.loaded) < calendarTTL {
		return e.cal.cal, nil
	}
	days, err := e.store.CalendarDays(ctx)
	if err != nil {
		return nil, err
	}
	e.cal.cal, e.cal.loaded = NewCalendar(days), time.Now()
	return e.cal.cal, nil
}

func (e *Engine) forgetCalendar() {
	e.cal.mu.Lock()
	e.cal.cal = nil
	e.cal.mu.Unlock()
}

// CalendarDays lists the calendar's exceptions (any signed-in user).
func (e *Engine) CalendarDays(ctx context.Context, actor *User) ([]CalendarDay, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	days, err := e.store.CalendarDays(ctx)
	if days == nil && err == nil {
		days = []CalendarDay{}
	}
	return days, err
}

// SetCalendarDay makes day a holiday or a make-up working day (admin only).
func (e *Engine) SetCalendarDay(ctx context.Context, actor *User, day Date, in CalendarDayInput) (*CalendarDay, error) {
	if err := requireRole(actor, RoleAdmin, "edit the working-day calendar"); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	d := CalendarDay{Day: day, Kind: in.Kind, Name: in.Name, UpdatedBy: actor.Username, UpdatedAt: e.now()}
	if err := e.store.SetCalendarDay(ctx, d); err != nil {
		return nil, err
	}
	e.forgetCalendar()
	return &d, nil
}

// DeleteCalendarDay returns day to the ordinary week (admin only).
func (e *Engine) DeleteCalendarDay(ctx context.Context, actor *User, day Date) error {
	if err := requireRole(actor, RoleAdmin, "edit the working-day calendar"); err != nil {
		return err
	}
	if err := e.store.DeleteCalendarDay(ctx, day); err != nil {
		return err
	}
	e.forgetCalendar()
	return nil
}

// WorkingDaysAfter returns the n-th working day after d on the calendar.
func (e *Engine) WorkingDaysAfter(ctx context.Context, d Date, n int) (Date, error) {
	cal, err := e.calendar(ctx)
	if err != nil {
		return Date{}, err
	}
	return cal.AddWorkingDays(d, n), nil
}
