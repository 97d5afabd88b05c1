package workflow

// This file is the one declaration of the workflow: every state, every event
// and every record action, with the facts the rest of the program derives
// from them (the looplab/fsm events, role checks, data decoding, the forms of
// the web UI, the dossier's checklist, the statistics and the drift tests
// against openapi.yaml, the translations and the database). To add an event,
// add an entry to Events (and its data type and guard in events.go).

// The five mandatory procedures, in order, and the parts of a decision's life
// around them. A step names where a state, event or record belongs.
const (
	StepBefore              = "before"
	StepPublicParticipation = "public_participation"
	StepExpertReview        = "expert_review"
	StepRiskAssessment      = "risk_assessment"
	StepLegalityReview      = "legality_review"
	StepCollectiveDecision  = "collective_decision"
	StepAfter               = "after"
)

// Steps are the five mandatory procedures, in order.
var Steps = []string{StepPublicParticipation, StepExpertReview, StepRiskAssessment, StepLegalityReview, StepCollectiveDecision}

// StateDef is one state of the contract.
type StateDef struct {
	Name State
	// Step is the part of the life the decision is in while in this state.
	Step string
	// Closed states are the ends of a decision's procedure (lifecycle.md:
	// only archive leaves them).
	Closed bool
	// DraftEditable states allow a new draft version.
	DraftEditable bool
}

// StateDefs is the state table of workflow.md, in its order.
var StateDefs = []StateDef{
	{Name: StateDrafting, Step: StepBefore, DraftEditable: true},
	{Name: StatePublicParticipation, Step: StepPublicParticipation, DraftEditable: true},
	{Name: StateExpertReview, Step: StepExpertReview, DraftEditable: true},
	{Name: StateRiskAssessment, Step: StepRiskAssessment, DraftEditable: true},
	{Name: StateLegalityReview, Step: StepLegalityReview},
	{Name: StateRevising, Step: StepLegalityReview, DraftEditable: true},
	{Name: StateCollectiveDecision, Step: StepCollectiveDecision},
	{Name: StateDeferred, Step: StepCollectiveDecision},
	{Name: StateApproved, Step: StepAfter},
	{Name: StatePublished, Step: StepAfter},
	{Name: StateArchived, Step: StepAfter},
	{Name: StateRejected, Step: StepAfter, Closed: true},
	{Name: StateWithdrawn, Step: StepAfter, Closed: true},
	// After the decision (lifecycle.md, Arts 34-37).
	{Name: StateSuspended, Step: StepAfter},
	{Name: StateEvaluating, Step: StepAfter},
	{Name: StateExecuted, Step: StepAfter, Closed: true},
	{Name: StateStopped, Step: StepAfter, Closed: true},
	{Name: StateAdjusted, Step: StepAfter, Closed: true},
	// Before the procedures (lifecycle.md "Starting a decision", Arts 10-11).
	{Name: StateProposed, Step: StepBefore},
	{Name: StateDeclined, Step: StepBefore, Closed: true},
}

// States lists every state in the order of workflow.md.
var States = func() []State {
	out := make([]State, len(StateDefs))
	for i, s := range StateDefs {
		out[i] = s.Name
	}
	return out
}()

// LookupState returns the definition of a state.
func LookupState(s State) (StateDef, bool) {
	for _, d := range StateDefs {
		if d.Name == s {
			return d, true
		}
	}
	return StateDef{}, false
}

// FieldKind is how a form shows a field and how its value is read back.
type FieldKind string

// The kinds of form fields.
const (
	FieldText     FieldKind = "text"     // one line
	FieldTextarea FieldKind = "textarea" // free text
	FieldDate     FieldKind = "date"     // YYYY-MM-DD
	FieldBool     FieldKind = "bool"     // a checkbox
	FieldEnum     FieldKind = "enum"     // one of Values
	FieldList     FieldKind = "list"     // an array of strings, one a line
	FieldMeeting  FieldKind = "meeting"  // the minutes with the attendee table
	FieldFile     FieldKind = "file"     // an uploaded file (multipart/form-data)
)

// Field is one field of an event's or a record's data as a form shows it.
type Field struct {
	Name     string    `json:"name"`
	Kind     FieldKind `json:"kind"`
	Values   []string  `json:"values,omitempty"`
	Optional bool      `json:"optional,omitempty"`
}

func text(name string) Field     { return Field{Name: name, Kind: FieldText} }
func textarea(name string) Field { return Field{Name: name, Kind: FieldTextarea} }
func date(name string) Field     { return Field{Name: name, Kind: FieldDate} }
func check(name string) Field    { return Field{Name: name, Kind: FieldBool} }
func list(name string) Field     { return Field{Name: name, Kind: FieldList} }
func enum(name string, values []string) Field {
	return Field{Name: name, Kind: FieldEnum, Values: values}
}
func optional(f Field) Field {
	f.Optional = true
	return f
}

