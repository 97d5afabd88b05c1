package workflow

import (
	"context"
	"io"
	"time"
)

// DecisionStore keeps decisions, their records and their journals. Every
// method returns ENOTFOUND for a decision that does not exist, EUNAVAILABLE
// when the database cannot be reached, and EINTERNAL otherwise.
type DecisionStore interface {
	CalendarStore
	CatalogStore
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
	// seq (for the exports; statistics use Tallies).
	Transitions(ctx context.Context) ([]JournalEntry, error)
	// Tallies returns the counts kept on write for statistics and the
	// dashboard: decisions by state and outcome and by undertaking unit,
	// ended stays by state and length. Exact as of one snapshot, its cost
	// follows the number of distinct counts, not the number of decisions
	// or journal entries.
	Tallies(ctx context.Context) (*Tallies, error)
	// DecisionIDs returns the id and state of every decision, for verify.
	DecisionIDs(ctx context.Context) ([]DecisionRef, error)
	// Drafts returns every draft version, newest first.
	Drafts(ctx context.Context, id int64) ([]Draft, error)
	// Comments returns every comment of a decision, newest first.
	Comments(ctx context.Context, id int64) ([]Comment, error)
	// ExpertOpinions returns every expert opinion, newest first.
	ExpertOpinions(ctx context.Context, id int64) ([]ExpertOpinion, error)
	// Hearings returns every hearing of a decision, newest first.
	Hearings(ctx context.Context, id int64) ([]Hearing, error)
	// Journal returns the decision's entries in seq order.
	Journal(ctx context.Context, id int64) ([]JournalEntry, error)
	// Attachments returns a decision's attachments, oldest first.
	Attachments(ctx context.Context, id int64) ([]Attachment, error)
	// Attachment returns one attachment of decision id (ENOTFOUND).
	Attachment(ctx context.Context, id, attachmentID int64) (*Attachment, error)
	// CopyAttachment writes an attachment's content to w a piece at a time,
	// never holding it whole.
	CopyAttachment(ctx context.Context, attachmentID int64, w io.Writer) error
	// Consultations returns the decisions in public participation whose
	// comment window contains today, newest first.
	Consultations(ctx context.Context, today Date) ([]Consultation, error)
	// ExecutionReports returns a decision's execution reports, newest first.
	ExecutionReports(ctx context.Context, id int64) ([]ExecutionReport, error)
	// PublicOpinions returns the public opinions on a decision, newest first.
	PublicOpinions(ctx context.Context, id int64) ([]PublicOpinion, error)
	// LastExecutionReports returns when each decision's latest execution
	// report was recorded (decisions without reports are absent).
	LastExecutionReports(ctx context.Context) (map[int64]time.Time, error)
	// PublishedDecisions returns, newest first, the decisions in a state
	// after publication (published, suspended, evaluating, executed,
	// stopped, adjusted, archived); the engine says which are public.
	PublishedDecisions(ctx context.Context) ([]*Decision, error)
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
	// ClaimCatalogEntry locks the catalog of the entry (so that two decisions
	// cannot both start from it) and returns the entry, with the decision
	// other than this one started from it and not withdrawn, and the
	// catalog's state (ENOTFOUND).
	ClaimCatalogEntry(ctx context.Context, entryID int64) (*CatalogEntry, CatalogState, error)
	// SetUndertakingUnit writes the decision's undertaking unit.
	SetUndertakingUnit(ctx context.Context, unit string) error
	// InsertHearing adds a hearing and fills its ID.
	InsertHearing(ctx context.Context, h *Hearing) error
	// InsertAttachment stores a's row and content (read to its end, a piece
	// at a time) and fills its ID.
	InsertAttachment(ctx context.Context, a *Attachment, content io.Reader) error
	// LastEntry returns the seq and hash of the journal head (0 and ZeroHash when empty).
	LastEntry(ctx context.Context) (seq int64, hash string, err error)
	// AppendEntry appends e to the journal (EEXISTS if its seq is taken).
	AppendEntry(ctx context.Context, e *JournalEntry) error
	// SaveDecision writes d's state, version, updated_at and the dates and
	// links the engine keeps on it.
	SaveDecision(ctx context.Context, d *Decision) error
	// ExpertOpinions returns the decision's expert opinions.
	ExpertOpinions(ctx context.Context) ([]ExpertOpinion, error)
	// Create inserts d in the same transaction, fills its ID, and returns a
	// transaction on it (an adjustment's successor).
	Create(ctx context.Context, d *Decision) (DecisionTx, error)
	// Other locks another decision in the same transaction (ENOTFOUND), as
	// UpdateDecision would: a published successor retires its predecessor.
	Other(ctx context.Context, id int64) (DecisionTx, error)
	// InsertExecutionReport adds an execution report and fills its ID.
	InsertExecutionReport(ctx context.Context, r *ExecutionReport) error
	// InsertPublicOpinion adds a public opinion and fills its ID.
	InsertPublicOpinion(ctx context.Context, o *PublicOpinion) error
	// PublicOpinion returns one public opinion of this decision (ENOTFOUND).
	PublicOpinion(ctx context.Context, id int64) (*PublicOpinion, error)
	// UpdatePublicOpinionDisposition writes o's disposition, reason and who disposed it.
	UpdatePublicOpinionDisposition(ctx context.Context, o *PublicOpinion) error
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
	// SetPassword replaces a user's password hash and deletes every token
	// (API tokens and browser sessions) of the user, in one transaction.
	SetPassword(ctx context.Context, userID int64, passwordHash string) error
	// ExtendToken moves an unexpired token's expiry to until; false when
	// the token is unknown or has expired.
	ExtendToken(ctx context.Context, tokenHash string, now, until time.Time) (bool, error)
}
