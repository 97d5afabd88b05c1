package web

import (
	"testing"

	"decisionflow/api"
	"decisionflow/workflow"
)

// TestExportStateNames: the catalog spreadsheet names every state as the
// pages do.
func TestExportStateNames(t *testing.T) {
	for _, s := range workflow.States {
		if got, want := api.StateName(s), tr("zh", "state."+string(s)); got != want {
			t.Errorf("the export names %s %q, the pages %q", s, got, want)
		}
	}
}
