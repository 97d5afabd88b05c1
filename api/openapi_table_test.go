package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"decisionflow/workflow"

	"github.com/getkin/kin-openapi/openapi3"
)

// The tests of this file compare openapi.yaml with the one table of the
// workflow (workflow/table.go) and the engine's data types. Nothing of the
// document is generated: where they differ, the test names the drift.

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid: %v", err)
	}
	return doc
}

// diff returns what want has and got lacks, and what got has beyond want.
func diff(got, want []string) (missing, extra []string) {
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	return missing, extra
}

// sameSet compares the names of openapi.yaml (got) with those of the table
// or of the Go types (want), and tells the difference, or "".
func sameSet(got, want []string) string {
	missing, extra := diff(got, want)
	var msg []string
	if len(missing) > 0 {
		msg = append(msg, fmt.Sprintf("missing from openapi.yaml: %v", missing))
	}
	if len(extra) > 0 {
		msg = append(msg, fmt.Sprintf("only in openapi.yaml: %v", extra))
	}
	if len(msg) == 0 && len(got) != len(want) {
		msg = append(msg, fmt.Sprintf("duplicates in %v", got))
	}
	return strings.Join(msg, "; ")
}

func names[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func enumOf(s *openapi3.Schema) []string {
	var out []string
	for _, v := range s.Enum {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// eventNames are the events a client may fire: every event of the table
// but the internal ones (supersede), which happen only as the effect of
// another and are not part of the API.
func eventNames() []string {
	var out []string
	for _, ev := range workflow.Events {
		if !ev.Internal {
			out = append(out, ev.Name)
		}
	}
	return out
}

func actionNames() []string {
	var out []string
	for _, a := range workflow.Actions {
		out = append(out, a.Name)
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPIEnumsMatchTable: the document's enums of states, roles, events
// and record actions name exactly what workflow/ declares, and an enum of
// rule ids, if the document has one, names exactly workflow.Rules.
func TestOpenAPIEnumsMatchTable(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, c := range []struct {
		schema string
		want   []string
		table  string
	}{
		{"State", names(workflow.States), "workflow.States"},
		{"Role", names(workflow.Roles), "workflow.Roles"},
		{"Event", eventNames(), "workflow.Events"},
		{"Action", actionNames(), "workflow.Actions"},
	} {
		ref := doc.Components.Schemas[c.schema]
		if ref == nil {
			t.Errorf("openapi.yaml has no schema %s (the enum of %s)", c.schema, c.table)
			continue
		}
		if d := sameSet(enumOf(ref.Value), c.want); d != "" {
			t.Errorf("openapi.yaml components.schemas.%s.enum and %s differ: %s", c.schema, c.table, d)
		}
	}
	visitSchemas(doc, func(where string, s *openapi3.Schema) {
		enum := enumOf(s)
		for _, v := range enum {
			if slices.Contains(workflow.Rules, v) {
				if d := sameSet(enum, workflow.Rules); d != "" {
					t.Errorf("openapi.yaml %s: the enum of rule ids and workflow.Rules differ: %s", where, d)
				}
				return
			}
		}
	})
}

// visitSchemas calls fn for every schema of the document, components and
// inline, once each.
func visitSchemas(doc *openapi3.T, fn func(where string, s *openapi3.Schema)) {
	seen := map[*openapi3.Schema]bool{}
	var visit func(where string, r *openapi3.SchemaRef)
	visit = func(where string, r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil || seen[r.Value] {
			return
		}
		seen[r.Value] = true
		s := r.Value
		fn(where, s)
		for _, name := range keys(s.Properties) {
			visit(where+".properties."+name, s.Properties[name])
		}
		visit(where+".items", s.Items)
		for i, x := range slices.Concat(s.OneOf, s.AnyOf, s.AllOf) {
			visit(fmt.Sprintf("%s.of[%d]", where, i), x)
		}
		visit(where+".additionalProperties", s.AdditionalProperties.Schema)
	}
	for _, name := range keys(doc.Components.Schemas) {
		visit("components.schemas."+name, doc.Components.Schemas[name])
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, p := range item.Parameters {
			visit(path+" parameter "+p.Value.Name, p.Value.Schema)
		}
		for method, op := range item.Operations() {
			where := method + " " + path
			for _, p := range op.Parameters {
				visit(where+" parameter "+p.Value.Name, p.Value.Schema)
			}
			if op.RequestBody != nil {
				for mt, m := range op.RequestBody.Value.Content {
					visit(where+" request "+mt, m.Schema)
				}
			}
			for code, r := range op.Responses.Map() {
				for mt, m := range r.Value.Content {
					visit(where+" "+code+" "+mt, m.Schema)
				}
			}
		}
	}
}

// jsonField is one field of a Go data type as encoding/json writes it.
type jsonField struct {
	name string
	typ  reflect.Type
}

// jsonFields lists the JSON fields of a struct type, following embedded
// structs as encoding/json does.
func jsonFields(t reflect.Type) []jsonField {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name, f.Type})
	}
	return out
}

func fieldNames(fs []jsonField) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.name)
	}
	return out
}

