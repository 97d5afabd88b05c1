-- +goose Up
-- The day each decision entered its current state (a meeting is not held
-- before the matter was put to it), the date the legality opinion is wanted
-- by (Art 26, set by whoever sends the draft), and the draft version each
-- comment was made on (the text under consultation).
ALTER TABLE decisions ADD COLUMN state_entered_on DATE;
ALTER TABLE decisions ADD COLUMN review_requested_by DATE;
UPDATE decisions SET state_entered_on = (
    SELECT date(max(j.at), '+8 hours') FROM journal j
    WHERE j.decision_id = decisions.id AND j.kind = 'transition');
CREATE INDEX decisions_review_idx ON decisions (state, review_requested_by);
ALTER TABLE comments ADD COLUMN draft_version INTEGER;

-- +goose Down
ALTER TABLE comments DROP COLUMN draft_version;
DROP INDEX decisions_review_idx;
ALTER TABLE decisions DROP COLUMN review_requested_by;
ALTER TABLE decisions DROP COLUMN state_entered_on;
