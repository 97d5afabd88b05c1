package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Hearings (听证, Arts 16-17): a record of public participation, added by
// staff after the hearing took place.

// RecordAddHearing is the record action and its journal name.
const RecordAddHearing = "add_hearing"

// HearingMaterialsDays is how many days before the hearing its materials
// reach the participants at least (Art 16 ¶3: never less).
const HearingMaterialsDays = 7

// ParticipantGroups are the groups of hearing participants.
var ParticipantGroups = []string{"affected_party", "deputy", "expert", "other"}

// Participant is one participant of a hearing. In JSON it is an object
// {name, group}, or, as a form's list sends it, the string "name|group".
type Participant struct {
	Name  string `json:"name"`
	Group string `json:"group"`
}

// UnmarshalJSON reads {"name", "group"} or "name|group".
func (p *Participant) UnmarshalJSON(b []byte) error {
	var line string
	if err := json.Unmarshal(b, &line); err == nil {
		name, group, ok := strings.Cut(line, "|")
		if !ok {
			return errors.New(`a participant is "name|group"`)
		}
		p.Name, p.Group = strings.TrimSpace(name), strings.TrimSpace(group)
		return nil
	}
	type plain Participant
	return json.Unmarshal(b, (*plain)(p))
}

// HearingInput records a hearing.
type HearingInput struct {
	AnnouncedOn             string        `json:"announced_on"`
	ParticipantsPublishedOn string        `json:"participants_published_on"`
	MaterialsSentOn         string        `json:"materials_sent_on"`
	HeldOn                  string        `json:"held_on"`
	Location                string        `json:"location"`
	Participants            []Participant `json:"participants"`
	Transcript              string        `json:"transcript"`
	RecordSigned            bool          `json:"record_signed"`
	Report                  string        `json:"report"`
}

// Validate checks the form of the request; what the law asks is a rule.
func (r *HearingInput) Validate() error {
	var c fieldCheck
	c.date("announced_on", r.AnnouncedOn, true)
	c.date("participants_published_on", r.ParticipantsPublishedOn, false)
	c.date("materials_sent_on", r.MaterialsSentOn, true)
	c.date("held_on", r.HeldOn, true)
	c.required("location", r.Location, MaxTitle)
	if len(r.Participants) > maxList {
		c.add("participants", "too many participants")
	}
	for _, p := range r.Participants {
		c.required("participants.name", p.Name, MaxTitle)
		c.enum("participants.group", p.Group, ParticipantGroups)
	}
	c.text("transcript", r.Transcript, MaxText)
	c.text("report", r.Report, MaxText)
	return c.err()
}

// Hearing is a hearing as kept.
type Hearing struct {
	ID         int64     `json:"id"`
	DecisionID int64     `json:"decision_id"`
	RecordedBy string    `json:"recorded_by"`
	CreatedAt  time.Time `json:"created_at"`
	HearingInput
}

// checkHearing applies the rules of Arts 16-17 in the order of lifecycle.md.
func checkHearing(g *guardEnv, in *HearingInput) error {
	announced, _ := ParseDate(in.AnnouncedOn)
	sent, _ := ParseDate(in.MaterialsSentOn)
	held, _ := ParseDate(in.HeldOn)
	if held.Before(announced.AddDays(g.settings.HearingNoticeDays)) {
		return RuleError(RuleHearingNoticeTooShort, "the hearing was held %s, less than %d days after it was announced on %s", held, g.settings.HearingNoticeDays, announced)
	}
	days := max(g.settings.HearingMaterialsDays, HearingMaterialsDays)
	if held.Before(sent.AddDays(days)) {
		return RuleError(RuleHearingMaterialsTooLate, "the materials were sent on %s, less than %d days before the hearing on %s", sent, days, held)
	}
	affected := false
	for _, p := range in.Participants {
		affected = affected || p.Group == "affected_party"
	}
	if !affected || in.ParticipantsPublishedOn == "" {
		return RuleError(RuleHearingParticipantsRequired, "the participants include affected parties, and their list is published beforehand")
	}
	if blank(in.Transcript) || blank(in.Report) || !in.RecordSigned {
		return RuleError(RuleHearingRecordRequired, "a transcript signed by the participants and a hearing report are required")
	}
	published, _ := ParseDate(in.ParticipantsPublishedOn)
	if published.Before(announced) || held.Before(published) {
		return RuleError(RuleDateOutOfOrder, "announced_on ≤ participants_published_on ≤ held_on")
	}
	return notAfterToday(g, "held_on", held)
}

// AddHearing records a hearing held during public participation.
func (e *Engine) AddHearing(ctx context.Context, actor *User, id int64, in HearingInput) (*Hearing, error) {
	if err := requireAction(actor, RecordAddHearing); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.Participants == nil {
		in.Participants = []Participant{}
	}
	h := &Hearing{DecisionID: id, RecordedBy: actor.Username, HearingInput: in}
	_, err := e.mutate(ctx, actor, id, 0, KindRecord, RecordAddHearing, func(g *guardEnv) (State, any, error) {
		if err := actionState(g, actor.Role, RecordAddHearing); err != nil {
			return "", nil, err
		}
		if err := checkHearing(g, &in); err != nil {
			return "", nil, err
		}
		h.CreatedAt = g.now
		if err := g.tx.InsertHearing(ctx, h); err != nil {
			return "", nil, err
		}
		return g.d.State, struct {
			HearingID int64 `json:"hearing_id"`
			HearingInput
		}{h.ID, in}, nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Hearings returns the hearings of a decision, newest first.
func (e *Engine) Hearings(ctx context.Context, actor *User, id int64) ([]Hearing, error) {
	return readAfter(actor, func() ([]Hearing, error) { return e.store.Hearings(ctx, id) }, e.exists(ctx, id))
}
