package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text limits of the HTTP contract, in characters.
const (
	MaxTitle   = 200
	MaxComment = 5000
	MaxText    = 100000
	maxList    = 200 // entries in an array field: legal bases, channels, attendees
)

// validator is implemented by request types: Validate checks form (types,
// enumerations, required fields, lengths) and returns EINVALID; legal rules
// are checked later, inside the transaction, and return ERULE.
type validator interface {
	Validate() error
}

// DecodeStrict decodes one JSON object from raw into v, refusing unknown
// fields, wrong types and trailing data, then runs v's Validate. An empty or
// null raw is the empty object. Every failure is EINVALID with field errors.
func DecodeStrict(raw []byte, v any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		raw = []byte("{}")
	}
	if raw[0] != '{' {
		return Invalid(FieldError{"data", "must be a JSON object"})
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Invalid(jsonFieldError(err))
	}
	if dec.More() {
		return Invalid(FieldError{"data", "unexpected data after the JSON object"})
	}
	if val, ok := v.(validator); ok {
		return val.Validate()
	}
	return nil
}

// jsonFieldError turns an encoding/json error into a field error that names
// the field without echoing Go's error text.
func jsonFieldError(err error) FieldError {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "data"
		}
		return FieldError{field, "must be " + jsonKind(typeErr.Type.Kind().String())}
	case errors.As(err, &syntaxErr):
		return FieldError{"data", fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return FieldError{name, "is not a field of this request"}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return FieldError{"data", "malformed JSON: unexpected end"}
	}
	return FieldError{"data", "malformed JSON"}
}

func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	}
	return "of another type"
}

// fieldCheck collects field errors.
type fieldCheck []FieldError

func (c *fieldCheck) add(field, msg string) { *c = append(*c, FieldError{field, msg}) }

func (c *fieldCheck) text(field, v string, max int) {
	if !utf8.ValidString(v) {
		c.add(field, "must be valid UTF-8")
	} else if strings.ContainsRune(v, 0) {
		c.add(field, "must not contain NUL characters")
	} else if n := utf8.RuneCountInString(v); n > max {
		c.add(field, fmt.Sprintf("is %d characters long; at most %d are allowed", n, max))
	} else if max <= MaxTitle && !singleLine(v) {
		// Every field as short as a title is one line: a name, a unit, a
		// place, a channel. Control characters and bidi overrides in them
		// break layouts and can disguise what a reader sees.
		c.add(field, "must be one line without control or bidirectional-override characters")
	}
}

// singleLine reports whether v has no control characters (tab included) and
// no bidirectional embedding, override or isolate characters.
func singleLine(v string) bool {
	for _, r := range v {
		if unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') ||
			r == '\u200e' || r == '\u200f' || r == '\u061c' {
			return false
		}
	}
	return true
}

func (c *fieldCheck) required(field, v string, max int) {
	if strings.TrimSpace(v) == "" {
		c.add(field, "is required")
		return
	}
	c.text(field, v, max)
}

func (c *fieldCheck) list(field string, v []string, max int) {
	if len(v) > maxList {
		c.add(field, fmt.Sprintf("has %d entries; at most %d are allowed", len(v), maxList))
	}
	for i, s := range v {
		c.text(fmt.Sprintf("%s[%d]", field, i), s, max)
	}
}

func (c *fieldCheck) enum(field, v string, set []string) {
	if !oneOf(v, set) {
		c.add(field, "must be one of "+strings.Join(set, ", "))
	}
}

func (c *fieldCheck) date(field, v string, required bool) {
	if v == "" {
		if required {
			c.add(field, "is required")
		}
		return
	}
	if _, err := ParseDate(v); err != nil {
		c.add(field, "must be a date YYYY-MM-DD")
	}
}

