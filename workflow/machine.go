package workflow

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/looplab/fsm"
)

var fsmEvents = func() fsm.Events {
	out := make(fsm.Events, 0, len(Events))
	for _, ev := range Events {
		if ev.Stays {
			// An event that leaves the state as it is: one description per
			// source, each its own destination.
			for _, s := range ev.From {
				out = append(out, fsm.EventDesc{Name: ev.Name, Src: []string{string(s)}, Dst: string(s)})
			}
			continue
		}
		src := make([]string, len(ev.From))
		for i, s := range ev.From {
			src[i] = string(s)
		}
		out = append(out, fsm.EventDesc{Name: ev.Name, Src: src, Dst: string(ev.To)})
	}
	return out
}()

// fsmEventsFrom holds, for each state, the descriptions of the events
// defined from it (their sources narrowed to that state): a machine that
// fires one event needs no more, and building it is then a few map entries,
// not the whole table's (NewFSM was 4 % of the server's CPU per transition).
var fsmEventsFrom = func() map[State]fsm.Events {
	out := map[State]fsm.Events{}
	for _, d := range fsmEvents {
		for _, src := range d.Src {
			s := State(src)
			out[s] = append(out[s], fsm.EventDesc{Name: d.Name, Src: []string{src}, Dst: d.Dst})
		}
	}
	return out
}()

// newMachine rebuilds the state machine at the stored state. guard runs in the
// before_event callback: a non-nil error cancels the transition with it.
// With all false it holds only the events defined from state.
func newMachine(state State, all bool, guard func(ctx context.Context, e *fsm.Event) error) *fsm.FSM {
	cb := fsm.Callbacks{}
	if guard != nil {
		cb["before_event"] = func(ctx context.Context, e *fsm.Event) {
			if err := guard(ctx, e); err != nil {
				e.Cancel(err)
			}
		}
	}
	events := fsmEvents
	if !all {
		events = fsmEventsFrom[state]
	}
	return fsm.NewFSM(string(state), events, cb)
}

// EventsFrom returns the sorted events defined from state, for any role.
func EventsFrom(state State) []string {
	out := newMachine(state, true, nil).AvailableTransitions()
	sort.Strings(out)
	return out
}

// allowed holds AllowedEvents for every state and role, computed once from
// the state machine: every decision a reader sees asks for it, and
// rebuilding a machine for that was a tenth of the server's work.
var allowed = func() map[State]map[Role][]string {
	out := map[State]map[Role][]string{}
	for _, s := range StateDefs {
		out[s.Name] = map[Role][]string{}
		for _, name := range EventsFrom(s.Name) {
			if ev, _ := LookupEvent(name); !ev.Internal {
				out[s.Name][ev.Role] = append(out[s.Name][ev.Role], name)
			}
		}
	}
	return out
}()

// AllowedEvents returns the sorted events that role may fire from state
// (guards not evaluated). The slice is the caller's own.
func AllowedEvents(state State, role Role) []string {
	return append([]string{}, allowed[state][role]...)
}

// transition runs the event on a machine rebuilt at from and returns the
// destination. A refused state answers ECONFLICT; a guard's error is returned as is.
func transition(ctx context.Context, from State, role Role, event string, guard func() error) (State, error) {
	m := newMachine(from, false, func(context.Context, *fsm.Event) error { return guard() })
	err := m.Event(ctx, event)
	var invalid fsm.InvalidEventError
	var unknown fsm.UnknownEventError // defined, but not from this state
	var canceled fsm.CanceledError
	var stays fsm.NoTransitionError
	switch {
	case err == nil, errors.As(err, &stays) && stays.Err == nil:
		return State(m.Current()), nil
	case errors.As(err, &invalid), errors.As(err, &unknown):
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

// Capability is an event or a record action an actor may take now, with the
// fields of the data it needs.
type Capability struct {
	Name string `json:"name"`
	// Kind is KindTransition for an event, KindRecord for a record action.
	Kind   string  `json:"kind"`
	Step   string  `json:"step"`
	Fields []Field `json:"fields"`
}

// Capabilities returns what role may do on d today: the events defined from
// its state for the role (the waivers only under the statutory policy), then
// the record actions its state and role allow. Rules that depend on the
// data are not evaluated: a refused attempt answers with its rule.
func Capabilities(role Role, d *Decision, today Date) []Capability {
	var out []Capability
	for _, name := range AllowedEvents(d.State, role) {
		ev, _ := LookupEvent(name)
		if ev.Waiver && d.Policy != PolicyStatutory {
			continue
		}
		out = append(out, Capability{Name: ev.Name, Kind: KindTransition, Step: ev.Step, Fields: ev.Fields})
	}
	for _, a := range Actions {
		if (a.Role == role || slices.Contains(a.Others, role)) && a.allowedIn(d.State) && (a.offer == nil || a.offer(d, today)) {
			fields := a.Fields
			if a.fieldsFor != nil {
				if fields = a.fieldsFor(role, d.State); len(fields) == 0 {
					continue
				}
			}
			out = append(out, Capability{Name: a.Name, Kind: KindRecord, Step: a.Step, Fields: fields})
		}
	}
	return out
}

// Capabilities returns what the actor may do on d now (see Capabilities).
func (e *Engine) Capabilities(actor *User, d *Decision) []Capability {
	if actor == nil {
		return nil
	}
	return Capabilities(actor.Role, d, e.Today())
}

// allowedActions names the record actions of caps, sorted.
func allowedActions(caps []Capability) []string {
	out := []string{}
	for _, c := range caps {
		if c.Kind == KindRecord {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out
}

// requireAction checks that actor's role may take the record action at all
// (EFORBIDDEN otherwise).
func requireAction(actor *User, name string) error {
	a, _ := LookupAction(name)
	return requireRole(actor, a.Role, strings.ReplaceAll(name, "_", " "))
}

// actionState refuses a record action the decision's state does not allow
// (ECONFLICT, with the events the role may fire).
func actionState(g *guardEnv, role Role, name string) error {
	if a, _ := LookupAction(name); !a.allowedIn(g.d.State) {
		return conflict(g.d.State, role, strings.ReplaceAll(name, "_", " "))
	}
	return nil
}
