package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"decisionflow/workflow"

	"github.com/jmoiron/sqlx"
)

// decisionRow is a decision with its current draft and comment period, as
// one row of decisionSelect.
type decisionRow struct {
	ID              int64        `db:"id"`
	Title           string       `db:"title"`
	Summary         string       `db:"summary"`
	Category        string       `db:"category"`
	UndertakingUnit string       `db:"undertaking_unit"`
	State           string       `db:"state"`
	Version         int64        `db:"version"`
	Policy          string       `db:"policy"`
	CreatedBy       string       `db:"created_by"`
	CreatedAt       time.Time    `db:"created_at"`
	UpdatedAt       time.Time    `db:"updated_at"`
	DecidedOn       sql.NullTime `db:"decided_on"`
	LegalitySince   sql.NullTime `db:"legality_submitted_on"`
	StateEnteredOn  sql.NullTime `db:"state_entered_on"`
	ReviewBy        sql.NullTime `db:"review_requested_by"`

	CatalogEntryID       sql.NullInt64  `db:"catalog_entry_id"`
	Source               sql.NullString `db:"source"`
	Proposal             sql.NullString `db:"proposal"`
	Supersedes           sql.NullInt64  `db:"supersedes"`
	SupersededBy         sql.NullInt64  `db:"superseded_by"`
	Outcome              sql.NullString `db:"outcome"`
	NotDisclosed         bool           `db:"not_disclosed"`
	ExecutionUnit        string         `db:"execution_unit"`
	EvaluatedFrom        string         `db:"evaluated_from"`
	EvaluationConclusion string         `db:"evaluation_conclusion"`

	DraftVersion    sql.NullInt64  `db:"draft_version"`
	DraftText       sql.NullString `db:"draft_text"`
	DraftLegalBases jsonList       `db:"draft_legal_bases"`
	DraftSHA256     sql.NullString `db:"draft_sha256"`
	DraftCreatedBy  sql.NullString `db:"draft_created_by"`
	DraftCreatedAt  sql.NullTime   `db:"draft_created_at"`

	OpensOn          sql.NullTime   `db:"opens_on"`
	ClosesOn         sql.NullTime   `db:"closes_on"`
	Channels         jsonList       `db:"channels"`
	ShorteningReason sql.NullString `db:"shortening_reason"`
}

func (r *decisionRow) decision() *workflow.Decision {
	d := &workflow.Decision{
		ID: r.ID, Title: r.Title, Summary: r.Summary, Category: r.Category, UndertakingUnit: r.UndertakingUnit,
		State: workflow.State(r.State), Version: r.Version, Policy: workflow.Policy(r.Policy),
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.DecidedOn.Valid {
		day := workflow.DateOf(r.DecidedOn.Time)
		d.DecidedOn = &day
	}
	d.LegalitySubmittedOn = dateOf(r.LegalitySince)
	d.StateEnteredOn = dateOf(r.StateEnteredOn)
	d.CatalogEntryID, d.Supersedes, d.SupersededBy = intOf(r.CatalogEntryID), intOf(r.Supersedes), intOf(r.SupersededBy)
	d.Source, d.Proposal = strOf(r.Source), strOf(r.Proposal)
	if r.Outcome.Valid {
		o := workflow.State(r.Outcome.String)
		d.Outcome = &o
	}
	d.NotDisclosed, d.ExecutionUnit = r.NotDisclosed, r.ExecutionUnit
	d.EvaluatedFrom, d.EvaluationConclusion = workflow.State(r.EvaluatedFrom), r.EvaluationConclusion
	d.ReviewRequestedBy = dateOf(r.ReviewBy)
	if r.DraftVersion.Valid {
		d.Draft = &workflow.Draft{
			Version: int(r.DraftVersion.Int64), Text: r.DraftText.String, LegalBases: r.DraftLegalBases.list(),
			SHA256: r.DraftSHA256.String, CreatedBy: r.DraftCreatedBy.String, CreatedAt: r.DraftCreatedAt.Time.UTC(),
		}
	}
	if r.OpensOn.Valid {
		d.CommentPeriod = &workflow.CommentPeriod{
			OpensOn: workflow.DateOf(r.OpensOn.Time), ClosesOn: workflow.DateOf(r.ClosesOn.Time),
			Channels: r.Channels.list(), ShorteningReason: r.ShorteningReason.String,
		}
	}
	return d
}

// jsonList scans a JSON array of strings from a jsonb (PostgreSQL) or TEXT
// (SQLite) column; NULL scans as nil.
type jsonList []string

func (l *jsonList) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*l = nil
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return &workflow.Error{Code: workflow.EINTERNAL, Message: "unexpected JSON column type"}
	}
	var out []string
	if err := json.Unmarshal(b, &out); err != nil {
		return err
	}
	*l = out
	return nil
}

