package storage_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"decisionflow/storage"
	"decisionflow/storage/pgtest"
	"decisionflow/workflow"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// start is the engine clock's first instant in every test: 09:00 in Shanghai.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// Users of the tests. The engine takes the acting user; accounts are tested apart.
var (
	staff = &workflow.User{ID: 1, Username: "wang.fang", DisplayName: "王芳", Role: workflow.RoleStaff}
	legal = &workflow.User{ID: 2, Username: "li.lawyer", DisplayName: "李律师", Role: workflow.RoleLegalAdvisor}
	head  = &workflow.User{ID: 3, Username: "zhang.head", DisplayName: "张镇长", Role: workflow.RoleHead}
	admin = &workflow.User{ID: 4, Username: "admin", DisplayName: "管理员", Role: workflow.RoleAdmin}
	users = map[workflow.Role]*workflow.User{
		workflow.RoleStaff: staff, workflow.RoleLegalAdvisor: legal, workflow.RoleHead: head, workflow.RoleAdmin: admin,
	}
)

// harness is one store with an engine on a manual clock.
type harness struct {
	name  string
	db    *storage.DB
	clock *workflow.ManualClock
	eng   *workflow.Engine
	ctx   context.Context
}

// withSettings returns an engine on the same store and clock with other settings.
func (h *harness) withSettings(mod func(*workflow.Settings)) *harness {
	s := workflow.DefaultSettings()
	mod(&s)
	h2 := *h
	h2.eng = workflow.NewEngine(h.db, h.clock, s)
	return &h2
}

// openStore opens a fresh migrated store of the named dialect.
func openStore(t testing.TB, dialect storage.Dialect) *storage.DB {
	t.Helper()
	db, _ := openStoreDSN(t, dialect)
	return db
}

// openStoreDSN opens a fresh migrated store and returns its DSN too, for
// tools run beside it.
func openStoreDSN(t testing.TB, dialect storage.Dialect) (*storage.DB, string) {
	t.Helper()
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "test.db")
	if dialect == storage.Postgres {
		dsn = pgtest.NewDatabase(t)
	}
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	if dialect == storage.SQLite {
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	return db, dsn
}

// forEachStore runs fn as one subtest per store: the conformance suite.
func forEachStore(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	for _, dialect := range []storage.Dialect{storage.Postgres, storage.SQLite} {
		t.Run(string(dialect), func(t *testing.T) {
			db := openStore(t, dialect)
			clock := workflow.NewManualClock(start)
			fn(t, &harness{
				name: string(dialect), db: db, clock: clock, ctx: context.Background(),
				eng: workflow.NewEngine(db, clock, workflow.DefaultSettings()),
			})
		})
	}
}

func (h *harness) today() workflow.Date { return h.eng.Today() }

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// create makes a decision in drafting the lawful way outside the catalog:
// a proposal from the leadership (journal entry 1, create) that the head
// starts (entry 2, start).
func (h *harness) create(t testing.TB) *workflow.Decision {
	t.Helper()
	d, err := h.eng.Create(h.ctx, staff, proposed(workflow.NewDecision{
		Title: "关于老旧小区加装电梯补助的决定", Summary: "对老旧小区加装电梯给予财政补助",
		Category: "public_policy", UndertakingUnit: "镇城建办",
	}))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return h.start(t, d.ID, d.UndertakingUnit)
}

// proposed makes in a proposal from the leadership (lifecycle.md "Starting
// a decision"): a decision outside the catalog, started in proposed.
func proposed(in workflow.NewDecision) workflow.NewDecision {
	in.Source, in.Proposal = "leadership", "镇领导班子建议：研究"+in.Title
	return in
}

// start has the head start a proposed decision with its undertaking unit.
func (h *harness) start(t testing.TB, id int64, unit string) *workflow.Decision {
	t.Helper()
	return h.fire(t, head, id, workflow.EventStart, workflow.StartData{
		UndertakingUnit: unit, OffCatalogReason: "群众反映集中，年度目录编制后提出",
	})
}

