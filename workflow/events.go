package workflow

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// AdoptionReportData completes public participation or expert review.
type AdoptionReportData struct {
	AdoptionReport string `json:"adoption_report"`
}

// Validate checks the form of the data.
func (d *AdoptionReportData) Validate() error {
	var c fieldCheck
	c.text("adoption_report", d.AdoptionReport, MaxText)
	return c.err()
}

// WaivePublicParticipationData waives public participation (statutory policy only).
type WaivePublicParticipationData struct {
	Reason     string `json:"reason"`
	LegalBasis string `json:"legal_basis"`
}

// Validate checks the form of the data.
func (d *WaivePublicParticipationData) Validate() error {
	var c fieldCheck
	c.text("reason", d.Reason, MaxText)
	c.text("legal_basis", d.LegalBasis, MaxText)
	return c.err()
}

// ReasonData carries a reason: waive_expert_review, retable, withdraw.
type ReasonData struct {
	Reason string `json:"reason"`
}

// Validate checks the form of the data.
func (d *ReasonData) Validate() error {
	var c fieldCheck
	c.text("reason", d.Reason, MaxText)
	return c.err()
}

// RiskReport completes the social stability risk assessment (Arts 22-24).
type RiskReport struct {
	RiskPoints           string   `json:"risk_points"`
	Measures             string   `json:"measures"`
	ResponsePlan         string   `json:"response_plan"`
	ConsultedDepartments []string `json:"consulted_departments"`
	Conclusion           string   `json:"conclusion"`
	ReviewRequest
}

// ReviewRequest is what the events entering legality review say of the time
// left to the reviewer (Art 26): the date the opinion is wanted, by default
// the 7th working day after submission; earlier only with an urgent reason.
type ReviewRequest struct {
	ReviewRequestedBy string `json:"review_requested_by,omitempty"`
	UrgentReason      string `json:"urgent_reason,omitempty"`
}

func (r *ReviewRequest) check(c *fieldCheck) {
	c.date("review_requested_by", r.ReviewRequestedBy, false)
	c.text("urgent_reason", r.UrgentReason, MaxText)
}

// Validate checks the form of the data.
func (d *RiskReport) Validate() error {
	var c fieldCheck
	c.text("risk_points", d.RiskPoints, MaxText)
	c.text("measures", d.Measures, MaxText)
	c.text("response_plan", d.ResponsePlan, MaxText)
	if d.ConsultedDepartments == nil {
		c.add("consulted_departments", "is required (an array, empty if none)")
	}
	c.list("consulted_departments", d.ConsultedDepartments, MaxTitle)
	c.enum("conclusion", d.Conclusion, RiskConclusions)
	d.ReviewRequest.check(&c)
	return c.err()
}

// WaiveRiskAssessmentData waives the risk assessment (statutory policy only).
type WaiveRiskAssessmentData struct {
	Reason             string `json:"reason"`
	PriorAssessmentRef string `json:"prior_assessment_ref,omitempty"`
	ReviewRequest
}

// Validate checks the form of the data.
func (d *WaiveRiskAssessmentData) Validate() error {
	var c fieldCheck
	c.text("reason", d.Reason, MaxText)
	c.text("prior_assessment_ref", d.PriorAssessmentRef, MaxTitle)
	d.ReviewRequest.check(&c)
	return c.err()
}

// LegalityPassData is the legal advisor's signed opinion that the draft is
// lawful in authority, procedure and content (Art 27).
type LegalityPassData struct {
	Opinion   string `json:"opinion"`
	Authority *bool  `json:"authority"`
	Procedure *bool  `json:"procedure"`
	Content   *bool  `json:"content"`
}

// Validate checks the form of the data.
func (d *LegalityPassData) Validate() error {
	var c fieldCheck
	c.text("opinion", d.Opinion, MaxText)
	for _, f := range []struct {
		name string
		v    *bool
	}{{"authority", d.Authority}, {"procedure", d.Procedure}, {"content", d.Content}} {
		if f.v == nil {
			c.add(f.name, "is required (true or false)")
		}
	}
	return c.err()
}

// LegalityReturnData returns the draft for revision with the advisor's reasons.
type LegalityReturnData struct {
	Opinion string `json:"opinion"`
	Reasons string `json:"reasons"`
}

// Validate checks the form of the data.
func (d *LegalityReturnData) Validate() error {
	var c fieldCheck
	c.text("opinion", d.Opinion, MaxText)
	c.text("reasons", d.Reasons, MaxText)
	return c.err()
}

