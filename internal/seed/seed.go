// Package seed brings decisions to a given point through the engine itself,
// so that every journal chain it leaves is valid: for the benchmark and for
// the load and fault tests.
package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"decisionflow/workflow"
)

// The actors seed works as.
var (
	Staff = &workflow.User{Username: "staff", Role: workflow.RoleStaff}
	Legal = &workflow.User{Username: "legal", Role: workflow.RoleLegalAdvisor}
	Head  = &workflow.User{Username: "head", Role: workflow.RoleHead}
)

// StatutoryEngine returns an engine whose decisions may waive the first
// three steps, the short way to collective_decision.
func StatutoryEngine(store workflow.DecisionStore) *workflow.Engine {
	s := workflow.DefaultSettings()
	s.Policy = workflow.PolicyStatutory
	return workflow.NewEngine(store, workflow.SystemClock{}, s)
}

// Collective creates one decision, a proposal from the leadership the head
// starts (lifecycle.md "Starting a decision"), and brings it to
// collective_decision by waiving the first three steps and passing the
// legality review; the engine must have the statutory policy.
func Collective(ctx context.Context, eng *workflow.Engine, title string) (int64, error) {
	d, err := eng.Create(ctx, Staff, workflow.NewDecision{Title: title, Category: "other", UndertakingUnit: "镇综治办",
		Source: "leadership", Proposal: "镇领导班子建议：" + title})
	if err != nil {
		return 0, err
	}
	start, err := json.Marshal(workflow.StartData{UndertakingUnit: "镇综治办", OffCatalogReason: "年度目录编制后提出"})
	if err != nil {
		return 0, err
	}
	if _, err := eng.Fire(ctx, Head, d.ID, workflow.EventStart, start, 0); err != nil {
		return 0, fmt.Errorf("%s: %w", workflow.EventStart, err)
	}
	if _, err := eng.SaveDraft(ctx, Staff, d.ID, workflow.DraftInput{Text: "正文", LegalBases: []string{"《条例》"}}, 0); err != nil {
		return 0, err
	}
	yes := true
	for _, st := range []struct {
		who   *workflow.User
		event string
		data  any
	}{
		{Staff, workflow.EventSubmitDraft, nil},
		{Staff, workflow.EventWaivePublicParticipation, workflow.WaivePublicParticipationData{Reason: "依法不予公开", LegalBasis: "《政府信息公开条例》"}},
		{Staff, workflow.EventWaiveExpertReview, workflow.ReasonData{Reason: "不具有专业性"}},
		{Staff, workflow.EventWaiveRiskAssessment, workflow.WaiveRiskAssessmentData{Reason: "无稳定风险"}},
		{Legal, workflow.EventPassLegalityReview, workflow.LegalityPassData{Opinion: "合法", Authority: &yes, Procedure: &yes, Content: &yes}},
	} {
		raw, err := json.Marshal(st.data)
		if err != nil {
			return 0, err
		}
		if _, err := eng.Fire(ctx, st.who, d.ID, st.event, raw, 0); err != nil {
			return 0, fmt.Errorf("%s: %w", st.event, err)
		}
	}
	return d.ID, nil
}

// CollectiveN brings n decisions to collective_decision.
func CollectiveN(ctx context.Context, eng *workflow.Engine, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	for i := 0; i < n; i++ {
		id, err := Collective(ctx, eng, fmt.Sprintf("压测决策 %d", i+1))
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// DeferData is the data of a defer that passes every rule: a meeting held
// today in the engine's time zone, of 3 of a body of 5, the head last.
func DeferData() workflow.MeetingReasonData {
	today := time.Now().In(workflow.DefaultSettings().Location).Format(time.DateOnly)
	return workflow.MeetingReasonData{Reason: "需进一步调研", Meeting: &workflow.Meeting{
		Kind: "executive_meeting", HeldOn: today, Location: "镇政府会议室", MembersTotal: 5,
		Attendees: []workflow.Attendee{
			{Name: "刘书记", Position: "党委书记", Opinion: "agree", Statement: "同意"},
			{Name: "陈副镇长", Position: "副镇长", Opinion: "disagree", Statement: "不同意"},
			{Name: "张镇长", Position: "镇长", IsHead: true, Opinion: "abstain", Statement: "再研究"},
		}}}
}

// RetableData is the data of a retable.
func RetableData() workflow.ReasonData { return workflow.ReasonData{Reason: "重新提请讨论"} }

// Bodies returns the JSON request bodies of POST /events for defer and retable.
func Bodies() (deferBody, retableBody []byte) {
	deferBody, _ = json.Marshal(map[string]any{"event": workflow.EventDefer, "data": DeferData()})
	retableBody, _ = json.Marshal(map[string]any{"event": workflow.EventRetable, "data": RetableData()})
	return deferBody, retableBody
}

// ToggleStep returns the event that moves a decision on from state between
// collective_decision and deferred, and where it leads.
func ToggleStep(from workflow.State) (string, workflow.State) {
	if from == workflow.StateDeferred {
		return workflow.EventRetable, workflow.StateCollectiveDecision
	}
	return workflow.EventDefer, workflow.StateDeferred
}

// Toggle fires defer (when deferring) or retable on a decision, as the head.
func Toggle(ctx context.Context, eng *workflow.Engine, id int64, deferring bool) error {
	ev, data := workflow.EventRetable, any(RetableData())
	if deferring {
		ev, data = workflow.EventDefer, DeferData()
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	_, err = eng.Fire(ctx, Head, id, ev, raw, 0)
	return err
}
