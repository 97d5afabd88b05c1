-- +goose Up
-- Statistics kept on write (docs/design.md "Statistics: tallies kept on
-- write"). tallies holds counts: decisions per (state, outcome) and per
-- undertaking unit, and ended stays per (state left, length in tenths of a
-- day). The writers never touch it: triggers append +1/-1 rows to
-- tally_deltas in the writer's own transaction (an insert contends on no
-- row), and a fold (storage.FoldTallies) moves them into tallies. A read
-- sums both, so it is exact whether or not a fold has run.
-- +goose StatementBegin
CREATE TABLE tallies (
    kind text NOT NULL CHECK (kind IN ('state', 'unit', 'stay')),
    key  text NOT NULL,
    sub  text NOT NULL,
    n    bigint NOT NULL,
    PRIMARY KEY (kind, key, sub)
);

-- No index: the fold deletes every row it can see, and an index on a
-- growing key would be the one page every writer inserts into.
CREATE TABLE tally_deltas (
    id    bigint GENERATED ALWAYS AS IDENTITY,
    kind  text NOT NULL,
    key   text NOT NULL,
    sub   text NOT NULL,
    delta bigint NOT NULL
);

-- A stay's bucket: its length in tenths of a day, rounded to nearest
-- (halves up), from the two transitions' instants to the microsecond.
CREATE FUNCTION tally_stay_bucket(entered timestamptz, left_at timestamptz) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT floor(extract(epoch FROM left_at - entered) / 8640 + 0.5)::bigint $$;

-- Decisions: +1 on insert, -1 on delete, -1 old / +1 new on an update that
-- changes the state, the outcome or the unit (the trigger's WHEN leaves
-- every other update without a call).
CREATE FUNCTION tally_decision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO tally_deltas (kind, key, sub, delta) VALUES
            ('state', NEW.state, coalesce(NEW.outcome, ''), 1),
            ('unit', NEW.undertaking_unit, '', 1);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO tally_deltas (kind, key, sub, delta) VALUES
            ('state', OLD.state, coalesce(OLD.outcome, ''), -1),
            ('unit', OLD.undertaking_unit, '', -1);
    ELSE
        IF OLD.state <> NEW.state OR OLD.outcome IS DISTINCT FROM NEW.outcome THEN
            INSERT INTO tally_deltas (kind, key, sub, delta) VALUES
                ('state', OLD.state, coalesce(OLD.outcome, ''), -1),
                ('state', NEW.state, coalesce(NEW.outcome, ''), 1);
        END IF;
        IF OLD.undertaking_unit <> NEW.undertaking_unit THEN
            INSERT INTO tally_deltas (kind, key, sub, delta) VALUES
                ('unit', OLD.undertaking_unit, '', -1),
                ('unit', NEW.undertaking_unit, '', 1);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER decisions_tally AFTER INSERT OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION tally_decision();
CREATE TRIGGER decisions_tally_update AFTER UPDATE ON decisions
    FOR EACH ROW WHEN (OLD.state <> NEW.state OR OLD.outcome IS DISTINCT FROM NEW.outcome
                       OR OLD.undertaking_unit <> NEW.undertaking_unit)
    EXECUTE FUNCTION tally_decision();

-- The journal: a transition ends the stay begun by the decision's previous
-- transition, counted under the state it entered. The previous entries are
-- read one at a time backwards along the primary key from NEW.seq (records
-- between two transitions are skipped): "seq < x ORDER BY seq DESC LIMIT 1"
-- is an index probe whatever the statistics say. Filtering on kind in the
-- query instead let the planner, on a journal not yet analyzed, read all of
-- the decision's entries and sort them, on every transition.
CREATE FUNCTION tally_journal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prev record;
    below bigint := NEW.seq;
BEGIN
    LOOP
        SELECT seq, kind, to_state, at INTO prev FROM journal
        WHERE decision_id = NEW.decision_id AND seq < below
        ORDER BY seq DESC LIMIT 1;
        EXIT WHEN NOT FOUND;
        IF prev.kind = 'transition' THEN
            INSERT INTO tally_deltas (kind, key, sub, delta)
            VALUES ('stay', prev.to_state, tally_stay_bucket(prev.at, NEW.at)::text, 1);
            EXIT;
        END IF;
        below := prev.seq;
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER journal_tally AFTER INSERT ON journal
    FOR EACH ROW WHEN (NEW.kind = 'transition') EXECUTE FUNCTION tally_journal();

-- The tallies recounted from the tables: the backfill below, storage's
-- RebuildTallies (after a bulk load with the triggers off) and the tests.
CREATE VIEW tally_recount AS
SELECT 'state'::text AS kind, state AS key, coalesce(outcome, '') AS sub, count(*) AS n
FROM decisions GROUP BY state, coalesce(outcome, '')
UNION ALL
SELECT 'unit', undertaking_unit, '', count(*) FROM decisions GROUP BY undertaking_unit
UNION ALL
SELECT 'stay', state, bucket::text, count(*)
FROM (SELECT lag(to_state) OVER w AS state, tally_stay_bucket(lag(at) OVER w, at) AS bucket
      FROM journal WHERE kind = 'transition'
      WINDOW w AS (PARTITION BY decision_id ORDER BY seq)) s
WHERE state IS NOT NULL
GROUP BY state, bucket;

-- The triggers exist before the backfill reads, and CREATE TRIGGER's lock
-- kept every writer out since: no write is missed or counted twice.
INSERT INTO tallies (kind, key, sub, n) SELECT kind, key, sub, n FROM tally_recount;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TRIGGER journal_tally ON journal;
DROP TRIGGER decisions_tally_update ON decisions;
DROP TRIGGER decisions_tally ON decisions;
DROP VIEW tally_recount;
DROP FUNCTION tally_journal();
DROP FUNCTION tally_decision();
DROP FUNCTION tally_stay_bucket(timestamptz, timestamptz);
DROP TABLE tally_deltas, tallies;
-- +goose StatementEnd