// ResubmitData resubmits a revised draft for legality review.
type ResubmitData struct {
	RevisionNote string `json:"revision_note"`
	ReviewRequest
}

// Validate checks the form of the data.
func (d *ResubmitData) Validate() error {
	var c fieldCheck
	c.text("revision_note", d.RevisionNote, MaxText)
	d.ReviewRequest.check(&c)
	return c.err()
}

// Attendee is one participant of the collective meeting and what they said,
// in the order they spoke. IsMember (default true) is false for those
// attending without a vote (列席); IsHead marks the head, who speaks last.
type Attendee struct {
	Name      string `json:"name"`
	Position  string `json:"position"`
	IsHead    bool   `json:"is_head"`
	IsMember  *bool  `json:"is_member,omitempty"`
	Opinion   string `json:"opinion"`
	Statement string `json:"statement"`
}

// Member reports whether the attendee is a member of the body (votes).
func (a Attendee) Member() bool { return a.IsMember == nil || *a.IsMember }

// Meeting is the minutes of the collective discussion (Art 30).
// MembersTotal is the number of the body's members (组成人员).
type Meeting struct {
	Kind            string     `json:"kind"`
	HeldOn          string     `json:"held_on"`
	Location        string     `json:"location"`
	MembersTotal    int        `json:"members_total"`
	Attendees       []Attendee `json:"attendees"`
	DepartureReason string     `json:"departure_reason,omitempty"`
}

func (m *Meeting) check(c *fieldCheck) {
	if m == nil {
		c.add("meeting", "is required")
		return
	}
	c.text("meeting.kind", m.Kind, MaxTitle)
	c.date("meeting.held_on", m.HeldOn, true)
	c.required("meeting.location", m.Location, MaxTitle)
	if len(m.Attendees) > maxList {
		c.add("meeting.attendees", "too many attendees")
	}
	for i, a := range m.Attendees {
		p := "meeting.attendees[" + strconv.Itoa(i) + "]."
		c.required(p+"name", a.Name, MaxTitle)
		c.text(p+"position", a.Position, MaxTitle)
		c.text(p+"opinion", a.Opinion, MaxTitle)
		c.text(p+"statement", a.Statement, MaxText)
	}
	c.text("meeting.departure_reason", m.DepartureReason, MaxText)
	if m.MembersTotal < 0 || m.MembersTotal > 1000 {
		c.add("meeting.members_total", "must be between 0 and 1000")
	}
}

// MeetingTally is what the minutes show of a meeting's count (Art 30).
type MeetingTally struct {
	Meeting *Meeting `json:"meeting"`
	// Members attending (the head included), and of them the ones other
	// than the head, with how many of those agreed.
	AttendingMembers int  `json:"attending_members"`
	Others           int  `json:"others"`
	OthersAgree      int  `json:"others_agree"`
	MajorityAgrees   bool `json:"majority_agrees"`
}

// Tally counts the meeting's members and the majority the rules compute.
func (m *Meeting) Tally() MeetingTally {
	t := MeetingTally{Meeting: m, MajorityAgrees: m.majorityAgrees()}
	for _, a := range m.Attendees {
		if !a.Member() {
			continue
		}
		t.AttendingMembers++
		if !a.IsHead {
			t.Others++
			if a.Opinion == "agree" {
				t.OthersAgree++
			}
		}
	}
	return t
}

// majorityAgrees reports whether more than half of the attending members
// other than the head agree; abstaining counts as not agreeing, and those
// attending without a vote do not count.
func (m *Meeting) majorityAgrees() bool {
	agree, n := 0, 0
	for _, a := range m.Attendees {
		if a.IsHead || !a.Member() {
			continue
		}
		n++
		if a.Opinion == "agree" {
			agree++
		}
	}
	return agree*2 > n
}

// MeetingData records a collective decision: reject.
type MeetingData struct {
	Meeting *Meeting `json:"meeting"`
}

// ApproveData approves the draft as it stands.
type ApproveData struct {
	Meeting *Meeting `json:"meeting"`
	Disclosure
}

// Validate checks the form of the data.
func (d *ApproveData) Validate() error {
	var c fieldCheck
	d.Meeting.check(&c)
	d.Disclosure.check(&c)
	return c.err()
}

// Validate checks the form of the data.
func (d *MeetingData) Validate() error {
	var c fieldCheck
	d.Meeting.check(&c)
	return c.err()
}

