// Package storage keeps decisionflow's data in PostgreSQL (the production
// store) or in an embedded SQLite file (for a newcomer's first run). Both are
// one implementation over jmoiron/sqlx: the SQL is written once with `?`
// placeholders and rebound per driver, and where the dialects differ (row
// locks, JSON columns) the difference is spelled out beside the query.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"decisionflow/workflow"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"
)

// Dialect names the database behind a DB.
type Dialect string

// The two stores.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DefaultSQLitePath is the embedded store used when no database is configured.
const DefaultSQLitePath = "decisionflow.db"

// DB is a connection pool to one store. It implements workflow.DecisionStore
// and workflow.UserStore.
type DB struct {
	db      *sqlx.DB
	dialect Dialect
	// forUpdate is the row-lock clause of the dialect: PostgreSQL locks the
	// decision row; SQLite needs none, as its write transactions are
	// IMMEDIATE and so already exclusive.
	forUpdate string
	// stmts are the hot path's prepared statements (prepared.go).
	stmts stmtCache
	// hotReady is set once the transition's statements are prepared.
	hotReady atomic.Bool
	// lockAlways turns the optimistic transitions off (SetOptimistic).
	lockAlways bool
	// dsn is PostgreSQL's connection string, for the revocations'
	// listener (revocations.go).
	dsn string
}

// SetOptimistic turns the optimistic first run of UpdateDecision on (the
// default) or off, so that every action takes the row
// lock; for tests and measurements. Call it before the store is in use.
func (db *DB) SetOptimistic(on bool) { db.lockAlways = !on }

var (
	_ workflow.DecisionStore = (*DB)(nil)
	_ workflow.UserStore     = (*DB)(nil)
)

// IsPostgres reports whether dsn selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the store dsn names: a postgres:// or postgresql:// URL, or else
// the path of a SQLite file ("" is DefaultSQLitePath). It checks that the
// database answers.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		db  *sqlx.DB
		err error
		out = &DB{}
	)
	if IsPostgres(dsn) {
		db, err = sqlx.Open("postgres", dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(32)
		db.SetMaxIdleConns(32)
		db.SetConnMaxIdleTime(5 * time.Minute)
		out.dialect, out.forUpdate, out.dsn = Postgres, " FOR UPDATE OF d", dsn
	} else {
		if dsn == "" {
			dsn = DefaultSQLitePath
		}
		if err := ownerOnly(dsn); err != nil {
			return nil, err
		}
		db, err = sqlx.Open("sqlite3", sqliteDSN(dsn))
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(8)
		out.dialect = SQLite
	}
	out.db = db
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	if out.dialect == SQLite {
		// SQLite may have replaced the -wal or -shm when it set WAL mode.
		if err := ownerOnly(dsn); err != nil {
			db.Close()
			return nil, err
		}
	}
	return out, nil
}

// ownerOnly creates the SQLite file and its -wal and -shm readable by
// their owner only (0600), whatever the umask, before SQLite opens them
// (SQLite would create them 0666 less the umask); existing ones are made
// 0600. A file: URI is left as given.
func ownerOnly(path string) error {
	if strings.HasPrefix(path, "file:") {
		return nil
	}
	if path == "" {
		path = DefaultSQLitePath
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("open %s: %w", p, err)
		}
		f.Close()
		if err := os.Chmod(p, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// sqliteDSN turns a path into a URI with the pragmas the store relies on:
// WAL so that readers never wait for the writer, a busy timeout so that
// writers queue instead of failing, foreign keys, full fsync on commit so an
// acknowledged write survives a crash, and IMMEDIATE transactions so that a
// transaction takes the write lock before it reads what it will change.
func sqliteDSN(path string) string {
	if strings.HasPrefix(path, "file:") {
		return path
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(wal)")
	q.Add("_pragma", "foreign_keys(on)")
	q.Add("_pragma", "synchronous(full)")
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Redact returns dsn with any password masked, for logs.
func Redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	return dsn
}

// Dialect returns which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the pool, for migrations and tests.
func (db *DB) SQL() *sql.DB { return db.db.DB }

// Close closes the pool.
func (db *DB) Close() error {
	db.closeStmts()
	return db.db.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return translate(db.db.PingContext(ctx)) }

// transact runs fn in one transaction: committed if fn returns nil, rolled
// back otherwise. The exported method owns the transaction; helpers take tx.
func (db *DB) transact(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.db.BeginTxx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return translate(err)
	}
	return translate(tx.Commit())
}

// translate turns a driver error into a *workflow.Error, once, here:
// no rows is ENOTFOUND, a unique violation EEXISTS, a lost or refused
// connection EUNAVAILABLE, anything else EINTERNAL (its text kept for logs).
func translate(err error) error {
	if err == nil {
		return nil
	}
	var we *workflow.Error
	if errors.As(err, &we) {
		return err
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch {
		case se.ExtendedCode() == sqlite3.CONSTRAINT_UNIQUE, se.ExtendedCode() == sqlite3.CONSTRAINT_PRIMARYKEY:
			return &workflow.Error{Code: workflow.EEXISTS, Message: "already exists", Err: err}
		case se.Code() == sqlite3.BUSY:
			return &workflow.Error{Code: workflow.EUNAVAILABLE, Message: "the database is busy", Err: err}
		}
		return workflow.Internal(err)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return &workflow.Error{Code: workflow.ENOTFOUND, Message: "not found", Err: err}
	case pq.As(err, pqerror.UniqueViolation) != nil:
		return &workflow.Error{Code: workflow.EEXISTS, Message: "already exists", Err: err}
	case unavailable(err):
		return &workflow.Error{Code: workflow.EUNAVAILABLE, Message: "the database cannot be reached", Err: err}
	}
	return workflow.Internal(err)
}

// unavailable reports errors that mean the database is not there now.
func unavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	if pe := pq.As(err); pe != nil {
		switch pe.Code.Class() {
		case pqerror.ClassConnectionException, pqerror.ClassOperatorIntervention, pqerror.ClassInsufficientResources:
			return true
		}
	}
	return strings.Contains(err.Error(), "driver: bad connection")
}
