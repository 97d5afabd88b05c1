package web

import (
	"fmt"
	"strings"
	"testing"

	"decisionflow/workflow"
)

// TestDossierAfterDecisionAndOutcomeStats: the printable dossier shows the
// life after the decision (execution reports, the suspension and its
// resumption, the post-evaluation with its trigger, evaluator, report,
// summary of public opinions and conclusion, the adjustment with the link to
// the successor and back, the end of the execution, the public's opinions
// with their dispositions and never a contact, and the outcome); the
// statistics page charts the closed files by outcome.
func TestDossierAfterDecisionAndOutcomeStats(t *testing.T) {
	s := newSite(t, workflow.PolicyAllFive)
	head, staff := s.users[workflow.RoleHead], s.users[workflow.RoleStaff]
	fire := func(u *workflow.User, id int64, event, raw string) {
		t.Helper()
		if _, err := s.eng.Fire(s.ctx, u, id, event, []byte(raw), 0); err != nil {
			t.Fatalf("%s: %v", event, err)
		}
	}

	// Published with a progress report and a dispositioned opinion (prepare
	// takes staff's record actions), then a problem report, a suspension,
	// its resumption, an evaluation concluding adjust, and the adjustment.
	id := s.reach(workflow.StatePublished, true)
	if _, err := s.eng.AddExecutionReport(s.ctx, staff, id, workflow.ExecutionReportInput{Kind: "problem", Period: "2026年第一季度", Content: "测试：施工进度滞后"}); err != nil {
		t.Fatal(err)
	}
	fire(head, id, workflow.EventSuspend, `{"ground":"major_change","reason":"测试：汛期将至，情况紧急"}`)
	fire(head, id, workflow.EventResume, `{"reason":"测试：汛期已过"}`)
	s.evaluated(id)
	adjust, _ := workflow.LookupEvent(workflow.EventAdjust)
	raw, err := decodeForm(adjust.Fields, s.values(adjust.Fields))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.eng.Fire(s.ctx, head, id, workflow.EventAdjust, raw, 0); err != nil {
		t.Fatal(err)
	}
	d, err := s.eng.Decision(s.ctx, staff, id)
	if err != nil || d.SupersededBy == nil {
		t.Fatalf("adjust opened no successor: %v", err)
	}
	next := *d.SupersededBy

	_, page := s.get(s.clients[workflow.RoleStaff], fmt.Sprintf("/decisions/%d/dossier", id))
	i := strings.Index(page, `id="dossier-execution"`)
	if i < 0 {
		t.Fatal("the dossier has no section on the life after the decision")
	}
	sec := page[i:]
	sec = sec[:strings.Index(sec, "</section>")]
	for _, want := range []string{
		"执行、中止与评估", "执行单位", "镇城建办",
		// the reports
		"执行情况报告", "进展报告", "问题报告", "2026年第一季度", "测试：施工进度滞后",
		// suspension and resumption
		"中止执行", "客观情况发生重大变化", "测试：汛期将至，情况紧急", "恢复执行", "测试：汛期已过",
		// the post-evaluation
		"组织决策后评估", "决策机关认为有必要", "测试：第三方评估机构", "该单位承担过决策前论证评估：否",
		"完成决策后评估", "评估报告：测试：报告", "社会公众意见情况：测试：意见", "评估结论：调整决策",
		// the adjustment, decided collectively, and the successor
		"调整决策（重新履行法定程序）", "组成人员3人，到会3人", "镇长（行政首长）",
		fmt.Sprintf(`<a href="/decisions/%d/dossier">本决策由第%d号决策调整</a>`, next, next),
		// the public's opinions with their dispositions
		"社会公众对决策实施的意见", "测试：对决策实施的意见", "<td>采纳：测试：reason · u-staff</td>",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("the dossier's execution section lacks %q", want)
		}
	}
	if strings.Contains(page, "13800000000") {
		t.Error("the dossier shows a public contact")
	}
	if strings.Index(page, `id="dossier-execution"`) < strings.Index(page, "集体讨论决定") {
		t.Error("the execution section is not after the collective decision")
	}
	_, page = s.get(s.clients[workflow.RoleStaff], fmt.Sprintf("/decisions/%d/dossier", next))
	if want := fmt.Sprintf(`<a href="/decisions/%d/dossier">本决策调整第%d号决策</a>`, id, id); !strings.Contains(page, want) {
		t.Errorf("the successor's dossier lacks %q", want)
	}
	_, page = s.get(s.clients[workflow.RoleStaff], fmt.Sprintf("/decisions/%d", id))
	if want := fmt.Sprintf("本决策由第%d号决策调整", next); !strings.Contains(page, want) {
		t.Errorf("the decision page lacks %q", want)
	}

	// Another decision completes its execution and is archived: its outcome.
	done := s.reach(workflow.StateExecuted, false)
	fire(staff, done, workflow.EventArchive, `{"archive_no":"测试-2026-001"}`)
	_, page = s.get(s.clients[workflow.RoleStaff], fmt.Sprintf("/decisions/%d/dossier", done))
	for _, want := range []string{`<td id="dossier-outcome">执行完毕</td>`, "执行情况总结：测试：summary", "执行完毕日期："} {
		if !strings.Contains(page, want) {
			t.Errorf("the archived decision's dossier lacks %q", want)
		}
	}
	_, page = s.get(s.clients[workflow.RoleStaff], fmt.Sprintf("/decisions/%d", done))
	if !strings.Contains(page, "归档结果：执行完毕") {
		t.Error("the decision page does not name the outcome")
	}

	// The statistics: closed files by outcome, one executed, as a chart.
	_, page = s.get(s.clients[workflow.RoleStaff], "/stats")
	i = strings.Index(page, `id="by-outcome"`)
	if i < 0 {
		t.Fatal("the statistics page has no chart by outcome")
	}
	chart := page[i:]
	chart = chart[:strings.Index(chart, "</section>")]
	for _, want := range []string{"按归档结果统计", "<svg", `aria-label="按归档结果统计"`, ">执行完毕</text>", ">1</text>", ">不予通过</text>"} {
		if !strings.Contains(chart, want) {
			t.Errorf("the chart by outcome lacks %q", want)
		}
	}
}
