package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"decisionflow/workflow"

	"github.com/jmoiron/sqlx"
)

// The yearly catalogs, their entries and their hash chains (catalog_journal:
// one chain per year, the year in place of the decision id).

type catalogRow struct {
	Year            int          `db:"year"`
	State           string       `db:"state"`
	PartyApprovedOn sql.NullTime `db:"party_approved_on"`
	PublishedOn     sql.NullTime `db:"published_on"`
	URL             string       `db:"url"`
	Version         int64        `db:"version"`
	UpdatedAt       time.Time    `db:"updated_at"`
}

func (r *catalogRow) catalog() *workflow.Catalog {
	return &workflow.Catalog{Year: r.Year, State: workflow.CatalogState(r.State),
		PartyApprovedOn: dateOf(r.PartyApprovedOn), PublishedOn: dateOf(r.PublishedOn),
		URL: r.URL, Version: r.Version, UpdatedAt: r.UpdatedAt.UTC()}
}

type entryRow struct {
	ID              int64          `db:"id"`
	Year            int            `db:"year"`
	Title           string         `db:"title"`
	Category        string         `db:"category"`
	UndertakingUnit string         `db:"undertaking_unit"`
	PlannedQuarter  sql.NullInt64  `db:"planned_quarter"`
	Reason          string         `db:"reason"`
	Removed         bool           `db:"removed"`
	RemovalReason   string         `db:"removal_reason"`
	DecisionID      sql.NullInt64  `db:"decision_id"`
	DecisionState   sql.NullString `db:"decision_state"`
}

func (r *entryRow) entry() workflow.CatalogEntry {
	e := workflow.CatalogEntry{ID: r.ID, Year: r.Year, Title: r.Title, Category: r.Category,
		UndertakingUnit: r.UndertakingUnit, Reason: r.Reason, Removed: r.Removed, RemovalReason: r.RemovalReason,
		DecisionState: workflow.State(r.DecisionState.String)}
	if r.PlannedQuarter.Valid {
		q := int(r.PlannedQuarter.Int64)
		e.PlannedQuarter = &q
	}
	if r.DecisionID.Valid {
		id := r.DecisionID.Int64
		e.DecisionID = &id
	}
	return e
}

const catalogSelect = `SELECT year, state, party_approved_on, published_on, url, version, updated_at FROM catalogs`

// entrySelect reads entries with the latest decision started from each and
// not withdrawn (a withdrawn decision frees its entry).
const entrySelect = `
SELECT e.id, e.year, e.title, e.category, e.undertaking_unit, e.planned_quarter, e.reason, e.removed,
       e.removal_reason, d.id AS decision_id, d.state AS decision_state
FROM catalog_entries e
LEFT JOIN decisions d ON d.id = (
    SELECT max(x.id) FROM decisions x WHERE x.catalog_entry_id = e.id AND x.state <> 'withdrawn'
      AND NOT (x.state = 'archived' AND x.outcome = 'withdrawn'))`

// entrySelectNoLink is entrySelect before the decisions know their entry
// (a schema without decisions.catalog_entry_id).
const entrySelectNoLink = `
SELECT e.id, e.year, e.title, e.category, e.undertaking_unit, e.planned_quarter, e.reason, e.removed,
       e.removal_reason, NULL AS decision_id, NULL AS decision_state
FROM catalog_entries e`

func selectEntries(ctx context.Context, q queryer, where string, args ...any) ([]workflow.CatalogEntry, error) {
	var rows []entryRow
	err := q.SelectContext(ctx, &rows, q.Rebind(entrySelect+where), args...)
	if err != nil && missingEntryLink(err) {
		err = q.SelectContext(ctx, &rows, q.Rebind(entrySelectNoLink+where), args...)
	}
	if err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.CatalogEntry, len(rows))
	for i := range rows {
		out[i] = rows[i].entry()
	}
	return out, nil
}

// missingEntryLink reports the error of a schema whose decisions have no
// catalog_entry_id yet.
func missingEntryLink(err error) bool {
	return err != nil && containsAny(err.Error(), "catalog_entry_id")
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
	}
	return false
}

// Catalog returns the catalog of year with its entries.
func (db *DB) Catalog(ctx context.Context, year int) (*workflow.Catalog, error) {
	return readCatalog(ctx, db.db, year, "")
}

func readCatalog(ctx context.Context, q queryer, year int, lock string) (*workflow.Catalog, error) {
	var r catalogRow
	if err := q.GetContext(ctx, &r, q.Rebind(catalogSelect+` WHERE year = ?`+lock), year); err != nil {
		return nil, translate(err)
	}
	c := r.catalog()
	var err error
	c.Entries, err = selectEntries(ctx, q, ` WHERE e.year = ? ORDER BY e.id`, year)
	return c, err
}

