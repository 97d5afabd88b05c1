package web

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"decisionflow/workflow"
)

// TestHugeUsernameRefused: a username no account can have (a megabyte of
// it) is refused with 400 before the sign-in limits key on it, as by the API.
func TestHugeUsernameRefused(t *testing.T) {
	s := newSite(t, workflow.PolicyAllFive)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, page := s.get(c, "/login")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	code, _, _ := s.post(c, "/login", url.Values{"username": {strings.Repeat("a", 500000)}, "password": {"x"}, "csrf": {m[1]}})
	if code != http.StatusBadRequest {
		t.Fatalf("sign-in with a 1 MB username: %d, want 400", code)
	}
	if err := workflow.CheckLoginName("staff"); err != nil {
		t.Fatalf("a real username refused: %v", err)
	}
}
