package main

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
	"time"
	"unicode/utf8"

	"decisionflow/api"
	"decisionflow/storage"
	"decisionflow/workflow"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// publicServer is an in-process server on a SQLite store with one decision
// open for comment, for fuzzing the public comment endpoint.
func publicServer(t testing.TB) (*httptest.Server, *storage.DB, int64) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "fuzz.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	clock := workflow.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	eng := workflow.NewEngine(db, clock, workflow.DefaultSettings())
	staff := &workflow.User{Username: "staff", Role: workflow.RoleStaff}
	d, err := eng.Create(ctx, staff, workflow.NewDecision{Title: "公开征求意见的决定", Category: "plan", UndertakingUnit: "镇城建办",
		Source: "public", Proposal: "居民建议"})
	if err == nil {
		head := &workflow.User{Username: "head", Role: workflow.RoleHead}
		_, err = eng.Fire(ctx, head, d.ID, workflow.EventStart, []byte(`{"undertaking_unit":"镇城建办","off_catalog_reason":"年度目录编制后提出"}`), 0)
	}
	if err == nil {
		_, err = eng.SaveDraft(ctx, staff, d.ID, workflow.DraftInput{Text: "正文", LegalBases: []string{"《条例》"}}, 0)
	}
	if err == nil {
		_, err = eng.Fire(ctx, staff, d.ID, workflow.EventSubmitDraft, nil, 0)
	}
	if err == nil {
		_, err = eng.SetCommentPeriod(ctx, staff, d.ID, workflow.CommentPeriodInput{OpensOn: "2026-03-02", ClosesOn: "2026-04-01", Channels: []string{"网站"}}, 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	opts := api.DefaultOptions()
	opts.PublicComments = api.Limit{Rate: rate.Inf, Burst: 1}
	srv, err := api.New(eng, workflow.NewAccounts(db, clock), db, db, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, db, d.ID
}

// FuzzPublicComment posts arbitrary bodies to the public comment endpoint:
// never a 5xx; an accepted comment is stored exactly as sent.
func FuzzPublicComment(f *testing.F) {
	for _, s := range []string{
		`{"content":"建议提高补助标准"}`, `{"content":"x","author_name":"<b>甲</b>","contact":"'; DROP TABLE comments; --"}`,
		`{"content":""}`, `{"content":"\u0000"}`, "{\"content\":\"\xff\"}", `{"content":1}`, `{"content":"a","extra":true}`,
		`[[[[[[[[[[`, `{"content":"` + strings.Repeat("长", 5001) + `"}`, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	ts, db, id := publicServer(f)
	url := fmt.Sprintf("%s/api/v1/public/consultations/%d/comments", ts.URL, id)
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := http.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		switch res.StatusCode {
		case 400, 413, 422:
			return
		case 201:
		default:
			t.Fatalf("status %d for %q: %s", res.StatusCode, body, out)
		}
		var sent workflow.PublicCommentInput
		if err := json.Unmarshal(body, &sent); err != nil || !utf8.Valid(body) {
			t.Fatalf("accepted a body that is not a valid comment: %q", body)
		}
		var got struct{ ID int64 }
		_ = json.Unmarshal(out, &got)
		comments, err := db.Comments(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range comments {
			if c.ID == got.ID {
				if c.Content != sent.Content || c.AuthorName != sent.AuthorName || c.Contact != sent.Contact {
					t.Fatalf("stored %q, sent %q", c.Content, sent.Content)
				}
				return
			}
		}
		t.Fatalf("comment %d was acknowledged but not stored", got.ID)
	})
}

// TestHostileInputs sends hostile inputs through HTTP to the real binary:
// each is stored verbatim or refused with 400 (413 when over 1 MiB), never a
// 5xx, and always escaped when a page shows it.
func TestHostileInputs(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "hostile.db")
	s := startServer(t, dsn, "DECISIONFLOW_NOW="+day0)
	seedAccounts(t, dsn)
	staff := s.login("staff", "staff-password")
	verbatim := []string{
		`<script>alert("x")</script>`, `'; DROP TABLE decisions; --`, `" OR 1=1 --`, `{{.}} ${7*7} %s %n`,
		`<img src=x onerror=alert(1)>`, "تجربة עברית 🚀", `\u0000 literally`,
	}
	for i, v := range verbatim {
		r := s.call("POST", "/api/v1/decisions", staff, map[string]string{"title": v, "summary": v, "category": "plan", "undertaking_unit": v, "source": "public", "proposal": v})
		if r.status != 201 {
			t.Fatalf("%q: status %d %s", v, r.status, r.body)
		}
		d := r.json(t)
		if d["title"] != v || d["undertaking_unit"] != v || d["proposal"] != v {
			t.Fatalf("%q was not stored verbatim: %v", v, d["title"])
		}
		id := int64(d["id"].(float64))
		got := s.want(s.call("GET", fmt.Sprintf("/api/v1/decisions/%d", id), staff, nil), 200, "")
		if got["title"] != v {
			t.Fatalf("read back %q, sent %q", got["title"], v)
		}
		if i == 0 {
			page := uiPage(t, s, "staff", "staff-password", fmt.Sprintf("/decisions/%d", id))
			if strings.Contains(page, `<script>alert("x")</script>`) || !strings.Contains(page, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`) {
				t.Fatal("the decision page does not escape the title")
			}
		}
	}
	refused := map[string]int{
		"NUL in a string":    400,
		"invalid UTF-8":      400,
		"deep nesting":       400,
		"huge title":         400,
		"over 1 MiB":         413,
		"not JSON":           400,
		"number as a title":  400,
		"bidi override":      400,
		"tab in a unit":      400,
		"newline in a title": 400,
	}
	bodies := map[string][]byte{
		"NUL in a string":    []byte(`{"title":"a\u0000b","category":"plan","undertaking_unit":"u","source":"public","proposal":"p"}`),
		"invalid UTF-8":      []byte("{\"title\":\"\xff\xfe\",\"category\":\"plan\",\"undertaking_unit\":\"u\",\"source\":\"public\",\"proposal\":\"p\"}"),
		"deep nesting":       []byte(`{"title":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`),
		"huge title":         []byte(`{"title":"` + strings.Repeat("题", 200001) + `","category":"plan","undertaking_unit":"u","source":"public","proposal":"p"}`),
		"over 1 MiB":         bytes.Repeat([]byte(" "), 1<<20+10),
		"bidi override":      []byte(`{"title":"关于\u202e反转的决定","category":"plan","undertaking_unit":"u","source":"public","proposal":"p"}`),
		"tab in a unit":      []byte(`{"title":"t","category":"plan","undertaking_unit":"镇\t城建办","source":"public","proposal":"p"}`),
		"newline in a title": []byte(`{"title":"a\nb","category":"plan","undertaking_unit":"u","source":"public","proposal":"p"}`),
		"not JSON":           []byte(`title=x&category=plan`),
		"number as a title":  []byte(`{"title":1e999,"category":"plan","undertaking_unit":"u","source":"public","proposal":"p"}`),
	}
	for name, b := range bodies {
		r := s.call("POST", "/api/v1/decisions", staff, b)
		if r.status != refused[name] {
			t.Errorf("%s: status %d, want %d: %.200s", name, r.status, refused[name], r.body)
		}
	}
	list := s.want(s.call("GET", "/api/v1/decisions?limit=200", staff, nil), 200, "")["decisions"].([]any)
	if len(list) != len(verbatim) {
		t.Fatalf("%d decisions after the refusals, want %d", len(list), len(verbatim))
	}
}

// uiPage signs in with the session cookie and returns a page's HTML.
func uiPage(t *testing.T, s *server, user, password, path string) string {
	t.Helper()
	jar := newJar(t)
	c := &http.Client{Jar: jar}
	res, err := c.Get(s.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfToken.FindSubmatch(b)
	if m == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	res, err = c.PostForm(s.base+"/login", map[string][]string{"username": {user}, "password": {password}, "csrf": {string(m[1])}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = c.Get(s.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ = io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("%s: %d", path, res.StatusCode)
	}
	return string(b)
}
