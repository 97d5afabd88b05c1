package main

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"decisionflow/workflow"
)

// TestAfterTheDecision is issue 12's acceptance on the real binary, on each
// store: a decision published, reported on twice, suspended, resumed,
// evaluated with conclusion adjust, adjusted (its successor appears in
// drafting, linked both ways; the old one stays in force until the
// successor is published, then becomes adjusted), archived; a rejected and
// a withdrawn decision archived with their outcome; a public opinion on a
// published decision dispositioned; the public page shows the
// comment-response table and no contact data.
func TestAfterTheDecision(t *testing.T) {
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
			a := newWalk(t, s, dsn, "关于老旧小区加装电梯补助的决定")
			b := newWalk(t, s, dsn, "关于镇区停车收费的决定")
			c := newWalk(t, s, dsn, "关于撤并村小学的决定")
			a.submit()
			b.submit()
			c.fire("head", "withdraw", map[string]string{"reason": "情况变化，不再推进"}, "withdrawn")
			c.fire("staff", "archive", map[string]string{"archive_no": "WS·2026-Y-0003"}, "archived")
			c.outcome("withdrawn")
			s.stop()

			s = startServer(t, dsn, "DECISIONFLOW_NOW="+day31)
			a.s, b.s, c.s = s, s, s
			a.login()
			b.login()
			a.toMeeting()
			b.toMeeting()
			b.fire("head", "reject", map[string]any{"meeting": meeting("2026-04-02", "disagree", "disagree", "disagree")}, "rejected")
			b.fire("staff", "archive", map[string]string{"archive_no": "WS·2026-Y-0002"}, "archived")
			b.outcome("rejected")
			a.fire("head", "approve", map[string]any{"meeting": meeting("2026-04-02", "agree", "agree", "agree")}, "approved")
			a.fire("staff", "publish", map[string]any{"published_on": "2026-04-02", "channels": []string{"镇政府网站"}, "party_reported_on": "2026-04-02", "execution_unit": "镇城建办"}, "published")
			a.execution()
			a.publicFace()
			successor := a.adjust()
			a.successorPublished(successor)
			a.fire("staff", "archive", map[string]string{"archive_no": "WS·2026-Y-0001"}, "archived")
			a.outcome("adjusted")
			s = a.s // restarted for the successor's window
			stats := s.want(s.call("GET", "/api/v1/stats", a.tok["head"], nil), 200, "")
			if got := fmt.Sprint(stats["by_outcome"]); !strings.Contains(got, "outcome:adjusted") || !strings.Contains(got, "outcome:rejected") {
				t.Fatalf("stats by_outcome %s", got)
			}
			if out, err := exec.Command(binary(t), "verify", "--db", dsn).CombinedOutput(); err != nil {
				t.Fatalf("verify: %v\n%s", err, out)
			}
		})
	}
}

// walk is one decision driven over the API.
type walk struct {
	t   *testing.T
	s   *server
	dsn string
	id  int64
	tok map[string]string
}

// newWalk proposes a decision outside the catalog, the head starts it, and
// staff save its draft.
func newWalk(t *testing.T, s *server, dsn, title string) *walk {
	w := &walk{t: t, s: s, dsn: dsn}
	w.login()
	d := s.want(s.call("POST", "/api/v1/decisions", w.tok["staff"], map[string]string{"title": title, "summary": "摘要", "category": "public_policy", "undertaking_unit": "镇城建办",
		"source": "leadership", "proposal": "镇领导班子建议：" + title}), 201, "")
	w.id = int64(d["id"].(float64))
	w.fire("head", "start", map[string]string{"undertaking_unit": "镇城建办", "off_catalog_reason": "年度目录编制后提出"}, "drafting")
	s.want(s.call("PUT", w.path("/draft"), w.tok["staff"], map[string]any{"text": "第一条 " + title, "legal_bases": []string{"《重大行政决策程序暂行条例》"}}), 200, "")
	return w
}

func (w *walk) login() {
	w.tok = map[string]string{}
	for _, u := range []string{"staff", "legal", "head"} {
		w.tok[u] = w.s.login(u, u+"-password")
	}
}

func (w *walk) path(p string) string { return fmt.Sprintf("/api/v1/decisions/%d%s", w.id, p) }

// fire fires an event and checks the state it lands in.
func (w *walk) fire(who, event string, data any, state string) map[string]any {
	w.t.Helper()
	d := w.s.want(w.s.fire(w.tok[who], w.id, event, data), 200, "")
	if d["state"] != state {
		w.t.Fatalf("decision %d after %s: %v, want %s", w.id, event, d["state"], state)
	}
	return d
}

func (w *walk) get() map[string]any {
	return w.s.want(w.s.call("GET", w.path(""), w.tok["head"], nil), 200, "")
}

