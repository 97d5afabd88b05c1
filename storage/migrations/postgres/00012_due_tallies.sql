-- +goose Up
-- The overdue count kept on write (docs/design.md "Tallies kept on write"):
-- tally kind 'due' counts the open deadlines by which deadline and its
-- date, exactly the decisions and dates the due filter of the decision list
-- looks at (storage.decisionWhere):
--   'review'    review_requested_by     in legality_review with it set;
--   'submitted' legality_submitted_on   in legality_review without it (a
--               review sent before the date was recorded: 7 working days
--               from submission);
--   'closes'    comment_periods.closes_on  in public_participation with a
--               comment period.
-- The date is the sub, as YYYY-MM-DD. Engine.OverdueCount sums the dates
-- before its bounds.
-- +goose StatementBegin
ALTER TABLE tallies DROP CONSTRAINT tallies_kind_check,
    ADD CONSTRAINT tallies_kind_check CHECK (kind IN ('state', 'unit', 'stay', 'due'));

-- A decision's due tally: the deadline and its date, or NULLs when it has
-- none. closes is its comment period's closing day (NULL without one).
CREATE FUNCTION tally_due(state text, review date, submitted date, closes date,
                          OUT key text, OUT sub text)
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT k, to_char(CASE k WHEN 'review' THEN review WHEN 'submitted' THEN submitted
                                   WHEN 'closes' THEN closes END, 'YYYY-MM-DD')
          FROM (SELECT CASE
              WHEN state = 'legality_review' AND review IS NOT NULL THEN 'review'
              WHEN state = 'legality_review' AND submitted IS NOT NULL THEN 'submitted'
              WHEN state = 'public_participation' AND closes IS NOT NULL THEN 'closes'
          END AS k) s $$;

-- Decisions: tally_decision (00011) also adds -1 for the old row's deadline
-- and +1 for the new one's when they differ. It is the same trigger, not a
-- new one: every transition calls tally_decision already, and the extra
-- test there (is either state one with a deadline?) costs next to nothing,
-- where a second trigger's WHEN, compiled for every UPDATE statement, cost
-- about 10 us per update of decisions. The update trigger's WHEN adds the
-- one case with no change of state: the review's dates changing in
-- legality_review (the engine sets them on entering it; this is for edits
-- by hand).
CREATE OR REPLACE FUNCTION tally_decision() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    closes date;
    old_key text;
    old_sub text;
    new_key text;
    new_sub text;
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
    -- The deadlines: only a row in legality_review or public_participation
    -- before or after has one; for every other row this one test is all.
    IF (TG_OP <> 'INSERT' AND OLD.state IN ('legality_review', 'public_participation'))
       OR (TG_OP <> 'DELETE' AND NEW.state IN ('legality_review', 'public_participation')) THEN
        IF TG_OP <> 'INSERT' AND OLD.state IN ('legality_review', 'public_participation') THEN
            IF OLD.state = 'public_participation' THEN
                SELECT closes_on INTO closes FROM comment_periods WHERE decision_id = OLD.id;
            END IF;
            SELECT key, sub INTO old_key, old_sub
            FROM tally_due(OLD.state, OLD.review_requested_by, OLD.legality_submitted_on, closes);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.state IN ('legality_review', 'public_participation') THEN
            IF NEW.state = 'public_participation' THEN
                SELECT closes_on INTO closes FROM comment_periods WHERE decision_id = NEW.id;
            END IF;
            SELECT key, sub INTO new_key, new_sub
            FROM tally_due(NEW.state, NEW.review_requested_by, NEW.legality_submitted_on, closes);
        END IF;
        IF old_key IS DISTINCT FROM new_key OR old_sub IS DISTINCT FROM new_sub THEN
            IF old_key IS NOT NULL THEN
                INSERT INTO tally_deltas (kind, key, sub, delta) VALUES ('due', old_key, old_sub, -1);
            END IF;
            IF new_key IS NOT NULL THEN
                INSERT INTO tally_deltas (kind, key, sub, delta) VALUES ('due', new_key, new_sub, 1);
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
DROP TRIGGER decisions_tally_update ON decisions;
CREATE TRIGGER decisions_tally_update AFTER UPDATE ON decisions
    FOR EACH ROW WHEN (OLD.state <> NEW.state OR OLD.outcome IS DISTINCT FROM NEW.outcome
                       OR OLD.undertaking_unit <> NEW.undertaking_unit
                       OR (NEW.state = 'legality_review'
                           AND (OLD.review_requested_by IS DISTINCT FROM NEW.review_requested_by
                                OR OLD.legality_submitted_on IS DISTINCT FROM NEW.legality_submitted_on)))
    EXECUTE FUNCTION tally_decision();

