package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// FuzzEventData feeds arbitrary bytes as the data of every event: decoding
// never panics, refuses only with EINVALID and field errors, and what it
// accepts encodes and decodes again to the same thing.
func FuzzEventData(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `{"reason":"x"}`, `{"adoption_report":"报告"}`, `{"meeting":{"kind":"executive_meeting","held_on":"2026-01-02","location":"l","attendees":[{"name":"a","opinion":"agree"}]}}`,
		`{"risk_points":"a","measures":"b","response_plan":"c","consulted_departments":[],"conclusion":"controllable"}`,
		`{"published_on":"2026-13-45"}`, `{"opinion":"o","authority":true,"procedure":false,"content":true}`,
		`[` + string(bytes.Repeat([]byte("["), 1000)), `{"reason":"\u0000"}`, "{\"reason\":\"\xff\xfe\"}", `{"a":1}{"b":2}`,
	} {
		for i := range Events {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		ev := Events[int(which)%len(Events)]
		v, err := ev.spec.decode(raw)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || len(e.Fields) == 0 {
				t.Fatalf("%s: refusal %v is not EINVALID with fields", ev.Name, err)
			}
			return
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: accepted data does not encode: %v", ev.Name, err)
		}
		v2, err := ev.spec.decode(again)
		if err != nil {
			t.Fatalf("%s: accepted data %s refused on the second decode: %v", ev.Name, again, err)
		}
		if b2, _ := json.Marshal(v2); !bytes.Equal(b2, again) {
			t.Fatalf("%s: decode is not stable:\n%s\n%s", ev.Name, again, b2)
		}
	})
}

// FuzzCanonicalEncoding: the canonical encoding of any JSON is valid JSON,
// canonical again (idempotent), and gives an entry a stable hash that any
// change of its data alters.
func FuzzCanonicalEncoding(f *testing.F) {
	for _, s := range []string{`{}`, `{"b":1,"a":[1,2,{"d":"<&>","c":null}]}`, `"\u2028"`, `1e300`, `{"x":"\u0000\ud800"}`, `[]`, `{"a":{"a":{"a":{}}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c1, err := CanonicalJSON(raw)
		if err != nil {
			return
		}
		if !json.Valid(c1) {
			t.Fatalf("canonical form of %q is not JSON: %q", raw, c1)
		}
		c2, err := CanonicalJSON(c1)
		if err != nil || !bytes.Equal(c1, c2) {
			t.Fatalf("canonical form is not stable: %q then %q (%v)", c1, c2, err)
		}
		e := JournalEntry{DecisionID: 1, Seq: 2, Kind: KindRecord, Name: RecordSaveDraft, From: StateDrafting, To: StateDrafting,
			Actor: "a", Role: RoleStaff, At: time.Unix(1700000000, 123456000), Data: raw, PrevHash: ZeroHash}
		h1, err := e.ComputeHash()
		if err != nil {
			t.Fatal(err)
		}
		e.Data = c1
		if h2, _ := e.ComputeHash(); h1 != h2 {
			t.Fatal("the hash depends on the data's layout, not its value")
		}
		e.Data = []byte(`{"changed":true}`)
		if h3, _ := e.ComputeHash(); h3 == h1 && !bytes.Equal(c1, []byte(`{"changed":true}`)) {
			t.Fatal("changed data kept the hash")
		}
	})
}
