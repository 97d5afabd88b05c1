package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/looplab/fsm"
)

// The yearly catalog of major decisions (重大行政决策事项目录, Decree 713
// Art 3 ¶3, lifecycle.md "The catalog"): one per year, drafted by staff,
// approved by the head with the Party committee's consent, published by
// staff. Every change is journaled on the catalog's own hash chain, with
// the encoding of the decisions' journal and the year in place of the
// decision id.

// CatalogState is the state of a year's catalog.
type CatalogState string

// The catalog states of lifecycle.md.
const (
	CatalogDraft     CatalogState = "draft"
	CatalogApproved  CatalogState = "approved"
	CatalogPublished CatalogState = "published"
)

// CatalogStates lists the catalog states in order.
var CatalogStates = []CatalogState{CatalogDraft, CatalogApproved, CatalogPublished}

// The names journaled on a catalog's chain: its events and its entry records.
const (
	EventApproveCatalog = "approve_catalog"
	EventReopenCatalog  = "reopen_catalog"
	EventPublishCatalog = "publish_catalog"
	RecordAddEntry      = "add_entry"
	RecordEditEntry     = "edit_entry"
	RecordRemoveEntry   = "remove_entry"
)

// CatalogEventDef is one event of a catalog: the catalog's own small table.
type CatalogEventDef struct {
	Name   string
	From   []CatalogState
	To     CatalogState
	Role   Role
	Fields []Field
	spec   catalogSpec
}

// CatalogEvents is the catalog's transition table (lifecycle.md).
var CatalogEvents = []CatalogEventDef{
	{Name: EventApproveCatalog, From: []CatalogState{CatalogDraft}, To: CatalogApproved, Role: RoleHead,
		Fields: []Field{date("party_approved_on")}, spec: catalogSpecOf(guardApproveCatalog)},
	{Name: EventReopenCatalog, From: []CatalogState{CatalogApproved}, To: CatalogDraft, Role: RoleHead,
		Fields: []Field{textarea("reason")}, spec: catalogSpecOf(guardReopenCatalog)},
	{Name: EventPublishCatalog, From: []CatalogState{CatalogApproved}, To: CatalogPublished, Role: RoleStaff,
		Fields: []Field{date("published_on"), text("url")}, spec: catalogSpecOf(guardPublishCatalog)},
}

// CatalogEntryFields are the fields of an entry's form (add and edit).
var CatalogEntryFields = []Field{
	text("title"), enum("category", Categories), text("undertaking_unit"),
	optional(enum("planned_quarter", []string{"1", "2", "3", "4"})), textarea("reason"),
}

// CatalogAdjustmentFields are what the head adds to an entry's change after
// publication (根据实际情况调整, with the Party committee's consent).
var CatalogAdjustmentFields = []Field{textarea("adjustment_reason"), date("party_approved_on")}

// LookupCatalogEvent returns the definition of the named catalog event.
func LookupCatalogEvent(name string) (CatalogEventDef, bool) {
	for _, ev := range CatalogEvents {
		if ev.Name == name {
			return ev, true
		}
	}
	return CatalogEventDef{}, false
}

var catalogFSMEvents = func() fsm.Events {
	out := make(fsm.Events, 0, len(CatalogEvents))
	for _, ev := range CatalogEvents {
		src := make([]string, len(ev.From))
		for i, s := range ev.From {
			src[i] = string(s)
		}
		out = append(out, fsm.EventDesc{Name: ev.Name, Src: src, Dst: string(ev.To)})
	}
	return out
}()

// CatalogEventsFor returns the catalog events role may fire from state.
func CatalogEventsFor(state CatalogState, role Role) []string {
	out := []string{}
	m := fsm.NewFSM(string(state), catalogFSMEvents, fsm.Callbacks{})
	for _, ev := range CatalogEvents {
		if ev.Role == role && m.Can(ev.Name) {
			out = append(out, ev.Name)
		}
	}
	return out
}

