-- +goose Up
-- +goose StatementBegin
-- The papers of a decision (http-api.md "More endpoints"): each file's row,
-- and its content in pieces of at most 512 KiB, so that neither a write nor a
-- read ever holds a whole file. Both are never changed nor deleted.
CREATE TABLE attachments (
    id            bigserial PRIMARY KEY,
    decision_id   bigint NOT NULL REFERENCES decisions (id),
    kind          text NOT NULL CHECK (kind IN ('draft_explanation', 'legal_basis', 'expert_opinion', 'risk_report', 'hearing_record', 'meeting_minutes', 'legality_opinion', 'publication', 'evaluation_report', 'other')),
    filename      text NOT NULL CHECK (filename <> ''),
    size          bigint NOT NULL CHECK (size > 0),
    sha256        text NOT NULL CHECK (length(sha256) = 64),
    content_type  text NOT NULL,
    public        boolean NOT NULL DEFAULT false CHECK (NOT public OR kind = 'draft_explanation'),
    uploaded_by   text NOT NULL,
    uploader_role text NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX attachments_decision ON attachments (decision_id, id);

CREATE TABLE attachment_chunks (
    attachment_id bigint NOT NULL REFERENCES attachments (id),
    seq           integer NOT NULL CHECK (seq >= 0),
    data          bytea NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
-- The files are mostly compressed already (PDF, JPEG, zips): no TOAST compression.
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE FUNCTION attachments_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'attachments are never changed nor deleted: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER attachments_append_only BEFORE UPDATE OR DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_refuse_change();
CREATE TRIGGER attachments_no_truncate BEFORE TRUNCATE ON attachments
    FOR EACH STATEMENT EXECUTE FUNCTION attachments_refuse_change();
CREATE TRIGGER attachment_chunks_append_only BEFORE UPDATE OR DELETE ON attachment_chunks
    FOR EACH ROW EXECUTE FUNCTION attachments_refuse_change();
CREATE TRIGGER attachment_chunks_no_truncate BEFORE TRUNCATE ON attachment_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION attachments_refuse_change();
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE attachment_chunks, attachments;
DROP FUNCTION attachments_refuse_change();
-- +goose StatementEnd
