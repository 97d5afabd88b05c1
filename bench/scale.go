package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"strings"
	"time"

	"decisionflow/storage"
	"decisionflow/storage/pgtest"
	"decisionflow/workflow"

	"github.com/lib/pq"
)

// ScaleRun is the reads on one database of a given size.
type ScaleRun struct {
	Decisions      int           `json:"decisions"`
	JournalEntries int           `json:"journal_entries"`
	SeedSeconds    float64       `json:"seed_seconds"`
	Clients        int           `json:"clients"`
	Reads          []NamedLoad   `json:"reads"`
	Explain        []ExplainPlan `json:"explain"`
}

// NamedLoad is a Load with what it read.
type NamedLoad struct {
	Name string `json:"name"`
	Path string `json:"path,omitempty"`
	// Items and Bytes are what one answer of a list read holds: the
	// decisions on the page and the body's size. A flat read compares the
	// same page at both sizes, so both must be full.
	Items int `json:"items,omitempty"`
	Bytes int `json:"bytes,omitempty"`
	Load
}

// ExplainPlan is the plan of one list query on the database.
type ExplainPlan struct {
	Query     string `json:"query"`
	UsesIndex bool   `json:"uses_index"` // the page query reads decisions through an index
	// CountScans is set when the count query reads every row of decisions
	// (a count with no selective filter cannot do otherwise).
	CountScans bool     `json:"count_scans_decisions"`
	Top        string   `json:"top"`
	Page       []string `json:"page_plan"`
	Count      []string `json:"count_plan"`
}

// scaleClients is the concurrency of the scale reads.
const scaleClients = 8

// units of the seeded decisions.
var units = []string{"镇综治办", "镇城建办", "镇财政所", "镇农业办", "镇社会事务办", "镇自然资源所", "镇应急办", "镇党政办"}

// seededState is the state of seeded decision i (1-based): mostly archived
// and published, 2% each overdue in legality review, in public
// participation, awaiting the collective decision, and in drafting.
func seededState(i int) workflow.State {
	switch i % 50 {
	case 1:
		return workflow.StateLegalityReview
	case 2:
		return workflow.StatePublicParticipation
	case 3:
		return workflow.StateCollectiveDecision
	case 4:
		return workflow.StateDrafting
	}
	if i%5 == 0 {
		return workflow.StatePublished
	}
	return workflow.StateArchived
}

// scaleReads seeds a fresh database with n decisions of `entries` journal
// entries each (decision 1 has 30), with valid hash chains, in SQL (COPY),
// and times the reads at scaleClients clients.
func scaleReads(ctx context.Context, c *pgtest.Cluster, bin, work string, n, entries int, d time.Duration) (ScaleRun, error) {
	run := ScaleRun{Decisions: n, Clients: scaleClients}
	dsn, err := c.CreateDatabase(fmt.Sprintf("scale%d", n))
	if err != nil {
		return run, err
	}
	fmt.Printf("read scale: seeding %d decisions, %d journal entries each …\n", n, entries)
	t0 := time.Now()
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		return run, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return run, err
	}
	token, err := headToken(ctx, db)
	if err != nil {
		return run, err
	}
	if run.JournalEntries, err = seedScale(ctx, db, n, entries); err != nil {
		return run, err
	}
	run.SeedSeconds = time.Since(t0).Seconds()
	fmt.Printf("  seeded in %.1f s\n", run.SeedSeconds)
	if err := verifySeeded(ctx, db, n); err != nil {
		return run, err
	}

	srv, err := startServer(bin, dsn, work, false)
	if err != nil {
		return run, err
	}
	defer srv.stop()
	run.Reads = scaleLoads(ctx, db, srv, token, n, d)
	if run.Explain, err = explainLists(ctx, db); err != nil {
		return run, err
	}
	return run, nil
}

