// Package workflow is the domain of decisionflow: the decision, its five
// mandatory procedures as a state machine, the legal rules of State Council
// Decree 713 with their stable ids, the hash-chained journal, and the engine
// that applies one action at a time through a Store. It imports no
// infrastructure: storage and api depend on it, never the reverse.
package workflow

import (
	"encoding/json"
	"fmt"
	"time"
)

// Role is the one role of a user.
type Role string

// The roles of workflow.md. RolePublic is the role journaled for a comment
// from the public endpoint; no account has it.
const (
	RoleStaff        Role = "staff"
	RoleLegalAdvisor Role = "legal_advisor"
	RoleHead         Role = "head"
	RoleAdmin        Role = "admin"
	RolePublic       Role = "public"
)

// Roles lists the roles an account may have.
var Roles = []Role{RoleStaff, RoleLegalAdvisor, RoleHead, RoleAdmin}

// Valid reports whether r is a role an account may have.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// State is the state of a decision.
type State string

// The states of workflow.md.
const (
	StateNone                State = ""
	StateDrafting            State = "drafting"
	StatePublicParticipation State = "public_participation"
	StateExpertReview        State = "expert_review"
	StateRiskAssessment      State = "risk_assessment"
	StateLegalityReview      State = "legality_review"
	StateRevising            State = "revising"
	StateCollectiveDecision  State = "collective_decision"
	StateDeferred            State = "deferred"
	StateApproved            State = "approved"
	StatePublished           State = "published"
	StateArchived            State = "archived"
	StateRejected            State = "rejected"
	StateWithdrawn           State = "withdrawn"
	// After the decision (lifecycle.md).
	StateSuspended  State = "suspended"
	StateEvaluating State = "evaluating"
	StateExecuted   State = "executed"
	StateStopped    State = "stopped"
	StateAdjusted   State = "adjusted"
)

// String is the state's name. Through a *State (a decision's outcome) a
// template's printf formats the name too, not the pointer.
func (s State) String() string { return string(s) }

// Terminal reports whether no event leaves s.
func (s State) Terminal() bool { return len(EventsFrom(s)) == 0 }

// Closed reports whether only archive leaves s.
func (s State) Closed() bool {
	d, _ := LookupState(s)
	return d.Closed
}

// Valid reports whether s is a state of the contract.
func (s State) Valid() bool {
	_, ok := LookupState(s)
	return ok
}

// Policy decides whether the statutory waivers are available.
type Policy string

// The policies of workflow.md.
const (
	PolicyAllFive   Policy = "all-five"
	PolicyStatutory Policy = "statutory"
)

// Valid reports whether p is a known policy.
func (p Policy) Valid() bool { return p == PolicyAllFive || p == PolicyStatutory }

// Categories a decision may have (Art 3); ExcludedCategories are refused.
var (
	Categories         = []string{"public_policy", "plan", "resources", "construction_project", "other"}
	ExcludedCategories = []string{"macro_control", "legislation", "emergency_response"}
)

// Comment channels, dispositions, meeting kinds and opinions of workflow.md.
var (
	CommentChannels = []string{"website", "letter", "symposium", "hearing", "survey", "visit", "other"}
	Dispositions    = []string{"adopted", "partially_adopted", "not_adopted", "duplicate"}
	MeetingKinds    = []string{"executive_meeting", "plenary_meeting", "mayor_office_meeting", "joint_party_government_meeting"}
	Opinions        = []string{"agree", "disagree", "abstain"}
	RiskConclusions = []string{"controllable", "uncontrollable"}
)

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// Date is a calendar date without a time zone, written YYYY-MM-DD.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("not a date of the form YYYY-MM-DD: %q", s)
	}
	return DateOf(t), nil
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// IsZero reports whether d is the zero date.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays returns d plus n calendar days.
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Time().Before(o.Time()) }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Time().After(o.Time()) }

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalJSON writes "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("not a date string")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// User is an account. Each user has exactly one role.
type User struct {
	ID          int64     `json:"-"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Role        Role      `json:"role"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
}

