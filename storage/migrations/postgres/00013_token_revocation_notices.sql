-- +goose Up
-- Every process serving from this database caches the users of the tokens
-- it has checked (workflow/tokencache.go). Whatever revokes a token, in
-- whichever process (a sign-out, a password change or reset, a user
-- disabled or renamed or given another role, the CLI, the expired-token
-- purge, an administrator's SQL), these triggers tell every process on
-- commit, on channel decisionflow_tokens, with the user's id: the caches
-- drop that user's tokens (storage.DB.WatchRevocations). NOTIFY is
-- delivered only when the transaction commits, and a duplicate within one
-- transaction is sent once.
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

-- +goose StatementBegin
CREATE FUNCTION notify_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('decisionflow_tokens', NEW.id::text);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_notify_changed AFTER UPDATE ON users FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.display_name IS DISTINCT FROM NEW.display_name
          OR OLD.role IS DISTINCT FROM NEW.role OR OLD.disabled IS DISTINCT FROM NEW.disabled
          OR OLD.password_hash IS DISTINCT FROM NEW.password_hash)
    EXECUTE FUNCTION notify_user_changed();

-- +goose Down
DROP TRIGGER users_notify_changed ON users;
DROP FUNCTION notify_user_changed();
DROP TRIGGER api_tokens_notify_deleted ON api_tokens;
DROP FUNCTION notify_tokens_deleted();