// Catalog is one year's catalog.
type Catalog struct {
	Year            int            `json:"year"`
	State           CatalogState   `json:"state"`
	PartyApprovedOn *Date          `json:"party_approved_on"`
	PublishedOn     *Date          `json:"published_on"`
	URL             string         `json:"url"`
	Version         int64          `json:"version"`
	UpdatedAt       time.Time      `json:"updated_at"`
	Entries         []CatalogEntry `json:"entries"`
	// AllowedEvents are the catalog events the reader may fire now.
	AllowedEvents []string `json:"allowed_events"`
}

// The progress of a catalog entry.
const (
	ProgressNotStarted = "not_started"
	ProgressInProgress = "in_progress"
	ProgressDecided    = "decided"
	ProgressRemoved    = "removed"
)

// CatalogEntry is one matter of a catalog.
type CatalogEntry struct {
	ID              int64  `json:"id"`
	Year            int    `json:"year"`
	Title           string `json:"title"`
	Category        string `json:"category"`
	UndertakingUnit string `json:"undertaking_unit"`
	PlannedQuarter  *int   `json:"planned_quarter"`
	Reason          string `json:"reason"`
	Removed         bool   `json:"removed"`
	RemovalReason   string `json:"removal_reason"`
	// DecisionID is the decision started from the entry and not withdrawn.
	DecisionID *int64 `json:"decision_id"`
	// DecisionState is that decision's state, as the store read it.
	DecisionState State         `json:"-"`
	Progress      EntryProgress `json:"progress"`
}

// EntryProgress is where an entry's matter stands.
type EntryProgress struct {
	Status string `json:"status"`
	State  State  `json:"state,omitempty"`
	Step   string `json:"step,omitempty"`
}

// progressOf derives an entry's progress from its decision's state.
func progressOf(e *CatalogEntry) EntryProgress {
	switch {
	case e.Removed:
		return EntryProgress{Status: ProgressRemoved}
	case e.DecisionID == nil:
		return EntryProgress{Status: ProgressNotStarted}
	}
	def, _ := LookupState(e.DecisionState)
	if def.Step == StepAfter {
		return EntryProgress{Status: ProgressDecided, State: e.DecisionState, Step: def.Step}
	}
	return EntryProgress{Status: ProgressInProgress, State: e.DecisionState, Step: def.Step}
}

// Quarter is a planned quarter, 1 to 4, written as a number or (from a
// form) as a string; 0 or "" is none.
type Quarter int

// UnmarshalJSON reads 1, "1" or "" and null.
func (q *Quarter) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" || s == `""` {
		*q = 0
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not a quarter")
	}
	*q = Quarter(n)
	return nil
}

// EntryInput adds or edits a catalog entry; AdjustmentReason and
// PartyApprovedOn are for the head's adjustment after publication.
type EntryInput struct {
	Title            string  `json:"title"`
	Category         string  `json:"category"`
	UndertakingUnit  string  `json:"undertaking_unit"`
	PlannedQuarter   Quarter `json:"planned_quarter,omitempty"`
	Reason           string  `json:"reason"`
	AdjustmentReason string  `json:"adjustment_reason,omitempty"`
	PartyApprovedOn  string  `json:"party_approved_on,omitempty"`
}

// Validate checks the form of the request.
func (r *EntryInput) Validate() error {
	var c fieldCheck
	c.required("title", r.Title, MaxTitle)
	c.enum("category", r.Category, Categories)
	c.required("undertaking_unit", r.UndertakingUnit, MaxTitle)
	if r.PlannedQuarter < 0 || r.PlannedQuarter > 4 {
		c.add("planned_quarter", "must be 1, 2, 3 or 4")
	}
	c.required("reason", r.Reason, MaxText) // why the matter is major
	c.text("adjustment_reason", r.AdjustmentReason, MaxText)
	c.date("party_approved_on", r.PartyApprovedOn, false)
	return c.err()
}

