-- +goose Up
-- +goose StatementBegin
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('staff', 'legal_advisor', 'head', 'admin')),
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE decisions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    title            TEXT NOT NULL,
    summary          TEXT NOT NULL,
    category         TEXT NOT NULL CHECK (category IN ('public_policy', 'plan', 'resources', 'construction_project', 'other')),
    undertaking_unit TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('drafting', 'public_participation', 'expert_review',
                         'risk_assessment', 'legality_review', 'revising', 'collective_decision', 'deferred',
                         'approved', 'published', 'archived', 'rejected', 'withdrawn')),
    version          INTEGER NOT NULL CHECK (version >= 1),
    policy           TEXT NOT NULL CHECK (policy IN ('all-five', 'statutory')),
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    decided_on       DATE
);
CREATE INDEX decisions_state_id_idx ON decisions (state, id DESC);
CREATE INDEX decisions_unit_id_idx ON decisions (undertaking_unit, id DESC);

CREATE TABLE drafts (
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    version     INTEGER NOT NULL CHECK (version >= 1),
    text        TEXT NOT NULL,
    legal_bases TEXT NOT NULL CHECK (json_valid(legal_bases)),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (decision_id, version)
);

CREATE TABLE comment_periods (
    decision_id       INTEGER PRIMARY KEY REFERENCES decisions (id),
    opens_on          DATE NOT NULL,
    closes_on         DATE NOT NULL,
    channels          TEXT NOT NULL CHECK (json_valid(channels)),
    shortening_reason TEXT NOT NULL,
    CHECK (closes_on >= opens_on)
);
CREATE INDEX comment_periods_window_idx ON comment_periods (opens_on, closes_on);

CREATE TABLE comments (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id        INTEGER NOT NULL REFERENCES decisions (id),
    source             TEXT NOT NULL CHECK (source IN ('public', 'staff')),
    channel            TEXT NOT NULL CHECK (channel IN ('website', 'letter', 'symposium', 'hearing', 'survey', 'visit', 'other')),
    author_name        TEXT NOT NULL,
    contact            TEXT NOT NULL,
    content            TEXT NOT NULL,
    disposition        TEXT CHECK (disposition IN ('adopted', 'partially_adopted', 'not_adopted', 'duplicate')),
    disposition_reason TEXT NOT NULL DEFAULT '',
    recorded_by        TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL
);
CREATE INDEX comments_decision_idx ON comments (decision_id, id DESC);

CREATE TABLE expert_opinions (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id          INTEGER NOT NULL REFERENCES decisions (id),
    expert_name          TEXT NOT NULL,
    institution          TEXT NOT NULL,
    opinion              TEXT NOT NULL,
    signed               BOOLEAN NOT NULL CHECK (signed),
    conflict_of_interest BOOLEAN NOT NULL CHECK (NOT conflict_of_interest),
    recorded_by          TEXT NOT NULL,
    created_at           TIMESTAMP NOT NULL
);
CREATE INDEX expert_opinions_decision_idx ON expert_opinions (decision_id, id DESC);

CREATE TABLE journal (
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    kind        TEXT NOT NULL CHECK (kind IN ('transition', 'record')),
    name        TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('staff', 'legal_advisor', 'head', 'admin', 'public')),
    at          TIMESTAMP NOT NULL,
    data        TEXT NOT NULL CHECK (json_valid(data)),
    prev_hash   TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash        TEXT NOT NULL CHECK (length(hash) = 64),
    PRIMARY KEY (decision_id, seq)
) WITHOUT ROWID;

-- The journal is append-only here too.
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: DELETE is not allowed');
END;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE journal;
DROP TABLE expert_opinions;
DROP TABLE comments;
DROP TABLE comment_periods;
DROP TABLE drafts;
DROP TABLE decisions;
DROP TABLE api_tokens;
DROP TABLE users;
-- +goose StatementEnd
