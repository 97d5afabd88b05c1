-- +goose Up
-- The whole life of a decision (lifecycle.md): the states before the five
-- procedures (a proposal) and after the decision (suspension, evaluation,
-- the end of execution, stopping, adjustment), and what a decision keeps of
-- them: how it started, its adjustment chain, its outcome once archived,
-- whether the law excludes it from publication, its execution unit, and the
-- state and conclusion of its post-evaluation.
ALTER TABLE decisions DROP CONSTRAINT decisions_state_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_state_check CHECK (state IN (
    'proposed', 'declined', 'drafting', 'public_participation', 'expert_review', 'risk_assessment',
    'legality_review', 'revising', 'collective_decision', 'deferred', 'approved', 'published',
    'suspended', 'evaluating', 'executed', 'stopped', 'adjusted', 'archived', 'rejected', 'withdrawn'));
ALTER TABLE decisions ADD COLUMN catalog_entry_id bigint;
ALTER TABLE decisions ADD COLUMN source text CHECK (source IN ('leadership', 'department', 'deputies', 'public'));
ALTER TABLE decisions ADD COLUMN proposal text;
ALTER TABLE decisions ADD COLUMN supersedes bigint REFERENCES decisions (id);
ALTER TABLE decisions ADD COLUMN superseded_by bigint REFERENCES decisions (id);
ALTER TABLE decisions ADD COLUMN outcome text CHECK (outcome IN ('executed', 'rejected', 'withdrawn', 'declined', 'stopped', 'adjusted'));
ALTER TABLE decisions ADD COLUMN not_disclosed boolean NOT NULL DEFAULT false;
ALTER TABLE decisions ADD COLUMN execution_unit text NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN evaluated_from text NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN evaluation_conclusion text NOT NULL DEFAULT '';
CREATE INDEX decisions_supersedes_idx ON decisions (supersedes) WHERE supersedes IS NOT NULL;

-- +goose Down
DROP INDEX decisions_supersedes_idx;
ALTER TABLE decisions DROP COLUMN evaluation_conclusion;
ALTER TABLE decisions DROP COLUMN evaluated_from;
ALTER TABLE decisions DROP COLUMN execution_unit;
ALTER TABLE decisions DROP COLUMN not_disclosed;
ALTER TABLE decisions DROP COLUMN outcome;
ALTER TABLE decisions DROP COLUMN superseded_by;
ALTER TABLE decisions DROP COLUMN supersedes;
ALTER TABLE decisions DROP COLUMN proposal;
ALTER TABLE decisions DROP COLUMN source;
ALTER TABLE decisions DROP COLUMN catalog_entry_id;
ALTER TABLE decisions DROP CONSTRAINT decisions_state_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_state_check CHECK (state IN ('drafting', 'public_participation',
    'expert_review', 'risk_assessment', 'legality_review', 'revising', 'collective_decision', 'deferred',
    'approved', 'published', 'archived', 'rejected', 'withdrawn'));
