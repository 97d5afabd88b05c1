package web

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

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
	Stats                            *workflow.Stats
	ByState, ByUnit, ByOutcome, Days template.HTML
}

func (ui *Pages) stats(c *gin.Context) {
	st, err := ui.engine.Stats(c.Request.Context(), api.CurrentUser(c))
	if err != nil {
		ui.fail(c, err)
		return
	}
	p := ui.newPage(c, "stats.title")
	var states, units, outcomes, days []bar
	for _, x := range st.ByState {
		states = append(states, bar{p.T("state." + string(x.State)), float64(x.Count), strconv.Itoa(x.Count)})
	}
	for _, x := range st.ByUnit {
		units = append(units, bar{x.Unit, float64(x.Count), strconv.Itoa(x.Count)})
	}
	// Closed files by outcome (lifecycle.md "Archive"): the closed state a
	// file was archived from, or is in.
	for _, x := range st.ByOutcome {
		outcomes = append(outcomes, bar{p.T("state." + string(x.Outcome)), float64(x.Count), strconv.Itoa(x.Count)})
	}
	for _, x := range st.MedianDays {
		b := bar{Label: p.T("step." + x.Step), Text: p.T("stats.none")}
		if x.Days != nil {
			b.Value, b.Text = *x.Days, fmt.Sprintf("%.1f（n=%d）", *x.Days, x.Stays)
		}
		days = append(days, b)
	}
	p.Data = statsView{Stats: st, ByState: barChart(p.T("stats.by_state"), states), ByUnit: barChart(p.T("stats.by_unit"), units),
		ByOutcome: barChart(p.T("stats.by_outcome"), outcomes), Days: barChart(p.T("stats.median"), days)}
	ui.render(c, http.StatusOK, "stats", p)
}
