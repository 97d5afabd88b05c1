-- The working-day calendar: exceptions to "Monday to Friday are working
-- days". A holiday is a day off (法定节假日); a workday is a weekend day worked
-- in exchange (调休上班). Seeded by tools/holidaygen from the State Council's
-- yearly notices (data of github.com/6tail/lunar-go); the admin edits it.

-- +goose Up
CREATE TABLE calendar_days (
    day        DATE PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- SEED --
-- When each decision was last submitted to legality review (Art 26 counts
-- the review's 7 working days from there).
ALTER TABLE decisions ADD COLUMN legality_submitted_on DATE;
UPDATE decisions SET legality_submitted_on = (
    SELECT date(max(j.at), '+8 hours') FROM journal j
    WHERE j.decision_id = decisions.id AND j.to_state = 'legality_review' AND j.from_state <> 'legality_review');
CREATE INDEX decisions_legality_idx ON decisions (state, legality_submitted_on);

-- +goose Down
DROP INDEX decisions_legality_idx;
ALTER TABLE decisions DROP COLUMN legality_submitted_on;
DROP TABLE calendar_days;