func (w *walk) outcome(want string) {
	w.t.Helper()
	if d := w.get(); d["outcome"] != want {
		w.t.Fatalf("decision %d: outcome %v, want %s", w.id, d["outcome"], want)
	}
}

// toMeeting takes the decision from drafting (on day 0, before the restart:
// submitted with its comment window) to collective decision.
func (w *walk) toMeeting() {
	w.t.Helper()
	d := w.get()
	if d["state"] == "drafting" {
		w.t.Fatalf("decision %d was not submitted on day 0", w.id)
	}
	w.fire("staff", "complete_public_participation", map[string]string{"adoption_report": "收到意见1条，采纳1条"}, "expert_review")
	w.s.want(w.s.call("POST", w.path("/expert-opinions"), w.tok["staff"], map[string]any{"expert_name": "周教授", "institution": "省规划院", "opinion": "可行", "signed": true, "conflict_of_interest": false}), 201, "")
	w.fire("staff", "complete_expert_review", map[string]string{"adoption_report": "采纳专家意见"}, "risk_assessment")
	w.fire("staff", "complete_risk_assessment", map[string]any{"risk_points": "攀比", "measures": "公开标准", "response_plan": "咨询窗口", "consulted_departments": []string{"镇财政所"}, "conclusion": "controllable"}, "legality_review")
	w.fire("legal", "pass_legality_review", map[string]any{"opinion": "合法", "authority": true, "procedure": true, "content": true}, "collective_decision")
}

// submit opens the comment window on day 0 with one public comment, dispositioned.
func (w *walk) submit() {
	w.t.Helper()
	w.fire("staff", "submit_draft", nil, "public_participation")
	w.s.want(w.s.call("PUT", w.path("/comment-period"), w.tok["staff"], map[string]any{"opens_on": "2026-03-02", "closes_on": "2026-04-01", "channels": []string{"镇政府网站"}}), 200, "")
	c := w.s.want(w.s.call("POST", fmt.Sprintf("/api/v1/public/consultations/%d/comments", w.id), "", map[string]string{"content": "建议补助标准按楼层分档", "author_name": "居民甲", "contact": "13800000000"}), 201, "")
	w.s.want(w.s.call("PUT", w.path(fmt.Sprintf("/comments/%d/disposition", int64(c["id"].(float64)))), w.tok["staff"], map[string]string{"disposition": "adopted", "reason": "已按楼层分档"}), 200, "")
}

// execution: two reports, a public opinion dispositioned, suspension,
// resumption, an evaluation concluding adjust.
func (w *walk) execution() {
	w.t.Helper()
	staff := w.tok["staff"]
	for _, kind := range []string{"progress", "problem"} {
		w.s.want(w.s.call("POST", w.path("/execution-reports"), staff, map[string]string{"kind": kind, "period": "2026年4月", "content": "执行情况：" + kind}), 201, "")
	}
	w.s.want(w.s.call("POST", w.path("/execution-reports"), w.tok["head"], map[string]string{"kind": "progress", "period": "x", "content": "y"}), 403, "role-not-allowed")
	if n := len(w.s.want(w.s.call("GET", w.path("/execution-reports"), w.tok["legal"], nil), 200, "")["execution_reports"].([]any)); n != 2 {
		w.t.Fatalf("%d execution reports, want 2", n)
	}
	o := w.s.want(w.s.call("POST", fmt.Sprintf("/api/v1/public/decisions/%d/opinions", w.id), "", map[string]string{"content": "建议简化申请材料", "author_name": "居民丙", "contact": "13700000000"}), 201, "")
	oid := int64(o["id"].(float64))
	if body := string(w.s.call("GET", w.path("/opinions"), w.tok["head"], nil).body); strings.Contains(body, "13700000000") {
		w.t.Fatal("the head sees a contact")
	}
	if body := string(w.s.call("GET", w.path("/opinions"), staff, nil).body); !strings.Contains(body, "13700000000") {
		w.t.Fatal("staff do not see the contact")
	}
	w.s.want(w.s.call("PUT", w.path(fmt.Sprintf("/opinions/%d/disposition", oid)), staff, map[string]string{"disposition": "partially_adopted", "reason": "已精简两项材料"}), 200, "")
	w.s.want(w.s.fire(w.tok["head"], w.id, "suspend", map[string]string{"ground": "problem", "reason": ""}), 422, workflow.RuleSuspensionGroundRequired)
	w.fire("head", "suspend", map[string]string{"ground": "problem", "reason": "资金拨付出现问题，须立即中止"}, "suspended")
	w.fire("head", "resume", map[string]string{"reason": "问题已解决"}, "published")
	w.s.want(w.s.fire(w.tok["head"], w.id, "adjust", map[string]any{"meeting": meeting("2026-04-02", "agree", "agree", "agree"), "reason": "x"}), 422, workflow.RuleEvaluationConclusionRequired)
	w.s.want(w.s.fire(w.tok["head"], w.id, "start_evaluation", map[string]any{"trigger": "many_opinions", "evaluator": "省规划院", "evaluator_assessed_before": false}), 422, workflow.RuleEvaluatorConflict)
	w.fire("head", "start_evaluation", map[string]any{"trigger": "many_opinions", "evaluator": "第三方评估中心", "evaluator_assessed_before": false}, "evaluating")
	d := w.fire("staff", "complete_evaluation", map[string]string{"report": "补助标准偏低", "public_opinion_summary": "意见集中于申请材料", "conclusion": "adjust"}, "published")
	if d["evaluation_conclusion"] != "adjust" {
		w.t.Fatalf("evaluation conclusion %v", d["evaluation_conclusion"])
	}
	w.s.want(w.s.fire(staff, w.id, "supersede", nil), 400, "invalid-request")
}

