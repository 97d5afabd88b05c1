package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"decisionflow/workflow"
)

// Hearings of public participation, and what creating or starting a
// decision writes besides the decision itself: the claim of its catalog
// entry and the undertaking unit the head names.

type hearingRow struct {
	ID                      int64        `db:"id"`
	DecisionID              int64        `db:"decision_id"`
	AnnouncedOn             time.Time    `db:"announced_on"`
	ParticipantsPublishedOn sql.NullTime `db:"participants_published_on"`
	MaterialsSentOn         time.Time    `db:"materials_sent_on"`
	HeldOn                  time.Time    `db:"held_on"`
	Location                string       `db:"location"`
	Participants            []byte       `db:"participants"`
	Transcript              string       `db:"transcript"`
	RecordSigned            bool         `db:"record_signed"`
	Report                  string       `db:"report"`
	RecordedBy              string       `db:"recorded_by"`
	CreatedAt               time.Time    `db:"created_at"`
}

func day(t time.Time) string { return workflow.DateOf(t).String() }

// Hearings returns the hearings of a decision, newest first.
func (db *DB) Hearings(ctx context.Context, id int64) ([]workflow.Hearing, error) {
	const q = `
SELECT id, decision_id, announced_on, participants_published_on, materials_sent_on, held_on, location,
       participants, transcript, record_signed, report, recorded_by, created_at
FROM hearings WHERE decision_id = ? ORDER BY id DESC`
	var rows []hearingRow
	if err := db.db.SelectContext(ctx, &rows, db.db.Rebind(q), id); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.Hearing, len(rows))
	for i, r := range rows {
		h := workflow.Hearing{ID: r.ID, DecisionID: r.DecisionID, RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt.UTC()}
		h.AnnouncedOn, h.MaterialsSentOn, h.HeldOn = day(r.AnnouncedOn), day(r.MaterialsSentOn), day(r.HeldOn)
		if r.ParticipantsPublishedOn.Valid {
			h.ParticipantsPublishedOn = day(r.ParticipantsPublishedOn.Time)
		}
		h.Location, h.Transcript, h.RecordSigned, h.Report = r.Location, r.Transcript, r.RecordSigned, r.Report
		if err := json.Unmarshal(r.Participants, &h.Participants); err != nil {
			return nil, workflow.Internal(err)
		}
		out[i] = h
	}
	return out, nil
}

func (t *decisionTx) InsertHearing(ctx context.Context, h *workflow.Hearing) error {
	const q = `
INSERT INTO hearings (decision_id, announced_on, participants_published_on, materials_sent_on, held_on, location,
    participants, transcript, record_signed, report, recorded_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id`
	var published any
	if h.ParticipantsPublishedOn != "" {
		published = h.ParticipantsPublishedOn
	}
	err := t.tx.QueryRowxContext(ctx, t.tx.Rebind(q), t.d.ID, h.AnnouncedOn, published, h.MaterialsSentOn, h.HeldOn,
		h.Location, mustJSON(h.Participants), h.Transcript, h.RecordSigned, h.Report, h.RecordedBy, h.CreatedAt).Scan(&h.ID)
	return translate(err)
}

func (t *decisionTx) SetUndertakingUnit(ctx context.Context, unit string) error {
	_, err := t.tx.ExecContext(ctx, t.tx.Rebind(`UPDATE decisions SET undertaking_unit = ? WHERE id = ?`), unit, t.d.ID)
	return translate(err)
}

// ClaimCatalogEntry locks the entry's catalog row (PostgreSQL; SQLite's
// IMMEDIATE transaction holds the database) and reads the entry with the
// decision, other than this one, started from it and not withdrawn.
func (t *decisionTx) ClaimCatalogEntry(ctx context.Context, entryID int64) (*workflow.CatalogEntry, workflow.CatalogState, error) {
	lock := ""
	if t.db.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var c catalogRow
	q := catalogSelect + ` WHERE year = (SELECT year FROM catalog_entries WHERE id = ?)` + lock
	if err := t.tx.GetContext(ctx, &c, t.tx.Rebind(q), entryID); err != nil {
		return nil, "", translate(err)
	}
	const eq = `
SELECT e.id, e.year, e.title, e.category, e.undertaking_unit, e.planned_quarter, e.reason, e.removed,
       e.removal_reason, d.id AS decision_id, d.state AS decision_state
FROM catalog_entries e
LEFT JOIN decisions d ON d.id = (
    SELECT max(x.id) FROM decisions x WHERE x.catalog_entry_id = e.id AND x.state <> 'withdrawn'
      AND NOT (x.state = 'archived' AND x.outcome = 'withdrawn') AND x.id <> ?)
WHERE e.id = ?`
	var r entryRow
	if err := t.tx.GetContext(ctx, &r, t.tx.Rebind(eq), t.d.ID, entryID); err != nil {
		return nil, "", translate(err)
	}
	e := r.entry()
	return &e, workflow.CatalogState(c.State), nil
}
