package storage

import (
	"context"
	"time"
)

// Purge deletes API and session tokens that expired before tokensBefore and
// idempotency keys recorded before keysBefore, and returns how many of each.
// The journal and the records are never purged.
func (db *DB) Purge(ctx context.Context, tokensBefore, keysBefore time.Time) (tokens, keys int64, err error) {
	res, err := db.db.ExecContext(ctx, db.db.Rebind(`DELETE FROM api_tokens WHERE expires_at < ?`), tokensBefore.UTC().Truncate(time.Second))
	if err != nil {
		return 0, 0, translate(err)
	}
	tokens, _ = res.RowsAffected()
	res, err = db.db.ExecContext(ctx, db.db.Rebind(`DELETE FROM idempotency_keys WHERE created_at < ? AND status <> 0`), keysBefore.UTC())
	if err != nil {
		return tokens, 0, translate(err)
	}
	keys, _ = res.RowsAffected()
	return tokens, keys, nil
}
