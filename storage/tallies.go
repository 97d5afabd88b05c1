package storage

import (
	"context"
	"fmt"
	"strconv"

	"decisionflow/workflow"

	"github.com/jmoiron/sqlx"
)

// The statistics' counts are kept on write (migrations 00011 and 00012,
// docs/design.md "Tallies kept on write"): triggers append +1/-1 rows to
// tally_deltas in each writer's own transaction, FoldTallies moves them
// into tallies, and Tallies reads the sum of both, so it is exact whether
// or not a fold has run.

// foldAfter is the number of pending deltas at which a read folds them.
// A fold is a write: on PostgreSQL a transaction with its WAL, on SQLite the
// database's one write lock and an fsync, which every writer then waits
// behind. Folding on every read would make each statistics page a write;
// never folding would let the read grow with the data. Folding once the
// read has summed foldAfter deltas bounds what a read sums to the distinct
// counts (a few hundred to a few thousand rows) plus at most foldAfter
// deltas and the writes since the last read, whatever the number of
// decisions, and folds at most once per foldAfter deltas written. The first
// read after a bulk load folds all of it.
const foldAfter = 1000

// tallyFoldLockID is the PostgreSQL advisory lock a fold holds for its
// transaction: one fold at a time; another finds it taken and skips.
const tallyFoldLockID = 7_130_2020

// talliesSQL sums the folded tallies and the pending deltas, in one
// statement and so one snapshot: a fold that commits meanwhile is either
// wholly seen or not at all. pending counts the delta rows summed.
const talliesSQL = `
SELECT kind, key, sub, CAST(sum(n) AS bigint) AS n, CAST(sum(pending) AS bigint) AS pending
FROM (SELECT kind, key, sub, n, 0 AS pending FROM tallies
      UNION ALL
      SELECT kind, key, sub, delta, 1 FROM tally_deltas) t
GROUP BY kind, key, sub`

// Tallies returns the counts kept on write, exact as of one snapshot, and
// folds the pending deltas once they reach foldAfter.
func (db *DB) Tallies(ctx context.Context) (*workflow.Tallies, error) {
	var rows []struct {
		Kind    string `db:"kind"`
		Key     string `db:"key"`
		Sub     string `db:"sub"`
		N       int64  `db:"n"`
		Pending int64  `db:"pending"`
	}
	if err := db.db.SelectContext(ctx, &rows, talliesSQL); err != nil {
		return nil, translate(err)
	}
	out := workflow.NewTallies()
	var pending int64
	for _, r := range rows {
		pending += r.Pending
		if r.N == 0 {
			continue
		}
		switch r.Kind {
		case "state":
			out.Decisions[workflow.StateOutcome{State: workflow.State(r.Key), Outcome: workflow.State(r.Sub)}] = int(r.N)
		case "unit":
			out.Units[r.Key] = int(r.N)
		case "stay":
			tenths, err := strconv.ParseInt(r.Sub, 10, 64)
			if err != nil {
				return nil, workflow.Internal(fmt.Errorf("tally of stays in %s: bucket %q: %w", r.Key, r.Sub, err))
			}
			out.Stays[workflow.StayBucket{State: workflow.State(r.Key), Tenths: tenths}] = int(r.N)
		case "due":
			day, err := workflow.ParseDate(r.Sub)
			if err != nil {
				return nil, workflow.Internal(fmt.Errorf("tally of %s deadlines: %w", r.Key, err))
			}
			out.Due[workflow.DueDay{Kind: workflow.DueKind(r.Key), Date: day}] = int(r.N)
		}
	}
	if pending >= foldAfter {
		if _, err := db.FoldTallies(ctx); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pgFoldSQL moves every delta this transaction sees into the tallies, one
// upsert per distinct count, in key order (so that two folds, were the lock
// not there, would lock tally rows in the same order); it returns the
// number of deltas moved. A delta a writer has not committed yet is not
// seen, so stays for the next fold.
const pgFoldSQL = `
WITH moved AS (DELETE FROM tally_deltas RETURNING kind, key, sub, delta),
folded AS (
    INSERT INTO tallies (kind, key, sub, n)
    SELECT kind, key, sub, sum(delta) FROM moved
    GROUP BY kind, key, sub ORDER BY kind, key, sub
    ON CONFLICT (kind, key, sub) DO UPDATE SET n = tallies.n + EXCLUDED.n)
SELECT count(*) FROM moved`

// sqliteFoldSQL is the same in SQLite's write transaction, which no other
// writer shares: every delta is summed here and then deleted. (WHERE true
// keeps SQLite's parser from reading ON CONFLICT as a join's ON.)
const sqliteFoldSQL = `
INSERT INTO tallies (kind, key, sub, n)
SELECT kind, key, sub, sum(delta) FROM tally_deltas WHERE true
GROUP BY kind, key, sub
ON CONFLICT (kind, key, sub) DO UPDATE SET n = tallies.n + excluded.n`

// FoldTallies moves the pending deltas into the tallies in one transaction
// and returns how many it moved. On PostgreSQL the transaction holds the
// advisory lock tallyFoldLockID: a fold that finds it taken moves nothing
// and returns 0 at once (the other fold is doing the work, and the read
// is exact either way). It commits without waiting for the disk
// (synchronous_commit off): a fold lost in a crash leaves its deltas where
// they were, so the sum is the same.
func (db *DB) FoldTallies(ctx context.Context) (int, error) {
	moved := 0
	err := db.transact(ctx, func(tx *sqlx.Tx) error {
		if db.dialect == SQLite {
			if err := tx.GetContext(ctx, &moved, `SELECT count(*) FROM tally_deltas`); err != nil || moved == 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqliteFoldSQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM tally_deltas`)
			return err
		}
		var locked bool
		if err := tx.GetContext(ctx, &locked, `SELECT pg_try_advisory_xact_lock($1)`, tallyFoldLockID); err != nil || !locked {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		return tx.GetContext(ctx, &moved, pgFoldSQL)
	})
	if err != nil {
		return 0, err
	}
	return moved, nil
}

// RebuildTallies recounts every tally from the tables (the view
// tally_recount, which the migration's backfill reads too) and drops the
// pending deltas: for a bulk load that ran with the triggers off. Writers
// wait while it runs (on PostgreSQL a SHARE lock on decisions and journal),
// so that the recount misses no write and counts none twice.
func (db *DB) RebuildTallies(ctx context.Context) error {
	return db.transact(ctx, func(tx *sqlx.Tx) error {
		stmts := []string{`DELETE FROM tally_deltas`, `DELETE FROM tallies`,
			`INSERT INTO tallies (kind, key, sub, n) SELECT kind, key, sub, n FROM tally_recount`}
		if db.dialect == Postgres {
			stmts = append([]string{`LOCK TABLE decisions, journal IN SHARE MODE`}, stmts...)
		}
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}
