package storage_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"decisionflow/storage"
	"decisionflow/workflow"

	"github.com/jmoiron/sqlx"
)

// The statistics read tallies kept on write (migration 00011): triggers
// append deltas in each writer's transaction, FoldTallies moves them into
// the tallies, and DB.Tallies sums both. These tests hold the tallies to a
// recount from the tables, computed here in Go, on both stores.

// stayBucket is a stay's length in tenths of a day, rounded to nearest,
// halves up: what the triggers count (to the microsecond on PostgreSQL, to
// the millisecond on SQLite; the tests' stays are whole seconds).
func stayBucket(d time.Duration) int64 {
	const tenth = int64(8640 * time.Second / time.Microsecond)
	us := d.Microseconds() + tenth/2
	q := us / tenth
	if us%tenth != 0 && us < 0 {
		q--
	}
	return q
}

// recount counts, in Go, what the tallies must hold: every decision by
// state and outcome and by unit, and its open deadline (the due filter's
// three cases), read from the decisions and comment_periods tables, and
// every ended stay from the journal's transitions.
func (h *harness) recount(t testing.TB) *workflow.Tallies {
	t.Helper()
	out := workflow.NewTallies()
	rows, err := h.db.SQL().QueryContext(h.ctx, `
SELECT d.state, d.outcome, d.undertaking_unit, d.review_requested_by, d.legality_submitted_on, cp.closes_on
FROM decisions d LEFT JOIN comment_periods cp ON cp.decision_id = d.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var state, unit string
		var outcome sql.NullString
		var review, submitted, closes sql.NullTime
		if err := rows.Scan(&state, &outcome, &unit, &review, &submitted, &closes); err != nil {
			t.Fatal(err)
		}
		out.Decisions[workflow.StateOutcome{State: workflow.State(state), Outcome: workflow.State(outcome.String)}]++
		out.Units[unit]++
		due := func(k workflow.DueKind, d sql.NullTime) {
			out.Due[workflow.DueDay{Kind: k, Date: workflow.DateOf(d.Time)}]++
		}
		switch {
		case state == string(workflow.StateLegalityReview) && review.Valid:
			due(workflow.DueReview, review)
		case state == string(workflow.StateLegalityReview) && submitted.Valid:
			due(workflow.DueSubmitted, submitted)
		case state == string(workflow.StatePublicParticipation) && closes.Valid:
			due(workflow.DueCloses, closes)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	ts, err := h.db.Transitions(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(ts); i++ {
		prev, cur := ts[i-1], ts[i]
		if prev.DecisionID == cur.DecisionID {
			out.Stays[workflow.StayBucket{State: prev.To, Tenths: stayBucket(cur.At.Sub(prev.At))}]++
		}
	}
	return out
}

// viewRecount reads the database's own recount (the view tally_recount the
// migration's backfill and RebuildTallies read).
func (h *harness) viewRecount(t testing.TB) *workflow.Tallies {
	t.Helper()
	out := workflow.NewTallies()
	rows, err := h.db.SQL().QueryContext(h.ctx, `SELECT kind, key, sub, n FROM tally_recount`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, key, sub string
		var n int
		if err := rows.Scan(&kind, &key, &sub, &n); err != nil {
			t.Fatal(err)
		}
		switch kind {
		case "state":
			out.Decisions[workflow.StateOutcome{State: workflow.State(key), Outcome: workflow.State(sub)}] += n
		case "unit":
			out.Units[key] += n
		case "stay":
			tenths, err := strconv.ParseInt(sub, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			out.Stays[workflow.StayBucket{State: workflow.State(key), Tenths: tenths}] += n
		case "due":
			day, err := workflow.ParseDate(sub)
			if err != nil {
				t.Fatal(err)
			}
			out.Due[workflow.DueDay{Kind: workflow.DueKind(key), Date: day}] += n
		default:
			t.Fatalf("tally_recount: unknown kind %q", kind)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// tallyDiff describes how got differs from want ("" when it does not).
func tallyDiff(got, want *workflow.Tallies) string {
	var b strings.Builder
	diff := func(what string, g, w map[string]int) {
		for _, k := range slices.Sorted(maps.Keys(w)) {
			if g[k] != w[k] {
				fmt.Fprintf(&b, "\n  %s %s: %d, want %d", what, k, g[k], w[k])
			}
		}
		for _, k := range slices.Sorted(maps.Keys(g)) {
			if _, ok := w[k]; !ok {
				fmt.Fprintf(&b, "\n  %s %s: %d, want none", what, k, g[k])
			}
		}
	}
	flat := func(t *workflow.Tallies) (d, u, s, due map[string]int) {
		d, u, s, due = map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
		for k, n := range t.Decisions {
			if n != 0 {
				d[string(k.State)+"/"+string(k.Outcome)] = n
			}
		}
		for k, n := range t.Units {
			if n != 0 {
				u[k] = n
			}
		}
		for k, n := range t.Stays {
			if n != 0 {
				s[fmt.Sprintf("%s/%d", k.State, k.Tenths)] = n
			}
		}
		for k, n := range t.Due {
			if n != 0 {
				due[fmt.Sprintf("%s/%s", k.Kind, k.Date)] = n
			}
		}
		return d, u, s, due
	}
	gd, gu, gs, gdue := flat(got)
	wd, wu, ws, wdue := flat(want)
	diff("decisions", gd, wd)
	diff("unit", gu, wu)
	diff("stays", gs, ws)
	diff("due", gdue, wdue)
	return b.String()
}

// wantExactTallies fails unless the tallies the store reads equal the
// recount in Go, and the database's own recount equals it too.
func (h *harness) wantExactTallies(t testing.TB, when string) *workflow.Tallies {
	t.Helper()
	got, err := h.db.Tallies(h.ctx)
	if err != nil {
		t.Fatalf("%s: tallies: %v", when, err)
	}
	want := h.recount(t)
	if d := tallyDiff(got, want); d != "" {
		t.Fatalf("%s: the tallies differ from a recount of the tables:%s", when, d)
	}
	if d := tallyDiff(h.viewRecount(t), want); d != "" {
		t.Fatalf("%s: tally_recount differs from the recount in Go:%s", when, d)
	}
	return got
}

// walk fires events on decision id in order, each by its role with valid
// data and the records its rules need, the clock moved on by wait(i)
// before event i.
func (h *harness) walk(t testing.TB, id int64, events []string, wait func(i int) time.Duration) *workflow.Decision {
	t.Helper()
	var d *workflow.Decision
	for i, ev := range events {
		h.prepare(t, id, ev)
		h.clock.Advance(wait(i))
		def, _ := workflow.LookupEvent(ev)
		d = h.fire(t, users[def.Role], id, ev, h.validData(ev))
	}
	return d
}

// TestTalliesFollowEveryWrite builds a varied history (proposals started in
// another unit than proposed, the five procedures, rejection, deferral,
// withdrawal, a declined proposal, archives with their outcome, an
// adjustment that stays in its state and retires its predecessor, records
// between transitions) and checks after each part, folded or not, that the
// tallies equal a recount of the tables.
func TestTalliesFollowEveryWrite(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		h.wantExactTallies(t, "empty")
		units := []string{"镇城建办", "镇财政所", "镇民政办", "镇农业办"}
		targets := []workflow.State{workflow.StatePublished, workflow.StateRejected, workflow.StateDeferred,
			workflow.StateWithdrawn, workflow.StateArchived, workflow.StateCollectiveDecision, workflow.StateRevising}
		var rejected, withdrawn int64
		for i, target := range targets {
			d, err := h.eng.Create(h.ctx, staff, proposed(workflow.NewDecision{Title: fmt.Sprintf("决策 %d", i),
				Summary: "摘要", Category: "other", UndertakingUnit: units[i%len(units)]}))
			if err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(time.Duration(i+1) * 97 * time.Minute)
			h.start(t, d.ID, units[(i+1)%len(units)]) // the head names another unit
			h.saveDraft(t, d.ID)
			d = h.walk(t, d.ID, path[target], func(j int) time.Duration {
				return time.Duration(i*37+j*11+1)*time.Hour + time.Duration(i*j*7)*time.Second
			})
			if d.State != target {
				t.Fatalf("decision %d at %s, want %s", d.ID, d.State, target)
			}
			switch target {
			case workflow.StateRejected:
				rejected = d.ID
			case workflow.StateWithdrawn:
				withdrawn = d.ID
			}
			if i == 2 {
				h.wantExactTallies(t, "nothing folded")
				if _, err := h.db.FoldTallies(h.ctx); err != nil {
					t.Fatal(err)
				}
				h.wantExactTallies(t, "all folded")
			}
		}
		h.proposal(t, workflow.StateDeclined)
		h.wantExactTallies(t, "part folded")

		// Archives: the outcome is the closed state archived from.
		for _, id := range []int64{rejected, withdrawn} {
			h.clock.Advance(50 * time.Hour)
			h.fire(t, staff, id, workflow.EventArchive, h.validData(workflow.EventArchive))
		}
		// An adjustment: adjust stays in published, the successor is created
		// in the same transaction and, once published, retires its predecessor.
		h.clock.Advance(3 * time.Hour)
		old, next := h.adjust(t)
		if old.State != workflow.StateAdjusted || next.State != workflow.StatePublished {
			t.Fatalf("adjustment: %s and %s", old.State, next.State)
		}
		got := h.wantExactTallies(t, "after archives and an adjustment")
		if _, err := h.db.FoldTallies(h.ctx); err != nil {
			t.Fatal(err)
		}
		h.wantExactTallies(t, "folded again")

		oc := got.OutcomeCounts()
		if oc[workflow.StateRejected] != 1 || oc[workflow.StateWithdrawn] != 1 || oc[workflow.StateDeclined] != 1 ||
			oc[workflow.StateExecuted] != 1 || oc[workflow.StateAdjusted] != 1 {
			t.Fatalf("outcome counts %v", oc)
		}
		if got.Decisions[workflow.StateOutcome{State: workflow.StateArchived, Outcome: workflow.StateRejected}] != 1 {
			t.Fatalf("an archived rejection is not counted with its outcome: %v", got.Decisions)
		}

		// The statistics and the dashboard agree with the tallies.
		st, err := h.eng.Stats(h.ctx, legal)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := h.eng.StateCounts(h.ctx, staff)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, c := range st.ByState {
			if c.Count != counts[c.State] {
				t.Errorf("state %s: stats %d, dashboard %d", c.State, c.Count, counts[c.State])
			}
			total += c.Count
		}
		var n int
		if err := h.db.SQL().QueryRowContext(h.ctx, `SELECT count(*) FROM decisions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if st.Total != n || total != n {
			t.Fatalf("total %d (by state %d), want %d decisions", st.Total, total, n)
		}
		units4 := 0
		for _, u := range st.ByUnit {
			units4 += u.Count
		}
		if units4 != n || len(st.ByUnit) < 3 {
			t.Fatalf("by unit %+v, want %d decisions in several units", st.ByUnit, n)
		}
	})
}

