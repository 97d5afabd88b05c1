package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"decisionflow/storage"
	"decisionflow/storage/pgtest"
	"decisionflow/workflow"
)

// observedFeed passes the store's feed through, telling the test each
// change of liveness.
type observedFeed struct {
	db    *storage.DB
	lives chan bool
}

func (o observedFeed) WatchRevocations(ctx context.Context, live func(bool), revoked func(int64)) error {
	return o.db.WatchRevocations(ctx, func(v bool) {
		live(v)
		o.lives <- v
	}, revoked)
}

// TestRevocationFeed: on PostgreSQL, an Accounts following the store's
// feed (a replica) serves tokens from its cache while the feed is live,
// refuses a token at once when another process revokes it, asks the store
// on every request while the feed's connection is down, and follows again
// once it is back. SQLite has no feed: the store says so, and serve runs
// without the cache there (cmd/decisionflow TestRevocationAcrossProcesses).
func TestRevocationFeed(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		if !h.db.HasRevocationFeed() {
			err := h.db.WatchRevocations(h.ctx, func(bool) {}, func(int64) {})
			if !errors.Is(err, storage.ErrNoRevocationFeed) {
				t.Fatalf("WatchRevocations on %s: %v", h.name, err)
			}
			return
		}
		ctx, cancel := context.WithCancel(h.ctx)
		defer cancel()
		acc, replica := workflow.NewAccounts(h.db, h.clock), workflow.NewAccounts(h.db, h.clock)
		feed := observedFeed{db: h.db, lives: make(chan bool, 100)}
		failed := make(chan error, 1)
		replica.FollowRevocations(ctx, feed, func(err error) { failed <- err })
		waitLive := func(want bool) {
			t.Helper()
			deadline := time.After(10 * time.Second)
			for {
				select {
				case v := <-feed.lives:
					if v == want {
						return
					}
				case <-deadline:
					t.Fatalf("the feed did not become live=%v", want)
				}
			}
		}
		waitLive(true)

		if _, err := acc.CreateUser(h.ctx, nil, workflow.NewUser{Username: "wang.fang", Role: workflow.RoleStaff, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		signIn := func() string {
			t.Helper()
			token, _, err := acc.Login(h.ctx, "wang.fang", "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := replica.Authenticate(h.ctx, token); err != nil {
				t.Fatal(err)
			}
			return token
		}
		// quietly deletes every token without telling anyone (the trigger
		// off within the transaction), to see whether the replica still
		// answers from its cache.
		quietly := func() {
			t.Helper()
			tx, err := h.db.SQL().BeginTx(h.ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
			for _, q := range []string{`ALTER TABLE api_tokens DISABLE TRIGGER api_tokens_notify_deleted`,
				`DELETE FROM api_tokens`, `ALTER TABLE api_tokens ENABLE TRIGGER api_tokens_notify_deleted`} {
				if _, err := tx.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		refusedWithin := func(token, what string, d time.Duration) {
			t.Helper()
			start := time.Now()
			for {
				_, err := replica.Authenticate(h.ctx, token)
				if workflow.ErrorCode(err) == workflow.EUNAUTHENTICATED {
					t.Logf("%s: refused after %v", what, time.Since(start).Round(time.Microsecond))
					return
				}
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if time.Since(start) > d {
					t.Fatalf("%s: the replica still accepts the token after %v", what, d)
				}
				time.Sleep(100 * time.Microsecond)
			}
		}

		// Live: the cache serves (the row is gone, quietly, and the
		// replica still knows the token) ...
		token := signIn()
		quietly()
		if _, err := replica.Authenticate(h.ctx, token); err != nil {
			t.Fatalf("live, a cached token: %v", err)
		}
		// ... and a revocation by another process ends it at once, the
		// clock not moved.
		token = signIn()
		if err := acc.Logout(h.ctx, token); err != nil {
			t.Fatal(err)
		}
		refusedWithin(token, "signed out elsewhere", time.Second)
		token = signIn()
		if _, err := h.db.SQL().Exec(`UPDATE users SET display_name = '王芳' WHERE username = 'wang.fang'`); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Second)
		for {
			u, err := replica.Authenticate(h.ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			if u.DisplayName == "王芳" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a changed user still served from the cache")
			}
			time.Sleep(100 * time.Microsecond)
		}

		// The feed's connection lost, and no new one allowed: not live,
		// so the replica asks the store each time.
		token = signIn()
		var db string
		if err := h.db.SQL().QueryRow(`SELECT current_database()`).Scan(&db); err != nil {
			t.Fatal(err)
		}
		admin, err := sql.Open("postgres", pgtest.Default(t).URL("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		allow := func(on bool) {
			t.Helper()
			q := fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS %v`, db, on)
			if _, err := admin.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		allow(false)
		defer allow(true)
		// The listener's connection: its last query was LISTEN, or the
		// empty query of its ping.
		var killed int
		if err := h.db.SQL().QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			  AND (query ILIKE 'listen%' OR query = '')`).Scan(&killed); err != nil || killed != 1 {
			t.Fatalf("terminating the listener: %d %v", killed, err)
		}
		waitLive(false)
		quietly()
		if _, err := replica.Authenticate(h.ctx, token); workflow.ErrorCode(err) != workflow.EUNAUTHENTICATED {
			t.Fatalf("not live, a token deleted quietly still authenticates: %v", err)
		}
		// Back: live again, cached again, told again.
		allow(true)
		waitLive(true)
		token = signIn()
		quietly()
		if _, err := replica.Authenticate(h.ctx, token); err != nil {
			t.Fatalf("live again, a cached token: %v", err)
		}
		token = signIn()
		if err := acc.Logout(h.ctx, token); err != nil {
			t.Fatal(err)
		}
		refusedWithin(token, "signed out elsewhere after the reconnection", time.Second)

		// What an administrator's SQL does is told too.
		token = signIn()
		if _, err := h.db.SQL().Exec(`TRUNCATE api_tokens`); err != nil {
			t.Fatal(err)
		}
		refusedWithin(token, "TRUNCATE api_tokens", time.Second)
		token = signIn()
		if _, err := h.db.SQL().Exec(`UPDATE api_tokens SET expires_at = expires_at - interval '13 hours'`); err != nil {
			t.Fatal(err)
		}
		refusedWithin(token, "expiry cut short", time.Second)

		cancel()
		select {
		case err := <-failed:
			t.Fatalf("FollowRevocations: %v", err)
		case <-time.After(100 * time.Millisecond):
		}

		// A schema without the triggers (serve --no-migrate on an older
		// database): the feed refuses to go live, and the cache stays off.
		if _, err := h.db.SQL().Exec(`DROP TRIGGER api_tokens_notify_truncated ON api_tokens`); err != nil {
			t.Fatal(err)
		}
		replica.FollowRevocations(h.ctx, feed, func(err error) { failed <- err })
		select {
		case err := <-failed:
			if !strings.Contains(err.Error(), "missing") {
				t.Fatalf("without a trigger: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the feed did not fail without its triggers")
		}
		token = signIn()
		quietly()
		if _, err := replica.Authenticate(h.ctx, token); workflow.ErrorCode(err) != workflow.EUNAUTHENTICATED {
			t.Fatalf("without the triggers, a token deleted quietly still authenticates: %v", err)
		}
	})
}
