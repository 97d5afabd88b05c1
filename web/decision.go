package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// step is one of the five procedures as the progress bar shows it.
type step struct {
	Key    string
	Status string // done, waived, current, pending
	At     string
	Actor  string
	Note   string
}

// steps shows the dossier's checklist of the five procedures.
func (p *page) steps(items []workflow.ChecklistItem) []step {
	var out []step
	for _, it := range items {
		st := step{Key: it.Step, Status: it.Status, Actor: it.Actor}
		if it.At != nil {
			st.At = p.Time(*it.At)
		}
		if it.Status == workflow.StepWaived {
			var data struct {
				Reason string `json:"reason"`
			}
			_ = json.Unmarshal(it.Data, &data)
			st.Note = data.Reason
		}
		out = append(out, st)
	}
	return out
}

// pathTaken is the sequence of states the decision went through, from its
// journal's transitions.
func pathTaken(entries []workflow.JournalEntry) []workflow.State {
	var out []workflow.State
	for _, e := range entries {
		if e.Kind == workflow.KindTransition && (len(out) == 0 || out[len(out)-1] != e.To) {
			out = append(out, e.To)
		}
	}
	return out
}

// commentRow is a comment with the forms taken on it.
type commentRow struct {
	workflow.Comment
	Forms []formView
}

type decisionView struct {
	D *workflow.Decision
	// Before the procedures: the catalog entry or the start of the
	// proposal, and the hearings (forms.html's "before" partial).
	Entry        *workflow.CatalogEntry
	Start        *workflow.EventRecord
	Hearings     []workflow.Hearing
	Steps        []step
	Path         []workflow.State
	Drafts       []workflow.Draft // newest first
	Comments     []commentRow
	Opinions     []workflow.ExpertOpinion
	Verification workflow.Verification
	// Frozen: the state keeps the draft as it is (legality review onwards).
	Frozen bool
	// Alert is a refusal of a form the page does not show (the user may
	// not take that action now).
	Alert string
	// The forms of what the user may do now, in the section of the page
	// each belongs to (see sectionOf).
	DraftForms, CommentForms, OpinionForms, Actions []formView
	// Attachments are the decision's files, oldest first; AttachmentForms
	// the upload form of the user's role in this step.
	Attachments     []workflow.Attachment
	AttachmentForms []formView
	// After the decision: the life bar, the execution's events, reports
	// and the public's opinions (with the forms taken on each), and the
	// forms of the execution's records.
	Life           []lifeStage
	Execution      []workflow.EventRecord
	Reports        []workflow.ExecutionReport
	PublicOpinions []opinionRow
	ExecutionForms []formView
}

// opinionRow is a public opinion with the forms taken on it.
type opinionRow struct {
	workflow.PublicOpinion
	Forms []formView
}

// Sections of the decision page, by their anchors.
const (
	secDraft     = "draft"
	secComments  = "comments"
	secOpinions  = "opinions"
	secActions   = "actions"
	secExecution = "execution"
)

// sectionOf is where a record action's form stands: beside the records of
// its step (the draft, the comments, the expert opinions), else with the
// events.
func sectionOf(cp workflow.Capability) string {
	if cp.Kind == workflow.KindRecord {
		switch cp.Step {
		case workflow.StepBefore:
			return secDraft
		case workflow.StepPublicParticipation:
			return secComments
		case workflow.StepExpertReview:
			return secOpinions
		case workflow.StepAfter:
			return secExecution
		}
	}
	return secActions
}

func (v *decisionView) section(name string) *[]formView {
	switch name {
	case secDraft:
		return &v.DraftForms
	case secComments:
		return &v.CommentForms
	case secOpinions:
		return &v.OpinionForms
	case secExecution:
		return &v.ExecutionForms
	}
	return &v.Actions
}

// decisionPage assembles the decision page from one engine call (the
// dossier) and the user's capabilities; refused, when not nil, is the
// refusal of the form named form.
func (ui *Pages) decisionPage(c *gin.Context, id int64, form string, refused error) (*page, bool) {
	u := api.CurrentUser(c)
	x, err := ui.engine.Dossier(c.Request.Context(), u, id)
	if err != nil {
		ui.fail(c, err)
		return nil, false
	}
	d := x.Decision
	p := ui.newPage(c, "nav.decisions")
	p.Title = d.Title
	if refused != nil {
		ui.refuse(c, p, form, "", refused)
	}
	v := &decisionView{D: d, Steps: p.steps(x.Checklist), Path: pathTaken(x.Journal), Opinions: x.ExpertOpinions, Verification: x.Verification,
		Life: lifeOf(d, pathTaken(x.Journal)), Execution: x.Execution, Reports: x.ExecutionReports,
		Entry: x.CatalogEntry, Start: x.Start, Hearings: x.Hearings}
	for i := len(x.Drafts) - 1; i >= 0; i-- {
		v.Drafts = append(v.Drafts, x.Drafts[i])
	}
	st, _ := workflow.LookupState(d.State)
	v.Frozen = !st.DraftEditable
	v.Attachments = x.Attachments
	ui.placeForms(p, v, x, ui.engine.Capabilities(u, d))
	if refused != nil && !v.shows(form) {
		v.Alert = p.Err.Message
	}
	p.Data = v
	return p, true
}

// shows reports whether the page has the form.
func (v *decisionView) shows(form string) bool {
	for _, fs := range [][]formView{v.DraftForms, v.CommentForms, v.OpinionForms, v.Actions, v.ExecutionForms, v.AttachmentForms} {
		for _, f := range fs {
			if f.ID == form {
				return true
			}
		}
	}
	for _, cm := range v.Comments {
		for _, f := range cm.Forms {
			if f.ID == form {
				return true
			}
		}
	}
	for _, o := range v.PublicOpinions {
		for _, f := range o.Forms {
			if f.ID == form {
				return true
			}
		}
	}
	return false
}

