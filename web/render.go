package web

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the templates of the UI, each parsed once at start together with
// the layout and the shared partials (forms.html: the generic forms).
var pages = []string{"login", "dashboard", "decisions", "new", "decision", "journal", "consultations", "consultation", "thanks", "users", "error", "dossier", "stats", "calendar", "password", "public_decisions", "public_decision", "catalog"}

type views map[string]*template.Template

var funcs = template.FuncMap{
	// tally reads a collective event's data and counts its meeting (Art 30).
	"tally": func(raw json.RawMessage) workflow.MeetingTally {
		var data struct {
			Meeting *workflow.Meeting `json:"meeting"`
		}
		if json.Unmarshal(raw, &data) != nil || data.Meeting == nil {
			return workflow.MeetingTally{}
		}
		return data.Meeting.Tally()
	},
	"json": func(raw json.RawMessage) string {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return string(raw)
		}
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	},
	"inc":       func(i int) int { return i + 1 },
	"overdueOf": overdue,
	// data opens an event's JSON data for the template.
	"data": func(raw json.RawMessage) map[string]any {
		m := map[string]any{}
		_ = json.Unmarshal(raw, &m)
		return m
	},
	// has reports whether an event's data names the field (false included).
	"has": func(m map[string]any, k string) bool {
		_, ok := m[k]
		return ok
	},
	"printCSS": func() template.CSS {
		b, _ := staticFS.ReadFile("static/print.css")
		return template.CSS(b)
	},
	"map": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"short": func(h string) string {
		if len(h) > 12 {
			return h[:12] + "…"
		}
		return h
	},
}

func parseViews() (views, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/forms.html")
	if err != nil {
		return nil, err
	}
	out := views{}
	for _, name := range pages {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// formError is a refused action shown on its form: the message beside the
// field it concerns (or atop the form), what the user typed kept.
type formError struct {
	Form    string
	Field   string
	Message string
	Status  int
}

// page is what every template gets.
type page struct {
	Lang   string
	Path   string
	CSRF   string
	User   *workflow.User
	Title  string
	Notice string
	Err    *formError
	Data   any
	// Files are the attachments a page lists beside its data (the public
	// draft explanation of a consultation).
	Files []workflow.Attachment
	typed url.Values
	loc   *time.Location
}

func (ui *Pages) newPage(c *gin.Context, titleKey string) *page {
	p := &page{Lang: c.GetString(ctxLang), Path: c.Request.URL.RequestURI(), CSRF: c.GetString(ctxCSRF), User: api.CurrentUser(c), loc: ui.engine.Settings().Location}
	if p.Lang == "" {
		p.Lang = langZH
	}
	p.Title = p.T(titleKey)
	if c.Query("ok") != "" {
		p.Notice = p.T("common.saved")
	}
	return p
}

func (ui *Pages) render(c *gin.Context, status int, name string, p *page) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := ui.views[name].ExecuteTemplate(c.Writer, "layout", p); err != nil {
		ui.log.ErrorContext(c.Request.Context(), "render", "request_id", api.RequestID(c), "template", name, "error", err.Error())
	}
}

// fail renders the error page for a failure outside any form.
func (ui *Pages) fail(c *gin.Context, err error) {
	p := ui.newPage(c, "common.error")
	ui.refuse(c, p, "", "", err)
	if p.Err.Status >= 500 {
		ui.log.ErrorContext(c.Request.Context(), "page failed", "request_id", api.RequestID(c), "error", err.Error())
	}
	ui.render(c, p.Err.Status, "error", p)
}

// pathID reads a positive integer path parameter; a page that cannot be is
// not found.
func (ui *Pages) pathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		ui.fail(c, workflow.Errorf(workflow.ENOTFOUND, "not found"))
		return 0, false
	}
	return id, true
}

// T translates a key.
func (p *page) T(key string) string { return tr(p.Lang, key) }

// Tf translates a key holding a format. An optional id (a decision's
// supersedes or superseded_by) comes from a template as its pointer: it is
// formatted as the number, not the address.
func (p *page) Tf(key string, args ...any) string {
	for i, a := range args {
		if n, ok := a.(*int64); ok && n != nil {
			args[i] = *n
		}
	}
	return fmt.Sprintf(p.T(key), args...)
}

// Date writes a date in the page's language.
func (p *page) Date(d workflow.Date) string { return formatDate(p.Lang, d) }

// DateP writes an optional date.
func (p *page) DateP(d *workflow.Date) string {
	if d == nil {
		return ""
	}
	return p.Date(*d)
}

// Time writes an instant in the town's zone.
func (p *page) Time(t time.Time) string { return formatTime(p.Lang, t, p.loc) }

// TimeP writes an optional instant.
func (p *page) TimeP(t *time.Time) string {
	if t == nil {
		return ""
	}
	return p.Time(*t)
}

// OtherLang is the language the switch leads to.
func (p *page) OtherLang() string {
	if p.Lang == langEN {
		return langZH
	}
	return langEN
}