// ApproveWithChangesData approves with the changes the meeting made;
// FinalText, the text as decided, becomes a new draft version by the head.
type ApproveWithChangesData struct {
	Meeting    *Meeting `json:"meeting"`
	Changes    string   `json:"changes"`
	FinalText  string   `json:"final_text"`
	LegalBases []string `json:"legal_bases,omitempty"`
	Disclosure
}

// Disclosure marks a decision the law excludes from publication.
type Disclosure struct {
	NotDisclosed       bool   `json:"not_disclosed,omitempty"`
	NondisclosureBasis string `json:"nondisclosure_basis,omitempty"`
}

func (d *Disclosure) check(c *fieldCheck) {
	c.text("nondisclosure_basis", d.NondisclosureBasis, MaxText)
	if d.NotDisclosed && blank(d.NondisclosureBasis) {
		c.add("nondisclosure_basis", "is required when not_disclosed is true")
	}
}

// Validate checks the form of the data.
func (d *ApproveWithChangesData) Validate() error {
	var c fieldCheck
	d.Meeting.check(&c)
	c.required("changes", d.Changes, MaxText)
	c.text("final_text", d.FinalText, MaxText)
	c.list("legal_bases", d.LegalBases, MaxTitle*5)
	d.Disclosure.check(&c)
	return c.err()
}

// MeetingReasonData records a meeting that defers or returns the decision.
type MeetingReasonData struct {
	Meeting *Meeting `json:"meeting"`
	Reason  string   `json:"reason"`
}

// Validate checks the form of the data.
func (d *MeetingReasonData) Validate() error {
	var c fieldCheck
	d.Meeting.check(&c)
	c.text("reason", d.Reason, MaxText)
	return c.err()
}

// PublishData records the publication (Arts 31, 32).
type PublishData struct {
	PublishedOn     string   `json:"published_on"`
	Channels        []string `json:"channels"`
	PartyReportedOn string   `json:"party_reported_on"`
	URL             string   `json:"url,omitempty"`
	// ExecutionUnit carries the decision out (Art 34); default the undertaking unit.
	ExecutionUnit string `json:"execution_unit,omitempty"`
}

// Validate checks the form of the data.
func (d *PublishData) Validate() error {
	var c fieldCheck
	c.date("published_on", d.PublishedOn, true)
	c.date("party_reported_on", d.PartyReportedOn, false)
	c.list("channels", d.Channels, MaxTitle)
	c.text("url", d.URL, MaxTitle*10)
	c.text("execution_unit", d.ExecutionUnit, MaxTitle)
	return c.err()
}

// ArchiveData records the archive number (档号, Art 33).
type ArchiveData struct {
	ArchiveNo string `json:"archive_no"`
}

// Validate checks the form of the data.
func (d *ArchiveData) Validate() error {
	var c fieldCheck
	c.text("archive_no", d.ArchiveNo, MaxTitle)
	return c.err()
}

// NoData is the data of submit_draft: the empty object.
type NoData struct{}

// guardEnv is what a guard sees: the locked decision, the transaction to
// read its records, today's date and the settings.
type guardEnv struct {
	ctx      context.Context
	tx       DecisionTx
	d        *Decision
	today    Date
	settings Settings
	cal      *Calendar
	actor    *User
	now      time.Time
	// reviewBy is the review's due date a guard of an event entering
	// legality review settled on.
	reviewBy Date
}

// eventSpec decodes an event's data and checks its rules.
type eventSpec struct {
	new    func() any
	decode func(raw []byte) (any, error)
	guard  func(g *guardEnv, data any) error
	// apply writes what the event decides besides the transition (the
	// decision date, the review's due date, the decided text), in the same
	// transaction, once the guard has passed.
	apply func(g *guardEnv, data any) error
}

func specOf[T any](guard func(g *guardEnv, d *T) error) eventSpec {
	return eventSpec{
		new: func() any { return new(T) },
		decode: func(raw []byte) (any, error) {
			v := new(T)
			if err := DecodeStrict(raw, v); err != nil {
				return nil, err
			}
			return v, nil
		},
		guard: func(g *guardEnv, data any) error { return guard(g, data.(*T)) },
	}
}

func withApply[T any](s eventSpec, apply func(g *guardEnv, d *T) error) eventSpec {
	s.apply = func(g *guardEnv, data any) error { return apply(g, data.(*T)) }
	return s
}

// setDecidedOn records the date of the meeting that decided.
func setDecidedOn(d *Decision, m *Meeting) {
	if day, err := ParseDate(m.HeldOn); err == nil {
		d.DecidedOn = &day
	}
}

