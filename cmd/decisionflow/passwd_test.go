package main

import (
	"context"
	"path/filepath"
	"testing"

	"decisionflow/storage"
	"decisionflow/workflow"
)

// Point 3 (CLI): user passwd sets a password (generated and printed when
// none is given), refuses a weak one, and revokes the user's tokens.
func TestUserPasswdCLI(t *testing.T) {
	env := map[string]string{"DATABASE_URL": filepath.Join(t.TempDir(), "passwd.db")}
	out, err := runCLI(t, env, "user", "add", "--username", "clerk", "--role", "staff", "--password", "first-password")
	if err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	token := field(out, "token: ")
	if _, err := runCLI(t, env, "user", "passwd", "--username", "clerk", "--password", "demo-password"); err == nil {
		t.Fatal("user passwd took the demo password")
	}
	if _, err := runCLI(t, env, "user", "passwd"); err == nil {
		t.Fatal("user passwd ran without --username")
	}
	out, err = runCLI(t, env, "user", "passwd", "--username", "clerk")
	if err != nil {
		t.Fatalf("user passwd: %v\n%s", err, out)
	}
	password := field(out, "password: ")
	if len(password) < 10 {
		t.Fatalf("no generated password printed:\n%s", out)
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	acc := workflow.NewAccounts(db, workflow.SystemClock{})
	if _, err := acc.Authenticate(ctx, token); err == nil {
		t.Error("the token survived user passwd")
	}
	if _, _, err := acc.Login(ctx, "clerk", password); err != nil {
		t.Errorf("the printed password: %v", err)
	}
	if _, _, err := acc.Login(ctx, "clerk", "first-password"); err == nil {
		t.Error("the old password still signs in")
	}
}
