package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"decisionflow/internal/demo"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium, headless, against the real
// binary: every step goes through the pages alone.

// screenshotDir is where the tests leave their screenshots:
// $DECISIONFLOW_SCREENSHOTS (.ci/run and `make screenshots` set it to
// docs/screenshots, which README shows), else ./screenshots at the top of the
// repository, which git ignores.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("DECISIONFLOW_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("chromium is not installed; `make test` installs it (apt-get install chromium fonts-wqy-microhei)")
	return ""
}

// browser is one tab of a headless chromium.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox, chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900), chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("lang", "zh-CN"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser, which lives as long as that
	// action's context: it must have no timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx, base: base}
}

// incognito returns a tab in a fresh browser context: no cookies, signed out.
func (b *browser) incognito() *browser {
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		b.t.Fatalf("open a signed-out tab: %v", err)
	}
	return &browser{t: b.t, ctx: ctx, base: b.base}
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v\non %s", err, b.location())
	}
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (b *browser) open(path string) { b.t.Helper(); b.do(chromedp.Navigate(b.base + path)) }

func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v\non %s", sel, err, b.location())
	}
	return s
}

func (b *browser) value(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("value of %s: %v", sel, err)
	}
	return s
}

// fill sets the value of inputs, textareas and selects, by CSS selector.
func (b *browser) fill(pairs ...string) {
	b.t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		b.do(chromedp.SetValue(chromedp.CSS(pairs[i]), pairs[i+1]))
	}
}

