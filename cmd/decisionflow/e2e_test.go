package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"decisionflow/storage/pgtest"
	"decisionflow/workflow"

	"github.com/xuri/excelize/v2"
)

// The end-to-end tests build the real binary once and drive it over HTTP.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dfbin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "decisionflow")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// server is a running decisionflow process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	logs *syncWriter
	done chan struct{}
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServer runs `decisionflow serve` on a free port with env added.
func startServer(t *testing.T, dsn string, env ...string) *server {
	t.Helper()
	return startServerArgs(t, []string{"--db", dsn}, env...)
}

// startServerArgs runs `decisionflow serve` on a free port with args and env added.
func startServerArgs(t *testing.T, args []string, env ...string) *server {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, logs: &syncWriter{}, done: make(chan struct{})}
	cmd.Stderr = s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	go func() { cmd.Wait(); close(s.done) }() //nolint:errcheck // the exit is checked in stop
	select {
	case s.base = <-found:
	case <-s.done:
		t.Fatalf("server exited at start:\n%s", s.logs)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("server did not start:\n%s", s.logs)
	}
	t.Cleanup(s.stop)
	return s
}

// syncWriter collects the server's log while the test reads it.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(b)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// stop sends SIGTERM and waits for the graceful shutdown.
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		if code := s.cmd.ProcessState.ExitCode(); code != 0 {
			s.t.Errorf("server exited with %d after SIGTERM:\n%s", code, s.logs)
		}
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		s.t.Errorf("server did not stop on SIGTERM")
	}
}

// leak matches what no response may show: SQL, driver and Go error text, stacks.
var leak = regexp.MustCompile(`(?i)\b(select|insert|update|delete)\s.*\b(from|into|set)\b|pq:|sqlite3|goroutine \d|\.go:\d+|runtime error|panic|sql: |json: |invalid character`)

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// call sends one request. Every response body of the suite passes through
// here and is checked for leaked internals.
func (s *server) call(method, path, token string, body any, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if path != "/metrics" && path != "/api/v1/openapi.yaml" && leak.Match(b) {
		s.t.Errorf("%s %s: the response shows internals:\n%s", method, path, b)
	}
	if res.StatusCode >= 400 && path != "/metrics" {
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
			s.t.Errorf("%s %s: status %d with Content-Type %q, want application/problem+json", method, path, res.StatusCode, ct)
		}
	}
	return response{res.StatusCode, res.Header, b}
}

// want checks the status and, for a problem, its rule.
func (s *server) want(r response, status int, rule string) map[string]any {
	s.t.Helper()
	if r.status != status {
		s.t.Fatalf("status %d, want %d:\n%s", r.status, status, r.body)
	}
	if rule == "" {
		if len(r.body) == 0 || r.body[0] != '{' {
			return nil
		}
		return r.json(s.t)
	}
	m := r.json(s.t)
	if m["rule"] != rule || int(m["status"].(float64)) != status {
		s.t.Fatalf("rule %v status %v, want %s %d:\n%s", m["rule"], m["status"], rule, status, r.body)
	}
	return m
}

func (s *server) login(username, password string) string {
	s.t.Helper()
	m := s.want(s.call("POST", "/api/v1/login", "", map[string]string{"username": username, "password": password}), 200, "")
	return m["token"].(string)
}

func (s *server) fire(token string, id int64, event string, data any, headers ...string) response {
	s.t.Helper()
	return s.call("POST", fmt.Sprintf("/api/v1/decisions/%d/events", id), token, map[string]any{"event": event, "data": data}, headers...)
}

func stores(t *testing.T) map[string]string {
	return map[string]string{
		"postgres": pgtest.Default(t).EmptyDatabase(t),
		"sqlite":   filepath.Join(t.TempDir(), "e2e.db"),
	}
}

// The walk starts on a Monday morning in Shanghai; the second half runs 31
// days later, after a restart with the clock moved on.
const (
	day0  = "2026-03-02T09:00:00+08:00"
	day31 = "2026-04-02T09:00:00+08:00"
)

// meeting is a lawful meeting: the members speak with these opinions in
// order, then the head, last (Art 30); more than half of the body attends.
func meeting(heldOn string, opinions ...string) map[string]any {
	var att []map[string]any
	for i, o := range opinions {
		att = append(att, map[string]any{"name": fmt.Sprint("委员", i+1), "position": "班子成员", "opinion": o, "statement": "发言"})
	}
	att = append(att, map[string]any{"name": "张镇长", "position": "镇长", "is_head": true, "opinion": "agree", "statement": "同意"})
	return map[string]any{"kind": "executive_meeting", "held_on": heldOn, "location": "镇政府会议室",
		"members_total": len(att) + 1, "attendees": att}
}