// Fields several events share.
var (
	meeting            = Field{Name: "meeting", Kind: FieldMeeting}
	reviewBy           = optional(date("review_requested_by"))
	urgent             = optional(textarea("urgent_reason"))
	notDisclosed       = optional(check("not_disclosed"))
	nondisclosureBasis = optional(textarea("nondisclosure_basis"))
)

// The events of workflow.md.
const (
	EventSubmitDraft                 = "submit_draft"
	EventCompletePublicParticipation = "complete_public_participation"
	EventWaivePublicParticipation    = "waive_public_participation"
	EventCompleteExpertReview        = "complete_expert_review"
	EventWaiveExpertReview           = "waive_expert_review"
	EventCompleteRiskAssessment      = "complete_risk_assessment"
	EventWaiveRiskAssessment         = "waive_risk_assessment"
	EventPassLegalityReview          = "pass_legality_review"
	EventReturnLegalityReview        = "return_legality_review"
	EventResubmitLegalityReview      = "resubmit_legality_review"
	EventApprove                     = "approve"
	EventApproveWithChanges          = "approve_with_changes"
	EventReject                      = "reject"
	EventDefer                       = "defer"
	EventReturnForRevision           = "return_for_revision"
	EventRetable                     = "retable"
	EventPublish                     = "publish"
	EventArchive                     = "archive"
	EventWithdraw                    = "withdraw"
	EventSuspend                     = "suspend"
	EventResume                      = "resume"
	EventStartEvaluation             = "start_evaluation"
	EventCompleteEvaluation          = "complete_evaluation"
	EventAdjust                      = "adjust"
	EventStop                        = "stop"
	EventCompleteExecution           = "complete_execution"
	// EventSupersede is journaled on an adjusted decision when its successor
	// is published; nobody fires it directly.
	EventSupersede = "supersede"
	// Starting a decision outside the catalog (lifecycle.md).
	EventStart   = "start"
	EventDecline = "decline"
)

// What an event does to its step, for the checklist of the five procedures.
const (
	MarksDone   = StepDone
	MarksWaived = StepWaived
)

// Dossier sections an event's data is kept under.
const (
	SectionRiskReport  = "risk_report"
	SectionWaivers     = "waivers"
	SectionLegality    = "legality_opinions"
	SectionMeetings    = "meetings"
	SectionPublication = "publication"
	SectionArchive     = "archive"
	SectionWithdrawal  = "withdrawal"
	SectionExecution   = "execution"
)

// EventDef is one event of the contract and everything derived from it.
type EventDef struct {
	Name string
	From []State
	To   State
	// Role is the only role that may fire the event.
	Role Role
	// Step is the part of the life the event belongs to.
	Step string
	// Marks is what the event does to its step (MarksDone, MarksWaived) or "".
	Marks string
	// Reopens names the first procedure that must be passed again after the
	// event (a draft returned for revision), or "".
	Reopens string
	// Waiver events exist only under the statutory policy.
	Waiver bool
	// ToPrevious events return to the state the decision was in before it
	// entered the event's source state (To is then the nominal destination
	// the state machine knows); Stays events leave the state as it is.
	ToPrevious, Stays bool
	// Internal events happen only as the effect of another (supersede):
	// no role fires them, no form offers them.
	Internal bool
	// Section is where the dossier keeps the event's data ("" for nowhere).
	Section string
	// Fields are the fields of the event's data, as its form shows them.
	Fields []Field
	spec   eventSpec
}

// NewData returns a pointer to a new value of the event's data type.
func (ev EventDef) NewData() any {
	return ev.spec.new()
}

func from(s ...State) []State {
	return s
}

// withdrawable are the states from which the head may withdraw: before the
// decision, and after it until publication (e.g. when the Party committee
// objects before issue).
var withdrawable = from(StateDrafting, StatePublicParticipation, StateExpertReview, StateRiskAssessment,
	StateLegalityReview, StateRevising, StateCollectiveDecision, StateDeferred, StateApproved)