// press clicks a button, as a person would, and waits for the next page.
func (b *browser) press(sel string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`window.__before = true; undefined`),
		chromedp.Click(chromedp.CSS(sel)))
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__before === undefined && document.readyState === "complete"`))
		cancel()
		if err == nil && done {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("no new page after pressing %s (on %s)", sel, b.location())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	img, err := chromedp.Run(ctx, chromedp.FullScreenshot(85))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir(b.t), name), img, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) signIn(username, password string) {
	b.t.Helper()
	b.open("/login")
	b.fill("#username", username, "#password", password)
	b.press("form[action='/login'] button[type=submit]")
	if !strings.Contains(b.location(), "/dashboard") {
		b.t.Fatalf("sign-in as %s landed on %s: %s", username, b.location(), b.text("main"))
	}
}

func (b *browser) signOut() {
	b.t.Helper()
	b.press("form[action='/logout'] button")
}

// journalEntries reads the count from the chain badge of the decision page.
var entriesRe = regexp.MustCompile(`共(\d+)条`)

func (b *browser) journalEntries() string {
	b.t.Helper()
	m := entriesRe.FindStringSubmatch(b.text("p.badge-ok")) // not a public file's badge
	if m == nil {
		b.t.Fatalf("no intact-chain badge: %s", b.text("main"))
	}
	return m[1]
}

// TestBrowserWalk signs in as staff, legal advisor and head in turn and takes a
// decision from creation to archived through the pages alone, with a public
// comment from a signed-out browser in between; on the way it shows a refused
// action rendering the rule's Chinese message with nothing changed.
func TestBrowserWalk(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "ui.db")
	s := startServer(t, dsn, "DECISIONFLOW_NOW="+day0)
	seedAccounts(t, dsn)
	b := newBrowser(t, s.base)

	// Staff: propose the decision outside the catalog; the head starts it.
	b.signIn("staff", "staff-password")
	b.open("/decisions/new")
	b.fill("#title", "关于老旧小区加装电梯补助的决定", "#summary", "对加装电梯给予财政补助",
		"#category", "public_policy", "#undertaking_unit", "镇城建办",
		"#source", "leadership", "#proposal", "镇领导班子建议对老旧小区加装电梯给予财政补助")
	b.press("form[action='/decisions'] button")
	decision := strings.Split(strings.TrimPrefix(b.location(), s.base), "?")[0]
	if !regexp.MustCompile(`^/decisions/\d+$`).MatchString(decision) {
		t.Fatalf("after creation: %s", b.location())
	}
	if got := b.text("#state"); got != "建议（待启动）" {
		t.Fatalf("state %q", got)
	}
	b.signOut()
	b.signIn("head", "head-password")
	b.open(decision)
	b.unfold("event-start") // decline may come first
	b.fill("#event-start-undertaking_unit", "镇城建办", "#event-start-off_catalog_reason", "群众反映集中，年度目录编制后提出")
	b.press("#event-start button")
	if got := b.text("#state"); got != "起草（决策启动）" {
		t.Fatalf("state after the start %q (%s)", got, b.text("main"))
	}
	b.signOut()

	// Staff: write the draft, submit it, open the window.
	b.signIn("staff", "staff-password")
	b.open(decision)
	b.fill("#record-save_draft-text", "第一条 为改善老旧小区居住条件，对加装电梯给予补助。\n第二条 补助标准按楼层分档。",
		"#record-save_draft-legal_bases", "《重大行政决策程序暂行条例》\n《城市居住区规划设计标准》")
	b.press("#record-save_draft button")
	b.press("#event-submit_draft button")
	if got := b.text("#state"); got != "公众参与" {
		t.Fatalf("after submission: %q", got)
	}
	b.fill("#record-set_comment_period-closes_on", "2026-04-01", "#record-set_comment_period-channels", "镇政府网站\n村务公开栏")
	b.press("#record-set_comment_period button")

	// Staff upload the drafting explanation (a PDF) through the page, public
	// with the draft (Art 15): listed with its type and SHA-256, and
	// downloaded byte for byte with the session's cookie.
	pdf := demo.PDF("Drafting explanation: elevator subsidy")
	sum := sha256.Sum256(pdf)
	file := filepath.Join(t.TempDir(), "起草说明.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	b.upload(file, "draft_explanation", true)
	if list := b.text("#attachment-list"); !strings.Contains(list, "起草说明.pdf") || !strings.Contains(list, "PDF") || !strings.Contains(list, hex.EncodeToString(sum[:])) {
		t.Fatalf("attachment list after the upload: %q (%s)", list, b.text("main"))
	}
	b.download("#attachment-list a", pdf)

	// A resident, signed out, comments on the open draft and gets a receipt.
	pub := b.incognito()
	pub.open("/consultations")
	pub.press(".card h2 a")
	if !strings.Contains(pub.text(".draft-text"), "补助标准按楼层分档") {
		t.Fatal("the public page does not show the draft")
	}
	pub.download("ul.files a", pdf) // the public draft explanation, without any cookie
	pub.fill("#p-content", "建议对一楼住户给予适当补偿。", "#p-name", "居民甲", "#p-contact", "13800000000")
	pub.screenshot("public-comment.jpg")
	pub.press("#public-form button")
	if receipt := pub.text("#receipt"); !strings.Contains(receipt, "回执编号：") {
		t.Fatalf("receipt: %q", receipt)
	}

	// Staff dispose of it; completing now is refused with the rule's Chinese message.
	b.open(decision)
	b.fill("form.inline-record select", "partially_adopted", "form.inline-record [name=reason]", "一楼补偿纳入第三条")
	b.press("form.inline-record button")
	before := b.journalEntries()
	b.fill("#event-complete_public_participation-adoption_report", "收到意见1条，部分采纳1条")
	b.press("#event-complete_public_participation button")
	if msg := b.text("#event-complete_public_participation .err"); !strings.Contains(msg, "征求意见期尚未结束") {
		t.Fatalf("refusal message: %q", msg)
	}
	if kept := b.value("#event-complete_public_participation-adoption_report"); kept != "收到意见1条，部分采纳1条" {
		t.Fatalf("the typed adoption report was not kept: %q", kept)
	}
	if got := b.text("#state"); got != "公众参与" || b.journalEntries() != before {
		t.Fatalf("the refusal changed something: state %q, entries %s → %s", got, before, b.journalEntries())
	}
	b.open("/dashboard")
	b.screenshot("walk-dashboard.jpg")

	// 31 days on: the server restarts with the clock moved on; sessions have expired.
	s.stop()
	s = startServer(t, dsn, "DECISIONFLOW_NOW="+day31)
	b.base = s.base
	b.signIn("staff", "staff-password")
	b.open(decision)
	b.fill("#event-complete_public_participation-adoption_report", "收到意见1条，部分采纳1条")
	b.press("#event-complete_public_participation button")
	b.fill("#record-add_expert_opinion-expert_name", "周教授", "#record-add_expert_opinion-institution", "省城乡规划设计研究院",
		"#record-add_expert_opinion-opinion", "方案可行，建议分档补助。")
	b.do(chromedp.Click(chromedp.CSS("#record-add_expert_opinion input[name=signed]")))
	b.press("#record-add_expert_opinion button")
	b.fill("#event-complete_expert_review-adoption_report", "采纳分档补助建议")
	b.press("#event-complete_expert_review button")
	b.fill("#event-complete_risk_assessment-risk_points", "补助标准引发攀比",
		"#event-complete_risk_assessment-measures", "公开补助标准和审核流程",
		"#event-complete_risk_assessment-response_plan", "设立咨询窗口，专人答复",
		"#event-complete_risk_assessment-consulted_departments", "镇财政所\n镇信访办")
	b.press("#event-complete_risk_assessment button")
	if got := b.text("#state"); got != "合法性审查" {
		t.Fatalf("after the risk assessment: %q", got)
	}
	b.signOut()

	// The legal advisor signs the legality review, the materials sent with
	// the draft on the page (Art 26).
	b.signIn("legal", "legal-password")
	b.open(decision)
	if h, list := b.text("#attachments"), b.text("#attachment-list"); !strings.Contains(h, "送审材料") || !strings.Contains(list, "起草说明.pdf") {
		t.Fatalf("legality review materials: %q: %q", h, list)
	}
	b.download("#attachment-list a", pdf)
	b.fill("#event-pass_legality_review-opinion", "经审查，决策权限、程序、内容合法。")
	for _, box := range []string{"authority", "procedure", "content"} {
		b.do(chromedp.Click(chromedp.CSS("#event-pass_legality_review input[name=" + box + "]")))
	}
	b.press("#event-pass_legality_review button")
	b.signOut()

	// The head records the executive meeting, with one abstention kept
	// verbatim; the head speaks last.
	b.signIn("head", "head-password")
	b.open(decision)
	f := "#event-approve "
	b.fill(f+"input[name=location]", "镇政府三楼会议室", f+"input[name=members_total]", "5",
		f+"input[name=name_0]", "刘书记", f+"input[name=position_0]", "党委书记", f+"select[name=opinion_0]", "agree", f+"input[name=statement_0]", "同意，注意公平",
		f+"input[name=name_1]", "王副镇长", f+"input[name=position_1]", "副镇长", f+"select[name=opinion_1]", "agree", f+"input[name=statement_1]", "同意",
		f+"input[name=name_2]", "陈副镇长", f+"input[name=position_2]", "副镇长", f+"select[name=opinion_2]", "abstain", f+"input[name=statement_2]", "财政压力较大，弃权",
		f+"input[name=name_3]", "张镇长", f+"input[name=position_3]", "镇长", f+"select[name=opinion_3]", "agree", f+"input[name=statement_3]", "同意")
	b.do(chromedp.Click(chromedp.CSS(f + "input[name=is_head_3]")))
	b.screenshot("decision.jpg")
	b.press(f + "button")
	if got := b.text("#state"); got != "已决定" {
		t.Fatalf("after the meeting: %q (%s)", got, b.text("main"))
	}
	b.signOut()

	// Staff publish and archive.
	b.signIn("staff", "staff-password")
	b.open(decision)
	b.unfold("event-publish") // complete_execution comes first (for a decision not to be disclosed)
	b.fill("#event-publish-party_reported_on", "2026-04-02", "#event-publish-channels", "镇政府网站")
	b.press("#event-publish button")
	b.afterTheDecision(decision)
	b.unfold("event-complete_execution")
	b.fill("#event-complete_execution-summary", "补助已全部发放", "#event-complete_execution-completed_on", "2026-04-02")
	b.press("#event-complete_execution button")
	b.fill("#event-archive-archive_no", "WS·2026-Y-0012")
	b.press("#event-archive button")
	if got := b.text("#state"); got != "已归档" {
		t.Fatalf("final state %q", got)
	}
	if steps := b.text(".steps"); strings.Count(steps, "已完成") != 5 {
		t.Fatalf("progress bar: %q", steps)
	}
	b.open(decision + "/journal")
	if badge := b.text("#chain"); !strings.Contains(badge, "哈希链完整") {
		t.Fatalf("journal badge: %q", badge)
	}
	b.screenshot("journal.jpg")
	if page := b.text("main"); strings.Contains(page, "13800000000") || !strings.Contains(page, "归档") {
		t.Fatalf("journal page: contact shown or archive missing")
	}
	// The printable dossier opens with the procedure checklist; statistics draw SVG.
	b.open(decision + "/dossier")
	if cl := b.text(".checklist table"); strings.Count(cl, "已完成") != 5 {
		t.Fatalf("dossier checklist: %q", cl)
	}
	b.screenshot("dossier.jpg")
	if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("a[href$='/dossier.zip']").length`)); err != nil || n != 1 {
		t.Fatalf("no dossier.zip link: %d %v", n, err)
	}
	b.open("/stats")
	if !strings.Contains(b.text("main"), "各程序用时中位数") {
		t.Fatal("no statistics")
	}
	if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("figure.chart svg rect").length`)); err != nil || n < 13 {
		t.Fatalf("statistics charts: %d bars, %v", n, err)
	}
	b.screenshot("walk-stats.jpg")
	// On a phone-sized screen nothing runs off the side: the page itself does
	// not scroll sideways (wide tables scroll inside their own box).
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, path := range []string{decision, "/dashboard", "/decisions", "/consultations"} {
		b.open(path)
		wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if err != nil || wide {
			t.Fatalf("%s is wider than a phone screen (%v)", path, err)
		}
	}
	b.open(decision)
	b.screenshot("decision-phone.jpg")
	b.do(chromedp.EmulateReset())
	// English, by the switch.
	b.open(decision)
	b.press("a[lang=en]")
	if got := b.text("#state"); got != "Archived" {
		t.Fatalf("English state %q", got)
	}
}

var csrfToken = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newJar(t *testing.T) http.CookieJar {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

// seedAccounts creates the users of the browser test with the CLI.
func seedAccounts(t *testing.T, dsn string) {
	t.Helper()
	for _, u := range [][3]string{{"staff", "staff", "staff-password"}, {"legal", "legal_advisor", "legal-password"}, {"head", "head", "head-password"}} {
		out, err := exec.Command(binary(t), "user", "add", "--db", dsn, "--username", u[0], "--role", u[1], "--password", u[2]).CombinedOutput()
		if err != nil {
			t.Fatalf("user add: %v\n%s", err, out)
		}
	}
}

// TestFormsNeedCSRF: a form posted without its CSRF token is refused and
// changes nothing; with it, the same form works.
func TestFormsNeedCSRF(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "csrf.db")
	s := startServer(t, dsn, "DECISIONFLOW_NOW="+day0)
	seedAccounts(t, dsn)
	client := &http.Client{Jar: newJar(t), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) string {
		res, err := client.Get(s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	post := func(path string, form url.Values) (int, string) {
		res, err := client.PostForm(s.base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	m := csrfToken.FindStringSubmatch(get("/login"))
	if m == nil {
		t.Fatal("the sign-in form has no CSRF token")
	}
	creds := url.Values{"username": {"staff"}, "password": {"staff-password"}}
	if code, body := post("/login", creds); code != http.StatusForbidden || !strings.Contains(body, "安全令牌") {
		t.Fatalf("sign-in without a token: %d", code)
	}
	creds.Set("csrf", m[1])
	if code, _ := post("/login", creds); code != http.StatusSeeOther {
		t.Fatalf("sign-in with the token: %d", code)
	}
	decision := url.Values{"title": {"未带令牌的决策"}, "category": {"plan"}, "undertaking_unit": {"镇城建办"}, "source": {"public"}, "proposal": {"居民建议"}}
	if code, _ := post("/decisions", decision); code != http.StatusForbidden {
		t.Fatalf("a signed-in form without its token: %d, want 403", code)
	}
	decision.Set("csrf", "forged-token-of-the-right-length")
	if code, _ := post("/decisions", decision); code != http.StatusForbidden {
		t.Fatalf("a form with a forged token: %d, want 403", code)
	}
	if strings.Contains(get("/decisions"), "未带令牌的决策") {
		t.Fatal("a refused form created a decision")
	}
	// Sign-in rotates the token: the one of the sign-in form is dead.
	decision.Set("csrf", m[1])
	if code, _ := post("/decisions", decision); code != http.StatusForbidden {
		t.Fatalf("a form with the token from before sign-in: %d, want 403", code)
	}
	if m = csrfToken.FindStringSubmatch(get("/decisions/new")); m == nil {
		t.Fatal("the new-decision form has no CSRF token")
	}
	decision.Set("csrf", m[1])
	if code, _ := post("/decisions", decision); code != http.StatusSeeOther {
		t.Fatalf("the same form with its token: %d", code)
	}
	if !strings.Contains(get("/decisions"), "未带令牌的决策") {
		t.Fatal("the accepted form created nothing")
	}
	// The signed-in browser downloads the dossier archive with its session.
	res, err := client.Get(s.base + "/decisions/1/dossier.zip")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("dossier.zip from the UI: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestAdminPages: the admin creates an account, changes its role and
// disables it through the forms; the disabled account cannot sign in.
func TestAdminPages(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "admin.db")
	s := startServer(t, dsn, "DECISIONFLOW_NOW="+day0)
	if out, err := exec.Command(binary(t), "user", "add", "--db", dsn, "--username", "admin", "--role", "admin", "--password", "admin-password").CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	b := newBrowser(t, s.base)
	b.signIn("admin", "admin-password")
	b.open("/admin/users")
	b.fill("#nu-username", "zhao.staff", "#nu-dn", "赵六", "#nu-role", "staff", "#nu-pw", "zhao-password")
	b.press("#user-form button")
	if !strings.Contains(b.text("main table"), "zhao.staff") {
		t.Fatalf("the new user is not listed: %s", b.text("main"))
	}
	b.fill("#user-zhao\\.staff-role", "head")
	b.do(chromedp.Click(chromedp.CSS("form[action='/admin/users/zhao.staff'] input[name=disabled]")))
	b.press("form[action='/admin/users/zhao.staff'] button")
	if got := b.value("#user-zhao\\.staff-role"); got != "head" {
		t.Fatalf("role after the change: %q", got)
	}
	// The calendar: a local holiday set through the form, then removed.
	b.open("/admin/calendar?year=2026")
	if rows := b.text("#calendar-days"); !strings.Contains(rows, "国庆节") {
		t.Fatalf("2026 calendar: %q", rows)
	}
	b.fill("#cal-day", "2026-12-24", "#cal-kind", "holiday", "#cal-name", "镇级调休")
	b.press("#calendar-form button")
	if rows := b.text("#calendar-days"); !strings.Contains(rows, "镇级调休") {
		t.Fatalf("the new day is not listed: %q", rows)
	}
	b.press("form[action='/admin/calendar/2026-12-24/delete'] button")
	if rows := b.text("#calendar-days"); strings.Contains(rows, "镇级调休") {
		t.Fatal("the removed day is still listed")
	}
	b.signOut()
	b.open("/login")
	b.fill("#username", "zhao.staff", "#password", "zhao-password")
	b.press("form[action='/login'] button[type=submit]")
	if msg := b.text(".ferr"); !strings.Contains(msg, "用户名或密码错误") {
		t.Fatalf("a disabled account signed in: %q on %s", msg, b.location())
	}
}

// upload chooses file in the decision page's upload form, with its kind
// (and public, for a draft explanation), and sends it.
func (b *browser) upload(file, kind string, public bool) {
	b.t.Helper()
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#record-add_attachment-file"), []string{file}))
	b.fill("#record-add_attachment-kind", kind)
	if public {
		b.do(chromedp.Click(chromedp.CSS("#record-add_attachment-public")))
	}
	b.press("#record-add_attachment button")
}

// download fetches the target of the first link sel of the page with the
// tab's cookies (the session's, if signed in), as the browser would, and
// checks that it is want, byte for byte, sent as a download.
func (b *browser) download(sel string, want []byte) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(sel)+`).href`))
	if err != nil {
		b.t.Fatalf("download link %s: %v\non %s", sel, err, b.location())
	}
	cookies, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		r, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{href}})
		return r.Cookies, err
	})
	if err != nil {
		b.t.Fatalf("cookies: %v", err)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", href, nil)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" {
		b.t.Fatalf("GET %s: %d, Content-Disposition %q, nosniff %q", href, res.StatusCode, res.Header.Get("Content-Disposition"), res.Header.Get("X-Content-Type-Options"))
	}
	if sha256.Sum256(got) != sha256.Sum256(want) || !bytes.Equal(got, want) {
		b.t.Fatalf("GET %s: %d bytes, not the %d bytes uploaded", href, len(got), len(want))
	}
}

// unfold opens the folded card of a form, as a person clicking its title.
func (b *browser) unfold(formID string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById(` + strconv.Quote(formID) + `).closest("details").open = true; undefined`))
}

