package storage

import (
	"context"
	"database/sql"
	"sync"

	"github.com/jmoiron/sqlx"
)

// stmtCache holds the hot path's prepared statements, one per query text,
// each prepared once on the pool. database/sql then prepares it on each
// connection the first time it runs there and keeps it: on PostgreSQL a
// prepared statement is one round trip (Bind/Execute), where lib/pq sends an
// unprepared statement with arguments in two (Parse/Describe, then
// Bind/Execute), and the server skips parsing and planning.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sqlx.Stmt
}

// prepared returns the prepared statement of q (written with ? and rebound
// here). It may take a connection from the pool to prepare, so it must not
// be called while the caller holds one in a transaction: use txStmt there,
// with the statement prepared before the transaction began.
func (db *DB) prepared(ctx context.Context, q string) (*sqlx.Stmt, error) {
	db.stmts.mu.Lock()
	s, ok := db.stmts.m[q]
	db.stmts.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := db.db.PreparexContext(ctx, db.db.Rebind(q))
	if err != nil {
		return nil, err
	}
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if prev, ok := db.stmts.m[q]; ok {
		s.Close()
		return prev, nil
	}
	if db.stmts.m == nil {
		db.stmts.m = make(map[string]*sqlx.Stmt)
	}
	db.stmts.m[q] = s
	return s, nil
}

// cached returns q's prepared statement if it was prepared already.
func (db *DB) cached(q string) *sqlx.Stmt {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	return db.stmts.m[q]
}

// closeStmts closes the prepared statements, when the pool closes.
func (db *DB) closeStmts() {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	for q, s := range db.stmts.m {
		s.Close()
		delete(db.stmts.m, q)
	}
}

// txExec runs q in tx: as its prepared statement when one was prepared
// before the transaction began, else as a plain statement.
func (db *DB) txExec(ctx context.Context, tx *sqlx.Tx, q string, args ...any) (sql.Result, error) {
	if s := db.cached(q); s != nil {
		return tx.StmtxContext(ctx, s).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, tx.Rebind(q), args...)
}
