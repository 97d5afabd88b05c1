-- +goose Up
-- The overdue list: the decisions in the two states with a deadline, newest
-- first, so that a page of them is read in id order and stops after the
-- page, instead of gathering and sorting every overdue row (docs/performance.md).
CREATE INDEX decisions_open_deadline_idx ON decisions (id DESC)
    WHERE state IN ('legality_review', 'public_participation');

-- +goose Down
DROP INDEX decisions_open_deadline_idx;