func (l jsonList) list() []string {
	if l == nil {
		return []string{}
	}
	return l
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called on []string and canonical JSON
	}
	return string(b)
}

const decisionColumns = `
SELECT d.id, d.title, d.summary, d.category, d.undertaking_unit, d.state, d.version, d.policy,
       d.created_by, d.created_at, d.updated_at, d.decided_on, d.legality_submitted_on,
       d.state_entered_on, d.review_requested_by,
       d.catalog_entry_id, d.source, d.proposal, d.supersedes, d.superseded_by, d.outcome,
       d.not_disclosed, d.execution_unit, d.evaluated_from, d.evaluation_conclusion,
       dr.version AS draft_version, dr.text AS draft_text, dr.legal_bases AS draft_legal_bases,
       dr.sha256 AS draft_sha256, dr.created_by AS draft_created_by, dr.created_at AS draft_created_at,
       cp.opens_on, cp.closes_on, cp.channels, cp.shortening_reason`

const decisionFrom = `
FROM decisions d` + decisionJoins

// decisionJoins add the current draft and the comment period to d.
const decisionJoins = `
LEFT JOIN drafts dr
       ON dr.decision_id = d.id
      AND dr.version = (SELECT max(version) FROM drafts WHERE decision_id = d.id)
LEFT JOIN comment_periods cp ON cp.decision_id = d.id`

const decisionSelect = decisionColumns + decisionFrom

// decisionByID is the one-decision read, prepared.
const decisionByID = decisionSelect + ` WHERE d.id = ?`

// lockedRow is the decision as UpdateDecision locks it, with its journal
// head, and (PostgreSQL) the row version it locked beside the one its
// snapshot saw.
type lockedRow struct {
	decisionRow
	HeadSeq  sql.NullInt64  `db:"head_seq"`
	HeadHash sql.NullString `db:"head_hash"`
	RowXmin  string         `db:"row_xmin"`
	SnapXmin string         `db:"snap_xmin"`
}

// head is the journal head read with the row: its seq and hash, or 0 and
// ZeroHash before the first entry.
func (r *lockedRow) head() (int64, string) {
	if !r.HeadSeq.Valid {
		return 0, workflow.ZeroHash
	}
	return r.HeadSeq.Int64, r.HeadHash.String
}

// headColumns read the journal head in the locking statement: two probes of
// the journal's primary key, no extra round trip.
const headColumns = `,
       (SELECT j.seq FROM journal j WHERE j.decision_id = d.id ORDER BY j.seq DESC LIMIT 1) AS head_seq,
       (SELECT j.hash FROM journal j WHERE j.decision_id = d.id ORDER BY j.seq DESC LIMIT 1) AS head_hash`

// lockPostgres locks the decision row and reads it with its draft, comment
// period and journal head in one statement.
//
// READ COMMITTED subtlety: when the row was locked by another transaction,
// this statement waits, then re-reads the row's newest version (PostgreSQL's
// EvalPlanQual recheck), but the joined rows and the subqueries still come
// from the snapshot taken before the wait, so the journal head (and draft)
// may be stale. row_xmin (the locked version) and snap_xmin (the version
// the snapshot sees) differ exactly then, because every transaction that
// appends to a decision's journal also updates its row (AppendEntry);
// UpdateDecision then reads again, with a fresh snapshot, under the lock it
// now holds.
const lockPostgres = decisionColumns + headColumns + `,
       d.xmin::text AS row_xmin,
       (SELECT d2.xmin::text FROM decisions d2 WHERE d2.id = d.id) AS snap_xmin` + decisionFrom + `
WHERE d.id = ? FOR UPDATE OF d`

// lockSQLite reads the same; the IMMEDIATE transaction already holds the
// database's write lock, so what it reads is current.
const lockSQLite = decisionColumns + headColumns + `,
       '' AS row_xmin, '' AS snap_xmin` + decisionFrom + `
WHERE d.id = ?`

// Decision returns one decision with its current draft and comment period.
func (db *DB) Decision(ctx context.Context, id int64) (*workflow.Decision, error) {
	var r decisionRow
	stmt, err := db.prepared(ctx, decisionByID)
	if err != nil {
		return nil, translate(err)
	}
	if err := stmt.GetContext(ctx, &r, id); err != nil {
		return nil, translate(err)
	}
	return r.decision(), nil
}