// TestStayMedianByHand sets the stays of four decisions by the clock and
// checks the medians against a hand computation, stays being counted in
// tenths of a day (rounded to nearest, halves up):
//
//   - public participation: 31, 31.25, 31, 31.25 days → tenths 310, 313,
//     310, 313 → middle two 310 and 313 → 311.5 → 31.2 days;
//   - expert review: 1, 2, 2.05, 5 days → 10, 20, 21 (20.5 up), 50 → 20.5
//     → 2.1 days (the mean of the raw middle stays, 2.025, would be 2.0);
//   - risk assessment: 0.5, 3.3, 7 days (the fourth decision is still in
//     it) → 3.3 days, an odd count;
//   - legality review and the collective decision: no stay has ended.
func TestStayMedianByHand(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		day := 24 * time.Hour
		stays := []struct{ pp, er, ra time.Duration }{
			{0, 1 * day, day / 2},
			{6 * time.Hour, 2 * day, 79*time.Hour + 12*time.Minute}, // 3.3 days
			{0, 49*time.Hour + 12*time.Minute, 7 * day},             // 2.05 days
			{6 * time.Hour, 5 * day, -1},
		}
		for _, s := range stays {
			d := h.create(t)
			h.saveDraft(t, d.ID)
			h.clock.Advance(17 * time.Hour) // in drafting: not a step
			h.fire(t, staff, d.ID, workflow.EventSubmitDraft, h.validData(workflow.EventSubmitDraft))
			h.prepare(t, d.ID, workflow.EventCompletePublicParticipation) // 31 days
			h.clock.Advance(s.pp)
			h.fire(t, staff, d.ID, workflow.EventCompletePublicParticipation, h.validData(workflow.EventCompletePublicParticipation))
			h.addOpinion(t, d.ID)
			h.clock.Advance(s.er)
			h.fire(t, staff, d.ID, workflow.EventCompleteExpertReview, h.validData(workflow.EventCompleteExpertReview))
			if s.ra < 0 {
				continue
			}
			h.clock.Advance(s.ra)
			h.fire(t, staff, d.ID, workflow.EventCompleteRiskAssessment, h.validData(workflow.EventCompleteRiskAssessment))
		}
		h.wantExactTallies(t, "stays set")
		st, err := h.eng.Stats(h.ctx, legal)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]struct {
			days  float64 // -1: none
			stays int
		}{
			workflow.StepPublicParticipation: {31.2, 4},
			workflow.StepExpertReview:        {2.1, 4},
			workflow.StepRiskAssessment:      {3.3, 3},
			workflow.StepLegalityReview:      {-1, 0},
			workflow.StepCollectiveDecision:  {-1, 0},
		}
		if len(st.MedianDays) != len(workflow.Steps) {
			t.Fatalf("median days %+v", st.MedianDays)
		}
		for i, m := range st.MedianDays {
			w := want[m.Step]
			if m.Step != workflow.Steps[i] || m.Stays != w.stays || (m.Days == nil) != (w.days < 0) || (m.Days != nil && *m.Days != w.days) {
				t.Errorf("step %s: median %v over %d stays; want %v over %d", m.Step, ptr(m.Days), m.Stays, w.days, w.stays)
			}
		}
	})
}

