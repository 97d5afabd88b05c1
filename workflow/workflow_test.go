package workflow_test

import (
	"os/exec"
	"sort"
	"strings"
	"testing"

	"decisionflow/workflow"
)

// TestNoInfrastructureImports: the domain reaches no web framework, no SQL
// library and no HTTP (style practice 1).
func TestNoInfrastructureImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "database/sql", dep == "net/http",
			strings.HasPrefix(dep, "github.com/gin-gonic/"),
			strings.HasPrefix(dep, "github.com/jmoiron/sqlx"),
			strings.HasPrefix(dep, "github.com/lib/pq"):
			t.Errorf("workflow depends on %s", dep)
		}
	}
}

func TestEventTable(t *testing.T) {
	for _, state := range workflow.States {
		evs := workflow.EventsFrom(state)
		if !sort.StringsAreSorted(evs) {
			t.Errorf("%s: events %v not sorted", state, evs)
		}
		if state.Terminal() != (len(evs) == 0) {
			t.Errorf("%s: terminal %v but events %v", state, state.Terminal(), evs)
		}
		if got := workflow.AllowedEvents(state, workflow.RoleAdmin); len(got) != 0 {
			t.Errorf("admin may fire %v from %s: admin fires no event", got, state)
		}
	}
	want := map[workflow.State][]string{
		workflow.StateCollectiveDecision: {"approve", "approve_with_changes", "defer", "reject", "return_for_revision", "withdraw"},
		workflow.StateRevising:           {"resubmit_legality_review", "withdraw"},
		workflow.StateApproved:           {"complete_execution", "publish", "withdraw"},
	}
	for state, evs := range want {
		if got := strings.Join(workflow.EventsFrom(state), ","); got != strings.Join(evs, ",") {
			t.Errorf("events from %s = %s, want %s", state, got, strings.Join(evs, ","))
		}
	}
	if got := workflow.AllowedEvents(workflow.StateCollectiveDecision, workflow.RoleStaff); len(got) != 0 {
		t.Errorf("staff may fire %v in collective_decision", got)
	}
	if got := workflow.AllowedEvents(workflow.StateLegalityReview, workflow.RoleLegalAdvisor); strings.Join(got, ",") != "pass_legality_review,return_legality_review" {
		t.Errorf("legal advisor in legality_review: %v", got)
	}
}

func TestDate(t *testing.T) {
	d, err := workflow.ParseDate("2026-02-27")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.AddDays(30).String(); got != "2026-03-29" {
		t.Errorf("2026-02-27 + 30 days = %s, want 2026-03-29", got)
	}
	for _, bad := range []string{"2026-02-30", "26-1-1", "", "2026/01/01"} {
		if _, err := workflow.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}
