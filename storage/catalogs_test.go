package storage_test

import (
	"errors"
	"testing"

	"decisionflow/storage"
	"decisionflow/workflow"
)

const testYear = 2026

func entryIn(title string) workflow.EntryInput {
	return workflow.EntryInput{Title: title, Category: "public_policy", UndertakingUnit: "镇城建办",
		PlannedQuarter: 2, Reason: "涉及群众切身利益"}
}

// addEntry adds an entry by staff to the catalog of testYear.
func (h *harness) addEntry(t testing.TB, title string) *workflow.CatalogEntry {
	t.Helper()
	e, err := h.eng.AddCatalogEntry(h.ctx, staff, testYear, entryIn(title))
	if err != nil {
		t.Fatalf("add entry: %v", err)
	}
	return e
}

func (h *harness) fireCatalog(t testing.TB, actor *workflow.User, event string, data any) *workflow.Catalog {
	t.Helper()
	c, err := h.eng.FireCatalog(h.ctx, actor, testYear, event, mustJSON(t, data))
	if err != nil {
		t.Fatalf("%s: %v", event, err)
	}
	return c
}

// publishedCatalog drafts, approves and publishes a catalog of the titles.
func (h *harness) publishedCatalog(t testing.TB, titles ...string) []*workflow.CatalogEntry {
	t.Helper()
	var out []*workflow.CatalogEntry
	for _, title := range titles {
		out = append(out, h.addEntry(t, title))
	}
	today := h.today().String()
	h.fireCatalog(t, head, workflow.EventApproveCatalog, workflow.ApproveCatalogData{PartyApprovedOn: today})
	h.fireCatalog(t, staff, workflow.EventPublishCatalog, workflow.PublishCatalogData{PublishedOn: today, URL: "https://example.gov.cn/ml"})
	return out
}

func (h *harness) catalogChain(t testing.TB) workflow.Verification {
	t.Helper()
	v, err := h.eng.VerifyCatalogYear(h.ctx, testYear)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCatalogLife drafts, freezes, reopens, approves, publishes and adjusts
// a catalog; every change is one entry on its chain.
func TestCatalogLife(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		a := h.addEntry(t, "老旧小区加装电梯补助")
		b := h.addEntry(t, "镇区停车收费调整")
		if _, err := h.eng.EditCatalogEntry(h.ctx, staff, testYear, b.ID, entryIn("镇区停车收费标准调整")); err != nil {
			t.Fatal(err)
		}
		if _, err := h.eng.AddCatalogEntry(h.ctx, head, testYear, entryIn("x")); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
			t.Fatalf("head adds to a draft: %v", err)
		}
		today := h.today().String()
		c := h.fireCatalog(t, head, workflow.EventApproveCatalog, workflow.ApproveCatalogData{PartyApprovedOn: today})
		if c.State != workflow.CatalogApproved {
			t.Fatalf("state %s", c.State)
		}
		c = h.fireCatalog(t, head, workflow.EventReopenCatalog, workflow.ReasonData{Reason: "党委要求补充事项"})
		if c.State != workflow.CatalogDraft || c.PartyApprovedOn != nil {
			t.Fatalf("reopened: %+v", c)
		}
		h.addEntry(t, "农村生活污水治理规划")
		h.fireCatalog(t, head, workflow.EventApproveCatalog, workflow.ApproveCatalogData{PartyApprovedOn: today})
		c = h.fireCatalog(t, staff, workflow.EventPublishCatalog, workflow.PublishCatalogData{PublishedOn: today, URL: "https://example.gov.cn/ml"})
		if c.State != workflow.CatalogPublished || c.PublishedOn == nil || len(c.Entries) != 3 {
			t.Fatalf("published: %+v", c)
		}
		adj := workflow.RemovalInput{AdjustmentReason: "上级政策调整，不再实施", PartyApprovedOn: today}
		removed, err := h.eng.RemoveCatalogEntry(h.ctx, head, testYear, a.ID, adj)
		if err != nil {
			t.Fatal(err)
		}
		if !removed.Removed || removed.Progress.Status != workflow.ProgressRemoved || removed.RemovalReason == "" {
			t.Fatalf("removed entry: %+v", removed)
		}
		in := entryIn("镇卫生院迁建")
		in.AdjustmentReason, in.PartyApprovedOn = "新增民生项目", today
		if _, err := h.eng.AddCatalogEntry(h.ctx, head, testYear, in); err != nil {
			t.Fatal(err)
		}
		got, err := h.eng.Catalog(h.ctx, staff, testYear)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Entries) != 4 || got.Entries[1].Progress.Status != workflow.ProgressNotStarted {
			t.Fatalf("entries: %+v", got.Entries)
		}
		hist, err := h.eng.CatalogHistory(h.ctx, staff, testYear)
		if err != nil {
			t.Fatal(err)
		}
		names := []string{}
		for _, e := range hist {
			names = append(names, e.Name)
		}
		want := "add_entry add_entry edit_entry approve_catalog reopen_catalog add_entry approve_catalog publish_catalog remove_entry add_entry"
		if got := join(names); got != want {
			t.Fatalf("chain %s, want %s", got, want)
		}
		if v := h.catalogChain(t); !v.OK || v.Entries != 10 {
			t.Fatalf("verify: %+v", v)
		}
		if _, err := h.eng.PublicCatalog(h.ctx, testYear); err != nil {
			t.Fatal(err)
		}
	})
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}

