package web

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"decisionflow/api"
	"decisionflow/storage"
	"decisionflow/workflow"

	"github.com/prometheus/client_golang/prometheus"
)

// site is the API and the pages over a fresh SQLite store, with the
// engine's clock in the test's hands and one signed-in browser per role.
type site struct {
	t       *testing.T
	ctx     context.Context
	base    string
	eng     *workflow.Engine
	clock   *workflow.ManualClock
	users   map[workflow.Role]*workflow.User
	clients map[workflow.Role]*http.Client
}

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newSite(t *testing.T, policy workflow.Policy) *site {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	settings := workflow.DefaultSettings()
	settings.Policy = policy
	clock := workflow.NewManualClock(start)
	eng := workflow.NewEngine(db, clock, settings)
	// Sessions run on the real clock: the engine's moves on by days.
	acc := workflow.NewAccounts(db, workflow.SystemClock{})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := api.New(eng, acc, db, db, log, prometheus.NewRegistry(), api.Options{})
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
	s := &site{t: t, ctx: ctx, base: ts.URL, eng: eng, clock: clock,
		users: map[workflow.Role]*workflow.User{}, clients: map[workflow.Role]*http.Client{}}
	for _, r := range workflow.Roles {
		in := workflow.NewUser{Username: "u-" + string(r), Role: r, Password: "password-of-" + string(r)}
		if s.users[r], err = acc.CreateUser(ctx, nil, in); err != nil {
			t.Fatal(err)
		}
		s.clients[r] = s.signIn(in.Username, in.Password)
	}
	return s
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// with is the site as a subtest uses it.
func (s *site) with(t *testing.T) *site {
	c := *s
	c.t = t
	return &c
}

// signIn signs in through the sign-in page and returns the browser.
func (s *site) signIn(username, password string) *http.Client {
	s.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, page := s.get(c, "/login")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		s.t.Fatal("no CSRF token on the sign-in page")
	}
	code, _, _ := s.post(c, "/login", url.Values{"username": {username}, "password": {password}, "csrf": {m[1]}})
	if code != http.StatusSeeOther {
		s.t.Fatalf("sign-in as %s: %d", username, code)
	}
	return c
}

