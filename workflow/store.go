package workflow

import (
	"context"
	"time"
)

// DecisionStore keeps decisions, their records and their journals. Every
// method returns ENOTFOUND for a decision that does not exist, EUNAVAILABLE
// when the database cannot be reached, and EINTERNAL otherwise.
type DecisionStore interface {
	CalendarStore
	// CreateDecision inserts d, fills its ID, and calls fn with a transaction on
	// the new decision; the decision exists only if fn returns nil.
	CreateDecision(ctx context.Context, d *Decision, fn func(tx DecisionTx) error) error
	// UpdateDecision locks decision id for one transaction (no other
	// UpdateDecision on the same id runs until it ends; other decisions are
	// not held up) and calls fn; the transaction commits only if fn returns nil.
	UpdateDecision(ctx context.Context, id int64, fn func(tx DecisionTx) error) error

	// Decision returns one decision with its current draft and comment period.
	Decision(ctx context.Context, id int64) (*Decision, error)
	// Decisions returns a page of decisions, newest first.
	Decisions(ctx context.Context, f DecisionFilter) ([]*Decision, error)
	// CountDecisions counts the decisions the filter selects (Limit and AfterID aside).
	CountDecisions(ctx context.Context, f DecisionFilter) (int, error)
	// Transitions returns every transition of every decision, by decision and
	// seq, for statistics.
	Transitions(ctx context.Context) ([]JournalEntry, error)
	// CountByState counts the decisions in each state.
	CountByState(ctx context.Context) (map[State]int, error)
	// CountByUnit counts the decisions of each undertaking unit.
	CountByUnit(ctx context.Context) (map[string]int, error)
	// DecisionIDs returns the id and state of every decision, for verify.
	DecisionIDs(ctx context.Context) ([]DecisionRef, error)
	// Drafts returns every draft version, newest first.
	Drafts(ctx context.Context, id int64) ([]Draft, error)
	// Comments returns every comment of a decision, newest first.
	Comments(ctx context.Context, id int64) ([]Comment, error)
	// ExpertOpinions returns every expert opinion, newest first.
	ExpertOpinions(ctx context.Context, id int64) ([]ExpertOpinion, error)
	// Journal returns the decision's entries in seq order.
	Journal(ctx context.Context, id int64) ([]JournalEntry, error)
	// Consultations returns the decisions in public participation whose
	// comment window contains today, newest first.
	Consultations(ctx context.Context, today Date) ([]Consultation, error)
}

// DecisionRef names a decision and its state.
type DecisionRef struct {
	ID    int64
	State State
}

// DecisionFilter selects a page of decisions. AfterID is the keyset cursor:
// only decisions with a smaller id are returned.
type DecisionFilter struct {
	State           State
	Query           string
	UndertakingUnit string
	AfterID         int64
	Limit           int
	// Overdue keeps decisions past a deadline; DueBefore those with a
	// deadline before the date. The engine turns both into the bounds below.
	Overdue   bool
	DueBefore *Date
	// Due, when set, keeps decisions in legality review submitted on or
	// before Due.LegalityStartedBy, or (when CommentClosesBefore is set) in
	// public participation with a window closing before it.
	Due *DueBounds
}

// DueBounds are deadline filters as bounds a database can index.
type DueBounds struct {
	// ReviewDueBefore bounds review_requested_by; LegalityStartedBy the
	// submission date of reviews with no requested date recorded.
	ReviewDueBefore     Date
	LegalityStartedBy   Date
	CommentClosesBefore *Date
}

// DecisionTx is one transaction on one locked decision. Its writes take
// effect together, or not at all.
type DecisionTx interface {
	// Decision is the locked decision, as read at the start of the transaction.
	Decision() *Decision
	// Comments returns the decision's comments.
	Comments(ctx context.Context) ([]Comment, error)
	// Comment returns one comment of this decision (ENOTFOUND).
	Comment(ctx context.Context, id int64) (*Comment, error)
	// CountExpertOpinions counts the decision's expert opinions.
	CountExpertOpinions(ctx context.Context) (int, error)
	// InsertDraft adds a draft version (EEXISTS if the version exists).
	InsertDraft(ctx context.Context, d *Draft) error
	// InsertCommentPeriod sets the period (EEXISTS if one is set).
	InsertCommentPeriod(ctx context.Context, p *CommentPeriod) error
	// InsertComment adds a comment and fills its ID.
	InsertComment(ctx context.Context, c *Comment) error
	// UpdateCommentDisposition writes c's disposition and reason.
	UpdateCommentDisposition(ctx context.Context, c *Comment) error
	// InsertExpertOpinion adds an expert opinion and fills its ID.
	InsertExpertOpinion(ctx context.Context, o *ExpertOpinion) error
	// LastEntry returns the seq and hash of the journal head (0 and ZeroHash when empty).
	LastEntry(ctx context.Context) (seq int64, hash string, err error)
	// AppendEntry appends e to the journal (EEXISTS if its seq is taken).
	AppendEntry(ctx context.Context, e *JournalEntry) error
	// SaveDecision writes d's state, version, updated_at and decided_on.
	SaveDecision(ctx context.Context, d *Decision) error
}

// UserStore keeps accounts and API tokens. Methods return ENOTFOUND,
// EEXISTS for a taken username, EUNAVAILABLE and EINTERNAL.
type UserStore interface {
	// CreateUser inserts u with its bcrypt password hash and fills its ID.
	CreateUser(ctx context.Context, u *User, passwordHash string) error
	// UserByUsername returns the user and its password hash.
	UserByUsername(ctx context.Context, username string) (*User, string, error)
	// Users returns every user, newest first.
	Users(ctx context.Context) ([]*User, error)
	// UpdateUser writes u's display name, role and disabled flag.
	UpdateUser(ctx context.Context, u *User) error
	// CreateToken stores the SHA-256 of a token for a user until expiresAt.
	CreateToken(ctx context.Context, userID int64, tokenHash string, expiresAt time.Time) error
	// UserByToken returns the enabled user whose unexpired token has this hash.
	UserByToken(ctx context.Context, tokenHash string, now time.Time) (*User, error)
	// DeleteToken forgets a token.
	DeleteToken(ctx context.Context, tokenHash string) error
}