// TestEndToEnd drives a decision from creation to archived over HTTP, with a
// public comment, on the real binary against each store; and shows every
// error status of the contract along the way.
func TestEndToEnd(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if out, err := exec.Command(binary(t), "migrate", "--db", dsn).CombinedOutput(); err != nil {
				t.Fatalf("migrate: %v\n%s", err, out)
			}
			s := startServer(t, dsn, "DECISIONFLOW_NOW="+day0)
			// No account yet: `user add` makes the first admin; the admin makes the others.
			out, err := exec.Command(binary(t), "user", "add", "--db", dsn, "--username", "admin", "--role", "admin", "--password", "admin-password-1").CombinedOutput()
			if err != nil {
				t.Fatalf("user add: %v\n%s", err, out)
			}
			admin := s.login("admin", "admin-password-1")
			for _, u := range []map[string]string{
				{"username": "staff", "display_name": "王芳", "role": "staff", "password": "staff-password"},
				{"username": "legal", "display_name": "李律师", "role": "legal_advisor", "password": "legal-password"},
				{"username": "head", "display_name": "张镇长", "role": "head", "password": "head-password"},
			} {
				s.want(s.call("POST", "/api/v1/users", admin, u), 201, "")
			}
			staff, legal, head := s.login("staff", "staff-password"), s.login("legal", "legal-password"), s.login("head", "head-password")
			tokens := map[string]string{"staff": staff, "legal_advisor": legal, "head": head, "admin": admin}

			// 401, 403 for creating as another role, 400s, 422 for a rule.
			s.want(s.call("GET", "/api/v1/decisions", "", nil), 401, "unauthenticated")
			s.want(s.call("GET", "/api/v1/decisions", "not-a-token", nil), 401, "unauthenticated")
			newDecision := map[string]string{"title": "关于老旧小区加装电梯补助的决定", "summary": "财政补助", "category": "public_policy", "undertaking_unit": "镇城建办",
				"source": "leadership", "proposal": "镇领导班子建议对老旧小区加装电梯给予财政补助"}
			s.want(s.call("POST", "/api/v1/decisions", head, newDecision), 403, "role-not-allowed")
			s.want(s.call("POST", "/api/v1/decisions", staff, `{"title": "x",`), 400, "invalid-request")
			p := s.want(s.call("POST", "/api/v1/decisions", staff, `{"title": 7, "category": "plan", "undertaking_unit": "u"}`), 400, "invalid-request")
			if errs := p["errors"].([]any); len(errs) == 0 || errs[0].(map[string]any)["field"] != "title" {
				t.Fatalf("wrong type: errors %v, want the field title", p["errors"])
			}
			p = s.want(s.call("POST", "/api/v1/decisions", staff, map[string]string{"title": "t", "category": "plan", "undertaking_unit": "u", "source": "public", "proposal": "p", "secret": "x"}), 400, "invalid-request")
			if errs := p["errors"].([]any); len(errs) == 0 || errs[0].(map[string]any)["field"] != "secret" {
				t.Fatalf("unknown field: errors %v, want the field secret", p["errors"])
			}
			// Neither a catalog entry nor a proposal: 400 naming source (both: the catalog below).
			p = s.want(s.call("POST", "/api/v1/decisions", staff, map[string]string{"title": "t", "category": "plan", "undertaking_unit": "u"}), 400, "invalid-request")
			if errs := p["errors"].([]any); len(errs) == 0 || errs[0].(map[string]any)["field"] != "source" ||
				errs[0].(map[string]any)["message"] != "give catalog_entry_id, or source and proposal" {
				t.Fatalf("neither an entry nor a proposal: errors %v, want the field source", p["errors"])
			}
			s.want(s.call("POST", "/api/v1/decisions", staff, map[string]string{"title": "立法", "category": "legislation", "undertaking_unit": "u", "source": "public", "proposal": "p"}), 422, workflow.RuleExcludedCategory)
			s.want(s.call("POST", "/api/v1/decisions", staff, bytes.Repeat([]byte("x"), 1<<20+1)), 413, "body-too-large")

			// Create, with an idempotent retry.
			r := s.call("POST", "/api/v1/decisions", staff, newDecision, "Idempotency-Key", "create-1")
			d := s.want(r, 201, "")
			id := int64(d["id"].(float64))
			if r.header.Get("Location") != fmt.Sprintf("/api/v1/decisions/%d", id) || r.header.Get("ETag") != `"1"` {
				t.Fatalf("create headers: %v", r.header)
			}
			again := s.call("POST", "/api/v1/decisions", staff, newDecision, "Idempotency-Key", "create-1")
			if again.status != 201 || !bytes.Equal(again.body, r.body) || again.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("idempotent retry: %d %s", again.status, again.body)
			}
			s.want(s.call("POST", "/api/v1/decisions", staff, map[string]string{"title": "另一个", "category": "plan", "undertaking_unit": "u", "source": "public", "proposal": "p"}, "Idempotency-Key", "create-1"), 422, "idempotency-key-reused")
			list := s.want(s.call("GET", "/api/v1/decisions", head, nil), 200, "")
			if n := len(list["decisions"].([]any)); n != 1 {
				t.Fatalf("%d decisions after an idempotent retry, want 1", n)
			}
			s.want(s.call("GET", "/api/v1/decisions/999999", staff, nil), 404, "not-found")
			s.want(s.call("GET", "/api/v1/decisions/abc", staff, nil), 400, "invalid-request")

			path := func(p string) string { return fmt.Sprintf("/api/v1/decisions/%d%s", id, p) }
			// The proposal, in proposed; the head starts it outside the catalog.
			if d["state"] != "proposed" || d["source"] != "leadership" {
				t.Fatalf("created: state %v source %v, want proposed from the leadership", d["state"], d["source"])
			}
			s.want(s.fire(head, id, "start", map[string]any{"undertaking_unit": "镇城建办", "off_catalog_reason": "群众反映集中，年度目录编制后提出"}), 200, "")
			s.want(s.call("PUT", path("/draft"), staff, map[string]any{"text": "第一条 为改善老旧小区居住条件，制定本办法。", "legal_bases": []string{"《重大行政决策程序暂行条例》"}}), 200, "")
			// 409 with allowed_events: staff cannot complete public participation from drafting.
			p = s.want(s.fire(staff, id, "complete_public_participation", map[string]string{"adoption_report": "x"}), 409, "event-not-allowed")
			if p["state"] != "drafting" || fmt.Sprint(p["allowed_events"]) != "[submit_draft]" {
				t.Fatalf("409 body: %v", p)
			}
			// 412 on a stale If-Match, then the event with the current one; idempotent retry adds no entry.
			s.want(s.fire(staff, id, "submit_draft", nil, "If-Match", `"1"`), 412, "version-mismatch")
			cur := s.want(s.call("GET", path(""), staff, nil), 200, "")
			etag := fmt.Sprintf(`"%d"`, int(cur["version"].(float64)))
			first := s.fire(staff, id, "submit_draft", nil, "If-Match", etag, "Idempotency-Key", "submit-1")
			s.want(first, 200, "")
			entries := len(s.want(s.call("GET", path("/history"), staff, nil), 200, "")["entries"].([]any))
			retry := s.fire(staff, id, "submit_draft", nil, "If-Match", etag, "Idempotency-Key", "submit-1")
			if retry.status != 200 || !bytes.Equal(retry.body, first.body) {
				t.Fatalf("idempotent retry of an event: %d %s", retry.status, retry.body)
			}
			if n := len(s.want(s.call("GET", path("/history"), staff, nil), 200, "")["entries"].([]any)); n != entries {
				t.Fatalf("the retry added %d journal entries", n-entries)
			}

			// Public participation: the window, a public comment from no account, a letter.
			s.want(s.call("PUT", path("/comment-period"), staff, map[string]any{"opens_on": "2026-03-02", "closes_on": "2026-04-01", "channels": []string{"镇政府网站"}}), 200, "")
			cons := s.want(s.call("GET", "/api/v1/public/consultations", "", nil), 200, "")["consultations"].([]any)
			if len(cons) != 1 || !strings.Contains(fmt.Sprint(cons[0]), "第一条") {
				t.Fatalf("consultations: %v", cons)
			}
			pub := s.want(s.call("POST", fmt.Sprintf("/api/v1/public/consultations/%d/comments", id), "", map[string]string{"content": "建议提高补助标准", "author_name": "居民甲", "contact": "13800000000"}), 201, "")
			if strings.Contains(string(s.call("GET", "/api/v1/public/consultations", "", nil).body), "13800000000") {
				t.Fatal("a contact is shown publicly")
			}
			letter := s.want(s.call("POST", path("/comments"), staff, map[string]string{"channel": "letter", "author_name": "居民乙", "content": "请明确申请流程"}), 201, "")
			for _, c := range []map[string]any{pub, letter} {
				s.want(s.call("PUT", path(fmt.Sprintf("/comments/%d/disposition", int64(c["id"].(float64)))), staff, map[string]string{"disposition": "adopted", "reason": "已采纳"}), 200, "")
			}
			s.want(s.fire(staff, id, "complete_public_participation", map[string]string{"adoption_report": "已全部处理"}), 422, workflow.RuleCommentPeriodNotEnded)

			// 429: the public endpoint and login.
			limited := false
			for i := 0; i < 10 && !limited; i++ {
				r := s.call("POST", fmt.Sprintf("/api/v1/public/consultations/%d/comments", id), "", map[string]string{"content": fmt.Sprint("重复意见", i)})
				if r.status == 429 {
					s.want(r, 429, "rate-limited")
					limited = r.header.Get("Retry-After") != ""
				}
			}
			if !limited {
				t.Fatal("the public comment endpoint never answered 429 with Retry-After")
			}
			// Lists come a page at a time, newest first.
			seen, pages := map[float64]bool{}, 0
			for next := ""; pages == 0 || next != ""; pages++ {
				p := s.want(s.call("GET", path("/comments?limit=2"+next), staff, nil), 200, "")
				last := 1e18
				for _, c := range p["comments"].([]any) {
					cid := c.(map[string]any)["id"].(float64)
					if seen[cid] || cid >= last {
						t.Fatalf("page %d repeats or misorders comment %v", pages, cid)
					}
					seen[cid], last = true, cid
				}
				next = ""
				if tok, ok := p["next_page_token"].(string); ok {
					next = "&page_token=" + tok
				}
			}
			if all := s.want(s.call("GET", path("/comments?limit=200"), staff, nil), 200, "")["comments"].([]any); len(all) != len(seen) || pages < 2 {
				t.Fatalf("pages gave %d comments in %d pages, the whole list has %d", len(seen), pages, len(all))
			}
			s.want(s.call("GET", path("/comments?limit=0"), staff, nil), 400, "invalid-request")
			s.want(s.call("GET", path("/comments?page_token=forged"), staff, nil), 400, "invalid-request")
			// The comments sent before the limit need dispositions too.
			for _, c := range s.want(s.call("GET", path("/comments?limit=200"), staff, nil), 200, "")["comments"].([]any) {
				if c.(map[string]any)["disposition"] == nil {
					s.want(s.call("PUT", path(fmt.Sprintf("/comments/%d/disposition", int64(c.(map[string]any)["id"].(float64)))), staff, map[string]string{"disposition": "duplicate", "reason": "与前述意见重复"}), 200, "")
				}
			}
			limited = false
			for i := 0; i < 10 && !limited; i++ {
				r := s.call("POST", "/api/v1/login", "", map[string]string{"username": "guesser", "password": "wrong-password"})
				limited = r.status == 429
				if !limited {
					s.want(r, 401, "unauthenticated")
				}
			}
			if !limited {
				t.Fatal("login never answered 429")
			}

			// 31 days on: restart the server with the clock moved on. Nothing acknowledged is lost.
			s.stop()
			s = startServer(t, dsn, "DECISIONFLOW_NOW="+day31)
			staff, legal, head = s.login("staff", "staff-password"), s.login("legal", "legal-password"), s.login("head", "head-password")
			tokens = map[string]string{"staff": staff, "legal_advisor": legal, "head": head, "admin": s.login("admin", "admin-password-1")}
			s.want(s.fire(staff, id, "complete_public_participation", map[string]string{"adoption_report": "已全部处理"}), 200, "")
			s.want(s.fire(staff, id, "complete_expert_review", map[string]string{"adoption_report": "已采纳专家意见"}), 422, workflow.RuleExpertOpinionsRequired)
			s.want(s.call("POST", path("/expert-opinions"), staff, map[string]any{"expert_name": "周教授", "institution": "省规划院", "opinion": "可行", "signed": true, "conflict_of_interest": false}), 201, "")
			s.want(s.fire(staff, id, "complete_expert_review", map[string]string{"adoption_report": "已采纳专家意见"}), 200, "")
			s.want(s.fire(staff, id, "complete_risk_assessment", map[string]any{"risk_points": "攀比", "measures": "公开标准", "response_plan": "设咨询窗口", "consulted_departments": []string{"镇财政所"}, "conclusion": "controllable"}), 200, "")

			// 403 for each event fired by a wrong role, in the event's own state.
			pass := map[string]any{"opinion": "合法", "authority": true, "procedure": true, "content": true}
			for role, tok := range tokens {
				if role != "legal_advisor" {
					s.want(s.fire(tok, id, "pass_legality_review", pass), 403, "role-not-allowed")
				}
			}
			s.want(s.fire(legal, id, "pass_legality_review", pass), 200, "")
			approve := map[string]any{"meeting": meeting("2026-04-02", "agree", "agree", "agree")}
			for role, tok := range tokens {
				if role != "head" {
					s.want(s.fire(tok, id, "approve", approve), 403, "role-not-allowed")
				}
			}
			s.want(s.fire(head, id, "approve", approve), 200, "")
			s.want(s.fire(staff, id, "publish", map[string]any{"published_on": "2026-04-02", "channels": []string{"镇政府网站"}, "party_reported_on": "2026-04-02"}), 200, "")
			s.want(s.fire(staff, id, "complete_execution", map[string]string{"summary": "补助已全部发放", "completed_on": "2026-04-02"}), 200, "")
			d = s.want(s.fire(staff, id, "archive", map[string]string{"archive_no": "WS·2026-Y-0012"}), 200, "")
			if d["state"] != "archived" {
				t.Fatalf("state %v, want archived", d["state"])
			}
			// 403 for every event fired by every role that may not fire it.
			for _, ev := range workflow.Events {
				if ev.Internal {
					continue // not part of the API: 400 (TestAfterTheDecision)
				}
				for role, tok := range tokens {
					if role != string(ev.Role) {
						s.want(s.fire(tok, id, ev.Name, nil), 403, "role-not-allowed")
					}
				}
			}
			v := s.want(s.call("GET", path("/verify"), head, nil), 200, "")
			hist := s.want(s.call("GET", path("/history"), head, nil), 200, "")["entries"].([]any)
			if v["ok"] != true || int(v["entries"].(float64)) != len(hist) || v["head_hash"] != hist[len(hist)-1].(map[string]any)["hash"] {
				t.Fatalf("verify: %v", v)
			}
			for _, e := range hist {
				if strings.Contains(fmt.Sprint(e), "13800000000") {
					t.Fatal("the journal holds a public contact")
				}
			}
			checkDossier(t, s, head, id, len(hist), v["head_hash"].(string))
			metrics := string(s.call("GET", "/metrics", "", nil).body)
			for _, m := range []string{`decisionflow_transitions_total{event="archive"} 1`, `decisionflow_http_request_duration_seconds_bucket{method="POST",route="/api/v1/decisions/:id/events"`,
				`decisionflow_http_requests_total{method="POST",route="/api/v1/decisions/:id/events",status="403"}`,
				`decisionflow_rule_refusals_total{rule="expert-opinions-required"} 1`, `go_sql_max_open_connections{db_name="decisionflow"}`} {
				if !strings.Contains(metrics, m) {
					t.Errorf("metrics lack %s", m)
				}
			}
			s.want(s.call("GET", "/readyz", "", nil), 200, "")
			s.want(s.call("GET", "/healthz", "", nil), 200, "")
			if !strings.Contains(string(s.call("GET", "/api/v1/openapi.yaml", "", nil).body), "openapi: 3") {
				t.Fatal("openapi.yaml is not served")
			}
			if out, err := exec.Command(binary(t), "verify", "--db", dsn).CombinedOutput(); err != nil || !strings.Contains(string(out), "intact") {
				t.Fatalf("verify: %v\n%s", err, out)
			}
			for _, secret := range []string{"staff-password", staff} {
				if strings.Contains(s.logs.String(), secret) {
					t.Fatal("the server log shows a password or token")
				}
			}
		})
	}
}