// RemovalInput removes an entry: the reason, and after publication the
// adjustment's reason and the Party committee's date.
type RemovalInput struct {
	Reason           string `json:"reason"`
	AdjustmentReason string `json:"adjustment_reason,omitempty"`
	PartyApprovedOn  string `json:"party_approved_on,omitempty"`
}

// Validate checks the form of the request.
func (r *RemovalInput) Validate() error {
	var c fieldCheck
	c.text("reason", r.Reason, MaxText)
	c.text("adjustment_reason", r.AdjustmentReason, MaxText)
	c.date("party_approved_on", r.PartyApprovedOn, false)
	return c.err()
}

// ApproveCatalogData approves the catalog with the Party committee's date.
type ApproveCatalogData struct {
	PartyApprovedOn string `json:"party_approved_on"`
}

// Validate checks the form of the data; the date's presence is a rule.
func (d *ApproveCatalogData) Validate() error {
	var c fieldCheck
	c.date("party_approved_on", d.PartyApprovedOn, false)
	return c.err()
}

// PublishCatalogData records the catalog's publication.
type PublishCatalogData struct {
	PublishedOn string `json:"published_on"`
	URL         string `json:"url"`
}

// Validate checks the form of the data.
func (d *PublishCatalogData) Validate() error {
	var c fieldCheck
	c.date("published_on", d.PublishedOn, true)
	c.required("url", d.URL, MaxTitle*10)
	return c.err()
}

// CatalogStore keeps the catalogs, their entries and their chains. Methods
// return ENOTFOUND for a catalog or entry that does not exist, EUNAVAILABLE
// and EINTERNAL.
type CatalogStore interface {
	// UpdateCatalog locks the catalog of year for one transaction and calls
	// fn; with create, a missing catalog is created in draft first (it
	// exists only if fn returns nil).
	UpdateCatalog(ctx context.Context, year int, create bool, fn func(tx CatalogTx) error) error
	// Catalog returns the catalog of year with its entries, each with the
	// decision started from it.
	Catalog(ctx context.Context, year int) (*Catalog, error)
	// Catalogs returns every catalog without entries, newest year first.
	Catalogs(ctx context.Context) ([]Catalog, error)
	// CatalogEntry returns one entry.
	CatalogEntry(ctx context.Context, id int64) (*CatalogEntry, error)
	// CatalogJournal returns the catalog's chain in seq order (DecisionID
	// holds the year).
	CatalogJournal(ctx context.Context, year int) ([]JournalEntry, error)
}

// CatalogTx is one transaction on one locked catalog.
type CatalogTx interface {
	// Catalog is the locked catalog with its entries.
	Catalog() *Catalog
	// InsertEntry adds an entry and fills its ID.
	InsertEntry(ctx context.Context, e *CatalogEntry) error
	// UpdateEntry writes an entry's fields and its removal.
	UpdateEntry(ctx context.Context, e *CatalogEntry) error
	// SaveCatalog writes the catalog's state, dates, url and version.
	SaveCatalog(ctx context.Context, c *Catalog) error
	// LastEntry returns the seq and hash of the chain's head.
	LastEntry(ctx context.Context) (int64, string, error)
	// AppendEntry appends e to the catalog's chain (EEXISTS if its seq is taken).
	AppendEntry(ctx context.Context, e *JournalEntry) error
}

// catalogEnv is what a catalog guard sees.
type catalogEnv struct {
	ctx   context.Context
	tx    CatalogTx
	c     *Catalog
	today Date
	actor *User
	now   time.Time
}

// catalogSpec decodes a catalog event's data, checks its rules and applies it.
type catalogSpec struct {
	decode func(raw []byte) (any, error)
	guard  func(g *catalogEnv, data any) error
}

