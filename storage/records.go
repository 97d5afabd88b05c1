package storage

import (
	"context"
	"database/sql"
	"time"

	"decisionflow/workflow"
)

// Drafts, comment periods, comments and expert opinions: the records kept
// during a step. Writes go through decisionTx, inside the action's transaction.

type draftRow struct {
	Version    int       `db:"version"`
	Text       string    `db:"text"`
	LegalBases jsonList  `db:"legal_bases"`
	SHA256     string    `db:"sha256"`
	CreatedBy  string    `db:"created_by"`
	CreatedAt  time.Time `db:"created_at"`
}

// Drafts returns every draft version of a decision, newest first.
func (db *DB) Drafts(ctx context.Context, id int64) ([]workflow.Draft, error) {
	const q = `
SELECT version, text, legal_bases, sha256, created_by, created_at
FROM drafts WHERE decision_id = ? ORDER BY version DESC`
	var rows []draftRow
	if err := db.db.SelectContext(ctx, &rows, db.db.Rebind(q), id); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.Draft, len(rows))
	for i, r := range rows {
		out[i] = workflow.Draft{Version: r.Version, Text: r.Text, LegalBases: r.LegalBases.list(), SHA256: r.SHA256, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

func (t *decisionTx) InsertDraft(ctx context.Context, d *workflow.Draft) error {
	const q = `
INSERT INTO drafts (decision_id, version, text, legal_bases, sha256, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?)`
	_, err := t.tx.ExecContext(ctx, t.tx.Rebind(q), t.d.ID, d.Version, d.Text, mustJSON(d.LegalBases), d.SHA256, d.CreatedBy, d.CreatedAt)
	return translate(err)
}

func (t *decisionTx) InsertCommentPeriod(ctx context.Context, p *workflow.CommentPeriod) error {
	const q = `
INSERT INTO comment_periods (decision_id, opens_on, closes_on, channels, shortening_reason)
VALUES (?, ?, ?, ?, ?)`
	_, err := t.tx.ExecContext(ctx, t.tx.Rebind(q), t.d.ID, p.OpensOn.String(), p.ClosesOn.String(), mustJSON(p.Channels), p.ShorteningReason)
	return translate(err)
}

type commentRow struct {
	ID                int64          `db:"id"`
	DecisionID        int64          `db:"decision_id"`
	Source            string         `db:"source"`
	Channel           string         `db:"channel"`
	AuthorName        string         `db:"author_name"`
	Contact           string         `db:"contact"`
	Content           string         `db:"content"`
	Disposition       sql.NullString `db:"disposition"`
	DispositionReason string         `db:"disposition_reason"`
	RecordedBy        string         `db:"recorded_by"`
	CreatedAt         time.Time      `db:"created_at"`
	DraftVersion      sql.NullInt64  `db:"draft_version"`
}

func (r *commentRow) comment() workflow.Comment {
	return workflow.Comment{
		ID: r.ID, DecisionID: r.DecisionID, Source: r.Source, Channel: r.Channel, AuthorName: r.AuthorName,
		Contact: r.Contact, Content: r.Content, Disposition: r.Disposition.String,
		DispositionReason: r.DispositionReason, RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt.UTC(),
		DraftVersion: int(r.DraftVersion.Int64),
	}
}

const commentSelect = `
SELECT id, decision_id, source, channel, author_name, contact, content, disposition,
       disposition_reason, recorded_by, created_at, draft_version
FROM comments`

func (db *DB) Comments(ctx context.Context, id int64) ([]workflow.Comment, error) {
	return selectComments(ctx, db.db, id)
}

func (t *decisionTx) Comments(ctx context.Context) ([]workflow.Comment, error) {
	return selectComments(ctx, t.tx, t.d.ID)
}

func selectComments(ctx context.Context, q queryer, id int64) ([]workflow.Comment, error) {
	var rows []commentRow
	if err := q.SelectContext(ctx, &rows, q.Rebind(commentSelect+` WHERE decision_id = ? ORDER BY id DESC`), id); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.Comment, len(rows))
	for i := range rows {
		out[i] = rows[i].comment()
	}
	return out, nil
}

func (t *decisionTx) Comment(ctx context.Context, id int64) (*workflow.Comment, error) {
	var r commentRow
	err := t.tx.GetContext(ctx, &r, t.tx.Rebind(commentSelect+` WHERE decision_id = ? AND id = ?`), t.d.ID, id)
	if err != nil {
		return nil, translate(err)
	}
	c := r.comment()
	return &c, nil
}

func (t *decisionTx) InsertComment(ctx context.Context, c *workflow.Comment) error {
	const q = `
INSERT INTO comments (decision_id, source, channel, author_name, contact, content, recorded_by, created_at, draft_version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id`
	var version any
	if c.DraftVersion > 0 {
		version = c.DraftVersion
	}
	err := t.tx.QueryRowxContext(ctx, t.tx.Rebind(q), t.d.ID, c.Source, c.Channel, c.AuthorName, c.Contact, c.Content,
		c.RecordedBy, c.CreatedAt, version).Scan(&c.ID)
	return translate(err)
}

func (t *decisionTx) UpdateCommentDisposition(ctx context.Context, c *workflow.Comment) error {
	const q = `UPDATE comments SET disposition = ?, disposition_reason = ? WHERE decision_id = ? AND id = ?`
	_, err := t.tx.ExecContext(ctx, t.tx.Rebind(q), c.Disposition, c.DispositionReason, t.d.ID, c.ID)
	return translate(err)
}

type expertOpinionRow struct {
	ID                 int64     `db:"id"`
	DecisionID         int64     `db:"decision_id"`
	ExpertName         string    `db:"expert_name"`
	Institution        string    `db:"institution"`
	Opinion            string    `db:"opinion"`
	Signed             bool      `db:"signed"`
	ConflictOfInterest bool      `db:"conflict_of_interest"`
	RecordedBy         string    `db:"recorded_by"`
	CreatedAt          time.Time `db:"created_at"`
}

// ExpertOpinions returns the expert opinions of a decision, newest first.
func (db *DB) ExpertOpinions(ctx context.Context, id int64) ([]workflow.ExpertOpinion, error) {
	return selectExpertOpinions(ctx, db.db, id)
}

func selectExpertOpinions(ctx context.Context, q queryer, id int64) ([]workflow.ExpertOpinion, error) {
	const sel = `
SELECT id, decision_id, expert_name, institution, opinion, signed, conflict_of_interest, recorded_by, created_at
FROM expert_opinions WHERE decision_id = ? ORDER BY id DESC`
	var rows []expertOpinionRow
	if err := q.SelectContext(ctx, &rows, q.Rebind(sel), id); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.ExpertOpinion, len(rows))
	for i, r := range rows {
		out[i] = workflow.ExpertOpinion{ID: r.ID, DecisionID: r.DecisionID, ExpertName: r.ExpertName, Institution: r.Institution,
			Opinion: r.Opinion, Signed: r.Signed, ConflictOfInterest: r.ConflictOfInterest, RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// ExpertOpinions returns the locked decision's expert opinions.
func (t *decisionTx) ExpertOpinions(ctx context.Context) ([]workflow.ExpertOpinion, error) {
	return selectExpertOpinions(ctx, t.tx, t.d.ID)
}

func (t *decisionTx) CountExpertOpinions(ctx context.Context) (int, error) {
	var n int
	err := t.tx.GetContext(ctx, &n, t.tx.Rebind(`SELECT count(*) FROM expert_opinions WHERE decision_id = ?`), t.d.ID)
	return n, translate(err)
}

func (t *decisionTx) InsertExpertOpinion(ctx context.Context, o *workflow.ExpertOpinion) error {
	const q = `
INSERT INTO expert_opinions (decision_id, expert_name, institution, opinion, signed, conflict_of_interest, recorded_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id`
	err := t.tx.QueryRowxContext(ctx, t.tx.Rebind(q), t.d.ID, o.ExpertName, o.Institution, o.Opinion, o.Signed, o.ConflictOfInterest, o.RecordedBy, o.CreatedAt).Scan(&o.ID)
	return translate(err)
}

// Consultations returns the decisions open for public comment on today.
func (db *DB) Consultations(ctx context.Context, today workflow.Date) ([]workflow.Consultation, error) {
	q := decisionSelect + ` WHERE d.state = 'public_participation' AND cp.opens_on <= ? AND cp.closes_on >= ? ORDER BY d.id DESC`
	var rows []decisionRow
	if err := db.db.SelectContext(ctx, &rows, db.db.Rebind(q), today.String(), today.String()); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.Consultation, 0, len(rows))
	for i := range rows {
		d := rows[i].decision()
		c := workflow.Consultation{ID: d.ID, Title: d.Title, Summary: d.Summary,
			OpensOn: d.CommentPeriod.OpensOn, ClosesOn: d.CommentPeriod.ClosesOn, Channels: d.CommentPeriod.Channels}
		if d.Draft != nil {
			c.DraftText, c.DraftVersion, c.DraftSHA256 = d.Draft.Text, d.Draft.Version, d.Draft.SHA256
		}
		out = append(out, c)
	}
	return out, nil
}
