package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// waitingStates are the states in which role has work, from the table: it
// may take a record action there, or fire an event that does not close the
// decision (a head may end a decision in any state before the meeting,
// but has no work in them for that).
func waitingStates(role workflow.Role) []workflow.State {
	var out []workflow.State
	for _, s := range workflow.States {
		if hasWork(role, s) {
			out = append(out, s)
		}
	}
	return out
}

func hasWork(role workflow.Role, s workflow.State) bool {
	for _, ev := range workflow.Events {
		to, _ := workflow.LookupState(ev.To)
		if ev.Role == role && !to.Closed && contains(ev.From, s) {
			return true
		}
	}
	for _, a := range workflow.Actions {
		if a.Role == role && contains(a.States, s) {
			return true
		}
	}
	return false
}

func contains(states []workflow.State, s workflow.State) bool {
	for _, x := range states {
		if x == s {
			return true
		}
	}
	return false
}

type stateGroup struct {
	State     workflow.State
	Decisions []*workflow.Decision
}

func overdue(d *workflow.Decision) bool {
	for _, dl := range d.Deadlines {
		if dl.Overdue {
			return true
		}
	}
	return false
}

type stateCount struct {
	State workflow.State
	N     int
}

type dashboardView struct {
	Overdue []*workflow.Decision
	Groups  []stateGroup
	Counts  []stateCount
	Total   int
	// Executing are the decisions in execution with their last report
	// date; Suspended those whose execution is suspended.
	Executing []executingRow
	Suspended []*workflow.Decision
	// Unstarted are this year's published catalog entries with no decision
	// yet (catalog_pages.go).
	Unstarted []workflow.CatalogEntry
}

func (ui *Pages) dashboard(c *gin.Context) {
	ctx, u := c.Request.Context(), api.CurrentUser(c)
	v := dashboardView{Unstarted: ui.unstartedEntries(c)}
	var err error
	for _, st := range waitingStates(u.Role) {
		ds, _, err := ui.engine.Decisions(ctx, u, workflow.DecisionFilter{State: st, Limit: 50})
		if err != nil {
			ui.fail(c, err)
			return
		}
		sort.SliceStable(ds, func(i, j int) bool { return overdue(ds[i]) && !overdue(ds[j]) })
		if len(ds) > 0 {
			v.Groups = append(v.Groups, stateGroup{st, ds})
		}
	}
	if v.Overdue, _, err = ui.engine.Decisions(ctx, u, workflow.DecisionFilter{Overdue: true, Limit: 50}); err != nil {
		ui.fail(c, err)
		return
	}
	if u.Role != workflow.RoleAdmin {
		if err := ui.execution(ctx, u, &v); err != nil {
			ui.fail(c, err)
			return
		}
	}
	counts, err := ui.engine.StateCounts(ctx, u)
	if err != nil {
		ui.fail(c, err)
		return
	}
	for _, st := range workflow.States {
		v.Counts = append(v.Counts, stateCount{st, counts[st]})
		v.Total += counts[st]
	}
	p := ui.newPage(c, "dash.title")
	p.Data = v
	ui.render(c, http.StatusOK, "dashboard", p)
}

type listView struct {
	Decisions []*workflow.Decision
	State     string
	Q         string
	Unit      string
	Next      string
	States    []workflow.State
	Overdue   bool
}

func (ui *Pages) decisions(c *gin.Context) {
	f := workflow.DecisionFilter{State: workflow.State(c.Query("state")), Query: c.Query("q"), UndertakingUnit: c.Query("unit"), Overdue: c.Query("overdue") == "true"}
	if t := c.Query("page"); t != "" {
		f.AfterID, _ = api.DecodePageToken(t)
	}
	ds, next, err := ui.engine.Decisions(c.Request.Context(), api.CurrentUser(c), f)
	if err != nil {
		ui.fail(c, err)
		return
	}
	v := listView{Decisions: ds, State: string(f.State), Q: f.Query, Unit: f.UndertakingUnit, States: workflow.States, Overdue: f.Overdue}
	if next != 0 {
		q := url.Values{"state": {v.State}, "q": {v.Q}, "unit": {v.Unit}, "page": {api.EncodePageToken(next)}}
		if f.Overdue {
			q.Set("overdue", "true")
		}
		v.Next = "/decisions?" + q.Encode()
	}
	p := ui.newPage(c, "list.title")
	p.Data = v
	ui.render(c, http.StatusOK, "decisions", p)
}

func (ui *Pages) newForm(c *gin.Context) {
	p := ui.newPage(c, "new.title")
	p.Data = workflow.Categories
	ui.render(c, http.StatusOK, "new", p)
}

func (ui *Pages) create(c *gin.Context) {
	in := workflow.NewDecision{Title: c.PostForm("title"), Summary: c.PostForm("summary"), Category: c.PostForm("category"), UndertakingUnit: c.PostForm("undertaking_unit")}
	newFromForm(c, &in) // catalog.go: from a catalog entry, or a proposal
	d, err := ui.api.Create(c.Request.Context(), api.CurrentUser(c), in)
	if err != nil {
		p := ui.newPage(c, "new.title")
		p.Data = workflow.Categories
		ui.refuse(c, p, "new", "", err)
		ui.render(c, p.Err.Status, "new", p)
		return
	}
	c.Redirect(http.StatusSeeOther, "/decisions/"+strconv.FormatInt(d.ID, 10)+"?ok=1")
}