func (h *harness) saveDraft(t testing.TB, id int64) *workflow.Draft {
	t.Helper()
	dr, err := h.eng.SaveDraft(h.ctx, staff, id, workflow.DraftInput{
		Text: "第一条 为改善老旧小区居住条件，制定本办法。", LegalBases: []string{"《重大行政决策程序暂行条例》", "《城市居住区规划设计标准》"},
	}, 0)
	if err != nil {
		t.Fatalf("save draft: %v", err)
	}
	return dr
}

// fire fires an event that must succeed.
func (h *harness) fire(t testing.TB, actor *workflow.User, id int64, event string, data any) *workflow.Decision {
	t.Helper()
	d, err := h.eng.Fire(h.ctx, actor, id, event, mustJSON(t, data), 0)
	if err != nil {
		t.Fatalf("%s: fire %s: %v", h.name, event, err)
	}
	return d
}

// fireErr fires an event that must fail, and returns the error.
func (h *harness) fireErr(t testing.TB, actor *workflow.User, id int64, event string, data any) error {
	t.Helper()
	_, err := h.eng.Fire(h.ctx, actor, id, event, mustJSON(t, data), 0)
	if err == nil {
		t.Fatalf("%s: fire %s succeeded; want an error", h.name, event)
	}
	return err
}

// attendees are the members who speak with these opinions, in order, then
// the head, who speaks last and agrees.
func attendees(opinions ...string) []workflow.Attendee {
	names := []string{"刘书记", "陈副镇长", "赵委员", "孙委员", "钱委员", "周委员"}
	out := make([]workflow.Attendee, 0, len(opinions)+1)
	for i, o := range opinions {
		out = append(out, workflow.Attendee{Name: names[i%len(names)], Position: "班子成员", Opinion: o, Statement: "发言：" + o})
	}
	return append(out, workflow.Attendee{Name: "张镇长", Position: "镇长", IsHead: true, Opinion: "agree", Statement: "同意，按多数意见决定"})
}

// meeting is a lawful meeting today: the members with these opinions and
// the head attend, of a body of one more member than attend.
func (h *harness) meeting(opinions ...string) *workflow.Meeting {
	if len(opinions) == 0 {
		opinions = []string{"agree", "agree", "agree"}
	}
	as := attendees(opinions...)
	return &workflow.Meeting{Kind: "executive_meeting", HeldOn: h.today().String(), Location: "镇政府三楼会议室",
		MembersTotal: len(as) + 1, Attendees: as}
}

