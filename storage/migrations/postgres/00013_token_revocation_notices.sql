-- +goose Up
-- Every process serving from this database caches the users of the tokens
-- it has checked (workflow/tokencache.go). Whatever revokes a token or
-- changes what a cached user holds, in whichever process (a sign-out, a
-- password change or reset, a user disabled, renamed or given another
-- role, the CLI, the expired-token purge, an administrator's SQL), these
-- triggers tell every process on commit, on channel decisionflow_tokens,
-- with the user's id, or '0' for every user (TRUNCATE): the caches drop
-- those tokens (storage.DB.WatchRevocations). NOTIFY is delivered only when
-- the transaction commits, and a duplicate within one transaction is sent
-- once. storage.revocationTriggers names these triggers: serve checks that
-- they exist before it trusts the cache.
-- +goose StatementBegin
CREATE FUNCTION notify_tokens_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('decisionflow_tokens', user_id::text) FROM (SELECT DISTINCT user_id FROM gone) g;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER api_tokens_notify_deleted AFTER DELETE ON api_tokens
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION notify_tokens_deleted();

-- A token moved to another user or cut short (the application only ever
-- extends one, which needs no notice).
-- +goose StatementBegin
CREATE FUNCTION notify_token_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('decisionflow_tokens', OLD.user_id::text);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER api_tokens_notify_changed AFTER UPDATE ON api_tokens FOR EACH ROW
    WHEN (OLD.user_id <> NEW.user_id OR OLD.token_hash <> NEW.token_hash OR NEW.expires_at < OLD.expires_at)
    EXECUTE FUNCTION notify_token_changed();

-- +goose StatementBegin
CREATE FUNCTION notify_tokens_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('decisionflow_tokens', '0');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER api_tokens_notify_truncated AFTER TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_tokens_truncated();

-- +goose StatementBegin
CREATE FUNCTION notify_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('decisionflow_tokens', NEW.id::text);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_notify_changed AFTER UPDATE ON users FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username
          OR OLD.display_name IS DISTINCT FROM NEW.display_name
          OR OLD.role IS DISTINCT FROM NEW.role OR OLD.disabled IS DISTINCT FROM NEW.disabled
          OR OLD.password_hash IS DISTINCT FROM NEW.password_hash
          OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION notify_user_changed();

-- +goose Down
DROP TRIGGER users_notify_changed ON users;
DROP FUNCTION notify_user_changed();
DROP TRIGGER api_tokens_notify_truncated ON api_tokens;
DROP FUNCTION notify_tokens_truncated();
DROP TRIGGER api_tokens_notify_changed ON api_tokens;
DROP FUNCTION notify_token_changed();
DROP TRIGGER api_tokens_notify_deleted ON api_tokens;
DROP FUNCTION notify_tokens_deleted();
