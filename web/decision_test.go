package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"decisionflow/workflow"
)

// TestRefusalBesideItsField: a rule's refusal comes back on the form with
// the rule's message beside the field it concerns and what was typed kept.
func TestRefusalBesideItsField(t *testing.T) {
	s := newSite(t, workflow.PolicyAllFive)
	id := s.reach(workflow.StateExpertReview, false)
	staff := s.clients[workflow.RoleStaff]
	_, html := s.get(staff, fmt.Sprintf("/decisions/%d", id))
	const form = "record-" + workflow.RecordAddExpertOpinion
	f := formOn(html, form)
	if f == nil {
		t.Fatalf("no form %s", form)
	}
	typed := s.values(f.fieldsOf(t))
	typed.Set("expert_name", "周教授")
	typed.Del("signed")
	vals := f.fill(t, form, typed)
	vals.Set("csrf", csrfField.FindStringSubmatch(html)[1])
	code, _, body := s.post(staff, f.action, vals)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("unsigned opinion: %d, want 422", code)
	}
	beside := regexp.MustCompile(`(?s)name="signed"[^>]*>[^<]*</label>\s*<p class="ferr" role="alert">([^<]*)<`).FindStringSubmatch(body)
	if beside == nil || beside[1] != tr(langZH, "rule."+workflow.RuleExpertOpinionUnsigned) {
		t.Fatalf("no message beside the checkbox: %q", errRe.FindAllStringSubmatch(body, -1))
	}
	if kept := formOn(body, form); kept == nil || kept.values.Get("expert_name") != "周教授" {
		t.Fatal("the typed expert's name was not kept")
	}
}

// TestPathTaken: the decision page lists the states the decision went
// through, in order.
func TestPathTaken(t *testing.T) {
	s := newSite(t, workflow.PolicyAllFive)
	id := s.reach(workflow.StateCollectiveDecision, false)
	_, html := s.get(s.clients[workflow.RoleHead], fmt.Sprintf("/decisions/%d", id))
	i := strings.Index(html, `id="path"`)
	if i < 0 {
		t.Fatal("no path on the page")
	}
	list := html[i : i+strings.Index(html[i:], "</ol>")]
	var got []string
	for _, m := range regexp.MustCompile(`class="state s-([a-z_]+)"`).FindAllStringSubmatch(list, -1) {
		got = append(got, m[1])
	}
	var want []string
	want = append(want, string(workflow.StateProposed), string(workflow.StateDrafting))
	for _, ev := range pathTo(workflow.StateCollectiveDecision) {
		want = append(want, string(ev.To))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("path %v, want %v", got, want)
	}
	if strings.Count(list, "→") != len(want)-1 {
		t.Fatalf("arrows: %s", list)
	}
}

// TestNotFound: a path that is nowhere is the not-found page outside the
// API and a problem document inside it; an unknown event or record action
// is not found either.
func TestNotFound(t *testing.T) {
	s := newSite(t, workflow.PolicyAllFive)
	staff := s.clients[workflow.RoleStaff]
	if code, body := s.get(staff, "/nowhere"); code != http.StatusNotFound || !strings.Contains(body, tr(langZH, "rule.not-found")) {
		t.Errorf("/nowhere: %d", code)
	}
	res, err := staff.Get(s.base + "/api/v1/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("/api/v1/nowhere: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	id := s.reach(workflow.StateDrafting, false)
	_, html := s.get(staff, fmt.Sprintf("/decisions/%d", id))
	csrf := csrfField.FindStringSubmatch(html)[1]
	for _, path := range []string{"/events/no_such_event", "/records/no_such_action"} {
		code, _, _ := s.post(staff, fmt.Sprintf("/decisions/%d%s", id, path), map[string][]string{"csrf": {csrf}})
		if code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
}

// TestMinutesAndDecidedText: the dossier page shows the meeting as the law
// wants it (attendees in speaking order, the head last, the members counted,
// the majority computed) and the text as decided with its SHA-256; the
// decision page heads the draft as the decided text.
func TestMinutesAndDecidedText(t *testing.T) {
	s := newSite(t, workflow.PolicyAllFive)
	id := s.reach(workflow.StateApproved, false)
	d, err := s.eng.Decision(s.ctx, s.users[workflow.RoleStaff], id)
	if err != nil {
		t.Fatal(err)
	}
	_, html := s.get(s.clients[workflow.RoleStaff], fmt.Sprintf("/decisions/%d/dossier", id))
	for _, want := range []string{
		"组成人员3人，到会3人；除行政首长外2人中2人同意", "多数同意", "镇长（行政首长）", d.Draft.SHA256, "决定文本",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("dossier page lacks %q", want)
		}
	}
	if i, j := strings.Index(html, "<td>1</td><td>甲"), strings.Index(html, "<td>3</td><td>镇长"); i < 0 || j < i {
		t.Error("attendees are not listed in speaking order with the head last")
	}
	_, page := s.get(s.clients[workflow.RoleStaff], fmt.Sprintf("/decisions/%d", id))
	if !strings.Contains(page, "决定文本") {
		t.Error("the decision page does not head the approved draft as the decided text")
	}
}
