-- +goose Up
-- +goose StatementBegin
CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('staff', 'legal_advisor', 'head', 'admin')),
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    token_hash text PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE decisions (
    id               bigserial PRIMARY KEY,
    title            text NOT NULL,
    summary          text NOT NULL,
    category         text NOT NULL CHECK (category IN ('public_policy', 'plan', 'resources', 'construction_project', 'other')),
    undertaking_unit text NOT NULL,
    state            text NOT NULL CHECK (state IN ('drafting', 'public_participation', 'expert_review',
                         'risk_assessment', 'legality_review', 'revising', 'collective_decision', 'deferred',
                         'approved', 'published', 'archived', 'rejected', 'withdrawn')),
    version          bigint NOT NULL CHECK (version >= 1),
    policy           text NOT NULL CHECK (policy IN ('all-five', 'statutory')),
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    decided_on       date
);
-- Listing: newest first, optionally by state.
CREATE INDEX decisions_state_id_idx ON decisions (state, id DESC);
CREATE INDEX decisions_unit_id_idx ON decisions (undertaking_unit, id DESC);

CREATE TABLE drafts (
    decision_id bigint NOT NULL REFERENCES decisions (id),
    version     integer NOT NULL CHECK (version >= 1),
    text        text NOT NULL,
    legal_bases jsonb NOT NULL,
    sha256      text NOT NULL CHECK (length(sha256) = 64),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (decision_id, version)
);

CREATE TABLE comment_periods (
    decision_id       bigint PRIMARY KEY REFERENCES decisions (id),
    opens_on          date NOT NULL,
    closes_on         date NOT NULL,
    channels          jsonb NOT NULL,
    shortening_reason text NOT NULL,
    CHECK (closes_on >= opens_on)
);
CREATE INDEX comment_periods_window_idx ON comment_periods (opens_on, closes_on);

CREATE TABLE comments (
    id                 bigserial PRIMARY KEY,
    decision_id        bigint NOT NULL REFERENCES decisions (id),
    source             text NOT NULL CHECK (source IN ('public', 'staff')),
    channel            text NOT NULL CHECK (channel IN ('website', 'letter', 'symposium', 'hearing', 'survey', 'visit', 'other')),
    author_name        text NOT NULL,
    contact            text NOT NULL,
    content            text NOT NULL,
    disposition        text CHECK (disposition IN ('adopted', 'partially_adopted', 'not_adopted', 'duplicate')),
    disposition_reason text NOT NULL DEFAULT '',
    recorded_by        text NOT NULL,
    created_at         timestamptz NOT NULL
);
CREATE INDEX comments_decision_idx ON comments (decision_id, id DESC);

CREATE TABLE expert_opinions (
    id                   bigserial PRIMARY KEY,
    decision_id          bigint NOT NULL REFERENCES decisions (id),
    expert_name          text NOT NULL,
    institution          text NOT NULL,
    opinion              text NOT NULL,
    signed               boolean NOT NULL CHECK (signed),
    conflict_of_interest boolean NOT NULL CHECK (NOT conflict_of_interest),
    recorded_by          text NOT NULL,
    created_at           timestamptz NOT NULL
);
CREATE INDEX expert_opinions_decision_idx ON expert_opinions (decision_id, id DESC);

CREATE TABLE journal (
    decision_id bigint NOT NULL REFERENCES decisions (id),
    seq         bigint NOT NULL CHECK (seq >= 1),
    kind        text NOT NULL CHECK (kind IN ('transition', 'record')),
    name        text NOT NULL,
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    actor       text NOT NULL,
    role        text NOT NULL CHECK (role IN ('staff', 'legal_advisor', 'head', 'admin', 'public')),
    at          timestamptz NOT NULL,
    data        jsonb NOT NULL,
    prev_hash   text NOT NULL CHECK (length(prev_hash) = 64),
    hash        text NOT NULL CHECK (length(hash) = 64),
    PRIMARY KEY (decision_id, seq)
);

-- The journal is append-only: UPDATE, DELETE and TRUNCATE are refused.
CREATE FUNCTION journal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE journal, expert_opinions, comments, comment_periods, drafts, decisions, api_tokens, users;
DROP FUNCTION journal_refuse_change();
-- +goose StatementEnd