// LangURL is the switch's link back to this page.
func (p *page) LangURL() string { return "/lang/" + p.OtherLang() + "?next=" + url.QueryEscape(p.Path) }

// refused reports whether the form is the one refused.
func (p *page) refused(form string) bool { return p.Err != nil && p.Err.Form == form }

// FieldError is the message for a field of a form, if that form was refused there.
func (p *page) FieldError(form, field string) string {
	if p.refused(form) && p.Err.Field == field {
		return p.Err.Message
	}
	return ""
}

// FormError is what stands atop a refused form: the message itself when it
// concerns no one field, else a pointer to the marked field.
func (p *page) FormError(form string) string {
	if !p.refused(form) {
		return ""
	}
	if p.Err.Field == "" {
		return p.Err.Message
	}
	return p.T("common.error") + "：" + p.Err.Message
}

// Val is what the user typed in a refused form, or def.
func (p *page) Val(form, field, def string) string {
	if p.refused(form) && p.typed != nil {
		if v, ok := p.typed[field]; ok {
			return strings.Join(v, "\n")
		}
	}
	return def
}

// Checked is whether a checkbox is ticked: as the user left it in a
// refused form, else def.
func (p *page) Checked(form, field string, def bool) bool {
	if p.refused(form) {
		return p.typed.Get(field) != ""
	}
	return def
}

// Selected reports whether value was chosen for field in a refused form, or is def.
func (p *page) Selected(form, field, value, def string) bool {
	return p.Val(form, field, def) == value
}

var fieldIndex = regexp.MustCompile(`\[\d+\]`)

// ruleFields names the form field a rule concerns; a form without that
// field shows the rule's message atop it.
var ruleFields = map[string]string{
	workflow.RuleExcludedCategory:        "category",
	workflow.RuleCommentPeriodTooShort:   "closes_on",
	workflow.RuleCommentPeriodInvalid:    "opens_on",
	workflow.RuleCommentPeriodAlreadySet: "opens_on",
	workflow.RuleCommentWindowClosed:     "content",
	workflow.RuleAdoptionReportRequired:  "adoption_report",
	workflow.RuleExpertOpinionUnsigned:   "signed",
	workflow.RuleExpertConflict:          "conflict_of_interest",
	workflow.RuleRiskReportIncomplete:    "risk_points",
	workflow.RuleRiskUncontrollable:      "conclusion",
	workflow.RuleLegalityOpinionRequired: "opinion",
	workflow.RuleLegalityNotLawful:       "authority",
	workflow.RuleMeetingKindInvalid:      "kind",
	workflow.RuleMeetingAttendees:        "attendees",
	workflow.RuleDepartureReasonRequired: "departure_reason",
	workflow.RulePartyReportRequired:     "party_reported_on",
	workflow.RulePublicationIncomplete:   "published_on",
	workflow.RuleArchiveNoRequired:       "archive_no",
	workflow.RuleReasonRequired:          "reason",
	workflow.RuleMeetingQuorumNotMet:     "members_total",
	workflow.RuleHeadMustSpeakLast:       "attendees",
	workflow.RuleDecidedTextRequired:     "final_text",
	workflow.RuleReviewTimeTooShort:      "review_requested_by",
	workflow.RuleDraftUnderConsultation:  "text",
}

// refuse shows a refused action on its form (form "" for the error page)
// and has the API's server count a rule refusal.
func (ui *Pages) refuse(c *gin.Context, p *page, form, defaultField string, err error) {
	ui.api.Refused(err)
	pr := api.ToProblem(err)
	fe := &formError{Form: form, Status: pr.Status, Message: p.T("rule.internal")}
	if pr.Rule != "" && messages["rule."+pr.Rule] != [2]string{} {
		fe.Message = p.T("rule." + pr.Rule)
	}
	var we *workflow.Error
	if errors.As(err, &we) {
		switch we.Code {
		case workflow.ERULE:
			fe.Field = ruleFields[we.Rule]
		case workflow.EINVALID:
			if len(we.Fields) > 0 {
				f := formField(we.Fields[0].Field)
				fe.Field = f
				fe.Message = p.T("rule.invalid-request") + "（" + p.T("field."+f) + "）"
				if p.Lang == langEN {
					fe.Message = p.T("field."+f) + ": " + we.Fields[0].Message
				}
			}
		case workflow.EUNAUTHENTICATED:
			fe.Field = defaultField
		}
	}
	p.Err = fe
	_ = c.Request.ParseForm()
	p.typed = c.Request.PostForm
}

// formField names the input of a form an invalid field of the data is
// shown on: "data.meeting.attendees[2].name" is on the attendee table.
func formField(f string) string {
	f = strings.TrimPrefix(f, "data.")
	f = strings.TrimPrefix(f, "meeting.")
	if strings.HasPrefix(f, "attendees") {
		return "attendees"
	}
	return fieldIndex.ReplaceAllString(f, "")
}

// staticHandler serves the embedded stylesheets.
func staticHandler() gin.HandlerFunc {
	fs := http.FileServer(http.FS(staticFS))
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		fs.ServeHTTP(c.Writer, c.Request)
	}
}
