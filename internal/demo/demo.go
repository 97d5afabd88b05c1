// Package demo fills an empty database with sample decisions for `serve
// --demo`, through the engine itself, its clock set back so that every
// journal chain is valid and every date lawful: six decisions in six
// states, one archived with its attachments and its whole dossier, and
// the published catalog of the current year that two of them start from;
// the other four are proposals the head started outside the catalog
// (lifecycle.md "Starting a decision").
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"decisionflow/workflow"
)

// The actors the demo works as (the demo accounts' names).
var (
	staff = &workflow.User{Username: "staff", Role: workflow.RoleStaff}
	legal = &workflow.User{Username: "legal", Role: workflow.RoleLegalAdvisor}
	head  = &workflow.User{Username: "head", Role: workflow.RoleHead}
)

// Seed creates the sample decisions on a store without any, the engine's
// clock running from about 60 days before now; it returns how many it
// created (0 when the store already holds decisions: it is never touched).
func Seed(ctx context.Context, store workflow.DecisionStore, settings workflow.Settings, now time.Time) (int, error) {
	n, err := store.CountDecisions(ctx, workflow.DecisionFilter{})
	if err != nil || n > 0 {
		return 0, err
	}
	day := func(offset int) time.Time {
		y, m, d := now.In(settings.Location).AddDate(0, 0, offset).Date()
		return time.Date(y, m, d, 9, 0, 0, 0, settings.Location)
	}
	s := &seeder{ctx: ctx, clock: workflow.NewManualClock(day(-60)), day: day}
	s.eng = workflow.NewEngine(store, s.clock, settings)
	if err := s.catalog(); err != nil {
		return 0, fmt.Errorf("demo catalog: %w", err)
	}
	steps := []func() error{s.archived, s.collective, s.legality, s.expert, s.consultation, s.drafting}
	for i, step := range steps {
		if err := step(); err != nil {
			return i, fmt.Errorf("demo decision %d: %w", i+1, err)
		}
	}
	return len(steps), nil
}

type seeder struct {
	ctx   context.Context
	eng   *workflow.Engine
	clock *workflow.ManualClock
	day   func(offset int) time.Time
	err   error
	// entries are the catalog entries demo decisions start from, by title.
	entries map[string]*int64
}

// catalog drafts, approves and publishes the catalog of the current year
// before the first decision, with a few matters; the archived and the
// collective decisions start from theirs. A catalog of the year that
// exists already is left alone.
func (s *seeder) catalog() error {
	year := s.day(0).Year()
	if _, err := s.eng.Catalog(s.ctx, staff, year); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		return err // nil: the year has its catalog
	}
	// quarter is the quarter of the year of the day offset days from today.
	quarter := func(offset int) workflow.Quarter {
		switch d := s.day(offset); {
		case d.Year() < year:
			return 1
		case d.Year() > year:
			return 4
		default:
			return workflow.Quarter((d.Month()-1)/3 + 1)
		}
	}
	s.at(-63)
	matters := []workflow.EntryInput{
		{Title: "关于老旧小区加装电梯补助的决定", Category: "public_policy", UndertakingUnit: "镇城建办", PlannedQuarter: quarter(-60), Reason: "涉及群众切身利益，社会关注度高"},
		{Title: "关于镇区农贸市场升级改造的决定", Category: "construction_project", UndertakingUnit: "镇市场监管所", PlannedQuarter: quarter(-50), Reason: "重大公共建设项目"},
		{Title: "关于编制镇区村庄规划的决定", Category: "plan", UndertakingUnit: "镇自然资源所", PlannedQuarter: quarter(30), Reason: "经济社会发展重要规划"},
		{Title: "关于镇区生活污水处理设施建设的决定", Category: "construction_project", UndertakingUnit: "镇城建办", PlannedQuarter: quarter(60), Reason: "重大公共建设项目，涉及生态环境保护"},
	}
	s.entries = map[string]*int64{}
	for i, in := range matters {
		en, err := s.eng.AddCatalogEntry(s.ctx, staff, year, in)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i+1, err)
		}
		if i < 2 {
			s.entries[in.Title] = &en.ID
		}
	}
	s.at(-62)
	if _, err := s.eng.FireCatalog(s.ctx, head, year, workflow.EventApproveCatalog, []byte(`{"party_approved_on":"`+s.date(-62)+`"}`)); err != nil {
		return err
	}
	s.at(-61)
	_, err := s.eng.FireCatalog(s.ctx, staff, year, workflow.EventPublishCatalog,
		[]byte(`{"published_on":"`+s.date(-61)+`","url":"https://www.example.gov.cn/zwgk/jcml/`+fmt.Sprint(year)+`"}`))
	return err
}