// TestDatabaseDown: while PostgreSQL is stopped, requests get 503 (not 500,
// not a hang) and /readyz fails; when it returns, the server recovers by
// itself.
func TestDatabaseDown(t *testing.T) {
	c, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	dsn := c.EmptyDatabase(t)
	s := startServer(t, dsn, "DECISIONFLOW_NOW="+day0)
	for _, u := range [][3]string{{"staff", "staff", "staff-password"}, {"head", "head", "head-password"}} {
		if out, err := exec.Command(binary(t), "user", "add", "--db", dsn, "--username", u[0], "--role", u[1], "--password", u[2]).CombinedOutput(); err != nil {
			t.Fatalf("user add: %v\n%s", err, out)
		}
	}
	staff := s.login("staff", "staff-password")
	d := s.want(s.call("POST", "/api/v1/decisions", staff, map[string]string{"title": "t", "category": "plan", "undertaking_unit": "u", "source": "public", "proposal": "p"}), 201, "")
	id := int64(d["id"].(float64))
	s.want(s.fire(s.login("head", "head-password"), id, "start", map[string]string{"undertaking_unit": "u", "off_catalog_reason": "r"}), 200, "")

	if err := c.StopServer(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s.want(s.call("GET", fmt.Sprintf("/api/v1/decisions/%d", id), staff, nil), 503, "unavailable")
	s.want(s.call("PUT", fmt.Sprintf("/api/v1/decisions/%d/draft", id), staff, map[string]any{"text": "x", "legal_bases": []string{"y"}}), 503, "unavailable")
	s.want(s.call("GET", "/readyz", "", nil), 503, "unavailable")
	if el := time.Since(start); el > 20*time.Second {
		t.Fatalf("503s took %s", el)
	}
	if err := c.StartServer(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for s.call("GET", "/readyz", "", nil).status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the server did not recover after PostgreSQL returned")
		}
		time.Sleep(200 * time.Millisecond)
	}
	got := s.want(s.call("GET", fmt.Sprintf("/api/v1/decisions/%d", id), staff, nil), 200, "")
	if got["draft"] != nil {
		t.Fatal("a write refused with 503 was applied")
	}
	s.want(s.call("PUT", fmt.Sprintf("/api/v1/decisions/%d/draft", id), staff, map[string]any{"text": "x", "legal_bases": []string{"y"}}), 200, "")
}

