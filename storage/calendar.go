package storage

import (
	"context"
	"database/sql"
	"time"

	"decisionflow/workflow"
)

type calendarRow struct {
	Day       time.Time `db:"day"`
	Kind      string    `db:"kind"`
	Name      string    `db:"name"`
	UpdatedBy string    `db:"updated_by"`
	UpdatedAt time.Time `db:"updated_at"`
}

// CalendarDays returns every exception of the working-day calendar, by day.
func (db *DB) CalendarDays(ctx context.Context) ([]workflow.CalendarDay, error) {
	const q = `SELECT day, kind, name, updated_by, updated_at FROM calendar_days ORDER BY day`
	var rows []calendarRow
	if err := db.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.CalendarDay, len(rows))
	for i, r := range rows {
		out[i] = workflow.CalendarDay{Day: workflow.DateOf(r.Day), Kind: r.Kind, Name: r.Name, UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

// SetCalendarDay inserts or replaces the exception of one day.
func (db *DB) SetCalendarDay(ctx context.Context, d workflow.CalendarDay) error {
	const q = `
INSERT INTO calendar_days (day, kind, name, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name,
    updated_by = excluded.updated_by, updated_at = excluded.updated_at`
	_, err := db.db.ExecContext(ctx, db.db.Rebind(q), d.Day.String(), d.Kind, d.Name, d.UpdatedBy, d.UpdatedAt)
	return translate(err)
}

// DeleteCalendarDay removes the exception of one day.
func (db *DB) DeleteCalendarDay(ctx context.Context, day workflow.Date) error {
	res, err := db.db.ExecContext(ctx, db.db.Rebind(`DELETE FROM calendar_days WHERE day = ?`), day.String())
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return translate(sql.ErrNoRows)
	}
	return nil
}