// TestCatalogRefusals: the wrong state and the wrong role change nothing.
func TestCatalogRefusals(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		if _, err := h.eng.FireCatalog(h.ctx, head, testYear, workflow.EventApproveCatalog, nil); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Fatalf("approve a catalog that does not exist: %v", err)
		}
		h.addEntry(t, "事项一")
		_, err := h.eng.FireCatalog(h.ctx, staff, testYear, workflow.EventPublishCatalog, mustJSON(t, workflow.PublishCatalogData{PublishedOn: h.today().String(), URL: "u"}))
		wantCode(t, err, workflow.ECONFLICT, "")
		_, err = h.eng.FireCatalog(h.ctx, staff, testYear, workflow.EventApproveCatalog, nil)
		wantCode(t, err, workflow.EFORBIDDEN, "")
		_, err = h.eng.AddCatalogEntry(h.ctx, legal, testYear, entryIn("x"))
		wantCode(t, err, workflow.EFORBIDDEN, "")
		if v := h.catalogChain(t); !v.OK || v.Entries != 1 {
			t.Fatalf("after refusals: %+v", v)
		}
	})
}

// TestCatalogChainTampered: an entry edited behind the trigger is reported
// at its seq.
func TestCatalogChainTampered(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		h.publishedCatalog(t, "事项一", "事项二")
		q := `UPDATE catalog_journal SET actor = 'mallory' WHERE year = 2026 AND seq = 2`
		var stmts []string
		if h.db.Dialect() == storage.Postgres {
			stmts = []string{`ALTER TABLE catalog_journal DISABLE TRIGGER catalog_journal_append_only`, q,
				`ALTER TABLE catalog_journal ENABLE TRIGGER catalog_journal_append_only`}
		} else {
			stmts = []string{`DROP TRIGGER catalog_journal_no_update`, q}
		}
		for _, s := range stmts {
			if _, err := h.db.SQL().Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		v := h.catalogChain(t)
		if v.OK || v.BrokenAt != 2 {
			t.Fatalf("verify = %+v, want broken at 2", v)
		}
		vs, err := h.eng.VerifyCatalogs(h.ctx)
		if err != nil || len(vs) != 1 || vs[0].OK {
			t.Fatalf("verify all: %+v %v", vs, err)
		}
	})
}

