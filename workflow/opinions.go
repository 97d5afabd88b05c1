package workflow

import (
	"context"
	"sort"
	"time"
)

// The records kept while a decision is carried out (lifecycle.md "After the
// decision"): the execution unit's reports (Art 34) and the public's
// opinions on the decision (Art 35 ¶2, heard during evaluation too, Art 36 ¶3),
// each dispositioned by staff like a comment.

// Record names of the execution.
const (
	RecordAddExecutionReport   = "add_execution_report"
	RecordAddPublicOpinion     = "add_public_opinion"
	RecordDisposePublicOpinion = "dispose_public_opinion"
)

// ExecutionReportKinds are the kinds of an execution report.
var ExecutionReportKinds = []string{"progress", "problem"}

// ExecutionStates are the states in which a decision is in force and
// reports and opinions are taken.
var ExecutionStates = from(StatePublished, StateSuspended, StateEvaluating)

// ExecutionReportInput is an execution report as staff record it.
type ExecutionReportInput struct {
	Kind    string `json:"kind"`
	Period  string `json:"period"`
	Content string `json:"content"`
}

// Validate checks the form of the request.
func (r *ExecutionReportInput) Validate() error {
	var c fieldCheck
	c.enum("kind", r.Kind, ExecutionReportKinds)
	c.required("period", r.Period, MaxTitle)
	c.required("content", r.Content, MaxText)
	return c.err()
}

// ExecutionReport is one report of the execution unit (Art 34).
type ExecutionReport struct {
	ID         int64     `json:"id"`
	DecisionID int64     `json:"decision_id"`
	Kind       string    `json:"kind"`
	Period     string    `json:"period"`
	Content    string    `json:"content"`
	RecordedBy string    `json:"recorded_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// PublicOpinionInput is an opinion on a decision in force, from the public
// endpoint. Contact is kept for staff, never journaled, never shown publicly.
type PublicOpinionInput struct {
	Content    string `json:"content"`
	AuthorName string `json:"author_name"`
	Contact    string `json:"contact"`
}

// Validate checks the form of the request.
func (r *PublicOpinionInput) Validate() error {
	var c fieldCheck
	c.required("content", r.Content, MaxComment)
	c.text("author_name", r.AuthorName, MaxTitle)
	c.text("contact", r.Contact, MaxTitle)
	return c.err()
}

// PublicOpinion is an opinion of the public on a decision in force.
type PublicOpinion struct {
	ID                int64     `json:"id"`
	DecisionID        int64     `json:"decision_id"`
	AuthorName        string    `json:"author_name"`
	Contact           string    `json:"contact,omitempty"`
	Content           string    `json:"content"`
	State             State     `json:"state"`
	Disposition       string    `json:"disposition,omitempty"`
	DispositionReason string    `json:"disposition_reason,omitempty"`
	DisposedBy        string    `json:"disposed_by,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
}

