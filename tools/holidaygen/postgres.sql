-- The working-day calendar: exceptions to "Monday to Friday are working
-- days". A holiday is a day off (法定节假日); a workday is a weekend day worked
-- in exchange (调休上班). Seeded by tools/holidaygen from the State Council's
-- yearly notices (data of github.com/6tail/lunar-go); the admin edits it.

-- +goose Up
CREATE TABLE calendar_days (
    day        date PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       text NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- SEED --
-- When each decision was last submitted to legality review (Art 26 counts
-- the review's 7 working days from there).
ALTER TABLE decisions ADD COLUMN legality_submitted_on date;
UPDATE decisions d SET legality_submitted_on = (
    SELECT (max(j.at) AT TIME ZONE 'Asia/Shanghai')::date FROM journal j
    WHERE j.decision_id = d.id AND j.to_state = 'legality_review' AND j.from_state <> 'legality_review');
CREATE INDEX decisions_legality_idx ON decisions (state, legality_submitted_on);

-- +goose Down
DROP INDEX decisions_legality_idx;
ALTER TABLE decisions DROP COLUMN legality_submitted_on;
DROP TABLE calendar_days;