func catalogSpecOf[T any](guard func(g *catalogEnv, d *T) error) catalogSpec {
	return catalogSpec{
		decode: func(raw []byte) (any, error) {
			v := new(T)
			if err := DecodeStrict(raw, v); err != nil {
				return nil, err
			}
			return v, nil
		},
		guard: func(g *catalogEnv, data any) error { return guard(g, data.(*T)) },
	}
}

// Art 3 ¶3: the catalog goes out with the Party committee's consent, and
// holds at least one matter.
func guardApproveCatalog(g *catalogEnv, d *ApproveCatalogData) error {
	if d.PartyApprovedOn == "" {
		return RuleError(RulePartyApprovalRequired, "the date of the Party committee's consent (party_approved_on) is required")
	}
	on, _ := ParseDate(d.PartyApprovedOn)
	if on.After(g.today) {
		return RuleError(RulePartyApprovalRequired, "party_approved_on %s is after today %s", on, g.today)
	}
	if len(liveEntries(g.c)) == 0 {
		return RuleError(RulePartyApprovalRequired, "the catalog has no entry")
	}
	g.c.PartyApprovedOn = &on
	return nil
}

func guardReopenCatalog(g *catalogEnv, d *ReasonData) error { return requireReasons(d.Reason) }

// The catalog is published after its approval, on a day that has come.
func guardPublishCatalog(g *catalogEnv, d *PublishCatalogData) error {
	on, _ := ParseDate(d.PublishedOn)
	if on.After(g.today) {
		return RuleError(RuleDateOutOfOrder, "published_on %s is after today %s", on, g.today)
	}
	if g.c.PartyApprovedOn != nil && on.Before(*g.c.PartyApprovedOn) {
		return RuleError(RuleDateOutOfOrder, "published_on %s is before the approval on %s", on, *g.c.PartyApprovedOn)
	}
	g.c.PublishedOn, g.c.URL = &on, d.URL
	return nil
}

func liveEntries(c *Catalog) []CatalogEntry {
	var out []CatalogEntry
	for _, e := range c.Entries {
		if !e.Removed {
			out = append(out, e)
		}
	}
	return out
}

// catalogChange is what one catalog action does inside its transaction:
// it returns the data to journal.
type catalogChange func(g *catalogEnv) (any, error)

