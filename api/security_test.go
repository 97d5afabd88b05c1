package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"decisionflow/api"
	"decisionflow/storage"
	"decisionflow/workflow"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	"time"
)

type apiSite struct {
	t    *testing.T
	base string
	db   *storage.DB
	acc  *workflow.Accounts
	logs *bytes.Buffer
}

// newAPISite serves the API over a fresh store, the loopback a trusted
// proxy (so that X-Forwarded-For picks the client address), with an admin
// and a staff user.
func newAPISite(t *testing.T, mods ...func(*api.Options)) *apiSite {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	clock := workflow.SystemClock{}
	acc := workflow.NewAccounts(db, clock)
	logs := &bytes.Buffer{}
	opts := api.Options{TrustedProxies: []string{"127.0.0.1", "::1"}}
	for _, mod := range mods {
		mod(&opts)
	}
	srv, err := api.New(workflow.NewEngine(db, clock, workflow.DefaultSettings()), acc, db, db,
		slog.New(slog.NewTextHandler(logs, nil)), prometheus.NewRegistry(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	for _, r := range []workflow.Role{workflow.RoleAdmin, workflow.RoleStaff} {
		if _, err := acc.CreateUser(ctx, nil, workflow.NewUser{Username: "u-" + string(r), Role: r, Password: "password-of-" + string(r)}); err != nil {
			t.Fatal(err)
		}
	}
	return &apiSite{t: t, base: ts.URL, db: db, acc: acc, logs: logs}
}

// do sends a JSON request from the client address from, with a token when
// not empty, and returns the response, its body read.
func (s *apiSite) do(method, path, from, token string, body any, header ...string) (*http.Response, string) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, string(out)
}

func (s *apiSite) login(username, password, from string) (int, string) {
	res, body := s.do(http.MethodPost, "/api/v1/login", from, "", map[string]string{"username": username, "password": password})
	var out struct{ Token string }
	_ = json.Unmarshal([]byte(body), &out)
	return res.StatusCode, out.Token
}

// Point 4: five failures for one account, each from another address, lock
// the account out for everyone (429 with Retry-After); each failure is
// logged with the username and the address, never the password.
func TestLoginLockoutPerAccount(t *testing.T) {
	s := newAPISite(t)
	for i := 1; i <= 5; i++ {
		if code, _ := s.login("u-staff", "guess-number-"+fmt.Sprint(i), fmt.Sprintf("198.51.100.%d", i)); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i, code)
		}
	}
	res, _ := s.do(http.MethodPost, "/api/v1/login", "203.0.113.9", "", map[string]string{"username": "u-staff", "password": "password-of-staff"})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after 5 failures from 5 addresses: %d Retry-After %q, want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if code, _ := s.login("u-admin", "password-of-admin", "203.0.113.9"); code != http.StatusOK {
		t.Fatalf("another account: %d, want 200", code)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "sign-in failed") || !strings.Contains(logs, "username=u-staff") || !strings.Contains(logs, "198.51.100.3") {
		t.Errorf("failed sign-ins not logged with username and address:\n%s", logs)
	}
	if strings.Contains(logs, "guess-number") {
		t.Error("a password tried is in the log")
	}
}

// Point 4: the addresses of one IPv6 /64 are one client.
func TestLoginLimitGroupsIPv6By64(t *testing.T) {
	// A burst of 3 per address (production: 20), refilled slowly enough
	// that a slow machine (bcrypt under the race detector) cannot earn
	// tokens back within the test.
	s := newAPISite(t, func(o *api.Options) { o.LoginPerAddr = api.Limit{Rate: rate.Every(time.Hour), Burst: 3} })
	refused := 0
	for i := 1; i <= 6; i++ {
		// another username each time: only the per-address limit counts
		if code, _ := s.login(fmt.Sprintf("nobody-%d", i), "whatever-password", fmt.Sprintf("2001:db8:1:2::%x", i)); code == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("6 sign-ins from one /64 in a row were never refused")
	}
	if code, _ := s.login("nobody-x", "whatever-password", "2001:db8:1:3::1"); code != http.StatusUnauthorized {
		t.Fatalf("another /64: %d, want 401", code)
	}
}

