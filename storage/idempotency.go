package storage

import (
	"context"
	"database/sql"
	"time"

	"decisionflow/workflow"

	"github.com/jmoiron/sqlx"
)

var _ workflow.IdempotencyStore = (*DB)(nil)

type idempotencyRow struct {
	Scope       string    `db:"scope"`
	Key         string    `db:"key"`
	RequestHash string    `db:"request_hash"`
	Status      int       `db:"status"`
	Header      []byte    `db:"header"`
	Body        []byte    `db:"body"`
	CreatedAt   time.Time `db:"created_at"`
}

// ReserveIdempotencyKey inserts a pending record, or returns the one there.
func (db *DB) ReserveIdempotencyKey(ctx context.Context, r *workflow.IdempotencyRecord, staleBefore time.Time) (*workflow.IdempotencyRecord, error) {
	var existing *workflow.IdempotencyRecord
	err := db.transact(ctx, func(tx *sqlx.Tx) error {
		const ins = `
INSERT INTO idempotency_keys (scope, key, request_hash, status, created_at)
VALUES (?, ?, ?, 0, ?)
ON CONFLICT (scope, key) DO NOTHING`
		res, err := tx.ExecContext(ctx, tx.Rebind(ins), r.Scope, r.Key, r.RequestHash, r.CreatedAt.UTC())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		// Taken: a pending record abandoned by a crashed server is taken over.
		const takeover = `
UPDATE idempotency_keys SET request_hash = ?, created_at = ?
WHERE scope = ? AND key = ? AND status = 0 AND request_hash = ? AND created_at < ?`
		res, err = tx.ExecContext(ctx, tx.Rebind(takeover), r.RequestHash, r.CreatedAt.UTC(), r.Scope, r.Key, r.RequestHash, staleBefore.UTC())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var row idempotencyRow
		const sel = `SELECT scope, key, request_hash, status, header, body, created_at FROM idempotency_keys WHERE scope = ? AND key = ?`
		if err := tx.GetContext(ctx, &row, tx.Rebind(sel), r.Scope, r.Key); err != nil {
			return err
		}
		existing = &workflow.IdempotencyRecord{Scope: row.Scope, Key: row.Key, RequestHash: row.RequestHash, Status: row.Status, Header: row.Header, Body: row.Body, CreatedAt: row.CreatedAt}
		return nil
	})
	return existing, err
}

// CompleteIdempotencyKey stores the response of a reserved key.
func (db *DB) CompleteIdempotencyKey(ctx context.Context, r *workflow.IdempotencyRecord) error {
	const q = `UPDATE idempotency_keys SET status = ?, header = ?, body = ? WHERE scope = ? AND key = ? AND status = 0`
	res, err := db.db.ExecContext(ctx, db.db.Rebind(q), r.Status, r.Header, r.Body, r.Scope, r.Key)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return translate(sql.ErrNoRows)
	}
	return nil
}

// ReleaseIdempotencyKey deletes a pending record.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, scope, key string) error {
	const q = `DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND status = 0`
	_, err := db.db.ExecContext(ctx, db.db.Rebind(q), scope, key)
	return translate(err)
}
