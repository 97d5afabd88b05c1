package web

import (
	"encoding/json"
	"strconv"
	"strings"

	"decisionflow/workflow"
)

// The form of every event and record action is generated from the fields
// the workflow table declares for it (workflow.Field): one template renders
// any of them (forms.html, "capform"), and decodeForm turns any of them,
// posted, into the JSON data the engine decodes. Labels are the
// translations field.<name> (or field.<event or action>.<name> where one
// form words a field its own way), enumeration values <name>.<value>.

// fieldNumber is a whole number: the meeting's count of members.
const fieldNumber workflow.FieldKind = "number"

// The meeting's minutes (workflow.Meeting): the inputs above the attendee
// table, the columns of its rows (workflow.Attendee, inputs named
// <column>_<row>) and the departure reason below it.
var (
	meetingFields = []workflow.Field{
		{Name: "kind", Kind: workflow.FieldEnum, Values: workflow.MeetingKinds},
		{Name: "held_on", Kind: workflow.FieldDate},
		{Name: "location", Kind: workflow.FieldText},
		{Name: "members_total", Kind: fieldNumber, Optional: true},
	}
	attendeeFields = []workflow.Field{
		{Name: "name", Kind: workflow.FieldText},
		{Name: "position", Kind: workflow.FieldText},
		{Name: "is_head", Kind: workflow.FieldBool},
		{Name: "is_member", Kind: workflow.FieldBool},
		{Name: "opinion", Kind: workflow.FieldEnum, Values: workflow.Opinions, Optional: true},
		{Name: "statement", Kind: workflow.FieldText},
	}
	departureReason = workflow.Field{Name: "departure_reason", Kind: workflow.FieldTextarea, Optional: true}
)

const (
	// attendeeRows is how many rows of the attendee table a form shows;
	// maxAttendeeRows how many decodeForm reads.
	attendeeRows    = 7
	maxAttendeeRows = 50
)

// decodeForm turns a posted form into the JSON data of a capability with
// these fields: text, textarea, date and enum fields are strings, a
// checkbox is true or false, a list is the non-blank lines of its textarea,
// a meeting is the minutes with the attendee table (blank rows skipped).
// A blank optional field is left out; the engine checks the rest.
func decodeForm(fields []workflow.Field, form map[string][]string) ([]byte, error) {
	data := map[string]any{}
	for _, f := range fields {
		if v, ok := formValue(f, f.Name, form); ok {
			data[f.Name] = v
		}
	}
	return json.Marshal(data)
}

// formValue reads the field from the input named name.
func formValue(f workflow.Field, name string, form map[string][]string) (any, bool) {
	var v string
	if vs := form[name]; len(vs) > 0 {
		v = vs[0]
	}
	switch f.Kind {
	case workflow.FieldBool:
		return v != "", true
	case workflow.FieldList:
		l := lines(v)
		return l, len(l) > 0 || !f.Optional
	case workflow.FieldMeeting:
		return meetingFromForm(form), true
	case fieldNumber:
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return n, true
		}
		// Not a number: the engine names the field in its refusal.
		return v, strings.TrimSpace(v) != ""
	}
	return v, strings.TrimSpace(v) != "" || !f.Optional
}

// meetingFromForm reads the minutes and the rows of the attendee table that
// have something written in them.
func meetingFromForm(form map[string][]string) map[string]any {
	m := map[string]any{}
	for _, f := range append(meetingFields, departureReason) {
		if v, ok := formValue(f, f.Name, form); ok {
			m[f.Name] = v
		}
	}
	attendees := []map[string]any{}
	for i := 0; i < maxAttendeeRows; i++ {
		row, written := map[string]any{}, false
		for _, f := range attendeeFields {
			v, ok := formValue(f, f.Name+"_"+strconv.Itoa(i), form)
			if !ok {
				continue
			}
			row[f.Name] = v
			if s, text := v.(string); text && f.Kind == workflow.FieldText && strings.TrimSpace(s) != "" {
				written = true
			}
		}
		if written {
			attendees = append(attendees, row)
		}
	}
	m["attendees"] = attendees
	return m
}