// decisionWhere builds the WHERE clause of a filter from a slice of clauses
// and a slice of arguments.
func decisionWhere(f workflow.DecisionFilter) (string, []any) {
	var (
		where []string
		args  []any
	)
	if f.State != "" {
		where, args = append(where, "d.state = ?"), append(args, string(f.State))
	}
	if f.UndertakingUnit != "" {
		where, args = append(where, "d.undertaking_unit = ?"), append(args, f.UndertakingUnit)
	}
	if f.Query != "" {
		// Title contains q, case-insensitively, with q's wildcards taken literally.
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Query) + "%"
		where, args = append(where, `lower(d.title) LIKE lower(?) ESCAPE '\'`), append(args, like)
	}
	if f.AfterID > 0 {
		where, args = append(where, "d.id < ?"), append(args, f.AfterID)
	}
	if f.Due != nil {
		// The due date is review_requested_by; decisions sent to review before
		// it was recorded fall back to 7 working days from submission.
		due := `(d.state = 'legality_review' AND (d.review_requested_by < ?
        OR (d.review_requested_by IS NULL AND d.legality_submitted_on <= ?)))`
		args = append(args, f.Due.ReviewDueBefore.String(), f.Due.LegalityStartedBy.String())
		if f.Due.CommentClosesBefore != nil {
			due = "(" + due + " OR (d.state = 'public_participation' AND cp.closes_on < ?))"
			args = append(args, f.Due.CommentClosesBefore.String())
		}
		where = append(where, due)
	}
	if len(where) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// Decisions returns a page of decisions, newest first.
func (db *DB) Decisions(ctx context.Context, f workflow.DecisionFilter) ([]*workflow.Decision, error) {
	q, args := decisionPage(f)
	var rows []decisionRow
	if err := db.db.SelectContext(ctx, &rows, db.db.Rebind(q), args...); err != nil {
		return nil, translate(err)
	}
	out := make([]*workflow.Decision, len(rows))
	for i := range rows {
		out[i] = rows[i].decision()
	}
	return out, nil
}

// decisionPage is the page query of f. The page's decisions are chosen and
// limited first, on decisions alone (with the comment period when a
// deadline filter needs it), and only those rows are joined with their
// draft and comment period: a filter that matches thousands of decisions
// joins one page, not all of them before the sort.
func decisionPage(f workflow.DecisionFilter) (string, []any) {
	where, args := decisionWhere(f)
	inner := `SELECT d.* FROM decisions d`
	if strings.Contains(where, "cp.") {
		inner += ` LEFT JOIN comment_periods cp ON cp.decision_id = d.id`
	}
	q := decisionColumns + `
FROM (` + inner + where + ` ORDER BY d.id DESC LIMIT ` + strconv.Itoa(f.Limit) + `) d` + decisionJoins + `
ORDER BY d.id DESC`
	return q, args
}

// CountDecisions counts the decisions a filter selects.
func (db *DB) CountDecisions(ctx context.Context, f workflow.DecisionFilter) (int, error) {
	f.AfterID = 0
	where, args := decisionWhere(f)
	q := `SELECT count(*) FROM decisions d LEFT JOIN comment_periods cp ON cp.decision_id = d.id` + where
	var n int
	if err := db.db.GetContext(ctx, &n, db.db.Rebind(q), args...); err != nil {
		return 0, translate(err)
	}
	return n, nil
}

// DecisionIDs returns every decision's id and state, in id order.
func (db *DB) DecisionIDs(ctx context.Context) ([]workflow.DecisionRef, error) {
	const q = `SELECT id, state FROM decisions ORDER BY id`
	var rows []struct {
		ID    int64  `db:"id"`
		State string `db:"state"`
	}
	if err := db.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.DecisionRef, len(rows))
	for i, r := range rows {
		out[i] = workflow.DecisionRef{ID: r.ID, State: workflow.State(r.State)}
	}
	return out, nil
}

// CreateDecision inserts d, fills its ID and runs fn in the same transaction.
func (db *DB) CreateDecision(ctx context.Context, d *workflow.Decision, fn func(workflow.DecisionTx) error) error {
	if err := db.prepareHot(ctx); err != nil {
		return translate(err)
	}
	return db.transact(ctx, func(tx *sqlx.Tx) error {
		t, err := db.insertDecision(ctx, tx, d)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		return t.flush(ctx)
	})
}