// verifySeeded checks the hash chains of the first and the last of the n
// seeded decisions, through the engine.
func verifySeeded(ctx context.Context, db *storage.DB, n int) error {
	eng := workflow.NewEngine(db, workflow.SystemClock{}, workflow.DefaultSettings())
	for _, id := range []int64{1, int64(n)} {
		if v, err := eng.VerifyOne(ctx, id); err != nil || !v.OK {
			return fmt.Errorf("the seeded chain of decision %d does not verify: %+v %v", id, v, err)
		}
	}
	return nil
}

// scaleLoads times, at scaleClients clients for d each, the API's reads
// through srv (one of the n decisions at random, the 30-entry history, a
// filtered list page, the overdue list, the statistics), then the
// dashboard's counts through the store (its tallies, as
// Engine.StateCounts reads them).
func scaleLoads(ctx context.Context, db *storage.DB, srv *server, token string, n int, d time.Duration) []NamedLoad {
	unit := url.QueryEscape(units[1])
	page := fmt.Sprintf("&limit=%d", scalePage)
	paths := []struct{ name, path string }{
		{"one decision", ""},
		{"30-entry history", "/api/v1/decisions/1/history"},
		{"list page, filtered", "/api/v1/decisions?state=published&undertaking_unit=" + unit + page},
		{"overdue list", "/api/v1/decisions?overdue=true" + page},
		{"statistics", "/api/v1/stats"},
	}
	var loads []NamedLoad
	for _, p := range paths {
		path := p.path
		fn := func(int) string { return path }
		if path == "" {
			fn = func(int) string { return fmt.Sprintf("/api/v1/decisions/%d", 1+rand.Intn(n)) }
		}
		nl := NamedLoad{Name: p.name, Path: path}
		if strings.Contains(path, "limit=") {
			nl.Items, nl.Bytes = listPage(srv.base, token, path)
		}
		nl.Load = reads(srv.base, token, scaleClients, d, fn)
		loads = append(loads, nl)
	}
	return append(loads, NamedLoad{Name: "dashboard state counts", Load: load(scaleClients, d, func(int, int) error {
		t, err := db.Tallies(ctx)
		if err == nil {
			_ = t.StateCounts()
		}
		return err
	})})
}

// scalePage is the page size of the list reads. The small database holds
// 25 published decisions of units[1] and 20 overdue ones (seededState), so
// a page of 20 is full at both sizes and the two sizes are timed on the
// same work: the same rows rendered, only more data behind them. With a
// page of 50 the small database answers 25 and 20 rows where the large
// one answers 50, and the ratio measures the page's size, not the data's.
const scalePage = 20

// listPage reads one answer of a list read: its decisions and size.
func listPage(base, token, path string) (items, size int) {
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var page struct {
		Decisions []json.RawMessage `json:"decisions"`
	}
	_ = json.Unmarshal(b, &page)
	return len(page.Decisions), len(b)
}

// explainLists keeps the plans (page and count) of the list queries.
func explainLists(ctx context.Context, db *storage.DB) ([]ExplainPlan, error) {
	today := workflow.DateOf(time.Now())
	filters := []struct {
		name string
		f    workflow.DecisionFilter
	}{
		{"page, no filter", workflow.DecisionFilter{Limit: 51}},
		{"state and unit", workflow.DecisionFilter{State: workflow.StatePublished, UndertakingUnit: units[1], Limit: 51}},
		{"overdue", workflow.DecisionFilter{Limit: 51, Due: &workflow.DueBounds{ReviewDueBefore: today, LegalityStartedBy: today.AddDays(-10)}}},
		{"due before (comments too)", workflow.DecisionFilter{Limit: 51, Due: &workflow.DueBounds{ReviewDueBefore: today, LegalityStartedBy: today.AddDays(-10), CommentClosesBefore: &today}}},
		{"title search", workflow.DecisionFilter{Query: "决策 77", Limit: 51}},
	}
	var plans []ExplainPlan
	for _, f := range filters {
		page, count, err := db.ExplainDecisions(ctx, f.f)
		if err != nil {
			return plans, err
		}
		plans = append(plans, explainPlan(f.name, page, count))
	}
	return plans, nil
}