// Point 5: requests refused by the rate limit leave no idempotency record,
// and a 429 is never replayed.
func TestRateLimitedLeavesNoIdempotencyRecord(t *testing.T) {
	s := newAPISite(t)
	comment := map[string]string{"content": "a comment", "author_name": "someone"}
	limited := 0
	for i := 0; i < 12; i++ {
		res, _ := s.do(http.MethodPost, "/api/v1/public/consultations/999/comments", "192.0.2.7", "", comment, "Idempotency-Key", fmt.Sprintf("key-%d", i))
		if res.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	var rows int
	if err := s.db.SQL().QueryRow(`SELECT count(*) FROM idempotency_keys`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if limited == 0 || rows != 12-limited {
		t.Fatalf("%d of 12 refused with 429; %d idempotency records, want %d", limited, rows, 12-limited)
	}
	var stored429 int
	if err := s.db.SQL().QueryRow(`SELECT count(*) FROM idempotency_keys WHERE status = 429`).Scan(&stored429); err != nil {
		t.Fatal(err)
	}
	if stored429 != 0 {
		t.Fatalf("%d 429 answers stored for replay", stored429)
	}
}

// Point 8: /api/v1 answers, the token of POST /login included, are not to
// be cached or sniffed.
func TestAPINoStoreNoSniff(t *testing.T) {
	s := newAPISite(t)
	for _, path := range []string{"/api/v1/login", "/api/v1/me"} {
		method := http.MethodGet
		if path == "/api/v1/login" {
			method = http.MethodPost
		}
		res, _ := s.do(method, path, "", "", map[string]string{"username": "u-admin", "password": "password-of-admin"})
		if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: Cache-Control %q, X-Content-Type-Options %q", method, path, res.Header.Get("Cache-Control"), res.Header.Get("X-Content-Type-Options"))
		}
	}
}

// Point 3 (API): the caller changes their own password, the admin resets
// another's; each revokes every token of that user.
func TestPasswordEndpoints(t *testing.T) {
	s := newAPISite(t)
	_, staff := s.login("u-staff", "password-of-staff", "192.0.2.1")
	_, staff2 := s.login("u-staff", "password-of-staff", "192.0.2.2")
	_, admin := s.login("u-admin", "password-of-admin", "192.0.2.3")
	change := func(token, current, next string) int {
		res, _ := s.do(http.MethodPost, "/api/v1/me/password", "", token, map[string]string{"current_password": current, "new_password": next})
		return res.StatusCode
	}
	for _, bad := range []string{"too-short", "u-staff", "demo-password"} {
		if code := change(staff, "password-of-staff", bad); code != http.StatusBadRequest {
			t.Errorf("new password %q: %d, want 400", bad, code)
		}
	}
	if code := change(staff, "not-the-password", "a-new-password"); code != http.StatusBadRequest {
		t.Errorf("a wrong current password: %d, want 400", code)
	}
	if code := change(staff, "password-of-staff", "a-new-password"); code != http.StatusNoContent {
		t.Fatalf("change: %d, want 204", code)
	}
	for _, tok := range []string{staff, staff2} {
		if res, _ := s.do(http.MethodGet, "/api/v1/me", "", tok, nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a token survived the change: %d", res.StatusCode)
		}
	}
	code, staff := s.login("u-staff", "a-new-password", "192.0.2.4")
	if code != http.StatusOK {
		t.Fatalf("sign-in with the new password: %d", code)
	}
	reset := func(token, user, next string) int {
		res, _ := s.do(http.MethodPut, "/api/v1/users/"+user+"/password", "", token, map[string]string{"new_password": next})
		return res.StatusCode
	}
	if code := reset(staff, "u-admin", "taken-over-pw"); code != http.StatusForbidden {
		t.Errorf("staff resets the admin's password: %d, want 403", code)
	}
	if code := reset(admin, "nobody", "some-password"); code != http.StatusNotFound {
		t.Errorf("reset of an unknown user: %d, want 404", code)
	}
	if code := reset(admin, "u-staff", "reset-by-admin"); code != http.StatusNoContent {
		t.Fatalf("reset: %d, want 204", code)
	}
	if res, _ := s.do(http.MethodGet, "/api/v1/me", "", staff, nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the token survived the reset: %d", res.StatusCode)
	}
	if code, _ := s.login("u-staff", "reset-by-admin", "192.0.2.5"); code != http.StatusOK {
		t.Fatalf("sign-in with the reset password: %d", code)
	}
}
