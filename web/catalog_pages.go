package web

import (
	"net/http"
	"strconv"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// The pages of the yearly catalog (lifecycle.md "The catalog"): a year's
// catalog for staff and the head, with exactly the forms the reader may use
// in its state (entries added, edited and removed by staff while draft; the
// head approves or reopens; staff publish; after publication the head
// adjusts with a reason and the Party committee's date; staff start a
// decision from a published entry), and the public 决策事项目录 with its
// spreadsheets. The forms are the generic ones (forms.html, "capform").

// catalogView is what catalog.html shows.
type catalogView struct {
	Year    int
	Catalog *workflow.Catalog // nil: no entry yet this year
	Public  bool
	Events  []formView
	Add     *formView
	Rows    []entryRow
	Export  string // the spreadsheets' URL without ?format
	// Prev and Next are the years before and after.
	Prev, Next int
}

// entryRow is one entry with the forms the reader may use on it.
type entryRow struct {
	E      workflow.CatalogEntry
	Edit   *formView
	Remove *formView
	Start  bool // the reader may start a decision from it
}

var (
	reasonField  = workflow.Field{Name: "reason", Kind: workflow.FieldTextarea}
	removeFields = []workflow.Field{reasonField}
)

// catalogYear reads the year of the path; a page that cannot be is not found.
func (ui *Pages) catalogYear(c *gin.Context) (int, bool) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil || y < 2000 || y > 2100 {
		ui.fail(c, workflow.Errorf(workflow.ENOTFOUND, "not found"))
		return 0, false
	}
	return y, true
}

func (ui *Pages) currentCatalog(c *gin.Context) {
	c.Redirect(http.StatusSeeOther, "/catalogs/"+strconv.Itoa(ui.engine.Today().Year))
}

func (ui *Pages) currentPublicCatalog(c *gin.Context) {
	c.Redirect(http.StatusSeeOther, "/catalog/"+strconv.Itoa(ui.engine.Today().Year))
}

// catalogPage is the page of a year's catalog for the signed-in reader; a
// year without a catalog shows the form of its first entry.
func (ui *Pages) catalogPage(c *gin.Context, year int) (*page, bool) {
	cat, err := ui.engine.Catalog(c.Request.Context(), api.CurrentUser(c), year)
	if err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND {
		ui.fail(c, err)
		return nil, false
	}
	p := ui.newPage(c, "cat.title")
	p.Title = p.Tf("cat.year", year)
	p.Data = p.catalogView(year, cat, ui.engine.Today().String())
	return p, true
}

func (ui *Pages) catalog(c *gin.Context) {
	year, ok := ui.catalogYear(c)
	if !ok {
		return
	}
	if p, ok := ui.catalogPage(c, year); ok {
		ui.render(c, http.StatusOK, "catalog", p)
	}
}

// catalogView lays out the forms the reader may use on the catalog now.
func (p *page) catalogView(year int, cat *workflow.Catalog, today string) *catalogView {
	v := &catalogView{Year: year, Catalog: cat, Export: "/api/v1/public/catalogs/" + strconv.Itoa(year) + "/export", Prev: year - 1, Next: year + 1}
	role := p.User.Role
	if (cat == nil || cat.State == workflow.CatalogDraft) && role == workflow.RoleStaff {
		v.Add = p.catalogForm("catalog-add_entry", "add_entry", year, "entries", workflow.CatalogEntryFields, nil, today)
	}
	if cat == nil {
		return v
	}
	if cat.State != workflow.CatalogPublished {
		v.Export = ""
	}
	adjusting := cat.State == workflow.CatalogPublished && role == workflow.RoleHead
	if adjusting {
		v.Add = p.catalogForm("catalog-add_entry", "add_entry", year, "entries", entryAndAdjustment, nil, today)
	}
	for _, name := range cat.AllowedEvents {
		ev, _ := workflow.LookupCatalogEvent(name)
		f := p.catalogForm("catalog-"+name, name, year, "events/"+name, ev.Fields, nil, today)
		f.Record = false
		v.Events = append(v.Events, *f)
	}
	for _, e := range cat.Entries {
		v.Rows = append(v.Rows, p.entryRow(year, cat, e, adjusting, today))
	}
	return v
}

