package workflow

import (
	"context"
	"encoding/json"
	"sort"
)

// Published decisions are public (lifecycle.md, Art 32): the decided text,
// the publication, how comments and expert opinions were adopted (the
// comment-response table), the execution and any suspension. A decision
// once published stays listed for good, with its state: the law as
// published remains on record after its execution ends, is stopped or is
// adjusted (the successor is then listed too, once published). A decision
// the law excludes from publication is never listed.

// Public reports whether the public may read d: it was published.
func Public(d *Decision) bool {
	s := d.State
	if s == StateArchived && d.Outcome != nil {
		s = *d.Outcome
	}
	switch s {
	case StatePublished, StateSuspended, StateEvaluating, StateStopped, StateAdjusted:
		return true
	case StateExecuted:
		// Executed from approved only when not to be disclosed.
		return !d.NotDisclosed
	}
	return false
}

// PublicDecision is a published decision as the public reads it.
type PublicDecision struct {
	ID              int64  `json:"id"`
	Title           string `json:"title"`
	Summary         string `json:"summary"`
	Category        string `json:"category"`
	UndertakingUnit string `json:"undertaking_unit"`
	ExecutionUnit   string `json:"execution_unit"`
	State           State  `json:"state"`
	Outcome         *State `json:"outcome"`
	DecidedOn       *Date  `json:"decided_on"`
	Supersedes      *int64 `json:"supersedes"`
	SupersededBy    *int64 `json:"superseded_by"`
	// AcceptsOpinions: the decision is in force, the opinion form is open.
	AcceptsOpinions bool `json:"accepts_opinions"`
	// The detail (GET /public/decisions/{id}) adds what follows.
	Text                  *PublicText     `json:"text,omitempty"`
	Publication           *Publication    `json:"publication,omitempty"`
	Suspensions           []Suspension    `json:"suspensions,omitempty"`
	Comments              []PublicComment `json:"comments,omitempty"`
	ParticipationAdoption string          `json:"participation_adoption_report,omitempty"`
	ExpertAdoption        string          `json:"expert_adoption_report,omitempty"`
}

// PublicText is the decided text with its SHA-256.
type PublicText struct {
	Version    int      `json:"version"`
	Text       string   `json:"text"`
	LegalBases []string `json:"legal_bases"`
	SHA256     string   `json:"sha256"`
}

// Publication is where and when the decision was published (Art 32).
type Publication struct {
	PublishedOn string   `json:"published_on"`
	Channels    []string `json:"channels"`
	URL         string   `json:"url,omitempty"`
}

// Suspension is one suspension of the execution and its end, if any.
type Suspension struct {
	Ground       string `json:"ground"`
	Reason       string `json:"reason"`
	SuspendedOn  Date   `json:"suspended_on"`
	ResumedOn    *Date  `json:"resumed_on"`
	ResumeReason string `json:"resume_reason,omitempty"`
}

// PublicComment is a row of the comment-response table (Art 32): what was
// said and how it was handled; never who said it or how to reach them.
type PublicComment struct {
	Channel     string `json:"channel"`
	Content     string `json:"content"`
	Disposition string `json:"disposition"`
	Reason      string `json:"reason"`
}

func publicOf(d *Decision) PublicDecision {
	return PublicDecision{ID: d.ID, Title: d.Title, Summary: d.Summary, Category: d.Category,
		UndertakingUnit: d.UndertakingUnit, ExecutionUnit: d.ExecutionUnit, State: d.State, Outcome: d.Outcome,
		DecidedOn: d.DecidedOn, Supersedes: d.Supersedes, SupersededBy: d.SupersededBy,
		AcceptsOpinions: oneOf(string(d.State), states(ExecutionStates))}
}

// PublicDecisions lists the published decisions, newest first.
func (e *Engine) PublicDecisions(ctx context.Context) ([]PublicDecision, error) {
	ds, err := e.store.PublishedDecisions(ctx)
	if err != nil {
		return nil, err
	}
	out := []PublicDecision{}
	for _, d := range ds {
		if Public(d) {
			out = append(out, publicOf(d))
		}
	}
	return out, nil
}

// PublicDecision returns one published decision with its text, publication,
// suspensions and comment-response table (ENOTFOUND for one not public).
func (e *Engine) PublicDecision(ctx context.Context, id int64) (*PublicDecision, error) {
	d, err := e.store.Decision(ctx, id)
	if err != nil {
		return nil, err
	}
	if !Public(d) {
		return nil, Errorf(ENOTFOUND, "no published decision %d", id)
	}
	p := publicOf(d)
	if dr := d.Draft; dr != nil {
		p.Text = &PublicText{Version: dr.Version, Text: dr.Text, LegalBases: dr.LegalBases, SHA256: dr.SHA256}
	}
	cs, err := e.store.Comments(ctx, id)
	if err != nil {
		return nil, err
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	p.Comments = []PublicComment{}
	for _, c := range cs {
		p.Comments = append(p.Comments, PublicComment{Channel: c.Channel, Content: c.Content, Disposition: c.Disposition, Reason: c.DispositionReason})
	}
	entries, err := e.store.Journal(ctx, id)
	if err != nil {
		return nil, err
	}
	e.fromJournal(&p, entries)
	return &p, nil
}

// fromJournal reads the publication, the adoption reports and the
// suspensions from the decision's journal.
func (e *Engine) fromJournal(p *PublicDecision, entries []JournalEntry) {
	p.Suspensions = []Suspension{}
	for _, j := range entries {
		if j.Kind != KindTransition {
			continue
		}
		day := DateOf(j.At.In(e.settings.Location))
		// What an entry is comes from the event table (its section, the step
		// it completes) and the move it journals, not from its name.
		ev, _ := LookupEvent(j.Name)
		switch {
		case ev.Section == SectionPublication:
			var pd PublishData
			_ = json.Unmarshal(j.Data, &pd)
			p.Publication = &Publication{PublishedOn: pd.PublishedOn, Channels: pd.Channels, URL: pd.URL}
		case ev.Marks == MarksDone && ev.Step == StepPublicParticipation:
			p.ParticipationAdoption = adoptionReport(j.Data)
		case ev.Marks == MarksDone && ev.Step == StepExpertReview:
			p.ExpertAdoption = adoptionReport(j.Data)
		case j.From == StatePublished && j.To == StateSuspended:
			var sd SuspendData
			_ = json.Unmarshal(j.Data, &sd)
			p.Suspensions = append(p.Suspensions, Suspension{Ground: sd.Ground, Reason: sd.Reason, SuspendedOn: day})
		case j.From == StateSuspended && j.To == StatePublished:
			if n := len(p.Suspensions); n > 0 && p.Suspensions[n-1].ResumedOn == nil {
				var rd ReasonData
				_ = json.Unmarshal(j.Data, &rd)
				p.Suspensions[n-1].ResumedOn, p.Suspensions[n-1].ResumeReason = &day, rd.Reason
			}
		}
	}
}

func adoptionReport(raw json.RawMessage) string {
	var a AdoptionReportData
	_ = json.Unmarshal(raw, &a)
	return a.AdoptionReport
}
