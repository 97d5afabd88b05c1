package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
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
	// routes caches the document's route of each Gin route ("METHOD
	// /path/:param"), found once; the request's parameters come from Gin.
	routes sync.Map
	// bodies holds, per operation whose body is a oneOf discriminated by a
	// property (the events), the schema of each value of that property.
	bodies map[*openapi3.Operation]*discriminatedBody
}

// discriminatedBody is a request body that is one of several schemas,
// chosen by the value of one property.
type discriminatedBody struct {
	property string
	schemas  map[string]*openapi3.Schema
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
	return &validator{doc: doc, router: r, bodies: discriminatedBodies(doc)}, nil
}

// discriminatedBodies finds the operations whose JSON body is a oneOf with
// a discriminator mapping, and resolves each mapped schema.
func discriminatedBodies(doc *openapi3.T) map[*openapi3.Operation]*discriminatedBody {
	out := map[*openapi3.Operation]*discriminatedBody{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			mt := op.RequestBody.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
				continue
			}
			sc := mt.Schema.Value
			if len(sc.OneOf) == 0 || sc.Discriminator == nil || len(sc.Discriminator.Mapping) == 0 {
				continue
			}
			byRef := map[string]*openapi3.Schema{}
			for _, alt := range sc.OneOf {
				byRef[alt.Ref] = alt.Value
			}
			b := &discriminatedBody{property: sc.Discriminator.PropertyName, schemas: map[string]*openapi3.Schema{}}
			for value, ref := range sc.Discriminator.Mapping {
				if alt := byRef[ref.Ref]; alt != nil {
					b.schemas[value] = alt
				}
			}
			out[op] = b
		}
	}
	return out
}

// cachedRoute is a document route with the names of its path parameters.
type cachedRoute struct {
	route  *routers.Route
	params []string
}

// findRoute returns the document's route of the request and its path
// parameters: from the cache by Gin's route when Gin's parameters are the
// document's, else by the document's router.
func (v *validator) findRoute(c *gin.Context) (*routers.Route, map[string]string, error) {
	key := c.Request.Method + " " + c.FullPath()
	if cr, ok := v.routes.Load(key); ok {
		r := cr.(*cachedRoute)
		params := make(map[string]string, len(r.params))
		for _, name := range r.params {
			params[name] = c.Param(name)
		}
		return r.route, params, nil
	}
	route, params, err := v.router.FindRoute(c.Request)
	if err != nil || c.FullPath() == "" {
		return route, params, err
	}
	same := len(params) == len(c.Params)
	names := make([]string, 0, len(params))
	for name, value := range params {
		if got, ok := c.Params.Get(name); !ok || got != value {
			same = false
		}
		names = append(names, name)
	}
	if same {
		v.routes.Store(key, &cachedRoute{route: route, params: names})
	}
	return route, params, nil
}

// validateDiscriminated validates a discriminated body against the one
// schema its property selects, once (kin-openapi visits a oneOf's chosen
// schema twice, on a deep copy). It reports false when the body is not an
// object naming a known schema: the whole document's validation then
// gives the error.
func (v *validator) validateDiscriminated(op *openapi3.Operation, body []byte) (error, bool) {
	b := v.bodies[op]
	if b == nil {
		return nil, false
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return nil, false
	}
	obj, ok := value.(map[string]any)
	if !ok {
		return nil, false
	}
	name, _ := obj[b.property].(string)
	sc := b.schemas[name]
	if sc == nil {
		return nil, false
	}
	return sc.VisitJSON(value, openapi3.VisitAsRequest(), openapi3.MultiErrors()), true
}

// validateRequest validates parameters and body against the document. A
// request with no body type is taken as JSON; problems are 400 with fields.
func (s *Server) validateRequest(c *gin.Context) {
	req := c.Request
	route, params, err := s.validate.findRoute(c)
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
	opts := &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		SkipSettingDefaults: true}
	bodyErr, bodyDone := s.validate.validateDiscriminated(route.Operation, body)
	opts.ExcludeRequestBody = bodyDone
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	err = openapi3filter.ValidateRequest(req.Context(), in)
	req.Body = io.NopCloser(bytes.NewReader(body))
	if err == nil && bodyErr != nil {
		err = bodyErr
	} else if err != nil && bodyErr != nil {
		err = openapi3.MultiError{err, bodyErr}
	}
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
