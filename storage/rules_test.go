package storage_test

import (
	"fmt"
	"testing"
	"time"

	"decisionflow/workflow"
)

type ruleCase struct {
	name string
	rule string
	// run sets up a decision and does the refused action; it returns the
	// decision's id (0 for create) and the error.
	run func(t *testing.T, h *harness) (int64, error)
}

func statutory(h *harness) *harness {
	return h.withSettings(func(s *workflow.Settings) { s.Policy = workflow.PolicyStatutory })
}

// fireWith brings a decision to state, then fires event with data mutated by mod.
func fireWith[T any](state workflow.State, event string, mod func(h *harness, d *T)) func(t *testing.T, h *harness) (int64, error) {
	return func(t *testing.T, h *harness) (int64, error) {
		d := h.advance(t, state)
		h.prepare(t, d.ID, event)
		data := h.validData(event).(T)
		mod(h, &data)
		def, _ := workflow.LookupEvent(event)
		_, err := h.eng.Fire(h.ctx, users[def.Role], d.ID, event, mustJSON(t, data), 0)
		return d.ID, err
	}
}

func setPeriodCase(opens, closes int, reason string) func(t *testing.T, h *harness) (int64, error) {
	return func(t *testing.T, h *harness) (int64, error) {
		d := h.advance(t, workflow.StatePublicParticipation)
		today := h.today()
		_, err := h.eng.SetCommentPeriod(h.ctx, staff, d.ID, workflow.CommentPeriodInput{
			OpensOn: today.AddDays(opens).String(), ClosesOn: today.AddDays(closes).String(),
			Channels: []string{"网站"}, ShorteningReason: reason,
		}, 0)
		return d.ID, err
	}
}

func publicComment(h *harness, id int64) error {
	_, err := h.eng.AddPublicComment(h.ctx, id, workflow.PublicCommentInput{Content: "意见"})
	return err
}