// placeForms lays out the form of each capability in its section; an
// action taken on a comment gets a form on each comment.
func (ui *Pages) placeForms(p *page, v *decisionView, x *workflow.Dossier, caps []workflow.Capability) {
	base := "/decisions/" + strconv.FormatInt(x.Decision.ID, 10)
	today := ui.engine.Today().String()
	var onComments, onOpinions []workflow.Capability
	for _, cp := range caps {
		if cp.Kind == workflow.KindTransition {
			v.Actions = append(v.Actions, p.formOf(cp, "event-"+cp.Name, base+"/events/"+cp.Name, nil, today))
			continue
		}
		if cp.Name == workflow.RecordAddAttachment {
			v.AttachmentForms = append(v.AttachmentForms, p.uploadForm(cp, base, today))
			continue
		}
		rec := recorders[cp.Name]
		if rec.perComment {
			onComments = append(onComments, cp)
			continue
		}
		if rec.perOpinion {
			onOpinions = append(onOpinions, cp)
			continue
		}
		sec := v.section(sectionOf(cp))
		*sec = append(*sec, p.formOf(cp, "record-"+cp.Name, base+"/records/"+cp.Name, rec.defaults(x, nil), today))
	}
	for i := range x.Comments {
		cm := &x.Comments[i]
		row := commentRow{Comment: *cm}
		for _, cp := range onComments {
			cid := strconv.FormatInt(cm.ID, 10)
			f := p.formOf(cp, "record-"+cp.Name+"-"+cid, base+"/comments/"+cid+"/records/"+cp.Name, recorders[cp.Name].defaults(x, cm), today)
			f.Inline = true
			row.Forms = append(row.Forms, f)
		}
		v.Comments = append(v.Comments, row)
	}
	v.PublicOpinions = opinionRows(p, x, onOpinions, base, today)
	if len(v.Actions) > 0 && !v.Actions[0].Danger {
		v.Actions[0].Open = true
	}
}

func (ui *Pages) decision(c *gin.Context) {
	id, ok := ui.pathID(c, "id")
	if !ok {
		return
	}
	if p, ok := ui.decisionPage(c, id, "", nil); ok {
		ui.render(c, http.StatusOK, "decision", p)
	}
}

// afterAction redirects to the section on success, or re-renders the
// decision page with the refusal on its form.
func (ui *Pages) afterAction(c *gin.Context, id int64, form, section string, err error) {
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/decisions/"+strconv.FormatInt(id, 10)+"?ok=1#"+section)
		return
	}
	if p, ok := ui.decisionPage(c, id, form, err); ok {
		ui.render(c, p.Err.Status, "decision", p)
	}
}

// postForm is the posted form, parsed.
func postForm(c *gin.Context) map[string][]string {
	_ = c.Request.ParseForm()
	return c.Request.PostForm
}

// fire fires the event its form names with the data decoded from it.
func (ui *Pages) fire(c *gin.Context) {
	id, ok := ui.pathID(c, "id")
	if !ok {
		return
	}
	ev, known := workflow.LookupEvent(c.Param("event"))
	if !known {
		ui.fail(c, workflow.Errorf(workflow.ENOTFOUND, "not found"))
		return
	}
	raw, err := decodeForm(ev.Fields, postForm(c))
	if err == nil {
		_, err = ui.api.Fire(c.Request.Context(), api.CurrentUser(c), id, ev.Name, raw, 0)
	}
	ui.afterAction(c, id, "event-"+ev.Name, secActions, err)
}

// record takes the record action its form names, on the decision or on
// one of its comments.
func (ui *Pages) record(c *gin.Context) {
	id, ok := ui.pathID(c, "id")
	if !ok {
		return
	}
	def, known := workflow.LookupAction(c.Param("action"))
	rec, has := recorders[def.Name]
	if !known || !has {
		ui.fail(c, workflow.Errorf(workflow.ENOTFOUND, "not found"))
		return
	}
	r := recordCall{ctx: c.Request.Context(), engine: ui.engine, user: api.CurrentUser(c), id: id}
	form := "record-" + def.Name
	for _, target := range []string{"comment_id", "opinion_id"} {
		if c.Param(target) != "" {
			if r.target, ok = ui.pathID(c, target); !ok {
				return
			}
			form += "-" + c.Param(target)
		}
	}
	raw, err := decodeForm(def.Fields, postForm(c))
	if err == nil {
		err = rec.call(r, raw)
	}
	cp := workflow.Capability{Name: def.Name, Kind: workflow.KindRecord, Step: def.Step}
	ui.afterAction(c, id, form, sectionOf(cp), err)
}

type journalView struct {
	D            *workflow.Decision
	Entries      []workflow.JournalEntry
	Verification workflow.Verification
}

// journal shows the decision's journal and its verification, from the dossier.
func (ui *Pages) journal(c *gin.Context) {
	id, ok := ui.pathID(c, "id")
	if !ok {
		return
	}
	x, err := ui.engine.Dossier(c.Request.Context(), api.CurrentUser(c), id)
	if err != nil {
		ui.fail(c, err)
		return
	}
	p := ui.newPage(c, "j.title")
	p.Data = journalView{D: x.Decision, Entries: x.Journal, Verification: x.Verification}
	ui.render(c, http.StatusOK, "journal", p)
}
