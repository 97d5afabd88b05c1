package workflow

import (
	"context"
	"encoding/json"
	"sort"
	"time"
)

// Step statuses.
const (
	StepPending = "pending"
	StepCurrent = "current"
	StepDone    = "done"
	StepWaived  = "waived"
)

// ChecklistItem is one procedure as the dossier records it: when and by whom
// it was done, with the event that did it and its data as evidence, or the
// recorded reason it was waived.
type ChecklistItem struct {
	Step   string          `json:"step"`
	Status string          `json:"status"`
	At     *time.Time      `json:"at,omitempty"`
	Actor  string          `json:"actor,omitempty"`
	Event  string          `json:"event,omitempty"`
	Seq    int64           `json:"seq,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// Checklist derives the five procedures' status from the journal and the
// event table: an event marks its step done or waived; one that reopens a
// step (a draft returned from legality review or from the meeting) sets that
// step and every later one pending again.
func Checklist(state State, entries []JournalEntry) []ChecklistItem {
	out := make([]ChecklistItem, len(Steps))
	index := make(map[string]int, len(Steps))
	for i, s := range Steps {
		out[i] = ChecklistItem{Step: s, Status: StepPending}
		index[s] = i
	}
	for _, e := range entries {
		ev, ok := LookupEvent(e.Name)
		if !ok || e.Kind != KindTransition {
			continue
		}
		if i, ok := index[ev.Reopens]; ok {
			for ; i < len(out); i++ {
				out[i] = ChecklistItem{Step: Steps[i], Status: StepPending}
			}
			continue
		}
		if i, ok := index[ev.Step]; ok && ev.Marks != "" {
			at := e.At
			out[i] = ChecklistItem{Step: ev.Step, Status: ev.Marks, At: &at, Actor: e.Actor, Event: e.Name, Seq: e.Seq, Data: e.Data}
		}
	}
	if def, ok := LookupState(state); ok {
		if i, ok := index[def.Step]; ok && out[i].Status == StepPending {
			out[i].Status = StepCurrent
		}
	}
	return out
}

// EventRecord is an event of the journal kept in the dossier for its data:
// a legality opinion, a meeting's minutes, the publication.
type EventRecord struct {
	Seq   int64           `json:"seq"`
	Event string          `json:"event"`
	At    time.Time       `json:"at"`
	Actor string          `json:"actor"`
	Data  json.RawMessage `json:"data"`
}

// Dossier is everything about one decision (一事一档), in one document.
type Dossier struct {
	GeneratedAt      time.Time       `json:"generated_at"`
	Decision         *Decision       `json:"decision"`
	Checklist        []ChecklistItem `json:"checklist"`
	Drafts           []Draft         `json:"drafts"`
	CommentPeriod    *CommentPeriod  `json:"comment_period"`
	Comments         []Comment       `json:"comments"`
	ExpertOpinions   []ExpertOpinion `json:"expert_opinions"`
	RiskReport       *EventRecord    `json:"risk_report"`
	Waivers          []EventRecord   `json:"waivers"`
	LegalityOpinions []EventRecord   `json:"legality_opinions"`
	Meetings         []EventRecord   `json:"meetings"`
	Publication      *EventRecord    `json:"publication"`
	// DecidedText is the draft version as decided (approve, or the final
	// text of approve_with_changes), with its SHA-256; null before a decision.
	DecidedText *Draft       `json:"decided_text"`
	ArchiveNo   string       `json:"archive_no,omitempty"`
	Withdrawal  *EventRecord `json:"withdrawal,omitempty"`
	// After the decision (lifecycle.md): the events of the execution
	// (suspensions, evaluations, adjustment, stop, its end), the execution
	// reports and the public's opinions (without contacts). The links to a
	// superseded or superseding decision are the decision's supersedes and
	// superseded_by.
	Execution        []EventRecord     `json:"execution"`
	ExecutionReports []ExecutionReport `json:"execution_reports"`
	PublicOpinions   []PublicOpinion   `json:"public_opinions"`
	// Attachments are every file of the decision, oldest first (the zip
	// holds their content under attachments/).
	Attachments []Attachment `json:"attachments"`
	// Before the procedures (lifecycle.md): the catalog entry the decision
	// started from, or the head's start or decline of its proposal (the
	// proposal is the decision's source and proposal), and the hearings.
	CatalogEntry *CatalogEntry  `json:"catalog_entry"`
	Start        *EventRecord   `json:"start"`
	Hearings     []Hearing      `json:"hearings"`
	Journal      []JournalEntry `json:"journal"`
	Verification Verification   `json:"verification"`
}

// Dossier assembles the dossier of a decision. Public contacts stay out of
// it: the dossier is an archive copy, and contacts are kept only for staff
// to answer the commenter.
func (e *Engine) Dossier(ctx context.Context, actor *User, id int64) (*Dossier, error) {
	d, err := e.Decision(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	out := &Dossier{GeneratedAt: e.now(), Decision: d, CommentPeriod: d.CommentPeriod,
		Waivers: []EventRecord{}, LegalityOpinions: []EventRecord{}, Meetings: []EventRecord{}, Execution: []EventRecord{}}
	if out.Drafts, err = e.store.Drafts(ctx, id); err != nil {
		return nil, err
	}
	// The dossier reads in the order things happened.
	sort.Slice(out.Drafts, func(i, j int) bool { return out.Drafts[i].Version < out.Drafts[j].Version })
	if out.Comments, err = e.store.Comments(ctx, id); err != nil {
		return nil, err
	}
	for i := range out.Comments {
		out.Comments[i].Contact = ""
	}
	sort.Slice(out.Comments, func(i, j int) bool { return out.Comments[i].ID < out.Comments[j].ID })
	if out.ExpertOpinions, err = e.store.ExpertOpinions(ctx, id); err != nil {
		return nil, err
	}
	sort.Slice(out.ExpertOpinions, func(i, j int) bool { return out.ExpertOpinions[i].ID < out.ExpertOpinions[j].ID })
	if err := e.afterDecision(ctx, out); err != nil {
		return nil, err
	}
	if out.Attachments, err = e.attachmentsOf(ctx, id); err != nil {
		return nil, err
	}
	if err := e.beforeDecision(ctx, out); err != nil { // catalog.go
		return nil, err
	}
	if out.Journal, err = e.store.Journal(ctx, id); err != nil {
		return nil, err
	}
	out.Verification = VerifyChain(id, d.State, out.Journal)
	if d.Approved() {
		out.DecidedText = d.Draft
	}
	out.Checklist = Checklist(d.State, out.Journal)
	for _, j := range out.Journal {
		out.file(j)
	}
	return out, nil
}

// file keeps a journaled event's data in the dossier section the event
// table names for it.
func (out *Dossier) file(j JournalEntry) {
	ev, ok := LookupEvent(j.Name)
	if !ok || j.Kind != KindTransition {
		return
	}
	r := EventRecord{Seq: j.Seq, Event: j.Name, At: j.At, Actor: j.Actor, Data: j.Data}
	switch ev.Section {
	case SectionRiskReport:
		out.RiskReport = &r
	case SectionWaivers:
		out.Waivers = append(out.Waivers, r)
	case SectionLegality:
		out.LegalityOpinions = append(out.LegalityOpinions, r)
	case SectionMeetings:
		out.Meetings = append(out.Meetings, r)
	case SectionPublication:
		out.Publication = &r
	case SectionArchive:
		var a ArchiveData
		_ = json.Unmarshal(j.Data, &a)
		out.ArchiveNo = a.ArchiveNo
	case SectionWithdrawal:
		out.Withdrawal = &r
	case SectionExecution:
		out.Execution = append(out.Execution, r)
	case SectionStart:
		out.Start = &r
	}
}

// decided reports whether a decision in s was approved: its current draft
// is the text as decided. An archived file was approved unless it was
// archived from a state before or instead of the decision.
func decided(s State, outcome *State) bool {
	switch s {
	case StateApproved, StatePublished, StateSuspended, StateEvaluating, StateExecuted, StateStopped, StateAdjusted:
		return true
	case StateArchived:
		return outcome == nil || decided(*outcome, nil)
	}
	return false
}

// Approved reports whether the decision was approved: its current draft is
// the text as decided.
func (d *Decision) Approved() bool { return decided(d.State, d.Outcome) }

// afterDecision adds the execution reports and the public opinions, in the
// order they came, contacts left out.
func (e *Engine) afterDecision(ctx context.Context, out *Dossier) error {
	id := out.Decision.ID
	var err error
	if out.ExecutionReports, err = e.store.ExecutionReports(ctx, id); err != nil {
		return err
	}
	sort.Slice(out.ExecutionReports, func(i, j int) bool { return out.ExecutionReports[i].ID < out.ExecutionReports[j].ID })
	if out.PublicOpinions, err = e.store.PublicOpinions(ctx, id); err != nil {
		return err
	}
	for i := range out.PublicOpinions {
		out.PublicOpinions[i].Contact = ""
	}
	sort.Slice(out.PublicOpinions, func(i, j int) bool { return out.PublicOpinions[i].ID < out.PublicOpinions[j].ID })
	return nil
}
