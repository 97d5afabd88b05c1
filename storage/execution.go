package storage

import (
	"context"
	"database/sql"
	"time"

	"decisionflow/workflow"
)

// Execution reports and public opinions: the records of a decision in force
// (lifecycle.md "After the decision"), and the reads of the public face and
// the statistics after the decision.

type executionReportRow struct {
	ID         int64     `db:"id"`
	DecisionID int64     `db:"decision_id"`
	Kind       string    `db:"kind"`
	Period     string    `db:"period"`
	Content    string    `db:"content"`
	RecordedBy string    `db:"recorded_by"`
	CreatedAt  time.Time `db:"created_at"`
}

// ExecutionReports returns a decision's execution reports, newest first.
func (db *DB) ExecutionReports(ctx context.Context, id int64) ([]workflow.ExecutionReport, error) {
	const q = `
SELECT id, decision_id, kind, period, content, recorded_by, created_at
FROM execution_reports WHERE decision_id = ? ORDER BY id DESC`
	var rows []executionReportRow
	if err := db.db.SelectContext(ctx, &rows, db.db.Rebind(q), id); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.ExecutionReport, len(rows))
	for i, r := range rows {
		out[i] = workflow.ExecutionReport{ID: r.ID, DecisionID: r.DecisionID, Kind: r.Kind, Period: r.Period,
			Content: r.Content, RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

func (t *decisionTx) InsertExecutionReport(ctx context.Context, r *workflow.ExecutionReport) error {
	const q = `
INSERT INTO execution_reports (decision_id, kind, period, content, recorded_by, created_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id`
	err := t.tx.QueryRowxContext(ctx, t.tx.Rebind(q), t.d.ID, r.Kind, r.Period, r.Content, r.RecordedBy, r.CreatedAt).Scan(&r.ID)
	return translate(err)
}

// LastExecutionReports returns when each decision's latest report was recorded.
func (db *DB) LastExecutionReports(ctx context.Context) (map[int64]time.Time, error) {
	const q = `SELECT decision_id, max(created_at) AS last FROM execution_reports GROUP BY decision_id`
	rows, err := db.db.QueryContext(ctx, q)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var (
			id   int64
			last any
		)
		if err := rows.Scan(&id, &last); err != nil {
			return nil, translate(err)
		}
		// SQLite answers max() of a TIMESTAMP column as text.
		t, err := timeOf(last)
		if err != nil {
			return nil, translate(err)
		}
		out[id] = t.UTC()
	}
	return out, translate(rows.Err())
}

// timeOf reads an aggregate's time: a time, or the text SQLite keeps.
func timeOf(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		return parseSQLiteTime(x)
	case []byte:
		return parseSQLiteTime(string(x))
	}
	return time.Time{}, &workflow.Error{Code: workflow.EINTERNAL, Message: "unexpected time column type"}
}

func parseSQLiteTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &workflow.Error{Code: workflow.EINTERNAL, Message: "unreadable time " + s}
}

type publicOpinionRow struct {
	ID                int64          `db:"id"`
	DecisionID        int64          `db:"decision_id"`
	State             string         `db:"state"`
	AuthorName        string         `db:"author_name"`
	Contact           string         `db:"contact"`
	Content           string         `db:"content"`
	Disposition       sql.NullString `db:"disposition"`
	DispositionReason string         `db:"disposition_reason"`
	DisposedBy        string         `db:"disposed_by"`
	CreatedAt         time.Time      `db:"created_at"`
}

func (r *publicOpinionRow) opinion() workflow.PublicOpinion {
	return workflow.PublicOpinion{ID: r.ID, DecisionID: r.DecisionID, State: workflow.State(r.State),
		AuthorName: r.AuthorName, Contact: r.Contact, Content: r.Content, Disposition: r.Disposition.String,
		DispositionReason: r.DispositionReason, DisposedBy: r.DisposedBy, CreatedAt: r.CreatedAt.UTC()}
}

const publicOpinionSelect = `
SELECT id, decision_id, state, author_name, contact, content, disposition, disposition_reason, disposed_by, created_at
FROM public_opinions`

// PublicOpinions returns the public opinions on a decision, newest first.
func (db *DB) PublicOpinions(ctx context.Context, id int64) ([]workflow.PublicOpinion, error) {
	var rows []publicOpinionRow
	if err := db.db.SelectContext(ctx, &rows, db.db.Rebind(publicOpinionSelect+` WHERE decision_id = ? ORDER BY id DESC`), id); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.PublicOpinion, len(rows))
	for i := range rows {
		out[i] = rows[i].opinion()
	}
	return out, nil
}

func (t *decisionTx) PublicOpinion(ctx context.Context, id int64) (*workflow.PublicOpinion, error) {
	var r publicOpinionRow
	if err := t.tx.GetContext(ctx, &r, t.tx.Rebind(publicOpinionSelect+` WHERE decision_id = ? AND id = ?`), t.d.ID, id); err != nil {
		return nil, translate(err)
	}
	o := r.opinion()
	return &o, nil
}

func (t *decisionTx) InsertPublicOpinion(ctx context.Context, o *workflow.PublicOpinion) error {
	const q = `
INSERT INTO public_opinions (decision_id, state, author_name, contact, content, created_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id`
	err := t.tx.QueryRowxContext(ctx, t.tx.Rebind(q), t.d.ID, string(o.State), o.AuthorName, o.Contact, o.Content, o.CreatedAt).Scan(&o.ID)
	return translate(err)
}

func (t *decisionTx) UpdatePublicOpinionDisposition(ctx context.Context, o *workflow.PublicOpinion) error {
	const q = `UPDATE public_opinions SET disposition = ?, disposition_reason = ?, disposed_by = ? WHERE decision_id = ? AND id = ?`
	_, err := t.tx.ExecContext(ctx, t.tx.Rebind(q), o.Disposition, o.DispositionReason, o.DisposedBy, t.d.ID, o.ID)
	return translate(err)
}

// PublishedDecisions returns the decisions in a state after publication,
// newest first.
func (db *DB) PublishedDecisions(ctx context.Context) ([]*workflow.Decision, error) {
	q := decisionSelect + `
WHERE d.state IN ('published', 'suspended', 'evaluating', 'executed', 'stopped', 'adjusted', 'archived')
ORDER BY d.id DESC`
	var rows []decisionRow
	if err := db.db.SelectContext(ctx, &rows, db.db.Rebind(q)); err != nil {
		return nil, translate(err)
	}
	out := make([]*workflow.Decision, len(rows))
	for i := range rows {
		out[i] = rows[i].decision()
	}
	return out, nil
}
