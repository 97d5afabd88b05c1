-- +goose Up
CREATE INDEX api_tokens_expires_idx ON api_tokens (expires_at);

-- +goose Down
DROP INDEX api_tokens_expires_idx;