// at moves the clock to the day offset days from today.
func (s *seeder) at(offset int) { s.clock.Set(s.day(offset)) }

func (s *seeder) date(offset int) string { return s.day(offset).Format("2006-01-02") }

// fire fires an event with its JSON data, keeping the first error.
func (s *seeder) fire(who *workflow.User, id int64, event, data string) {
	if s.err == nil {
		if _, err := s.eng.Fire(s.ctx, who, id, event, json.RawMessage(data), 0); err != nil {
			s.err = fmt.Errorf("%s: %w", event, err)
		}
	}
}

// attach adds a generated PDF of kind.
func (s *seeder) attach(who *workflow.User, id int64, kind, name string, public bool) {
	if s.err != nil {
		return
	}
	pdf := samplePDF(name)
	in := workflow.AttachmentInput{Kind: kind, Filename: name, Public: public}
	if _, err := s.eng.AddAttachment(s.ctx, who, id, in, bytes.NewReader(pdf), int64(len(pdf))); err != nil {
		s.err = fmt.Errorf("attach %s: %w", name, err)
	}
}

// proposals are the sources and texts of the demo decisions outside the
// catalog, by title; the first two start from the catalog unless the year
// had its catalog before the demo.
var proposals = map[string][2]string{
	"关于老旧小区加装电梯补助的决定":     {"deputies", "人大代表建议对老旧小区加装电梯给予补助。"},
	"关于镇区农贸市场升级改造的决定":     {"department", "镇市场监管所提出对镇区农贸市场升级改造。"},
	"关于调整镇区公交线路的决定":       {"deputies", "人大代表建议调整镇区公交线路，方便学生上下学。"},
	"关于设立镇级农村环境整治专项资金的决定": {"department", "镇农业农村办提出设立农村环境整治专项资金。"},
	"关于实施镇区垃圾分类管理的决定":     {"public", "多名居民来信建议在镇区实施生活垃圾分类。"},
	"关于镇区停车收费标准调整的决定":     {"leadership", "镇政府领导班子提出调整镇区公共停车场收费标准。"},
}

// create starts a decision on the day offset days from today: from its
// catalog entry, or as a proposal made two days before that the head
// started the day before.
func (s *seeder) create(offset int, in workflow.NewDecision) (*workflow.Decision, error) {
	if in.CatalogEntryID = s.entries[in.Title]; in.CatalogEntryID != nil {
		in.Category = "" // the entry's
		s.at(offset)
		return s.eng.Create(s.ctx, staff, in)
	}
	p, ok := proposals[in.Title]
	if !ok {
		return nil, fmt.Errorf("no catalog entry and no proposal for %s", in.Title)
	}
	in.Source, in.Proposal = p[0], p[1]
	s.at(offset - 2)
	d, err := s.eng.Create(s.ctx, staff, in)
	if err != nil {
		return nil, err
	}
	s.at(offset - 1)
	data, err := json.Marshal(workflow.StartData{UndertakingUnit: in.UndertakingUnit,
		OffCatalogReason: "年度决策事项目录公布后提出，经研究属于重大行政决策事项"})
	if err != nil {
		return nil, err
	}
	if d, err = s.eng.Fire(s.ctx, head, d.ID, workflow.EventStart, data, 0); err != nil {
		return nil, fmt.Errorf("%s: %w", workflow.EventStart, err)
	}
	s.at(offset)
	return d, nil
}