var ruleCases = []ruleCase{
	{"legislation is excluded", workflow.RuleExcludedCategory, func(t *testing.T, h *harness) (int64, error) {
		_, err := h.eng.Create(h.ctx, staff, proposed(workflow.NewDecision{Title: "t", Category: "legislation", UndertakingUnit: "u"}))
		return 0, err
	}},
	{"emergency response is excluded", workflow.RuleExcludedCategory, func(t *testing.T, h *harness) (int64, error) {
		_, err := h.eng.Create(h.ctx, staff, proposed(workflow.NewDecision{Title: "t", Category: "emergency_response", UndertakingUnit: "u"}))
		return 0, err
	}},
	{"no draft", workflow.RuleDraftRequired, func(t *testing.T, h *harness) (int64, error) {
		d := h.create(t)
		_, err := h.eng.Fire(h.ctx, staff, d.ID, workflow.EventSubmitDraft, nil, 0)
		return d.ID, err
	}},
	{"draft without legal basis", workflow.RuleDraftRequired, func(t *testing.T, h *harness) (int64, error) {
		d := h.create(t)
		if _, err := h.eng.SaveDraft(h.ctx, staff, d.ID, workflow.DraftInput{Text: "正文", LegalBases: []string{" "}}, 0); err != nil {
			t.Fatal(err)
		}
		_, err := h.eng.Fire(h.ctx, staff, d.ID, workflow.EventSubmitDraft, nil, 0)
		return d.ID, err
	}},
	{"29-day period", workflow.RuleCommentPeriodTooShort, setPeriodCase(0, 29, "")},
	{"period opens yesterday", workflow.RuleCommentPeriodInvalid, setPeriodCase(-1, 40, "")},
	{"period closes before it opens", workflow.RuleCommentPeriodInvalid, setPeriodCase(10, 5, "紧急")},
	{"period set twice", workflow.RuleCommentPeriodAlreadySet, func(t *testing.T, h *harness) (int64, error) {
		id, err := setPeriodCase(0, 30, "")(t, h)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.eng.SetCommentPeriod(h.ctx, staff, id, workflow.CommentPeriodInput{OpensOn: h.today().String(), ClosesOn: h.today().AddDays(10).String(), Channels: []string{"网站"}, ShorteningReason: "补充理由"}, 0)
		return id, err
	}},
	{"public comment with no period", workflow.RuleCommentWindowClosed, func(t *testing.T, h *harness) (int64, error) {
		d := h.advance(t, workflow.StatePublicParticipation)
		return d.ID, publicComment(h, d.ID)
	}},
	{"public comment before opening", workflow.RuleCommentWindowClosed, func(t *testing.T, h *harness) (int64, error) {
		id, err := setPeriodCase(3, 40, "")(t, h)
		if err != nil {
			t.Fatal(err)
		}
		return id, publicComment(h, id)
	}},
	{"public comment after closing", workflow.RuleCommentWindowClosed, func(t *testing.T, h *harness) (int64, error) {
		id, err := setPeriodCase(0, 30, "")(t, h)
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(31 * 24 * time.Hour)
		return id, publicComment(h, id)
	}},
	{"public comment in drafting", workflow.RuleCommentWindowClosed, func(t *testing.T, h *harness) (int64, error) {
		d := h.create(t)
		return d.ID, publicComment(h, d.ID)
	}},
	{"complete without period", workflow.RuleCommentPeriodRequired, func(t *testing.T, h *harness) (int64, error) {
		d := h.advance(t, workflow.StatePublicParticipation)
		_, err := h.eng.Fire(h.ctx, staff, d.ID, workflow.EventCompletePublicParticipation, mustJSON(t, h.validData(workflow.EventCompletePublicParticipation)), 0)
		return d.ID, err
	}},
	{"complete on the closing day", workflow.RuleCommentPeriodNotEnded, func(t *testing.T, h *harness) (int64, error) {
		id, err := setPeriodCase(0, 30, "")(t, h)
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(30 * 24 * time.Hour)
		_, err = h.eng.Fire(h.ctx, staff, id, workflow.EventCompletePublicParticipation, mustJSON(t, h.validData(workflow.EventCompletePublicParticipation)), 0)
		return id, err
	}},
	{"undisposed comment", workflow.RuleCommentsUndisposed, func(t *testing.T, h *harness) (int64, error) {
		id, err := setPeriodCase(0, 30, "")(t, h)
		if err != nil {
			t.Fatal(err)
		}
		if err := publicComment(h, id); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(31 * 24 * time.Hour)
		_, err = h.eng.Fire(h.ctx, staff, id, workflow.EventCompletePublicParticipation, mustJSON(t, h.validData(workflow.EventCompletePublicParticipation)), 0)
		return id, err
	}},
	{"public participation without adoption report", workflow.RuleAdoptionReportRequired,
		fireWith(workflow.StatePublicParticipation, workflow.EventCompletePublicParticipation, func(h *harness, d *workflow.AdoptionReportData) { d.AdoptionReport = "  " })},
	{"expert review without adoption report", workflow.RuleAdoptionReportRequired,
		fireWith(workflow.StateExpertReview, workflow.EventCompleteExpertReview, func(h *harness, d *workflow.AdoptionReportData) { d.AdoptionReport = "" })},
	{"no expert opinion", workflow.RuleExpertOpinionsRequired, func(t *testing.T, h *harness) (int64, error) {
		d := h.advance(t, workflow.StateExpertReview)
		_, err := h.eng.Fire(h.ctx, staff, d.ID, workflow.EventCompleteExpertReview, mustJSON(t, h.validData(workflow.EventCompleteExpertReview)), 0)
		return d.ID, err
	}},
	{"one opinion of two required", workflow.RuleExpertOpinionsRequired, func(t *testing.T, h *harness) (int64, error) {
		h2 := h.withSettings(func(s *workflow.Settings) { s.MinExperts = 2 })
		d := h2.advance(t, workflow.StateExpertReview)
		h2.addOpinion(t, d.ID)
		_, err := h2.eng.Fire(h.ctx, staff, d.ID, workflow.EventCompleteExpertReview, mustJSON(t, h.validData(workflow.EventCompleteExpertReview)), 0)
		return d.ID, err
	}},
	{"unsigned opinion", workflow.RuleExpertOpinionUnsigned, func(t *testing.T, h *harness) (int64, error) {
		d := h.advance(t, workflow.StateExpertReview)
		no := false
		_, err := h.eng.AddExpertOpinion(h.ctx, staff, d.ID, workflow.ExpertOpinionInput{ExpertName: "周", Opinion: "可行", Signed: &no, ConflictOfInterest: &no})
		return d.ID, err
	}},
	{"expert with an interest", workflow.RuleExpertConflict, func(t *testing.T, h *harness) (int64, error) {
		d := h.advance(t, workflow.StateExpertReview)
		yes := true
		_, err := h.eng.AddExpertOpinion(h.ctx, staff, d.ID, workflow.ExpertOpinionInput{ExpertName: "周", Opinion: "可行", Signed: &yes, ConflictOfInterest: &yes})
		return d.ID, err
	}},
	{"risk report without measures", workflow.RuleRiskReportIncomplete,
		fireWith(workflow.StateRiskAssessment, workflow.EventCompleteRiskAssessment, func(h *harness, d *workflow.RiskReport) { d.Measures = "" })},
	{"uncontrollable risk", workflow.RuleRiskUncontrollable,
		fireWith(workflow.StateRiskAssessment, workflow.EventCompleteRiskAssessment, func(h *harness, d *workflow.RiskReport) { d.Conclusion = "uncontrollable" })},
	{"waive public participation under all-five", workflow.RuleWaiverNotPermitted,
		fireWith(workflow.StatePublicParticipation, workflow.EventWaivePublicParticipation, func(h *harness, d *workflow.WaivePublicParticipationData) {})},
	{"waive expert review under all-five", workflow.RuleWaiverNotPermitted,
		fireWith(workflow.StateExpertReview, workflow.EventWaiveExpertReview, func(h *harness, d *workflow.ReasonData) {})},
	{"waive risk assessment under all-five", workflow.RuleWaiverNotPermitted,
		fireWith(workflow.StateRiskAssessment, workflow.EventWaiveRiskAssessment, func(h *harness, d *workflow.WaiveRiskAssessmentData) {})},
	{"waiver without legal basis", workflow.RuleReasonRequired, func(t *testing.T, h *harness) (int64, error) {
		return fireWith(workflow.StatePublicParticipation, workflow.EventWaivePublicParticipation, func(h *harness, d *workflow.WaivePublicParticipationData) { d.LegalBasis = "" })(t, statutory(h))
	}},
	{"waiver without reason", workflow.RuleReasonRequired, func(t *testing.T, h *harness) (int64, error) {
		return fireWith(workflow.StateExpertReview, workflow.EventWaiveExpertReview, func(h *harness, d *workflow.ReasonData) { d.Reason = "" })(t, statutory(h))
	}},
	{"risk waiver without reason", workflow.RuleReasonRequired, func(t *testing.T, h *harness) (int64, error) {
		return fireWith(workflow.StateRiskAssessment, workflow.EventWaiveRiskAssessment, func(h *harness, d *workflow.WaiveRiskAssessmentData) { d.Reason = "" })(t, statutory(h))
	}},
	{"defer without reason", workflow.RuleReasonRequired,
		fireWith(workflow.StateCollectiveDecision, workflow.EventDefer, func(h *harness, d *workflow.MeetingReasonData) { d.Reason = "" })},
	{"return for revision without reason", workflow.RuleReasonRequired,
		fireWith(workflow.StateCollectiveDecision, workflow.EventReturnForRevision, func(h *harness, d *workflow.MeetingReasonData) { d.Reason = " " })},
	{"retable without reason", workflow.RuleReasonRequired,
		fireWith(workflow.StateDeferred, workflow.EventRetable, func(h *harness, d *workflow.ReasonData) { d.Reason = "" })},
	{"withdraw without reason", workflow.RuleReasonRequired,
		fireWith(workflow.StateDrafting, workflow.EventWithdraw, func(h *harness, d *workflow.ReasonData) { d.Reason = "" })},
	{"return legality review without reasons", workflow.RuleReasonRequired,
		fireWith(workflow.StateLegalityReview, workflow.EventReturnLegalityReview, func(h *harness, d *workflow.LegalityReturnData) { d.Reasons = "" })},
	{"resubmit without revision note", workflow.RuleReasonRequired,
		fireWith(workflow.StateRevising, workflow.EventResubmitLegalityReview, func(h *harness, d *workflow.ResubmitData) { d.RevisionNote = "" })},
	{"pass without opinion", workflow.RuleLegalityOpinionRequired,
		fireWith(workflow.StateLegalityReview, workflow.EventPassLegalityReview, func(h *harness, d *workflow.LegalityPassData) { d.Opinion = "" })},
	{"return without opinion", workflow.RuleLegalityOpinionRequired,
		fireWith(workflow.StateLegalityReview, workflow.EventReturnLegalityReview, func(h *harness, d *workflow.LegalityReturnData) { d.Opinion = "" })},
	{"pass with unlawful content", workflow.RuleLegalityNotLawful,
		fireWith(workflow.StateLegalityReview, workflow.EventPassLegalityReview, func(h *harness, d *workflow.LegalityPassData) {
			no := false
			d.Content = &no
		})},
	{"pass without authority", workflow.RuleLegalityNotLawful,
		fireWith(workflow.StateLegalityReview, workflow.EventPassLegalityReview, func(h *harness, d *workflow.LegalityPassData) {
			no := false
			d.Authority = &no
		})},
	{"circulated sign-off", workflow.RuleMeetingKindInvalid,
		fireWith(workflow.StateCollectiveDecision, workflow.EventApprove, func(h *harness, d *workflow.ApproveData) { d.Meeting.Kind = "circulated_sign_off" })},
	{"defer by single-person decision", workflow.RuleMeetingKindInvalid,
		fireWith(workflow.StateCollectiveDecision, workflow.EventDefer, func(h *harness, d *workflow.MeetingReasonData) { d.Meeting.Kind = "" })},
	{"two attendees", workflow.RuleMeetingAttendees,
		fireWith(workflow.StateCollectiveDecision, workflow.EventApprove, func(h *harness, d *workflow.ApproveData) { d.Meeting.Attendees = attendees("agree") })},
	{"attendee without opinion", workflow.RuleMeetingAttendees,
		fireWith(workflow.StateCollectiveDecision, workflow.EventReject, func(h *harness, d *workflow.MeetingData) { d.Meeting.Attendees[1].Opinion = "" })},
	{"approve against the majority", workflow.RuleDepartureReasonRequired,
		fireWith(workflow.StateCollectiveDecision, workflow.EventApprove, func(h *harness, d *workflow.ApproveData) {
			d.Meeting.Attendees = attendees("agree", "disagree", "abstain")
		})},
	{"approve with changes on a tie", workflow.RuleDepartureReasonRequired,
		fireWith(workflow.StateCollectiveDecision, workflow.EventApproveWithChanges, func(h *harness, d *workflow.ApproveWithChangesData) {
			d.Meeting.Attendees = attendees("agree", "agree", "disagree", "disagree")
		})},
	{"reject against the majority", workflow.RuleDepartureReasonRequired,
		fireWith(workflow.StateCollectiveDecision, workflow.EventReject, func(h *harness, d *workflow.MeetingData) {
			d.Meeting.Attendees = attendees("agree", "agree", "disagree")
		})},
	{"publish without party report", workflow.RulePartyReportRequired,
		fireWith(workflow.StateApproved, workflow.EventPublish, func(h *harness, d *workflow.PublishData) { d.PartyReportedOn = "" })},
	{"party report after publication", workflow.RulePartyReportRequired,
		fireWith(workflow.StateApproved, workflow.EventPublish, func(h *harness, d *workflow.PublishData) {
			d.PartyReportedOn = h.today().AddDays(1).String()
		})},
	{"published before the decision", workflow.RulePublicationIncomplete,
		fireWith(workflow.StateApproved, workflow.EventPublish, func(h *harness, d *workflow.PublishData) {
			d.PublishedOn = h.today().AddDays(-1).String()
			d.PartyReportedOn = d.PublishedOn
		})},
	{"published on no channel", workflow.RulePublicationIncomplete,
		fireWith(workflow.StateApproved, workflow.EventPublish, func(h *harness, d *workflow.PublishData) { d.Channels = nil })},
	{"risk report without a consulted department", workflow.RuleRiskReportIncomplete,
		fireWith(workflow.StateRiskAssessment, workflow.EventCompleteRiskAssessment, func(h *harness, d *workflow.RiskReport) { d.ConsultedDepartments = []string{" "} })},
	{"waive public participation with an undisposed comment", workflow.RuleCommentsUndisposed, func(t *testing.T, h *harness) (int64, error) {
		h = statutory(h)
		id, err := setPeriodCase(0, 30, "")(t, h)
		if err != nil {
			t.Fatal(err)
		}
		if err := publicComment(h, id); err != nil {
			t.Fatal(err)
		}
		_, err = h.eng.Fire(h.ctx, staff, id, workflow.EventWaivePublicParticipation, mustJSON(t, h.validData(workflow.EventWaivePublicParticipation)), 0)
		return id, err
	}},
	{"no members total", workflow.RuleMeetingQuorumNotMet,
		fireWith(workflow.StateCollectiveDecision, workflow.EventApprove, func(h *harness, d *workflow.ApproveData) { d.Meeting.MembersTotal = 0 })},
	{"half of the members attend", workflow.RuleMeetingQuorumNotMet,
		fireWith(workflow.StateCollectiveDecision, workflow.EventDefer, func(h *harness, d *workflow.MeetingReasonData) { d.Meeting.MembersTotal = 8 })},
	{"more attending members than members", workflow.RuleMeetingQuorumNotMet,
		fireWith(workflow.StateCollectiveDecision, workflow.EventReject, func(h *harness, d *workflow.MeetingData) { d.Meeting.MembersTotal = 3 })},
	{"the head speaks first", workflow.RuleHeadMustSpeakLast,
		fireWith(workflow.StateCollectiveDecision, workflow.EventApprove, func(h *harness, d *workflow.ApproveData) {
			as := d.Meeting.Attendees
			d.Meeting.Attendees = append([]workflow.Attendee{as[len(as)-1]}, as[:len(as)-1]...)
		})},
	{"no head at the meeting", workflow.RuleHeadMustSpeakLast,
		fireWith(workflow.StateCollectiveDecision, workflow.EventReturnForRevision, func(h *harness, d *workflow.MeetingReasonData) {
			d.Meeting.Attendees[len(d.Meeting.Attendees)-1].IsHead = false
		})},
	{"two heads", workflow.RuleHeadMustSpeakLast,
		fireWith(workflow.StateCollectiveDecision, workflow.EventApprove, func(h *harness, d *workflow.ApproveData) { d.Meeting.Attendees[0].IsHead = true })},
	{"approve with changes without the decided text", workflow.RuleDecidedTextRequired,
		fireWith(workflow.StateCollectiveDecision, workflow.EventApproveWithChanges, func(h *harness, d *workflow.ApproveWithChangesData) { d.FinalText = " " })},
	{"review requested in 3 days", workflow.RuleReviewTimeTooShort,
		fireWith(workflow.StateRiskAssessment, workflow.EventCompleteRiskAssessment, func(h *harness, d *workflow.RiskReport) {
			d.ReviewRequestedBy = h.today().AddDays(3).String()
		})},
	{"review requested yesterday though urgent", workflow.RuleReviewTimeTooShort,
		fireWith(workflow.StateRevising, workflow.EventResubmitLegalityReview, func(h *harness, d *workflow.ResubmitData) {
			d.ReviewRequestedBy, d.UrgentReason = h.today().AddDays(-1).String(), "防汛紧急"
		})},
	{"waiver asks for the review tomorrow", workflow.RuleReviewTimeTooShort, func(t *testing.T, h *harness) (int64, error) {
		h = statutory(h)
		d := h.advance(t, workflow.StateRiskAssessment)
		data := h.validData(workflow.EventWaiveRiskAssessment).(workflow.WaiveRiskAssessmentData)
		data.ReviewRequestedBy = h.today().AddDays(1).String()
		_, err := h.eng.Fire(h.ctx, staff, d.ID, workflow.EventWaiveRiskAssessment, mustJSON(t, data), 0)
		return d.ID, err
	}},
	{"draft saved while the window is open", workflow.RuleDraftUnderConsultation, func(t *testing.T, h *harness) (int64, error) {
		id, err := setPeriodCase(0, 30, "")(t, h)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.eng.SaveDraft(h.ctx, staff, id, workflow.DraftInput{Text: "改过的正文", LegalBases: []string{"《条例》"}}, 0)
		return id, err
	}},
	{"meeting held tomorrow", workflow.RuleDateOutOfOrder,
		fireWith(workflow.StateCollectiveDecision, workflow.EventApprove, func(h *harness, d *workflow.ApproveData) {
			d.Meeting.HeldOn = h.today().AddDays(1).String()
		})},
	{"meeting held before the matter was put to it", workflow.RuleDateOutOfOrder,
		fireWith(workflow.StateCollectiveDecision, workflow.EventReject, func(h *harness, d *workflow.MeetingData) {
			d.Meeting.HeldOn = "2019-01-01"
		})},
	{"published in the future", workflow.RuleDateOutOfOrder,
		fireWith(workflow.StateApproved, workflow.EventPublish, func(h *harness, d *workflow.PublishData) {
			d.PublishedOn = "2099-01-01"
		})},
	{"reported to the Party committee before the decision existed", workflow.RuleDateOutOfOrder,
		fireWith(workflow.StateApproved, workflow.EventPublish, func(h *harness, d *workflow.PublishData) {
			d.PartyReportedOn = "1990-01-01"
		})},
	{"demote the last admin", workflow.RuleLastAdmin, func(t *testing.T, h *harness) (int64, error) {
		acc := workflow.NewAccounts(h.db, h.clock)
		name := fmt.Sprintf("root%d", time.Now().UnixNano()%1e9)
		if _, err := acc.CreateUser(h.ctx, nil, workflow.NewUser{Username: name, Role: workflow.RoleAdmin, Password: "long-enough-password"}); err != nil {
			t.Fatal(err)
		}
		root := &workflow.User{Username: name, Role: workflow.RoleAdmin}
		staffRole, yes := workflow.RoleStaff, true
		if _, err := acc.UpdateUser(h.ctx, root, name, workflow.UserUpdate{Role: &staffRole}); err == nil {
			// another admin exists in this store: the rule does not apply; take it away first
			t.Fatalf("demoted %s although it is the only admin of a fresh store", name)
		}
		_, err := acc.UpdateUser(h.ctx, root, name, workflow.UserUpdate{Disabled: &yes})
		return 0, err
	}},
	{"suspend without a ground", workflow.RuleSuspensionGroundRequired,
		fireWith(workflow.StatePublished, workflow.EventSuspend, func(h *harness, d *workflow.SuspendData) { d.Ground = "inconvenient" })},
	{"suspend without the reason it cannot wait", workflow.RuleSuspensionGroundRequired,
		fireWith(workflow.StatePublished, workflow.EventSuspend, func(h *harness, d *workflow.SuspendData) { d.Reason = " " })},
	{"evaluator assessed it before", workflow.RuleEvaluatorConflict,
		fireWith(workflow.StatePublished, workflow.EventStartEvaluation, func(h *harness, d *workflow.StartEvaluationData) {
			yes := true
			d.EvaluatorAssessedBefore = &yes
		})},
	{"evaluator gave an expert opinion", workflow.RuleEvaluatorConflict,
		fireWith(workflow.StateSuspended, workflow.EventStartEvaluation, func(h *harness, d *workflow.StartEvaluationData) {
			d.Evaluator = "省城乡规划设计研究院"
		})},
	{"evaluation without public opinions", workflow.RuleEvaluationReportRequired,
		fireWith(workflow.StateEvaluating, workflow.EventCompleteEvaluation, func(h *harness, d *workflow.EvaluationData) { d.PublicOpinionSummary = "" })},
	{"adjust without an evaluation", workflow.RuleEvaluationConclusionRequired, func(t *testing.T, h *harness) (int64, error) {
		d := h.advance(t, workflow.StatePublished)
		_, err := h.eng.Fire(h.ctx, head, d.ID, workflow.EventAdjust, mustJSON(t, h.validData(workflow.EventAdjust)), 0)
		return d.ID, err
	}},
	{"stop after an evaluation that said continue", workflow.RuleEvaluationConclusionRequired, func(t *testing.T, h *harness) (int64, error) {
		d := h.advance(t, workflow.StateEvaluating)
		ev := h.validData(workflow.EventCompleteEvaluation).(workflow.EvaluationData)
		ev.Conclusion = "continue"
		h.fire(t, staff, d.ID, workflow.EventCompleteEvaluation, ev)
		_, err := h.eng.Fire(h.ctx, head, d.ID, workflow.EventStop, mustJSON(t, h.validData(workflow.EventStop)), 0)
		return d.ID, err
	}},
	{"complete execution unpublished", workflow.RulePublicationRequired,
		fireWith(workflow.StateApproved, workflow.EventCompleteExecution, func(h *harness, d *workflow.CompleteExecutionData) {})},
	{"execution completed tomorrow", workflow.RuleDateOutOfOrder,
		fireWith(workflow.StatePublished, workflow.EventCompleteExecution, func(h *harness, d *workflow.CompleteExecutionData) {
			d.CompletedOn = h.today().AddDays(1).String()
		})},
	{"archive without number", workflow.RuleArchiveNoRequired,
		fireWith(workflow.StateExecuted, workflow.EventArchive, func(h *harness, d *workflow.ArchiveData) { d.ArchiveNo = "" })},
}

