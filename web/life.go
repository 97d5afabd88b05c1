package web

import (
	"context"
	"strconv"
	"time"

	"decisionflow/workflow"
)

// The life bar of the decision page (lifecycle.md): 启动 → 五项法定程序 →
// 决定 → 公布 → 执行 → 归档, from the decision's state, outcome and path.

// lifeStages are the stages of the bar, in order.
var lifeStages = []string{"start", "procedures", "decision", "publication", "execution", "archive"}

// Indexes of lifeStages.
const (
	lifeStart = iota
	lifeProcedures
	lifeDecision
	lifePublication
	lifeExecution
	lifeArchive
)

// lifeStage is one stage of the bar: done, current, pending, or skipped
// (a file closed before it, a decision not to be disclosed never published).
type lifeStage struct {
	Key    string
	Status string
}

// stageOf is the stage a decision in s is at.
func stageOf(s workflow.State) int {
	switch s {
	case "proposed", workflow.StateDrafting:
		return lifeStart
	case workflow.StateApproved:
		return lifePublication
	case workflow.StatePublished, workflow.StateSuspended, workflow.StateEvaluating:
		return lifeExecution
	case workflow.StateArchived:
		return len(lifeStages)
	}
	if s.Closed() {
		return lifeArchive
	}
	return lifeProcedures
}

// lifeOf draws the bar for d, which went through path.
func lifeOf(d *workflow.Decision, path []workflow.State) []lifeStage {
	cur := stageOf(d.State)
	end := d.State
	if d.State == workflow.StateArchived && d.Outcome != nil {
		end = *d.Outcome
	}
	// A file closed early stops at the furthest stage it reached; the
	// stages after it up to the archive were skipped.
	reached := len(lifeStages)
	switch end {
	case workflow.StateRejected:
		reached = lifeDecision
	case workflow.StateWithdrawn, "declined":
		reached = lifeStart
		for _, s := range path {
			if st := stageOf(s); !s.Closed() && s != workflow.StateArchived && st > reached {
				reached = st
			}
		}
	}
	out := make([]lifeStage, len(lifeStages))
	for i, key := range lifeStages {
		status := "pending"
		switch {
		case i < cur && i > reached && i < lifeArchive:
			status = "skipped"
		case i == lifePublication && end == workflow.StateExecuted && d.NotDisclosed:
			status = "skipped"
		case i < cur:
			status = "done"
		case i == cur:
			status = "current"
		}
		out[i] = lifeStage{Key: key, Status: status}
	}
	return out
}

// opinionRows are the public opinions on the decision, oldest first, each
// with the forms the user may take on it.
func opinionRows(p *page, x *workflow.Dossier, caps []workflow.Capability, base, today string) []opinionRow {
	var out []opinionRow
	for _, o := range x.PublicOpinions {
		row := opinionRow{PublicOpinion: o}
		oid := strconv.FormatInt(o.ID, 10)
		for _, cp := range caps {
			def := map[string]string{"disposition": o.Disposition, "reason": o.DispositionReason}
			f := p.formOf(cp, "record-"+cp.Name+"-"+oid, base+"/opinions/"+oid+"/records/"+cp.Name, def, today)
			f.Inline = true
			row.Forms = append(row.Forms, f)
		}
		out = append(out, row)
	}
	return out
}

// executingRow is a decision in execution with when it was last reported on.
type executingRow struct {
	*workflow.Decision
	LastReport *time.Time
}

// execution fills the dashboard's decisions in execution (published or
// under evaluation) with their last report date, and the suspended ones.
func (ui *Pages) execution(ctx context.Context, u *workflow.User, v *dashboardView) error {
	last, err := ui.engine.LastExecutionReports(ctx, u)
	if err != nil {
		return err
	}
	for _, st := range []workflow.State{workflow.StatePublished, workflow.StateEvaluating, workflow.StateSuspended} {
		ds, _, err := ui.engine.Decisions(ctx, u, workflow.DecisionFilter{State: st, Limit: workflow.MaxLimit})
		if err != nil {
			return err
		}
		for _, d := range ds {
			if st == workflow.StateSuspended {
				v.Suspended = append(v.Suspended, d)
				continue
			}
			row := executingRow{Decision: d}
			if t, ok := last[d.ID]; ok {
				row.LastReport = &t
			}
			v.Executing = append(v.Executing, row)
		}
	}
	return nil
}