// explainPlan reads a list query's page and count plans.
func explainPlan(query string, page, count []string) ExplainPlan {
	e := ExplainPlan{Query: query, Page: page, Count: count}
	pagePlan := strings.Join(page, "\n")
	e.UsesIndex = strings.Contains(pagePlan, "on decisions") && !strings.Contains(pagePlan, "Seq Scan on decisions")
	e.CountScans = strings.Contains(strings.Join(count, "\n"), "Seq Scan on decisions")
	if len(page) > 0 {
		e.Top = strings.TrimSpace(page[0])
	}
	return e
}

// seedScale writes n decisions with their drafts, comment periods and
// journals by COPY, every chain hashed as the engine hashes it, and returns
// the number of journal entries. The load runs with the triggers off
// (session_replication_role = replica, for this transaction only; the
// bench's cluster user is a superuser), the statistics' tally triggers and
// the foreign keys' checks with them, and the tallies are recounted after
// it (storage.RebuildTallies, from the view the migration's backfill
// reads): 1.5 s at 2 million journal entries, where the triggers firing
// row by row made the load about 1.9 times as long.
func seedScale(ctx context.Context, store *storage.DB, n, entries int) (int, error) {
	db := store.SQL()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.ExecContext(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		return 0, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	s := &scaleSeeder{n: n, entries: entries, now: now, base: now.AddDate(-2, 0, 0)}
	if err := s.copyTables(ctx, tx); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `SELECT setval('decisions_id_seq', $1)`, n); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	if err := store.RebuildTallies(ctx); err != nil {
		return 0, err
	}
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		return 0, err
	}
	return s.journalEntries, nil
}

// putFunc writes one row of a COPY.
type putFunc func(...any) error

// copyIn loads table's cols by COPY in tx: rows calls put once a row.
func copyIn(ctx context.Context, tx *sql.Tx, table string, cols []string, rows func(put putFunc) error) error {
	st, err := tx.PrepareContext(ctx, pq.CopyIn(table, cols...))
	if err != nil {
		return err
	}
	if err := rows(func(v ...any) error { _, err := st.ExecContext(ctx, v...); return err }); err != nil {
		st.Close()
		return err
	}
	if _, err := st.ExecContext(ctx); err != nil {
		st.Close()
		return err
	}
	return st.Close()
}

// scaleSeeder makes the rows of n seeded decisions, decision i created i
// minutes after base, with `entries` journal entries each (decision 1 has
// 30); it counts the journal entries it writes.
type scaleSeeder struct {
	n, entries     int
	now, base      time.Time
	journalEntries int
}

// scaleEntryData is the data of every seeded journal entry.
var scaleEntryData = json.RawMessage(`{"reason":"seed"}`)

func (s *scaleSeeder) created(i int) time.Time { return s.base.Add(time.Duration(i) * time.Minute) }

// journalLen is the number of journal entries of decision i.
func (s *scaleSeeder) journalLen(i int) int {
	if i == 1 {
		return 30
	}
	return s.entries
}

func day(t time.Time) string { return workflow.DateOf(t).String() }

// copyTables writes the decisions, drafts, comment periods and journal.
func (s *scaleSeeder) copyTables(ctx context.Context, tx *sql.Tx) error {
	tables := []struct {
		name, table string
		cols        []string
		rows        func(put putFunc) error
	}{
		{"decisions", "decisions", []string{"id", "title", "summary", "category", "undertaking_unit", "state", "version", "policy",
			"created_by", "created_at", "updated_at", "decided_on", "legality_submitted_on", "state_entered_on", "review_requested_by"}, s.decisions},
		{"drafts", "drafts", []string{"decision_id", "version", "text", "legal_bases", "sha256", "created_by", "created_at"}, s.drafts},
		{"comment periods", "comment_periods", []string{"decision_id", "opens_on", "closes_on", "channels", "shortening_reason"}, s.commentPeriods},
		{"journal", "journal", []string{"decision_id", "seq", "kind", "name", "from_state", "to_state", "actor", "role", "at", "data", "prev_hash", "hash"}, s.journal},
	}
	for _, t := range tables {
		if err := copyIn(ctx, tx, t.table, t.cols, t.rows); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
	}
	return nil
}

