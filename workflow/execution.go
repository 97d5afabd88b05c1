package workflow

// After the decision (lifecycle.md, Decree 713 Arts 34-37): execution,
// suspension, post-evaluation, adjustment by the procedure again, stopping,
// the end of execution, and the archive of every closed decision (Art 33).

// The values of lifecycle.md.
var (
	SuspensionGrounds     = []string{"problem", "major_change", "force_majeure"}
	EvaluationTriggers    = []string{"below_expectations", "many_opinions", "deemed_necessary"}
	EvaluationConclusions = []string{"continue", "adjust", "stop"}
)

// SuspendData suspends execution (中止执行, Arts 35, 37).
type SuspendData struct {
	Ground string `json:"ground"`
	Reason string `json:"reason"`
}

// Validate checks the form of the data; the ground's values are a rule.
func (d *SuspendData) Validate() error {
	var c fieldCheck
	c.text("ground", d.Ground, MaxTitle)
	c.text("reason", d.Reason, MaxText)
	return c.err()
}

// StartEvaluationData orders a post-evaluation (决策后评估, Art 36).
type StartEvaluationData struct {
	Trigger                 string `json:"trigger"`
	Evaluator               string `json:"evaluator"`
	EvaluatorAssessedBefore *bool  `json:"evaluator_assessed_before"`
}

// Validate checks the form of the data.
func (d *StartEvaluationData) Validate() error {
	var c fieldCheck
	c.enum("trigger", d.Trigger, EvaluationTriggers)
	c.required("evaluator", d.Evaluator, MaxTitle)
	if d.EvaluatorAssessedBefore == nil {
		c.add("evaluator_assessed_before", "is required (true or false)")
	}
	return c.err()
}

// EvaluationData completes a post-evaluation with its report (Art 36 ¶3).
type EvaluationData struct {
	Report               string `json:"report"`
	PublicOpinionSummary string `json:"public_opinion_summary"`
	Conclusion           string `json:"conclusion"`
}

// Validate checks the form of the data.
func (d *EvaluationData) Validate() error {
	var c fieldCheck
	c.text("report", d.Report, MaxText)
	c.text("public_opinion_summary", d.PublicOpinionSummary, MaxText)
	c.enum("conclusion", d.Conclusion, EvaluationConclusions)
	return c.err()
}

// CompleteExecutionData ends the execution (执行完毕).
type CompleteExecutionData struct {
	Summary     string `json:"summary"`
	CompletedOn string `json:"completed_on"`
}

// Validate checks the form of the data.
func (d *CompleteExecutionData) Validate() error {
	var c fieldCheck
	c.required("summary", d.Summary, MaxText)
	c.date("completed_on", d.CompletedOn, true)
	return c.err()
}

// Arts 35, 37: a suspension names its ground and why it cannot wait.
func guardSuspend(g *guardEnv, d *SuspendData) error {
	if !oneOf(d.Ground, SuspensionGrounds) || blank(d.Reason) {
		return RuleError(RuleSuspensionGroundRequired, "a suspension needs its ground (problem, major_change or force_majeure) and the reason it cannot wait")
	}
	return nil
}

// Art 36 ¶2: the unit that assessed the decision before may not evaluate it.
func guardStartEvaluation(g *guardEnv, d *StartEvaluationData) error {
	if *d.EvaluatorAssessedBefore {
		return RuleError(RuleEvaluatorConflict, "the evaluator took part in the assessment before the decision")
	}
	opinions, err := g.tx.ExpertOpinions(g.ctx)
	if err != nil {
		return err
	}
	for _, o := range opinions {
		if !blank(o.Institution) && o.Institution == d.Evaluator {
			return RuleError(RuleEvaluatorConflict, "%s gave an expert opinion on the decision: another unit evaluates it", d.Evaluator)
		}
	}
	return nil
}

// applyStartEvaluation remembers where the evaluation returns to.
func applyStartEvaluation(g *guardEnv, _ *StartEvaluationData) error {
	g.d.EvaluatedFrom = g.d.State
	return nil
}

// Art 36 ¶3: the report and what the public said.
func guardCompleteEvaluation(g *guardEnv, d *EvaluationData) error {
	if blank(d.Report) || blank(d.PublicOpinionSummary) {
		return RuleError(RuleEvaluationReportRequired, "the evaluation report and the summary of public opinions are required")
	}
	return nil
}

func applyCompleteEvaluation(g *guardEnv, d *EvaluationData) error {
	g.d.EvaluationConclusion = d.Conclusion
	return nil
}

