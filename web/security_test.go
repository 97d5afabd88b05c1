package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"decisionflow/api"
	"decisionflow/storage"
	"decisionflow/workflow"

	"github.com/prometheus/client_golang/prometheus"
)

// secSite is the pages over a fresh store with the sessions' clock in the
// test's hands, the loopback a trusted proxy, and an admin and a staff user.
type secSite struct {
	*site
	acc   *workflow.Accounts
	clock *workflow.ManualClock
}

func newSecSite(t *testing.T) *secSite {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "sec.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	clock := workflow.NewManualClock(time.Now())
	eng := workflow.NewEngine(db, clock, workflow.DefaultSettings())
	acc := workflow.NewAccounts(db, clock)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := api.New(eng, acc, db, db, log, prometheus.NewRegistry(), api.Options{TrustedProxies: []string{"127.0.0.1", "::1"}})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := New(Deps{API: srv, Engine: eng, Accounts: acc, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv.Mount(pages)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	s := &site{t: t, ctx: ctx, base: ts.URL, eng: eng, clock: clock, users: map[workflow.Role]*workflow.User{}, clients: map[workflow.Role]*http.Client{}}
	for _, r := range []workflow.Role{workflow.RoleAdmin, workflow.RoleStaff} {
		in := workflow.NewUser{Username: "u-" + string(r), Role: r, Password: "password-of-" + string(r)}
		if s.users[r], err = acc.CreateUser(ctx, nil, in); err != nil {
			t.Fatal(err)
		}
	}
	return &secSite{site: s, acc: acc, clock: clock}
}

func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *secSite) csrfOn(c *http.Client, path string) string {
	s.t.Helper()
	_, page := s.get(c, path)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		s.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

// Point 1: every hostile next= of the language switch and of the sign-in
// lands on this site.
func TestRedirectsStayOnSite(t *testing.T) {
	s := newSecSite(t)
	hostile := []string{
		"/\t/evil.example", "/%09/evil.example", "/\\evil.example", "/\\/evil.example", "//evil.example",
		"%2F%2Fevil.example", "/%2F%2Fevil.example", "/%2f/evil.example", "/%5Cevil.example", "https://evil.example",
		"https:evil.example", "javascript:alert(1)", "/\r\n/evil.example", "/\x00/evil.example", "\\\\evil.example",
		" //evil.example", "/ /evil.example", "http:/evil.example", "evil.example", "/\u2028/evil.example",
	}
	for i, next := range hostile {
		res, err := browser().Get(s.base + "/lang/en?next=" + url.QueryEscape(next))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("/lang/en?next=%q redirects to %q, want /", next, loc)
		}
		c := browser()
		form := url.Values{"username": {"u-staff"}, "password": {"password-of-staff"}, "csrf": {s.csrfOn(c, "/login")}, "next": {next}}
		req, _ := http.NewRequest(http.MethodPost, s.base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i+1)) // the sign-in limit is per address
		res, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if code, loc := res.StatusCode, res.Header.Get("Location"); code != http.StatusSeeOther || loc != "/dashboard" {
			t.Errorf("sign-in with next=%q: %d to %q, want /dashboard", next, code, loc)
		}
	}
	res, err := browser().Get(s.base + "/lang/en?next=" + url.QueryEscape("/decisions?state=drafting"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); loc != "/decisions?state=drafting" {
		t.Errorf("a path of the site: redirected to %q", loc)
	}
}

// Point 6: the forms' token changes at sign-in and belongs to the session.
func TestCSRFTokenBoundToSession(t *testing.T) {
	s := newSecSite(t)
	c := browser()
	before := s.csrfOn(c, "/login")
	s.post(c, "/login", url.Values{"username": {"u-staff"}, "password": {"password-of-staff"}, "csrf": {before}})
	after := s.csrfOn(c, "/decisions/new")
	if after == before {
		t.Fatal("the CSRF token did not change at sign-in")
	}
	form := url.Values{"title": {"t"}, "category": {"plan"}, "undertaking_unit": {"u"}, "source": {"public"}, "proposal": {"p"}, "csrf": {before}}
	if code, _, _ := s.post(c, "/decisions", form); code != http.StatusForbidden {
		t.Fatalf("the token from before sign-in: %d, want 403", code)
	}
	// Another session of the same user has another token.
	other := browser()
	s.post(other, "/login", url.Values{"username": {"u-staff"}, "password": {"password-of-staff"}, "csrf": {s.csrfOn(other, "/login")}})
	if s.csrfOn(other, "/decisions/new") == after {
		t.Fatal("two sessions share a CSRF token")
	}
}

// Point 7 and 6: behind a trusted proxy saying https, cookies are Secure
// and named __Host-; over plain HTTP they are neither.
func TestSecureCookiesBehindTLS(t *testing.T) {
	s := newSecSite(t)
	for _, proto := range []string{"https", ""} {
		req, _ := http.NewRequest(http.MethodGet, s.base+"/login", nil)
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cookies := res.Cookies()
		if len(cookies) == 0 {
			t.Fatal("no cookie set")
		}
		for _, ck := range cookies {
			secure := proto == "https"
			if ck.Secure != secure || strings.HasPrefix(ck.Name, "__Host-") != secure {
				t.Errorf("X-Forwarded-Proto %q: cookie %s Secure=%v, want Secure and __Host- %v", proto, ck.Name, ck.Secure, secure)
			}
		}
	}
}

// Point 10: a browser session ends after 30 minutes without use, and each
// use slides it.
func TestSessionIdleTimeout(t *testing.T) {
	s := newSecSite(t)
	c := browser()
	s.post(c, "/login", url.Values{"username": {"u-staff"}, "password": {"password-of-staff"}, "csrf": {s.csrfOn(c, "/login")}})
	for i := 0; i < 3; i++ {
		s.clock.Advance(20 * time.Minute)
		if code, _ := s.get(c, "/dashboard"); code != http.StatusOK {
			t.Fatalf("used every 20 minutes, at %d min: %d, want 200", 20*(i+1), code)
		}
	}
	s.clock.Advance(31 * time.Minute)
	if code, _ := s.get(c, "/dashboard"); code != http.StatusSeeOther {
		t.Fatalf("after 31 idle minutes: %d, want 303 to the sign-in", code)
	}
}

// Point 3 (pages): everyone changes their own password, the admin resets
// another's; each revokes every session and token of that user.
func TestPasswordPages(t *testing.T) {
	s := newSecSite(t)
	staff := browser()
	s.post(staff, "/login", url.Values{"username": {"u-staff"}, "password": {"password-of-staff"}, "csrf": {s.csrfOn(staff, "/login")}})
	apiToken, _, err := s.acc.Login(s.ctx, "u-staff", "password-of-staff")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"short", "u-staff", "demo-password"} {
		code, _, _ := s.post(staff, "/password", url.Values{"current_password": {"password-of-staff"}, "new_password": {bad}, "csrf": {s.csrfOn(staff, "/password")}})
		if code != http.StatusBadRequest {
			t.Errorf("new password %q: %d, want 400", bad, code)
		}
	}
	code, _, _ := s.post(staff, "/password", url.Values{"current_password": {"wrong-password"}, "new_password": {"a-new-password"}, "csrf": {s.csrfOn(staff, "/password")}})
	if code != http.StatusBadRequest {
		t.Errorf("a wrong current password: %d, want 400", code)
	}
	code, loc, _ := s.post(staff, "/password", url.Values{"current_password": {"password-of-staff"}, "new_password": {"a-new-password"}, "csrf": {s.csrfOn(staff, "/password")}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("change: %d to %q", code, loc)
	}
	if code, _ := s.get(staff, "/dashboard"); code != http.StatusSeeOther {
		t.Errorf("the session survived the change: %d", code)
	}
	if _, err := s.acc.Authenticate(s.ctx, apiToken); err == nil {
		t.Error("the API token survived the change")
	}
	if _, _, err := s.acc.Login(s.ctx, "u-staff", "a-new-password"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	staff = browser()
	s.post(staff, "/login", url.Values{"username": {"u-staff"}, "password": {"a-new-password"}, "csrf": {s.csrfOn(staff, "/login")}})
	admin := browser()
	s.post(admin, "/login", url.Values{"username": {"u-admin"}, "password": {"password-of-admin"}, "csrf": {s.csrfOn(admin, "/login")}})
	code, loc, _ = s.post(admin, "/admin/users/u-staff/password", url.Values{"new_password": {"reset-by-admin"}, "csrf": {s.csrfOn(admin, "/admin/users")}})
	if code != http.StatusSeeOther || loc != "/admin/users?ok=1" {
		t.Fatalf("reset: %d to %q", code, loc)
	}
	if code, _ := s.get(staff, "/dashboard"); code != http.StatusSeeOther {
		t.Errorf("the session survived the reset: %d", code)
	}
	if _, _, err := s.acc.Login(s.ctx, "u-staff", "reset-by-admin"); err != nil {
		t.Fatalf("the reset password: %v", err)
	}
	staff = browser()
	s.post(staff, "/login", url.Values{"username": {"u-staff"}, "password": {"reset-by-admin"}, "csrf": {s.csrfOn(staff, "/login")}})
	code, _, _ = s.post(staff, "/admin/users/u-admin/password", url.Values{"new_password": {"taken-over-pw"}, "csrf": {s.csrfOn(staff, "/password")}})
	if code != http.StatusForbidden {
		t.Errorf("staff reset the admin's password: %d, want 403", code)
	}
	if _, _, err := s.acc.Login(s.ctx, "u-admin", "taken-over-pw"); err == nil {
		t.Error("the admin's password was changed by staff")
	}
}
