package storage

import (
	"context"
	"time"

	"decisionflow/workflow"

	"github.com/jmoiron/sqlx"
)

type userRow struct {
	ID           int64     `db:"id"`
	Username     string    `db:"username"`
	DisplayName  string    `db:"display_name"`
	Role         string    `db:"role"`
	PasswordHash string    `db:"password_hash"`
	Disabled     bool      `db:"disabled"`
	CreatedAt    time.Time `db:"created_at"`
}

func (r *userRow) user() *workflow.User {
	return &workflow.User{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Role: workflow.Role(r.Role), Disabled: r.Disabled, CreatedAt: r.CreatedAt.UTC()}
}

const userSelect = `SELECT id, username, display_name, role, password_hash, disabled, created_at FROM users`

// CreateUser inserts u and fills its ID; EEXISTS when the username is taken.
func (db *DB) CreateUser(ctx context.Context, u *workflow.User, passwordHash string) error {
	const q = `
INSERT INTO users (username, display_name, role, password_hash, disabled, created_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id`
	err := db.db.QueryRowxContext(ctx, db.db.Rebind(q), u.Username, u.DisplayName, string(u.Role), passwordHash, u.Disabled, u.CreatedAt).Scan(&u.ID)
	if workflow.ErrorCode(translate(err)) == workflow.EEXISTS {
		return &workflow.Error{Code: workflow.EEXISTS, Message: "the username " + u.Username + " is taken", Err: err}
	}
	return translate(err)
}

// UserByUsername returns the user and its password hash.
func (db *DB) UserByUsername(ctx context.Context, username string) (*workflow.User, string, error) {
	var r userRow
	if err := db.db.GetContext(ctx, &r, db.db.Rebind(userSelect+` WHERE username = ?`), username); err != nil {
		return nil, "", translate(err)
	}
	return r.user(), r.PasswordHash, nil
}

// Users returns every user, newest first.
func (db *DB) Users(ctx context.Context) ([]*workflow.User, error) {
	var rows []userRow
	if err := db.db.SelectContext(ctx, &rows, userSelect+` ORDER BY id DESC`); err != nil {
		return nil, translate(err)
	}
	out := make([]*workflow.User, len(rows))
	for i := range rows {
		out[i] = rows[i].user()
	}
	return out, nil
}

// UpdateUser writes u's display name, role and disabled flag; a disabled
// user's tokens are deleted in the same transaction.
func (db *DB) UpdateUser(ctx context.Context, u *workflow.User) error {
	return db.transact(ctx, func(tx *sqlx.Tx) error {
		const q = `UPDATE users SET display_name = ?, role = ?, disabled = ? WHERE id = ?`
		if _, err := tx.ExecContext(ctx, tx.Rebind(q), u.DisplayName, string(u.Role), u.Disabled, u.ID); err != nil {
			return err
		}
		if u.Disabled {
			_, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM api_tokens WHERE user_id = ?`), u.ID)
			return err
		}
		return nil
	})
}

// CreateToken stores a token hash for a user. Expiry times are kept to the
// second, which keeps them comparable as text in SQLite.
func (db *DB) CreateToken(ctx context.Context, userID int64, tokenHash string, expiresAt time.Time) error {
	const q = `INSERT INTO api_tokens (token_hash, user_id, expires_at) VALUES (?, ?, ?)`
	_, err := db.db.ExecContext(ctx, db.db.Rebind(q), tokenHash, userID, expiresAt.UTC().Truncate(time.Second))
	return translate(err)
}

// userByTokenSQL is the token check of every API request, prepared.
const userByTokenSQL = `
SELECT u.id, u.username, u.display_name, u.role, u.password_hash, u.disabled, u.created_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = ? AND t.expires_at > ? AND NOT u.disabled`

// UserByToken returns the enabled user of an unexpired token.
func (db *DB) UserByToken(ctx context.Context, tokenHash string, now time.Time) (*workflow.User, error) {
	stmt, err := db.prepared(ctx, userByTokenSQL)
	if err != nil {
		return nil, translate(err)
	}
	var r userRow
	if err := stmt.GetContext(ctx, &r, tokenHash, now.UTC().Truncate(time.Second)); err != nil {
		return nil, translate(err)
	}
	return r.user(), nil
}

// DeleteToken forgets a token.
func (db *DB) DeleteToken(ctx context.Context, tokenHash string) error {
	_, err := db.db.ExecContext(ctx, db.db.Rebind(`DELETE FROM api_tokens WHERE token_hash = ?`), tokenHash)
	return translate(err)
}

// SetPassword replaces a user's password hash and deletes every token of
// the user (API tokens and browser sessions) in the same transaction.
func (db *DB) SetPassword(ctx context.Context, userID int64, passwordHash string) error {
	return db.transact(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE users SET password_hash = ? WHERE id = ?`), passwordHash, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return &workflow.Error{Code: workflow.ENOTFOUND, Message: "no such user"}
		}
		_, err = tx.ExecContext(ctx, tx.Rebind(`DELETE FROM api_tokens WHERE user_id = ?`), userID)
		return err
	})
}

// ExtendToken moves an unexpired token's expiry to until (kept to the
// second); false when the token is unknown or expired at now.
func (db *DB) ExtendToken(ctx context.Context, tokenHash string, now, until time.Time) (bool, error) {
	const q = `UPDATE api_tokens SET expires_at = ? WHERE token_hash = ? AND expires_at > ?`
	res, err := db.db.ExecContext(ctx, db.db.Rebind(q), until.UTC().Truncate(time.Second), tokenHash, now.UTC().Truncate(time.Second))
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, translate(err)
}