func applyApprove(g *guardEnv, d *ApproveData) error {
	setDecidedOn(g.d, d.Meeting)
	applyDisclosure(g, d.Disclosure)
	return nil
}

func applyReject(g *guardEnv, d *MeetingData) error { setDecidedOn(g.d, d.Meeting); return nil }

// applyApproveWithChanges records the decision date and makes the text as
// decided a new draft version by the head (Arts 30, 32): the dossier and the
// publication show what was decided, not the text before the changes.
func applyApproveWithChanges(g *guardEnv, d *ApproveWithChangesData) error {
	setDecidedOn(g.d, d.Meeting)
	applyDisclosure(g, d.Disclosure)
	bases := d.LegalBases
	if len(bases) == 0 && g.d.Draft != nil {
		bases = g.d.Draft.LegalBases
	}
	_, err := insertDraft(g, DraftInput{Text: d.FinalText, LegalBases: bases})
	return err
}

// Art 12: a draft with its legal bases exists before it goes to the public.
func guardSubmitDraft(g *guardEnv, _ *NoData) error {
	dr := g.d.Draft
	if dr == nil || blank(dr.Text) || !anyNonBlank(dr.LegalBases) {
		return RuleError(RuleDraftRequired, "a draft with text and at least one legal basis is required before submission")
	}
	return nil
}

// Art 15: the period was set and has ended; Art 18: every comment answered.
func guardCompletePublicParticipation(g *guardEnv, d *AdoptionReportData) error {
	p := g.d.CommentPeriod
	if p == nil {
		return RuleError(RuleCommentPeriodRequired, "no comment period was set")
	}
	if !g.today.After(p.ClosesOn) {
		return RuleError(RuleCommentPeriodNotEnded, "the comment period closes on %s", p.ClosesOn)
	}
	if err := commentsDisposed(g); err != nil {
		return err
	}
	return requireText(RuleAdoptionReportRequired, d.AdoptionReport, "the adoption report is required")
}

// Art 18: every comment received has a disposition.
func commentsDisposed(g *guardEnv) error {
	comments, err := g.tx.Comments(g.ctx)
	if err != nil {
		return err
	}
	for _, c := range comments {
		if c.Disposition == "" {
			return RuleError(RuleCommentsUndisposed, "comment %d has no disposition", c.ID)
		}
	}
	return nil
}

func guardWaivePublicParticipation(g *guardEnv, d *WaivePublicParticipationData) error {
	if err := waiverPermitted(g); err != nil {
		return err
	}
	if err := requireReasons(d.Reason, d.LegalBasis); err != nil {
		return err
	}
	// Art 18: comments that arrived before the waiver are answered too.
	return commentsDisposed(g)
}

// Arts 19, 29: enough signed expert opinions, and how they were adopted.
func guardCompleteExpertReview(g *guardEnv, d *AdoptionReportData) error {
	if err := requireText(RuleAdoptionReportRequired, d.AdoptionReport, "the adoption report is required"); err != nil {
		return err
	}
	n, err := g.tx.CountExpertOpinions(g.ctx)
	if err != nil {
		return err
	}
	if n < g.settings.MinExperts {
		return RuleError(RuleExpertOpinionsRequired, "%d expert opinion(s) recorded; at least %d required", n, g.settings.MinExperts)
	}
	return nil
}

func guardWaiver(g *guardEnv, d *ReasonData) error {
	if err := waiverPermitted(g); err != nil {
		return err
	}
	return requireReasons(d.Reason)
}

// Arts 23, 24: a complete risk report whose conclusion is controllable.
func guardCompleteRiskAssessment(g *guardEnv, d *RiskReport) error {
	if blank(d.RiskPoints) || blank(d.Measures) || blank(d.ResponsePlan) {
		return RuleError(RuleRiskReportIncomplete, "risk points, measures and response plan are required")
	}
	if !anyNonBlank(d.ConsultedDepartments) {
		return RuleError(RuleRiskReportIncomplete, "name at least one department consulted on the risk")
	}
	if d.Conclusion != "controllable" {
		return RuleError(RuleRiskUncontrollable, "the risk is not controllable: adjust the draft and assess again")
	}
	return checkReviewTime(g, &d.ReviewRequest)
}

