package storage

import (
	"context"
	"slices"
	"strings"
	"time"

	"decisionflow/workflow"
)

// stayMediansSQL pairs each transition with the decision's previous one
// (lag over the journal's primary key order) and takes, per state left, the
// count and the two middle stays (intervals, sorted as such, only the two
// turned into microseconds): percentile_disc(0.5) ascending is the lower
// middle one, descending the upper (the same one when the count is odd).
// The engine averages them as its median always has. It reads every
// transition (O(journal), about 2.5 s at 2 million entries): flat would
// need the stays kept on write.
const stayMediansSQL = `
SELECT state, count(*) AS n,
       round(extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY stay)) * 1000000)::bigint AS lo,
       round(extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY stay DESC)) * 1000000)::bigint AS hi
FROM (
    SELECT lag(to_state) OVER w AS state, at - lag(at) OVER w AS stay
    FROM journal WHERE kind = 'transition'
    WINDOW w AS (PARTITION BY decision_id ORDER BY seq)
) s
WHERE state IN (%s)
GROUP BY state`

// StayMedians counts the ended stays in each of states and gives their two
// middle lengths. PostgreSQL computes them (stayMediansSQL); SQLite, which
// has no percentile, streams the transitions in journal order and keeps
// only the stays' lengths.
func (db *DB) StayMedians(ctx context.Context, states []workflow.State) (map[workflow.State]workflow.StayMedian, error) {
	out := map[workflow.State]workflow.StayMedian{}
	if len(states) == 0 {
		return out, nil
	}
	if db.dialect == SQLite {
		return db.stayMediansStream(ctx, states)
	}
	marks := make([]string, len(states))
	args := make([]any, len(states))
	for i, s := range states {
		marks[i], args[i] = "?", string(s)
	}
	q := strings.Replace(stayMediansSQL, "%s", strings.Join(marks, ", "), 1)
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
		Lo    int64  `db:"lo"`
		Hi    int64  `db:"hi"`
	}
	if err := db.db.SelectContext(ctx, &rows, db.db.Rebind(q), args...); err != nil {
		return nil, translate(err)
	}
	for _, r := range rows {
		out[workflow.State(r.State)] = workflow.StayMedian{Stays: r.N,
			Lo: time.Duration(r.Lo) * time.Microsecond, Hi: time.Duration(r.Hi) * time.Microsecond}
	}
	return out, nil
}

// stayMediansStream is StayMedians over a stream of the transitions, by
// decision and seq, holding one duration per ended stay.
func (db *DB) stayMediansStream(ctx context.Context, states []workflow.State) (map[workflow.State]workflow.StayMedian, error) {
	const q = `SELECT decision_id, to_state, at FROM journal WHERE kind = 'transition' ORDER BY decision_id, seq`
	rows, err := db.db.QueryContext(ctx, q)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	stays := make(map[workflow.State][]time.Duration, len(states))
	for _, s := range states {
		stays[s] = nil
	}
	var (
		prevID    int64 = -1
		prevState string
		prevAt    time.Time
	)
	for rows.Next() {
		var (
			id    int64
			state string
			at    time.Time
		)
		if err := rows.Scan(&id, &state, &at); err != nil {
			return nil, translate(err)
		}
		if id == prevID {
			if ds, ok := stays[workflow.State(prevState)]; ok {
				stays[workflow.State(prevState)] = append(ds, at.Sub(prevAt))
			}
		}
		prevID, prevState, prevAt = id, state, at
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	out := map[workflow.State]workflow.StayMedian{}
	for s, ds := range stays {
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		n := len(ds)
		out[s] = workflow.StayMedian{Stays: n, Lo: ds[(n-1)/2], Hi: ds[n/2]}
	}
	return out, nil
}