// requestSchema returns the JSON request body schema of an operation.
func requestSchema(t *testing.T, doc *openapi3.T, method, path string) *openapi3.SchemaRef {
	t.Helper()
	item := doc.Paths.Value(path)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("openapi.yaml has no operation %s %s", method, path)
	}
	op := item.GetOperation(method)
	if op.RequestBody != nil && op.RequestBody.Value.Content.Get("multipart/form-data") != nil {
		return op.RequestBody.Value.Content.Get("multipart/form-data").Schema // an upload
	}
	if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
		t.Fatalf("openapi.yaml: %s %s has no JSON request body", method, path)
	}
	return op.RequestBody.Value.Content.Get("application/json").Schema
}

// TestOpenAPIEventsMatchTable: the events endpoint's body is one schema per
// declared event, chosen by `event`, and each event's `data` schema has
// exactly the fields of the event's data type and of its form in the table,
// of the right kinds, with `required` exactly the fields the engine refuses
// (400) when they are absent.
func TestOpenAPIEventsMatchTable(t *testing.T) {
	doc := loadOpenAPI(t)
	body := requestSchema(t, doc, "POST", "/api/v1/decisions/{id}/events").Value
	disc := body.Discriminator
	if disc == nil || disc.PropertyName != "event" {
		t.Fatal("openapi.yaml: the body of POST /api/v1/decisions/{id}/events is not discriminated by event")
	}
	if d := sameSet(keys(disc.Mapping), eventNames()); d != "" {
		t.Errorf("openapi.yaml: the discriminator mapping of the events endpoint and workflow.Events differ: %s", d)
	}
	var branches []string
	for _, r := range body.OneOf {
		branches = append(branches, r.Ref)
	}
	var mapped []string
	for _, r := range disc.Mapping {
		mapped = append(mapped, r.Ref)
	}
	if d := sameSet(branches, mapped); d != "" {
		t.Errorf("openapi.yaml: the oneOf of the events endpoint and its discriminator mapping differ: %s", d)
	}
	for _, ev := range workflow.Events {
		if ev.Internal {
			continue // not fireable: no schema (eventNames)
		}
		t.Run(ev.Name, func(t *testing.T) {
			ref, ok := disc.Mapping[ev.Name]
			if !ok {
				t.Skip("not mapped (reported above)")
			}
			i := slices.IndexFunc(body.OneOf, func(r *openapi3.SchemaRef) bool { return r.Ref == ref.Ref })
			if i < 0 {
				t.Fatalf("openapi.yaml: %s maps to %s, which is not in the oneOf", ev.Name, ref.Ref)
			}
			req := body.OneOf[i].Value
			where := ref.Ref
			if d := sameSet(keys(req.Properties), []string{"data", "event"}); d != "" {
				t.Errorf("%s: properties: %s", where, d)
			}
			if ap := req.AdditionalProperties.Has; ap == nil || *ap {
				t.Errorf("%s: additionalProperties is not false", where)
			}
			if !slices.Contains(req.Required, "event") {
				t.Errorf("%s: event is not required", where)
			}
			if e := req.Properties["event"]; e == nil || !slices.Equal(enumOf(e.Value), []string{ev.Name}) {
				t.Errorf("%s: event is not the enum [%s]", where, ev.Name)
			}
			data := req.Properties["data"]
			if data == nil {
				t.Fatalf("%s has no data", where)
			}
			where += " data (" + data.Ref + ")"
			if !data.Value.Nullable {
				t.Errorf("%s: not nullable; the engine reads a null or absent data as {}", where)
			}
			goType := reflect.TypeOf(ev.NewData()).Elem()
			props := keys(data.Value.Properties)
			if d := sameSet(props, fieldNames(jsonFields(goType))); d != "" {
				t.Errorf("%s and the JSON fields of workflow.%s differ: %s", where, goType.Name(), d)
			}
			var form []string
			for _, f := range ev.Fields {
				form = append(form, f.Name)
			}
			if d := sameSet(props, form); d != "" {
				t.Errorf("%s and the Fields of %s in workflow.Events differ: %s", where, ev.Name, d)
			}
			for _, f := range ev.Fields {
				if p := data.Value.Properties[f.Name]; p != nil {
					if msg := kindMismatch(f, p.Value); msg != "" {
						t.Errorf("%s.%s: the table says %s, %s", where, f.Name, f.Kind, msg)
					}
				}
				if f.Optional && slices.Contains(data.Value.Required, f.Name) {
					t.Errorf("%s: %s is required but optional in workflow.Events", where, f.Name)
				}
			}
			for _, r := range data.Value.Required {
				i := slices.IndexFunc(ev.Fields, func(f workflow.Field) bool { return f.Name == r })
				if i >= 0 && ev.Fields[i].Optional {
					continue // reported above
				}
				if i < 0 {
					t.Errorf("%s: %s is required but is no field of %s in workflow.Events", where, r, ev.Name)
				}
			}
			compareData(t, ev, goType, data.Value, where, "", func(v any) any { return v })
		})
	}
}