// Events is the transition table of workflow.md, in its order.
var Events = []EventDef{
	{Name: EventSubmitDraft, From: from(StateDrafting), To: StatePublicParticipation, Role: RoleStaff,
		Step: StepBefore, spec: specOf(guardSubmitDraft)},
	{Name: EventCompletePublicParticipation, From: from(StatePublicParticipation), To: StateExpertReview, Role: RoleStaff,
		Step: StepPublicParticipation, Marks: MarksDone, Fields: []Field{textarea("adoption_report")},
		spec: specOf(guardCompletePublicParticipation)},
	{Name: EventWaivePublicParticipation, From: from(StatePublicParticipation), To: StateExpertReview, Role: RoleStaff,
		Step: StepPublicParticipation, Marks: MarksWaived, Waiver: true, Section: SectionWaivers,
		Fields: []Field{textarea("reason"), text("legal_basis")}, spec: specOf(guardWaivePublicParticipation)},
	{Name: EventCompleteExpertReview, From: from(StateExpertReview), To: StateRiskAssessment, Role: RoleStaff,
		Step: StepExpertReview, Marks: MarksDone, Fields: []Field{textarea("adoption_report")},
		spec: specOf(guardCompleteExpertReview)},
	{Name: EventWaiveExpertReview, From: from(StateExpertReview), To: StateRiskAssessment, Role: RoleStaff,
		Step: StepExpertReview, Marks: MarksWaived, Waiver: true, Section: SectionWaivers,
		Fields: []Field{textarea("reason")}, spec: specOf(guardWaiver)},
	{Name: EventCompleteRiskAssessment, From: from(StateRiskAssessment), To: StateLegalityReview, Role: RoleStaff,
		Step: StepRiskAssessment, Marks: MarksDone, Section: SectionRiskReport,
		Fields: []Field{textarea("risk_points"), textarea("measures"), textarea("response_plan"),
			list("consulted_departments"), enum("conclusion", RiskConclusions), reviewBy, urgent},
		spec: specOf(guardCompleteRiskAssessment)},
	{Name: EventWaiveRiskAssessment, From: from(StateRiskAssessment), To: StateLegalityReview, Role: RoleStaff,
		Step: StepRiskAssessment, Marks: MarksWaived, Waiver: true, Section: SectionWaivers,
		Fields: []Field{textarea("reason"), optional(text("prior_assessment_ref")), reviewBy, urgent},
		spec:   specOf(guardWaiveRiskAssessment)},
	{Name: EventPassLegalityReview, From: from(StateLegalityReview), To: StateCollectiveDecision, Role: RoleLegalAdvisor,
		Step: StepLegalityReview, Marks: MarksDone, Section: SectionLegality,
		Fields: []Field{textarea("opinion"), check("authority"), check("procedure"), check("content")},
		spec:   specOf(guardPassLegalityReview)},
	{Name: EventReturnLegalityReview, From: from(StateLegalityReview), To: StateRevising, Role: RoleLegalAdvisor,
		Step: StepLegalityReview, Reopens: StepLegalityReview, Section: SectionLegality,
		Fields: []Field{textarea("opinion"), textarea("reasons")}, spec: specOf(guardReturnLegalityReview)},
	{Name: EventResubmitLegalityReview, From: from(StateRevising), To: StateLegalityReview, Role: RoleStaff,
		Step: StepLegalityReview, Fields: []Field{textarea("revision_note"), reviewBy, urgent}, spec: specOf(guardResubmit)},
	{Name: EventApprove, From: from(StateCollectiveDecision), To: StateApproved, Role: RoleHead,
		Step: StepCollectiveDecision, Marks: MarksDone, Section: SectionMeetings,
		Fields: []Field{meeting, notDisclosed, nondisclosureBasis}, spec: withApply(specOf(guardApprove), applyApprove)},
	{Name: EventApproveWithChanges, From: from(StateCollectiveDecision), To: StateApproved, Role: RoleHead,
		Step: StepCollectiveDecision, Marks: MarksDone, Section: SectionMeetings,
		Fields: []Field{meeting, textarea("changes"), textarea("final_text"), optional(list("legal_bases")), notDisclosed, nondisclosureBasis},
		spec:   withApply(specOf(guardApproveWithChanges), applyApproveWithChanges)},
	{Name: EventReject, From: from(StateCollectiveDecision), To: StateRejected, Role: RoleHead,
		Step: StepCollectiveDecision, Marks: MarksDone, Section: SectionMeetings,
		Fields: []Field{meeting}, spec: withApply(specOf(guardReject), applyReject)},
	{Name: EventDefer, From: from(StateCollectiveDecision), To: StateDeferred, Role: RoleHead,
		Step: StepCollectiveDecision, Section: SectionMeetings,
		Fields: []Field{meeting, textarea("reason")}, spec: specOf(guardMeetingReason)},
	{Name: EventReturnForRevision, From: from(StateCollectiveDecision), To: StateRevising, Role: RoleHead,
		Step: StepCollectiveDecision, Reopens: StepLegalityReview, Section: SectionMeetings,
		Fields: []Field{meeting, textarea("reason")}, spec: specOf(guardMeetingReason)},
	{Name: EventRetable, From: from(StateDeferred), To: StateCollectiveDecision, Role: RoleHead,
		Step: StepCollectiveDecision, Fields: []Field{textarea("reason")}, spec: specOf(guardReason)},
	{Name: EventPublish, From: from(StateApproved), To: StatePublished, Role: RoleStaff,
		Step: StepAfter, Section: SectionPublication,
		Fields: []Field{date("published_on"), list("channels"), date("party_reported_on"), optional(text("url")),
			optional(text("execution_unit"))},
		spec: withApply(specOf(guardPublish), applyPublish)},
	{Name: EventArchive, From: closedStates(), To: StateArchived, Role: RoleStaff,
		Step: StepAfter, Section: SectionArchive, Fields: []Field{text("archive_no")},
		spec: withApply(specOf(guardArchive), applyArchive)},
	{Name: EventWithdraw, From: withdrawable, To: StateWithdrawn, Role: RoleHead,
		Step: StepAfter, Section: SectionWithdrawal, Fields: []Field{textarea("reason")}, spec: specOf(guardReason)},
	// After the decision (lifecycle.md, Arts 34-37).
	{Name: EventSuspend, From: from(StatePublished), To: StateSuspended, Role: RoleHead,
		Step: StepAfter, Section: SectionExecution,
		Fields: []Field{enum("ground", SuspensionGrounds), textarea("reason")}, spec: specOf(guardSuspend)},
	{Name: EventResume, From: from(StateSuspended), To: StatePublished, Role: RoleHead,
		Step: StepAfter, Section: SectionExecution, Fields: []Field{textarea("reason")}, spec: specOf(guardReason)},
	{Name: EventStartEvaluation, From: from(StatePublished, StateSuspended), To: StateEvaluating, Role: RoleHead,
		Step: StepAfter, Section: SectionExecution,
		Fields: []Field{enum("trigger", EvaluationTriggers), text("evaluator"), check("evaluator_assessed_before")},
		spec:   withApply(specOf(guardStartEvaluation), applyStartEvaluation)},
	{Name: EventCompleteEvaluation, From: from(StateEvaluating), To: StatePublished, ToPrevious: true, Role: RoleStaff,
		Step: StepAfter, Section: SectionExecution,
		Fields: []Field{textarea("report"), textarea("public_opinion_summary"), enum("conclusion", EvaluationConclusions)},
		spec:   withApply(specOf(guardCompleteEvaluation), applyCompleteEvaluation)},
	{Name: EventAdjust, From: from(StatePublished, StateSuspended), Stays: true, Role: RoleHead,
		Step: StepAfter, Section: SectionExecution,
		Fields: []Field{meeting, textarea("reason")}, spec: withApply(specOf(guardAdjust), applyAdjust)},
	{Name: EventStop, From: from(StatePublished, StateSuspended), To: StateStopped, Role: RoleHead,
		Step: StepAfter, Section: SectionExecution,
		Fields: []Field{meeting, textarea("reason")}, spec: specOf(guardStop)},
	{Name: EventCompleteExecution, From: from(StatePublished, StateApproved), To: StateExecuted, Role: RoleStaff,
		Step: StepAfter, Section: SectionExecution,
		Fields: []Field{textarea("summary"), date("completed_on")}, spec: specOf(guardCompleteExecution)},
	{Name: EventSupersede, From: from(StatePublished, StateSuspended, StateEvaluating), To: StateAdjusted, Role: RoleStaff,
		Step: StepAfter, Section: SectionExecution, Internal: true, spec: specOf(guardInternal)},
	// Starting a decision outside the catalog (lifecycle.md, Arts 10-11).
	{Name: EventStart, From: from(StateProposed), To: StateDrafting, Role: RoleHead,
		Step: StepBefore, Section: SectionStart,
		Fields: []Field{text("undertaking_unit"), textarea("off_catalog_reason"), optional(list("cooperating_units"))},
		spec:   withApply(specOf(guardStart), applyStart)},
	{Name: EventDecline, From: from(StateProposed), To: StateDeclined, Role: RoleHead,
		Step: StepBefore, Section: SectionStart, Fields: []Field{textarea("reason")}, spec: specOf(guardReason)},
}

