-- +goose Up
-- +goose StatementBegin
-- The yearly catalog of major decisions (Art 3 ¶3), its entries, and its
-- own hash chain per year; hearings of public participation (Arts 16-17).
CREATE TABLE catalogs (
    year              integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    state             text NOT NULL CHECK (state IN ('draft', 'approved', 'published')),
    party_approved_on date,
    published_on      date,
    url               text NOT NULL DEFAULT '',
    version           bigint NOT NULL DEFAULT 0,
    updated_at        timestamptz NOT NULL
);

CREATE TABLE catalog_entries (
    id               bigserial PRIMARY KEY,
    year             integer NOT NULL REFERENCES catalogs (year),
    title            text NOT NULL,
    category         text NOT NULL CHECK (category IN ('public_policy', 'plan', 'resources', 'construction_project', 'other')),
    undertaking_unit text NOT NULL,
    planned_quarter  integer CHECK (planned_quarter BETWEEN 1 AND 4),
    reason           text NOT NULL DEFAULT '',
    removed          boolean NOT NULL DEFAULT false,
    removal_reason   text NOT NULL DEFAULT ''
);
CREATE INDEX catalog_entries_year_idx ON catalog_entries (year, id);

CREATE TABLE catalog_journal (
    year        integer NOT NULL REFERENCES catalogs (year),
    seq         bigint NOT NULL CHECK (seq >= 1),
    kind        text NOT NULL CHECK (kind IN ('transition', 'record')),
    name        text NOT NULL,
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    actor       text NOT NULL,
    role        text NOT NULL,
    at          timestamptz NOT NULL,
    data        jsonb NOT NULL,
    prev_hash   text NOT NULL CHECK (length(prev_hash) = 64),
    hash        text NOT NULL CHECK (length(hash) = 64),
    PRIMARY KEY (year, seq)
);
CREATE TRIGGER catalog_journal_append_only BEFORE UPDATE OR DELETE ON catalog_journal
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER catalog_journal_no_truncate BEFORE TRUNCATE ON catalog_journal
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();

CREATE TABLE hearings (
    id                        bigserial PRIMARY KEY,
    decision_id               bigint NOT NULL REFERENCES decisions (id),
    announced_on              date NOT NULL,
    participants_published_on date,
    materials_sent_on         date NOT NULL,
    held_on                   date NOT NULL,
    location                  text NOT NULL,
    participants              jsonb NOT NULL,
    transcript                text NOT NULL,
    record_signed             boolean NOT NULL,
    report                    text NOT NULL,
    recorded_by               text NOT NULL,
    created_at                timestamptz NOT NULL
);
CREATE INDEX hearings_decision_idx ON hearings (decision_id, id DESC);
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE hearings, catalog_journal, catalog_entries, catalogs;
-- +goose StatementEnd
