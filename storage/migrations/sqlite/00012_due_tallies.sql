-- +goose Up
-- The overdue count kept on write: see the PostgreSQL migration and
-- docs/design.md "Tallies kept on write". Tally kind 'due' counts the open
-- deadlines by key ('review', 'submitted', 'closes') and date, the sub: the
-- date as stored, YYYY-MM-DD (every writer binds dates as that text, and the
-- due filter compares that text).
--
-- SQLite changes a CHECK only by rebuilding the table: tallies has no
-- foreign key and nothing names it but the Go code, so it is copied, dropped
-- and the copy renamed, in goose's transaction. The view tally_recount is
-- dropped first and created again after, with the due tallies.
--
-- As with 00011's: a later migration that rebuilds decisions or
-- comment_periods must drop tally_recount first and recreate it and the
-- table's triggers below afterwards.
-- +goose StatementBegin
DROP VIEW tally_recount;

CREATE TABLE tallies_new (
    kind TEXT NOT NULL CHECK (kind IN ('state', 'unit', 'stay', 'due')),
    key  TEXT NOT NULL,
    sub  TEXT NOT NULL,
    n    INTEGER NOT NULL,
    PRIMARY KEY (kind, key, sub)
) WITHOUT ROWID;
INSERT INTO tallies_new (kind, key, sub, n) SELECT kind, key, sub, n FROM tallies;
DROP TABLE tallies;
ALTER TABLE tallies_new RENAME TO tallies;

-- A decision's deadline, written three times below (SQLite has no
-- functions of its own: insert, delete and update, with OLD or NEW) and in
-- tally_recount and the backfill, each as the three cases of the due filter
-- (storage.decisionWhere): review_requested_by in legality_review; the
-- submission date in legality_review without it; the comment period's
-- closing day in public_participation.
CREATE TRIGGER decisions_tally_due_insert AFTER INSERT ON decisions
WHEN NEW.state IN ('legality_review', 'public_participation')
BEGIN
    INSERT INTO tally_deltas (kind, key, sub, delta)
    SELECT 'due', 'review', NEW.review_requested_by, 1
    WHERE NEW.state = 'legality_review' AND NEW.review_requested_by IS NOT NULL
    UNION ALL
    SELECT 'due', 'submitted', NEW.legality_submitted_on, 1
    WHERE NEW.state = 'legality_review' AND NEW.review_requested_by IS NULL AND NEW.legality_submitted_on IS NOT NULL
    UNION ALL
    SELECT 'due', 'closes', closes_on, 1 FROM comment_periods
    WHERE decision_id = NEW.id AND NEW.state = 'public_participation';
END;
CREATE TRIGGER decisions_tally_due_delete AFTER DELETE ON decisions
WHEN OLD.state IN ('legality_review', 'public_participation')
BEGIN
    INSERT INTO tally_deltas (kind, key, sub, delta)
    SELECT 'due', 'review', OLD.review_requested_by, -1
    WHERE OLD.state = 'legality_review' AND OLD.review_requested_by IS NOT NULL
    UNION ALL
    SELECT 'due', 'submitted', OLD.legality_submitted_on, -1
    WHERE OLD.state = 'legality_review' AND OLD.review_requested_by IS NULL AND OLD.legality_submitted_on IS NOT NULL
    UNION ALL
    SELECT 'due', 'closes', closes_on, -1 FROM comment_periods
    WHERE decision_id = OLD.id AND OLD.state = 'public_participation';
END;
-- Called only for a row in, or moving into or out of, legality_review or
-- public_participation, or a change of the review's dates in
-- legality_review: every other transition and update calls nothing.
CREATE TRIGGER decisions_tally_due_update AFTER UPDATE OF state, review_requested_by, legality_submitted_on ON decisions
WHEN (OLD.state <> NEW.state
      AND (OLD.state IN ('legality_review', 'public_participation')
           OR NEW.state IN ('legality_review', 'public_participation')))
  OR (NEW.state = 'legality_review'
      AND (OLD.review_requested_by IS NOT NEW.review_requested_by
           OR OLD.legality_submitted_on IS NOT NEW.legality_submitted_on))