// validData returns data with which event passes every rule, given a
// decision brought to its source state by advance.
func (h *harness) validData(event string) any {
	today := h.today().String()
	switch event {
	case workflow.EventSubmitDraft:
		return map[string]any{}
	case workflow.EventCompletePublicParticipation, workflow.EventCompleteExpertReview:
		return workflow.AdoptionReportData{AdoptionReport: "意见采纳情况：全部意见已研究处理。"}
	case workflow.EventWaivePublicParticipation:
		return workflow.WaivePublicParticipationData{Reason: "涉及依法不予公开的事项", LegalBasis: "《政府信息公开条例》第十四条"}
	case workflow.EventWaiveExpertReview, workflow.EventRetable, workflow.EventWithdraw:
		return workflow.ReasonData{Reason: "事项不具有专业性、技术性"}
	case workflow.EventCompleteRiskAssessment:
		return workflow.RiskReport{RiskPoints: "补助标准引发攀比", Measures: "公开标准", ResponsePlan: "设立咨询窗口",
			ConsultedDepartments: []string{"镇财政所", "镇信访办"}, Conclusion: "controllable"}
	case workflow.EventWaiveRiskAssessment:
		return workflow.WaiveRiskAssessmentData{Reason: "不涉及社会稳定风险", PriorAssessmentRef: "2025-风评-07"}
	case workflow.EventPassLegalityReview:
		yes := true
		return workflow.LegalityPassData{Opinion: "经审查，决策权限、程序、内容合法。", Authority: &yes, Procedure: &yes, Content: &yes}
	case workflow.EventReturnLegalityReview:
		return workflow.LegalityReturnData{Opinion: "第三条与上位法不一致。", Reasons: "补助对象范围超出授权"}
	case workflow.EventResubmitLegalityReview:
		return workflow.ResubmitData{RevisionNote: "已按审查意见修改第三条"}
	case workflow.EventApprove:
		return workflow.ApproveData{Meeting: h.meeting()}
	case workflow.EventReject:
		return workflow.MeetingData{Meeting: h.meeting("disagree", "disagree", "agree")}
	case workflow.EventApproveWithChanges:
		return workflow.ApproveWithChangesData{Meeting: h.meeting(), Changes: "补助标准调整为每台十五万元",
			FinalText: "第一条 为改善老旧小区居住条件，对加装电梯每台补助十五万元。"}
	case workflow.EventDefer, workflow.EventReturnForRevision:
		return workflow.MeetingReasonData{Meeting: h.meeting("abstain", "agree", "disagree"), Reason: "需进一步调研"}
	case workflow.EventPublish:
		return workflow.PublishData{PublishedOn: today, Channels: []string{"镇政府门户网站", "公示栏"}, PartyReportedOn: today}
	case workflow.EventArchive:
		return workflow.ArchiveData{ArchiveNo: "WS·2026-Y-0012"}
	case workflow.EventSuspend:
		return workflow.SuspendData{Ground: "problem", Reason: "补助发放中发现冒领，须立即中止"}
	case workflow.EventResume:
		return workflow.ReasonData{Reason: "问题已查清整改"}
	case workflow.EventStartEvaluation:
		no := false
		return workflow.StartEvaluationData{Trigger: "deemed_necessary", Evaluator: "镇司法所", EvaluatorAssessedBefore: &no}
	case workflow.EventCompleteEvaluation:
		return workflow.EvaluationData{Report: "评估报告：补助标准偏低", PublicOpinionSummary: "群众希望提高补助", Conclusion: "adjust"}
	case workflow.EventAdjust, workflow.EventStop:
		return workflow.MeetingReasonData{Meeting: h.meeting(), Reason: "根据评估结论调整补助标准"}
	case workflow.EventCompleteExecution:
		return workflow.CompleteExecutionData{Summary: "补助已全部发放", CompletedOn: today}
	case workflow.EventSupersede:
		return map[string]any{}
	case workflow.EventStart:
		return workflow.StartData{UndertakingUnit: "镇民政办", OffCatalogReason: "人大代表建议，年度目录编制后提出", CooperatingUnits: []string{"镇财政所"}}
	case workflow.EventDecline:
		return workflow.ReasonData{Reason: "不属于重大行政决策事项"}
	}
	panic("no valid data for " + event)
}

// path is the way to each state from drafting: the events in order, each
// fired with validData by its role, with the records their rules need.
var path = map[workflow.State][]string{
	workflow.StateDrafting:            {},
	workflow.StatePublicParticipation: {workflow.EventSubmitDraft},
	workflow.StateExpertReview:        {workflow.EventSubmitDraft, workflow.EventCompletePublicParticipation},
	workflow.StateRiskAssessment:      {workflow.EventSubmitDraft, workflow.EventCompletePublicParticipation, workflow.EventCompleteExpertReview},
	workflow.StateLegalityReview:      {workflow.EventSubmitDraft, workflow.EventCompletePublicParticipation, workflow.EventCompleteExpertReview, workflow.EventCompleteRiskAssessment},
}

func init() {
	lr := path[workflow.StateLegalityReview]
	path[workflow.StateRevising] = append(append([]string{}, lr...), workflow.EventReturnLegalityReview)
	cd := append(append([]string{}, lr...), workflow.EventPassLegalityReview)
	path[workflow.StateCollectiveDecision] = cd
	path[workflow.StateDeferred] = append(append([]string{}, cd...), workflow.EventDefer)
	path[workflow.StateApproved] = append(append([]string{}, cd...), workflow.EventApprove)
	path[workflow.StateRejected] = append(append([]string{}, cd...), workflow.EventReject)
	path[workflow.StatePublished] = append(append([]string{}, cd...), workflow.EventApprove, workflow.EventPublish)
	pub := append(append([]string{}, cd...), workflow.EventApprove, workflow.EventPublish)
	path[workflow.StateSuspended] = append(append([]string{}, pub...), workflow.EventSuspend)
	path[workflow.StateEvaluating] = append(append([]string{}, pub...), workflow.EventStartEvaluation)
	path[workflow.StateExecuted] = append(append([]string{}, pub...), workflow.EventCompleteExecution)
	path[workflow.StateStopped] = append(append([]string{}, path[workflow.StateSuspended]...), workflow.EventStop)
	path[workflow.StateArchived] = append(append([]string{}, pub...), workflow.EventCompleteExecution, workflow.EventArchive)
	path[workflow.StateWithdrawn] = []string{workflow.EventWithdraw}
}