// Art 26: whoever sends the draft to legality review leaves the reviewer at
// least 7 working days, unless the matter is urgent and says why. The date
// asked for is kept as the review's due date.
func checkReviewTime(g *guardEnv, r *ReviewRequest) error {
	least := g.cal.AddWorkingDays(g.today, LegalityReviewDays)
	if r.ReviewRequestedBy == "" {
		g.reviewBy = least
		return nil
	}
	by, _ := ParseDate(r.ReviewRequestedBy)
	if by.Before(g.today) {
		return RuleError(RuleReviewTimeTooShort, "review_requested_by %s is before today %s", by, g.today)
	}
	if by.Before(least) && blank(r.UrgentReason) {
		return RuleError(RuleReviewTimeTooShort, "the reviewer must have until %s (7 working days) unless urgent_reason is given", least)
	}
	g.reviewBy = by
	return nil
}

func guardWaiveRiskAssessment(g *guardEnv, d *WaiveRiskAssessmentData) error {
	if err := waiverPermitted(g); err != nil {
		return err
	}
	if err := requireReasons(d.Reason); err != nil {
		return err
	}
	return checkReviewTime(g, &d.ReviewRequest)
}

// Arts 25, 27, 28: a written opinion finding authority, procedure and content lawful.
func guardPassLegalityReview(g *guardEnv, d *LegalityPassData) error {
	if err := requireText(RuleLegalityOpinionRequired, d.Opinion, "the legality opinion is required"); err != nil {
		return err
	}
	if !*d.Authority || !*d.Procedure || !*d.Content {
		return RuleError(RuleLegalityNotLawful, "authority, procedure and content must all be lawful to pass; otherwise return the draft")
	}
	return nil
}

func guardReturnLegalityReview(g *guardEnv, d *LegalityReturnData) error {
	if err := requireReasons(d.Reasons); err != nil {
		return err
	}
	return requireText(RuleLegalityOpinionRequired, d.Opinion, "the legality opinion is required")
}

func guardResubmit(g *guardEnv, d *ResubmitData) error {
	if err := requireReasons(d.RevisionNote); err != nil {
		return err
	}
	return checkReviewTime(g, &d.ReviewRequest)
}

func guardApprove(g *guardEnv, d *ApproveData) error { return checkMeeting(g, d.Meeting, true) }

// Arts 30, 32: the text as decided is recorded, and is the text published.
func guardApproveWithChanges(g *guardEnv, d *ApproveWithChangesData) error {
	if err := checkMeeting(g, d.Meeting, true); err != nil {
		return err
	}
	return requireText(RuleDecidedTextRequired, d.FinalText, "the text as decided (final_text) is required")
}

func guardReject(g *guardEnv, d *MeetingData) error { return checkMeeting(g, d.Meeting, false) }

// defer and return_for_revision: a collective meeting and its reason.
func guardMeetingReason(g *guardEnv, d *MeetingReasonData) error {
	if err := requireReasons(d.Reason); err != nil {
		return err
	}
	return checkMeetingForm(g, d.Meeting)
}

func guardReason(g *guardEnv, d *ReasonData) error { return requireReasons(d.Reason) }

// guardInternal refuses an internal event fired directly.
func guardInternal(g *guardEnv, _ *NoData) error {
	return &Error{Code: EFORBIDDEN, Message: "this event happens only as the effect of another"}
}

// Arts 31, 32: reported to the Party committee first, published on a channel,
// not before the decision.
func guardPublish(g *guardEnv, d *PublishData) error {
	published, _ := ParseDate(d.PublishedOn)
	if d.PartyReportedOn == "" {
		return RuleError(RulePartyReportRequired, "the date the decision was reported to the Party committee is required")
	}
	reported, _ := ParseDate(d.PartyReportedOn)
	if reported.After(published) {
		return RuleError(RulePartyReportRequired, "the decision must be reported to the Party committee before it is published")
	}
	if err := notAfterToday(g, "published_on", published); err != nil {
		return err
	}
	if created := DateOf(g.d.CreatedAt.In(g.settings.Location)); reported.Before(created) {
		return RuleError(RuleDateOutOfOrder, "party_reported_on %s is before the decision was created on %s", reported, created)
	}
	if g.d.DecidedOn != nil && published.Before(*g.d.DecidedOn) {
		return RuleError(RulePublicationIncomplete, "published_on is before the decision date %s", *g.d.DecidedOn)
	}
	if !anyNonBlank(d.Channels) {
		return RuleError(RulePublicationIncomplete, "at least one publication channel is required")
	}
	return nil
}

// Art 33: the file gets its archive number.
func guardArchive(g *guardEnv, d *ArchiveData) error {
	return requireText(RuleArchiveNoRequired, d.ArchiveNo, "the archive number (档号) is required")
}