// Decision is a major administrative decision and where it stands.
type Decision struct {
	ID              int64     `json:"id"`
	Title           string    `json:"title"`
	Summary         string    `json:"summary"`
	Category        string    `json:"category"`
	UndertakingUnit string    `json:"undertaking_unit"`
	State           State     `json:"state"`
	Version         int64     `json:"version"`
	Policy          Policy    `json:"policy"`
	CreatedBy       string    `json:"created_by"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	AllowedEvents   []string  `json:"allowed_events"`
	// AllowedActions are the record actions the reader may take now.
	AllowedActions []string       `json:"allowed_actions"`
	Draft          *Draft         `json:"draft"`
	CommentPeriod  *CommentPeriod `json:"comment_period"`
	// DecidedOn is the date of the meeting that approved or rejected the decision.
	DecidedOn *Date `json:"decided_on,omitempty"`
	// LegalitySubmittedOn is when the decision last entered legality review.
	LegalitySubmittedOn *Date `json:"legality_submitted_on,omitempty"`
	// ReviewRequestedBy is the date the legality opinion is wanted by (Art 26):
	// the review's due date.
	ReviewRequestedBy *Date `json:"review_requested_by,omitempty"`
	// StateEnteredOn is the day the decision entered its current state.
	StateEnteredOn *Date `json:"state_entered_on,omitempty"`
	// How it started (lifecycle.md): from a catalog entry, or as a proposal.
	CatalogEntryID *int64  `json:"catalog_entry_id"`
	Source         *string `json:"source"`
	Proposal       *string `json:"proposal"`
	// The adjustment chain (Art 37): the decision this one replaces, and the
	// one replacing it.
	Supersedes   *int64 `json:"supersedes"`
	SupersededBy *int64 `json:"superseded_by"`
	// Outcome is the closed state the decision was archived from.
	Outcome *State `json:"outcome"`
	// NotDisclosed marks a decision the law excludes from publication.
	NotDisclosed bool `json:"not_disclosed"`
	// ExecutionUnit carries the decision out (Art 34), named at publication.
	ExecutionUnit string `json:"execution_unit,omitempty"`
	// EvaluatedFrom is the state a post-evaluation returns to;
	// EvaluationConclusion the conclusion of the latest one.
	EvaluatedFrom        State  `json:"-"`
	EvaluationConclusion string `json:"evaluation_conclusion,omitempty"`
	// Deadlines are the dates due in the current state, on the working-day calendar.
	Deadlines []Deadline `json:"deadlines"`
}

// Draft is one saved version of the decision's draft text.
type Draft struct {
	Version    int       `json:"version"`
	Text       string    `json:"text"`
	LegalBases []string  `json:"legal_bases"`
	SHA256     string    `json:"sha256"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// CommentPeriod is the public comment window of a decision (Art 15).
type CommentPeriod struct {
	OpensOn          Date     `json:"opens_on"`
	ClosesOn         Date     `json:"closes_on"`
	Channels         []string `json:"channels"`
	ShorteningReason string   `json:"shortening_reason"`
}

// Open reports whether today falls in the window.
func (p *CommentPeriod) Open(today Date) bool {
	return p != nil && !today.Before(p.OpensOn) && !today.After(p.ClosesOn)
}

// Comment is an opinion from the public, from the public endpoint (Source
// "public") or recorded by staff from another channel (Source "staff").
type Comment struct {
	ID                int64     `json:"id"`
	DecisionID        int64     `json:"decision_id"`
	Source            string    `json:"source"`
	Channel           string    `json:"channel"`
	AuthorName        string    `json:"author_name"`
	Contact           string    `json:"contact,omitempty"`
	Content           string    `json:"content"`
	Disposition       string    `json:"disposition,omitempty"`
	DispositionReason string    `json:"disposition_reason,omitempty"`
	RecordedBy        string    `json:"recorded_by,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	// DraftVersion is the draft version under consultation when the comment
	// was made (0 when unknown: comments older than this field).
	DraftVersion int `json:"draft_version,omitempty"`
}

// ExpertOpinion is the signed written opinion of one expert (Arts 19, 20).
type ExpertOpinion struct {
	ID                 int64     `json:"id"`
	DecisionID         int64     `json:"decision_id"`
	ExpertName         string    `json:"expert_name"`
	Institution        string    `json:"institution"`
	Opinion            string    `json:"opinion"`
	Signed             bool      `json:"signed"`
	ConflictOfInterest bool      `json:"conflict_of_interest"`
	RecordedBy         string    `json:"recorded_by"`
	CreatedAt          time.Time `json:"created_at"`
}

// Consultation is a decision open for public comment today, as the public sees it.
type Consultation struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	Summary   string `json:"summary"`
	DraftText string `json:"draft_text"`
	// DraftVersion and DraftSHA256 name the text under consultation.
	DraftVersion int      `json:"draft_version"`
	DraftSHA256  string   `json:"draft_sha256"`
	OpensOn      Date     `json:"opens_on"`
	ClosesOn     Date     `json:"closes_on"`
	Channels     []string `json:"channels"`
}