// lines splits a textarea into its non-blank lines.
func lines(v string) []string {
	out := []string{}
	for _, l := range strings.Split(v, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// formView is one capability's form as the page shows it.
type formView struct {
	ID     string // event-<name>, record-<name>, record-<name>-<comment id>
	Action string // where it posts
	Title  string
	Record bool // a record action: a card with a heading; an event: a folding card with its button
	Inline bool // taken on one item of a list (a comment): no heading
	Open   bool
	Danger bool   // the event closes the decision
	Error  string // atop the form
	Fields []fieldView
	// Multipart: the form sends a file (multipart/form-data).
	Multipart bool
}

// fieldView is one input of a form.
type fieldView struct {
	Name, ID, Label, Kind, Value string
	Checked, Optional            bool
	Options                      []optionView
	Error                        string
	Meeting                      *meetingView
}

type optionView struct {
	Value, Label string
	Selected     bool
}

// meetingView is the minutes' inputs and the attendee table.
type meetingView struct {
	Legend, Attendees, Hint string
	Fields                  []fieldView
	Columns                 []string
	Rows                    [][]fieldView
	Error                   string
	DepartureReason         fieldView
}

// formOf lays out a capability's form: each field shows what the user typed
// if this form was refused, else its value in defaults, else nothing; the
// first required date of a form (the day the thing is done) starts as today.
func (p *page) formOf(cp workflow.Capability, id, action string, defaults map[string]string, today string) formView {
	f := formView{ID: id, Action: action, Record: cp.Kind == workflow.KindRecord}
	if f.Record {
		f.Title = p.T("action." + cp.Name)
	} else {
		f.Title = p.T("event." + cp.Name)
		ev, _ := workflow.LookupEvent(cp.Name)
		to, _ := workflow.LookupState(ev.To)
		f.Danger = to.Closed
	}
	dated := false
	for _, fd := range cp.Fields {
		def := defaults[fd.Name]
		if fd.Kind == workflow.FieldDate && !fd.Optional && !dated {
			dated = true
			if def == "" {
				def = today
			}
		}
		fv := p.fieldOf(id, cp.Name, fd, def)
		if fd.Kind == workflow.FieldMeeting {
			fv.Meeting = p.meetingOf(id, today)
		}
		f.Fields = append(f.Fields, fv)
	}
	if p.refused(id) {
		f.Error = p.Err.Message
		if f.marked() {
			f.Error = p.FormError(id)
		}
	}
	return f
}

// marked reports whether a field of the form shows the refusal.
func (f formView) marked() bool {
	for _, fv := range f.Fields {
		if fv.Error != "" {
			return true
		}
		if m := fv.Meeting; m != nil {
			if m.Error != "" || m.DepartureReason.Error != "" {
				return true
			}
			for _, x := range m.Fields {
				if x.Error != "" {
					return true
				}
			}
		}
	}
	return false
}

// fieldOf lays out one field of form (of the capability named cp).
func (p *page) fieldOf(form, cp string, fd workflow.Field, def string) fieldView {
	return p.input(form, cp, fd, fd.Name, def)
}

// input lays out the field fd as the input named name.
func (p *page) input(form, cp string, fd workflow.Field, name, def string) fieldView {
	v := fieldView{Name: name, ID: form + "-" + name, Label: p.label(cp, fd.Name), Kind: string(fd.Kind),
		Optional: fd.Optional, Error: p.FieldError(form, name)}
	switch fd.Kind {
	case workflow.FieldBool:
		v.Checked = p.Checked(form, name, def != "")
	case workflow.FieldEnum:
		if def == "" && !fd.Optional && len(fd.Values) > 0 {
			def = fd.Values[0]
		}
		for _, val := range fd.Values {
			v.Options = append(v.Options, optionView{Value: val, Label: p.T(fd.Name + "." + val), Selected: p.Selected(form, name, val, def)})
		}
	default:
		v.Value = p.Val(form, name, def)
	}
	return v
}

// label is the field's label on the capability's form.
func (p *page) label(cp, name string) string {
	if k := "field." + cp + "." + name; messages[k] != [2]string{} {
		return p.T(k)
	}
	return p.T("field." + name)
}

// meetingOf lays out the minutes: the meeting held today, attendees
// members unless unticked.
func (p *page) meetingOf(form, today string) *meetingView {
	m := &meetingView{Legend: p.T("field.meeting"), Attendees: p.T("field.attendees"), Hint: p.T("d.meeting.hint"),
		Error: p.FieldError(form, "attendees"), DepartureReason: p.fieldOf(form, "", departureReason, "")}
	for _, f := range meetingFields {
		def := ""
		if f.Kind == workflow.FieldDate {
			def = today
		}
		m.Fields = append(m.Fields, p.fieldOf(form, "", f, def))
	}
	for _, f := range attendeeFields {
		m.Columns = append(m.Columns, p.T("field."+f.Name))
	}
	for i := 0; i < attendeeRows; i++ {
		var row []fieldView
		for _, f := range attendeeFields {
			def := ""
			if f.Name == "is_member" {
				def = "1" // workflow.Attendee: a member unless said otherwise
			}
			fv := p.input(form, "", f, f.Name+"_"+strconv.Itoa(i), def)
			fv.Label = p.T("field."+f.Name) + " " + strconv.Itoa(i)
			row = append(row, fv)
		}
		m.Rows = append(m.Rows, row)
	}
	return m
}
