package api

import (
	"io"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestRoutesMatchOpenAPI: the API routes registered in Gin (everything but
// the UI's pages) and the operations of openapi.yaml are the same set.
func TestRoutesMatchOpenAPI(t *testing.T) {
	s, err := New(nil, nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	var routes []string
	for _, r := range s.Routes() {
		if !isAPI(r.Path) {
			continue // the web UI's pages are not the API
		}
		routes = append(routes, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
	}
	var documented []string
	for path, item := range s.validate.doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(routes)
	sort.Strings(documented)
	if strings.Join(routes, "\n") != strings.Join(documented, "\n") {
		t.Fatalf("routes and openapi.yaml differ:\nGin:\n%s\n\nopenapi.yaml:\n%s", strings.Join(routes, "\n"), strings.Join(documented, "\n"))
	}
	if len(routes) < 25 {
		t.Fatalf("only %d routes", len(routes))
	}
}