// start creates a decision with its draft and submits it, the comment
// period opening that day for 30 days.
func (s *seeder) start(offset int, title, unit, text string) int64 {
	d, err := s.create(offset, workflow.NewDecision{Title: title, Summary: title, Category: "public_policy", UndertakingUnit: unit})
	if err != nil {
		s.err = err
		return 0
	}
	if _, err := s.eng.SaveDraft(s.ctx, staff, d.ID, workflow.DraftInput{Text: text, LegalBases: []string{"《重大行政决策程序暂行条例》"}}, 0); err != nil {
		s.err = err
		return d.ID
	}
	s.fire(staff, d.ID, workflow.EventSubmitDraft, "null")
	if s.err == nil {
		in := workflow.CommentPeriodInput{OpensOn: s.date(offset), ClosesOn: s.date(offset + 30), Channels: []string{"镇政府网站", "公示栏"}}
		if _, err := s.eng.SetCommentPeriod(s.ctx, staff, d.ID, in, 0); err != nil {
			s.err = err
		}
	}
	s.attach(staff, d.ID, workflow.AttachDraftExplanation, "起草说明.pdf", true)
	return d.ID
}

// throughRisk takes a decision started offset days ago (offset+31 <= 0)
// from public participation to legality review.
func (s *seeder) throughRisk(id int64, offset int) {
	s.at(offset + 31)
	s.fire(staff, id, workflow.EventCompletePublicParticipation, `{"adoption_report":"公示期内未收到意见"}`)
	if s.err == nil {
		in := workflow.ExpertOpinionInput{ExpertName: "周教授", Institution: "省城乡规划设计研究院", Opinion: "方案可行", Signed: ptr(true), ConflictOfInterest: ptr(false)}
		if _, err := s.eng.AddExpertOpinion(s.ctx, staff, id, in); err != nil {
			s.err = err
		}
	}
	s.attach(staff, id, workflow.AttachExpertOpinion, "专家论证意见（签字扫描件）.pdf", false)
	s.fire(staff, id, workflow.EventCompleteExpertReview, `{"adoption_report":"采纳专家意见"}`)
	s.attach(staff, id, workflow.AttachRiskReport, "社会稳定风险评估报告.pdf", false)
	s.fire(staff, id, workflow.EventCompleteRiskAssessment, `{"risk_points":"补助标准引发攀比","measures":"公开补助标准","response_plan":"设立咨询窗口","consulted_departments":["镇财政所","镇信访办"],"conclusion":"controllable"}`)
	s.attach(staff, id, workflow.AttachLegalBasis, "法律依据汇编.pdf", false)
}

func (s *seeder) passAndApprove(id int64, offset int, approve bool) {
	s.attach(legal, id, workflow.AttachLegalityOpinion, "合法性审查意见书.pdf", false)
	s.fire(legal, id, workflow.EventPassLegalityReview, `{"opinion":"决策权限、程序、内容合法","authority":true,"procedure":true,"content":true}`)
	if !approve {
		return
	}
	s.attach(head, id, workflow.AttachMeetingMinutes, "镇政府常务会议纪要.pdf", false)
	s.fire(head, id, workflow.EventApprove, `{"meeting":{"kind":"executive_meeting","held_on":"`+s.date(offset)+`","location":"镇政府三楼会议室","members_total":5,"attendees":[`+
		`{"name":"刘书记","position":"党委书记","opinion":"agree","statement":"同意"},{"name":"陈副镇长","position":"副镇长","opinion":"agree","statement":"同意"},`+
		`{"name":"王委员","position":"党委委员","opinion":"abstain","statement":"弃权"},{"name":"张镇长","position":"镇长","is_head":true,"opinion":"agree","statement":"同意，最后发言"}]}}`)
}