// catalogRuleCases violate each catalog rule once (see ruleCases).
var catalogRuleCases = []ruleCase{
	{"second decision from one entry", workflow.RuleCatalogEntryTaken, func(t *testing.T, h *harness) (int64, error) {
		es := h.publishedCatalog(t, "事项一")
		if _, err := h.fromEntry(es[0].ID); err != nil {
			t.Fatal(err)
		}
		_, err := h.fromEntry(es[0].ID)
		return 0, err
	}},
	{"decision from a removed entry", workflow.RuleCatalogEntryRemoved, func(t *testing.T, h *harness) (int64, error) {
		es := h.publishedCatalog(t, "事项一")
		adj := workflow.RemovalInput{AdjustmentReason: "不再实施", PartyApprovedOn: h.today().String()}
		if _, err := h.eng.RemoveCatalogEntry(h.ctx, head, testYear, es[0].ID, adj); err != nil {
			t.Fatal(err)
		}
		_, err := h.fromEntry(es[0].ID)
		return 0, err
	}},
	{"add to an approved catalog", workflow.RuleCatalogFrozen, func(t *testing.T, h *harness) (int64, error) {
		h.addEntry(t, "事项一")
		h.fireCatalog(t, head, workflow.EventApproveCatalog, workflow.ApproveCatalogData{PartyApprovedOn: h.today().String()})
		_, err := h.eng.AddCatalogEntry(h.ctx, staff, testYear, entryIn("事项二"))
		return 0, err
	}},
	{"head removes after publication without the Party's date", workflow.RuleCatalogFrozen, func(t *testing.T, h *harness) (int64, error) {
		es := h.publishedCatalog(t, "事项一")
		_, err := h.eng.RemoveCatalogEntry(h.ctx, head, testYear, es[0].ID, workflow.RemovalInput{AdjustmentReason: "调整"})
		return 0, err
	}},
	{"approve an empty catalog", workflow.RulePartyApprovalRequired, func(t *testing.T, h *harness) (int64, error) {
		e := h.addEntry(t, "事项一")
		if _, err := h.eng.RemoveCatalogEntry(h.ctx, staff, testYear, e.ID, workflow.RemovalInput{Reason: "误录"}); err != nil {
			t.Fatal(err)
		}
		_, err := h.eng.FireCatalog(h.ctx, head, testYear, workflow.EventApproveCatalog, mustJSON(t, workflow.ApproveCatalogData{PartyApprovedOn: h.today().String()}))
		return 0, err
	}},
	{"approve without the Party committee's date", workflow.RulePartyApprovalRequired, func(t *testing.T, h *harness) (int64, error) {
		h.addEntry(t, "事项一")
		_, err := h.eng.FireCatalog(h.ctx, head, testYear, workflow.EventApproveCatalog, nil)
		return 0, err
	}},
	{"catalog published before its approval", workflow.RuleDateOutOfOrder, func(t *testing.T, h *harness) (int64, error) {
		h.addEntry(t, "事项一")
		h.fireCatalog(t, head, workflow.EventApproveCatalog, workflow.ApproveCatalogData{PartyApprovedOn: h.today().String()})
		_, err := h.eng.FireCatalog(h.ctx, staff, testYear, workflow.EventPublishCatalog, mustJSON(t, workflow.PublishCatalogData{PublishedOn: h.today().AddDays(-1).String(), URL: "u"}))
		return 0, err
	}},
}

// TestCatalogRules: each refusal leaves the chain as it was.
func TestCatalogRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		for _, c := range catalogRuleCases {
			t.Run(c.name, func(t *testing.T) {
				h := &harness{name: h.name, db: openStore(t, storage.Dialect(h.name)), clock: h.clock, ctx: h.ctx}
				h.eng = workflow.NewEngine(h.db, h.clock, workflow.DefaultSettings())
				before := 0
				_, err := c.run(t, h)
				wantCode(t, err, workflow.ERULE, c.rule)
				if hist, _ := h.eng.CatalogHistory(h.ctx, staff, testYear); len(hist) > 0 {
					before = len(hist)
				}
				if v := h.catalogChain(t); !v.OK || v.Entries != before {
					t.Fatalf("after refusal: %+v", v)
				}
			})
		}
	})
}

// proposal creates a proposed decision, declined when state says so.
func (h *harness) proposal(t testing.TB, state workflow.State) *workflow.Decision {
	t.Helper()
	d, err := h.eng.Create(h.ctx, staff, workflow.NewDecision{Title: "关于建设镇文化广场的建议", Category: "construction_project",
		UndertakingUnit: "镇党政办", Source: "deputies", Proposal: "人大代表联名建议建设文化广场"})
	if err != nil {
		t.Fatalf("create a proposal: %v", err)
	}
	if state == workflow.StateDeclined {
		d = h.fire(t, head, d.ID, workflow.EventDecline, h.validData(workflow.EventDecline))
	}
	if d.State != state {
		t.Fatalf("proposal at %s, want %s", d.State, state)
	}
	return d
}

func (h *harness) fromEntry(entryID int64) (*workflow.Decision, error) {
	return h.eng.Create(h.ctx, staff, workflow.NewDecision{CatalogEntryID: &entryID, Summary: "按目录启动"})
}

