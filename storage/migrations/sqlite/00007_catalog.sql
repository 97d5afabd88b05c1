-- +goose Up
-- +goose StatementBegin
-- The yearly catalog of major decisions (Art 3 ¶3), its entries, and its
-- own hash chain per year; hearings of public participation (Arts 16-17).
CREATE TABLE catalogs (
    year              INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    state             TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'published')),
    party_approved_on DATE,
    published_on      DATE,
    url               TEXT NOT NULL DEFAULT '',
    version           INTEGER NOT NULL DEFAULT 0,
    updated_at        TIMESTAMP NOT NULL
);

CREATE TABLE catalog_entries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    year             INTEGER NOT NULL REFERENCES catalogs (year),
    title            TEXT NOT NULL,
    category         TEXT NOT NULL CHECK (category IN ('public_policy', 'plan', 'resources', 'construction_project', 'other')),
    undertaking_unit TEXT NOT NULL,
    planned_quarter  INTEGER CHECK (planned_quarter BETWEEN 1 AND 4),
    reason           TEXT NOT NULL DEFAULT '',
    removed          BOOLEAN NOT NULL DEFAULT 0,
    removal_reason   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX catalog_entries_year_idx ON catalog_entries (year, id);

CREATE TABLE catalog_journal (
    year        INTEGER NOT NULL REFERENCES catalogs (year),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    kind        TEXT NOT NULL CHECK (kind IN ('transition', 'record')),
    name        TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    data        TEXT NOT NULL CHECK (json_valid(data)),
    prev_hash   TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash        TEXT NOT NULL CHECK (length(hash) = 64),
    PRIMARY KEY (year, seq)
) WITHOUT ROWID;
CREATE TRIGGER catalog_journal_no_update BEFORE UPDATE ON catalog_journal
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER catalog_journal_no_delete BEFORE DELETE ON catalog_journal
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: DELETE is not allowed');
END;

CREATE TABLE hearings (
    id                        INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id               INTEGER NOT NULL REFERENCES decisions (id),
    announced_on              DATE NOT NULL,
    participants_published_on DATE,
    materials_sent_on         DATE NOT NULL,
    held_on                   DATE NOT NULL,
    location                  TEXT NOT NULL,
    participants              TEXT NOT NULL CHECK (json_valid(participants)),
    transcript                TEXT NOT NULL,
    record_signed             BOOLEAN NOT NULL,
    report                    TEXT NOT NULL,
    recorded_by               TEXT NOT NULL,
    created_at                TIMESTAMP NOT NULL
);
CREATE INDEX hearings_decision_idx ON hearings (decision_id, id DESC);
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE hearings;
DROP TABLE catalog_journal;
DROP TABLE catalog_entries;
DROP TABLE catalogs;
-- +goose StatementEnd