func ptr(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// TestTalliesUnderConcurrentTransitionsAndFolds: 16 goroutines fire 20
// transitions each between the same two states (defer and retable, each on
// its own decision, as the benchmark does) while four goroutines fold and
// read the tallies. Every read sees every decision once (a transition's -1
// and +1 commit together), folds that overlap never count a delta twice,
// and at the end the tallies equal a recount.
func TestTalliesUnderConcurrentTransitionsAndFolds(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		const writers, each, folders = 16, 20, 4
		ids := make([]int64, writers)
		for i := range ids {
			ids[i] = h.advance(t, workflow.StateCollectiveDecision).ID
		}
		deferData := mustJSON(t, h.validData(workflow.EventDefer))
		retableData := mustJSON(t, h.validData(workflow.EventRetable))
		ctx, cancel := context.WithCancel(h.ctx)
		defer cancel()
		var (
			writing, folding sync.WaitGroup
			moved, folds     atomic.Int64
			errs             = make(chan error, writers+folders)
		)
		for _, id := range ids {
			writing.Add(1)
			go func() {
				defer writing.Done()
				for j := 0; j < each; j++ {
					ev, data := workflow.EventDefer, deferData
					if j%2 == 1 {
						ev, data = workflow.EventRetable, retableData
					}
					if _, err := h.eng.Fire(h.ctx, head, id, ev, data, 0); err != nil {
						errs <- fmt.Errorf("decision %d, %s: %w", id, ev, err)
						return
					}
				}
			}()
		}
		for f := 0; f < folders; f++ {
			folding.Add(1)
			go func() {
				defer folding.Done()
				for ctx.Err() == nil {
					n, err := h.db.FoldTallies(ctx)
					if err != nil {
						if ctx.Err() == nil {
							errs <- fmt.Errorf("fold: %w", err)
						}
						return
					}
					moved.Add(int64(n))
					folds.Add(1)
					time.Sleep(200 * time.Microsecond) // SQLite: let the writers have the write lock
					tl, err := h.db.Tallies(ctx)
					if err != nil {
						if ctx.Err() == nil {
							errs <- fmt.Errorf("read: %w", err)
						}
						return
					}
					total := 0
					for _, c := range tl.StateCounts() {
						total += c
					}
					if total != writers {
						errs <- fmt.Errorf("a read counted %d decisions, want %d", total, writers)
						return
					}
				}
			}()
		}
		writing.Wait()
		cancel()
		folding.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if t.Failed() {
			return
		}
		t.Logf("%d folds moved %d deltas during %d transitions", folds.Load(), moved.Load(), writers*each)
		got := h.wantExactTallies(t, "after the concurrent transitions")
		if n, err := h.db.FoldTallies(h.ctx); err != nil {
			t.Fatal(err)
		} else {
			t.Logf("the last fold moved %d", n)
		}
		h.wantExactTallies(t, "after the last fold")
		// 320 transitions between collective_decision and deferred: 160
		// stays in each on top of the way there, every decision back in
		// collective_decision.
		if c := got.StateCounts(); c[workflow.StateCollectiveDecision] != writers || c[workflow.StateDeferred] != 0 {
			t.Fatalf("state counts %v", c)
		}
	})
}

