package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"decisionflow/workflow"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gin-gonic/gin"
)

// validator checks requests against openapi.yaml before any handler runs.
type validator struct {
	doc    *openapi3.T
	router routers.Router
}

func newValidator(spec []byte) (*validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.yaml is not valid: %w", err)
	}
	doc.Servers = nil // match paths whatever the host
	r, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &validator{doc: doc, router: r}, nil
}

// validateRequest validates parameters and body against the document. A
// request with no body type is taken as JSON; problems are 400 with fields.
func (s *Server) validateRequest(c *gin.Context) {
	req := c.Request
	route, params, err := s.validate.router.FindRoute(req)
	if err != nil {
		c.Next() // not in the document: Gin's 404/405 answer
		return
	}
	body, err := readBody(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if !utf8.Valid(body) {
		// JSON decoders would swap the bad bytes for U+FFFD and store
		// something other than what was sent: refuse instead.
		s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "body", Message: "must be valid UTF-8"}))
		return
	}
	if len(body) > 0 || req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch {
		ct := req.Header.Get("Content-Type")
		if ct == "" {
			req.Header.Set("Content-Type", "application/json")
		} else if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" && route.Operation.RequestBody != nil {
			s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "Content-Type", Message: "must be application/json"}))
			return
		}
	}
	if len(body) == 0 && route.Operation.RequestBody != nil && route.Operation.RequestBody.Value.Required {
		s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "body", Message: "a JSON body is required"}))
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	err = openapi3filter.ValidateRequest(req.Context(), in)
	req.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		fields := fieldErrors(err, nil)
		if len(fields) == 0 {
			fields = []workflow.FieldError{{Field: "body", Message: "the request does not match the API"}}
		}
		s.writeError(c, workflow.Invalid(fields...))
		return
	}
	c.Next()
}

var (
	unsupported = regexp.MustCompile(`^property "([^"]+)" is unsupported$`)
	missing     = regexp.MustCompile(`^property "([^"]+)" is missing$`)
)

// fieldErrors flattens kin-openapi's errors into field errors, naming the
// field by its JSON path and never echoing Go's decoder messages.
func fieldErrors(err error, out []workflow.FieldError) []workflow.FieldError {
	if se := discriminatedOneOf(err); se != nil {
		// The events endpoint: `event` chose one schema; name the fields of
		// that one rather than the alternatives it was not checked against.
		if inner, ok := discriminated(se); ok {
			return fieldErrors(inner, out)
		}
		field := fieldPath(se.JSONPointer())
		if field == "" {
			field = "body"
		}
		return append(out, workflow.FieldError{Field: field, Message: "must be a JSON object"})
	}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		for _, e := range me {
			out = fieldErrors(e, out)
		}
		return out
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		if re.Parameter != nil {
			msg := "is invalid"
			var se *openapi3.SchemaError
			if errors.As(re.Err, &se) {
				msg = se.Reason
			} else if sr := re.Parameter.Schema; sr != nil && sr.Value != nil && sr.Value.Type.Is("integer") {
				msg = "must be an integer"
			}
			return append(out, workflow.FieldError{Field: re.Parameter.Name, Message: msg})
		}
		if re.Err != nil {
			var me2 openapi3.MultiError
			var se *openapi3.SchemaError
			if errors.As(re.Err, &me2) || errors.As(re.Err, &se) {
				return fieldErrors(re.Err, out)
			}
		}
		return append(out, workflow.FieldError{Field: "body", Message: "malformed JSON"})
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		path := se.JSONPointer()
		msg := se.Reason
		if m := unsupported.FindStringSubmatch(se.Reason); m != nil {
			path = append(path, m[1])
			msg = "is not a field of this request"
		} else if m := missing.FindStringSubmatch(se.Reason); m != nil {
			if len(path) == 0 || path[len(path)-1] != m[1] {
				path = append(path, m[1])
			}
			msg = "is required"
		} else if se.SchemaField == "discriminator" {
			path, msg = discriminatorError(se, path)
		}
		field := fieldPath(path)
		if field == "" {
			field = "body"
		}
		return append(out, workflow.FieldError{Field: field, Message: msg})
	}
	return append(out, workflow.FieldError{Field: "body", Message: "the request does not match the API"})
}

var index = regexp.MustCompile(`^[0-9]+$`)

// fieldPath writes a JSON pointer as the engine names fields:
// data.meeting.attendees[0].name.
func fieldPath(path []string) string {
	var b strings.Builder
	for _, p := range path {
		switch {
		case index.MatchString(p):
			b.WriteString("[" + p + "]")
		case b.Len() > 0:
			b.WriteString("." + p)
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}

// discriminatedOneOf returns the error of a discriminated oneOf, on its
// own or as the error of the request body, or nil.
func discriminatedOneOf(err error) *openapi3.SchemaError {
	if re, ok := err.(*openapi3filter.RequestError); ok && re.Parameter == nil {
		err = re.Err
	}
	se, ok := err.(*openapi3.SchemaError)
	if !ok || se.SchemaField != "oneOf" || se.Schema == nil || se.Schema.Discriminator == nil {
		return nil
	}
	return se
}

// discriminated returns the errors of the one schema a discriminated oneOf
// checked an object against (false for a value that is no object, checked
// against every alternative).
func discriminated(se *openapi3.SchemaError) (openapi3.MultiError, bool) {
	if se.Origin == nil {
		return nil, false
	}
	if _, isObject := se.Value.(map[string]any); !isObject {
		return nil, false
	}
	var inner openapi3.MultiError
	if !errors.As(se.Origin, &inner) || len(inner) == 0 {
		return nil, false
	}
	return inner, true
}

// discriminatorError names the discriminating property (`event`) of a body
// that lacks it or gives a value the document does not map.
func discriminatorError(se *openapi3.SchemaError, path []string) ([]string, string) {
	d := se.Schema.Discriminator
	path = append(path, d.PropertyName)
	switch se.Value.(type) {
	case nil:
		return path, "is required"
	case string:
		names := make([]string, 0, len(d.Mapping))
		for name := range d.Mapping {
			names = append(names, name)
		}
		sort.Strings(names)
		return path, fmt.Sprintf("is not a known %s: must be one of %s", d.PropertyName, strings.Join(names, ", "))
	default:
		return path, "must be a string"
	}
}
