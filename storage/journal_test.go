package storage_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"decisionflow/storage"
	"decisionflow/workflow"
)

// TestJournalAppendOnly: a plain UPDATE or DELETE on the journal fails.
func TestJournalAppendOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		d := h.advance(t, workflow.StatePublicParticipation)
		for _, q := range []string{
			`UPDATE journal SET actor = 'mallory' WHERE decision_id = ` + itoa(d.ID) + ` AND seq = 2`,
			`DELETE FROM journal WHERE decision_id = ` + itoa(d.ID) + ` AND seq = 3`,
		} {
			if _, err := h.db.SQL().Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want the append-only refusal", q, err)
			}
		}
		if h.db.Dialect() == storage.Postgres {
			if _, err := h.db.SQL().Exec(`TRUNCATE journal CASCADE`); err == nil {
				t.Error("TRUNCATE journal succeeded")
			}
		}
		if v := h.verify(t, d.ID); !v.OK || v.Entries != 4 {
			t.Fatalf("verify = %+v, want ok with 4 entries", v)
		}
	})
}

// tamper edits a journal row behind the trigger's back, as a superuser
// would, and restores the trigger.
func tamper(t *testing.T, h *harness, q string) {
	t.Helper()
	var stmts []string
	if h.db.Dialect() == storage.Postgres {
		stmts = []string{`ALTER TABLE journal DISABLE TRIGGER journal_append_only`, q, `ALTER TABLE journal ENABLE TRIGGER journal_append_only`}
	} else {
		stmts = []string{`DROP TRIGGER journal_no_update`, `DROP TRIGGER journal_no_delete`, q,
			`CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'the journal is append-only: UPDATE is not allowed'); END`,
			`CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'the journal is append-only: DELETE is not allowed'); END`}
	}
	for _, s := range stmts {
		if _, err := h.db.SQL().Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestVerifyDetectsTampering: an edited, deleted or reordered entry breaks
// the chain at that seq; other decisions still verify.
func TestVerifyDetectsTampering(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		cases := []struct {
			name   string
			q      string
			broken int64
		}{
			{"edited data", `UPDATE journal SET data = '{"reason":"forged"}' WHERE decision_id = %d AND seq = 3`, 3},
			{"edited actor", `UPDATE journal SET actor = 'mallory' WHERE decision_id = %d AND seq = 2`, 2},
			{"deleted entry", `DELETE FROM journal WHERE decision_id = %d AND seq = 2`, 2},
			{"rewritten state", `UPDATE journal SET to_state = 'archived' WHERE decision_id = %d AND seq = 4`, 4},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				other := h.advance(t, workflow.StateExpertReview)
				d := h.advance(t, workflow.StateExpertReview)
				tamper(t, h, strings.ReplaceAll(c.q, "%d", itoa(d.ID)))
				v := h.verify(t, d.ID)
				if v.OK || v.BrokenAt != c.broken || v.Reason == "" {
					t.Fatalf("verify = %+v, want broken at %d", v, c.broken)
				}
				all, err := h.eng.VerifyAll(h.ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range all {
					if x.DecisionID == other.ID && !x.OK {
						t.Fatalf("untouched decision %d fails verify: %+v", other.ID, x)
					}
					if x.DecisionID == d.ID && x.OK {
						t.Fatalf("VerifyAll misses the broken chain of %d", d.ID)
					}
				}
			})
		}
		t.Run("state changed outside the engine", func(t *testing.T) {
			d := h.advance(t, workflow.StateExpertReview)
			if _, err := h.db.SQL().Exec(`UPDATE decisions SET state = 'legality_review' WHERE id = ` + itoa(d.ID)); err != nil {
				t.Fatal(err)
			}
			if v := h.verify(t, d.ID); v.OK {
				t.Fatalf("verify = %+v, want the skipped steps detected", v)
			}
		})
	})
}

// TestCanonicalEncoding pins the hash of one entry, so that a change to the
// documented encoding cannot pass unnoticed.
func TestCanonicalEncoding(t *testing.T) {
	e := workflow.JournalEntry{
		DecisionID: 7, Seq: 2, Kind: "record", Name: "save_draft", From: "drafting", To: "drafting",
		Actor: "wang.fang", Role: "staff", At: start.UTC(),
		Data:     []byte(`{"text": "第一条 <a&b>", "version": 1, "legal_bases": ["《条例》"]}`),
		PrevHash: workflow.ZeroHash,
	}
	b, err := e.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	want := `[7,2,"record","save_draft","drafting","drafting","wang.fang","staff","2026-03-02T01:00:00.000000Z",{"legal_bases":["《条例》"],"text":"第一条 <a&b>","version":1},"` + workflow.ZeroHash + `"]`
	if string(b) != want {
		t.Fatalf("canonical =\n%s\nwant\n%s", b, want)
	}
	sum := sha256.Sum256([]byte(want))
	if h, _ := e.ComputeHash(); h != hex.EncodeToString(sum[:]) {
		t.Fatalf("hash = %s, want SHA-256 of the canonical bytes %x", h, sum)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