-- Comment periods: the closing day counts while the decision is in
-- public_participation. Each side reads the other (the decision here, the
-- period in tally_decision), so whichever of the two rows is written
-- second adds the count and whichever goes first removes it, in either
-- order. The engine writes a period under its decision's row lock, so a
-- transition of that decision never runs beside it.
CREATE FUNCTION tally_period_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO tally_deltas (kind, key, sub, delta)
        SELECT 'due', 'closes', to_char(OLD.closes_on, 'YYYY-MM-DD'), -1
        FROM decisions WHERE id = OLD.decision_id AND state = 'public_participation';
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO tally_deltas (kind, key, sub, delta)
        SELECT 'due', 'closes', to_char(NEW.closes_on, 'YYYY-MM-DD'), 1
        FROM decisions WHERE id = NEW.decision_id AND state = 'public_participation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER comment_periods_tally_due AFTER INSERT OR DELETE ON comment_periods
    FOR EACH ROW EXECUTE FUNCTION tally_period_due();
CREATE TRIGGER comment_periods_tally_due_update AFTER UPDATE ON comment_periods
    FOR EACH ROW WHEN (OLD.closes_on IS DISTINCT FROM NEW.closes_on OR OLD.decision_id <> NEW.decision_id)
    EXECUTE FUNCTION tally_period_due();

-- The recount, with the due tallies.
CREATE OR REPLACE VIEW tally_recount AS
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
GROUP BY state, bucket
UNION ALL
SELECT 'due', (t).key, (t).sub, count(*)
FROM (SELECT tally_due(d.state, d.review_requested_by, d.legality_submitted_on, cp.closes_on) AS t
      FROM decisions d LEFT JOIN comment_periods cp ON cp.decision_id = d.id
      WHERE d.state IN ('legality_review', 'public_participation')) s
WHERE (t).key IS NOT NULL
GROUP BY 2, 3;

-- The triggers exist before the backfill reads, and their locks keep every
-- writer of decisions and comment_periods out until this commits. The
-- filter on kind leaves the view's other members unread (the planner
-- makes them a false one-time filter).
INSERT INTO tallies (kind, key, sub, n) SELECT kind, key, sub, n FROM tally_recount WHERE kind = 'due';
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TRIGGER comment_periods_tally_due_update ON comment_periods;
DROP TRIGGER comment_periods_tally_due ON comment_periods;
DROP TRIGGER decisions_tally_update ON decisions;
CREATE OR REPLACE FUNCTION tally_decision() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER decisions_tally_update AFTER UPDATE ON decisions
    FOR EACH ROW WHEN (OLD.state <> NEW.state OR OLD.outcome IS DISTINCT FROM NEW.outcome
                       OR OLD.undertaking_unit <> NEW.undertaking_unit)
    EXECUTE FUNCTION tally_decision();
DROP VIEW tally_recount;
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
DROP FUNCTION tally_period_due();
DROP FUNCTION tally_due(text, date, date, date);
DELETE FROM tally_deltas WHERE kind = 'due';
DELETE FROM tallies WHERE kind = 'due';
ALTER TABLE tallies DROP CONSTRAINT tallies_kind_check,
    ADD CONSTRAINT tallies_kind_check CHECK (kind IN ('state', 'unit', 'stay'));
-- +goose StatementEnd
