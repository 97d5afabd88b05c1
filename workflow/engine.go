package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"
)

// Engine applies the actions of the contract to decisions. Each action is
// one transaction of the store: the decision is locked, the role, the state
// machine and the rules are checked, the change is written and exactly one
// journal entry is appended, or nothing is written at all.
type Engine struct {
	store    DecisionStore
	clock    Clock
	settings Settings
	cal      calendarCache
}

// NewEngine returns an engine over store, reading time from clock.
func NewEngine(store DecisionStore, clock Clock, settings Settings) *Engine {
	return &Engine{store: store, clock: clock, settings: settings}
}

// Settings returns the engine's settings.
func (e *Engine) Settings() Settings { return e.settings }

// Today is the date on the engine's clock in the configured time zone.
func (e *Engine) Today() Date { return DateOf(e.clock.Now().In(e.settings.Location)) }

// now is the time journaled: UTC, to the microsecond that both stores keep.
func (e *Engine) now() time.Time { return e.clock.Now().UTC().Truncate(time.Microsecond) }

func requireRole(actor *User, role Role, what string) error {
	if actor == nil {
		return Errorf(EUNAUTHENTICATED, "sign in first")
	}
	if actor.Role != role {
		return &Error{Code: EFORBIDDEN, Message: "only the role " + string(role) + " may " + what}
	}
	return nil
}

func requireSignedIn(actor *User) error {
	if actor == nil {
		return Errorf(EUNAUTHENTICATED, "sign in first")
	}
	return nil
}

// Create starts a decision; journal entry 1 is `create`. From a published
// catalog entry it starts in drafting, its entry claimed in the same
// transaction; with a source and a proposal, in proposed.
func (e *Engine) Create(ctx context.Context, actor *User, in NewDecision) (*Decision, error) {
	if err := requireRole(actor, RoleStaff, "create a decision"); err != nil {
		return nil, err
	}
	if err := e.entryDefaults(ctx, &in); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if !oneOf(in.Category, Categories) {
		return nil, RuleError(RuleExcludedCategory, "category %s is excluded from the major decision procedure by law (Art 3)", in.Category)
	}
	now := e.now()
	state := in.startState()
	d := &Decision{
		Title: in.Title, Summary: in.Summary, Category: in.Category, UndertakingUnit: in.UndertakingUnit,
		State: state, Version: 1, Policy: e.settings.Policy,
		CreatedBy: actor.Username, CreatedAt: now, UpdatedAt: now, CatalogEntryID: in.CatalogEntryID,
	}
	if in.Source != "" {
		d.Source, d.Proposal = &in.Source, &in.Proposal
	}
	data := struct {
		NewDecision
		Policy Policy `json:"policy"`
	}{in, d.Policy}
	err := e.store.CreateDecision(ctx, d, func(tx DecisionTx) error {
		if in.CatalogEntryID != nil {
			if err := claimEntry(ctx, tx, *in.CatalogEntryID); err != nil {
				return err
			}
		}
		return appendEntry(ctx, tx, actorOf(actor), KindTransition, RecordCreate, StateNone, state, now, data)
	})
	if err != nil {
		return nil, err
	}
	if err := e.decorate(ctx, actor.Role, d); err != nil {
		return nil, err
	}
	return d, nil
}

// journalActor is who an entry names.
type journalActor struct {
	name string
	role Role
}

func actorOf(u *User) journalActor {
	if u == nil {
		return journalActor{"public", RolePublic}
	}
	return journalActor{u.Username, u.Role}
}

// appendEntry chains one entry onto the decision's journal.
func appendEntry(ctx context.Context, tx DecisionTx, a journalActor, kind, name string, from, to State, at time.Time, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return Internal(err)
	}
	canon, err := CanonicalJSON(raw)
	if err != nil {
		return Internal(err)
	}
	seq, prev, err := tx.LastEntry(ctx)
	if err != nil {
		return err
	}
	entry := &JournalEntry{
		DecisionID: tx.Decision().ID, Seq: seq + 1, Kind: kind, Name: name, From: from, To: to,
		Actor: a.name, Role: a.role, At: at, Data: canon, PrevHash: prev,
	}
	if entry.Hash, err = entry.hashCanonical(); err != nil {
		return Internal(err)
	}
	return tx.AppendEntry(ctx, entry)
}