func (s *site) get(c *http.Client, path string) (int, string) {
	s.t.Helper()
	res, err := c.Get(s.base + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (s *site) post(c *http.Client, path string, form url.Values) (int, string, string) {
	s.t.Helper()
	res, err := c.PostForm(s.base+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

// today is the engine's date, as a form writes it.
func (s *site) today() string { return s.eng.Today().String() }

// values are what a person types into a form with these fields so that the
// engine accepts it: each required field filled in, optional ones left
// blank but for those some rule asks for.
func (s *site) values(fields []workflow.Field) url.Values {
	v := url.Values{}
	for _, f := range fields {
		switch {
		case f.Kind == workflow.FieldMeeting:
			s.meeting(v)
		case f.Optional:
		case f.Kind == workflow.FieldBool:
			v.Set(f.Name, "1")
		case f.Kind == workflow.FieldDate:
			v.Set(f.Name, s.today())
		case f.Kind == workflow.FieldEnum:
			v.Set(f.Name, f.Values[0])
		case f.Kind == workflow.FieldList:
			v.Set(f.Name, "甲\r\n乙")
		default:
			v.Set(f.Name, "测试："+f.Name)
		}
	}
	for name, val := range filled {
		if v.Has(name) || has(fields, name) {
			v.Set(name, val)
		}
	}
	for _, name := range unticked {
		v.Del(name)
	}
	s.hearingValues(v, fields) // catalog_test.go
	return v
}

// filled are fields whose value the rules care about: a comment period of
// one day (shortened, with its reason); unticked the checkboxes to leave
// blank (an expert with an interest may not take part; a decision is
// published).
var (
	filled   = map[string]string{"shortening_reason": "测试：一日", "departure_reason": "测试：理由"}
	unticked = []string{"conflict_of_interest", "not_disclosed", "evaluator_assessed_before"}
)

func has(fields []workflow.Field, name string) bool {
	for _, f := range fields {
		if f.Name == name || (f.Kind == workflow.FieldMeeting && name == departureReason.Name) {
			return true
		}
	}
	return false
}

// meeting fills in the minutes: three members who agree, the head last.
func (s *site) meeting(v url.Values) {
	v.Set("kind", workflow.MeetingKinds[0])
	v.Set("held_on", s.today())
	v.Set("location", "镇政府会议室")
	v.Set("members_total", "3")
	for i, who := range []string{"甲", "乙", "镇长"} {
		n := fmt.Sprint(i)
		v.Set("name_"+n, who)
		v.Set("position_"+n, "委员")
		v.Set("is_member_"+n, "1")
		v.Set("opinion_"+n, "agree")
		v.Set("statement_"+n, "同意")
	}
	v.Set("is_head_2", "1")
}

// formRe finds a form by its id; inputRe the inputs in it.
var (
	inputRe    = regexp.MustCompile(`<(input|textarea|select)\b([^>]*)>`)
	attrRe     = regexp.MustCompile(`(\w[\w-]*)="([^"]*)"`)
	selectedRe = regexp.MustCompile(`<option value="([^"]*)"\s*selected`)
	textareaRe = regexp.MustCompile(`(?s)<textarea\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>`)
)

// form is one form of a page: where it posts and the values it would send
// as the page left it.
type form struct {
	action     string
	names      map[string]bool
	checkboxes map[string]bool
	values     url.Values
}

// formOn finds the form with the id on the page, or returns nil.
func formOn(page, id string) *form {
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		return nil
	}
	open := strings.LastIndex(page[:i], "<form ")
	end := strings.Index(page[i:], "</form>")
	body := page[open : i+end]
	f := &form{names: map[string]bool{}, checkboxes: map[string]bool{}, values: url.Values{}}
	head := attrs(body[:strings.Index(body, ">")])
	f.action = html.UnescapeString(head["action"])
	for _, m := range inputRe.FindAllStringSubmatch(body, -1) {
		a := attrs(m[2])
		name := a["name"]
		if name == "" {
			continue
		}
		f.names[name] = true
		switch {
		case m[1] == "input" && a["type"] == "checkbox":
			f.checkboxes[name] = true
			if _, on := a["checked"]; on {
				f.values.Set(name, a["value"])
			}
		case m[1] == "input":
			f.values.Set(name, html.UnescapeString(a["value"]))
		}
	}
	for _, m := range textareaRe.FindAllStringSubmatch(body, -1) {
		f.values.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, sel := range strings.Split(body, "<select")[1:] {
		a := attrs(sel[:strings.Index(sel, ">")])
		if m := selectedRe.FindStringSubmatch(sel[:strings.Index(sel, "</select>")]); m != nil {
			f.values.Set(a["name"], m[1])
		}
	}
	return f
}

// attrs reads the attributes of a tag; a bare attribute has the value "".
func attrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRe.FindAllStringSubmatch(tag, -1) {
		out[m[1]] = m[2]
	}
	for _, w := range strings.Fields(attrRe.ReplaceAllString(tag, "")) {
		out[strings.Trim(w, "/")] = ""
	}
	return out
}

// fill sets the values typed into the form, each into an input the form has.
func (f *form) fill(t *testing.T, id string, typed url.Values) url.Values {
	t.Helper()
	out := url.Values{}
	for k, v := range f.values {
		out[k] = v
	}
	for k, v := range typed {
		if !f.names[k] {
			t.Fatalf("form %s has no input %s (it has %v)", id, k, f.names)
		}
		out[k] = v
	}
	for k := range f.checkboxes {
		if _, ok := typed[k]; !ok {
			delete(out, k) // a checkbox the person did not tick
		}
	}
	return out
}

// fieldsOf is the table's fields of the capability the form is of.
func (f *form) fieldsOf(t *testing.T) []workflow.Field {
	t.Helper()
	name := f.action[strings.LastIndex(f.action, "/")+1:]
	if ev, ok := workflow.LookupEvent(name); ok {
		return ev.Fields
	}
	if a, ok := workflow.LookupAction(name); ok {
		return a.Fields
	}
	t.Fatalf("form posting to %s is of no event or record action", f.action)
	return nil
}