// entryRow lays out the forms of one entry.
func (p *page) entryRow(year int, cat *workflow.Catalog, e workflow.CatalogEntry, adjusting bool, today string) entryRow {
	r := entryRow{E: e}
	if e.Removed {
		return r
	}
	at := "entries/" + strconv.FormatInt(e.ID, 10)
	suffix := "-" + strconv.FormatInt(e.ID, 10)
	switch {
	case cat.State == workflow.CatalogDraft && p.User.Role == workflow.RoleStaff:
		r.Edit = p.catalogForm("catalog-edit_entry"+suffix, "edit_entry", year, at, workflow.CatalogEntryFields, entryDefaults(e), "")
		r.Remove = p.catalogForm("catalog-remove_entry"+suffix, "remove_entry", year, at+"/remove", removeFields, nil, "")
	case adjusting:
		r.Remove = p.catalogForm("catalog-remove_entry"+suffix, "remove_entry", year, at+"/remove", workflow.CatalogAdjustmentFields, nil, today)
	}
	r.Start = cat.State == workflow.CatalogPublished && p.User.Role == workflow.RoleStaff && e.DecisionID == nil
	return r
}

// Quarter is the planned quarter, 0 for none.
func (r entryRow) Quarter() int {
	if r.E.PlannedQuarter == nil {
		return 0
	}
	return *r.E.PlannedQuarter
}

func entryDefaults(e workflow.CatalogEntry) map[string]string {
	d := map[string]string{"title": e.Title, "category": e.Category, "undertaking_unit": e.UndertakingUnit, "reason": e.Reason}
	if e.PlannedQuarter != nil {
		d["planned_quarter"] = strconv.Itoa(*e.PlannedQuarter)
	}
	return d
}

// catalogForm lays out one form of the catalog page, posting to
// /catalogs/<year>/<at>.
func (p *page) catalogForm(id, name string, year int, at string, fields []workflow.Field, defaults map[string]string, today string) *formView {
	cp := workflow.Capability{Name: name, Kind: workflow.KindRecord, Fields: fields}
	f := p.formOf(cp, id, "/catalogs/"+strconv.Itoa(year)+"/"+at, defaults, today)
	return &f
}

// catalogAction posts one change of a catalog: success goes back to the
// catalog, a refusal shows it beside its form.
func (ui *Pages) catalogAction(c *gin.Context, form string, do func(year int, user *workflow.User) error) {
	year, ok := ui.catalogYear(c)
	if !ok {
		return
	}
	err := do(year, api.CurrentUser(c))
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/catalogs/"+strconv.Itoa(year)+"?ok=1")
		return
	}
	p, ok := ui.catalogPage(c, year)
	if !ok {
		return
	}
	ui.refuse(c, p, form, "", err)
	p.Data = p.catalogView(year, p.Data.(*catalogView).Catalog, ui.engine.Today().String())
	ui.render(c, p.Err.Status, "catalog", p)
}

// entryForm decodes a posted entry form.
func entryForm(c *gin.Context, fields []workflow.Field) (workflow.EntryInput, error) {
	var in workflow.EntryInput
	_ = c.Request.ParseForm()
	raw, err := decodeForm(fields, c.Request.PostForm)
	if err == nil {
		err = workflow.DecodeStrict(raw, &in)
	}
	return in, err
}

var entryAndAdjustment = append(append([]workflow.Field{}, workflow.CatalogEntryFields...), workflow.CatalogAdjustmentFields...)

func (ui *Pages) addEntry(c *gin.Context) {
	ui.catalogAction(c, "catalog-add_entry", func(year int, u *workflow.User) error {
		in, err := entryForm(c, entryAndAdjustment)
		if err == nil {
			_, err = ui.engine.AddCatalogEntry(c.Request.Context(), u, year, in)
		}
		return err
	})
}

