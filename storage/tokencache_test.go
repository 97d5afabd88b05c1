package storage_test

import (
	"testing"

	"decisionflow/workflow"
)

// TestTokenCacheRevocation shows the token cache (workflow/tokencache.go)
// ending a token at once in the process that revokes it, whether by sign-out,
// disabling the user or a password change or reset; and, in another process
// on the same database (a second Accounts: a replica), within
// TokenCacheTTL.
func TestTokenCacheRevocation(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		acc := workflow.NewAccounts(h.db, h.clock)
		replica := workflow.NewAccounts(h.db, h.clock)
		root, err := acc.CreateUser(h.ctx, nil, workflow.NewUser{Username: "root", Role: workflow.RoleAdmin, Password: "root password 1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := acc.CreateUser(h.ctx, nil, workflow.NewUser{Username: "wang.fang", Role: workflow.RoleStaff, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		signIn := func() string {
			t.Helper()
			token, _, err := acc.Login(h.ctx, "wang.fang", "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range []*workflow.Accounts{acc, replica} {
				if _, err := a.Authenticate(h.ctx, token); err != nil {
					t.Fatal(err)
				}
			}
			return token
		}
		refused := func(a *workflow.Accounts, token, what string) {
			t.Helper()
			if u, err := a.Authenticate(h.ctx, token); workflow.ErrorCode(err) != workflow.EUNAUTHENTICATED {
				t.Fatalf("%s: the token still authenticates (%v, %v)", what, u, err)
			}
		}

		// The cache answers: the row is gone behind its back, yet it
		// still knows the token, until TokenCacheTTL has passed.
		token := signIn()
		if _, err := h.db.SQL().Exec(`DELETE FROM api_tokens`); err != nil {
			t.Fatal(err)
		}
		if _, err := acc.Authenticate(h.ctx, token); err != nil {
			t.Fatalf("a cached token: %v", err)
		}
		h.clock.Advance(workflow.TokenCacheTTL)
		refused(acc, token, "deleted and TokenCacheTTL passed")

		token = signIn()
		if err := acc.Logout(h.ctx, token); err != nil {
			t.Fatal(err)
		}
		refused(acc, token, "signed out")
		if _, err := replica.Authenticate(h.ctx, token); err != nil {
			t.Fatalf("the replica's cache within TokenCacheTTL: %v", err)
		}
		h.clock.Advance(workflow.TokenCacheTTL)
		refused(replica, token, "signed out on another replica, TokenCacheTTL later")

		token = signIn()
		yes, no := true, false
		if _, err := acc.UpdateUser(h.ctx, root, "wang.fang", workflow.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		refused(acc, token, "disabled")
		h.clock.Advance(workflow.TokenCacheTTL)
		refused(replica, token, "disabled on another replica, TokenCacheTTL later")
		if _, err := acc.UpdateUser(h.ctx, root, "wang.fang", workflow.UserUpdate{Disabled: &no}); err != nil {
			t.Fatal(err)
		}

		token = signIn()
		staff := &workflow.User{Username: "wang.fang", Role: workflow.RoleStaff}
		if err := acc.ChangePassword(h.ctx, staff, "correct horse battery", "a new horse battery"); err != nil {
			t.Fatal(err)
		}
		refused(acc, token, "password changed")
		if err := acc.ResetPassword(h.ctx, root, "wang.fang", "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		token = signIn()
		if err := acc.ResetPassword(h.ctx, root, "wang.fang", "a third horse battery"); err != nil {
			t.Fatal(err)
		}
		refused(acc, token, "password reset")

		// A role change applies at once too.
		token, _, _ = acc.Login(h.ctx, "wang.fang", "a third horse battery")
		if _, err := acc.Authenticate(h.ctx, token); err != nil {
			t.Fatal(err)
		}
		headRole := workflow.RoleHead
		if _, err := acc.UpdateUser(h.ctx, root, "wang.fang", workflow.UserUpdate{Role: &headRole}); err != nil {
			t.Fatal(err)
		}
		if u, err := acc.Authenticate(h.ctx, token); err != nil || u.Role != workflow.RoleHead {
			t.Fatalf("after a role change: %+v %v", u, err)
		}
		// A caller changing the user it was given does not change the cache.
		u, _ := acc.Authenticate(h.ctx, token)
		u.Role = workflow.RoleAdmin
		if u, _ := acc.Authenticate(h.ctx, token); u.Role != workflow.RoleHead {
			t.Fatalf("the cached user was changed through a returned one: %+v", u)
		}
	})
}