func (c fieldCheck) err() error {
	if len(c) == 0 {
		return nil
	}
	return Invalid(c...)
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// NewDecision is the request to create a decision: from a catalog entry
// (whose title, category and unit are the defaults), or as a proposal with
// its source and text (lifecycle.md "Starting a decision").
type NewDecision struct {
	Title           string `json:"title"`
	Summary         string `json:"summary"`
	Category        string `json:"category"`
	UndertakingUnit string `json:"undertaking_unit"`
	CatalogEntryID  *int64 `json:"catalog_entry_id,omitempty"`
	Source          string `json:"source,omitempty"`
	Proposal        string `json:"proposal,omitempty"`
}

// Validate checks the form of the request; the category rule is checked by Create.
func (r *NewDecision) Validate() error {
	var c fieldCheck
	// From a catalog entry, title, unit and category default to the entry's
	// (filled by Create before it checks again).
	fromEntry := r.CatalogEntryID != nil
	// Neither a catalog entry nor a proposal is no lawful start (Arts 10–11).
	neither := !fromEntry && r.Source == "" && r.Proposal == ""
	if neither {
		c.add("source", "give catalog_entry_id, or source and proposal")
	}
	if !fromEntry || r.Title != "" {
		c.required("title", r.Title, MaxTitle)
	}
	c.text("summary", r.Summary, MaxText)
	if !fromEntry || r.UndertakingUnit != "" {
		c.required("undertaking_unit", r.UndertakingUnit, MaxTitle)
	}
	if (!fromEntry || r.Category != "") && !oneOf(r.Category, Categories) && !oneOf(r.Category, ExcludedCategories) {
		c.enum("category", r.Category, Categories)
	}
	if r.CatalogEntryID != nil && (r.Source != "" || r.Proposal != "") {
		c.add("catalog_entry_id", "a decision starts from a catalog entry or from a proposal, not both")
	}
	if !fromEntry && !neither {
		c.enum("source", r.Source, ProposalSources)
		c.required("proposal", r.Proposal, MaxText)
	}
	return c.err()
}

// DraftInput saves a new draft version.
type DraftInput struct {
	Text       string   `json:"text"`
	LegalBases []string `json:"legal_bases"`
}

// Validate checks the form of the request.
func (r *DraftInput) Validate() error {
	var c fieldCheck
	c.text("text", r.Text, MaxText)
	c.list("legal_bases", r.LegalBases, MaxTitle*5)
	return c.err()
}

// CommentPeriodInput sets the comment period.
type CommentPeriodInput struct {
	OpensOn          string   `json:"opens_on"`
	ClosesOn         string   `json:"closes_on"`
	Channels         []string `json:"channels"`
	ShorteningReason string   `json:"shortening_reason"`
}

// Validate checks the form of the request.
func (r *CommentPeriodInput) Validate() error {
	var c fieldCheck
	c.date("opens_on", r.OpensOn, true)
	c.date("closes_on", r.ClosesOn, true)
	if len(r.Channels) == 0 {
		c.add("channels", "at least one channel is required")
	}
	c.list("channels", r.Channels, MaxTitle)
	c.text("shortening_reason", r.ShorteningReason, MaxText)
	return c.err()
}

// CommentInput records a comment received through another channel.
type CommentInput struct {
	Channel    string `json:"channel"`
	AuthorName string `json:"author_name"`
	Content    string `json:"content"`
}

// Validate checks the form of the request.
func (r *CommentInput) Validate() error {
	var c fieldCheck
	c.enum("channel", r.Channel, CommentChannels)
	c.text("author_name", r.AuthorName, MaxTitle)
	c.required("content", r.Content, MaxComment)
	return c.err()
}

// PublicCommentInput is a comment from the public endpoint. Contact is kept
// with the comment for staff, never journaled and never shown publicly.
type PublicCommentInput struct {
	Content    string `json:"content"`
	AuthorName string `json:"author_name"`
	Contact    string `json:"contact"`
}

// Validate checks the form of the request.
func (r *PublicCommentInput) Validate() error {
	var c fieldCheck
	c.required("content", r.Content, MaxComment)
	c.text("author_name", r.AuthorName, MaxTitle)
	c.text("contact", r.Contact, MaxTitle)
	return c.err()
}

// DispositionInput disposes of a comment (Art 18).
type DispositionInput struct {
	Disposition string `json:"disposition"`
	Reason      string `json:"reason"`
}

// Validate checks the form of the request.
func (r *DispositionInput) Validate() error {
	var c fieldCheck
	c.enum("disposition", r.Disposition, Dispositions)
	c.required("reason", r.Reason, MaxText)
	return c.err()
}

// ExpertOpinionInput records one expert's written opinion.
type ExpertOpinionInput struct {
	ExpertName         string `json:"expert_name"`
	Institution        string `json:"institution"`
	Opinion            string `json:"opinion"`
	Signed             *bool  `json:"signed"`
	ConflictOfInterest *bool  `json:"conflict_of_interest"`
}

// Validate checks the form of the request; signature and conflict are rules.
func (r *ExpertOpinionInput) Validate() error {
	var c fieldCheck
	c.required("expert_name", r.ExpertName, MaxTitle)
	c.text("institution", r.Institution, MaxTitle)
	c.required("opinion", r.Opinion, MaxText)
	if r.Signed == nil {
		c.add("signed", "is required")
	}
	if r.ConflictOfInterest == nil {
		c.add("conflict_of_interest", "is required")
	}
	return c.err()
}
