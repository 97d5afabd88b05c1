package storage_test

import (
	"strings"
	"testing"

	"decisionflow/workflow"
)

// TestExecutionRecords: execution reports and the public's opinions on a
// decision in force (lifecycle.md "After the decision"), on both stores:
// what they keep, what they journal, who may take them, in which states,
// and the public face of published decisions.
func TestExecutionRecords(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		report := workflow.ExecutionReportInput{Kind: "progress", Period: "2026年第二季度", Content: "已完成12个小区"}
		t.Run("execution reports in published, suspended and evaluating", func(t *testing.T) {
			d := h.advance(t, workflow.StatePublished)
			r1, err := h.eng.AddExecutionReport(h.ctx, staff, d.ID, report)
			if err != nil {
				t.Fatal(err)
			}
			h.fire(t, head, d.ID, workflow.EventSuspend, h.validData(workflow.EventSuspend))
			problem := report
			problem.Kind, problem.Content = "problem", "补助资金拨付迟缓"
			if _, err := h.eng.AddExecutionReport(h.ctx, staff, d.ID, problem); err != nil {
				t.Fatal(err)
			}
			h.fire(t, head, d.ID, workflow.EventStartEvaluation, h.validData(workflow.EventStartEvaluation))
			if _, err := h.eng.AddExecutionReport(h.ctx, staff, d.ID, report); err != nil {
				t.Fatal(err)
			}
			rs, err := h.eng.ExecutionReports(h.ctx, legal, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 3 || rs[2].ID != r1.ID || rs[1].Kind != "problem" || rs[2].RecordedBy != staff.Username {
				t.Fatalf("reports %+v, want 3 newest first", rs)
			}
			last, err := h.eng.LastExecutionReports(h.ctx, head)
			if err != nil {
				t.Fatal(err)
			}
			if at, ok := last[d.ID]; !ok || !at.Equal(rs[0].CreatedAt) {
				t.Fatalf("last report %v (%v), want %v", at, ok, rs[0].CreatedAt)
			}
			es := h.history(t, d.ID)
			if e := es[len(es)-1]; e.Kind != workflow.KindRecord || e.Name != workflow.RecordAddExecutionReport || e.From != workflow.StateEvaluating {
				t.Fatalf("last entry %+v", e)
			}
			if v := h.verify(t, d.ID); !v.OK {
				t.Fatalf("%+v", v)
			}
		})
		t.Run("execution reports refused", func(t *testing.T) {
			d := h.advance(t, workflow.StateApproved)
			_, err := h.eng.AddExecutionReport(h.ctx, staff, d.ID, report)
			wantCode(t, err, workflow.ECONFLICT, "")
			d = h.advance(t, workflow.StatePublished)
			_, err = h.eng.AddExecutionReport(h.ctx, head, d.ID, report)
			wantCode(t, err, workflow.EFORBIDDEN, "")
			_, err = h.eng.AddExecutionReport(h.ctx, staff, d.ID, workflow.ExecutionReportInput{Kind: "rumour", Period: "x", Content: "y"})
			wantCode(t, err, workflow.EINVALID, "")
			_, err = h.eng.AddExecutionReport(h.ctx, staff, 999999, report)
			wantCode(t, err, workflow.ENOTFOUND, "")
		})
		t.Run("public opinions: taken, dispositioned, contact kept out", func(t *testing.T) {
			d := h.advance(t, workflow.StatePublished)
			in := workflow.PublicOpinionInput{Content: "建议延长补助申请期限", AuthorName: "居民乙", Contact: "13900000000"}
			o, err := h.eng.AddPublicOpinion(h.ctx, d.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			es := h.history(t, d.ID)
			e := es[len(es)-1]
			if e.Name != workflow.RecordAddPublicOpinion || e.Role != workflow.RolePublic || strings.Contains(string(e.Data), in.Contact) {
				t.Fatalf("journaled %+v, want add_public_opinion by the public without the contact", e)
			}
			for _, u := range []*workflow.User{legal, head} {
				os, err := h.eng.PublicOpinions(h.ctx, u, d.ID)
				if err != nil || len(os) != 1 || os[0].Contact != "" {
					t.Fatalf("%s reads %+v (%v), want no contact", u.Role, os, err)
				}
			}
			os, err := h.eng.PublicOpinions(h.ctx, staff, d.ID)
			if err != nil || os[0].Contact != in.Contact || os[0].State != workflow.StatePublished {
				t.Fatalf("staff reads %+v (%v)", os, err)
			}
			disp := workflow.DispositionInput{Disposition: "adopted", Reason: "已延长至年底"}
			_, err = h.eng.DisposePublicOpinion(h.ctx, head, d.ID, o.ID, disp)
			wantCode(t, err, workflow.EFORBIDDEN, "")
			_, err = h.eng.DisposePublicOpinion(h.ctx, staff, d.ID, o.ID+1000, disp)
			wantCode(t, err, workflow.ENOTFOUND, "")
			got, err := h.eng.DisposePublicOpinion(h.ctx, staff, d.ID, o.ID, disp)
			if err != nil || got.Disposition != "adopted" || got.DisposedBy != staff.Username {
				t.Fatalf("disposed %+v (%v)", got, err)
			}
			x, err := h.eng.Dossier(h.ctx, staff, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(x.PublicOpinions) != 1 || x.PublicOpinions[0].Contact != "" || x.PublicOpinions[0].Disposition != "adopted" {
				t.Fatalf("dossier's opinions %+v", x.PublicOpinions)
			}
			if v := h.verify(t, d.ID); !v.OK {
				t.Fatalf("%+v", v)
			}
		})
		t.Run("public opinions refused", func(t *testing.T) {
			in := workflow.PublicOpinionInput{Content: "意见"}
			d := h.advance(t, workflow.StateApproved)
			_, err := h.eng.AddPublicOpinion(h.ctx, d.ID, in)
			wantCode(t, err, workflow.ENOTFOUND, "")
			d = h.advance(t, workflow.StateExecuted)
			_, err = h.eng.AddPublicOpinion(h.ctx, d.ID, in)
			wantCode(t, err, workflow.ECONFLICT, "")
			_, err = h.eng.AddPublicOpinion(h.ctx, d.ID, workflow.PublicOpinionInput{})
			wantCode(t, err, workflow.EINVALID, "")
		})
		t.Run("the public face", func(t *testing.T) {
			d := h.advance(t, workflow.StatePublished)
			hidden := h.advance(t, workflow.StateApproved)
			list, err := h.eng.PublicDecisions(h.ctx)
			if err != nil {
				t.Fatal(err)
			}
			listed := map[int64]bool{}
			for _, p := range list {
				listed[p.ID] = true
			}
			if !listed[d.ID] || listed[hidden.ID] {
				t.Fatalf("listed %v: want %d and not %d", listed, d.ID, hidden.ID)
			}
			h.fire(t, head, d.ID, workflow.EventSuspend, h.validData(workflow.EventSuspend))
			p, err := h.eng.PublicDecision(h.ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Text == nil || p.Text.SHA256 == "" || p.Publication == nil || len(p.Suspensions) != 1 || !p.AcceptsOpinions {
				t.Fatalf("public decision %+v", p)
			}
			if _, err := h.eng.PublicDecision(h.ctx, hidden.ID); workflow.ErrorCode(err) != workflow.ENOTFOUND {
				t.Fatalf("an unpublished decision: %v, want not found", err)
			}
		})
		t.Run("stats count the closed files by outcome", func(t *testing.T) {
			d := h.advance(t, workflow.StateRejected)
			h.fire(t, staff, d.ID, workflow.EventArchive, h.validData(workflow.EventArchive))
			h.advance(t, workflow.StateStopped)
			st, err := h.eng.Stats(h.ctx, legal)
			if err != nil {
				t.Fatal(err)
			}
			got := map[workflow.State]int{}
			for _, c := range st.ByOutcome {
				got[c.Outcome] = c.Count
			}
			if got[workflow.StateRejected] < 1 || got[workflow.StateStopped] < 1 || len(st.ByOutcome) != len(workflow.Outcomes()) {
				t.Fatalf("by outcome %+v", st.ByOutcome)
			}
		})
	})
}
