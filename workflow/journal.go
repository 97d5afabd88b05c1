package workflow

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Journal entry kinds.
const (
	KindTransition = "transition"
	KindRecord     = "record"
)

// Record names journaled beside the events.
const (
	RecordCreate           = "create"
	RecordSaveDraft        = "save_draft"
	RecordSetCommentPeriod = "set_comment_period"
	RecordAddComment       = "add_comment"
	RecordDisposeComment   = "dispose_comment"
	RecordAddExpertOpinion = "add_expert_opinion"
)

// ZeroHash is the prev_hash of the first entry of every chain.
var ZeroHash = strings.Repeat("0", 64)

// TimeLayout is how `at` is written in the canonical encoding: UTC with
// exactly six fractional digits, the precision PostgreSQL keeps.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// JournalEntry is one append-only entry of a decision's journal.
type JournalEntry struct {
	DecisionID int64           `json:"-"`
	Seq        int64           `json:"seq"`
	Kind       string          `json:"kind"`
	Name       string          `json:"name"`
	From       State           `json:"from"`
	To         State           `json:"to"`
	Actor      string          `json:"actor"`
	Role       Role            `json:"role"`
	At         time.Time       `json:"at"`
	Data       json.RawMessage `json:"data"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// CanonicalJSON re-encodes a JSON value canonically: object keys sorted by
// their UTF-8 bytes, no insignificant white space, numbers as written, no
// HTML escaping. Two encodings of the same value give the same bytes.
func CanonicalJSON(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return marshalCanonical(v)
}

func marshalCanonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Canonical returns the bytes the entry's hash is taken over: the JSON array
//
//	[decision_id, seq, kind, name, from, to, actor, role, at, data, prev_hash]
//
// encoded as CanonicalJSON, with at written in TimeLayout and data canonical.
func (e *JournalEntry) Canonical() ([]byte, error) {
	data, err := CanonicalJSON(e.Data)
	if err != nil {
		return nil, fmt.Errorf("data is not JSON: %w", err)
	}
	return e.canonicalWith(data)
}

// canonicalWith is Canonical with data already canonical.
func (e *JournalEntry) canonicalWith(data []byte) ([]byte, error) {
	return marshalCanonical([]any{
		e.DecisionID, e.Seq, e.Kind, e.Name, string(e.From), string(e.To),
		e.Actor, string(e.Role), e.At.UTC().Format(TimeLayout), json.RawMessage(data), e.PrevHash,
	})
}

// ComputeHash returns hex(SHA-256(Canonical())).
func (e *JournalEntry) ComputeHash() (string, error) {
	b, err := e.Canonical()
	if err != nil {
		return "", err
	}
	return hashHex(b), nil
}

// hashCanonical is ComputeHash of an entry whose Data is CanonicalJSON's
// output already (a new entry), without decoding it again.
func (e *JournalEntry) hashCanonical() (string, error) {
	b, err := e.canonicalWith(e.Data)
	if err != nil {
		return "", err
	}
	return hashHex(b), nil
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Verification is the result of checking one decision's chain.
type Verification struct {
	DecisionID int64  `json:"-"`
	OK         bool   `json:"ok"`
	Entries    int    `json:"entries,omitempty"`
	HeadHash   string `json:"head_hash,omitempty"`
	BrokenAt   int64  `json:"broken_at,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// VerifyChain checks a decision's entries in seq order: seq runs 1, 2, … with
// no gap; each prev_hash is the previous hash (ZeroHash first); each hash is
// recomputed; each from is the previous to; and the last to is state.
func VerifyChain(decisionID int64, state State, entries []JournalEntry) Verification {
	broken := func(seq int64, format string, args ...any) Verification {
		return Verification{DecisionID: decisionID, OK: false, BrokenAt: seq, Reason: fmt.Sprintf(format, args...)}
	}
	if len(entries) == 0 {
		return broken(1, "the journal is empty")
	}
	prev, prevTo := ZeroHash, StateNone
	for i := range entries {
		e := &entries[i]
		want := int64(i + 1)
		if e.Seq != want {
			return broken(want, "entry %d is missing (found seq %d)", want, e.Seq)
		}
		if e.DecisionID != decisionID {
			return broken(e.Seq, "entry belongs to decision %d", e.DecisionID)
		}
		if e.PrevHash != prev {
			return broken(e.Seq, "prev_hash does not match the hash of entry %d", e.Seq-1)
		}
		if e.From != prevTo {
			return broken(e.Seq, "from %q does not follow the previous state %q", e.From, prevTo)
		}
		h, err := e.ComputeHash()
		if err != nil {
			return broken(e.Seq, "entry cannot be encoded: %v", err)
		}
		if h != e.Hash {
			return broken(e.Seq, "hash does not match the entry's content")
		}
		prev, prevTo = e.Hash, e.To
	}
	if prevTo != state {
		return broken(entries[len(entries)-1].Seq, "the decision is in state %q but its journal ends in %q", state, prevTo)
	}
	return Verification{DecisionID: decisionID, OK: true, Entries: len(entries), HeadHash: prev}
}
