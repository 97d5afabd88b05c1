package api

import (
	"testing"

	"decisionflow/workflow"
)

// TestEveryNameTranslated: every state, event, role, rule and enumeration
// has a Chinese and an English text.
func TestEveryNameTranslated(t *testing.T) {
	var keys []string
	for _, s := range workflow.States {
		keys = append(keys, "state."+string(s))
	}
	for _, e := range workflow.Events {
		keys = append(keys, "event."+e.Name)
	}
	for _, r := range append(workflow.Roles, workflow.RolePublic) {
		keys = append(keys, "role."+string(r))
	}
	for _, r := range workflow.Rules {
		keys = append(keys, "rule."+r)
	}
	for _, c := range problemClasses {
		if c.rule != "" {
			keys = append(keys, "rule."+c.rule)
		}
	}
	for _, list := range []struct {
		prefix string
		vals   []string
	}{{"category.", workflow.Categories}, {"channel.", workflow.CommentChannels}, {"disposition.", workflow.Dispositions},
		{"kind.", workflow.MeetingKinds}, {"opinion.", workflow.Opinions}} {
		for _, v := range list.vals {
			keys = append(keys, list.prefix+v)
		}
	}
	for _, f := range []string{"title", "text", "legal_bases", "adoption_report", "reason", "opinion", "meeting", "held_on", "departure_reason", "archive_no"} {
		if f != "meeting" {
			keys = append(keys, "field."+f)
		}
	}
	for _, k := range keys {
		m, ok := messages[k]
		if !ok || m[0] == "" || m[1] == "" {
			t.Errorf("%s lacks a Chinese or English text", k)
		}
	}
	if got := formatDate(langZH, workflow.Date{Year: 2026, Month: 11, Day: 26}); got != "2026年11月26日" {
		t.Errorf("Chinese date = %s", got)
	}
}
