package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// ERateLimited is the code of a request refused by a rate limit (429), an
// HTTP-only code beside workflow's.
const ERateLimited = "rate_limited"

// The other HTTP-only error codes.
const (
	eTooLarge    = "too_large"
	eIdemReused  = "idempotency-key-reused"
	eIdemPending = "idempotency-key-in-progress"
)

// problemClass is how one error code is shown: its status, stable rule id
// (unless the error names a rule) and title.
type problemClass struct {
	status int
	rule   string
	title  string
}

// problemClasses is the one table from error code to HTTP status.
var problemClasses = map[string]problemClass{
	workflow.EINVALID:         {http.StatusBadRequest, "invalid-request", "The request is invalid"},
	workflow.EUNAUTHENTICATED: {http.StatusUnauthorized, "unauthenticated", "Sign-in required"},
	workflow.EFORBIDDEN:       {http.StatusForbidden, "role-not-allowed", "Your role may not do this"},
	workflow.ENOTFOUND:        {http.StatusNotFound, "not-found", "Not found"},
	workflow.ECONFLICT:        {http.StatusConflict, "event-not-allowed", "Not allowed in the current state"},
	workflow.EEXISTS:          {http.StatusConflict, "already-exists", "Already exists"},
	workflow.EVERSION:         {http.StatusPreconditionFailed, "version-mismatch", "The decision has changed"},
	workflow.ERULE:            {http.StatusUnprocessableEntity, "", "A legal rule was violated"},
	workflow.EUNAVAILABLE:     {http.StatusServiceUnavailable, "unavailable", "The database cannot be reached"},
	workflow.EINTERNAL:        {http.StatusInternalServerError, "internal", "Internal error"},
	eTooLarge:                 {http.StatusRequestEntityTooLarge, "body-too-large", "The request body is too large"},
	ERateLimited:              {http.StatusTooManyRequests, "rate-limited", "Too many requests"},
	eIdemReused:               {http.StatusUnprocessableEntity, "idempotency-key-reused", "The Idempotency-Key was used with another request"},
	eIdemPending:              {http.StatusConflict, "idempotency-key-in-progress", "The first request with this Idempotency-Key is still running"},
}

// ProblemRules are the rule ids the table gives errors that name no legal
// rule of their own ("not-found", "rate-limited", …), for the pages'
// translations.
func ProblemRules() []string {
	var out []string
	for _, c := range problemClasses {
		if c.rule != "" {
			out = append(out, c.rule)
		}
	}
	return out
}

// Problem is an RFC 9457 problem document: how the API answers an error,
// and what the pages show of one (its status and rule).
type Problem struct {
	Type          string                `json:"type"`
	Title         string                `json:"title"`
	Status        int                   `json:"status"`
	Detail        string                `json:"detail,omitempty"`
	Rule          string                `json:"rule"`
	State         workflow.State        `json:"state,omitempty"`
	AllowedEvents []string              `json:"allowed_events,omitempty"`
	Errors        []workflow.FieldError `json:"errors,omitempty"`
}

// ToProblem maps any error to the problem shown to the client: the one
// mapping from error to HTTP status. Internal errors show nothing of their cause.
func ToProblem(err error) Problem {
	var we *workflow.Error
	if !errors.As(err, &we) {
		we = workflow.Internal(err)
	}
	class, ok := problemClasses[we.Code]
	if !ok {
		class = problemClasses[workflow.EINTERNAL]
	}
	p := Problem{Title: class.title, Status: class.status, Rule: class.rule, Detail: we.Message}
	if we.Code == workflow.ERULE {
		p.Rule = we.Rule
	}
	if class.status >= 500 {
		p.Detail = class.title
	}
	if we.Code == workflow.ECONFLICT {
		p.State = we.State
		p.AllowedEvents = we.AllowedEvents
		if p.AllowedEvents == nil {
			p.AllowedEvents = []string{}
		}
	}
	if we.Code == workflow.EINVALID {
		p.Errors = we.Fields
		if p.Errors == nil {
			p.Errors = []workflow.FieldError{}
		}
	}
	p.Type = "urn:decisionflow:problem:" + p.Rule
	return p
}

// writeError writes err as problem+json, logs what the client is not told,
// and counts rule refusals.
func (s *Server) writeError(c *gin.Context, err error) {
	p := ToProblem(err)
	if p.Status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "request failed", "request_id", RequestID(c), "status", p.Status, "error", err.Error())
	}
	s.Refused(err)
	if p.Status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "5")
	}
	writeProblem(c, p)
}

func writeProblem(c *gin.Context, p Problem) {
	b, err := json.Marshal(p)
	if err != nil {
		b = []byte(`{"type":"urn:decisionflow:problem:internal","title":"Internal error","status":500,"rule":"internal"}`)
		p.Status = 500
	}
	c.Abort()
	c.Data(p.Status, "application/problem+json", b)
}

// isAPI reports whether a path belongs to the JSON API (errors as problem+json).
func isAPI(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz" || path == "/metrics"
}