// change is what one action does inside the transaction: it returns the
// state after the action and the data to journal.
type change func(g *guardEnv) (State, any, error)

// mutate runs one action on a locked decision. ifVersion 0 means no If-Match.
func (e *Engine) mutate(ctx context.Context, actor *User, id, ifVersion int64, kind, name string, fn change) (*Decision, error) {
	var out *Decision
	cal, err := e.calendar(ctx)
	if err != nil {
		return nil, err
	}
	err = e.store.UpdateDecision(ctx, id, func(tx DecisionTx) error {
		d := tx.Decision()
		if ifVersion != 0 && ifVersion != d.Version {
			return &Error{Code: EVERSION, Message: "the decision has changed: it is at version " + itoa64(d.Version)}
		}
		from := d.State
		today := e.Today()
		g := &guardEnv{ctx: ctx, tx: tx, d: d, today: today, settings: e.settings, cal: cal, actor: actor, now: e.now()}
		to, data, err := fn(g)
		if err != nil {
			return err
		}
		if to != from {
			d.StateEnteredOn = &today
		}
		if to == StateLegalityReview && from != StateLegalityReview {
			d.LegalitySubmittedOn = &today // Art 26: the review's working days count from here
			d.ReviewRequestedBy = &g.reviewBy
		}
		now := g.now
		d.State, d.Version, d.UpdatedAt = to, d.Version+1, now
		if err := tx.SaveDecision(ctx, d); err != nil {
			return err
		}
		if err := appendEntry(ctx, tx, actorOf(actor), kind, name, from, to, now, data); err != nil {
			return err
		}
		out = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	role := RolePublic
	if actor != nil {
		role = actor.Role
	}
	if err := e.decorate(ctx, role, out); err != nil {
		return nil, err
	}
	return out, nil
}

// decorate adds what a reader sees besides the stored decision: the events
// its role may fire and the deadlines on the working-day calendar.
func (e *Engine) decorate(ctx context.Context, role Role, ds ...*Decision) error {
	cal, err := e.calendar(ctx)
	if err != nil {
		return err
	}
	today := e.Today()
	for _, d := range ds {
		d.AllowedEvents = AllowedEvents(d.State, role)
		d.AllowedActions = allowedActions(Capabilities(role, d, today))
		d.Deadlines = cal.deadlines(d, today)
	}
	return nil
}

// Fire fires an event with its JSON data. Refusals, in the order checked:
// EINVALID for an unknown event, EFORBIDDEN for the wrong role, EINVALID for
// malformed data, ENOTFOUND, EVERSION, ECONFLICT when the event is not
// defined from the current state, ERULE for a violated rule.
func (e *Engine) Fire(ctx context.Context, actor *User, id int64, event string, data []byte, ifVersion int64) (*Decision, error) {
	def, ok := LookupEvent(event)
	if !ok {
		return nil, Invalid(FieldError{"event", "unknown event " + quote(event)})
	}
	if err := requireRole(actor, def.Role, "fire "+event); err != nil {
		return nil, err
	}
	spec := def.spec
	v, err := spec.decode(data)
	if err != nil {
		return nil, prefixFields(err, "data.")
	}
	return e.mutate(ctx, actor, id, ifVersion, KindTransition, event, func(g *guardEnv) (State, any, error) {
		to, err := transition(ctx, g.d.State, actor.Role, event, func() error { return spec.guard(g, v) })
		if err != nil {
			return "", nil, err
		}
		if def.ToPrevious && g.d.EvaluatedFrom != "" {
			to = g.d.EvaluatedFrom
		}
		if spec.apply != nil {
			if err := spec.apply(g, v); err != nil {
				return "", nil, err
			}
		}
		return to, v, nil
	})
}

// SaveDraft saves a new draft version in a state where the draft is editable.
func (e *Engine) SaveDraft(ctx context.Context, actor *User, id int64, in DraftInput, ifVersion int64) (*Draft, error) {
	if err := requireAction(actor, RecordSaveDraft); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.LegalBases == nil {
		in.LegalBases = []string{}
	}
	var saved *Draft
	_, err := e.mutate(ctx, actor, id, ifVersion, KindRecord, RecordSaveDraft, func(g *guardEnv) (State, any, error) {
		if err := actionState(g, actor.Role, RecordSaveDraft); err != nil {
			return "", nil, err
		}
		if underConsultation(g.d, g.today) {
			// Art 15: the public comments on one text for the whole window.
			return "", nil, RuleError(RuleDraftUnderConsultation, "the draft is open for public comment until %s: revise it after the window closes", g.d.CommentPeriod.ClosesOn)
		}
		var err error
		if saved, err = insertDraft(g, in); err != nil {
			return "", nil, err
		}
		return g.d.State, struct {
			Version    int      `json:"version"`
			Text       string   `json:"text"`
			LegalBases []string `json:"legal_bases"`
			SHA256     string   `json:"sha256"`
		}{saved.Version, saved.Text, saved.LegalBases, saved.SHA256}, nil
	})
	return saved, err
}

// underConsultation reports whether d's draft is open for public comment today.
func underConsultation(d *Decision, today Date) bool {
	return d.State == StatePublicParticipation && d.CommentPeriod.Open(today)
}

// insertDraft saves the next draft version, by the actor, in g's transaction.
func insertDraft(g *guardEnv, in DraftInput) (*Draft, error) {
	version := 1
	if g.d.Draft != nil {
		version = g.d.Draft.Version + 1
	}
	if in.LegalBases == nil {
		in.LegalBases = []string{}
	}
	sum := sha256.Sum256([]byte(in.Text))
	dr := &Draft{Version: version, Text: in.Text, LegalBases: in.LegalBases, SHA256: hex.EncodeToString(sum[:]),
		CreatedBy: g.actor.Username, CreatedAt: g.now}
	if err := g.tx.InsertDraft(g.ctx, dr); err != nil {
		return nil, err
	}
	g.d.Draft = dr
	return dr, nil
}

// SetCommentPeriod sets the comment period, once, in public participation.
func (e *Engine) SetCommentPeriod(ctx context.Context, actor *User, id int64, in CommentPeriodInput, ifVersion int64) (*Decision, error) {
	if err := requireAction(actor, RecordSetCommentPeriod); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return e.mutate(ctx, actor, id, ifVersion, KindRecord, RecordSetCommentPeriod, func(g *guardEnv) (State, any, error) {
		if err := actionState(g, actor.Role, RecordSetCommentPeriod); err != nil {
			return "", nil, err
		}
		if g.d.CommentPeriod != nil {
			return "", nil, RuleError(RuleCommentPeriodAlreadySet, "the comment period was set already (%s to %s)", g.d.CommentPeriod.OpensOn, g.d.CommentPeriod.ClosesOn)
		}
		opens, _ := ParseDate(in.OpensOn)
		closes, _ := ParseDate(in.ClosesOn)
		if opens.Before(g.today) {
			return "", nil, RuleError(RuleCommentPeriodInvalid, "opens_on %s is before today %s", opens, g.today)
		}
		if closes.Before(opens) {
			return "", nil, RuleError(RuleCommentPeriodInvalid, "closes_on %s is before opens_on %s", closes, opens)
		}
		if closes.Before(opens.AddDays(30)) && blank(in.ShorteningReason) {
			return "", nil, RuleError(RuleCommentPeriodTooShort, "the comment period must last at least 30 days unless a shortening reason is given")
		}
		p := &CommentPeriod{OpensOn: opens, ClosesOn: closes, Channels: in.Channels, ShorteningReason: in.ShorteningReason}
		if err := g.tx.InsertCommentPeriod(ctx, p); err != nil {
			if ErrorCode(err) == EEXISTS {
				return "", nil, RuleError(RuleCommentPeriodAlreadySet, "the comment period was set already")
			}
			return "", nil, err
		}
		g.d.CommentPeriod = p
		return g.d.State, p, nil
	})
}

// commentData is how a comment is journaled: never with contact details.
type commentData struct {
	CommentID    int64  `json:"comment_id"`
	DraftVersion int    `json:"draft_version,omitempty"`
	Source       string `json:"source"`
	Channel      string `json:"channel"`
	AuthorName   string `json:"author_name"`
	Content      string `json:"content"`
}

// AddComment records a comment staff received through another channel.
func (e *Engine) AddComment(ctx context.Context, actor *User, id int64, in CommentInput) (*Comment, error) {
	if err := requireAction(actor, RecordAddComment); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	c := &Comment{DecisionID: id, Source: "staff", Channel: in.Channel, AuthorName: in.AuthorName, Content: in.Content, RecordedBy: actor.Username}
	_, err := e.mutate(ctx, actor, id, 0, KindRecord, RecordAddComment, func(g *guardEnv) (State, any, error) {
		if err := actionState(g, actor.Role, RecordAddComment); err != nil {
			return "", nil, err
		}
		return e.insertComment(g, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AddPublicComment takes a comment from the public while the window is open.
func (e *Engine) AddPublicComment(ctx context.Context, id int64, in PublicCommentInput) (*Comment, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	c := &Comment{DecisionID: id, Source: "public", Channel: "website", AuthorName: in.AuthorName, Contact: in.Contact, Content: in.Content}
	_, err := e.mutate(ctx, nil, id, 0, KindRecord, RecordAddComment, func(g *guardEnv) (State, any, error) {
		if g.d.State != StatePublicParticipation || !g.d.CommentPeriod.Open(g.today) {
			return "", nil, RuleError(RuleCommentWindowClosed, "this draft is not open for comment today")
		}
		return e.insertComment(g, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (e *Engine) insertComment(g *guardEnv, c *Comment) (State, any, error) {
	c.CreatedAt = g.now
	if g.d.Draft != nil {
		c.DraftVersion = g.d.Draft.Version
	}
	if err := g.tx.InsertComment(g.ctx, c); err != nil {
		return "", nil, err
	}
	return g.d.State, commentData{c.ID, c.DraftVersion, c.Source, c.Channel, c.AuthorName, c.Content}, nil
}

// DisposeComment records how a comment was handled (Art 18).
func (e *Engine) DisposeComment(ctx context.Context, actor *User, id, commentID int64, in DispositionInput) (*Comment, error) {
	if err := requireAction(actor, RecordDisposeComment); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *Comment
	_, err := e.mutate(ctx, actor, id, 0, KindRecord, RecordDisposeComment, func(g *guardEnv) (State, any, error) {
		if err := actionState(g, actor.Role, RecordDisposeComment); err != nil {
			return "", nil, err
		}
		c, err := g.tx.Comment(ctx, commentID)
		if err != nil {
			return "", nil, err
		}
		c.Disposition, c.DispositionReason = in.Disposition, in.Reason
		if err := g.tx.UpdateCommentDisposition(ctx, c); err != nil {
			return "", nil, err
		}
		out = c
		return g.d.State, struct {
			CommentID   int64  `json:"comment_id"`
			Disposition string `json:"disposition"`
			Reason      string `json:"reason"`
		}{c.ID, c.Disposition, c.DispositionReason}, nil
	})
	return out, err
}

// AddExpertOpinion records a signed expert opinion (Arts 19, 20).
func (e *Engine) AddExpertOpinion(ctx context.Context, actor *User, id int64, in ExpertOpinionInput) (*ExpertOpinion, error) {
	if err := requireAction(actor, RecordAddExpertOpinion); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o := &ExpertOpinion{DecisionID: id, ExpertName: in.ExpertName, Institution: in.Institution, Opinion: in.Opinion,
		Signed: *in.Signed, ConflictOfInterest: *in.ConflictOfInterest, RecordedBy: actor.Username}
	_, err := e.mutate(ctx, actor, id, 0, KindRecord, RecordAddExpertOpinion, func(g *guardEnv) (State, any, error) {
		if err := actionState(g, actor.Role, RecordAddExpertOpinion); err != nil {
			return "", nil, err
		}
		if !o.Signed {
			return "", nil, RuleError(RuleExpertOpinionUnsigned, "a written expert opinion must be signed or stamped")
		}
		if o.ConflictOfInterest {
			return "", nil, RuleError(RuleExpertConflict, "an expert with a direct interest in the decision may not take part")
		}
		o.CreatedAt = e.now()
		if err := g.tx.InsertExpertOpinion(ctx, o); err != nil {
			return "", nil, err
		}
		return g.d.State, struct {
			OpinionID int64 `json:"opinion_id"`
			ExpertOpinionInput
		}{o.ID, in}, nil
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Decision returns a decision with the events the actor's role may fire.
func (e *Engine) Decision(ctx context.Context, actor *User, id int64) (*Decision, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	d, err := e.store.Decision(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := e.decorate(ctx, actor.Role, d); err != nil {
		return nil, err
	}
	return d, nil
}

// Page limits of the contract.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Decisions returns a page of decisions, newest first, and the cursor of the
// next page (0 on the last page).
func (e *Engine) Decisions(ctx context.Context, actor *User, f DecisionFilter) ([]*Decision, int64, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, 0, err
	}
	if f.State != "" && !f.State.Valid() {
		return nil, 0, Invalid(FieldError{"state", "unknown state " + quote(string(f.State))})
	}
	if f.Limit <= 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit > MaxLimit {
		return nil, 0, Invalid(FieldError{"limit", "must be at most " + itoa64(MaxLimit)})
	}
	if err := e.dueBounds(ctx, &f); err != nil {
		return nil, 0, err
	}
	want := f.Limit
	f.Limit++ // one more tells whether a next page exists
	ds, err := e.store.Decisions(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(ds) > want {
		ds = ds[:want]
		next = ds[want-1].ID
	}
	if err := e.decorate(ctx, actor.Role, ds...); err != nil {
		return nil, 0, err
	}
	return ds, next, nil
}

// dueBounds turns Overdue and DueBefore into bounds on stored dates.
func (e *Engine) dueBounds(ctx context.Context, f *DecisionFilter) error {
	if !f.Overdue && f.DueBefore == nil {
		return nil
	}
	cal, err := e.calendar(ctx)
	if err != nil {
		return err
	}
	limit := e.Today() // overdue: due before today
	if f.DueBefore != nil && (!f.Overdue || f.DueBefore.Before(limit)) {
		limit = *f.DueBefore
	}
	f.Due = &DueBounds{ReviewDueBefore: limit, LegalityStartedBy: cal.LatestStartDueBefore(limit, LegalityReviewDays)}
	if !f.Overdue {
		f.Due.CommentClosesBefore = &limit
	}
	return nil
}

// OverdueCount counts the decisions past a deadline today, for the gauge
// and the statistics, from the tallies the store keeps on write: the same
// decisions as the overdue list (Decisions with Overdue), counted by date.
func (e *Engine) OverdueCount(ctx context.Context) (int, error) {
	t, err := e.store.Tallies(ctx)
	if err != nil {
		return 0, err
	}
	return e.overdueCount(ctx, t)
}

// overdueCount is OverdueCount from tallies already read.
func (e *Engine) overdueCount(ctx context.Context, t *Tallies) (int, error) {
	f := DecisionFilter{Overdue: true}
	if err := e.dueBounds(ctx, &f); err != nil {
		return 0, err
	}
	return t.DueCount(*f.Due), nil
}

// StateCounts counts the decisions in each state (states with none are
// absent), from the tallies the store keeps on write.
func (e *Engine) StateCounts(ctx context.Context, actor *User) (map[State]int, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	t, err := e.store.Tallies(ctx)
	if err != nil {
		return nil, err
	}
	return t.StateCounts(), nil
}

// Drafts returns every draft version of a decision, newest first.
func (e *Engine) Drafts(ctx context.Context, actor *User, id int64) ([]Draft, error) {
	return readAfter(actor, func() ([]Draft, error) { return e.store.Drafts(ctx, id) }, e.exists(ctx, id))
}

// Comments returns the comments of a decision, newest first. A commenter's
// contact is personal data kept for staff to answer: other roles never see it.
func (e *Engine) Comments(ctx context.Context, actor *User, id int64) ([]Comment, error) {
	cs, err := readAfter(actor, func() ([]Comment, error) { return e.store.Comments(ctx, id) }, e.exists(ctx, id))
	if err == nil && actor.Role != RoleStaff {
		for i := range cs {
			cs[i].Contact = ""
		}
	}
	return cs, err
}

// ExpertOpinions returns the expert opinions of a decision, newest first.
func (e *Engine) ExpertOpinions(ctx context.Context, actor *User, id int64) ([]ExpertOpinion, error) {
	return readAfter(actor, func() ([]ExpertOpinion, error) { return e.store.ExpertOpinions(ctx, id) }, e.exists(ctx, id))
}

// History returns the journal of a decision in seq order.
func (e *Engine) History(ctx context.Context, actor *User, id int64) ([]JournalEntry, error) {
	return readAfter(actor, func() ([]JournalEntry, error) { return e.store.Journal(ctx, id) }, e.exists(ctx, id))
}

func (e *Engine) exists(ctx context.Context, id int64) func() error {
	return func() error {
		_, err := e.store.Decision(ctx, id)
		return err
	}
}

func readAfter[T any](actor *User, read func() ([]T, error), exists func() error) ([]T, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	out, err := read()
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		// Only an empty list can mean there is no such decision: ask then.
		if err := exists(); err != nil {
			return nil, err
		}
		out = []T{}
	}
	return out, nil
}

// Verify checks the hash chain of one decision's journal for a signed-in actor.
func (e *Engine) Verify(ctx context.Context, actor *User, id int64) (Verification, error) {
	if err := requireSignedIn(actor); err != nil {
		return Verification{}, err
	}
	return e.verify(ctx, id)
}

// VerifyOne checks one decision's chain for the operator (the CLI).
func (e *Engine) VerifyOne(ctx context.Context, id int64) (Verification, error) {
	return e.verify(ctx, id)
}

func (e *Engine) verify(ctx context.Context, id int64) (Verification, error) {
	d, err := e.store.Decision(ctx, id)
	if err != nil {
		return Verification{}, err
	}
	entries, err := e.store.Journal(ctx, id)
	if err != nil {
		return Verification{}, err
	}
	return VerifyChain(id, d.State, entries), nil
}

// VerifyAll checks every decision's chain, in id order.
func (e *Engine) VerifyAll(ctx context.Context) ([]Verification, error) {
	refs, err := e.store.DecisionIDs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Verification, 0, len(refs))
	for _, r := range refs {
		entries, err := e.store.Journal(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, VerifyChain(r.ID, r.State, entries))
	}
	return out, nil
}

// Consultations returns the drafts open for public comment today.
func (e *Engine) Consultations(ctx context.Context) ([]Consultation, error) {
	out, err := e.store.Consultations(ctx, e.Today())
	if out == nil && err == nil {
		out = []Consultation{}
	}
	return out, err
}

func prefixFields(err error, prefix string) error {
	var e *Error
	if errors.As(err, &e) && e.Code == EINVALID {
		for i := range e.Fields {
			if e.Fields[i].Field != "data" {
				e.Fields[i].Field = prefix + e.Fields[i].Field
			}
		}
		if len(e.Fields) > 0 {
			e.Message = e.Fields[0].Field + ": " + e.Fields[0].Message
		}
	}
	return err
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