// Art 37: a decision in force changes only by the procedure again, after an
// evaluation found it must (or in an emergency, while suspended), decided by
// a collective meeting.
func guardAdjust(g *guardEnv, d *MeetingReasonData) error {
	if err := requireReasons(d.Reason); err != nil {
		return err
	}
	if err := checkMeeting(g, d.Meeting, true); err != nil {
		return err
	}
	if err := evaluationConcluded(g, "adjust"); err != nil {
		return err
	}
	if g.d.SupersededBy != nil {
		next, err := g.tx.Other(g.ctx, *g.d.SupersededBy)
		if err != nil {
			return err
		}
		if s := next.Decision().State; s != StateWithdrawn && s != StateRejected && s != StateArchived {
			return &Error{Code: ECONFLICT, Message: "decision " + itoa64(*g.d.SupersededBy) + " already adjusts this one", State: g.d.State}
		}
	}
	return nil
}

// applyAdjust opens the successor: a new decision in drafting that passes
// all five procedures again; this one stays in force until it is published.
func applyAdjust(g *guardEnv, d *MeetingReasonData) error {
	old := g.d
	next := &Decision{
		Title: old.Title, Summary: old.Summary, Category: old.Category, UndertakingUnit: old.UndertakingUnit,
		State: StateDrafting, Version: 1, Policy: g.settings.Policy, CreatedBy: g.actor.Username,
		CreatedAt: g.now, UpdatedAt: g.now, Supersedes: &old.ID, CatalogEntryID: old.CatalogEntryID,
		StateEnteredOn: &g.today,
	}
	tx, err := g.tx.Create(g.ctx, next)
	if err != nil {
		return err
	}
	data := struct {
		Supersedes int64  `json:"supersedes"`
		Reason     string `json:"reason"`
	}{old.ID, d.Reason}
	if err := appendEntry(g.ctx, tx, actorOf(g.actor), KindTransition, RecordCreate, StateNone, StateDrafting, g.now, data); err != nil {
		return err
	}
	old.SupersededBy = &next.ID
	return nil
}

// guardStop: stopping a decision in force is a collective decision too.
func guardStop(g *guardEnv, d *MeetingReasonData) error {
	if err := requireReasons(d.Reason); err != nil {
		return err
	}
	if err := checkMeeting(g, d.Meeting, true); err != nil {
		return err
	}
	return evaluationConcluded(g, "adjust", "stop")
}

// evaluationConcluded: unless suspended, the latest evaluation concluded one
// of the given (town practice on Art 36 ¶4).
func evaluationConcluded(g *guardEnv, conclusions ...string) error {
	if g.d.State == StateSuspended || oneOf(g.d.EvaluationConclusion, conclusions) {
		return nil
	}
	return RuleError(RuleEvaluationConclusionRequired, "the latest evaluation did not conclude %v", conclusions)
}

// Art 32: a decision ends without publication only if the law excludes it
// from publication; the end is dated and not in the future.
func guardCompleteExecution(g *guardEnv, d *CompleteExecutionData) error {
	if g.d.State == StateApproved && !g.d.NotDisclosed {
		return RuleError(RulePublicationRequired, "the decision must be published before its execution is complete")
	}
	done, _ := ParseDate(d.CompletedOn)
	if err := notAfterToday(g, "completed_on", done); err != nil {
		return err
	}
	if g.d.DecidedOn != nil && done.Before(*g.d.DecidedOn) {
		return RuleError(RuleDateOutOfOrder, "completed_on %s is before the decision of %s", done, *g.d.DecidedOn)
	}
	return nil
}

// applyArchive keeps the outcome: the closed state the file was archived from.
func applyArchive(g *guardEnv, _ *ArchiveData) error {
	outcome := g.d.State
	g.d.Outcome = &outcome
	return nil
}

// applyPublish names the execution unit (Art 34) and, for a successor,
// retires the decision it adjusts in the same transaction (Art 37).
func applyPublish(g *guardEnv, d *PublishData) error {
	g.d.ExecutionUnit = d.ExecutionUnit
	if blank(g.d.ExecutionUnit) {
		g.d.ExecutionUnit = g.d.UndertakingUnit
	}
	if g.d.Supersedes == nil {
		return nil
	}
	old, err := g.tx.Other(g.ctx, *g.d.Supersedes)
	if err != nil {
		return err
	}
	od := old.Decision()
	if od.State != StatePublished && od.State != StateSuspended && od.State != StateEvaluating {
		return nil // stopped or archived meanwhile: nothing left in force
	}
	from := od.State
	od.State, od.Version, od.UpdatedAt, od.StateEnteredOn = StateAdjusted, od.Version+1, g.now, &g.today
	if err := old.SaveDecision(g.ctx, od); err != nil {
		return err
	}
	data := struct {
		SupersededBy int64 `json:"superseded_by"`
	}{g.d.ID}
	return appendEntry(g.ctx, old, actorOf(g.actor), KindTransition, EventSupersede, from, StateAdjusted, g.now, data)
}

// applyApproveDisclosure records a decision the law excludes from publication.
func applyDisclosure(g *guardEnv, d Disclosure) { g.d.NotDisclosed = d.NotDisclosed }