BEGIN
    INSERT INTO tally_deltas (kind, key, sub, delta)
    SELECT 'due', 'review', OLD.review_requested_by, -1
    WHERE OLD.state = 'legality_review' AND OLD.review_requested_by IS NOT NULL
    UNION ALL
    SELECT 'due', 'submitted', OLD.legality_submitted_on, -1
    WHERE OLD.state = 'legality_review' AND OLD.review_requested_by IS NULL AND OLD.legality_submitted_on IS NOT NULL
    UNION ALL
    SELECT 'due', 'closes', closes_on, -1 FROM comment_periods
    WHERE decision_id = OLD.id AND OLD.state = 'public_participation'
    UNION ALL
    SELECT 'due', 'review', NEW.review_requested_by, 1
    WHERE NEW.state = 'legality_review' AND NEW.review_requested_by IS NOT NULL
    UNION ALL
    SELECT 'due', 'submitted', NEW.legality_submitted_on, 1
    WHERE NEW.state = 'legality_review' AND NEW.review_requested_by IS NULL AND NEW.legality_submitted_on IS NOT NULL
    UNION ALL
    SELECT 'due', 'closes', closes_on, 1 FROM comment_periods
    WHERE decision_id = NEW.id AND NEW.state = 'public_participation';
END;

-- Comment periods: the closing day counts while the decision is in
-- public_participation; whichever of the two rows is written second adds
-- the count, whichever goes first removes it.
CREATE TRIGGER comment_periods_tally_due_insert AFTER INSERT ON comment_periods
BEGIN
    INSERT INTO tally_deltas (kind, key, sub, delta)
    SELECT 'due', 'closes', NEW.closes_on, 1 FROM decisions
    WHERE id = NEW.decision_id AND state = 'public_participation';
END;
CREATE TRIGGER comment_periods_tally_due_delete AFTER DELETE ON comment_periods
BEGIN
    INSERT INTO tally_deltas (kind, key, sub, delta)
    SELECT 'due', 'closes', OLD.closes_on, -1 FROM decisions
    WHERE id = OLD.decision_id AND state = 'public_participation';
END;
CREATE TRIGGER comment_periods_tally_due_update AFTER UPDATE OF closes_on, decision_id ON comment_periods
WHEN OLD.closes_on IS NOT NEW.closes_on OR OLD.decision_id IS NOT NEW.decision_id
BEGIN
    INSERT INTO tally_deltas (kind, key, sub, delta)
    SELECT 'due', 'closes', OLD.closes_on, -1 FROM decisions
    WHERE id = OLD.decision_id AND state = 'public_participation'
    UNION ALL
    SELECT 'due', 'closes', NEW.closes_on, 1 FROM decisions
    WHERE id = NEW.decision_id AND state = 'public_participation';
END;

-- The dates are cast to TEXT: a bare DATE column in a member would give
-- the view's sub column that declared type, and the driver would read
-- every sub, the stays' tenths too, as a time.
CREATE VIEW tally_recount AS
SELECT 'state' AS kind, state AS key, coalesce(outcome, '') AS sub, count(*) AS n
FROM decisions GROUP BY state, coalesce(outcome, '')
UNION ALL
SELECT 'unit', undertaking_unit, '', count(*) FROM decisions GROUP BY undertaking_unit
UNION ALL
SELECT 'stay', state, CAST(CASE WHEN x >= 0 THEN x / 8640000 ELSE -((8639999 - x) / 8640000) END AS TEXT), count(*)
FROM (SELECT lag(to_state) OVER w AS state,
             CAST(round((julianday(at) - julianday(lag(at) OVER w)) * 86400000) AS INTEGER) + 4320000 AS x
      FROM journal WHERE kind = 'transition'
      WINDOW w AS (PARTITION BY decision_id ORDER BY seq))