// checkDossier: the dossier holds every record of the archived decision; the
// zip's manifest sums match its files; its journal head matches verify.
func checkDossier(t *testing.T, s *server, token string, id int64, entries int, head string) {
	t.Helper()
	var d workflow.Dossier
	r := s.want(s.call("GET", fmt.Sprintf("/api/v1/decisions/%d/dossier", id), token, nil), 200, "")
	b, _ := json.Marshal(r)
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	switch {
	case d.Decision.State != workflow.StateArchived || d.ArchiveNo != "WS·2026-Y-0012":
		t.Fatalf("dossier decision %s archive %q", d.Decision.State, d.ArchiveNo)
	case len(d.Drafts) != 1 || d.CommentPeriod == nil || d.CommentPeriod.ClosesOn.String() != "2026-04-01":
		t.Fatalf("dossier drafts %d period %+v", len(d.Drafts), d.CommentPeriod)
	case len(d.Comments) < 2 || len(d.ExpertOpinions) != 1 || d.RiskReport == nil || len(d.LegalityOpinions) != 1:
		t.Fatalf("dossier records: %d comments, %d opinions, risk %v, %d legality opinions", len(d.Comments), len(d.ExpertOpinions), d.RiskReport != nil, len(d.LegalityOpinions))
	case len(d.Meetings) != 1 || !strings.Contains(string(d.Meetings[0].Data), `"statement":"发言"`) || d.Publication == nil:
		t.Fatalf("dossier meetings %d publication %v", len(d.Meetings), d.Publication != nil)
	case len(d.Journal) != entries || !d.Verification.OK || d.Verification.HeadHash != head:
		t.Fatalf("dossier journal %d entries, verification %+v", len(d.Journal), d.Verification)
	}
	for _, c := range d.Comments {
		if c.Disposition == "" || c.Contact != "" {
			t.Fatalf("dossier comment %+v: want a disposition and no contact", c)
		}
	}
	for i, it := range d.Checklist {
		if it.Step != workflow.Steps[i] || it.Status != workflow.StepDone || it.At == nil || it.Actor == "" || len(it.Data) == 0 {
			t.Fatalf("checklist item %d: %+v", i, it)
		}
	}

	zr := s.call("GET", fmt.Sprintf("/api/v1/decisions/%d/dossier.zip", id), token, nil)
	if zr.status != 200 || zr.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("dossier.zip: %d %s", zr.status, zr.header.Get("Content-Type"))
	}
	z, err := zip.NewReader(bytes.NewReader(zr.body), int64(len(zr.body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	var m struct {
		Files []struct {
			Name   string `json:"name"`
			Bytes  int    `json:"bytes"`
			SHA256 string `json:"sha256"`
		} `json:"files"`
		JournalHeadHash string `json:"journal_head_hash"`
		JournalEntries  int    `json:"journal_entries"`
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if len(m.Files) != 2 {
		t.Fatalf("manifest lists %d files", len(m.Files))
	}
	for _, f := range m.Files {
		sum := sha256.Sum256(files[f.Name])
		if hex.EncodeToString(sum[:]) != f.SHA256 || len(files[f.Name]) != f.Bytes {
			t.Fatalf("manifest sum of %s does not match the file in the zip", f.Name)
		}
		if !strings.Contains(string(files["SHA256SUMS"]), f.SHA256+"  "+f.Name) {
			t.Fatalf("SHA256SUMS lacks %s", f.Name)
		}
	}
	if m.JournalHeadHash != head || m.JournalEntries != entries {
		t.Fatalf("manifest journal head %s (%d entries), verify says %s (%d)", m.JournalHeadHash, m.JournalEntries, head, entries)
	}
	page := string(files["dossier.html"])
	for _, want := range []string{"法定程序核查表", "已完成", "WS·2026-Y-0012", head, "@page"} {
		if !strings.Contains(page, want) {
			t.Fatalf("dossier.html lacks %q", want)
		}
	}
}

// TestOverdueAndCalendar: a review submitted on 2026-09-29 is due on
// 2026-10-14; the overdue list and gauge change once the clock passes it;
// the admin's calendar change does not move the date the sender asked for
// (Art 26: review_requested_by is fixed when the draft is sent).
func TestOverdueAndCalendar(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "due.db")
	s := startServer(t, dsn, "DECISIONFLOW_NOW=2026-09-29T09:00:00+08:00", "DECISIONFLOW_POLICY=statutory")
	for _, u := range [][3]string{{"staff", "staff", "staff-password"}, {"admin", "admin", "admin-password"}, {"head", "head", "head-password"}} {
		if out, err := exec.Command(binary(t), "user", "add", "--db", dsn, "--username", u[0], "--role", u[1], "--password", u[2]).CombinedOutput(); err != nil {
			t.Fatalf("user add: %v\n%s", err, out)
		}
	}
	staff := s.login("staff", "staff-password")
	d := s.want(s.call("POST", "/api/v1/decisions", staff, map[string]string{"title": "保密事项的决定", "category": "other", "undertaking_unit": "镇综治办",
		"source": "department", "proposal": "镇综治办提出"}), 201, "")
	id := int64(d["id"].(float64))
	s.want(s.fire(s.login("head", "head-password"), id, "start", map[string]string{"undertaking_unit": "镇综治办", "off_catalog_reason": "年度目录编制后提出"}), 200, "")
	s.want(s.call("PUT", fmt.Sprintf("/api/v1/decisions/%d/draft", id), staff, map[string]any{"text": "正文", "legal_bases": []string{"《条例》"}}), 200, "")
	s.want(s.fire(staff, id, "submit_draft", nil), 200, "")
	s.want(s.fire(staff, id, "waive_public_participation", map[string]string{"reason": "依法不予公开", "legal_basis": "《保守国家秘密法》"}), 200, "")
	s.want(s.fire(staff, id, "waive_expert_review", map[string]string{"reason": "不具有专业性"}), 200, "")
	got := s.want(s.fire(staff, id, "waive_risk_assessment", map[string]string{"reason": "无社会稳定风险"}), 200, "")
	dl := got["deadlines"].([]any)[0].(map[string]any)
	if dl["kind"] != "legality_review_due" || dl["due_on"] != "2026-10-14" || dl["overdue"] != false {
		t.Fatalf("deadline %v, want legality_review_due on 2026-10-14", dl)
	}
	gauge := func() string {
		for _, line := range strings.Split(string(s.call("GET", "/metrics", "", nil).body), "\n") {
			if strings.HasPrefix(line, "decisionflow_overdue_decisions ") {
				return strings.TrimPrefix(line, "decisionflow_overdue_decisions ")
			}
		}
		t.Fatal("no overdue gauge")
		return ""
	}
	overdue := func() int {
		return len(s.want(s.call("GET", "/api/v1/decisions?overdue=true", staff, nil), 200, "")["decisions"].([]any))
	}
	if g, n := gauge(), overdue(); g != "0" || n != 0 {
		t.Fatalf("on 09-29: gauge %s, overdue list %d", g, n)
	}
	if n := len(s.want(s.call("GET", "/api/v1/decisions?due_before=2026-10-15", staff, nil), 200, "")["decisions"].([]any)); n != 1 {
		t.Fatalf("due before 10-15: %d", n)
	}
	if n := len(s.want(s.call("GET", "/api/v1/decisions?due_before=2026-10-14", staff, nil), 200, "")["decisions"].([]any)); n != 0 {
		t.Fatalf("due before 10-14: %d", n)
	}
	s.want(s.call("GET", "/api/v1/decisions?due_before=tomorrow", staff, nil), 400, "invalid-request")

	// The admin adds a local holiday on 10-13: the review stays due on the
	// date requested when it was sent.
	admin := s.login("admin", "admin-password")
	s.want(s.call("PUT", "/api/v1/calendar/2026-10-13", staff, map[string]string{"kind": "holiday", "name": "x"}), 403, "role-not-allowed")
	s.want(s.call("PUT", "/api/v1/calendar/2026-10-13", admin, map[string]string{"kind": "vacation", "name": "x"}), 400, "invalid-request")
	s.want(s.call("PUT", "/api/v1/calendar/2026-10-13", admin, map[string]string{"kind": "holiday", "name": "镇级调休"}), 200, "")
	dl = s.want(s.call("GET", fmt.Sprintf("/api/v1/decisions/%d", id), staff, nil), 200, "")["deadlines"].([]any)[0].(map[string]any)
	if dl["due_on"] != "2026-10-14" {
		t.Fatalf("after the calendar change: due %v, want the requested 2026-10-14", dl["due_on"])
	}
	days := s.want(s.call("GET", "/api/v1/calendar?year=2026", staff, nil), 200, "")["days"].([]any)
	if len(days) < 30 {
		t.Fatalf("2026 has %d calendar days", len(days))
	}
	s.want(s.call("DELETE", "/api/v1/calendar/2026-10-13", admin, nil), 204, "")
	s.want(s.call("DELETE", "/api/v1/calendar/2026-10-13", admin, nil), 404, "not-found")

	// The clock passes the due date.
	s.stop()
	s = startServer(t, dsn, "DECISIONFLOW_NOW=2026-10-15T09:00:00+08:00")
	staff = s.login("staff", "staff-password")
	if g, n := gauge(), overdue(); g != "1" || n != 1 {
		t.Fatalf("on 10-15: gauge %s, overdue list %d; want 1 and 1", g, n)
	}
	st := s.want(s.call("GET", "/api/v1/stats", staff, nil), 200, "")
	if st["overdue"].(float64) != 1 || st["total"].(float64) != 1 {
		t.Fatalf("stats %v", st)
	}
}

// TestGracefulShutdown: on SIGTERM a request in flight still gets its
// answer, and the process exits 0.
func TestGracefulShutdown(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "stop.db"))
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"username":"nobody","password":"wrong-password"}`
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:half])
	time.Sleep(200 * time.Millisecond) // the request is now being read
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	select {
	case <-s.done:
		t.Fatal("the server exited with a request in flight")
	default:
	}
	fmt.Fprint(conn, body[half:])
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("in-flight request: %d, want 401", res.StatusCode)
	}
	select {
	case <-s.done:
		if code := s.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("exit code %d after SIGTERM", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not exit after the last request")
	}
}

// TestCatalogEndToEnd is issue 11's acceptance on the real binary, on each
// store: a catalog of three entries drafted, approved and published; one
// entry starts a decision that runs to archived (with a hearing recorded
// and one refused by its rule); an off-catalog proposal started by the
// head and another declined and archived; an entry removed after
// publication with the head's reason; the public catalog page and its
// .xlsx list the entries with their progress.
func TestCatalogEndToEnd(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if out, err := exec.Command(binary(t), "migrate", "--db", dsn).CombinedOutput(); err != nil {
				t.Fatalf("migrate: %v\n%s", err, out)
			}
			if out, err := exec.Command(binary(t), "user", "add", "--db", dsn, "--username", "admin", "--role", "admin", "--password", "admin-password-1").CombinedOutput(); err != nil {
				t.Fatalf("user add: %v\n%s", err, out)
			}
			s := startServer(t, dsn, "DECISIONFLOW_NOW="+day0)
			admin := s.login("admin", "admin-password-1")
			for _, u := range []string{"staff:staff", "legal:legal_advisor", "head:head"} {
				name, role, _ := strings.Cut(u, ":")
				s.want(s.call("POST", "/api/v1/users", admin, map[string]string{"username": name, "display_name": name, "role": role, "password": name + "-password"}), 201, "")
			}
			staff, head := s.login("staff", "staff-password"), s.login("head", "head-password")
			cat := func(p string) string { return "/api/v1/catalogs/2026" + p }

			// Staff draft the catalog of 2026: three matters.
			var entries []int64
			for _, e := range []map[string]any{
				{"title": "关于老旧小区加装电梯补助的决定", "category": "public_policy", "undertaking_unit": "镇城建办", "planned_quarter": 1, "reason": "涉及群众切身利益"},
				{"title": "关于镇区农贸市场升级改造的决定", "category": "construction_project", "undertaking_unit": "镇市场监管所", "planned_quarter": 3, "reason": "重大公共建设项目"},
				{"title": "关于编制镇区村庄规划的决定", "category": "plan", "undertaking_unit": "镇自然资源所", "reason": "经济社会发展重要规划"},
			} {
				en := s.want(s.call("POST", cat("/entries"), staff, e), 201, "")
				entries = append(entries, int64(en["id"].(float64)))
			}
			elevator, market, plan := entries[0], entries[1], entries[2]
			s.want(s.call("POST", cat("/entries"), head, map[string]string{"title": "x", "category": "plan", "undertaking_unit": "u", "reason": "r"}), 403, "role-not-allowed")
			s.want(s.call("POST", cat("/events"), head, map[string]any{"event": "approve_catalog", "data": map[string]string{}}), 422, workflow.RulePartyApprovalRequired)
			c := s.want(s.call("POST", cat("/events"), head, map[string]any{"event": "approve_catalog", "data": map[string]string{"party_approved_on": "2026-02-27"}}), 200, "")
			if c["state"] != "approved" {
				t.Fatalf("catalog after approval: %v", c["state"])
			}
			// Approved: the entries are frozen, and no decision starts from it yet.
			s.want(s.call("PATCH", cat(fmt.Sprintf("/entries/%d", market)), staff, map[string]string{"title": "改", "category": "plan", "undertaking_unit": "u", "reason": "r"}), 422, workflow.RuleCatalogFrozen)
			s.want(s.call("POST", "/api/v1/decisions", staff, map[string]any{"catalog_entry_id": elevator, "summary": "财政补助"}), 422, workflow.RuleCatalogNotPublished)
			c = s.want(s.call("POST", cat("/events"), staff, map[string]any{"event": "publish_catalog", "data": map[string]string{"published_on": "2026-03-02", "url": "https://www.example.gov.cn/zwgk/jcml/2026"}}), 200, "")
			if c["state"] != "published" || len(c["entries"].([]any)) != 3 {
				t.Fatalf("catalog after publication: %v", c)
			}

			// Neither an entry nor a proposal, or both: 400 naming the field, and nothing changes.
			chain := s.want(s.call("GET", cat("/verify"), head, nil), 200, "")
			for _, c := range []struct {
				body  map[string]any
				field string
			}{
				{map[string]any{"title": "关于老旧小区加装电梯补助的决定", "category": "public_policy", "undertaking_unit": "镇城建办"}, "source"},
				{map[string]any{"summary": "财政补助"}, "source"},
				{map[string]any{"catalog_entry_id": elevator, "source": "leadership", "proposal": "镇领导班子建议"}, "catalog_entry_id"},
				{map[string]any{"catalog_entry_id": elevator, "summary": "财政补助", "source": "public"}, "catalog_entry_id"},
			} {
				p := s.want(s.call("POST", "/api/v1/decisions", staff, c.body), 400, "invalid-request")
				if errs, _ := p["errors"].([]any); len(errs) == 0 || errs[0].(map[string]any)["field"] != c.field {
					t.Fatalf("%v: errors %v, want the field %s", c.body, p["errors"], c.field)
				}
			}
			if n := len(s.want(s.call("GET", "/api/v1/decisions", head, nil), 200, "")["decisions"].([]any)); n != 0 {
				t.Fatalf("%d decisions after the refusals, want none", n)
			}
			if again := s.want(s.call("GET", cat("/verify"), head, nil), 200, ""); again["ok"] != true || again["entries"] != chain["entries"] {
				t.Fatalf("the catalog's chain after the refusals: %v, before %v", again, chain)
			}

			// The elevator entry starts a decision straight into drafting, with the entry's title and unit.
			d := s.want(s.call("POST", "/api/v1/decisions", staff, map[string]any{"catalog_entry_id": elevator, "summary": "财政补助"}), 201, "")
			w := &walk{t: t, s: s, dsn: dsn, id: int64(d["id"].(float64))}
			w.login()
			if d["state"] != "drafting" || d["title"] != "关于老旧小区加装电梯补助的决定" || d["undertaking_unit"] != "镇城建办" || int64(d["catalog_entry_id"].(float64)) != elevator {
				t.Fatalf("decision from the entry: %v", d)
			}
			s.want(s.call("POST", "/api/v1/decisions", staff, map[string]any{"catalog_entry_id": elevator, "summary": "再来一次"}), 422, workflow.RuleCatalogEntryTaken)
			s.want(s.call("PUT", w.path("/draft"), staff, map[string]any{"text": "第一条 为改善老旧小区居住条件，对加装电梯给予补助。", "legal_bases": []string{"《重大行政决策程序暂行条例》"}}), 200, "")
			w.submit()

			// Two proposals outside the catalog: the head starts one (with its reason) and declines the other.
			proposal := func(title, source string) *walk {
				d := s.want(s.call("POST", "/api/v1/decisions", staff, map[string]string{"title": title, "summary": "建议", "category": "public_policy", "undertaking_unit": "镇党政办", "source": source, "proposal": "建议" + title}), 201, "")
				if d["state"] != "proposed" || d["source"] != source {
					t.Fatalf("proposal: %v", d)
				}
				return &walk{t: t, s: s, dsn: dsn, id: int64(d["id"].(float64)), tok: w.tok}
			}
			started, declined := proposal("关于设立镇级应急物资储备库的决定", "deputies"), proposal("关于镇区夜间经济街区的决定", "public")
			s.want(s.fire(head, started.id, "start", map[string]any{"undertaking_unit": "镇应急办", "off_catalog_reason": ""}), 422, workflow.RuleOffCatalogReasonRequired)
			s.want(s.fire(staff, started.id, "start", map[string]any{"undertaking_unit": "镇应急办", "off_catalog_reason": "汛期临近"}), 403, "role-not-allowed")
			if d := started.fire("head", "start", map[string]any{"undertaking_unit": "镇应急办", "off_catalog_reason": "汛期临近，人大代表建议紧急启动", "cooperating_units": []string{"镇财政所"}}, "drafting"); d["undertaking_unit"] != "镇应急办" {
				t.Fatalf("started: unit %v", d["undertaking_unit"])
			}
			declined.fire("head", "decline", map[string]string{"reason": "不属于重大行政决策事项，转一般事项办理"}, "declined")
			s.want(s.fire(staff, declined.id, "submit_draft", nil), 409, "event-not-allowed")
			declined.fire("staff", "archive", map[string]string{"archive_no": "WS·2026-Y-0021"}, "archived")
			declined.outcome("declined")
			var dd workflow.Dossier
			b, _ := json.Marshal(s.want(s.call("GET", declined.path("/dossier"), head, nil), 200, ""))
			if err := json.Unmarshal(b, &dd); err != nil || dd.Start == nil || dd.Start.Event != "decline" || dd.CatalogEntry != nil {
				t.Fatalf("the declined proposal's dossier: %v %+v", err, dd.Start)
			}
			if page := dossierPage(t, s, head, declined.id); !strings.Contains(page, "人大代表") && !strings.Contains(page, "公民、法人") || !strings.Contains(page, "不予启动") || !strings.Contains(page, "转一般事项办理") {
				t.Fatalf("the declined proposal's printed dossier lacks its proposal or the decline:\n%s", page)
			}

			// After publication only the head removes an entry, with the adjustment's reason and the Party committee's date.
			remove := map[string]string{"reason": "上级统一实施，不再列入本镇目录", "adjustment_reason": "根据实际情况调整", "party_approved_on": "2026-03-02"}
			s.want(s.call("DELETE", cat(fmt.Sprintf("/entries/%d", plan)), staff, remove), 422, workflow.RuleCatalogFrozen)
			s.want(s.call("DELETE", cat(fmt.Sprintf("/entries/%d", plan)), head, map[string]string{"reason": "x", "adjustment_reason": "根据实际情况调整"}), 422, workflow.RuleCatalogFrozen)
			if en := s.want(s.call("DELETE", cat(fmt.Sprintf("/entries/%d", plan)), head, remove), 200, ""); en["removed"] != true || en["removal_reason"] != remove["reason"] {
				t.Fatalf("removed entry: %v", en)
			}
			s.want(s.call("POST", "/api/v1/decisions", staff, map[string]any{"catalog_entry_id": plan, "summary": "规划"}), 422, workflow.RuleCatalogEntryRemoved)

			// 31 days on: a hearing is recorded (and one refused by its rule), the five procedures pass, the decision is published, carried out, archived.
			s.stop()
			s = startServer(t, dsn, "DECISIONFLOW_NOW="+day31)
			w.s, started.s = s, s
			w.login()
			staff, head = w.tok["staff"], w.tok["head"]
			hearing := map[string]any{"announced_on": "2026-03-10", "participants_published_on": "2026-03-12", "materials_sent_on": "2026-03-20", "held_on": "2026-03-27",
				"location": "镇政府二楼会议室", "participants": []map[string]string{{"name": "居民甲", "group": "affected_party"}, {"name": "周代表", "group": "deputy"}, {"name": "周教授", "group": "expert"}},
				"transcript": "听证笔录：与会人员发言……", "record_signed": true, "report": "听证报告：多数意见支持按楼层分档补助"}
			late := map[string]any{}
			for k, v := range hearing {
				late[k] = v
			}
			late["materials_sent_on"] = "2026-03-24" // 3 days before: Art 16 asks for 7
			s.want(s.call("POST", w.path("/hearings"), staff, late), 422, workflow.RuleHearingMaterialsTooLate)
			s.want(s.call("POST", w.path("/hearings"), head, hearing), 403, "role-not-allowed")
			s.want(s.call("POST", w.path("/hearings"), staff, hearing), 201, "")
			if hs := s.want(s.call("GET", w.path("/hearings"), head, nil), 200, "")["hearings"].([]any); len(hs) != 1 || hs[0].(map[string]any)["materials_sent_on"] != "2026-03-20" {
				t.Fatalf("hearings after one refused and one recorded: %v", hs)
			}
			w.toMeeting()
			w.fire("head", "approve", map[string]any{"meeting": meeting("2026-04-02", "agree", "agree", "agree")}, "approved")
			w.fire("staff", "publish", map[string]any{"published_on": "2026-04-02", "channels": []string{"镇政府网站"}, "party_reported_on": "2026-04-02"}, "published")
			w.fire("staff", "complete_execution", map[string]string{"summary": "补助已全部发放", "completed_on": "2026-04-02"}, "executed")
			w.fire("staff", "archive", map[string]string{"archive_no": "WS·2026-Y-0012"}, "archived")
			w.outcome("executed")
			b, _ = json.Marshal(s.want(s.call("GET", w.path("/dossier"), head, nil), 200, ""))
			var wd workflow.Dossier
			if err := json.Unmarshal(b, &wd); err != nil || wd.CatalogEntry == nil || wd.CatalogEntry.ID != elevator || len(wd.Hearings) != 1 || wd.Start != nil {
				t.Fatalf("the archived decision's dossier: %v entry %+v, %d hearings", err, wd.CatalogEntry, len(wd.Hearings))
			}
			page := dossierPage(t, s, head, w.id)
			for _, want := range []string{"决策启动", "2026年度重大行政决策事项目录 · 关于老旧小区加装电梯补助的决定", "涉及群众切身利益", "听证会", "镇政府二楼会议室", "居民甲（利害关系人代表）", "听证报告：多数意见支持按楼层分档补助"} {
				if !strings.Contains(page, want) {
					t.Errorf("the printed dossier lacks %s", want)
				}
			}

			// The public face: the API, the page 决策事项目录 and the spreadsheets list each entry with its progress.
			pub := s.want(s.call("GET", "/api/v1/public/catalogs/2026", "", nil), 200, "")
			want := map[int64]string{elevator: "decided/archived", market: "not_started/", plan: "removed/"}
			for _, e := range pub["entries"].([]any) {
				e := e.(map[string]any)
				p := e["progress"].(map[string]any)
				if got := fmt.Sprintf("%v/%v", p["status"], p["state"]); strings.TrimSuffix(got, "<nil>") != want[int64(e["id"].(float64))] {
					t.Errorf("entry %v: progress %s, want %s", e["id"], got, want[int64(e["id"].(float64))])
				}
			}
			s.want(s.call("GET", "/api/v1/public/catalogs/2027", "", nil), 404, "not-found")
			res := s.call("GET", "/catalog/2026", "", nil)
			html := string(res.body)
			if res.status != 200 {
				t.Fatalf("public catalog page: %d", res.status)
			}
			for _, want := range []string{"关于老旧小区加装电梯补助的决定", "已决定（已归档）", "关于镇区农贸市场升级改造的决定", "未启动", "<del>关于编制镇区村庄规划的决定</del>", "已调出", remove["reason"], "?format=xlsx", "?format=csv"} {
				if !strings.Contains(html, want) {
					t.Errorf("the public catalog page lacks %s", want)
				}
			}
			if strings.Contains(html, "/decisions/") {
				t.Error("the public catalog page links to the staff's decision pages")
			}
			rows := catalogXLSX(t, s.base+"/api/v1/public/catalogs/2026/export?format=xlsx")
			if len(rows) != 4 || rows[0][0] != "序号" || rows[0][6] != "进展" {
				t.Fatalf("catalog.xlsx: %q", rows)
			}
			progress := map[string]string{}
			for _, r := range rows[1:] {
				r = append(r, make([]string, 9)...)
				progress[r[1]] = r[6]
				if r[1] == "关于编制镇区村庄规划的决定" && r[8] != remove["reason"] {
					t.Errorf("catalog.xlsx: the removed entry's reason is %q", r[8])
				}
			}
			if progress["关于老旧小区加装电梯补助的决定"] != "已决定（已归档）" || progress["关于镇区农贸市场升级改造的决定"] != "未启动" || progress["关于编制镇区村庄规划的决定"] != "已调出" {
				t.Fatalf("catalog.xlsx progress: %v", progress)
			}
			csvRes, err := http.Get(s.base + "/api/v1/public/catalogs/2026/export?format=csv")
			if err != nil {
				t.Fatal(err)
			}
			csvBody, _ := io.ReadAll(csvRes.Body)
			csvRes.Body.Close()
			if !bytes.HasPrefix(csvBody, []byte("\ufeff序号,决策事项")) || !strings.Contains(string(csvBody), "已决定（已归档）") {
				t.Fatalf("catalog.csv: %.200s", csvBody)
			}

			// The catalog's own chain: every change journaled, verified over the API and by the CLI.
			hist := s.want(s.call("GET", cat("/history"), head, nil), 200, "")["entries"].([]any)
			var names []string
			for _, e := range hist {
				names = append(names, e.(map[string]any)["name"].(string))
			}
			if got := strings.Join(names, " "); got != "add_entry add_entry add_entry approve_catalog publish_catalog remove_entry" {
				t.Fatalf("catalog journal: %s", got)
			}
			if v := s.want(s.call("GET", cat("/verify"), head, nil), 200, ""); v["ok"] != true || int(v["entries"].(float64)) != len(hist) {
				t.Fatalf("catalog verify: %v", v)
			}
			if out, err := exec.Command(binary(t), "verify", "--db", dsn).CombinedOutput(); err != nil || !strings.Contains(string(out), "intact") {
				t.Fatalf("verify: %v\n%s", err, out)
			}
		})
	}
}

// dossierPage returns the dossier.html of a decision's dossier.zip.
func dossierPage(t *testing.T, s *server, token string, id int64) string {
	t.Helper()
	r := s.call("GET", fmt.Sprintf("/api/v1/decisions/%d/dossier.zip", id), token, nil)
	z, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
	if err != nil {
		t.Fatalf("dossier.zip of %d: %d %v", id, r.status, err)
	}
	f, err := z.Open("dossier.html")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return string(b)
}

// catalogXLSX downloads a catalog's .xlsx (not through call: a zip's bytes
// are no text to scan) and returns its first sheet's rows.
func catalogXLSX(t *testing.T, url string) [][]string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("%s: %d %s", url, res.StatusCode, res.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(res.Body)
	if err != nil {
		t.Fatalf("the .xlsx does not open: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
