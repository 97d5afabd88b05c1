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
// state and outcome and by unit, read from the decisions table, and every
// ended stay from the journal's transitions.
func (h *harness) recount(t testing.TB) *workflow.Tallies {
	t.Helper()
	out := workflow.NewTallies()
	rows, err := h.db.SQL().QueryContext(h.ctx, `SELECT state, outcome, undertaking_unit FROM decisions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var state, unit string
		var outcome sql.NullString
		if err := rows.Scan(&state, &outcome, &unit); err != nil {
			t.Fatal(err)
		}
		out.Decisions[workflow.StateOutcome{State: workflow.State(state), Outcome: workflow.State(outcome.String)}]++
		out.Units[unit]++
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
	flat := func(t *workflow.Tallies) (d, u, s map[string]int) {
		d, u, s = map[string]int{}, map[string]int{}, map[string]int{}
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
		return d, u, s
	}
	gd, gu, gs := flat(got)
	wd, wu, ws := flat(want)
	diff("decisions", gd, wd)
	diff("unit", gu, wu)
	diff("stays", gs, ws)
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
