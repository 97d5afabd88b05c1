package api

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// eventValidator serves POST /api/v1/decisions/:id/events through the
// request validation of openapi.yaml only: 204 when the body passes it.
func eventValidator(t *testing.T) func(body string) (int, []workflow.FieldError) {
	t.Helper()
	v, err := newValidator(openapiYAML)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{validate: v, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/api/v1/decisions/:id/events", s.validateRequest, func(c *gin.Context) { c.Status(http.StatusNoContent) })
	return func(body string) (int, []workflow.FieldError) {
		req := httptest.NewRequest("POST", "/api/v1/decisions/1/events", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		var p struct{ Errors []workflow.FieldError }
		_ = json.Unmarshal(w.Body.Bytes(), &p)
		return w.Code, p.Errors
	}
}

// sampleMeeting is the minutes of a meeting with every field given.
func sampleMeeting() map[string]any {
	return map[string]any{
		"kind": "executive_meeting", "held_on": "2026-04-02", "location": "镇政府三楼会议室", "members_total": 5,
		"attendees": []any{
			map[string]any{"name": "刘书记", "position": "党委书记", "is_head": false, "is_member": true, "opinion": "agree", "statement": "同意"},
			map[string]any{"name": "陈副镇长", "position": "副镇长", "is_member": false, "opinion": "abstain", "statement": "弃权"},
			map[string]any{"name": "张镇长", "position": "镇长", "is_head": true, "opinion": "agree", "statement": "同意"},
		},
		"departure_reason": "无",
	}
}

// sampleData fills every field of an event's form, from the table.
func sampleData(t *testing.T, fields []workflow.Field) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, f := range fields {
		switch f.Kind {
		case workflow.FieldText, workflow.FieldTextarea:
			out[f.Name] = "文字"
		case workflow.FieldDate:
			out[f.Name] = "2026-04-02"
		case workflow.FieldBool:
			out[f.Name] = true
		case workflow.FieldEnum:
			out[f.Name] = f.Values[0]
		case workflow.FieldList:
			out[f.Name] = []any{"一项"}
		case workflow.FieldMeeting:
			out[f.Name] = sampleMeeting()
		default:
			t.Fatalf("no sample value for a field of kind %s", f.Kind)
		}
	}
	return out
}

// wrongType is a value of another JSON type than v.
func wrongType(v any) any {
	switch v.(type) {
	case string:
		return 7
	default:
		return "7"
	}
}

// emptyValue is the empty value of v's JSON type.
func emptyValue(v any) any {
	switch v.(type) {
	case string:
		return ""
	case bool:
		return false
	case []any:
		return []any{}
	default:
		return map[string]any{}
	}
}

// engineFields decodes data as the engine does and returns the fields it
// refuses (nil when it accepts the data).
func engineFields(t *testing.T, ev workflow.EventDef, data any) []workflow.FieldError {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	err = workflow.DecodeStrict(raw, ev.NewData())
	if err == nil {
		return nil
	}
	var we *workflow.Error
	if !errors.As(err, &we) || we.Code != workflow.EINVALID {
		t.Fatalf("%s: decoding %s: %v", ev.Name, raw, err)
	}
	return we.Fields
}

// namesField reports whether the engine's answer names the field. Go's
// decoder names a field of an embedded struct with the struct's Go name in
// front (ReviewRequest.urgent_reason): that is accepted here.
func namesField(fs []workflow.FieldError, field string) bool {
	for _, f := range fs {
		if f.Field == field || strings.HasSuffix(f.Field, "."+field) && !strings.Contains(f.Field[:len(f.Field)-len(field)-1], "_") {
			return true
		}
	}
	return hasField(fs, field)
}

// hasField reports whether the validator's answer names the field or a
// field inside it.
func hasField(fs []workflow.FieldError, field string) bool {
	for _, f := range fs {
		if f.Field == field || strings.HasPrefix(f.Field, field+".") || strings.HasPrefix(f.Field, field+"[") {
			return true
		}
	}
	return false
}

// TestEventRequestValidation: the events endpoint's body, one schema per
// event chosen by `event`, lets through the complete data of every event of
// the table (and null or absent data, which the engine reads as {}), and
// refuses (400) what the engine refuses as malformed, naming the same field
// as the engine would (data.<field>).
func TestEventRequestValidation(t *testing.T) {
	post := eventValidator(t)
	body := func(event string, data any) string {
		b, _ := json.Marshal(map[string]any{"event": event, "data": data})
		return string(b)
	}
	for _, ev := range workflow.Events {
		t.Run(ev.Name, func(t *testing.T) {
			if ev.Internal {
				// Not fireable (supersede): the document refuses it.
				if code, fs := post(`{"event":"` + ev.Name + `"}`); code != http.StatusBadRequest || !hasField(fs, "event") {
					t.Errorf("the internal event %s: %d %v, want 400 naming event", ev.Name, code, fs)
				}
				return
			}
			data := sampleData(t, ev.Fields)
			if fs := engineFields(t, ev, data); fs != nil {
				t.Fatalf("the engine refuses the sample %v: %v", data, fs)
			}
			for _, b := range []string{body(ev.Name, data), body(ev.Name, nil), `{"event":"` + ev.Name + `"}`} {
				if code, fs := post(b); code != http.StatusNoContent {
					t.Errorf("%s: %d %v, want it let through", b, code, fs)
				}
			}
			// refused: both the validator and the engine refuse data,
			// naming the field (the engine prefixes "data." in Fire).
			refused := func(what string, data any, field string) {
				t.Helper()
				apiField, engineField := "data."+field, field
				if field == "" {
					apiField, engineField = "data", "data"
				}
				code, fs := post(body(ev.Name, data))
				if code != http.StatusBadRequest || !hasField(fs, apiField) {
					t.Errorf("%s: %d %v, want 400 naming %s", what, code, fs, apiField)
				}
				if ef := engineFields(t, ev, data); !namesField(ef, engineField) {
					t.Errorf("%s: the engine answers %v, but openapi.yaml refuses it naming %s", what, ef, apiField)
				}
			}
			extra := maps.Clone(data)
			extra["not_a_field"] = "x"
			refused("an unknown field", extra, "not_a_field")
			refused("data that is no object", []any{}, "")
			for _, f := range ev.Fields {
				wrong := maps.Clone(data)
				wrong[f.Name] = wrongType(data[f.Name])
				refused(f.Name+" of the wrong type", wrong, f.Name)

				without := maps.Clone(data)
				delete(without, f.Name)
				empty := maps.Clone(data)
				empty[f.Name] = emptyValue(data[f.Name])
				// Let through, the engine decides (its rules may answer 422,
				// or 400 for what depends on another field, such as
				// nondisclosure_basis when not_disclosed); refused, the engine
				// refuses it too, naming the same field: the document is
				// never stricter than the engine.
				for what, d := range map[string]map[string]any{"without " + f.Name: without, f.Name + " empty": empty} {
					code, fs := post(body(ev.Name, d))
					ef := engineFields(t, ev, d)
					switch {
					case code == http.StatusNoContent:
					case f.Kind == workflow.FieldDate && what == f.Name+" empty":
						// A date is YYYY-MM-DD (http-api.md): the document
						// refuses "", which the engine reads as no date.
					case code == http.StatusBadRequest && !(hasField(fs, "data."+f.Name) && namesField(ef, f.Name)):
						t.Errorf("%s: 400 %v, the engine %v: want both to name the field", what, fs, ef)
					case code != http.StatusBadRequest:
						t.Errorf("%s: %d %v", what, code, fs)
					}
				}
			}
		})
	}
}

// TestEventRequestValidationMessages: what the validator answers for the
// usual mistakes, field by field.
func TestEventRequestValidationMessages(t *testing.T) {
	post := eventValidator(t)
	meeting := sampleMeeting()
	noName := sampleMeeting()
	noName["attendees"] = []any{map[string]any{"position": "镇长", "opinion": "agree"}}
	noHeldOn := sampleMeeting()
	delete(noHeldOn, "held_on")
	for _, c := range []struct {
		name, body, field, message string
	}{
		{"unknown event", `{"event":"skip_everything","data":{}}`, "event", "is not a known event: must be one of "},
		{"no event", `{"data":{}}`, "event", "is required"},
		{"event not a string", `{"event":7}`, "event", "must be a string"},
		{"body not an object", `[]`, "body", "must be a JSON object"},
		{"unknown top-level field", `{"event":"submit_draft","extra":1}`, "extra", "is not a field of this request"},
		{"data for submit_draft", `{"event":"submit_draft","data":{"x":1}}`, "data.x", "is not a field of this request"},
		{"meeting missing", `{"event":"approve","data":{"not_disclosed":false}}`, "data.meeting", "is required"},
		{"held_on missing", mustBody(t, "approve", map[string]any{"meeting": noHeldOn}), "data.meeting.held_on", "is required"},
		{"attendee without a name", mustBody(t, "reject", map[string]any{"meeting": noName}), "data.meeting.attendees[0].name", "is required"},
		{"is_head not a boolean", strings.Replace(mustBody(t, "approve", map[string]any{"meeting": meeting}), `"is_head":true`, `"is_head":"yes"`, 1), "data.meeting.attendees[2].is_head", ""},
		{"bad date", `{"event":"publish","data":{"published_on":"2026-13-01"}}`, "data.published_on", ""},
		{"bad review date", `{"event":"resubmit_legality_review","data":{"revision_note":"x","review_requested_by":"soon"}}`, "data.review_requested_by", ""},
		{"unknown conclusion", `{"event":"complete_risk_assessment","data":{"consulted_departments":[],"conclusion":"fine"}}`, "data.conclusion", ""},
		{"authority missing", `{"event":"pass_legality_review","data":{"opinion":"x","procedure":true,"content":true}}`, "data.authority", "is required"},
		{"an urgent reason for approve", `{"event":"approve","data":{"meeting":{"held_on":"2026-04-02","location":"x"},"urgent_reason":"x"}}`, "data.urgent_reason", "is not a field of this request"},
	} {
		code, fs := post(c.body)
		if code != http.StatusBadRequest || !hasField(fs, c.field) {
			t.Errorf("%s: %d %v, want 400 naming %s", c.name, code, fs, c.field)
			continue
		}
		for _, f := range fs {
			if f.Field == c.field && !strings.Contains(f.Message, c.message) {
				t.Errorf("%s: %s %q, want %q", c.name, f.Field, f.Message, c.message)
			}
		}
	}
	// What the rules decide is not the document's: a meeting of an unknown
	// kind, or without attendees, passes the validator and meets its rule (422).
	for _, b := range []string{
		`{"event":"approve","data":{"meeting":{"kind":"circulated","held_on":"2026-04-02","location":"x"}}}`,
		`{"event":"publish","data":{"published_on":"2026-04-02"}}`,
		`{"event":"archive","data":{}}`,
		`{"event":"complete_risk_assessment","data":{"consulted_departments":[],"conclusion":"uncontrollable"}}`,
	} {
		if code, fs := post(b); code != http.StatusNoContent {
			t.Errorf("%s: %d %v, want it let through to the engine's rules", b, code, fs)
		}
	}
}

func mustBody(t *testing.T, event string, data any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"event": event, "data": data})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
