package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"decisionflow/workflow"
)

// startOf is where the way to state starts: a proposal for the states of
// a proposal, drafting (the proposal started by the head) otherwise.
func startOf(state workflow.State) workflow.State {
	if state == workflow.StateProposed || state == workflow.StateDeclined {
		return workflow.StateProposed
	}
	return workflow.StateDrafting
}

// hearingValues fills a hearing's form lawfully: announced 20 days before,
// the participants published 15 days and the materials sent 10 days
// before the hearing, held today, with an affected party among the
// participants ("name|group", one a line).
func (s *site) hearingValues(v url.Values, fields []workflow.Field) {
	if !has(fields, "announced_on") || !has(fields, "participants") {
		return
	}
	today := s.eng.Today()
	v.Set("announced_on", today.AddDays(-20).String())
	v.Set("participants_published_on", today.AddDays(-15).String())
	v.Set("materials_sent_on", today.AddDays(-10).String())
	v.Set("held_on", today.String())
	v.Set("participants", "李村民|affected_party\r\n王代表|deputy")
}

// catalogPost fills the form id on the catalog page of year as role and
// posts it; it must go back to the catalog.
func (s *site) catalogPost(role workflow.Role, year int, id string, typed url.Values) {
	s.t.Helper()
	c := s.clients[role]
	_, page := s.get(c, fmt.Sprintf("/catalogs/%d", year))
	f := formOn(page, id)
	if f == nil {
		s.t.Fatalf("the catalog page does not offer %s the form %s", role, id)
	}
	vals := f.fill(s.t, id, typed)
	vals.Set("csrf", csrfField.FindStringSubmatch(page)[1])
	code, loc, body := s.post(c, f.action, vals)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, fmt.Sprintf("/catalogs/%d?ok=1", year)) {
		s.t.Fatalf("%s posting %s: %d %s %q", role, id, code, loc, errRe.FindAllStringSubmatch(body, -1))
	}
}

