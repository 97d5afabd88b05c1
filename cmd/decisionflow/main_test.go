package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"decisionflow/storage"
	"decisionflow/storage/pgtest"
	"decisionflow/workflow"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// dsns returns a fresh database of each store.
func dsns(t *testing.T) map[string]string {
	return map[string]string{
		"postgres": pgtest.Default(t).EmptyDatabase(t),
		"sqlite":   filepath.Join(t.TempDir(), "cli.db"),
	}
}

func runCLI(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String() + errOut.String(), err
}

// TestVerifyCLI: `verify` passes on intact chains and, once a journal row is
// altered in SQL behind the trigger, exits non-zero naming decision and seq.
func TestVerifyCLI(t *testing.T) {
	for name, dsn := range dsns(t) {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{"DECISIONFLOW_DB": dsn}
			if out, err := runCLI(t, env, "migrate"); err != nil || !strings.Contains(out, "schema at version") {
				t.Fatalf("migrate: %v\n%s", err, out)
			}
			ctx := context.Background()
			db, err := storage.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			eng := workflow.NewEngine(db, workflow.SystemClock{}, workflow.DefaultSettings())
			staff := &workflow.User{Username: "wang", Role: workflow.RoleStaff}
			head := &workflow.User{Username: "zhang", Role: workflow.RoleHead}
			var ids []int64
			for i := 0; i < 2; i++ {
				d, err := eng.Create(ctx, staff, workflow.NewDecision{Title: "决策", Category: "plan", UndertakingUnit: "镇城建办", Source: "leadership", Proposal: "建议"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := eng.Fire(ctx, head, d.ID, workflow.EventStart, []byte(`{"undertaking_unit":"镇城建办","off_catalog_reason":"目录外"}`), 0); err != nil {
					t.Fatal(err)
				}
				for v := 0; v < 3; v++ {
					if _, err := eng.SaveDraft(ctx, staff, d.ID, workflow.DraftInput{Text: fmt.Sprint("第", v, "稿"), LegalBases: []string{"《条例》"}}, 0); err != nil {
						t.Fatal(err)
					}
				}
				ids = append(ids, d.ID)
			}
			out, err := runCLI(t, env, "verify")
			if err != nil || !strings.Contains(out, "all 2 journal chain(s) intact") {
				t.Fatalf("verify on intact chains: %v\n%s", err, out)
			}
			// A superuser edits seq 3 of the second decision behind the trigger.
			var stmts []string
			edit := fmt.Sprintf(`UPDATE journal SET data = '{"text":"篡改"}' WHERE decision_id = %d AND seq = 3`, ids[1])
			if db.Dialect() == storage.Postgres {
				stmts = []string{`ALTER TABLE journal DISABLE TRIGGER journal_append_only`, edit, `ALTER TABLE journal ENABLE TRIGGER journal_append_only`}
			} else {
				stmts = []string{`DROP TRIGGER journal_no_update`, edit}
			}
			for _, s := range stmts {
				if _, err := db.SQL().Exec(s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			out, err = runCLI(t, env, "verify")
			want := fmt.Sprintf("decision %d: BROKEN at seq 3", ids[1])
			if err == nil || exitCode(err) == 0 || !strings.Contains(out, want) {
				t.Fatalf("verify after tampering: err %v, output\n%s\nwant %q", err, out, want)
			}
			if !strings.Contains(out, fmt.Sprintf("decision %d: ok", ids[0])) {
				t.Fatalf("the intact decision is not reported ok:\n%s", out)
			}
			out, err = runCLI(t, env, "verify", "--decision", fmt.Sprint(ids[0]))
			if err != nil {
				t.Fatalf("verify --decision on the intact one: %v\n%s", err, out)
			}
		})
	}
}

// TestUserAddCLI: the generated password signs in, the token authenticates,
// and neither is stored in the clear.
func TestUserAddCLI(t *testing.T) {
	for name, dsn := range dsns(t) {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{"DATABASE_URL": dsn}
			out, err := runCLI(t, env, "user", "add", "--username", "li.lawyer", "--role", "legal_advisor", "--display-name", "李律师")
			if err != nil {
				t.Fatalf("user add: %v\n%s", err, out)
			}
			password, token := field(out, "password: "), field(out, "token: ")
			if len(password) < 10 || token == "" {
				t.Fatalf("output lacks password or token:\n%s", out)
			}
			ctx := context.Background()
			db, err := storage.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			acc := workflow.NewAccounts(db, workflow.SystemClock{})
			if u, err := acc.Authenticate(ctx, token); err != nil || u.Role != workflow.RoleLegalAdvisor || u.DisplayName != "李律师" {
				t.Fatalf("token: %v %v", u, err)
			}
			if _, _, err := acc.Login(ctx, "li.lawyer", password); err != nil {
				t.Fatalf("login with the printed password: %v", err)
			}
			var n int
			q := db.SQL().QueryRow(`SELECT count(*) FROM users u, api_tokens t WHERE u.password_hash = '` + password + `' OR t.token_hash = '` + token + `'`)
			if err := q.Scan(&n); err != nil || n != 0 {
				t.Fatalf("a secret is stored in the clear (%d rows, %v)", n, err)
			}
			if out, err := runCLI(t, env, "user", "add", "--username", "li.lawyer", "--role", "head"); err == nil {
				t.Fatalf("a taken username was accepted:\n%s", out)
			}
			if _, err := runCLI(t, env, "user", "add", "--username", "x1", "--role", "mayor"); err == nil {
				t.Fatal("an unknown role was accepted")
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"user"}, {"user", "add"}, {"verify", "--decision", "x"}} {
		if _, err := runCLI(t, nil, args...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}

func field(out, prefix string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, prefix) {
			return strings.TrimPrefix(line, prefix)
		}
	}
	return ""
}

// TestServeRefusesNewerSchema: serve will not start on a database migrated by
// a newer decisionflow.
func TestServeRefusesNewerSchema(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "newer.db")
	if out, err := runCLI(t, nil, "migrate", "--db", dsn); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	db, err := storage.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, args := range [][]string{{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, {"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--no-migrate"}} {
		out, err := runCLI(t, nil, args...)
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("%v: err %v, want a refusal of the newer schema\n%s", args, err, out)
		}
	}
}