// Catalogs returns every catalog without entries, newest year first.
func (db *DB) Catalogs(ctx context.Context) ([]workflow.Catalog, error) {
	var rows []catalogRow
	if err := db.db.SelectContext(ctx, &rows, catalogSelect+` ORDER BY year DESC`); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.Catalog, len(rows))
	for i := range rows {
		out[i] = *rows[i].catalog()
	}
	return out, nil
}

// CatalogEntry returns one entry.
func (db *DB) CatalogEntry(ctx context.Context, id int64) (*workflow.CatalogEntry, error) {
	es, err := selectEntries(ctx, db.db, ` WHERE e.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, &workflow.Error{Code: workflow.ENOTFOUND, Message: fmt.Sprintf("no catalog entry %d", id)}
	}
	return &es[0], nil
}

// CatalogJournal returns the catalog's chain in seq order.
func (db *DB) CatalogJournal(ctx context.Context, year int) ([]workflow.JournalEntry, error) {
	const q = `
SELECT year AS decision_id, seq, kind, name, from_state, to_state, actor, role, at, data, prev_hash, hash
FROM catalog_journal WHERE year = ? ORDER BY seq`
	return db.selectJournal(ctx, q, year)
}

// UpdateCatalog locks the catalog row of year (PostgreSQL: FOR UPDATE;
// SQLite: the IMMEDIATE transaction) and runs fn in one transaction.
func (db *DB) UpdateCatalog(ctx context.Context, year int, create bool, fn func(workflow.CatalogTx) error) error {
	return db.transact(ctx, func(tx *sqlx.Tx) error {
		if create {
			const ins = `INSERT INTO catalogs (year, state, updated_at) VALUES (?, 'draft', ?) ON CONFLICT (year) DO NOTHING`
			if _, err := tx.ExecContext(ctx, tx.Rebind(ins), year, time.Now().UTC()); err != nil {
				return err
			}
		}
		lock := ""
		if db.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		c, err := readCatalog(ctx, tx, year, lock)
		if err != nil {
			return err
		}
		return fn(&catalogTx{tx: tx, c: c})
	})
}

// catalogTx implements workflow.CatalogTx on one locked catalog.
type catalogTx struct {
	tx *sqlx.Tx
	c  *workflow.Catalog
}

func (t *catalogTx) Catalog() *workflow.Catalog { return t.c }

func quarterOf(e *workflow.CatalogEntry) any {
	if e.PlannedQuarter == nil {
		return nil
	}
	return *e.PlannedQuarter
}

func (t *catalogTx) InsertEntry(ctx context.Context, e *workflow.CatalogEntry) error {
	const q = `
INSERT INTO catalog_entries (year, title, category, undertaking_unit, planned_quarter, reason, removed, removal_reason)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id`
	err := t.tx.QueryRowxContext(ctx, t.tx.Rebind(q), t.c.Year, e.Title, e.Category, e.UndertakingUnit,
		quarterOf(e), e.Reason, e.Removed, e.RemovalReason).Scan(&e.ID)
	return translate(err)
}

func (t *catalogTx) UpdateEntry(ctx context.Context, e *workflow.CatalogEntry) error {
	const q = `
UPDATE catalog_entries SET title = ?, category = ?, undertaking_unit = ?, planned_quarter = ?, reason = ?,
       removed = ?, removal_reason = ?
WHERE year = ? AND id = ?`
	_, err := t.tx.ExecContext(ctx, t.tx.Rebind(q), e.Title, e.Category, e.UndertakingUnit, quarterOf(e),
		e.Reason, e.Removed, e.RemovalReason, t.c.Year, e.ID)
	return translate(err)
}

func (t *catalogTx) SaveCatalog(ctx context.Context, c *workflow.Catalog) error {
	const q = `
UPDATE catalogs SET state = ?, party_approved_on = ?, published_on = ?, url = ?, version = ?, updated_at = ?
WHERE year = ?`
	_, err := t.tx.ExecContext(ctx, t.tx.Rebind(q), string(c.State), nullDate(c.PartyApprovedOn),
		nullDate(c.PublishedOn), c.URL, c.Version, c.UpdatedAt, c.Year)
	return translate(err)
}

func (t *catalogTx) LastEntry(ctx context.Context) (int64, string, error) {
	var r struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	err := t.tx.GetContext(ctx, &r, t.tx.Rebind(`SELECT seq, hash FROM catalog_journal WHERE year = ? ORDER BY seq DESC LIMIT 1`), t.c.Year)
	if err == sql.ErrNoRows {
		return 0, workflow.ZeroHash, nil
	}
	return r.Seq, r.Hash, translate(err)
}

func (t *catalogTx) AppendEntry(ctx context.Context, e *workflow.JournalEntry) error {
	const q = `
INSERT INTO catalog_journal (year, seq, kind, name, from_state, to_state, actor, role, at, data, prev_hash, hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := t.tx.ExecContext(ctx, t.tx.Rebind(q), t.c.Year, e.Seq, e.Kind, e.Name, string(e.From), string(e.To),
		e.Actor, string(e.Role), e.At, string(e.Data), e.PrevHash, e.Hash)
	return translate(err)
}
