-- +goose Up
-- The records of a decision in force (lifecycle.md "After the decision"):
-- the execution unit's reports (Art 34) and the public's opinions on the
-- decision (Art 35 ¶2), each dispositioned by staff like a comment. The
-- contact of an opinion is personal data: kept here for staff, never in the
-- journal.
CREATE TABLE execution_reports (
    id          bigserial PRIMARY KEY,
    decision_id bigint NOT NULL REFERENCES decisions (id),
    kind        text NOT NULL CHECK (kind IN ('progress', 'problem')),
    period      text NOT NULL CHECK (period <> ''),
    content     text NOT NULL CHECK (content <> ''),
    recorded_by text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX execution_reports_decision_idx ON execution_reports (decision_id, id DESC);

CREATE TABLE public_opinions (
    id                 bigserial PRIMARY KEY,
    decision_id        bigint NOT NULL REFERENCES decisions (id),
    state              text NOT NULL CHECK (state IN ('published', 'suspended', 'evaluating')),
    author_name        text NOT NULL,
    contact            text NOT NULL,
    content            text NOT NULL CHECK (content <> ''),
    disposition        text CHECK (disposition IN ('adopted', 'partially_adopted', 'not_adopted', 'duplicate')),
    disposition_reason text NOT NULL DEFAULT '',
    disposed_by        text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL
);
CREATE INDEX public_opinions_decision_idx ON public_opinions (decision_id, id DESC);

-- +goose Down
DROP TABLE public_opinions;
DROP TABLE execution_reports;