// AddExecutionReport records a report of the execution unit.
func (e *Engine) AddExecutionReport(ctx context.Context, actor *User, id int64, in ExecutionReportInput) (*ExecutionReport, error) {
	if err := requireAction(actor, RecordAddExecutionReport); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	r := &ExecutionReport{DecisionID: id, Kind: in.Kind, Period: in.Period, Content: in.Content, RecordedBy: actor.Username}
	_, err := e.mutate(ctx, actor, id, 0, KindRecord, RecordAddExecutionReport, func(g *guardEnv) (State, any, error) {
		if err := actionState(g, actor.Role, RecordAddExecutionReport); err != nil {
			return "", nil, err
		}
		r.CreatedAt = g.now
		if err := g.tx.InsertExecutionReport(ctx, r); err != nil {
			return "", nil, err
		}
		return g.d.State, struct {
			ReportID int64 `json:"report_id"`
			ExecutionReportInput
		}{r.ID, in}, nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// ExecutionReports returns the execution reports of a decision, newest first.
func (e *Engine) ExecutionReports(ctx context.Context, actor *User, id int64) ([]ExecutionReport, error) {
	return readAfter(actor, func() ([]ExecutionReport, error) { return e.store.ExecutionReports(ctx, id) }, e.exists(ctx, id))
}

// AddPublicOpinion takes an opinion from the public on a decision in force.
// A decision that is not public is not found; one no longer in force
// refuses with ECONFLICT.
func (e *Engine) AddPublicOpinion(ctx context.Context, id int64, in PublicOpinionInput) (*PublicOpinion, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o := &PublicOpinion{DecisionID: id, AuthorName: in.AuthorName, Contact: in.Contact, Content: in.Content}
	_, err := e.mutate(ctx, nil, id, 0, KindRecord, RecordAddPublicOpinion, func(g *guardEnv) (State, any, error) {
		if !Public(g.d) {
			return "", nil, Errorf(ENOTFOUND, "no published decision %d", id)
		}
		if !oneOf(string(g.d.State), states(ExecutionStates)) {
			return "", nil, conflict(g.d.State, RolePublic, "an opinion")
		}
		o.State, o.CreatedAt = g.d.State, g.now
		if err := g.tx.InsertPublicOpinion(ctx, o); err != nil {
			return "", nil, err
		}
		// The contact stays out of the journal: it is personal data.
		return g.d.State, struct {
			OpinionID  int64  `json:"opinion_id"`
			AuthorName string `json:"author_name"`
			Content    string `json:"content"`
		}{o.ID, o.AuthorName, o.Content}, nil
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// PublicOpinions returns the public opinions on a decision, newest first;
// the contact only to staff.
func (e *Engine) PublicOpinions(ctx context.Context, actor *User, id int64) ([]PublicOpinion, error) {
	os, err := readAfter(actor, func() ([]PublicOpinion, error) { return e.store.PublicOpinions(ctx, id) }, e.exists(ctx, id))
	if err == nil && actor.Role != RoleStaff {
		for i := range os {
			os[i].Contact = ""
		}
	}
	return os, err
}

// DisposePublicOpinion records how staff handled a public opinion.
func (e *Engine) DisposePublicOpinion(ctx context.Context, actor *User, id, opinionID int64, in DispositionInput) (*PublicOpinion, error) {
	if err := requireAction(actor, RecordDisposePublicOpinion); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *PublicOpinion
	_, err := e.mutate(ctx, actor, id, 0, KindRecord, RecordDisposePublicOpinion, func(g *guardEnv) (State, any, error) {
		if err := actionState(g, actor.Role, RecordDisposePublicOpinion); err != nil {
			return "", nil, err
		}
		o, err := g.tx.PublicOpinion(ctx, opinionID)
		if err != nil {
			return "", nil, err
		}
		o.Disposition, o.DispositionReason, o.DisposedBy = in.Disposition, in.Reason, actor.Username
		if err := g.tx.UpdatePublicOpinionDisposition(ctx, o); err != nil {
			return "", nil, err
		}
		out = o
		return g.d.State, struct {
			OpinionID   int64  `json:"opinion_id"`
			Disposition string `json:"disposition"`
			Reason      string `json:"reason"`
		}{o.ID, o.Disposition, o.DispositionReason}, nil
	})
	return out, err
}

// LastExecutionReports returns, for each decision with execution reports,
// when the latest was recorded (the dashboard's "last report").
func (e *Engine) LastExecutionReports(ctx context.Context, actor *User) (map[int64]time.Time, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	return e.store.LastExecutionReports(ctx)
}

func states(ss []State) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// Outcomes are the states a file may be archived from: the decision's
// outcome (lifecycle.md "Archive").
func Outcomes() []State { return closedStates() }

// OutcomeCount counts decisions with one outcome.
type OutcomeCount struct {
	Outcome State `json:"outcome"`
	Count   int   `json:"count"`
}

// outcomeCounts orders the counts of the store by the table's closed states.
func outcomeCounts(m map[State]int) []OutcomeCount {
	out := []OutcomeCount{}
	for _, s := range Outcomes() {
		out = append(out, OutcomeCount{s, m[s]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}