// mutateCatalog runs one action on the locked catalog of year: the change,
// the catalog's new state and version, and one entry on its chain.
func (e *Engine) mutateCatalog(ctx context.Context, actor *User, year int, create bool, kind, name string, to func(CatalogState) CatalogState, fn catalogChange) (*Catalog, error) {
	if year < 2000 || year > 2100 {
		return nil, Invalid(FieldError{"year", "must be a year between 2000 and 2100"})
	}
	var out *Catalog
	err := e.store.UpdateCatalog(ctx, year, create, func(tx CatalogTx) error {
		c := tx.Catalog()
		g := &catalogEnv{ctx: ctx, tx: tx, c: c, today: e.Today(), actor: actor, now: e.now()}
		from := c.State
		seq, _, err := tx.LastEntry(ctx)
		if err != nil {
			return err
		}
		if seq == 0 {
			from = "" // the catalog is created by this action
		}
		data, err := fn(g)
		if err != nil {
			return err
		}
		c.State, c.Version, c.UpdatedAt = to(c.State), c.Version+1, g.now
		if err := tx.SaveCatalog(ctx, c); err != nil {
			return err
		}
		if err := appendCatalogEntry(ctx, tx, actorOf(actor), kind, name, from, c.State, g.now, data, year); err != nil {
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e.decorateCatalog(actor, out), nil
}

func sameCatalogState(s CatalogState) CatalogState { return s }

// appendCatalogEntry chains one entry onto a catalog's chain.
func appendCatalogEntry(ctx context.Context, tx CatalogTx, a journalActor, kind, name string, from, to CatalogState, at time.Time, data any, year int) error {
	canon, err := canonicalOf(data)
	if err != nil {
		return err
	}
	seq, prev, err := tx.LastEntry(ctx)
	if err != nil {
		return err
	}
	entry := &JournalEntry{
		DecisionID: int64(year), Seq: seq + 1, Kind: kind, Name: name, From: State(from), To: State(to),
		Actor: a.name, Role: a.role, At: at, Data: canon, PrevHash: prev,
	}
	if entry.Hash, err = entry.ComputeHash(); err != nil {
		return Internal(err)
	}
	return tx.AppendEntry(ctx, entry)
}

func canonicalOf(data any) ([]byte, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, Internal(err)
	}
	canon, err := CanonicalJSON(raw)
	if err != nil {
		return nil, Internal(err)
	}
	return canon, nil
}

// decorateCatalog adds each entry's progress and the reader's events.
func (e *Engine) decorateCatalog(actor *User, c *Catalog) *Catalog {
	if c.Entries == nil {
		c.Entries = []CatalogEntry{}
	}
	for i := range c.Entries {
		c.Entries[i].Progress = progressOf(&c.Entries[i])
	}
	c.AllowedEvents = []string{}
	if actor != nil {
		c.AllowedEvents = CatalogEventsFor(c.State, actor.Role)
	}
	return c
}

// entryRole checks who may change entries of a catalog in its state: staff
// while it is a draft (frozen once approved), the head after publication,
// with the adjustment's reason and the Party committee's consent.
func entryRole(g *catalogEnv, adjustmentReason, partyApprovedOn string, edit bool) error {
	role := g.actor.Role
	switch g.c.State {
	case CatalogDraft:
		return requireRole(g.actor, RoleStaff, "change a draft catalog")
	case CatalogApproved:
		return RuleError(RuleCatalogFrozen, "the catalog is approved: its entries are frozen (the head may reopen it)")
	}
	if role != RoleHead || edit {
		return RuleError(RuleCatalogFrozen, "the catalog is published: only the head adds or removes entries, as an adjustment")
	}
	if blank(adjustmentReason) || partyApprovedOn == "" {
		return RuleError(RuleCatalogFrozen, "an adjustment of a published catalog needs adjustment_reason and party_approved_on")
	}
	if on, _ := ParseDate(partyApprovedOn); on.After(g.today) {
		return RuleError(RuleDateOutOfOrder, "party_approved_on %s is after today %s", on, g.today)
	}
	return nil
}

func requireCatalogActor(actor *User) error {
	if err := requireSignedIn(actor); err != nil {
		return err
	}
	if actor.Role != RoleStaff && actor.Role != RoleHead {
		return &Error{Code: EFORBIDDEN, Message: "only staff and the head change a catalog"}
	}
	return nil
}

// entryData is how an entry's change is journaled.
type entryData struct {
	EntryID int64 `json:"entry_id"`
	EntryInput
	PlannedQuarter *int `json:"planned_quarter"`
}

// AddCatalogEntry adds an entry to the catalog of year, creating the
// catalog in draft with its first entry.
func (e *Engine) AddCatalogEntry(ctx context.Context, actor *User, year int, in EntryInput) (*CatalogEntry, error) {
	if err := requireCatalogActor(actor); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var added *CatalogEntry
	_, err := e.mutateCatalog(ctx, actor, year, true, KindRecord, RecordAddEntry, sameCatalogState, func(g *catalogEnv) (any, error) {
		if err := entryRole(g, in.AdjustmentReason, in.PartyApprovedOn, false); err != nil {
			return nil, err
		}
		en := &CatalogEntry{Year: year}
		setEntry(en, in)
		if err := g.tx.InsertEntry(ctx, en); err != nil {
			return nil, err
		}
		g.c.Entries = append(g.c.Entries, *en)
		added = en
		return entryData{en.ID, in, en.PlannedQuarter}, nil
	})
	if err != nil {
		return nil, err
	}
	added.Progress = progressOf(added)
	return added, nil
}

func setEntry(en *CatalogEntry, in EntryInput) {
	en.Title, en.Category, en.UndertakingUnit, en.Reason = in.Title, in.Category, in.UndertakingUnit, in.Reason
	en.PlannedQuarter = nil
	if in.PlannedQuarter > 0 {
		q := int(in.PlannedQuarter)
		en.PlannedQuarter = &q
	}
}

// findEntry returns the entry id of the locked catalog.
func findEntry(c *Catalog, id int64) (*CatalogEntry, error) {
	for i := range c.Entries {
		if c.Entries[i].ID == id {
			return &c.Entries[i], nil
		}
	}
	return nil, Errorf(ENOTFOUND, "the catalog of %d has no entry %d", c.Year, id)
}

// EditCatalogEntry rewrites an entry of a draft catalog.
func (e *Engine) EditCatalogEntry(ctx context.Context, actor *User, year int, id int64, in EntryInput) (*CatalogEntry, error) {
	if err := requireCatalogActor(actor); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *CatalogEntry
	_, err := e.mutateCatalog(ctx, actor, year, false, KindRecord, RecordEditEntry, sameCatalogState, func(g *catalogEnv) (any, error) {
		en, err := findEntry(g.c, id)
		if err != nil {
			return nil, err
		}
		if err := entryRole(g, in.AdjustmentReason, in.PartyApprovedOn, true); err != nil {
			return nil, err
		}
		setEntry(en, in)
		if err := g.tx.UpdateEntry(ctx, en); err != nil {
			return nil, err
		}
		out = en
		return entryData{en.ID, in, en.PlannedQuarter}, nil
	})
	if err != nil {
		return nil, err
	}
	out.Progress = progressOf(out)
	return out, nil
}

// RemoveCatalogEntry marks an entry removed, with its reason; it stays listed.
func (e *Engine) RemoveCatalogEntry(ctx context.Context, actor *User, year int, id int64, in RemovalInput) (*CatalogEntry, error) {
	if err := requireCatalogActor(actor); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *CatalogEntry
	_, err := e.mutateCatalog(ctx, actor, year, false, KindRecord, RecordRemoveEntry, sameCatalogState, func(g *catalogEnv) (any, error) {
		en, err := findEntry(g.c, id)
		if err != nil {
			return nil, err
		}
		if err := entryRole(g, in.AdjustmentReason, in.PartyApprovedOn, false); err != nil {
			return nil, err
		}
		if en.Removed {
			return nil, Errorf(ECONFLICT, "entry %d is removed already", id)
		}
		en.Removed, en.RemovalReason = true, in.Reason
		if blank(en.RemovalReason) {
			en.RemovalReason = in.AdjustmentReason
		}
		if err := g.tx.UpdateEntry(ctx, en); err != nil {
			return nil, err
		}
		out = en
		return struct {
			EntryID int64 `json:"entry_id"`
			RemovalInput
		}{en.ID, in}, nil
	})
	if err != nil {
		return nil, err
	}
	out.Progress = progressOf(out)
	return out, nil
}

// FireCatalog fires a catalog event: EINVALID for an unknown event or bad
// data, EFORBIDDEN, ENOTFOUND, ECONFLICT from the wrong state, ERULE.
func (e *Engine) FireCatalog(ctx context.Context, actor *User, year int, event string, data []byte) (*Catalog, error) {
	def, ok := LookupCatalogEvent(event)
	if !ok {
		return nil, Invalid(FieldError{"event", "unknown event " + quote(event)})
	}
	if err := requireRole(actor, def.Role, "fire "+event); err != nil {
		return nil, err
	}
	v, err := def.spec.decode(data)
	if err != nil {
		return nil, prefixFields(err, "data.")
	}
	to := func(CatalogState) CatalogState { return def.To }
	return e.mutateCatalog(ctx, actor, year, false, KindTransition, event, to, func(g *catalogEnv) (any, error) {
		m := fsm.NewFSM(string(g.c.State), catalogFSMEvents, fsm.Callbacks{})
		if !m.Can(event) {
			return nil, &Error{Code: ECONFLICT, Message: event + " is not allowed in catalog state " + string(g.c.State),
				State: State(g.c.State), AllowedEvents: CatalogEventsFor(g.c.State, actor.Role)}
		}
		if err := def.spec.guard(g, v); err != nil {
			return nil, err
		}
		if def.To == CatalogDraft {
			g.c.PartyApprovedOn = nil
		}
		return v, nil
	})
}

// Catalog returns the catalog of year for a signed-in reader.
func (e *Engine) Catalog(ctx context.Context, actor *User, year int) (*Catalog, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	c, err := e.store.Catalog(ctx, year)
	if err != nil {
		return nil, err
	}
	return e.decorateCatalog(actor, c), nil
}

// PublicCatalog returns a published catalog; any other is not found.
func (e *Engine) PublicCatalog(ctx context.Context, year int) (*Catalog, error) {
	c, err := e.store.Catalog(ctx, year)
	if err != nil {
		return nil, err
	}
	if c.State != CatalogPublished {
		return nil, Errorf(ENOTFOUND, "the catalog of %d is not published", year)
	}
	return e.decorateCatalog(nil, c), nil
}

// Catalogs lists the catalogs, newest year first, without their entries.
func (e *Engine) Catalogs(ctx context.Context, actor *User) ([]Catalog, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	cs, err := e.store.Catalogs(ctx)
	if cs == nil && err == nil {
		cs = []Catalog{}
	}
	for i := range cs {
		// A list names its catalogs; their entries and events are read one
		// catalog at a time, and answer as empty arrays here, never null.
		if cs[i].Entries == nil {
			cs[i].Entries = []CatalogEntry{}
		}
		if cs[i].AllowedEvents == nil {
			cs[i].AllowedEvents = []string{}
		}
	}
	return cs, err
}

// PublishedCatalogs lists the published catalogs, for the public.
func (e *Engine) PublishedCatalogs(ctx context.Context) ([]Catalog, error) {
	cs, err := e.store.Catalogs(ctx)
	out := []Catalog{}
	for _, c := range cs {
		if c.State == CatalogPublished {
			out = append(out, c)
		}
	}
	return out, err
}

// CatalogHistory returns the catalog's chain.
func (e *Engine) CatalogHistory(ctx context.Context, actor *User, year int) ([]JournalEntry, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	if _, err := e.store.Catalog(ctx, year); err != nil {
		return nil, err
	}
	out, err := e.store.CatalogJournal(ctx, year)
	if out == nil && err == nil {
		out = []JournalEntry{}
	}
	return out, err
}

// VerifyCatalog checks the chain of the catalog of year for a signed-in
// reader, in the engine like Verify, so the handler reads nothing twice.
func (e *Engine) VerifyCatalog(ctx context.Context, actor *User, year int) (Verification, error) {
	if err := requireSignedIn(actor); err != nil {
		return Verification{}, err
	}
	return e.VerifyCatalogYear(ctx, year)
}

// VerifyCatalogYear checks one catalog's chain for the operator (the CLI).
func (e *Engine) VerifyCatalogYear(ctx context.Context, year int) (Verification, error) {
	c, err := e.store.Catalog(ctx, year)
	if err != nil {
		return Verification{}, err
	}
	entries, err := e.store.CatalogJournal(ctx, year)
	if err != nil {
		return Verification{}, err
	}
	return VerifyChain(int64(year), State(c.State), entries), nil
}

// VerifyCatalogs checks every catalog's chain, newest year first.
func (e *Engine) VerifyCatalogs(ctx context.Context) ([]Verification, error) {
	cs, err := e.store.Catalogs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Verification, 0, len(cs))
	for _, c := range cs {
		v, err := e.VerifyCatalogYear(ctx, c.Year)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Starting a decision (决策启动, Arts 10-11): from a published catalog entry
// straight into drafting, or as a proposal the head starts or declines.
const (
	StateProposed State = "proposed"
	StateDeclined State = "declined"
	SectionStart        = "start"
)

// ProposalSources are the sources of a proposal (Art 10).
var ProposalSources = []string{"leadership", "department", "deputies", "public"}

// StartData starts a proposed decision outside the catalog.
type StartData struct {
	UndertakingUnit  string   `json:"undertaking_unit"`
	OffCatalogReason string   `json:"off_catalog_reason"`
	CooperatingUnits []string `json:"cooperating_units,omitempty"`
}

// Validate checks the form of the data; the reason is a rule.
func (d *StartData) Validate() error {
	var c fieldCheck
	c.required("undertaking_unit", d.UndertakingUnit, MaxTitle)
	c.text("off_catalog_reason", d.OffCatalogReason, MaxText)
	c.list("cooperating_units", d.CooperatingUnits, MaxTitle)
	return c.err()
}

// Arts 10-11: a major decision outside the catalog says why it is started.
func guardStart(g *guardEnv, d *StartData) error {
	return requireText(RuleOffCatalogReasonRequired, d.OffCatalogReason, "why this major decision is started outside the catalog (off_catalog_reason) is required")
}

// applyStart names the undertaking unit the head chose.
func applyStart(g *guardEnv, d *StartData) error {
	g.d.UndertakingUnit = d.UndertakingUnit
	return g.tx.SetUndertakingUnit(g.ctx, d.UndertakingUnit)
}

// claimEntry checks, in the creating transaction with the entry's catalog
// locked, that the decision may start from the entry.
func claimEntry(ctx context.Context, tx DecisionTx, entryID int64) error {
	en, state, err := tx.ClaimCatalogEntry(ctx, entryID)
	if err != nil {
		return err
	}
	switch {
	case state != CatalogPublished:
		return RuleError(RuleCatalogNotPublished, "the catalog of %d is %s, not published", en.Year, state)
	case en.Removed:
		return RuleError(RuleCatalogEntryRemoved, "entry %d was removed from the catalog: %s", en.ID, en.RemovalReason)
	case en.DecisionID != nil:
		return RuleError(RuleCatalogEntryTaken, "decision %d was already started from entry %d", *en.DecisionID, en.ID)
	}
	return nil
}

// entryDefaults fills what a decision from a catalog entry takes from it.
func (e *Engine) entryDefaults(ctx context.Context, in *NewDecision) error {
	if in.CatalogEntryID == nil {
		return nil
	}
	en, err := e.store.CatalogEntry(ctx, *in.CatalogEntryID)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return Invalid(FieldError{"catalog_entry_id", "no such catalog entry"})
		}
		return err
	}
	if blank(in.Title) {
		in.Title = en.Title
	}
	if in.Category == "" {
		in.Category = en.Category
	}
	if blank(in.UndertakingUnit) {
		in.UndertakingUnit = en.UndertakingUnit
	}
	return nil
}

// startState is where a valid new decision starts: drafting from a catalog
// entry, proposed from a source and a proposal (Validate refuses neither).
func (in *NewDecision) startState() State {
	if in.CatalogEntryID != nil {
		return StateDrafting
	}
	return StateProposed
}

// beforeDecision adds to the dossier the catalog entry the decision started
// from and its hearings, oldest first.
func (e *Engine) beforeDecision(ctx context.Context, out *Dossier) error {
	d := out.Decision
	if d.CatalogEntryID != nil {
		en, err := e.store.CatalogEntry(ctx, *d.CatalogEntryID)
		if err != nil {
			return err
		}
		en.Progress = progressOf(en)
		out.CatalogEntry = en
	}
	hs, err := e.store.Hearings(ctx, d.ID)
	if err != nil {
		return err
	}
	out.Hearings = make([]Hearing, 0, len(hs))
	for i := len(hs) - 1; i >= 0; i-- {
		out.Hearings = append(out.Hearings, hs[i])
	}
	return nil
}
