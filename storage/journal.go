package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"decisionflow/workflow"

	"github.com/jmoiron/sqlx"
)

// queryer is what both *sqlx.DB and *sqlx.Tx offer.
type queryer interface {
	sqlx.QueryerContext
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	Rebind(query string) string
}

type journalRow struct {
	DecisionID int64     `db:"decision_id"`
	Seq        int64     `db:"seq"`
	Kind       string    `db:"kind"`
	Name       string    `db:"name"`
	From       string    `db:"from_state"`
	To         string    `db:"to_state"`
	Actor      string    `db:"actor"`
	Role       string    `db:"role"`
	At         time.Time `db:"at"`
	Data       []byte    `db:"data"`
	PrevHash   string    `db:"prev_hash"`
	Hash       string    `db:"hash"`
}

// Transitions returns every transition of every decision, by decision and seq.
func (db *DB) Transitions(ctx context.Context) ([]workflow.JournalEntry, error) {
	const q = `
SELECT decision_id, seq, kind, name, from_state, to_state, actor, role, at, '{}' AS data, prev_hash, hash
FROM journal WHERE kind = 'transition' ORDER BY decision_id, seq`
	var rows []journalRow
	if err := db.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.JournalEntry, len(rows))
	for i, r := range rows {
		out[i] = workflow.JournalEntry{DecisionID: r.DecisionID, Seq: r.Seq, Kind: r.Kind, Name: r.Name,
			From: workflow.State(r.From), To: workflow.State(r.To), Actor: r.Actor, Role: workflow.Role(r.Role), At: r.At.UTC()}
	}
	return out, nil
}

// Journal returns the decision's entries in seq order.
func (db *DB) Journal(ctx context.Context, id int64) ([]workflow.JournalEntry, error) {
	const q = `
SELECT decision_id, seq, kind, name, from_state, to_state, actor, role, at, data, prev_hash, hash
FROM journal WHERE decision_id = ? ORDER BY seq`
	return db.selectJournal(ctx, q, id)
}

// selectJournal runs a query for whole journal entries, their data in the
// canonical layout.
func (db *DB) selectJournal(ctx context.Context, q string, args ...any) ([]workflow.JournalEntry, error) {
	var rows []journalRow
	if err := db.db.SelectContext(ctx, &rows, db.db.Rebind(q), args...); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.JournalEntry, len(rows))
	for i, r := range rows {
		data := r.Data
		// jsonb hands back its own layout; present the canonical one, which
		// is what the hash covers.
		if canon, err := workflow.CanonicalJSON(data); err == nil {
			data = canon
		}
		out[i] = workflow.JournalEntry{
			DecisionID: r.DecisionID, Seq: r.Seq, Kind: r.Kind, Name: r.Name,
			From: workflow.State(r.From), To: workflow.State(r.To), Actor: r.Actor, Role: workflow.Role(r.Role),
			At: r.At.UTC(), Data: data, PrevHash: r.PrevHash, Hash: r.Hash,
		}
	}
	return out, nil
}

const headSQL = `SELECT seq, hash FROM journal WHERE decision_id = ? ORDER BY seq DESC LIMIT 1`

func (t *decisionTx) LastEntry(ctx context.Context) (int64, string, error) {
	if t.known {
		return t.lastSeq, t.lastHash, nil
	}
	var r struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	var err error
	if s := t.db.cached(headSQL); s != nil {
		err = t.tx.StmtxContext(ctx, s).GetContext(ctx, &r, t.d.ID)
	} else {
		err = t.tx.GetContext(ctx, &r, t.tx.Rebind(headSQL), t.d.ID)
	}
	switch {
	case err == sql.ErrNoRows:
		t.lastSeq, t.lastHash = 0, workflow.ZeroHash
	case err != nil:
		return 0, "", translate(err)
	default:
		t.lastSeq, t.lastHash = r.Seq, r.Hash
	}
	t.known = true
	return t.lastSeq, t.lastHash, nil
}

const appendSQL = `
INSERT INTO journal (decision_id, seq, kind, name, from_state, to_state, actor, role, at, data, prev_hash, hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// journalFromU is the journal insert of the one-statement forms below, its
// decision id from the updated row u.
const journalFromU = `
INSERT INTO journal (decision_id, seq, kind, name, from_state, to_state, actor, role, at, data, prev_hash, hash)
SELECT u.id, ?::bigint, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::timestamptz, ?::jsonb, ?::text, ?::text
FROM u`

// saveAndAppendSQL is SaveDecision and AppendEntry in one PostgreSQL
// statement: one round trip instead of two.
const saveAndAppendSQL = `
WITH u AS (
UPDATE decisions` + saveSet + ` RETURNING id)` + journalFromU

// touchAndAppendSQL appends with no SaveDecision before: the row is still
// updated, unchanged, so that a transaction waiting for its lock sees a new
// row version (lockPostgres).
const touchAndAppendSQL = `
WITH u AS (UPDATE decisions SET version = version WHERE id = ? RETURNING id)` + journalFromU

// entryArgs are journalFromU's arguments for e.
func entryArgs(e *workflow.JournalEntry) []any {
	return []any{e.Seq, e.Kind, e.Name, string(e.From), string(e.To),
		e.Actor, string(e.Role), e.At, string(e.Data), e.PrevHash, e.Hash}
}

func (t *decisionTx) AppendEntry(ctx context.Context, e *workflow.JournalEntry) error {
	entry := entryArgs(e)
	var (
		res sql.Result
		err error
	)
	switch {
	case t.pending != nil:
		res, err = t.db.txExec(ctx, t.tx, saveAndAppendSQL, append(t.pending, entry...)...)
		t.pending = nil
	case t.touch:
		res, err = t.db.txExec(ctx, t.tx, touchAndAppendSQL, append([]any{e.DecisionID}, entry...)...)
	default:
		res, err = t.db.txExec(ctx, t.tx, appendSQL, append([]any{e.DecisionID}, entry...)...)
	}
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err == nil && n != 1 {
		return workflow.Internal(fmt.Errorf("journal entry %d of decision %d: %d rows written", e.Seq, e.DecisionID, n))
	}
	t.known, t.lastSeq, t.lastHash = true, e.Seq, e.Hash
	return nil
}
