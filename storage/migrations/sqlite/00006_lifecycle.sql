-- +goose NO TRANSACTION
-- +goose Up
-- The whole life of a decision (lifecycle.md): see the PostgreSQL migration.
-- SQLite changes a CHECK only by rebuilding the table (its documented
-- twelve-step procedure): with foreign keys off, in one transaction, a new
-- table is filled, the old one dropped and the new one renamed; the rows that
-- reference decisions keep their ids. It runs outside goose's transaction
-- because foreign_keys cannot change inside one, and as one statement block
-- so that all of it runs on one connection.
-- +goose StatementBegin
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE decisions_new (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    title                 TEXT NOT NULL,
    summary               TEXT NOT NULL,
    category              TEXT NOT NULL CHECK (category IN ('public_policy', 'plan', 'resources', 'construction_project', 'other')),
    undertaking_unit      TEXT NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN (
                              'proposed', 'declined', 'drafting', 'public_participation', 'expert_review', 'risk_assessment',
                              'legality_review', 'revising', 'collective_decision', 'deferred', 'approved', 'published',
                              'suspended', 'evaluating', 'executed', 'stopped', 'adjusted', 'archived', 'rejected', 'withdrawn')),
    version               INTEGER NOT NULL CHECK (version >= 1),
    policy                TEXT NOT NULL CHECK (policy IN ('all-five', 'statutory')),
    created_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    decided_on            DATE,
    legality_submitted_on DATE,
    state_entered_on      DATE,
    review_requested_by   DATE,
    catalog_entry_id      INTEGER,
    source                TEXT CHECK (source IN ('leadership', 'department', 'deputies', 'public')),
    proposal              TEXT,
    supersedes            INTEGER REFERENCES decisions (id),
    superseded_by         INTEGER REFERENCES decisions (id),
    outcome               TEXT CHECK (outcome IN ('executed', 'rejected', 'withdrawn', 'declined', 'stopped', 'adjusted')),
    not_disclosed         BOOLEAN NOT NULL DEFAULT 0,
    execution_unit        TEXT NOT NULL DEFAULT '',
    evaluated_from        TEXT NOT NULL DEFAULT '',
    evaluation_conclusion TEXT NOT NULL DEFAULT ''
);
INSERT INTO decisions_new (id, title, summary, category, undertaking_unit, state, version, policy, created_by,
    created_at, updated_at, decided_on, legality_submitted_on, state_entered_on, review_requested_by)
SELECT id, title, summary, category, undertaking_unit, state, version, policy, created_by,
    created_at, updated_at, decided_on, legality_submitted_on, state_entered_on, review_requested_by
FROM decisions;
DROP TABLE decisions;
ALTER TABLE decisions_new RENAME TO decisions;
CREATE INDEX decisions_state_id_idx ON decisions (state, id DESC);
CREATE INDEX decisions_unit_id_idx ON decisions (undertaking_unit, id DESC);
CREATE INDEX decisions_legality_idx ON decisions (state, legality_submitted_on);
CREATE INDEX decisions_review_idx ON decisions (state, review_requested_by);
CREATE INDEX decisions_supersedes_idx ON decisions (supersedes) WHERE supersedes IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE decisions_old (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    title                 TEXT NOT NULL,
    summary               TEXT NOT NULL,
    category              TEXT NOT NULL CHECK (category IN ('public_policy', 'plan', 'resources', 'construction_project', 'other')),
    undertaking_unit      TEXT NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN ('drafting', 'public_participation', 'expert_review',
                              'risk_assessment', 'legality_review', 'revising', 'collective_decision', 'deferred',
                              'approved', 'published', 'archived', 'rejected', 'withdrawn')),
    version               INTEGER NOT NULL CHECK (version >= 1),
    policy                TEXT NOT NULL CHECK (policy IN ('all-five', 'statutory')),
    created_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    decided_on            DATE,
    legality_submitted_on DATE,
    state_entered_on      DATE,
    review_requested_by   DATE
);
INSERT INTO decisions_old SELECT id, title, summary, category, undertaking_unit, state, version, policy, created_by,
    created_at, updated_at, decided_on, legality_submitted_on, state_entered_on, review_requested_by FROM decisions;
DROP TABLE decisions;
ALTER TABLE decisions_old RENAME TO decisions;
CREATE INDEX decisions_state_id_idx ON decisions (state, id DESC);
CREATE INDEX decisions_unit_id_idx ON decisions (undertaking_unit, id DESC);
CREATE INDEX decisions_legality_idx ON decisions (state, legality_submitted_on);
CREATE INDEX decisions_review_idx ON decisions (state, review_requested_by);
COMMIT;
PRAGMA foreign_keys = ON;
-- +goose StatementEnd
