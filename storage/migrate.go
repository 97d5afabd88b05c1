package storage

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrations embed.FS

// migrationLockID is the PostgreSQL advisory lock held while migrating, so
// that two processes starting at once never migrate together.
const migrationLockID = 7_130_2019

func (db *DB) provider() (*goose.Provider, error) {
	var (
		dialect goose.Dialect
		dir     string
		opts    = []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	)
	switch db.dialect {
	case Postgres:
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		dialect, dir = goose.DialectSQLite3, "migrations/sqlite"
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.db.DB, sub, opts...)
}

// SchemaVersions returns the schema version of the database (0 when it has
// none yet) and the newest this binary knows. It only reads: no migration
// lock is taken, so readiness probes may call it freely.
func (db *DB) SchemaVersions(ctx context.Context) (current, known int64, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, err
	}
	if sources := p.ListSources(); len(sources) > 0 {
		known = sources[len(sources)-1].Version
	}
	exists := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`
	if db.dialect == Postgres {
		exists = `SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'goose_db_version' AND schemaname = current_schema()`
	}
	var n int
	if err := db.db.GetContext(ctx, &n, exists); err != nil {
		return 0, known, translate(err)
	}
	if n == 0 {
		return 0, known, nil
	}
	const q = `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`
	if err := db.db.GetContext(ctx, &current, q); err != nil {
		return 0, known, translate(err)
	}
	return current, known, nil
}

// ErrSchemaTooNew is returned by Migrate for a database migrated by a newer
// decisionflow: this binary would not understand its tables.
var ErrSchemaTooNew = fmt.Errorf("the database schema is newer than this binary knows; run a newer decisionflow")

// Migrate applies every pending migration, each in its own transaction,
// under the advisory lock on PostgreSQL. It returns the versions applied.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	current, known, err := db.SchemaVersions(ctx)
	if err != nil {
		return nil, err
	}
	if current > known {
		return nil, fmt.Errorf("%w (database at %d, binary knows %d)", ErrSchemaTooNew, current, known)
	}
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	applied := make([]int64, len(results))
	for i, r := range results {
		applied[i] = r.Source.Version
	}
	return applied, nil
}

// SchemaCurrent reports whether the database is at the newest schema this
// binary knows, for readiness checks.
func (db *DB) SchemaCurrent(ctx context.Context) (bool, error) {
	current, known, err := db.SchemaVersions(ctx)
	if err != nil {
		return false, err
	}
	return current == known, nil
}