// afterTheDecision walks the execution through the pages (lifecycle.md):
// staff report on it, the head suspends and resumes it and orders a
// post-evaluation, staff complete the evaluation; the public page shows it.
// It starts and ends signed in as staff, on the published decision.
func (b *browser) afterTheDecision(decision string) {
	b.t.Helper()
	if life := b.text("#life"); !strings.Contains(life, "执行") || !strings.Contains(life, "归档") {
		b.t.Fatalf("life bar: %q", life)
	}
	b.fill("#record-add_execution_report-kind", "progress", "#record-add_execution_report-period", "2026年4月",
		"#record-add_execution_report-content", "已受理加装申请12件")
	b.press("#record-add_execution_report button")
	if reports := b.text("#execution-sec"); !strings.Contains(reports, "已受理加装申请12件") {
		b.t.Fatalf("execution section: %q", reports)
	}
	b.signOut()

	b.signIn("head", "head-password")
	b.open(decision)
	b.unfold("event-suspend")
	b.fill("#event-suspend-ground", "problem", "#event-suspend-reason", "补助资金拨付出现问题，须立即中止")
	b.press("#event-suspend button")
	if got := b.text("#state"); got != "中止执行" {
		b.t.Fatalf("after suspend: %q", got)
	}
	b.open("/dashboard")
	if dash := b.text("main"); !strings.Contains(dash, "中止执行的决策") {
		b.t.Fatalf("dashboard without the suspended decision: %q", dash)
	}
	b.open(decision)
	b.unfold("event-resume")
	b.fill("#event-resume-reason", "问题已解决")
	b.press("#event-resume button")
	b.unfold("event-start_evaluation")
	b.fill("#event-start_evaluation-trigger", "deemed_necessary", "#event-start_evaluation-evaluator", "第三方评估中心")
	b.press("#event-start_evaluation button")
	if got := b.text("#state"); got != "决策后评估" {
		b.t.Fatalf("after start_evaluation: %q", got)
	}
	b.signOut()

	b.signIn("staff", "staff-password")
	b.open(decision)
	b.unfold("event-complete_evaluation")
	b.fill("#event-complete_evaluation-report", "实施效果符合预期", "#event-complete_evaluation-public_opinion_summary", "群众普遍支持",
		"#event-complete_evaluation-conclusion", "continue")
	b.press("#event-complete_evaluation button")
	if got := b.text("#state"); got != "已公布" {
		b.t.Fatalf("after the evaluation: %q", got)
	}
	b.open("/dashboard")
	if dash := b.text("#executing-sec"); !strings.Contains(dash, "最近报告") {
		b.t.Fatalf("dashboard's decisions in execution: %q", dash)
	}
	pub := b.incognito()
	pub.open("/published")
	pub.press("#published a")
	if page := pub.text("main"); !strings.Contains(page, "公众意见采纳情况") || strings.Contains(page, "13800000000") {
		pub.t.Fatalf("public page: %q", page)
	}
	b.open(decision)
}

