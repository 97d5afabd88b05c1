-- +goose Up
-- +goose StatementBegin
-- The papers of a decision: see the PostgreSQL migration.
CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id   INTEGER NOT NULL REFERENCES decisions (id),
    kind          TEXT NOT NULL CHECK (kind IN ('draft_explanation', 'legal_basis', 'expert_opinion', 'risk_report', 'hearing_record', 'meeting_minutes', 'legality_opinion', 'publication', 'evaluation_report', 'other')),
    filename      TEXT NOT NULL CHECK (filename <> ''),
    size          INTEGER NOT NULL CHECK (size > 0),
    sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
    content_type  TEXT NOT NULL,
    public        BOOLEAN NOT NULL DEFAULT 0 CHECK (NOT public OR kind = 'draft_explanation'),
    uploaded_by   TEXT NOT NULL,
    uploader_role TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX attachments_decision ON attachments (decision_id, id);

CREATE TABLE attachment_chunks (
    attachment_id INTEGER NOT NULL REFERENCES attachments (id),
    seq           INTEGER NOT NULL CHECK (seq >= 0),
    data          BLOB NOT NULL,
    PRIMARY KEY (attachment_id, seq)
) WITHOUT ROWID;

CREATE TRIGGER attachments_no_update BEFORE UPDATE ON attachments
BEGIN
    SELECT RAISE(ABORT, 'attachments are never changed: UPDATE is not allowed');
END;
CREATE TRIGGER attachments_no_delete BEFORE DELETE ON attachments
BEGIN
    SELECT RAISE(ABORT, 'attachments are never deleted: DELETE is not allowed');
END;
CREATE TRIGGER attachment_chunks_no_update BEFORE UPDATE ON attachment_chunks
BEGIN
    SELECT RAISE(ABORT, 'attachments are never changed: UPDATE is not allowed');
END;
CREATE TRIGGER attachment_chunks_no_delete BEFORE DELETE ON attachment_chunks
BEGIN
    SELECT RAISE(ABORT, 'attachments are never deleted: DELETE is not allowed');
END;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE attachment_chunks;
DROP TABLE attachments;
-- +goose StatementEnd