func validHearing(h *harness) workflow.HearingInput {
	today := h.today()
	return workflow.HearingInput{AnnouncedOn: today.AddDays(-20).String(), ParticipantsPublishedOn: today.AddDays(-15).String(),
		MaterialsSentOn: today.AddDays(-10).String(), HeldOn: today.String(), Location: "镇政府大礼堂",
		Participants: []workflow.Participant{{Name: "李村民", Group: "affected_party"}, {Name: "王代表", Group: "deputy"}},
		Transcript:   "听证笔录……", RecordSigned: true, Report: "听证报告……"}
}

func hearingCase(mod func(h *harness, in *workflow.HearingInput)) func(t *testing.T, h *harness) (int64, error) {
	return func(t *testing.T, h *harness) (int64, error) {
		d := h.advance(t, workflow.StatePublicParticipation)
		in := validHearing(h)
		mod(h, &in)
		_, err := h.eng.AddHearing(h.ctx, staff, d.ID, in)
		return d.ID, err
	}
}

// startRuleCases violate the rules of starting a decision and of hearings;
// they run in TestRules with the others (rules_test.go).
var startRuleCases = []ruleCase{
	{"decision from an unpublished catalog", workflow.RuleCatalogNotPublished, func(t *testing.T, h *harness) (int64, error) {
		e := h.addEntry(t, "未公布事项")
		_, err := h.fromEntry(e.ID)
		return 0, err
	}},
	{"off-catalog start without a reason", workflow.RuleOffCatalogReasonRequired,
		fireWith(workflow.StateProposed, workflow.EventStart, func(h *harness, d *workflow.StartData) { d.OffCatalogReason = " " })},
	{"hearing announced 9 days before", workflow.RuleHearingNoticeTooShort, hearingCase(func(h *harness, in *workflow.HearingInput) {
		in.AnnouncedOn, in.ParticipantsPublishedOn = h.today().AddDays(-9).String(), h.today().AddDays(-9).String()
	})},
	{"hearing materials 6 days before", workflow.RuleHearingMaterialsTooLate, hearingCase(func(h *harness, in *workflow.HearingInput) {
		in.MaterialsSentOn = h.today().AddDays(-6).String()
	})},
	{"hearing without affected parties", workflow.RuleHearingParticipantsRequired, hearingCase(func(h *harness, in *workflow.HearingInput) {
		in.Participants = []workflow.Participant{{Name: "王代表", Group: "deputy"}}
	})},
	{"hearing record unsigned", workflow.RuleHearingRecordRequired, hearingCase(func(h *harness, in *workflow.HearingInput) {
		in.RecordSigned = false
	})},
	{"hearing held in the future", workflow.RuleDateOutOfOrder, hearingCase(func(h *harness, in *workflow.HearingInput) {
		in.HeldOn = h.today().AddDays(1).String()
		in.MaterialsSentOn = h.today().AddDays(-7).String()
	})},
}

// TestStartFromCatalog: a decision from a published entry starts in
// drafting with the entry's title; the entry is taken, then freed by a
// withdrawal; a removed entry starts nothing. Refusals leave no decision.
func TestStartFromCatalog(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		es := h.publishedCatalog(t, "老旧小区加装电梯补助", "镇区停车收费调整")
		d, err := h.fromEntry(es[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.State != workflow.StateDrafting || d.Title != es[0].Title || d.UndertakingUnit != es[0].UndertakingUnit {
			t.Fatalf("decision from entry: %+v", d)
		}
		_, err = h.fromEntry(es[0].ID)
		wantCode(t, err, workflow.ERULE, workflow.RuleCatalogEntryTaken)
		c, _ := h.eng.Catalog(h.ctx, staff, testYear)
		if p := c.Entries[0].Progress; p.Status != workflow.ProgressInProgress || p.Step != workflow.StepBefore {
			t.Fatalf("progress %+v", p)
		}
		h.fire(t, head, d.ID, workflow.EventWithdraw, h.validData(workflow.EventWithdraw))
		h.fire(t, staff, d.ID, workflow.EventArchive, h.validData(workflow.EventArchive))
		if _, err := h.fromEntry(es[0].ID); err != nil {
			t.Fatalf("a withdrawn decision frees its entry, archived or not: %v", err)
		}
		today := h.today().String()
		if _, err := h.eng.RemoveCatalogEntry(h.ctx, head, testYear, es[1].ID, workflow.RemovalInput{AdjustmentReason: "不再实施", PartyApprovedOn: today}); err != nil {
			t.Fatal(err)
		}
		_, err = h.fromEntry(es[1].ID)
		wantCode(t, err, workflow.ERULE, workflow.RuleCatalogEntryRemoved)
	})
}

