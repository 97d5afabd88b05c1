package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"decisionflow/storage"
)

// TestRevocationAcrossProcesses: a token revoked by one process is refused
// at once by every other server on the same database, though each caches
// the tokens it has checked (workflow/tokencache.go). Two servers (two
// replicas) and the CLI, on both stores: a sign-out on one server, a user
// disabled on one, and the CLI's user passwd. "At once" is measured: each
// server is asked again every millisecond and must refuse within
// revokedWithin, well inside the cache's TokenCacheTTL (5 s), so it is the
// revocation that ends the token and not the cache's age; and first, that
// the cache is in use on PostgreSQL and off on SQLite.
func TestRevocationAcrossProcesses(t *testing.T) {
	const revokedWithin = time.Second
	for name, dsn := range dsns(t) {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{"DECISIONFLOW_DB": dsn}
			if out, err := runCLI(t, env, "user", "add", "--username", "root", "--role", "admin", "--password", "root-password-1"); err != nil {
				t.Fatalf("user add: %v\n%s", err, out)
			}
			if out, err := runCLI(t, env, "user", "add", "--username", "clerk", "--role", "staff", "--password", "clerk-password-1"); err != nil {
				t.Fatalf("user add: %v\n%s", err, out)
			}
			a, b := startServer(t, dsn), startServer(t, dsn)
			root := a.login("root", "root-password-1")

			// warm has both servers check the token (and cache it) just now.
			warm := func(token string) {
				t.Helper()
				for _, s := range []*server{a, b} {
					for range 2 {
						if r := s.call("GET", "/api/v1/decisions", token, nil); r.status != http.StatusOK {
							t.Fatalf("a fresh token refused: %d %s", r.status, r.body)
						}
					}
				}
			}
			// refused waits until both servers refuse the token, and says
			// how long that took from the revocation's return.
			refused := func(token, what string, since time.Time) {
				t.Helper()
				for _, s := range []*server{a, b} {
					for {
						r := s.call("GET", "/api/v1/decisions", token, nil)
						if r.status == http.StatusUnauthorized {
							break
						}
						if r.status != http.StatusOK {
							t.Fatalf("%s: %d %s", what, r.status, r.body)
						}
						if time.Since(since) > revokedWithin {
							t.Fatalf("%s: a server still accepts the token %v after the revocation", what, revokedWithin)
						}
						time.Sleep(time.Millisecond)
					}
				}
				t.Logf("%s: refused by both servers %v after the revocation returned", what, time.Since(since).Round(time.Microsecond))
			}

			// The cache is in use where it should be: a token deleted behind
			// the servers' backs, with no notice, still answers from the
			// cache on PostgreSQL, and is refused at once on SQLite, which
			// runs without the cache.
			token := a.login("clerk", "clerk-password-1")
			warm(token)
			deleteQuietly(t, dsn, name)
			for _, s := range []*server{a, b} {
				r := s.call("GET", "/api/v1/decisions", token, nil)
				if want := map[string]int{"postgres": http.StatusOK, "sqlite": http.StatusUnauthorized}[name]; r.status != want {
					t.Fatalf("a token deleted quietly: %d, want %d on %s", r.status, want, name)
				}
			}
			root = a.login("root", "root-password-1") // deleted with the rest

			token = a.login("clerk", "clerk-password-1")
			warm(token)
			if r := a.call("POST", "/api/v1/logout", token, nil); r.status != http.StatusNoContent {
				t.Fatalf("logout: %d %s", r.status, r.body)
			}
			refused(token, "signed out on one server", time.Now())

			token = a.login("clerk", "clerk-password-1")
			warm(token)
			r := a.call("PATCH", "/api/v1/users/clerk", root, map[string]any{"disabled": true})
			at := time.Now()
			if r.status != http.StatusOK {
				t.Fatalf("disable: %d %s", r.status, r.body)
			}
			refused(token, "disabled on one server", at)
			if r := b.call("PATCH", "/api/v1/users/clerk", root, map[string]any{"disabled": false}); r.status != http.StatusOK {
				t.Fatalf("enable: %d %s", r.status, r.body)
			}

			token = b.login("clerk", "clerk-password-1")
			warm(token)
			out, err := runCLI(t, env, "user", "passwd", "--username", "clerk", "--password", "clerk-password-2")
			at = time.Now()
			if err != nil {
				t.Fatalf("user passwd: %v\n%s", err, out)
			}
			refused(token, "password set by the CLI", at)
			warm(b.login("clerk", "clerk-password-2"))
		})
	}
}

// deleteQuietly deletes every token in the database without a notice (on
// PostgreSQL, migration 00013's trigger off within the transaction).
func deleteQuietly(t *testing.T, dsn, store string) {
	t.Helper()
	db, err := storage.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	qs := []string{`DELETE FROM api_tokens`}
	if store == "postgres" {
		qs = []string{`ALTER TABLE api_tokens DISABLE TRIGGER api_tokens_notify_deleted`, `DELETE FROM api_tokens`,
			`ALTER TABLE api_tokens ENABLE TRIGGER api_tokens_notify_deleted`}
	}
	tx, err := db.SQL().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	for _, q := range qs {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
