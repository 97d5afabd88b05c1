-- +goose Up
-- The records of a decision in force: see the PostgreSQL migration.
CREATE TABLE execution_reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    kind        TEXT NOT NULL CHECK (kind IN ('progress', 'problem')),
    period      TEXT NOT NULL CHECK (period <> ''),
    content     TEXT NOT NULL CHECK (content <> ''),
    recorded_by TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX execution_reports_decision_idx ON execution_reports (decision_id, id DESC);

CREATE TABLE public_opinions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id        INTEGER NOT NULL REFERENCES decisions (id),
    state              TEXT NOT NULL CHECK (state IN ('published', 'suspended', 'evaluating')),
    author_name        TEXT NOT NULL,
    contact            TEXT NOT NULL,
    content            TEXT NOT NULL CHECK (content <> ''),
    disposition        TEXT CHECK (disposition IN ('adopted', 'partially_adopted', 'not_adopted', 'duplicate')),
    disposition_reason TEXT NOT NULL DEFAULT '',
    disposed_by        TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMP NOT NULL
);
CREATE INDEX public_opinions_decision_idx ON public_opinions (decision_id, id DESC);

-- +goose Down
DROP TABLE public_opinions;
DROP TABLE execution_reports;
