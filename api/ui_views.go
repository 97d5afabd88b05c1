package api

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the templates of the UI, each parsed once at start together with
// the layout and the shared partials.
var pages = []string{"login", "dashboard", "decisions", "new", "decision", "journal", "consultations", "consultation", "thanks", "users", "error", "dossier", "stats", "calendar"}

type views map[string]*template.Template

func parseViews() (views, error) {
	funcs := template.FuncMap{
		"json": func(raw json.RawMessage) string {
			var v any
			if json.Unmarshal(raw, &v) != nil {
				return string(raw)
			}
			b, _ := json.MarshalIndent(v, "", "  ")
			return string(b)
		},
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out
		},
		"lines":     func(vs []string) string { return strings.Join(vs, "\n") },
		"inc":       func(i int) int { return i + 1 },
		"overdueOf": overdue,
		// data opens an event's JSON data for the template.
		"data": func(raw json.RawMessage) map[string]any {
			m := map[string]any{}
			_ = json.Unmarshal(raw, &m)
			return m
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
	typed  url.Values
	loc    *time.Location
}

func (s *Server) newPage(c *gin.Context, titleKey string) *page {
	p := &page{Lang: c.GetString(ctxLang), Path: c.Request.URL.RequestURI(), CSRF: c.GetString(ctxCSRF), User: currentUser(c), loc: s.engine.Settings().Location}
	if p.Lang == "" {
		p.Lang = langZH
	}
	p.Title = p.T(titleKey)
	if c.Query("ok") != "" {
		p.Notice = p.T("common.saved")
	}
	return p
}

func (s *Server) render(c *gin.Context, status int, name string, p *page) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := s.views[name].ExecuteTemplate(c.Writer, "layout", p); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render", "request_id", requestID(c), "template", name, "error", err.Error())
	}
}

// T translates a key.
func (p *page) T(key string) string { return tr(p.Lang, key) }

// Tf translates a key holding a format.
func (p *page) Tf(key string, args ...any) string { return fmt.Sprintf(p.T(key), args...) }

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

// FieldError is the message for a field of a form, if that form was refused there.
func (p *page) FieldError(form, field string) string {
	if p.Err != nil && p.Err.Form == form && p.Err.Field == field {
		return p.Err.Message
	}
	return ""
}

// FormError is what stands atop a refused form: the message itself when it
// concerns no one field, else a pointer to the marked field.
func (p *page) FormError(form string) string {
	if p.Err == nil || p.Err.Form != form {
		return ""
	}
	if p.Err.Field == "" {
		return p.Err.Message
	}
	return p.T("common.error") + "：" + p.Err.Message
}

// Val is what the user typed in a refused form, or def.
func (p *page) Val(form, field, def string) string {
	if p.Err != nil && p.Err.Form == form && p.typed != nil {
		if v, ok := p.typed[field]; ok {
			return strings.Join(v, "\n")
		}
	}
	return def
}

// Checked reports a checkbox ticked in a refused form.
func (p *page) Checked(form, field string) bool {
	return p.Err != nil && p.Err.Form == form && p.typed.Get(field) != ""
}

// Selected reports whether value was chosen for field in a refused form, or is def.
func (p *page) Selected(form, field, value, def string) bool {
	return p.Val(form, field, def) == value
}

var fieldIndex = regexp.MustCompile(`\[\d+\]`)

// ruleFields names the form field a rule concerns.
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
}

// refusal shows a refused action on its form, and counts a rule refusal as
// writeError does for the API.
func (s *Server) refusal(c *gin.Context, p *page, form, defaultField string, err error) {
	if workflow.ErrorCode(err) == workflow.ERULE {
		s.metrics.ruleRefusals.WithLabelValues(workflow.ErrorRule(err)).Inc()
	}
	p.fail(c, form, defaultField, err)
}

// fail records a refused action for the form, translated.
func (p *page) fail(c *gin.Context, form, defaultField string, err error) {
	pr := toProblem(err)
	fe := &formError{Form: form, Status: pr.Status}
	switch {
	case pr.Rule != "" && messages["rule."+pr.Rule] != [2]string{}:
		fe.Message = p.T("rule." + pr.Rule)
	default:
		fe.Message = p.T("rule.internal")
	}
	var we *workflow.Error
	if errors.As(err, &we) {
		switch we.Code {
		case workflow.ERULE:
			fe.Field = ruleFields[we.Rule]
			if we.Rule == workflow.RuleReasonRequired {
				switch form {
				case "event-return_legality_review":
					fe.Field = "reasons"
				case "event-resubmit_legality_review":
					fe.Field = "revision_note"
				}
			}
		case workflow.EINVALID:
			if len(we.Fields) > 0 {
				f := we.Fields[0].Field
				f = strings.TrimPrefix(f, "data.")
				f = strings.TrimPrefix(f, "meeting.")
				if strings.HasPrefix(f, "attendees") {
					f = "attendees"
				}
				f = fieldIndex.ReplaceAllString(f, "")
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

// staticHandler serves the embedded stylesheet.
func staticHandler() gin.HandlerFunc {
	fs := http.FileServer(http.FS(staticFS))
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		fs.ServeHTTP(c.Writer, c.Request)
	}
}
