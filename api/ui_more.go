package api

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// uiDossier is the printable dossier of a decision.
func (s *Server) uiDossier(c *gin.Context) {
	id, ok := s.uiID(c, "id")
	if !ok {
		return
	}
	d, err := s.engine.Dossier(c.Request.Context(), currentUser(c), id)
	if err != nil {
		s.uiError(c, err)
		return
	}
	p := s.newPage(c, "dossier.title")
	p.Title = d.Decision.Title
	p.Data = d
	s.render(c, http.StatusOK, "dossier", p)
}

// bar is one bar of a chart.
type bar struct {
	Label string
	Value float64
	Text  string
}

// barChart draws a horizontal bar chart as SVG on the server: no script, no
// library, readable when printed. Labels are escaped.
func barChart(title string, bars []bar) template.HTML {
	const (
		labelW = 190
		barW   = 330
		textW  = 130 // room for the figure after the longest bar
		rowH   = 26
	)
	max := 0.0
	for _, b := range bars {
		if b.Value > max {
			max = b.Value
		}
	}
	h := rowH*len(bars) + 10
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="%s" viewBox="0 0 %d %d" width="100%%" style="max-width:%dpx">`,
		html.EscapeString(title), labelW+barW+textW, h, labelW+barW+textW)
	for i, b := range bars {
		y := 5 + i*rowH
		w := 0.0
		if max > 0 {
			w = b.Value / max * barW
		}
		fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end" font-size="13" fill="#1f2328">%s</text>`, labelW-8, y+17, html.EscapeString(b.Label))
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%.1f" height="18" fill="#a4121b" rx="2"/>`, labelW, y+4, w)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" font-size="13" fill="#1f2328">%s</text>`, float64(labelW)+w+6, y+17, html.EscapeString(b.Text))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // every text in it was escaped above
}

type statsView struct {
	Stats                 *workflow.Stats
	ByState, ByUnit, Days template.HTML
}

func (s *Server) uiStats(c *gin.Context) {
	st, err := s.engine.Stats(c.Request.Context(), currentUser(c))
	if err != nil {
		s.uiError(c, err)
		return
	}
	p := s.newPage(c, "stats.title")
	var states, units, days []bar
	for _, x := range st.ByState {
		states = append(states, bar{p.T("state." + string(x.State)), float64(x.Count), strconv.Itoa(x.Count)})
	}
	for _, x := range st.ByUnit {
		units = append(units, bar{x.Unit, float64(x.Count), strconv.Itoa(x.Count)})
	}
	for _, x := range st.MedianDays {
		b := bar{Label: p.T("step." + x.Step), Text: p.T("stats.none")}
		if x.Days != nil {
			b.Value, b.Text = *x.Days, fmt.Sprintf("%.1f（n=%d）", *x.Days, x.Stays)
		}
		days = append(days, b)
	}
	p.Data = statsView{Stats: st, ByState: barChart(p.T("stats.by_state"), states), ByUnit: barChart(p.T("stats.by_unit"), units), Days: barChart(p.T("stats.median"), days)}
	s.render(c, http.StatusOK, "stats", p)
}

type calendarView struct {
	Year  int
	Years []int
	Days  []workflow.CalendarDay
	Today string
}

func (s *Server) calendarPage(c *gin.Context) (*page, bool) {
	year, _ := strconv.Atoi(c.Query("year"))
	if year == 0 {
		year = s.engine.Today().Year
	}
	days, err := s.engine.CalendarDays(c.Request.Context(), currentUser(c))
	if err != nil {
		s.uiError(c, err)
		return nil, false
	}
	v := calendarView{Year: year, Today: s.engine.Today().String()}
	seen := map[int]bool{year: true}
	for _, d := range days {
		seen[d.Day.Year] = true
		if d.Day.Year == year {
			v.Days = append(v.Days, d)
		}
	}
	for y := range seen {
		v.Years = append(v.Years, y)
	}
	for i := range v.Years { // few years: insertion sort
		for j := i; j > 0 && v.Years[j] < v.Years[j-1]; j-- {
			v.Years[j], v.Years[j-1] = v.Years[j-1], v.Years[j]
		}
	}
	p := s.newPage(c, "cal.title")
	p.Data = v
	return p, true
}

func (s *Server) uiCalendar(c *gin.Context) {
	if currentUser(c).Role != workflow.RoleAdmin {
		s.uiError(c, &workflow.Error{Code: workflow.EFORBIDDEN, Message: "admin only"})
		return
	}
	if p, ok := s.calendarPage(c); ok {
		s.render(c, http.StatusOK, "calendar", p)
	}
}

func (s *Server) afterCalendar(c *gin.Context, year int, err error) {
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/admin/calendar?ok=1&year="+strconv.Itoa(year))
		return
	}
	c.Request.URL.RawQuery = "year=" + strconv.Itoa(year)
	if p, ok := s.calendarPage(c); ok {
		s.refusal(c, p, "calendar", "", err)
		s.render(c, p.Err.Status, "calendar", p)
	}
}

func (s *Server) uiSetCalendarDay(c *gin.Context) {
	day, err := workflow.ParseDate(c.PostForm("day"))
	if err != nil {
		s.afterCalendar(c, s.engine.Today().Year, workflow.Invalid(workflow.FieldError{Field: "day", Message: "must be a date"}))
		return
	}
	_, err = s.engine.SetCalendarDay(c.Request.Context(), currentUser(c), day, workflow.CalendarDayInput{Kind: c.PostForm("kind"), Name: c.PostForm("name")})
	s.afterCalendar(c, day.Year, err)
}

func (s *Server) uiDeleteCalendarDay(c *gin.Context) {
	day, err := workflow.ParseDate(c.Param("day"))
	if err != nil {
		s.uiError(c, workflow.Errorf(workflow.ENOTFOUND, "not found"))
		return
	}
	s.afterCalendar(c, day.Year, s.engine.DeleteCalendarDay(c.Request.Context(), currentUser(c), day))
}