// TestFoldSkipsWhileAnotherFolds (PostgreSQL): while another session holds
// the fold's advisory lock, a fold moves nothing and returns at once, and
// the read is exact all the same; a writer's uncommitted delta holds up
// neither a fold nor another writer between the same two states, and is
// folded once committed.
func TestFoldSkipsWhileAnotherFolds(t *testing.T) {
	db := openStore(t, storage.Postgres)
	clock := workflow.NewManualClock(start)
	h := &harness{name: "postgres", db: db, clock: clock, ctx: context.Background(), eng: workflow.NewEngine(db, clock, workflow.DefaultSettings())}
	a := h.advance(t, workflow.StateCollectiveDecision)
	b := h.advance(t, workflow.StateCollectiveDecision)

	lock, err := db.SQL().Conn(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(h.ctx, `SELECT pg_advisory_lock($1)`, storage.TallyFoldLockID); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(h.ctx, 3*time.Second)
	defer cancel()
	if n, err := db.FoldTallies(ctx); err != nil || n != 0 {
		t.Fatalf("a fold while another holds the lock moved %d (%v), want 0 at once", n, err)
	}
	h.wantExactTallies(t, "fold skipped")
	if _, err := lock.ExecContext(h.ctx, `SELECT pg_advisory_unlock($1)`, storage.TallyFoldLockID); err != nil {
		t.Fatal(err)
	}

	// An open transaction has moved decision a to deferred: its deltas are
	// written, not committed.
	tx, err := db.SQL().BeginTx(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.ExecContext(h.ctx, `UPDATE decisions SET state = 'deferred' WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.Fire(ctx, head, b.ID, workflow.EventDefer, mustJSON(t, h.validData(workflow.EventDefer)), 0); err != nil {
		t.Fatalf("a transition between the same two states waited for another's uncommitted deltas: %v", err)
	}
	n, err := db.FoldTallies(ctx)
	if err != nil || n == 0 {
		t.Fatalf("a fold beside an uncommitted writer moved %d (%v); want b's deltas, without waiting", n, err)
	}
	h.wantExactTallies(t, "beside an uncommitted writer")
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n, err := db.FoldTallies(h.ctx); err != nil || n != 2 {
		t.Fatalf("the fold after the commit moved %d (%v), want a's 2 deltas", n, err)
	}
	if c := h.wantExactTallies(t, "committed").StateCounts(); c[workflow.StateDeferred] != 2 {
		t.Fatalf("state counts %v, want both deferred", c)
	}
}

// TestTalliesBackfill: a database with history at schema 10 is migrated to
// 11, and its tallies start exact (the backfill), then follow new writes.
func TestTalliesBackfill(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		if err := h.db.MigrateDownTo(h.ctx, 10); err != nil {
			t.Fatal(err)
		}
		for i, s := range []workflow.State{workflow.StatePublished, workflow.StateRejected, workflow.StateDeferred, workflow.StateArchived} {
			d := h.create(t)
			h.saveDraft(t, d.ID)
			h.walk(t, d.ID, path[s], func(j int) time.Duration { return time.Duration(i*5+j*3+1) * time.Hour })
		}
		h.proposal(t, workflow.StateDeclined)
		if _, err := h.db.Migrate(h.ctx); err != nil {
			t.Fatal(err)
		}
		var pending int
		if err := h.db.SQL().QueryRowContext(h.ctx, `SELECT count(*) FROM tally_deltas`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending != 0 {
			t.Fatalf("%d deltas after the backfill; it should fill the tallies", pending)
		}
		h.wantExactTallies(t, "backfilled")
		d := h.create(t)
		h.saveDraft(t, d.ID)
		h.walk(t, d.ID, path[workflow.StateLegalityReview], func(int) time.Duration { return 5 * time.Hour })
		h.wantExactTallies(t, "after the upgrade")
		if err := h.db.RebuildTallies(h.ctx); err != nil {
			t.Fatal(err)
		}
		h.wantExactTallies(t, "rebuilt")
	})
}

// exec runs q, with ? placeholders, on the store behind the engine's back.
func (h *harness) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if h.db.Dialect() == storage.Postgres {
		q = sqlx.Rebind(sqlx.DOLLAR, q)
	}
	if _, err := h.db.SQL().ExecContext(h.ctx, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// wantDueCounts fails unless the due tallies count what the due filter
// counts in the tables (CountDecisions, the overdue count's query before
// the tallies), for every bound in the days around the tallies' dates: the
// review's due date strictly before the day, the submission on or before
// the day or ten days before it, with and without the comment periods
// closing before the day.
func (h *harness) wantDueCounts(t testing.TB, when string, tl *workflow.Tallies) {
	t.Helper()
	from, to := h.today(), h.today()
	for k := range tl.Due {
		if k.Date.Before(from) {
			from = k.Date
		}
		if k.Date.After(to) {
			to = k.Date
		}
	}
	checked := 0
	for day := from.AddDays(-2); !day.After(to.AddDays(12)); day = day.AddDays(1) {
		for _, lag := range []int{0, 10} {
			for _, comments := range []bool{false, true} {
				b := workflow.DueBounds{ReviewDueBefore: day, LegalityStartedBy: day.AddDays(-lag)}
				if comments {
					b.CommentClosesBefore = &day
				}
				want, err := h.db.CountDecisions(h.ctx, workflow.DecisionFilter{Due: &b})
				if err != nil {
					t.Fatal(err)
				}
				if got := tl.DueCount(b); got != want {
					t.Fatalf("%s: due before %s (submitted by %s, comments %v): the tallies count %d, the tables %d",
						when, day, b.LegalityStartedBy, comments, got, want)
				}
				if want > 0 {
					checked++
				}
			}
		}
	}
	if len(tl.Due) > 0 && checked == 0 {
		t.Fatalf("%s: no bound selected any decision", when)
	}
}

// wantOverdue fails unless Engine.OverdueCount, from the tallies, equals
// the overdue list's length (the same due filter through the store, with
// the engine's bounds) and the statistics' overdue count, on each of the
// days: the clock is set to each in turn and put back after.
func (h *harness) wantOverdue(t testing.TB, when string, days ...workflow.Date) (counts []int) {
	t.Helper()
	saved := h.clock.Now()
	defer h.clock.Set(saved)
	for _, day := range days {
		h.clock.Set(time.Date(day.Year, day.Month, day.Day, 10, 0, 0, 0, workflow.DefaultSettings().Location))
		n, err := h.eng.OverdueCount(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		list, _, err := h.eng.Decisions(h.ctx, head, workflow.DecisionFilter{Overdue: true, Limit: workflow.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		st, err := h.eng.Stats(h.ctx, legal)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(list) || st.Overdue != n {
			t.Fatalf("%s: on %s the overdue count is %d, the statistics say %d, the overdue list has %d",
				when, day, n, st.Overdue, len(list))
		}
		counts = append(counts, n)
	}
	return counts
}

// wantExactDue checks the tallies against the recount, the due counts
// against the tables' and the overdue count against the list, on the days
// from a week before today to ten weeks after.
func (h *harness) wantExactDue(t testing.TB, when string) []int {
	t.Helper()
	tl := h.wantExactTallies(t, when)
	h.wantDueCounts(t, when, tl)
	var days []workflow.Date
	for i := -7; i <= 70; i += 3 {
		days = append(days, h.today().AddDays(i))
	}
	return h.wantOverdue(t, when, days...)
}

// TestDueTallies: the tallies of open deadlines (migration 00012) follow
// decisions into and out of legality review (with review_requested_by, the
// default or asked for; without it, as before it was recorded; without
// either date) and public participation (with and without a comment
// period), a review returned and resubmitted, and a comment period changed,
// deleted and found by a decision coming back into public participation;
// after each step they equal a recount, the due counts equal the tables'
// at every bound, and the overdue count equals the overdue list's length
// on days around the deadlines.
func TestDueTallies(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		h.wantExactDue(t, "empty")
		exec := func(q string, args ...any) { h.exec(t, q, args...) }

		// Into legality review on different days, due 7 working days on.
		var review []int64
		for i := 0; i < 4; i++ {
			h.clock.Advance(time.Duration(i*29+5) * time.Hour)
			review = append(review, h.advance(t, workflow.StateLegalityReview).ID)
		}
		// One whose opinion is asked for by a later date.
		asked := h.advance(t, workflow.StateRiskAssessment)
		data := h.validData(workflow.EventCompleteRiskAssessment).(workflow.RiskReport)
		data.ReviewRequestedBy = h.today().AddDays(40).String()
		if d := h.fire(t, staff, asked.ID, workflow.EventCompleteRiskAssessment, data); d.ReviewRequestedBy.String() != data.ReviewRequestedBy {
			t.Fatalf("review requested by %v, want %s", d.ReviewRequestedBy, data.ReviewRequestedBy)
		}
		h.wantExactDue(t, "in legality review")

		// In public participation: without a comment period, with one, and
		// one whose period is then completed (it leaves).
		h.advance(t, workflow.StatePublicParticipation)
		withPeriod := h.advance(t, workflow.StatePublicParticipation)
		h.setPeriod(t, withPeriod.ID)
		h.clock.Advance(26 * time.Hour)
		left := h.advance(t, workflow.StatePublicParticipation)
		h.setPeriod(t, left.ID)
		h.wantExactDue(t, "in public participation")
		h.clock.Advance(31 * 24 * time.Hour)
		h.fire(t, staff, left.ID, workflow.EventCompletePublicParticipation, h.validData(workflow.EventCompletePublicParticipation))
		h.wantExactDue(t, "a comment period completed")

		// Out of legality review: passed; returned, then resubmitted later
		// (new submission and due dates).
		h.fire(t, legal, review[0], workflow.EventPassLegalityReview, h.validData(workflow.EventPassLegalityReview))
		h.fire(t, legal, review[1], workflow.EventReturnLegalityReview, h.validData(workflow.EventReturnLegalityReview))
		h.wantExactDue(t, "out of legality review")
		h.clock.Advance(9 * 24 * time.Hour)
		h.fire(t, staff, review[1], workflow.EventResubmitLegalityReview, h.validData(workflow.EventResubmitLegalityReview))
		h.wantExactDue(t, "resubmitted")
		if _, err := h.db.FoldTallies(h.ctx); err != nil {
			t.Fatal(err)
		}
		h.wantExactDue(t, "folded")

		// Reviews sent before review_requested_by was recorded (migration
		// 00005 added it NULL): due 7 working days from submission; and one
		// with neither date, which no deadline counts.
		exec(`UPDATE decisions SET review_requested_by = NULL WHERE id = ?`, review[2])
		exec(`UPDATE decisions SET review_requested_by = NULL, legality_submitted_on = NULL WHERE id = ?`, review[3])
		h.wantExactDue(t, "without review_requested_by")
		// The fallback is counted on the submission date, which a
		// resubmission moves (and records the due date again).
		h.fire(t, legal, review[2], workflow.EventReturnLegalityReview, h.validData(workflow.EventReturnLegalityReview))
		h.clock.Advance(2 * 24 * time.Hour)
		h.fire(t, staff, review[2], workflow.EventResubmitLegalityReview, h.validData(workflow.EventResubmitLegalityReview))
		exec(`UPDATE decisions SET review_requested_by = NULL WHERE id = ?`, review[2])
		exec(`UPDATE decisions SET legality_submitted_on = ? WHERE id = ?`, h.today().AddDays(-20).String(), review[2])
		h.wantExactDue(t, "the submission date moved")

		// Comment periods changed and deleted by hand, and a decision with a
		// period coming back into public participation.
		exec(`UPDATE comment_periods SET closes_on = ? WHERE decision_id = ?`, h.today().AddDays(3).String(), withPeriod.ID)
		h.wantExactDue(t, "a period's closing day moved")
		exec(`DELETE FROM comment_periods WHERE decision_id = ?`, withPeriod.ID)
		h.wantExactDue(t, "a period deleted")
		exec(`UPDATE decisions SET state = 'public_participation' WHERE id = ?`, left.ID)
		h.wantExactDue(t, "back into public participation")
		if _, err := h.db.FoldTallies(h.ctx); err != nil {
			t.Fatal(err)
		}
		counts := h.wantExactDue(t, "folded again")
		if slices.Max(counts) == 0 {
			t.Fatalf("no day had an overdue decision: %v", counts)
		}
		if err := h.db.RebuildTallies(h.ctx); err != nil {
			t.Fatal(err)
		}
		h.wantExactDue(t, "rebuilt")
	})
}

// TestDueTalliesBackfill: a database at schema 11 with decisions in legality
// review (one without review_requested_by) and in public participation
// with and without a comment period is migrated to 12: the due tallies
// start exact, and the overdue count equals the list's.
func TestDueTalliesBackfill(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		if err := h.db.MigrateDownTo(h.ctx, 11); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := 0; i < 3; i++ {
			h.clock.Advance(time.Duration(i*3+1) * 24 * time.Hour)
			ids = append(ids, h.advance(t, workflow.StateLegalityReview).ID)
		}
		h.exec(t, `UPDATE decisions SET review_requested_by = NULL WHERE id = ?`, ids[1])
		h.advance(t, workflow.StatePublicParticipation)
		pp := h.advance(t, workflow.StatePublicParticipation)
		h.setPeriod(t, pp.ID)
		if _, err := h.db.Migrate(h.ctx); err != nil {
			t.Fatal(err)
		}
		var pending int
		if err := h.db.SQL().QueryRowContext(h.ctx, `SELECT count(*) FROM tally_deltas WHERE kind = 'due'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending != 0 {
			t.Fatalf("%d due deltas after the backfill; it should fill the tallies", pending)
		}
		tl := h.wantExactTallies(t, "backfilled")
		if len(tl.Due) == 0 {
			t.Fatal("no due tallies after the backfill")
		}
		h.wantExactDue(t, "backfilled")
		h.fire(t, legal, ids[0], workflow.EventPassLegalityReview, h.validData(workflow.EventPassLegalityReview))
		h.wantExactDue(t, "after the upgrade")
	})
}

// TestDueTriggerSkipsOtherTransitions (PostgreSQL): transitions between
// states without a deadline, such as the benchmark's defer and retable
// between collective_decision and deferred, call tally_decision as before
// and no other function (the due tally is kept in that same trigger, whose
// test of the states stops there); a decision moving into legality review
// computes its deadline (tally_due) and adds it. PostgreSQL counts the
// calls of functions in the transaction when track_functions is 'all'.
func TestDueTriggerSkipsOtherTransitions(t *testing.T) {
	db := openStore(t, storage.Postgres)
	clock := workflow.NewManualClock(start)
	h := &harness{name: "postgres", db: db, clock: clock, ctx: context.Background(), eng: workflow.NewEngine(db, clock, workflow.DefaultSettings())}
	cd := h.advance(t, workflow.StateCollectiveDecision)
	ra := h.advance(t, workflow.StateRiskAssessment)

	tx, err := db.SQL().BeginTx(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	// calls counts the calls of each function of the schema in this transaction.
	calls := func() map[string]int {
		t.Helper()
		rows, err := tx.QueryContext(h.ctx, `
SELECT p.proname, pg_stat_get_xact_function_calls(p.oid) FROM pg_proc p
WHERE p.pronamespace = current_schema()::regnamespace AND pg_stat_get_xact_function_calls(p.oid) > 0`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var name string
			var n int
			if err := rows.Scan(&name, &n); err != nil {
				t.Fatal(err)
			}
			out[name] = n
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	dues := func() int {
		t.Helper()
		var n int
		if err := tx.QueryRowContext(h.ctx, `SELECT count(*) FROM tally_deltas WHERE kind = 'due'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := dues()
	if _, err := tx.ExecContext(h.ctx, `SET LOCAL track_functions = 'all'`); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"deferred", "collective_decision", "deferred", "collective_decision"} {
		// What the optimistic write of the API's defer and retable sets.
		if _, err := tx.ExecContext(h.ctx, `UPDATE decisions SET state = $1, version = version + 1, updated_at = now(),
    legality_submitted_on = legality_submitted_on, review_requested_by = review_requested_by,
    state_entered_on = current_date WHERE id = $2`, to, cd.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := calls(); len(got) != 1 || got["tally_decision"] != 4 || dues() != before {
		t.Fatalf("4 transitions between collective_decision and deferred called %v and added %d due deltas; want tally_decision 4 times, nothing else",
			got, dues()-before)
	}
	if _, err := tx.ExecContext(h.ctx, `UPDATE decisions SET state = 'legality_review', legality_submitted_on = current_date,
    review_requested_by = current_date + 10 WHERE id = $1`, ra.ID); err != nil {
		t.Fatal(err)
	}
	if got := calls(); got["tally_decision"] != 5 || got["tally_due"] != 1 || dues() != before+1 {
		t.Fatalf("a decision sent to legality review: calls %v, %d due deltas; want tally_decision 5 times, tally_due once, one delta",
			got, dues()-before)
	}
}
