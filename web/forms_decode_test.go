package web

import (
	"encoding/json"
	"testing"

	"decisionflow/workflow"
)

// TestDecodeForm: each kind of field becomes its JSON value; blank optional
// fields are left out, blank attendee rows skipped.
func TestDecodeForm(t *testing.T) {
	fields := []workflow.Field{
		{Name: "note", Kind: workflow.FieldTextarea},
		{Name: "ref", Kind: workflow.FieldText, Optional: true},
		{Name: "on", Kind: workflow.FieldDate},
		{Name: "ok", Kind: workflow.FieldBool},
		{Name: "no", Kind: workflow.FieldBool},
		{Name: "pick", Kind: workflow.FieldEnum, Values: []string{"a", "b"}},
		{Name: "items", Kind: workflow.FieldList},
		{Name: "more", Kind: workflow.FieldList, Optional: true},
		{Name: "meeting", Kind: workflow.FieldMeeting},
	}
	form := map[string][]string{
		"note": {"文字"}, "ref": {"  "}, "on": {"2026-04-02"}, "ok": {"1"}, "pick": {"b"}, "items": {" 甲 \r\n\r\n乙"},
		"kind": {"executive_meeting"}, "held_on": {"2026-04-02"}, "location": {"会议室"}, "members_total": {"5"},
		"name_0": {"刘书记"}, "is_member_0": {"1"}, "opinion_0": {"agree"}, "statement_0": {"同意"},
		"is_member_1": {"1"}, // a blank row, its default tick left
		"name_2":      {"张镇长"}, "is_head_2": {"1"}, "opinion_2": {""},
	}
	raw, err := decodeForm(fields, form)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := `{"items":["甲","乙"],"meeting":{"attendees":[{"is_head":false,"is_member":true,"name":"刘书记","opinion":"agree","position":"","statement":"同意"},` +
		`{"is_head":true,"is_member":false,"name":"张镇长","position":"","statement":""}],"held_on":"2026-04-02","kind":"executive_meeting","location":"会议室","members_total":5},` +
		`"no":false,"note":"文字","ok":true,"on":"2026-04-02","pick":"b"}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var m workflow.ApproveData
	if err := workflow.DecodeStrict(mustJSON(t, got["meeting"], "meeting"), &m); err != nil {
		t.Fatalf("the engine does not take the meeting: %v", err)
	}
}

func mustJSON(t *testing.T, v any, key string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{key: v})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