// closedStates are the states only archive leaves.
func closedStates() []State { return statesWhere(func(s StateDef) bool { return s.Closed }) }

// statesWhere lists the states keep accepts, in the order of workflow.md.
func statesWhere(keep func(StateDef) bool) []State {
	var out []State
	for _, s := range StateDefs {
		if keep(s) {
			out = append(out, s.Name)
		}
	}
	return out
}

// LookupEvent returns the definition of the named event.
func LookupEvent(name string) (EventDef, bool) {
	for _, ev := range Events {
		if ev.Name == name {
			return ev, true
		}
	}
	return EventDef{}, false
}

// ActionDef is one record action: a change kept during a step that does not
// move the decision (workflow.md "Records kept during a step").
type ActionDef struct {
	Name   string
	Role   Role
	States []State
	Step   string
	Fields []Field
	// offer tells whether a form for the action is offered on d today
	// (nil: always, in its states); the engine still answers a refused
	// attempt with its rule.
	offer func(d *Decision, today Date) bool
	// Others are further roles that may take the action, each within what
	// fieldsFor offers it (attachments: the legal advisor its opinion, the
	// head the minutes).
	Others []Role
	// fieldsFor narrows Fields to what role may send in state s (nil: Fields).
	fieldsFor func(role Role, s State) []Field
}

