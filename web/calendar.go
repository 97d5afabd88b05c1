package web

import (
	"net/http"
	"sort"
	"strconv"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// The working-day calendar: the statutory holidays and make-up working days
// the deadlines count with. Every signed-in user may read it, as over the
// API; the engine lets only the administrator change it.

type calendarView struct {
	Year  int
	Years []int
	Days  []workflow.CalendarDay
	Today string
}

func (ui *Pages) calendarPage(c *gin.Context) (*page, bool) {
	year, _ := strconv.Atoi(c.Query("year"))
	if year == 0 {
		year = ui.engine.Today().Year
	}
	days, err := ui.engine.CalendarDays(c.Request.Context(), api.CurrentUser(c))
	if err != nil {
		ui.fail(c, err)
		return nil, false
	}
	v := calendarView{Year: year, Today: ui.engine.Today().String(), Days: api.DaysInYear(days, year)}
	seen := map[int]bool{year: true}
	for _, d := range days {
		seen[d.Day.Year] = true
	}
	for y := range seen {
		v.Years = append(v.Years, y)
	}
	sort.Ints(v.Years)
	p := ui.newPage(c, "cal.title")
	p.Data = v
	return p, true
}

func (ui *Pages) calendar(c *gin.Context) {
	if p, ok := ui.calendarPage(c); ok {
		ui.render(c, http.StatusOK, "calendar", p)
	}
}

func (ui *Pages) afterCalendar(c *gin.Context, year int, err error) {
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/admin/calendar?ok=1&year="+strconv.Itoa(year))
		return
	}
	c.Request.URL.RawQuery = "year=" + strconv.Itoa(year)
	if p, ok := ui.calendarPage(c); ok {
		ui.refuse(c, p, "calendar", "", err)
		ui.render(c, p.Err.Status, "calendar", p)
	}
}

func (ui *Pages) setCalendarDay(c *gin.Context) {
	day, err := workflow.ParseDate(c.PostForm("day"))
	if err != nil {
		ui.afterCalendar(c, ui.engine.Today().Year, workflow.Invalid(workflow.FieldError{Field: "day", Message: "must be a date"}))
		return
	}
	_, err = ui.engine.SetCalendarDay(c.Request.Context(), api.CurrentUser(c), day, workflow.CalendarDayInput{Kind: c.PostForm("kind"), Name: c.PostForm("name")})
	ui.afterCalendar(c, day.Year, err)
}

func (ui *Pages) deleteCalendarDay(c *gin.Context) {
	day, err := workflow.ParseDate(c.Param("day"))
	if err != nil {
		ui.fail(c, workflow.Errorf(workflow.ENOTFOUND, "not found"))
		return
	}
	ui.afterCalendar(c, day.Year, ui.engine.DeleteCalendarDay(c.Request.Context(), api.CurrentUser(c), day))
}
