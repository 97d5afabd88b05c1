package web

import (
	"sort"
	"strings"
	"testing"

	"decisionflow/api"
	"decisionflow/workflow"
)

// enums are the enumerations the pages translate as <prefix>.<value>: those
// of the table's fields (the prefix is the field's name), of the meeting's
// minutes and the decision's category.
func enums() map[string][]string {
	out := map[string][]string{"category": workflow.Categories}
	add := func(fields []workflow.Field) {
		for _, f := range fields {
			if f.Kind == workflow.FieldEnum {
				out[f.Name] = append(out[f.Name], f.Values...)
			}
		}
	}
	for _, ev := range workflow.Events {
		add(ev.Fields)
	}
	for _, a := range workflow.Actions {
		add(a.Fields)
	}
	add(meetingFields)
	add(attendeeFields)
	return out
}

// tableKeys are the keys every name of the workflow table needs.
func tableKeys() []string {
	var keys []string
	fields := func(fs []workflow.Field) {
		for _, f := range fs {
			keys = append(keys, "field."+f.Name)
		}
	}
	for _, s := range workflow.States {
		keys = append(keys, "state."+string(s))
	}
	for _, s := range workflow.Steps {
		keys = append(keys, "step."+s)
	}
	for _, ev := range workflow.Events {
		keys = append(keys, "event."+ev.Name)
		fields(ev.Fields)
	}
	for _, a := range workflow.Actions {
		keys = append(keys, "action."+a.Name, "record."+a.Name)
		fields(a.Fields)
	}
	fields(meetingFields)
	fields(attendeeFields)
	fields([]workflow.Field{departureReason, {Name: "attendees"}})
	for _, r := range append(workflow.Roles, workflow.RolePublic) {
		keys = append(keys, "role."+string(r))
	}
	for _, r := range append(workflow.Rules, api.ProblemRules()...) {
		keys = append(keys, "rule."+r)
	}
	for prefix, vals := range enums() {
		for _, v := range vals {
			keys = append(keys, prefix+"."+v)
		}
	}
	return keys
}

// TestEveryNameTranslated: every state, step, event, record action, role,
// rule, field of the table and enumeration value has a Chinese and an
// English text.
func TestEveryNameTranslated(t *testing.T) {
	for _, k := range tableKeys() {
		m, ok := messages[k]
		if !ok || m[0] == "" || m[1] == "" {
			t.Errorf("%s lacks a Chinese or English text", k)
		}
	}
	if got := formatDate(langZH, workflow.Date{Year: 2026, Month: 11, Day: 26}); got != "2026年11月26日" {
		t.Errorf("Chinese date = %s", got)
	}
}

// TestNoStaleTranslations: no translation names a state, step, event,
// record action, field of a form or enumeration value the table no longer has.
func TestNoStaleTranslations(t *testing.T) {
	var keys []string
	for k := range messages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	en := enums()
	for _, k := range keys {
		prefix, rest, _ := strings.Cut(k, ".")
		if why := stale(prefix, rest, en); why != "" {
			t.Errorf("translation %s: %s", k, why)
		}
	}
}

func stale(prefix, rest string, en map[string][]string) string {
	if catalogName(prefix, rest) { // catalog_test.go
		return ""
	}
	switch prefix {
	case "state":
		if _, ok := workflow.LookupState(workflow.State(rest)); !ok {
			return "no such state"
		}
	case "step":
		if !oneOf(rest, workflow.Steps) {
			return "no such step"
		}
	case "event":
		if _, ok := workflow.LookupEvent(rest); !ok {
			return "no such event"
		}
	case "action", "record":
		if _, ok := workflow.LookupAction(rest); !ok && rest != workflow.RecordCreate {
			return "no such record action"
		}
	case "field":
		if cp, name, own := strings.Cut(rest, "."); own && !hasField(cp, name) {
			return "no event or record action " + cp + " with the field " + name
		}
	default:
		if vals, ok := en[prefix]; ok && !oneOf(rest, vals) {
			return "not a value of " + prefix
		}
	}
	return ""
}

func hasField(cp, name string) bool {
	var fields []workflow.Field
	if ev, ok := workflow.LookupEvent(cp); ok {
		fields = ev.Fields
	} else if a, ok := workflow.LookupAction(cp); ok {
		fields = a.Fields
	}
	for _, f := range fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}
