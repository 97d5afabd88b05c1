package storage

import (
	"context"
	"database/sql"
	"encoding/json"
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

const decisionSelect = `
SELECT d.id, d.title, d.summary, d.category, d.undertaking_unit, d.state, d.version, d.policy,
       d.created_by, d.created_at, d.updated_at, d.decided_on, d.legality_submitted_on,
       d.state_entered_on, d.review_requested_by,
       dr.version AS draft_version, dr.text AS draft_text, dr.legal_bases AS draft_legal_bases,
       dr.sha256 AS draft_sha256, dr.created_by AS draft_created_by, dr.created_at AS draft_created_at,
       cp.opens_on, cp.closes_on, cp.channels, cp.shortening_reason
FROM decisions d
LEFT JOIN drafts dr
       ON dr.decision_id = d.id
      AND dr.version = (SELECT max(version) FROM drafts WHERE decision_id = d.id)
LEFT JOIN comment_periods cp ON cp.decision_id = d.id`

// Decision returns one decision with its current draft and comment period.
func (db *DB) Decision(ctx context.Context, id int64) (*workflow.Decision, error) {
	var r decisionRow
	q := db.db.Rebind(decisionSelect + ` WHERE d.id = ?`)
	if err := db.db.GetContext(ctx, &r, q, id); err != nil {
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
	where, args := decisionWhere(f)
	q := decisionSelect + where + " ORDER BY d.id DESC LIMIT " + strconv.Itoa(f.Limit)
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

// CountByState counts the decisions in each state.
func (db *DB) CountByState(ctx context.Context) (map[workflow.State]int, error) {
	const q = `SELECT state, count(*) AS n FROM decisions GROUP BY state`
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := db.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, translate(err)
	}
	out := make(map[workflow.State]int, len(rows))
	for _, r := range rows {
		out[workflow.State(r.State)] = r.N
	}
	return out, nil
}

// CountByUnit counts the decisions of each undertaking unit.
func (db *DB) CountByUnit(ctx context.Context) (map[string]int, error) {
	const q = `SELECT undertaking_unit, count(*) AS n FROM decisions GROUP BY undertaking_unit`
	var rows []struct {
		Unit string `db:"undertaking_unit"`
		N    int    `db:"n"`
	}
	if err := db.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, translate(err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Unit] = r.N
	}
	return out, nil
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
	return db.transact(ctx, func(tx *sqlx.Tx) error {
		const q = `
INSERT INTO decisions (title, summary, category, undertaking_unit, state, version, policy, created_by, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id`
		err := tx.QueryRowxContext(ctx, tx.Rebind(q), d.Title, d.Summary, d.Category, d.UndertakingUnit,
			string(d.State), d.Version, string(d.Policy), d.CreatedBy, d.CreatedAt, d.UpdatedAt).Scan(&d.ID)
		if err != nil {
			return err
		}
		return fn(&decisionTx{tx: tx, d: d, lastSeq: 0, lastHash: workflow.ZeroHash, known: true})
	})
}

// UpdateDecision locks the decision row and runs fn in one transaction. On
// PostgreSQL the lock is SELECT … FOR UPDATE on that row alone, so actions on
// other decisions go on; on SQLite the IMMEDIATE transaction holds the
// database's single write lock.
func (db *DB) UpdateDecision(ctx context.Context, id int64, fn func(workflow.DecisionTx) error) error {
	return db.transact(ctx, func(tx *sqlx.Tx) error {
		var r decisionRow
		if err := tx.GetContext(ctx, &r, tx.Rebind(decisionSelect+` WHERE d.id = ?`+db.forUpdate), id); err != nil {
			return err
		}
		return fn(&decisionTx{tx: tx, d: r.decision()})
	})
}

// decisionTx implements workflow.DecisionTx on one locked decision.
type decisionTx struct {
	tx *sqlx.Tx
	d  *workflow.Decision
	// known is set once lastSeq and lastHash hold the journal head.
	known    bool
	lastSeq  int64
	lastHash string
}

func (t *decisionTx) Decision() *workflow.Decision { return t.d }

func (t *decisionTx) SaveDecision(ctx context.Context, d *workflow.Decision) error {
	const q = `
UPDATE decisions
SET state = ?, version = ?, updated_at = ?, decided_on = ?, legality_submitted_on = ?,
    state_entered_on = ?, review_requested_by = ?
WHERE id = ?`
	_, err := t.tx.ExecContext(ctx, t.tx.Rebind(q), string(d.State), d.Version, d.UpdatedAt, nullDate(d.DecidedOn),
		nullDate(d.LegalitySubmittedOn), nullDate(d.StateEnteredOn), nullDate(d.ReviewRequestedBy), d.ID)
	return translate(err)
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