// kindMismatch tells how a property's schema disagrees with the kind of its
// form field, or "".
func kindMismatch(f workflow.Field, s *openapi3.Schema) string {
	is := func(typ string) bool { return s.Type.Is(typ) }
	switch f.Kind {
	case workflow.FieldText, workflow.FieldTextarea:
		if !is("string") || s.Format != "" || len(s.Enum) > 0 {
			return "the document has no free string"
		}
	case workflow.FieldFile:
		if !is("string") || s.Format != "binary" {
			return "the document has no string of format binary"
		}
	case workflow.FieldDate:
		if !is("string") || s.Format != "date" {
			return "the document has no string of format date"
		}
	case workflow.FieldBool:
		if !is("boolean") {
			return "the document has no boolean"
		}
	case workflow.FieldEnum:
		if !is("string") {
			return "the document has no string"
		}
		// "" in the document's enum lets an empty value through to the
		// engine, whose rule answers it (suspension-ground-required).
		values := slices.DeleteFunc(enumOf(s), func(v string) bool { return v == "" })
		if d := sameSet(values, f.Values); d != "" {
			return "the values differ: " + d
		}
	case workflow.FieldList:
		if !is("array") || s.Items == nil || !itemsTakeStrings(s.Items.Value) {
			return "the document has no array of strings"
		}
	case workflow.FieldMeeting:
		if !is("object") {
			return "the document has no object"
		}
	default:
		return "a kind this test does not know: teach it"
	}
	return ""
}

// compareData compares a schema with the Go type the engine decodes into,
// recursively: the same fields, JSON types that agree, additionalProperties
// false (the engine refuses unknown fields at every depth), and required
// exactly the fields whose absence the engine refuses with 400. The latter
// is asked of the engine itself: wrap(an empty object) is decoded into the
// event's data type with workflow.DecodeStrict, and the fields it names
// under prefix are those it requires.
func compareData(t *testing.T, ev workflow.EventDef, goType reflect.Type, s *openapi3.Schema, where, prefix string, wrap func(any) any) {
	t.Helper()
	fields := jsonFields(goType)
	if d := sameSet(keys(s.Properties), fieldNames(fields)); d != "" && prefix != "" {
		t.Errorf("%s and the JSON fields of workflow.%s differ: %s", where, goType.Name(), d)
	}
	if ap := s.AdditionalProperties.Has; ap == nil || *ap {
		t.Errorf("%s: additionalProperties is not false, but the engine refuses unknown fields", where)
	}
	missing, extra := diff(s.Required, refusedWhenAbsent(t, ev, prefix, wrap))
	if len(missing) > 0 {
		t.Errorf("%s: the engine refuses (400) the data without %v, but openapi.yaml does not require them", where, missing)
	}
	if len(extra) > 0 {
		t.Errorf("%s: openapi.yaml requires %v, but the engine accepts the data without them (a rule may answer 422)", where, extra)
	}
	for _, f := range fields {
		p := s.Properties[f.name]
		if p == nil {
			continue // reported above
		}
		ft := f.typ
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		pw := where + "." + f.name
		want := map[reflect.Kind]string{reflect.String: "string", reflect.Bool: "boolean", reflect.Int: "integer",
			reflect.Int64: "integer", reflect.Slice: "array", reflect.Struct: "object"}[ft.Kind()]
		if want == "" || !p.Value.Type.Is(want) {
			t.Errorf("%s: type %v in openapi.yaml, but workflow.%s.%s is a Go %s", pw, p.Value.Type.Slice(), goType.Name(), f.name, ft)
			continue
		}
		name := f.name
		switch ft.Kind() {
		case reflect.Struct:
			compareData(t, ev, ft, p.Value, pw, prefix+name+".", func(v any) any { return wrap(map[string]any{name: v}) })
		case reflect.Slice:
			et := ft.Elem()
			items := p.Value.Items
			if items == nil {
				t.Errorf("%s: an array without items", pw)
				continue
			}
			if et.Kind() == reflect.Struct {
				compareData(t, ev, et, items.Value, pw+"[]", prefix+name+"[0].", func(v any) any { return wrap(map[string]any{name: []any{v}}) })
			} else if et.Kind() == reflect.String && !items.Value.Type.Is("string") {
				t.Errorf("%s: items are %v in openapi.yaml, but the Go elements are strings", pw, items.Value.Type.Slice())
			}
		}
	}
}