// insertDecision inserts d in tx, fills its ID and returns a transaction on it.
func (db *DB) insertDecision(ctx context.Context, tx *sqlx.Tx, d *workflow.Decision) (*decisionTx, error) {
	const q = `
INSERT INTO decisions (title, summary, category, undertaking_unit, state, version, policy, created_by, created_at,
    updated_at, state_entered_on, catalog_entry_id, source, proposal, supersedes)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id`
	err := tx.QueryRowxContext(ctx, tx.Rebind(q), d.Title, d.Summary, d.Category, d.UndertakingUnit,
		string(d.State), d.Version, string(d.Policy), d.CreatedBy, d.CreatedAt, d.UpdatedAt, nullDate(d.StateEnteredOn),
		nullInt(d.CatalogEntryID), nullStr(d.Source), nullStr(d.Proposal), nullInt(d.Supersedes)).Scan(&d.ID)
	if err != nil {
		return nil, translate(err)
	}
	return &decisionTx{db: db, tx: tx, d: d, lastSeq: 0, lastHash: workflow.ZeroHash, known: true}, nil
}

// Create inserts another decision in the same transaction (a successor).
func (t *decisionTx) Create(ctx context.Context, d *workflow.Decision) (workflow.DecisionTx, error) {
	return t.db.insertDecision(ctx, t.tx, d)
}

// Other locks another decision in the same transaction.
func (t *decisionTx) Other(ctx context.Context, id int64) (workflow.DecisionTx, error) {
	return t.db.lockIn(ctx, t.tx, id)
}