func waiverPermitted(g *guardEnv) error {
	if g.d.Policy != PolicyStatutory {
		return RuleError(RuleWaiverNotPermitted, "policy %s forbids waiving a procedure", g.d.Policy)
	}
	return nil
}

func requireText(rule, v, msg string) error {
	if blank(v) {
		return RuleError(rule, "%s", msg)
	}
	return nil
}

func requireReasons(vs ...string) error {
	for _, v := range vs {
		if blank(v) {
			return RuleError(RuleReasonRequired, "a reason is required")
		}
	}
	return nil
}

// checkMeetingForm checks the rules every collective meeting must meet (Art 30).
func checkMeetingForm(g *guardEnv, m *Meeting) error {
	if !oneOf(m.Kind, MeetingKinds) {
		return RuleError(RuleMeetingKindInvalid, "the decision must be taken by one of the collective meetings: %s", strings.Join(MeetingKinds, ", "))
	}
	if len(m.Attendees) < g.settings.MinAttendees {
		return RuleError(RuleMeetingAttendees, "%d attendee(s) recorded; at least %d required", len(m.Attendees), g.settings.MinAttendees)
	}
	for _, a := range m.Attendees {
		if !oneOf(a.Opinion, Opinions) {
			return RuleError(RuleMeetingAttendees, "every attendee needs an opinion: agree, disagree or abstain (%s has none)", a.Name)
		}
	}
	if err := checkQuorum(m); err != nil {
		return err
	}
	if err := checkHeadLast(m); err != nil {
		return err
	}
	return checkMeetingDate(g, m)
}

// Art 30 and the local government work rules: the body's size is recorded,
// and more than half of its members attend.
func checkQuorum(m *Meeting) error {
	members := 0
	for _, a := range m.Attendees {
		if a.Member() {
			members++
		}
	}
	switch {
	case m.MembersTotal < 1:
		return RuleError(RuleMeetingQuorumNotMet, "members_total, the number of the body's members, is required")
	case members > m.MembersTotal:
		return RuleError(RuleMeetingQuorumNotMet, "%d attending members but members_total is %d", members, m.MembersTotal)
	case members*2 <= m.MembersTotal:
		return RuleError(RuleMeetingQuorumNotMet, "%d of %d members attend: more than half must", members, m.MembersTotal)
	}
	return nil
}

// Art 30: the head decides after the others have spoken: exactly one
// attendee is the head, and the head is the last.
func checkHeadLast(m *Meeting) error {
	heads := 0
	for _, a := range m.Attendees {
		if a.IsHead {
			heads++
		}
	}
	if heads != 1 {
		return RuleError(RuleHeadMustSpeakLast, "exactly one attendee must be the head (is_head); %d are", heads)
	}
	if !m.Attendees[len(m.Attendees)-1].IsHead {
		return RuleError(RuleHeadMustSpeakLast, "the head speaks last: list the head as the last attendee")
	}
	return nil
}

// A meeting is held after the matter was put to it, and not in the future.
func checkMeetingDate(g *guardEnv, m *Meeting) error {
	held, _ := ParseDate(m.HeldOn)
	if err := notAfterToday(g, "meeting.held_on", held); err != nil {
		return err
	}
	if g.d.StateEnteredOn != nil && held.Before(*g.d.StateEnteredOn) {
		return RuleError(RuleDateOutOfOrder, "meeting.held_on %s is before the matter was put to the meeting on %s", held, *g.d.StateEnteredOn)
	}
	return nil
}

// notAfterToday refuses the date of an act said to be done that lies ahead.
func notAfterToday(g *guardEnv, field string, d Date) error {
	if d.After(g.today) {
		return RuleError(RuleDateOutOfOrder, "%s %s is after today %s", field, d, g.today)
	}
	return nil
}

// checkMeeting adds, for approving or rejecting, the rule that a head who
// goes against the majority gives the reason (Art 30).
func checkMeeting(g *guardEnv, m *Meeting, approving bool) error {
	if err := checkMeetingForm(g, m); err != nil {
		return err
	}
	if approving != m.majorityAgrees() && blank(m.DepartureReason) {
		return RuleError(RuleDepartureReasonRequired, "the decision goes against the majority of attendees: departure_reason is required")
	}
	return nil
}

func anyNonBlank(vs []string) bool {
	for _, v := range vs {
		if !blank(v) {
			return true
		}
	}
	return false
}