// archived: the whole life, published and archived, every paper attached.
func (s *seeder) archived() error {
	id := s.start(-60, "关于老旧小区加装电梯补助的决定", "镇城建办", "第一条 为改善老旧小区居住条件，对加装电梯给予补助。")
	s.throughRisk(id, -60)
	s.passAndApprove(id, -29, true)
	s.at(-28)
	s.fire(staff, id, workflow.EventPublish, `{"published_on":"`+s.date(-28)+`","channels":["镇政府网站"],"party_reported_on":"`+s.date(-28)+`"}`)
	s.attach(staff, id, workflow.AttachPublication, "决定公布文本.pdf", false)
	s.at(-3)
	s.attach(staff, id, workflow.AttachEvaluationReport, "执行情况报告.pdf", false)
	s.fire(staff, id, workflow.EventCompleteExecution, `{"summary":"补助已全部发放","completed_on":"`+s.date(-3)+`"}`)
	s.fire(staff, id, workflow.EventArchive, fmt.Sprintf(`{"archive_no":"WS·%d-Y-0001"}`, s.day(0).Year()))
	return s.err
}

// collective: reviewed, waiting for the meeting.
func (s *seeder) collective() error {
	id := s.start(-50, "关于镇区农贸市场升级改造的决定", "镇市场监管所", "第一条 对镇区农贸市场实施升级改造。")
	s.throughRisk(id, -50)
	s.passAndApprove(id, -18, false)
	return s.err
}

// legality: sent to legality review with its materials.
func (s *seeder) legality() error {
	id := s.start(-40, "关于调整镇区公交线路的决定", "镇交通管理站", "第一条 调整镇区公交线路，增设学校站点。")
	s.throughRisk(id, -40)
	return s.err
}

// expert: public participation done, expert review under way.
func (s *seeder) expert() error {
	id := s.start(-35, "关于设立镇级农村环境整治专项资金的决定", "镇农业农村办", "第一条 设立农村环境整治专项资金。")
	s.at(-4)
	s.fire(staff, id, workflow.EventCompletePublicParticipation, `{"adoption_report":"收到意见2条，均已采纳"}`)
	return s.err
}

// consultation: open for comment now, its drafting explanation public.
func (s *seeder) consultation() error {
	id := s.start(-5, "关于实施镇区垃圾分类管理的决定", "镇环卫所", "第一条 在镇区全面实施生活垃圾分类。")
	if s.err == nil {
		in := workflow.PublicCommentInput{Content: "建议增加分类垃圾桶的数量", AuthorName: "居民甲"}
		if _, err := s.eng.AddPublicComment(s.ctx, id, in); err != nil {
			s.err = err
		}
	}
	return s.err
}

// drafting: a draft being written.
func (s *seeder) drafting() error {
	d, err := s.create(-1, workflow.NewDecision{Title: "关于镇区停车收费标准调整的决定", Summary: "调整镇区公共停车场收费标准",
		Category: "public_policy", UndertakingUnit: "镇发改办"})
	if err != nil {
		return err
	}
	if _, err := s.eng.SaveDraft(s.ctx, staff, d.ID, workflow.DraftInput{Text: "第一条 调整镇区公共停车场收费标准。", LegalBases: []string{"《价格法》"}}, 0); err != nil {
		return err
	}
	s.attach(staff, d.ID, workflow.AttachDraftExplanation, "起草说明（初稿）.pdf", false)
	return s.err
}

func ptr[T any](v T) *T { return &v }

// samplePDF is a one-page PDF naming the paper it stands for.
func samplePDF(title string) []byte {
	text := fmt.Sprintf("decisionflow demo: %x", []byte(title))
	if len(text) > 80 {
		text = text[:80]
	}
	return PDF(text)
}

// PDF is a valid one-page PDF showing text (ASCII), its cross-reference
// table at the right offsets.
func PDF(text string) []byte {
	stream := "BT /F1 12 Tf 72 770 Td (" + text + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// The rest of this file brings decisions to a given point for the benchmark and
// the load and fault tests (formerly package seed): one place besides the
// table that fires events by name.

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