func (ui *Pages) editEntry(c *gin.Context) {
	ui.catalogAction(c, "catalog-edit_entry-"+c.Param("entry_id"), func(year int, u *workflow.User) error {
		id, err := strconv.ParseInt(c.Param("entry_id"), 10, 64)
		if err != nil {
			return workflow.Errorf(workflow.ENOTFOUND, "not found")
		}
		in, err := entryForm(c, workflow.CatalogEntryFields)
		if err == nil {
			_, err = ui.engine.EditCatalogEntry(c.Request.Context(), u, year, id, in)
		}
		return err
	})
}

func (ui *Pages) removeEntry(c *gin.Context) {
	ui.catalogAction(c, "catalog-remove_entry-"+c.Param("entry_id"), func(year int, u *workflow.User) error {
		id, err := strconv.ParseInt(c.Param("entry_id"), 10, 64)
		if err != nil {
			return workflow.Errorf(workflow.ENOTFOUND, "not found")
		}
		in := workflow.RemovalInput{Reason: c.PostForm("reason"), AdjustmentReason: c.PostForm("adjustment_reason"), PartyApprovedOn: c.PostForm("party_approved_on")}
		_, err = ui.engine.RemoveCatalogEntry(c.Request.Context(), u, year, id, in)
		return err
	})
}

func (ui *Pages) fireCatalog(c *gin.Context) {
	name := c.Param("event")
	ui.catalogAction(c, "catalog-"+name, func(year int, u *workflow.User) error {
		ev, ok := workflow.LookupCatalogEvent(name)
		if !ok {
			return workflow.Errorf(workflow.ENOTFOUND, "not found")
		}
		_ = c.Request.ParseForm()
		raw, err := decodeForm(ev.Fields, c.Request.PostForm)
		if err == nil {
			_, err = ui.engine.FireCatalog(c.Request.Context(), u, year, name, raw)
		}
		return err
	})
}

// publicCatalog is 决策事项目录: a published catalog, without an account.
func (ui *Pages) publicCatalog(c *gin.Context) {
	year, ok := ui.catalogYear(c)
	if !ok {
		return
	}
	cat, err := ui.engine.PublicCatalog(c.Request.Context(), year)
	if err != nil {
		ui.fail(c, err)
		return
	}
	p := ui.newPage(c, "cat.public")
	p.Title = p.Tf("cat.public.year", year)
	v := &catalogView{Year: year, Catalog: cat, Public: true, Export: "/api/v1/public/catalogs/" + strconv.Itoa(year) + "/export"}
	for _, e := range cat.Entries {
		v.Rows = append(v.Rows, entryRow{E: e})
	}
	p.Data = v
	ui.render(c, http.StatusOK, "catalog", p)
}

// Sources are the sources of a proposal (Art 10), for the new decision's form.
func (p *page) Sources() []string { return workflow.ProposalSources }

// SourceName is the name of a proposal's source ("" for none): the
// decision holds it by pointer, which printf would print as an address.
func (p *page) SourceName(source *string) string {
	if source == nil {
		return ""
	}
	return p.T("source." + *source)
}

// unstartedEntries are the entries of this year's published catalog from
// which no decision was started yet, for the dashboard of staff and the
// head; nothing when there is no such catalog.
func (ui *Pages) unstartedEntries(c *gin.Context) []workflow.CatalogEntry {
	u := api.CurrentUser(c)
	if u.Role != workflow.RoleStaff && u.Role != workflow.RoleHead {
		return nil
	}
	cat, err := ui.engine.Catalog(c.Request.Context(), u, ui.engine.Today().Year)
	if err != nil || cat.State != workflow.CatalogPublished {
		return nil
	}
	var out []workflow.CatalogEntry
	for _, e := range cat.Entries {
		if e.Progress.Status == workflow.ProgressNotStarted {
			out = append(out, e)
		}
	}
	return out
}