// TestCatalogThroughThePages: staff draft a catalog, the head approves it,
// staff publish it and start a decision from an entry; the head removes
// another with a reason; the public page lists the entries with their
// progress and links the spreadsheets. A refusal shows the rule.
func TestCatalogThroughThePages(t *testing.T) {
	s := newSite(t, workflow.PolicyAllFive)
	year := s.eng.Today().Year
	entry := url.Values{"title": {"老旧小区加装电梯补助"}, "undertaking_unit": {"镇城建办"}, "reason": {"涉及群众切身利益"}, "planned_quarter": {"2"}}
	s.catalogPost(workflow.RoleStaff, year, "catalog-add_entry", entry)
	entry.Set("title", "镇区停车收费调整")
	s.catalogPost(workflow.RoleStaff, year, "catalog-add_entry", entry)
	if _, page := s.get(s.clients[workflow.RoleHead], fmt.Sprintf("/catalogs/%d", year)); formOn(page, "catalog-add_entry") != nil {
		t.Fatal("the head is offered to add to a draft catalog")
	}
	s.catalogPost(workflow.RoleHead, year, "catalog-approve_catalog", nil)
	s.catalogPost(workflow.RoleStaff, year, "catalog-publish_catalog", url.Values{"url": {"https://example.gov.cn/ml"}})
	cat, err := s.eng.Catalog(s.ctx, s.users[workflow.RoleStaff], year)
	if err != nil || cat.State != workflow.CatalogPublished || len(cat.Entries) != 2 {
		t.Fatalf("catalog %+v %v", cat, err)
	}
	first, second := cat.Entries[0].ID, cat.Entries[1].ID
	if _, dash := s.get(s.clients[workflow.RoleHead], "/dashboard"); !strings.Contains(dash, `id="unstarted-sec"`) || !strings.Contains(dash, "镇区停车收费调整") {
		t.Error("the dashboard does not list the entries not started")
	}
	// Staff start a decision from the first entry.
	_, page := s.get(s.clients[workflow.RoleStaff], fmt.Sprintf("/catalogs/%d", year))
	code, loc, _ := s.post(s.clients[workflow.RoleStaff], "/decisions", url.Values{"csrf": {csrfField.FindStringSubmatch(page)[1]}, "catalog_entry_id": {fmt.Sprint(first)}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/decisions/") {
		t.Fatalf("start from the entry: %d %s", code, loc)
	}
	// A second start is refused with the rule.
	code, _, body := s.post(s.clients[workflow.RoleStaff], "/decisions", url.Values{"csrf": {csrfField.FindStringSubmatch(page)[1]}, "catalog_entry_id": {fmt.Sprint(first)}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, tr(langZH, "rule.catalog-entry-taken")) {
		t.Fatalf("second start: %d", code)
	}
	// The head removes the second as an adjustment; without a reason it is refused.
	rm := fmt.Sprintf("catalog-remove_entry-%d", second)
	_, page = s.get(s.clients[workflow.RoleHead], fmt.Sprintf("/catalogs/%d", year))
	f := formOn(page, rm)
	if f == nil {
		t.Fatalf("the head is not offered %s", rm)
	}
	vals := f.fill(t, rm, nil)
	vals.Set("csrf", csrfField.FindStringSubmatch(page)[1])
	if code, _, body := s.post(s.clients[workflow.RoleHead], f.action, vals); code != http.StatusUnprocessableEntity || !strings.Contains(body, tr(langZH, "rule.catalog-frozen")) {
		t.Fatalf("removal without a reason: %d", code)
	}
	s.catalogPost(workflow.RoleHead, year, rm, url.Values{"adjustment_reason": {"上级政策调整"}})
	if _, dash := s.get(s.clients[workflow.RoleStaff], "/dashboard"); strings.Contains(dash, "unstarted-sec") {
		t.Error("the dashboard lists entries not started while none is left")
	}
	// The public page, without an account.
	code, public := s.get(http.DefaultClient, fmt.Sprintf("/catalog/%d", year))
	for _, want := range []string{"老旧小区加装电梯补助", tr(langZH, "progress.in_progress"), tr(langZH, "progress.removed"), "上级政策调整", "format=xlsx", "format=csv"} {
		if code != http.StatusOK || !strings.Contains(public, want) {
			t.Errorf("public catalog (%d) lacks %q", code, want)
		}
	}
}

// TestNewDecisionNeedsAStart: the new decision's form without a source and
// a proposal is refused (400) beside the source, what was typed kept, and
// creates nothing; with both it starts a proposal.
func TestNewDecisionNeedsAStart(t *testing.T) {
	s := newSite(t, workflow.PolicyAllFive)
	staff := s.clients[workflow.RoleStaff]
	_, page := s.get(staff, "/decisions/new")
	for _, want := range []string{`<select id="source" name="source" required>`, `<textarea id="proposal" name="proposal" rows="3" required>`} {
		if !strings.Contains(page, want) {
			t.Fatalf("the form lacks %s", want)
		}
	}
	form := url.Values{"csrf": {csrfField.FindStringSubmatch(page)[1]}, "title": {"关于镇区停车收费标准调整的决定"}, "category": {"public_policy"}, "undertaking_unit": {"镇发改办"}}
	code, _, body := s.post(staff, "/decisions", form)
	beside := `name="source" required>`
	if i := strings.Index(body, beside); code != http.StatusBadRequest || i < 0 ||
		!strings.Contains(body[i:], `<p class="ferr" role="alert">`+tr(langZH, "rule.invalid-request")+"（"+tr(langZH, "field.source")+"）</p>") ||
		!strings.Contains(body, "关于镇区停车收费标准调整的决定") {
		t.Fatalf("neither an entry nor a proposal: %d\n%s", code, body)
	}
	if ds, _, err := s.eng.Decisions(s.ctx, s.users[workflow.RoleHead], workflow.DecisionFilter{}); err != nil || len(ds) != 0 {
		t.Fatalf("the refusal created %d decisions (%v)", len(ds), err)
	}
	form.Set("source", "public")
	form.Set("proposal", "居民来信建议调整收费标准")
	if code, loc, _ := s.post(staff, "/decisions", form); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/decisions/") {
		t.Fatalf("a proposal: %d %s", code, loc)
	}
	if ds, _, _ := s.eng.Decisions(s.ctx, s.users[workflow.RoleHead], workflow.DecisionFilter{}); len(ds) != 1 || ds[0].State != workflow.StateProposed {
		t.Fatalf("after the proposal: %+v", ds)
	}
}

// TestProposalAndHearingPages: the proposal page shows the proposal and
// offers the head start and decline; a hearing shows on the page.
func TestProposalAndHearingPages(t *testing.T) {
	s := newSite(t, workflow.PolicyAllFive)
	staff := s.users[workflow.RoleStaff]
	d, err := s.eng.Create(s.ctx, staff, workflow.NewDecision{Title: "文化广场建设", Category: "construction_project", UndertakingUnit: "镇党政办", Source: "deputies", Proposal: "人大代表联名建议建设文化广场"})
	if err != nil {
		t.Fatal(err)
	}
	_, page := s.get(s.clients[workflow.RoleHead], fmt.Sprintf("/decisions/%d", d.ID))
	if !strings.Contains(page, "人大代表联名建议建设文化广场") || formOn(page, "event-start") == nil || formOn(page, "event-decline") == nil {
		t.Fatal("the proposal page lacks the proposal or the head's start and decline")
	}
	s.submit(d.ID, workflow.RoleHead, "event-start", url.Values{"undertaking_unit": {"镇文化站"}, "off_catalog_reason": {"代表建议，目录编制后提出"}})
	if _, err := s.eng.SaveDraft(s.ctx, staff, d.ID, workflow.DraftInput{Text: "第一条", LegalBases: []string{"条例"}}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.eng.Fire(s.ctx, staff, d.ID, workflow.EventSubmitDraft, nil, 0); err != nil {
		t.Fatal(err)
	}
	s.submit(d.ID, workflow.RoleStaff, "record-add_hearing", s.values(mustAction(t, workflow.RecordAddHearing).Fields))
	_, page = s.get(s.clients[workflow.RoleStaff], fmt.Sprintf("/decisions/%d", d.ID))
	if !strings.Contains(page, `id="hearings"`) || !strings.Contains(page, "李村民") || !strings.Contains(page, `id="start"`) {
		t.Fatal("the decision page does not show the hearing and the start")
	}
}

func mustAction(t *testing.T, name string) workflow.ActionDef {
	a, ok := workflow.LookupAction(name)
	if !ok {
		t.Fatalf("no action %s", name)
	}
	return a
}

// catalogName reports whether a translation names an event, entry action or
// form field of the catalog (workflow.CatalogEvents, the entry forms).
func catalogName(prefix, rest string) bool {
	entryActions := []string{workflow.RecordAddEntry, workflow.RecordEditEntry, workflow.RecordRemoveEntry}
	isCatalog := func(name string) bool {
		_, ok := workflow.LookupCatalogEvent(name)
		for _, a := range entryActions {
			ok = ok || a == name
		}
		return ok
	}
	switch prefix {
	case "event", "action":
		return isCatalog(rest)
	case "field":
		cp, _, own := strings.Cut(rest, ".")
		return own && isCatalog(cp)
	}
	return false
}
