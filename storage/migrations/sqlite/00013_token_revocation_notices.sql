-- +goose Up
-- PostgreSQL's 00013 tells every process of revoked tokens (NOTIFY). SQLite
-- has no such channel: serve runs without the token cache on SQLite, so
-- every request reads the token from the file and a revocation by any
-- process counts at once. Nothing to change here; the number keeps the two
-- schemas' versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