// TestBrowserCatalog walks the yearly catalog and a hearing through the
// pages alone: staff add an entry, the head approves the catalog, staff
// publish it and start a decision from the entry; after the comment window
// opens, staff record a hearing, refused first by its rule with the typed
// values kept, then recorded; the public 决策事项目录 shows the entry's
// progress.
func TestBrowserCatalog(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "catalog-ui.db")
	s := startServer(t, dsn, "DECISIONFLOW_NOW="+day0)
	seedAccounts(t, dsn)
	b := newBrowser(t, s.base)
	const title = "关于老旧小区加装电梯补助的决定"

	// Staff draft the catalog of 2026: the first entry starts it.
	b.signIn("staff", "staff-password")
	b.open("/catalogs/2026")
	if got := b.text("#catalog-state"); !strings.Contains(got, "尚未编制目录") {
		t.Fatalf("an empty year: %q", got)
	}
	b.fill("#catalog-add_entry-title", title, "#catalog-add_entry-category", "public_policy",
		"#catalog-add_entry-undertaking_unit", "镇城建办", "#catalog-add_entry-planned_quarter", "2",
		"#catalog-add_entry-reason", "涉及群众切身利益，社会关注度高")
	b.press("#catalog-add_entry button")
	if got := b.text("#catalog-state"); !strings.Contains(got, "编制中") || !strings.Contains(b.text("#catalog-entries"), title) {
		t.Fatalf("after the first entry: %q %q", got, b.text("main"))
	}
	b.signOut()

	// The head approves it with the Party committee's date.
	b.signIn("head", "head-password")
	b.open("/catalogs/2026")
	b.unfold("catalog-approve_catalog")
	b.fill("#catalog-approve_catalog-party_approved_on", "2026-02-27")
	b.press("#catalog-approve_catalog button")
	if got := b.text("#catalog-state"); !strings.Contains(got, "已报党委同意") {
		t.Fatalf("after approval: %q", got)
	}
	b.signOut()

	// Staff publish it and start the decision from its entry.
	b.signIn("staff", "staff-password")
	b.open("/catalogs/2026")
	b.unfold("catalog-publish_catalog")
	b.fill("#catalog-publish_catalog-published_on", "2026-03-02", "#catalog-publish_catalog-url", "https://www.example.gov.cn/zwgk/jcml/2026")
	b.press("#catalog-publish_catalog button")
	if got := b.text("#catalog-state"); !strings.Contains(got, "已公布") {
		t.Fatalf("after publication: %q", got)
	}
	b.screenshot("walk-catalog.jpg")
	b.open("/dashboard")
	if dash := b.text("main"); !strings.Contains(dash, title) {
		t.Fatalf("the dashboard does not list the entry not yet started: %q", dash)
	}
	b.open("/catalogs/2026")
	b.press("form[id^='start-entry-'] button")
	decision := strings.Split(strings.TrimPrefix(b.location(), s.base), "?")[0]
	if !regexp.MustCompile(`^/decisions/\d+$`).MatchString(decision) {
		t.Fatalf("after starting from the entry: %s (%s)", b.location(), b.text("main"))
	}
	if got, entry := b.text("#state"), b.text("#catalog-entry"); got != "起草（决策启动）" || !strings.Contains(entry, title) {
		t.Fatalf("decision from the entry: state %q, entry %q", got, entry)
	}
	b.fill("#record-save_draft-text", "第一条 为改善老旧小区居住条件，对加装电梯给予补助。",
		"#record-save_draft-legal_bases", "《重大行政决策程序暂行条例》")
	b.press("#record-save_draft button")
	b.press("#event-submit_draft button")
	b.fill("#record-set_comment_period-closes_on", "2026-04-01", "#record-set_comment_period-channels", "镇政府网站")
	b.press("#record-set_comment_period button")
	if got := b.text("#state"); got != "公众参与" {
		t.Fatalf("after submission: %q", got)
	}

	// 31 days on, the hearing held on 27 March is recorded: first with the
	// materials sent 3 days before (refused, Art 16), then 7.
	s.stop()
	s = startServer(t, dsn, "DECISIONFLOW_NOW="+day31)
	b.base = s.base
	b.signIn("staff", "staff-password")
	b.open(decision)
	h := "#record-add_hearing-"
	b.fill(h+"announced_on", "2026-03-10", h+"participants_published_on", "2026-03-12", h+"materials_sent_on", "2026-03-24",
		h+"held_on", "2026-03-27", h+"location", "镇政府二楼会议室",
		h+"participants", "居民甲|affected_party\n周代表|deputy\n周教授|expert",
		h+"transcript", "听证笔录：与会人员逐一发言。", h+"report", "听证报告：多数意见支持按楼层分档补助。")
	b.do(chromedp.Click(chromedp.CSS("#record-add_hearing input[name=record_signed]")))
	b.press("#record-add_hearing button")
	if msg := b.text("#record-add_hearing .err"); !strings.Contains(msg, "7日前送达") {
		t.Fatalf("refusal message: %q", msg)
	}
	if kept := b.value(h + "location"); kept != "镇政府二楼会议室" {
		t.Fatalf("the typed location was not kept: %q", kept)
	}
	b.fill(h+"materials_sent_on", "2026-03-20")
	if checked, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector("#record-add_hearing input[name=record_signed]").checked`)); err != nil || !checked {
		b.do(chromedp.Click(chromedp.CSS("#record-add_hearing input[name=record_signed]")))
	}
	b.press("#record-add_hearing button")
	if got := b.text("#hearings"); !strings.Contains(got, "镇政府二楼会议室") || !strings.Contains(got, "居民甲（利害关系人代表）") {
		t.Fatalf("hearings after recording: %q (%s)", got, b.text("main"))
	}

	// The public 决策事项目录: the entry in progress at its current step.
	pub := b.incognito()
	pub.open("/catalog/2026")
	if got := pub.text("#catalog-entries"); !strings.Contains(got, title) || !strings.Contains(got, "进行中（公众参与）") {
		t.Fatalf("public catalog: %q", got)
	}
	if n, err := chromedp.Run(pub.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#catalog-downloads a[href$='format=xlsx']").length`)); err != nil || n != 1 {
		t.Fatalf("no .xlsx link on the public catalog: %d %v", n, err)
	}
}
