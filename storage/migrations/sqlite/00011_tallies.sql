-- +goose Up
-- Statistics kept on write: see the PostgreSQL migration and docs/design.md
-- "Statistics: tallies kept on write". SQLite has one writer at a time, so
-- nothing here contends; the tables and the read are the same as there.
--
-- A later migration that rebuilds decisions or journal (SQLite's twelve-step
-- procedure) must drop the view tally_recount first (a RENAME fails on a
-- view naming a dropped table) and recreate it and the table's triggers
-- below afterwards (DROP TABLE drops a table's triggers).
-- +goose StatementBegin
CREATE TABLE tallies (
    kind TEXT NOT NULL CHECK (kind IN ('state', 'unit', 'stay')),
    key  TEXT NOT NULL,
    sub  TEXT NOT NULL,
    n    INTEGER NOT NULL,
    PRIMARY KEY (kind, key, sub)
) WITHOUT ROWID;

CREATE TABLE tally_deltas (
    id    INTEGER PRIMARY KEY,
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    sub   TEXT NOT NULL,
    delta INTEGER NOT NULL
);

CREATE TRIGGER decisions_tally_insert AFTER INSERT ON decisions
BEGIN
    INSERT INTO tally_deltas (kind, key, sub, delta) VALUES
        ('state', NEW.state, coalesce(NEW.outcome, ''), 1),
        ('unit', NEW.undertaking_unit, '', 1);
END;
CREATE TRIGGER decisions_tally_delete AFTER DELETE ON decisions
BEGIN
    INSERT INTO tally_deltas (kind, key, sub, delta) VALUES
        ('state', OLD.state, coalesce(OLD.outcome, ''), -1),
        ('unit', OLD.undertaking_unit, '', -1);
END;
CREATE TRIGGER decisions_tally_state AFTER UPDATE OF state, outcome ON decisions
WHEN OLD.state IS NOT NEW.state OR OLD.outcome IS NOT NEW.outcome
BEGIN
    INSERT INTO tally_deltas (kind, key, sub, delta) VALUES
        ('state', OLD.state, coalesce(OLD.outcome, ''), -1),
        ('state', NEW.state, coalesce(NEW.outcome, ''), 1);
END;
CREATE TRIGGER decisions_tally_unit AFTER UPDATE OF undertaking_unit ON decisions
WHEN OLD.undertaking_unit IS NOT NEW.undertaking_unit
BEGIN
    INSERT INTO tally_deltas (kind, key, sub, delta) VALUES
        ('unit', OLD.undertaking_unit, '', -1),
        ('unit', NEW.undertaking_unit, '', 1);
END;

-- A stay's bucket is its length in tenths of a day rounded to nearest,
-- halves up, as on PostgreSQL: x is the length in milliseconds (SQLite's
-- date functions keep milliseconds) plus half a tenth (4,320,000 ms), and
-- the bucket is x divided by a tenth (8,640,000 ms), rounded down. SQLite
-- has no functions of its own, so this expression is written twice: here
-- and in tally_recount below.
CREATE TRIGGER journal_tally AFTER INSERT ON journal WHEN NEW.kind = 'transition'
BEGIN
    INSERT INTO tally_deltas (kind, key, sub, delta)
    SELECT 'stay', to_state, CAST(CASE WHEN x >= 0 THEN x / 8640000 ELSE -((8639999 - x) / 8640000) END AS TEXT), 1
    FROM (SELECT to_state, CAST(round((julianday(NEW.at) - julianday(at)) * 86400000) AS INTEGER) + 4320000 AS x
          FROM journal
          WHERE decision_id = NEW.decision_id AND seq < NEW.seq AND kind = 'transition'
          ORDER BY seq DESC LIMIT 1)
    WHERE x IS NOT NULL;
END;

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

INSERT INTO tallies (kind, key, sub, n) SELECT kind, key, sub, n FROM tally_recount;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP VIEW tally_recount;
DROP TRIGGER journal_tally;
DROP TRIGGER decisions_tally_unit;
DROP TRIGGER decisions_tally_state;
DROP TRIGGER decisions_tally_delete;
DROP TRIGGER decisions_tally_insert;
DROP TABLE tally_deltas;
DROP TABLE tallies;
-- +goose StatementEnd
