package web

import (
	"strconv"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// The catalog, the start of a decision and hearings: their translations
// (added to messages where the shared table has none yet) and the record
// action of hearings. A hearing's participants are a list, one a line,
// written "name|group" (group: affected_party, deputy, expert, other):
// the generic decoder sends the lines as strings, which
// workflow.Participant reads as well as {name, group} objects.

var catalogMessages = map[string][2]string{
	"state.proposed":                     {"建议（待启动）", "Proposed"},
	"state.declined":                     {"不予启动", "Declined"},
	"event.start":                        {"启动决策", "Start"},
	"event.decline":                      {"不予启动", "Decline"},
	"action.add_hearing":                 {"记录听证会", "Record a hearing"},
	"record.add_hearing":                 {"听证会", "Hearing"},
	"field.undertaking_unit":             {"承办单位", "Undertaking unit"},
	"field.off_catalog_reason":           {"目录外启动理由", "Why outside the catalog"},
	"field.cooperating_units":            {"协办单位（每行一个）", "Cooperating units (one a line)"},
	"field.announced_on":                 {"听证公告日期", "Announced on"},
	"field.participants_published_on":    {"参加人名单公布日期", "Participant list published on"},
	"field.materials_sent_on":            {"材料送达日期", "Materials sent on"},
	"field.held_on":                      {"举行日期", "Held on"},
	"field.location":                     {"地点", "Location"},
	"field.participants":                 {"参加人（每行“姓名|类别”：affected_party 利害关系人代表、deputy 人大代表/政协委员、expert 专家、other 其他）", "Participants (one a line, \"name|group\": affected_party, deputy, expert, other)"},
	"field.transcript":                   {"听证笔录", "Transcript"},
	"field.record_signed":                {"笔录经参加人确认签字", "Record signed by the participants"},
	"field.report":                       {"听证报告", "Hearing report"},
	"field.reason":                       {"理由", "Reason"},
	"rule.catalog-not-published":         {"该事项所在的决策事项目录尚未公布。", "The entry's catalog is not published."},
	"rule.catalog-entry-taken":           {"该目录事项已启动决策。", "A decision was already started from this entry."},
	"rule.catalog-frozen":                {"目录已报批或已公布：报批期间不得修改；公布后仅由行政首长经党委同意调整，并说明理由。", "The catalog is frozen while approved; after publication only the head adjusts it, with a reason and the Party committee's consent."},
	"rule.party-approval-required":       {"目录须有事项并经同级党委同意（填写同意日期）。", "The catalog needs an entry and the date of the Party committee's consent."},
	"rule.catalog-entry-removed":         {"该事项已从目录中调出。", "The entry was removed from the catalog."},
	"rule.off-catalog-reason-required":   {"目录外启动重大行政决策须说明理由。", "Starting a major decision outside the catalog needs a reason."},
	"rule.hearing-notice-too-short":      {"听证会应提前公告，公告期不足。", "The hearing was announced too late before it was held."},
	"rule.hearing-materials-too-late":    {"听证材料应于听证会7日前送达参加人（条例第十六条）。", "Hearing materials must reach the participants at least 7 days before (Art 16)."},
	"rule.hearing-participants-required": {"听证参加人须包括利害关系人代表，名单应提前公布（条例第十六条）。", "Participants must include affected parties, their list published beforehand (Art 16)."},
	"rule.hearing-record-required":       {"须有经参加人确认签字的听证笔录和听证报告（条例第十七条）。", "A signed transcript and a hearing report are required (Art 17)."},
	// The catalog's pages.
	"cat.title":                 {"决策事项目录", "Decision catalog"},
	"cat.year":                  {"%d年度重大行政决策事项目录", "Catalog of major decisions %d"},
	"cat.public":                {"决策事项目录", "Decision catalog"},
	"cat.public.year":           {"%d年度重大行政决策事项目录（已公布）", "Catalog of major decisions %d (published)"},
	"cat.download":              {"下载", "Download"},
	"cat.no":                    {"序号", "No."},
	"cat.progress":              {"进展", "Progress"},
	"cat.quarter":               {"第%d季度", "Q%d"},
	"cat.removal_reason":        {"调出理由", "Removed because"},
	"cat.start":                 {"按目录启动决策", "Start the decision"},
	"cat.empty":                 {"目录尚无事项。", "The catalog has no entry yet."},
	"cat.none":                  {"本年度尚未编制目录；添加第一个事项即开始编制。", "No catalog this year yet; adding the first entry starts one."},
	"cat.waiting":               {"目录中尚未启动的事项", "Catalog entries not yet started"},
	"cat.proposals":             {"待行政首长决定是否启动的建议", "Proposals waiting for the head"},
	"catalog_state.draft":       {"编制中", "Draft"},
	"catalog_state.approved":    {"已报党委同意", "Approved"},
	"catalog_state.published":   {"已公布", "Published"},
	"progress.not_started":      {"未启动", "Not started"},
	"progress.in_progress":      {"进行中", "In progress"},
	"progress.decided":          {"已决定", "Decided"},
	"progress.removed":          {"已调出", "Removed"},
	"event.approve_catalog":     {"经党委同意，批准目录", "Approve the catalog"},
	"event.reopen_catalog":      {"退回修改目录", "Reopen the catalog"},
	"event.publish_catalog":     {"公布目录", "Publish the catalog"},
	"action.add_entry":          {"添加目录事项", "Add an entry"},
	"action.edit_entry":         {"修改事项", "Edit the entry"},
	"action.remove_entry":       {"调出目录", "Remove from the catalog"},
	"field.party_approved_on":   {"党委同意日期", "Party committee's consent on"},
	"field.adjustment_reason":   {"调整理由", "Reason for the adjustment"},
	"field.planned_quarter":     {"计划季度", "Planned quarter"},
	"field.entry_reason":        {"列入理由", "Why it is major"},
	"field.add_entry.reason":    {"列入理由（为何属重大行政决策）", "Why it is major"},
	"field.edit_entry.reason":   {"列入理由（为何属重大行政决策）", "Why it is major"},
	"field.remove_entry.reason": {"调出理由", "Why it is removed"},
	"planned_quarter.1":         {"第一季度", "Q1"},
	"planned_quarter.2":         {"第二季度", "Q2"},
	"planned_quarter.3":         {"第三季度", "Q3"},
	"planned_quarter.4":         {"第四季度", "Q4"},
	"nav.catalog":               {"决策事项目录", "Catalog"},
	"new.start":                 {"目录外事项的建议", "A proposal outside the catalog"},
	"new.start.hint":            {"目录中的事项请在目录中启动；目录外事项须填写建议来源和建议内容，由行政首长决定是否启动。", "Start a catalog entry from the catalog; outside it, the proposal's source and text are required, for the head to start or decline."},
	"field.source":              {"建议来源", "Source"},
	"field.proposal":            {"建议内容", "Proposal"},
	"source.leadership":         {"决策机关领导人员", "Leadership"},
	"source.department":         {"所属部门或下级政府", "A department or lower government"},
	"source.deputies":           {"人大代表、政协委员建议提案", "Deputies' proposals"},
	"source.public":             {"公民、法人或其他组织", "Citizens and organisations"},
	"d.proposal":                {"启动建议", "Proposal"},
	"d.catalog_entry":           {"目录事项", "Catalog entry"},
	"d.hearings":                {"听证会", "Hearings"},
	"dossier.start":             {"决策启动", "Start of the decision"},
	"d.hearing.participants":    {"参加人", "Participants"},
	"group.affected_party":      {"利害关系人代表", "Affected party"},
	"group.deputy":              {"人大代表/政协委员", "Deputy"},
	"group.expert":              {"专家", "Expert"},
	"group.other":               {"其他", "Other"},
}

func init() {
	for k, v := range catalogMessages {
		if _, ok := messages[k]; !ok {
			messages[k] = v
		}
	}
	recorders[workflow.RecordAddHearing] = recorder{call: record(func(r recordCall, in workflow.HearingInput) error {
		_, err := r.engine.AddHearing(r.ctx, r.user, r.id, in)
		return err
	})}
}

// newFromForm reads what starts a decision besides its title: the catalog
// entry (the button on an entry), or the proposal's source and text (the
// new decision's form).
func newFromForm(c *gin.Context, in *workflow.NewDecision) {
	if id, err := strconv.ParseInt(c.PostForm("catalog_entry_id"), 10, 64); err == nil {
		in.CatalogEntryID = &id
		return
	}
	in.Source, in.Proposal = c.PostForm("source"), c.PostForm("proposal")
}
