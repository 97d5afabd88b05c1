package workflow

import (
	"context"
	"errors"
	"sort"

	"github.com/looplab/fsm"
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
)

// EventDef is one event of the contract: its source states, destination and
// the only role that may fire it.
type EventDef struct {
	Name string
	From []State
	To   State
	Role Role
}

// Events is the transition table of workflow.md, in its order.
var Events = []EventDef{
	{EventSubmitDraft, []State{StateDrafting}, StatePublicParticipation, RoleStaff},
	{EventCompletePublicParticipation, []State{StatePublicParticipation}, StateExpertReview, RoleStaff},
	{EventWaivePublicParticipation, []State{StatePublicParticipation}, StateExpertReview, RoleStaff},
	{EventCompleteExpertReview, []State{StateExpertReview}, StateRiskAssessment, RoleStaff},
	{EventWaiveExpertReview, []State{StateExpertReview}, StateRiskAssessment, RoleStaff},
	{EventCompleteRiskAssessment, []State{StateRiskAssessment}, StateLegalityReview, RoleStaff},
	{EventWaiveRiskAssessment, []State{StateRiskAssessment}, StateLegalityReview, RoleStaff},
	{EventPassLegalityReview, []State{StateLegalityReview}, StateCollectiveDecision, RoleLegalAdvisor},
	{EventReturnLegalityReview, []State{StateLegalityReview}, StateRevising, RoleLegalAdvisor},
	{EventResubmitLegalityReview, []State{StateRevising}, StateLegalityReview, RoleStaff},
	{EventApprove, []State{StateCollectiveDecision}, StateApproved, RoleHead},
	{EventApproveWithChanges, []State{StateCollectiveDecision}, StateApproved, RoleHead},
	{EventReject, []State{StateCollectiveDecision}, StateRejected, RoleHead},
	{EventDefer, []State{StateCollectiveDecision}, StateDeferred, RoleHead},
	{EventReturnForRevision, []State{StateCollectiveDecision}, StateRevising, RoleHead},
	{EventRetable, []State{StateDeferred}, StateCollectiveDecision, RoleHead},
	{EventPublish, []State{StateApproved}, StatePublished, RoleStaff},
	{EventArchive, []State{StatePublished}, StateArchived, RoleStaff},
	{EventWithdraw, []State{
		StateDrafting, StatePublicParticipation, StateExpertReview, StateRiskAssessment,
		StateLegalityReview, StateRevising, StateCollectiveDecision, StateDeferred,
	}, StateWithdrawn, RoleHead},
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

var fsmEvents = func() fsm.Events {
	out := make(fsm.Events, 0, len(Events))
	for _, ev := range Events {
		src := make([]string, len(ev.From))
		for i, s := range ev.From {
			src[i] = string(s)
		}
		out = append(out, fsm.EventDesc{Name: ev.Name, Src: src, Dst: string(ev.To)})
	}
	return out
}()

// newMachine rebuilds the state machine at the stored state. guard runs in the
// before_event callback: a non-nil error cancels the transition with it.
func newMachine(state State, guard func(ctx context.Context, e *fsm.Event) error) *fsm.FSM {
	cb := fsm.Callbacks{}
	if guard != nil {
		cb["before_event"] = func(ctx context.Context, e *fsm.Event) {
			if err := guard(ctx, e); err != nil {
				e.Cancel(err)
			}
		}
	}
	return fsm.NewFSM(string(state), fsmEvents, cb)
}

// EventsFrom returns the sorted events defined from state, for any role.
func EventsFrom(state State) []string {
	out := newMachine(state, nil).AvailableTransitions()
	sort.Strings(out)
	return out
}

// AllowedEvents returns the sorted events that role may fire from state
// (guards not evaluated).
func AllowedEvents(state State, role Role) []string {
	out := []string{}
	for _, name := range EventsFrom(state) {
		if ev, _ := LookupEvent(name); ev.Role == role {
			out = append(out, name)
		}
	}
	return out
}

// transition runs the event on a machine rebuilt at from and returns the
// destination. A refused state answers ECONFLICT; a guard's error is returned as is.
func transition(ctx context.Context, from State, role Role, event string, guard func() error) (State, error) {
	m := newMachine(from, func(context.Context, *fsm.Event) error { return guard() })
	err := m.Event(ctx, event)
	var invalid fsm.InvalidEventError
	var canceled fsm.CanceledError
	switch {
	case err == nil:
		return State(m.Current()), nil
	case errors.As(err, &invalid):
		return "", conflict(from, role, event)
	case errors.As(err, &canceled):
		var e *Error
		if errors.As(canceled.Err, &e) {
			return "", e
		}
		return "", Internal(canceled.Err)
	default:
		return "", Internal(err)
	}
}

func conflict(state State, role Role, what string) *Error {
	return &Error{
		Code:          ECONFLICT,
		Message:       what + " is not allowed in state " + string(state),
		State:         state,
		AllowedEvents: AllowedEvents(state, role),
	}
}