// TestRules violates every rule of workflow.md and checks its id, and that
// the refusal changed nothing.
func TestRules(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range append(append(append([]ruleCase{}, ruleCases...), catalogRuleCases...), startRuleCases...) { // catalogs_test.go
		covered[c.rule] = true
	}
	for _, r := range workflow.Rules {
		if !covered[r] {
			t.Errorf("rule %s has no test case", r)
		}
	}
	forEachStore(t, func(t *testing.T, h *harness) {
		for _, c := range append(append([]ruleCase{}, ruleCases...), startRuleCases...) {
			t.Run(c.name, func(t *testing.T) {
				id, err := c.run(t, h)
				wantCode(t, err, workflow.ERULE, c.rule)
				if id == 0 {
					return
				}
				d, gerr := h.eng.Decision(h.ctx, staff, id)
				if gerr != nil {
					t.Fatal(gerr)
				}
				if n := len(h.history(t, id)); int64(n) != d.Version {
					t.Fatalf("journal has %d entries but version is %d", n, d.Version)
				}
				if v := h.verify(t, id); !v.OK {
					t.Fatalf("verify after refusal: %+v", v)
				}
			})
		}
	})
}

// TestRuleBoundaries shows the rules let through what the law allows.
func TestRuleBoundaries(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		t.Run("short period with a reason", func(t *testing.T) {
			if _, err := setPeriodCase(0, 10, "时间紧迫，经批准缩短")(t, h); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("exactly 30 days", func(t *testing.T) {
			if _, err := setPeriodCase(0, 30, "")(t, h); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("comment on the closing day", func(t *testing.T) {
			id, err := setPeriodCase(0, 30, "")(t, h)
			if err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(30 * 24 * time.Hour)
			if err := publicComment(h, id); err != nil {
				t.Fatalf("comment on closes_on: %v", err)
			}
		})
		t.Run("approve against the majority with a reason", func(t *testing.T) {
			d := h.advance(t, workflow.StateCollectiveDecision)
			m := h.meeting("agree", "disagree", "abstain")
			m.DepartureReason = "民生急需，行政首长决定"
			h.fire(t, head, d.ID, workflow.EventApprove, workflow.ApproveData{Meeting: m})
		})
		t.Run("reject with the majority against", func(t *testing.T) {
			d := h.advance(t, workflow.StateCollectiveDecision)
			h.fire(t, head, d.ID, workflow.EventReject, workflow.MeetingData{Meeting: h.meeting("disagree", "abstain", "agree")})
		})
		t.Run("more attendees when configured", func(t *testing.T) {
			h2 := h.withSettings(func(s *workflow.Settings) { s.MinAttendees = 5 })
			d := h2.advance(t, workflow.StateCollectiveDecision)
			err := h2.fireErr(t, head, d.ID, workflow.EventApprove, workflow.ApproveData{Meeting: h2.meeting("agree", "agree", "agree")})
			wantCode(t, err, workflow.ERULE, workflow.RuleMeetingAttendees)
			h2.fire(t, head, d.ID, workflow.EventApprove, workflow.ApproveData{Meeting: h2.meeting("agree", "agree", "agree", "agree")})
		})
	})
}