// Actions are the record actions of workflow.md.
var Actions = []ActionDef{
	{Name: RecordSaveDraft, Role: RoleStaff, States: draftStates(), Step: StepBefore,
		Fields: []Field{textarea("text"), list("legal_bases")},
		offer:  func(d *Decision, today Date) bool { return !underConsultation(d, today) }},
	{Name: RecordSetCommentPeriod, Role: RoleStaff, States: from(StatePublicParticipation), Step: StepPublicParticipation,
		Fields: []Field{date("opens_on"), date("closes_on"), list("channels"), optional(textarea("shortening_reason"))},
		offer:  func(d *Decision, _ Date) bool { return d.CommentPeriod == nil }},
	{Name: RecordAddComment, Role: RoleStaff, States: from(StatePublicParticipation), Step: StepPublicParticipation,
		Fields: []Field{enum("channel", CommentChannels), optional(text("author_name")), textarea("content")}},
	{Name: RecordDisposeComment, Role: RoleStaff, States: from(StatePublicParticipation), Step: StepPublicParticipation,
		Fields: []Field{enum("disposition", Dispositions), textarea("reason")}},
	{Name: RecordAddExpertOpinion, Role: RoleStaff, States: from(StateExpertReview), Step: StepExpertReview,
		Fields: []Field{text("expert_name"), optional(text("institution")), textarea("opinion"),
			check("signed"), check("conflict_of_interest")}},
	// After the decision (lifecycle.md): the execution unit's reports and the
	// disposition of the public's opinions (add_public_opinion is the public
	// endpoint's, like a public comment: no role takes it, no form offers it).
	{Name: RecordAddExecutionReport, Role: RoleStaff, States: ExecutionStates, Step: StepAfter,
		Fields: []Field{enum("kind", ExecutionReportKinds), text("period"), textarea("content")}},
	{Name: RecordDisposePublicOpinion, Role: RoleStaff, States: ExecutionStates, Step: StepAfter,
		Fields: []Field{enum("disposition", Dispositions), textarea("reason")}},
	// Hearings (lifecycle.md, Arts 16-17); participants one a line, "name|group".
	{Name: RecordAddHearing, Role: RoleStaff, States: from(StatePublicParticipation), Step: StepPublicParticipation,
		Fields: []Field{date("announced_on"), date("participants_published_on"), date("materials_sent_on"),
			date("held_on"), text("location"), list("participants"), textarea("transcript"), check("record_signed"),
			textarea("report")}},
	// Attachments (http-api.md "More endpoints"): staff add any kind, in
	// every state but archived; the form offers the kinds of the step.
	{Name: RecordAddAttachment, Role: RoleStaff, Others: []Role{RoleLegalAdvisor, RoleHead}, States: attachmentStates(),
		Step: StepBefore, Fields: []Field{{Name: "file", Kind: FieldFile}, enum("kind", AttachmentKinds), optional(check("public"))},
		fieldsFor: attachmentFields,
		offer:     func(d *Decision, _ Date) bool { return d.State != StateArchived }},
}

func draftStates() []State { return statesWhere(func(s StateDef) bool { return s.DraftEditable }) }

// LookupAction returns the definition of the named record action.
func LookupAction(name string) (ActionDef, bool) {
	for _, a := range Actions {
		if a.Name == name {
			return a, true
		}
	}
	return ActionDef{}, false
}

func (a ActionDef) allowedIn(s State) bool {
	for _, x := range a.States {
		if x == s {
			return true
		}
	}
	return false
}