func (s *scaleSeeder) decisions(put putFunc) error {
	for i := 1; i <= s.n; i++ {
		if err := put(s.decisionRow(i)...); err != nil {
			return err
		}
	}
	return nil
}

// decisionRow is decision i in its seeded state: decided a month after its
// creation when published or archived, overdue when in legality review.
func (s *scaleSeeder) decisionRow(i int) []any {
	st, at, k := seededState(i), s.created(i), s.journalLen(i)
	var decided, submitted, reviewBy any
	if st == workflow.StatePublished || st == workflow.StateArchived {
		decided = day(at.AddDate(0, 1, 0))
	}
	if st == workflow.StateLegalityReview {
		submitted, reviewBy = day(s.now.AddDate(0, 0, -30)), day(s.now.AddDate(0, 0, -20))
	}
	return []any{int64(i), fmt.Sprintf("压测决策 %d", i), "摘要", "other", units[i%len(units)], string(st), int64(k),
		"statutory", "seed", at, at.Add(time.Duration(k) * time.Hour), decided, submitted, day(at), reviewBy}
}

func (s *scaleSeeder) drafts(put putFunc) error {
	for i := 1; i <= s.n; i++ {
		if err := put(int64(i), 1, "正文", `["《条例》"]`, strings.Repeat("a", 64), "seed", s.created(i)); err != nil {
			return err
		}
	}
	return nil
}

// commentPeriods gives each decision in public participation a comment
// period that closed 10 days ago.
func (s *scaleSeeder) commentPeriods(put putFunc) error {
	for i := 1; i <= s.n; i++ {
		if seededState(i) != workflow.StatePublicParticipation {
			continue
		}
		if err := put(int64(i), day(s.now.AddDate(0, 0, -40)), day(s.now.AddDate(0, 0, -10)), `["website"]`, ""); err != nil {
			return err
		}
	}
	return nil
}

func (s *scaleSeeder) journal(put putFunc) error {
	for i := 1; i <= s.n; i++ {
		if err := s.chain(i, put); err != nil {
			return err
		}
	}
	return nil
}

// chain writes decision i's journal, hashed entry by entry: create, then
// records and transitions back and forth between drafting and revising,
// then the final state.
func (s *scaleSeeder) chain(i int, put putFunc) error {
	k, final, at := s.journalLen(i), seededState(i), s.created(i)
	prev, from := workflow.ZeroHash, workflow.StateNone
	for seq := 1; seq <= k; seq++ {
		e := workflow.JournalEntry{DecisionID: int64(i), Seq: int64(seq), Kind: "transition", Name: "seed",
			From: from, Actor: "seed", Role: workflow.RoleStaff, At: at.Add(time.Duration(seq) * time.Hour), Data: scaleEntryData, PrevHash: prev}
		switch {
		case seq == 1:
			e.To = workflow.StateDrafting
		case seq == k:
			e.To = final
		case seq%2 == 1:
			e.Kind, e.To = "record", from
		case from == workflow.StateDrafting:
			e.To = workflow.StateRevising
		default:
			e.To = workflow.StateDrafting
		}
		var err error
		if e.Hash, err = e.ComputeHash(); err != nil {
			return err
		}
		if err := put(e.DecisionID, e.Seq, e.Kind, e.Name, string(e.From), string(e.To), e.Actor, string(e.Role),
			e.At, string(e.Data), e.PrevHash, e.Hash); err != nil {
			return err
		}
		prev, from = e.Hash, e.To
		s.journalEntries++
	}
	return nil
}