// advance creates a decision and brings it to state along path. The clock
// moves on 31 days for the comment period, as it would in a real town.
func (h *harness) advance(t testing.TB, state workflow.State) *workflow.Decision {
	t.Helper()
	if state == workflow.StateAdjusted {
		old, _ := h.adjust(t)
		return old
	}
	if state == workflow.StateProposed || state == workflow.StateDeclined {
		return h.proposal(t, state) // catalogs_test.go: not on the way from drafting
	}
	d := h.create(t)
	h.saveDraft(t, d.ID)
	for _, ev := range path[state] {
		h.prepare(t, d.ID, ev)
		def, _ := workflow.LookupEvent(ev)
		d = h.fire(t, users[def.Role], d.ID, ev, h.validData(ev))
	}
	if d.State != state {
		t.Fatalf("advance: at %s, want %s", d.State, state)
	}
	return d
}

// prepare records what the event's rules need: the comment period (and its
// end), the expert opinion.
func (h *harness) prepare(t testing.TB, id int64, event string) {
	t.Helper()
	switch event {
	case workflow.EventCompletePublicParticipation:
		h.setPeriod(t, id)
		h.clock.Advance(31 * 24 * time.Hour)
	case workflow.EventCompleteExpertReview:
		h.addOpinion(t, id)
	case workflow.EventAdjust, workflow.EventStop:
		// Unless suspended, an evaluation concluded the decision must change.
		if d, _ := h.eng.Decision(h.ctx, staff, id); d != nil && d.State == workflow.StatePublished {
			h.fire(t, head, id, workflow.EventStartEvaluation, h.validData(workflow.EventStartEvaluation))
			h.fire(t, staff, id, workflow.EventCompleteEvaluation, h.validData(workflow.EventCompleteEvaluation))
		}
	}
}

func (h *harness) setPeriod(t testing.TB, id int64) {
	t.Helper()
	today := h.today()
	_, err := h.eng.SetCommentPeriod(h.ctx, staff, id, workflow.CommentPeriodInput{
		OpensOn: today.String(), ClosesOn: today.AddDays(30).String(), Channels: []string{"镇政府门户网站"},
	}, 0)
	if err != nil {
		t.Fatalf("set comment period: %v", err)
	}
}

func (h *harness) addOpinion(t testing.TB, id int64) *workflow.ExpertOpinion {
	t.Helper()
	yes, no := true, false
	o, err := h.eng.AddExpertOpinion(h.ctx, staff, id, workflow.ExpertOpinionInput{
		ExpertName: "周教授", Institution: "省城乡规划设计研究院", Opinion: "方案可行", Signed: &yes, ConflictOfInterest: &no,
	})
	if err != nil {
		t.Fatalf("add expert opinion: %v", err)
	}
	return o
}

// wantCode fails unless err has the code (and, for ERULE, the rule).
func wantCode(t testing.TB, err error, code, rule string) {
	t.Helper()
	if got := workflow.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if got := workflow.ErrorRule(err); got != rule {
		t.Fatalf("rule = %q (%v), want %q", got, err, rule)
	}
}

func (h *harness) history(t testing.TB, id int64) []workflow.JournalEntry {
	t.Helper()
	es, err := h.eng.History(h.ctx, staff, id)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	return es
}

func (h *harness) verify(t testing.TB, id int64) workflow.Verification {
	t.Helper()
	v, err := h.eng.VerifyOne(h.ctx, id)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return v
}