// TestStartNeitherOrBoth: a request with neither a catalog entry nor a
// source and a proposal, or with both, is refused as invalid (400) naming
// the field, and creates nothing: no decision, no journal, the entry free.
func TestStartNeitherOrBoth(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		es := h.publishedCatalog(t, "老旧小区加装电梯补助")
		chain := h.catalogChain(t).Entries
		entry := es[0].ID
		cases := []struct {
			name  string
			in    workflow.NewDecision
			field string
		}{
			{"neither", workflow.NewDecision{Title: "关于镇区停车收费标准调整的决定", Category: "public_policy", UndertakingUnit: "镇城建办"}, "source"},
			{"neither, only a summary", workflow.NewDecision{Summary: "摘要"}, "source"},
			{"both", workflow.NewDecision{CatalogEntryID: &entry, Source: "leadership", Proposal: "镇领导班子建议"}, "catalog_entry_id"},
			{"an entry and a source", workflow.NewDecision{CatalogEntryID: &entry, Source: "public"}, "catalog_entry_id"},
			{"an entry and a proposal", workflow.NewDecision{CatalogEntryID: &entry, Proposal: "建议"}, "catalog_entry_id"},
		}
		for _, c := range cases {
			_, err := h.eng.Create(h.ctx, staff, c.in)
			wantCode(t, err, workflow.EINVALID, "")
			var we *workflow.Error
			if !errors.As(err, &we) || len(we.Fields) == 0 || we.Fields[0].Field != c.field {
				t.Fatalf("%s: %v, want the field %s named first", c.name, err, c.field)
			}
			if c.field == "source" && we.Fields[0].Message != "give catalog_entry_id, or source and proposal" {
				t.Fatalf("%s: message %q", c.name, we.Fields[0].Message)
			}
		}
		if ds, _, err := h.eng.Decisions(h.ctx, head, workflow.DecisionFilter{}); err != nil || len(ds) != 0 {
			t.Fatalf("after refusals: %d decisions (%v), want none", len(ds), err)
		}
		if v := h.catalogChain(t); !v.OK || v.Entries != chain {
			t.Fatalf("catalog chain after refusals: %+v, want ok with %d entries", v, chain)
		}
		c, _ := h.eng.Catalog(h.ctx, staff, testYear)
		if p := c.Entries[0].Progress; p.Status != workflow.ProgressNotStarted {
			t.Fatalf("entry progress after refusals: %+v, want not started", p)
		}
		// Either one alone starts a decision, the first being number 1.
		d, err := h.fromEntry(entry)
		if err != nil || d.ID != 1 || d.State != workflow.StateDrafting {
			t.Fatalf("from the entry: %+v %v", d, err)
		}
		p := h.proposal(t, workflow.StateProposed)
		if p.Source == nil || *p.Source != "deputies" {
			t.Fatalf("proposal: %+v", p)
		}
	})
}

// TestProposalStartAndHearing: a proposal started by the head names its
// unit; a hearing is recorded in public participation and listed.
func TestProposalStartAndHearing(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.proposal(t, workflow.StateProposed)
		d := h.fire(t, head, p.ID, workflow.EventStart, h.validData(workflow.EventStart))
		if d.State != workflow.StateDrafting || d.UndertakingUnit != "镇民政办" {
			t.Fatalf("started: %+v", d)
		}
		d = h.advance(t, workflow.StatePublicParticipation)
		if _, err := h.eng.AddHearing(h.ctx, staff, d.ID, validHearing(h)); err != nil {
			t.Fatal(err)
		}
		hs, err := h.eng.Hearings(h.ctx, staff, d.ID)
		if err != nil || len(hs) != 1 || len(hs[0].Participants) != 2 || hs[0].HeldOn != h.today().String() {
			t.Fatalf("hearings %+v %v", hs, err)
		}
		if v := h.verify(t, d.ID); !v.OK {
			t.Fatalf("verify %+v", v)
		}
	})
}