// UpdateDecision locks the decision row and runs fn in one transaction. On
// PostgreSQL the lock is SELECT … FOR UPDATE on that row alone, so actions on
// other decisions go on; on SQLite the IMMEDIATE transaction holds the
// database's single write lock.
//
// A transition costs, on PostgreSQL, four round trips with prepared
// statements: BEGIN; the lock, which also reads the draft, the comment
// period and the journal head (lockPostgres); the decision's update and the
// journal entry in one statement (AppendEntry); COMMIT.
//
// The action first runs optimistically (optimistic.go: on PostgreSQL two
// round trips and no transaction, on SQLite the write lock held for the
// writes alone); it comes here, to the lock, when it needs more than the
// decision row and one journal entry, or after repeated conflicts.
func (db *DB) UpdateDecision(ctx context.Context, id int64, fn func(workflow.DecisionTx) error) error {
	// Prepared before BEGIN: preparing may need a connection of the pool.
	if err := db.prepareHot(ctx); err != nil {
		return translate(err)
	}
	if !db.lockAlways {
		for range optimisticAttempts {
			err := db.updateOptimistic(ctx, id, fn)
			again, lock := isRetry(err)
			if lock {
				break
			}
			if !again {
				return err
			}
		}
	}
	return db.transact(ctx, func(tx *sqlx.Tx) error {
		t, err := db.lockIn(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		return t.flush(ctx)
	})
}

// lockIn locks decision id in tx and returns a transaction on it.
func (db *DB) lockIn(ctx context.Context, tx *sqlx.Tx, id int64) (*decisionTx, error) {
	lock := lockSQLite
	if db.dialect == Postgres {
		lock = lockPostgres
	}
	r, err := db.lockRow(ctx, tx, lock, id)
	if err != nil {
		return nil, translate(err)
	}
	if r.RowXmin != r.SnapXmin {
		// The lock waited for another writer: read again, fresh.
		if r, err = db.lockRow(ctx, tx, lock, id); err != nil {
			return nil, translate(err)
		}
	}
	t := &decisionTx{db: db, tx: tx, d: r.decision(), known: true, touch: db.dialect == Postgres}
	t.lastSeq, t.lastHash = r.head()
	return t, nil
}

func (db *DB) lockRow(ctx context.Context, tx *sqlx.Tx, q string, id int64) (*lockedRow, error) {
	var r lockedRow
	if s := db.cached(q); s != nil {
		return &r, tx.StmtxContext(ctx, s).GetContext(ctx, &r, id)
	}
	return &r, tx.GetContext(ctx, &r, tx.Rebind(q), id)
}

// prepareHot prepares the statements of a transition once, outside any
// transaction.
func (db *DB) prepareHot(ctx context.Context) error {
	if db.hotReady.Load() {
		return nil
	}
	qs := []string{lockSQLite, saveSQL, appendSQL, headSQL}
	if db.dialect == Postgres {
		qs = []string{lockPostgres, saveSQL, appendSQL, headSQL, saveAndAppendSQL, touchAndAppendSQL}
	}
	qs = append(qs, optimisticQueries[db.dialect]...)
	for _, q := range qs {
		if _, err := db.prepared(ctx, q); err != nil {
			return err
		}
	}
	db.hotReady.Store(true)
	return nil
}

// decisionTx implements workflow.DecisionTx on one locked decision.
type decisionTx struct {
	db *DB
	tx *sqlx.Tx
	d  *workflow.Decision
	// known is set once lastSeq and lastHash hold the journal head.
	known    bool
	lastSeq  int64
	lastHash string
	// pending is SaveDecision's arguments not yet written: on PostgreSQL the
	// update goes out with the next journal entry, in one statement, or
	// before the commit (flush).
	pending []any
	// touch: on PostgreSQL, appending to the journal of a locked decision
	// also updates its row, even with no SaveDecision, so that a transaction
	// that waited for the lock notices (lockPostgres).
	touch bool
}

func (t *decisionTx) Decision() *workflow.Decision { return t.d }

// saveSet is what SaveDecision writes (saveSQL, saveAndAppendSQL).
const saveSet = `
SET state = ?, version = ?, updated_at = ?, decided_on = ?, legality_submitted_on = ?,
    state_entered_on = ?, review_requested_by = ?, superseded_by = ?, outcome = ?, not_disclosed = ?,
    execution_unit = ?, evaluated_from = ?, evaluation_conclusion = ?
WHERE id = ?`

const saveSQL = `
UPDATE decisions` + saveSet

// saveArgs are saveSet's arguments for d.
func saveArgs(d *workflow.Decision) []any {
	var outcome any
	if d.Outcome != nil {
		outcome = string(*d.Outcome)
	}
	return []any{string(d.State), d.Version, d.UpdatedAt, nullDate(d.DecidedOn),
		nullDate(d.LegalitySubmittedOn), nullDate(d.StateEnteredOn), nullDate(d.ReviewRequestedBy),
		nullInt(d.SupersededBy), outcome, d.NotDisclosed, d.ExecutionUnit, string(d.EvaluatedFrom),
		d.EvaluationConclusion, d.ID}
}

func (t *decisionTx) SaveDecision(ctx context.Context, d *workflow.Decision) error {
	args := saveArgs(d)
	if t.db.dialect == Postgres {
		t.pending = args
		return nil
	}
	_, err := t.db.txExec(ctx, t.tx, saveSQL, args...)
	return translate(err)
}

// flush writes a SaveDecision that no journal entry took along.
func (t *decisionTx) flush(ctx context.Context) error {
	if t.pending == nil {
		return nil
	}
	args := t.pending
	t.pending = nil
	_, err := t.db.txExec(ctx, t.tx, saveSQL, args...)
	return err
}

func intOf(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func strOf(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	return &v.String
}

func nullInt(v *int64) any {
	if v == nil {
		return nil
	}
	return *v
}

func nullStr(v *string) any {
	if v == nil {
		return nil
	}
	return *v
}

// dateOf reads an optional date column.
func dateOf(t sql.NullTime) *workflow.Date {
	if !t.Valid {
		return nil
	}
	day := workflow.DateOf(t.Time)
	return &day
}

// nullDate binds an optional date as YYYY-MM-DD or NULL.
func nullDate(d *workflow.Date) any {
	if d == nil {
		return nil
	}
	return d.String()
}

// ExplainDecisions returns PostgreSQL's plan (EXPLAIN, not run) of the page
// and count queries Decisions and CountDecisions send for f, for the bench
// and for checking that lists use an index. SQLite answers its QUERY PLAN.
func (db *DB) ExplainDecisions(ctx context.Context, f workflow.DecisionFilter) (page, count []string, err error) {
	if f.Limit <= 0 {
		f.Limit = workflow.DefaultLimit
	}
	pageQ, pageArgs := decisionPage(f)
	prefix := "EXPLAIN "
	if db.dialect == SQLite {
		prefix = "EXPLAIN QUERY PLAN "
	}
	plan := func(q string, args []any) ([]string, error) {
		rows, err := db.db.QueryxContext(ctx, db.db.Rebind(prefix+q), args...)
		if err != nil {
			return nil, translate(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			cols, err := rows.SliceScan()
			if err != nil {
				return nil, translate(err)
			}
			out = append(out, fmt.Sprint(cols[len(cols)-1]))
		}
		return out, translate(rows.Err())
	}
	if page, err = plan(pageQ, pageArgs); err != nil {
		return nil, nil, err
	}
	f.AfterID = 0
	where, args := decisionWhere(f)
	count, err = plan(`SELECT count(*) FROM decisions d LEFT JOIN comment_periods cp ON cp.decision_id = d.id`+where, args)
	return page, count, err
}