WHERE state IS NOT NULL AND x IS NOT NULL
GROUP BY 2, 3
UNION ALL
SELECT 'due', 'review', CAST(review_requested_by AS TEXT), count(*) FROM decisions
WHERE state = 'legality_review' AND review_requested_by IS NOT NULL
GROUP BY review_requested_by
UNION ALL
SELECT 'due', 'submitted', CAST(legality_submitted_on AS TEXT), count(*) FROM decisions
WHERE state = 'legality_review' AND review_requested_by IS NULL AND legality_submitted_on IS NOT NULL
GROUP BY legality_submitted_on
UNION ALL
SELECT 'due', 'closes', CAST(cp.closes_on AS TEXT), count(*) FROM decisions d JOIN comment_periods cp ON cp.decision_id = d.id
WHERE d.state = 'public_participation'
GROUP BY cp.closes_on;

-- The backfill: the view's due members. SQLite does not push the filter
-- on kind into the view's members, so reading tally_recount here would
-- recount every stay from the journal only to drop them.
INSERT INTO tallies (kind, key, sub, n)
SELECT 'due', 'review', CAST(review_requested_by AS TEXT), count(*) FROM decisions
WHERE state = 'legality_review' AND review_requested_by IS NOT NULL
GROUP BY review_requested_by
UNION ALL
SELECT 'due', 'submitted', CAST(legality_submitted_on AS TEXT), count(*) FROM decisions
WHERE state = 'legality_review' AND review_requested_by IS NULL AND legality_submitted_on IS NOT NULL
GROUP BY legality_submitted_on
UNION ALL
SELECT 'due', 'closes', CAST(cp.closes_on AS TEXT), count(*) FROM decisions d JOIN comment_periods cp ON cp.decision_id = d.id
WHERE d.state = 'public_participation'
GROUP BY cp.closes_on;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP VIEW tally_recount;
DROP TRIGGER comment_periods_tally_due_update;
DROP TRIGGER comment_periods_tally_due_delete;
DROP TRIGGER comment_periods_tally_due_insert;
DROP TRIGGER decisions_tally_due_update;
DROP TRIGGER decisions_tally_due_delete;
DROP TRIGGER decisions_tally_due_insert;
DELETE FROM tally_deltas WHERE kind = 'due';
CREATE TABLE tallies_old (
    kind TEXT NOT NULL CHECK (kind IN ('state', 'unit', 'stay')),
    key  TEXT NOT NULL,
    sub  TEXT NOT NULL,
    n    INTEGER NOT NULL,
    PRIMARY KEY (kind, key, sub)
) WITHOUT ROWID;
INSERT INTO tallies_old (kind, key, sub, n) SELECT kind, key, sub, n FROM tallies WHERE kind <> 'due';
DROP TABLE tallies;
ALTER TABLE tallies_old RENAME TO tallies;
CREATE VIEW tally_recount AS
SELECT 'state' AS kind, state AS key, coalesce(outcome, '') AS sub, count(*) AS n
FROM decisions GROUP BY state, coalesce(outcome, '')
UNION ALL
SELECT 'unit', undertaking_unit, '', count(*) FROM decisions GROUP BY undertaking_unit
UNION ALL
SELECT 'stay', state, CAST(CASE WHEN x >= 0 THEN x / 8640000 ELSE -((8639999 - x) / 8640000) END AS TEXT), count(*)
FROM (SELECT lag(to_state) OVER w AS state,
             CAST(round((julianday(at) - julianday(lag(at) OVER w)) * 86400000) AS INTEGER) + 4320000 AS x
      FROM journal WHERE kind = 'transition'
      WINDOW w AS (PARTITION BY decision_id ORDER BY seq))
WHERE state IS NOT NULL AND x IS NOT NULL
GROUP BY 2, 3;
-- +goose StatementEnd