// publicFace: the public list and page, the comment-response table, no contact.
func (w *walk) publicFace() {
	w.t.Helper()
	list := w.s.want(w.s.call("GET", "/api/v1/public/decisions", "", nil), 200, "")
	if n := len(list["decisions"].([]any)); n != 1 {
		w.t.Fatalf("%d public decisions, want the published one", n)
	}
	r := w.s.call("GET", fmt.Sprintf("/api/v1/public/decisions/%d", w.id), "", nil)
	p := w.s.want(r, 200, "")
	comments := p["comments"].([]any)
	if len(comments) != 1 || comments[0].(map[string]any)["disposition"] != "adopted" || p["expert_adoption_report"] != "采纳专家意见" {
		w.t.Fatalf("public decision: %v", p)
	}
	page := w.s.call("GET", fmt.Sprintf("/published/%d", w.id), "", nil)
	for _, body := range []string{string(r.body), string(page.body)} {
		if strings.Contains(body, "13800000000") || strings.Contains(body, "13700000000") || strings.Contains(body, "居民甲") {
			w.t.Fatal("the public face shows a commenter's name or contact")
		}
	}
	if page.status != 200 || !strings.Contains(string(page.body), "已按楼层分档") || !strings.Contains(string(page.body), "comment-response") {
		w.t.Fatalf("public page %d: no comment-response table", page.status)
	}
}

// adjust opens the successor, linked both ways, the old one in force.
func (w *walk) adjust() *walk {
	w.t.Helper()
	d := w.fire("head", "adjust", map[string]any{"meeting": meeting("2026-04-02", "agree", "agree", "agree"), "reason": "按评估结论调整补助标准"}, "published")
	next := &walk{t: w.t, s: w.s, dsn: w.dsn, id: int64(d["superseded_by"].(float64)), tok: w.tok}
	n := next.get()
	if n["state"] != "drafting" || int64(n["supersedes"].(float64)) != w.id {
		w.t.Fatalf("successor: %v", n)
	}
	w.s.want(w.s.call("PUT", next.path("/draft"), w.tok["staff"], map[string]any{"text": "第一条 调整后的补助标准。", "legal_bases": []string{"《重大行政决策程序暂行条例》"}}), 200, "")
	return next
}

// successorPublished takes the successor through all five procedures again
// (a one-day window with its reason); the old decision becomes adjusted.
func (w *walk) successorPublished(next *walk) {
	w.t.Helper()
	next.fire("staff", "submit_draft", nil, "public_participation")
	w.s.want(w.s.call("PUT", next.path("/comment-period"), w.tok["staff"], map[string]any{"opens_on": "2026-04-02", "closes_on": "2026-04-02", "channels": []string{"镇政府网站"}, "shortening_reason": "测试：紧急调整"}), 200, "")
	w.s.stop()
	w.s = startServer(w.t, w.dsn, "DECISIONFLOW_NOW=2026-04-03T09:00:00+08:00")
	next.s = w.s
	w.login()
	next.tok = w.tok
	next.toMeeting()
	if d := w.get(); d["state"] != "published" {
		w.t.Fatalf("the old decision is %v before the successor is published, want published", d["state"])
	}
	next.fire("head", "approve", map[string]any{"meeting": meeting("2026-04-03", "agree", "agree", "agree")}, "approved")
	next.fire("staff", "publish", map[string]any{"published_on": "2026-04-03", "channels": []string{"镇政府网站"}, "party_reported_on": "2026-04-03"}, "published")
	if d := w.get(); d["state"] != "adjusted" || int64(d["superseded_by"].(float64)) != next.id {
		w.t.Fatalf("the old decision after the successor's publication: %v", d)
	}
}