// refusedWhenAbsent decodes wrap({}) into the event's data type as the
// engine does and returns the fields directly under prefix that it names.
func refusedWhenAbsent(t *testing.T, ev workflow.EventDef, prefix string, wrap func(any) any) []string {
	t.Helper()
	raw, err := json.Marshal(wrap(map[string]any{}))
	if err != nil {
		t.Fatal(err)
	}
	err = workflow.DecodeStrict(raw, ev.NewData())
	out := []string{}
	if err == nil {
		return out
	}
	var we *workflow.Error
	if !errors.As(err, &we) || we.Code != workflow.EINVALID {
		t.Fatalf("%s: decoding %s: %v, not a field error", ev.Name, raw, err)
	}
	for _, f := range we.Fields {
		rest, ok := strings.CutPrefix(f.Field, prefix)
		if ok && !strings.ContainsAny(rest, ".[") && !slices.Contains(out, rest) {
			out = append(out, rest)
		}
	}
	return out
}

// TestOpenAPIActionsMatchTable: every record action of the table is one
// operation of the document (marked x-record-action), whose request body has
// exactly the action's fields, of the right kinds, optional ones not required.
func TestOpenAPIActionsMatchTable(t *testing.T) {
	doc := loadOpenAPI(t)
	found := map[string]*openapi3.Schema{}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			name, ok := op.Extensions["x-record-action"].(string)
			if !ok {
				continue
			}
			if _, dup := found[name]; dup {
				t.Errorf("openapi.yaml: two operations are x-record-action %s", name)
			}
			found[name] = requestSchema(t, doc, method, path).Value
		}
	}
	if d := sameSet(keys(found), actionNames()); d != "" {
		t.Errorf("openapi.yaml: the operations marked x-record-action and workflow.Actions differ: %s", d)
	}
	for _, a := range workflow.Actions {
		s := found[a.Name]
		if s == nil {
			continue
		}
		var form []string
		for _, f := range a.Fields {
			form = append(form, f.Name)
			if p := s.Properties[f.Name]; p != nil {
				if msg := kindMismatch(f, p.Value); msg != "" {
					t.Errorf("%s request .%s: the table says %s, %s", a.Name, f.Name, f.Kind, msg)
				}
			}
			if f.Optional && slices.Contains(s.Required, f.Name) {
				t.Errorf("%s request: %s is required but optional in workflow.Actions", a.Name, f.Name)
			}
		}
		if d := sameSet(keys(s.Properties), form); d != "" {
			t.Errorf("%s request and the Fields of %s in workflow.Actions differ: %s", a.Name, a.Name, d)
		}
		for _, r := range s.Required {
			if !slices.Contains(form, r) {
				t.Errorf("%s request: %s is required but is no field of workflow.Actions", a.Name, r)
			}
		}
	}
}

// TestOpenAPIResponsesMatchTypes: the schemas of what the API returns have
// exactly the JSON fields of the Go types it writes.
func TestOpenAPIResponsesMatchTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	for name, v := range map[string]any{
		"Decision": workflow.Decision{}, "Draft": workflow.Draft{}, "CommentPeriod": workflow.CommentPeriod{},
		"Comment": workflow.Comment{}, "ExpertOpinion": workflow.ExpertOpinion{}, "User": workflow.User{},
		"JournalEntry": workflow.JournalEntry{},
	} {
		s := doc.Components.Schemas[name]
		if s == nil {
			t.Errorf("openapi.yaml has no schema %s", name)
			continue
		}
		goType := reflect.TypeOf(v)
		if d := sameSet(keys(s.Value.Properties), fieldNames(jsonFields(goType))); d != "" {
			t.Errorf("openapi.yaml components.schemas.%s and the JSON fields of workflow.%s differ: %s", name, goType.Name(), d)
		}
	}
}

// itemsTakeStrings: a list's items are strings, one a line of the form, or
// one of their alternatives is (a hearing's participants are {name, group}
// objects or "name|group" lines).
func itemsTakeStrings(s *openapi3.Schema) bool {
	if s.Type.Is("string") {
		return true
	}
	for _, alt := range s.OneOf {
		if alt.Value != nil && alt.Value.Type.Is("string") {
			return true
		}
	}
	return false
}
