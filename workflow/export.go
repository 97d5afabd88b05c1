package workflow

import (
	"context"
	"encoding/json"
)

// ExportRow is one decision as the list's spreadsheet shows it.
type ExportRow struct {
	ID              int64
	Title           string
	UndertakingUnit string
	Category        string
	State           State
	Step            string
	Started         Date
	// Due is the earliest deadline of the current state; Overdue whether a
	// deadline has passed.
	Due       *Date
	Overdue   bool
	Decided   *Date
	Published *Date
}

// Export returns every decision the filter selects (paging aside), newest
// first, as rows of the list's spreadsheet.
func (e *Engine) Export(ctx context.Context, actor *User, f DecisionFilter) ([]ExportRow, error) {
	published, err := e.publishedOn(ctx)
	if err != nil {
		return nil, err
	}
	out := []ExportRow{}
	f.Limit, f.AfterID = MaxLimit, 0
	for {
		ds, next, err := e.Decisions(ctx, actor, f)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			out = append(out, e.exportRow(d, published[d.ID]))
		}
		if next == 0 {
			return out, nil
		}
		f.AfterID = next
	}
}

func (e *Engine) exportRow(d *Decision, published *Date) ExportRow {
	def, _ := LookupState(d.State)
	r := ExportRow{ID: d.ID, Title: d.Title, UndertakingUnit: d.UndertakingUnit, Category: d.Category, State: d.State,
		Step: def.Step, Started: DateOf(d.CreatedAt.In(e.settings.Location)), Decided: d.DecidedOn, Published: published}
	for _, dl := range d.Deadlines {
		if r.Due == nil || dl.DueOn.Before(*r.Due) {
			due := dl.DueOn
			r.Due = &due
		}
		r.Overdue = r.Overdue || dl.Overdue
	}
	return r
}

// publishedOn is the publication date of each published decision (the
// latest publish event's published_on).
func (e *Engine) publishedOn(ctx context.Context) (map[int64]*Date, error) {
	ts, err := e.store.Transitions(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]*Date{}
	for _, t := range ts {
		if ev, _ := LookupEvent(t.Name); ev.Section != SectionPublication {
			continue
		}
		var p PublishData
		_ = json.Unmarshal(t.Data, &p)
		d, err := ParseDate(p.PublishedOn)
		if err != nil {
			d = DateOf(t.At.In(e.settings.Location))
		}
		out[t.DecisionID] = &d
	}
	return out, nil
}
