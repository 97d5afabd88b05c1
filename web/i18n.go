package web

import (
	"fmt"
	"time"

	"decisionflow/workflow"
)

// Languages of the UI: Simplified Chinese by default, English by a switch
// kept in a cookie.
const (
	langZH = "zh"
	langEN = "en"
)

// langOf is the language named, Chinese unless English.
func langOf(lang string) string {
	if lang == langEN {
		return langEN
	}
	return langZH
}

// messages holds every string of the UI in both languages: states, events,
// record actions, roles, rule messages, field labels (field.<name>, or
// field.<event or action>.<name> where one form needs its own), enumeration
// values (<field>.<value>) and the pages' own words.
var messages = map[string][2]string{
	// States.
	"state.drafting":             {"起草（决策启动）", "Drafting"},
	"state.public_participation": {"公众参与", "Public participation"},
	"state.expert_review":        {"专家论证", "Expert review"},
	"state.risk_assessment":      {"风险评估", "Risk assessment"},
	"state.legality_review":      {"合法性审查", "Legality review"},
	"state.revising":             {"修改完善（退回修改）", "Revising"},
	"state.collective_decision":  {"集体讨论决定", "Collective decision"},
	"state.deferred":             {"暂缓决定", "Deferred"},
	"state.approved":             {"已决定", "Approved"},
	"state.published":            {"已公布", "Published"},
	"state.archived":             {"已归档", "Archived"},
	"state.rejected":             {"不予通过", "Rejected"},
	"state.withdrawn":            {"已终止", "Withdrawn"},

	// Events.
	"event.submit_draft":                  {"提交草案，启动公众参与", "Submit the draft for public participation"},
	"event.complete_public_participation": {"完成公众参与", "Complete public participation"},
	"event.waive_public_participation":    {"依法免于公众参与", "Waive public participation"},
	"event.complete_expert_review":        {"完成专家论证", "Complete expert review"},
	"event.waive_expert_review":           {"依法免于专家论证", "Waive expert review"},
	"event.complete_risk_assessment":      {"完成风险评估", "Complete the risk assessment"},
	"event.waive_risk_assessment":         {"依法免于风险评估", "Waive the risk assessment"},
	"event.pass_legality_review":          {"合法性审查通过", "Pass the legality review"},
	"event.return_legality_review":        {"合法性审查退回修改", "Return from legality review"},
	"event.resubmit_legality_review":      {"修改后重新提交合法性审查", "Resubmit for legality review"},
	"event.approve":                       {"决定通过", "Approve"},
	"event.approve_with_changes":          {"修改后通过", "Approve with changes"},
	"event.reject":                        {"决定不予通过", "Reject"},
	"event.defer":                         {"暂缓决定", "Defer"},
	"event.return_for_revision":           {"退回修改", "Return for revision"},
	"event.retable":                       {"重新提请集体讨论", "Retable"},
	"event.publish":                       {"公布决策", "Publish"},
	"event.archive":                       {"归档", "Archive"},
	"event.withdraw":                      {"终止决策", "Withdraw"},

	// Records journaled beside the events.
	"record.create":             {"启动决策", "Decision started"},
	"record.save_draft":         {"保存草案", "Draft saved"},
	"record.set_comment_period": {"设定征求意见期", "Comment period set"},
	"record.add_comment":        {"记录公众意见", "Comment recorded"},
	"record.dispose_comment":    {"处理公众意见", "Comment disposed"},
	"record.add_expert_opinion": {"记录专家意见", "Expert opinion recorded"},

	// Record actions: the heading of their forms.
	"action.save_draft":         {"保存为新稿本", "Save as a new version"},
	"action.set_comment_period": {"设定征求意见期（设定后不可更改）", "Set the comment period (cannot be changed later)"},
	"action.add_comment":        {"记录其他渠道收到的意见", "Record a comment from another channel"},
	"action.dispose_comment":    {"保存处理结果", "Save disposition"},
	"action.add_expert_opinion": {"记录专家意见", "Record an expert opinion"},

	// Roles.
	"role.staff":         {"承办单位工作人员", "Undertaking office staff"},
	"role.legal_advisor": {"法律顾问", "Legal advisor"},
	"role.head":          {"行政首长", "Head of the town"},
	"role.admin":         {"系统管理员", "Administrator"},
	"role.public":        {"社会公众", "The public"},

	// Rules: what the person is told when one refuses the action.
	"rule.excluded-category":           {"宏观调控、立法和突发事件应急处置事项不适用重大行政决策程序（条例第三条）。", "Macro-control, legislation and emergency response are excluded from this procedure (Art 3)."},
	"rule.draft-required":              {"提交前须有草案正文和至少一项法律、政策依据（条例第十二条）。", "A draft text with at least one legal basis is required before submission (Art 12)."},
	"rule.comment-period-too-short":    {"征求意见期一般不少于30日；缩短的须说明理由（条例第十五条）。", "The comment period must last at least 30 days unless a shortening reason is given (Art 15)."},
	"rule.comment-period-invalid":      {"起始日不得早于今天，截止日不得早于起始日。", "The period cannot open before today or close before it opens."},
	"rule.comment-period-already-set":  {"征求意见期已经设定，不得更改。", "The comment period was already set and cannot be changed."},
	"rule.comment-window-closed":       {"该草案当前不在征求意见期内。", "This draft is not open for comment today."},
	"rule.comment-period-required":     {"尚未设定征求意见期。", "No comment period was set."},
	"rule.comment-period-not-ended":    {"征求意见期尚未结束，期满后方可完成公众参与（条例第十五条）。", "The comment period has not ended yet (Art 15)."},
	"rule.comments-undisposed":         {"还有公众意见未作处理，须逐条说明采纳情况（条例第十八条）。", "Every comment needs a disposition first (Art 18)."},
	"rule.adoption-report-required":    {"须填写意见采纳情况说明。", "The adoption report is required."},
	"rule.expert-opinions-required":    {"专家论证意见数量不足。", "Not enough expert opinions are recorded."},
	"rule.expert-opinion-unsigned":     {"书面专家意见须由专家签字或盖章（条例第十九条）。", "A written expert opinion must be signed (Art 19)."},
	"rule.expert-conflict-of-interest": {"与决策事项有直接利害关系的专家不得参加论证（条例第二十条）。", "An expert with a direct interest may not take part (Art 20)."},
	"rule.risk-report-incomplete":      {"须写明风险点、防范措施和处置预案（条例第二十三条）。", "Risk points, measures and a response plan are required (Art 23)."},
	"rule.risk-uncontrollable":         {"风险不可控的，应当调整决策草案后重新评估（条例第二十四条）。", "An uncontrollable risk requires adjusting the draft and assessing again (Art 24)."},
	"rule.waiver-not-permitted":        {"本镇实行五项程序全覆盖，不得免除任何程序。", "The town's policy requires all five procedures: no waivers."},
	"rule.reason-required":             {"须说明理由。", "A reason is required."},
	"rule.legality-opinion-required":   {"须出具合法性审查意见（条例第二十八条）。", "The legality review opinion is required (Art 28)."},
	"rule.legality-not-lawful":         {"权限、程序、内容均合法方可通过；否则应退回修改（条例第二十七条）。", "Authority, procedure and content must all be lawful to pass; otherwise return it (Art 27)."},
	"rule.meeting-kind-invalid":        {"须经常务会议、全体会议、镇长办公会或党政联席会集体讨论，不得个人决定或传签（条例第三十条）。", "The decision must be taken at a collective meeting, not by one person or circulation (Art 30)."},
	"rule.meeting-attendees-required":  {"出席人数不足，或有出席人员未发表意见（条例第三十条）。", "Too few attendees, or an attendee without an opinion (Art 30)."},
	"rule.departure-reason-required":   {"行政首长的决定与多数人意见不一致的，应当说明理由（条例第三十条）。", "A decision against the majority needs the head's reason (Art 30)."},
	"rule.party-report-required":       {"公布前须向同级党委请示报告，报告日期不得晚于公布日期（条例第三十一条）。", "The decision must be reported to the Party committee before publication (Art 31)."},
	"rule.publication-incomplete":      {"公布日期不得早于决定日期，且至少填写一个公布渠道（条例第三十二条）。", "Publication cannot precede the decision and needs at least one channel (Art 32)."},
	"rule.archive-no-required":         {"须填写档号（条例第三十三条）。", "The archive number is required (Art 33)."},
	"rule.meeting-quorum-not-met":      {"出席会议的组成人员未过半数，不得作出决定（条例第三十条）。", "Fewer than half of the body's members attend: no quorum (Art 30)."},
	"rule.head-must-speak-last":        {"行政首长应当在其他出席人员发表意见后最后发表意见（条例第三十条）。", "The head speaks last, after every other attendee (Art 30)."},
	"rule.decided-text-required":       {"修改后通过的，须填写决定的最终文本。", "Approving with changes needs the text as decided."},
	"rule.review-time-too-short":       {"须给合法性审查留出不少于7个工作日；时间紧急的须说明理由（条例第二十六条）。", "The legality review needs at least 7 working days unless an urgent reason is given (Art 26)."},
	"rule.draft-under-consultation":    {"草案正在公开征求意见，期间不得修改。", "The draft is open for public comment and cannot change meanwhile."},
	"rule.date-out-of-order":           {"日期先后顺序有误，请检查。", "The dates are out of order; please check them."},
	"rule.last-admin":                  {"这是最后一个有效的管理员账户：请先设置另一名管理员。", "This is the last active administrator: make another one first."},
	"rule.event-not-allowed":           {"当前状态下不能进行此操作。", "This action is not allowed in the current state."},
	"rule.role-not-allowed":            {"您的角色无权进行此操作。", "Your role may not do this."},
	"rule.invalid-request":             {"填写有误，请检查标出的栏目。", "Please check the marked fields."},
	"rule.version-mismatch":            {"该决策已被他人更新，请刷新后重试。", "Someone else changed this decision; reload and try again."},
	"rule.not-found":                   {"未找到。", "Not found."},
	"rule.unavailable":                 {"数据库暂时无法访问，请稍后重试；本次操作未保存。", "The database cannot be reached; nothing was saved. Try again shortly."},
	"rule.rate-limited":                {"操作过于频繁，请稍后再试。", "Too many attempts; try again later."},
	"rule.unauthenticated":             {"用户名或密码错误。", "Wrong username or password."},
	"rule.already-exists":              {"该名称已被使用。", "That name is taken."},
	"rule.internal":                    {"系统内部错误，操作未完成。", "Internal error; the action was not completed."},
	"rule.body-too-large":              {"提交的内容超过1 MiB。", "The submission is over 1 MiB."},
	"rule.idempotency-key-reused":      {"该幂等键已用于另一请求。", "The Idempotency-Key was used with another request."},
	"rule.idempotency-key-in-progress": {"相同请求仍在处理中，请稍后重试。", "The same request is still running; try again shortly."},
	"rule.csrf":                        {"表单已失效（缺少安全令牌），请刷新页面后重新提交。", "The form has expired (missing security token); reload the page and submit again."},

	// Field labels.
	"field.title":                          {"标题", "Title"},
	"field.summary":                        {"摘要", "Summary"},
	"field.category":                       {"类别", "Category"},
	"field.undertaking_unit":               {"承办单位", "Undertaking unit"},
	"field.text":                           {"草案正文", "Draft text"},
	"field.legal_bases":                    {"法律、政策依据（每行一项）", "Legal bases (one per line)"},
	"field.opens_on":                       {"起始日期", "Opens on"},
	"field.closes_on":                      {"截止日期", "Closes on"},
	"field.channels":                       {"渠道（每行一项）", "Channels (one per line)"},
	"field.shortening_reason":              {"缩短期限的理由", "Reason for a shorter period"},
	"field.channel":                        {"来源渠道", "Channel"},
	"field.author_name":                    {"姓名（可不填）", "Name (optional)"},
	"field.contact":                        {"联系方式（可不填，不公开）", "Contact (optional, never published)"},
	"field.content":                        {"意见内容", "Comment"},
	"field.disposition":                    {"处理结果", "Disposition"},
	"field.reason":                         {"理由", "Reason"},
	"field.expert_name":                    {"专家姓名", "Expert"},
	"field.institution":                    {"单位", "Institution"},
	"field.opinion":                        {"意见", "Opinion"},
	"field.signed":                         {"已签字或盖章", "Signed or stamped"},
	"field.conflict_of_interest":           {"与决策事项有直接利害关系", "Has a direct interest"},
	"field.adoption_report":                {"意见采纳情况说明", "Adoption report"},
	"field.legal_basis":                    {"法律依据", "Legal basis"},
	"field.risk_points":                    {"风险点", "Risk points"},
	"field.measures":                       {"防范化解措施", "Measures"},
	"field.response_plan":                  {"处置预案", "Response plan"},
	"field.consulted_departments":          {"征求意见的部门（每行一项）", "Departments consulted (one per line)"},
	"field.conclusion":                     {"评估结论", "Conclusion"},
	"field.prior_assessment_ref":           {"已有评估文号（可不填）", "Prior assessment reference (optional)"},
	"field.authority":                      {"决策权限合法", "Within the town's authority"},
	"field.procedure":                      {"决策程序合法", "Procedure lawful"},
	"field.pass_legality_review.content":   {"决策内容合法", "Content lawful"},
	"field.pass_legality_review.opinion":   {"合法性审查意见", "Legality opinion"},
	"field.return_legality_review.opinion": {"合法性审查意见", "Legality opinion"},
	"field.review_requested_by":            {"要求审查完成日期（可不填，默认7个工作日）", "Opinion wanted by (optional; 7 working days by default)"},
	"field.urgent_reason":                  {"时间紧急的理由（可不填）", "Reason it is urgent (optional)"},
	"field.meeting":                        {"会议记录", "Minutes"},
	"field.members_total":                  {"组成人员总数", "Members of the body"},
	"field.is_head":                        {"行政首长", "Head"},
	"field.is_member":                      {"组成人员", "Member"},
	"field.final_text":                     {"决定文本（修改后的全文）", "Text as decided (in full)"},
	"field.not_disclosed":                  {"依法不予公开", "Not to be published by law"},
	"field.nondisclosure_basis":            {"不予公开的依据（可不填）", "Basis for not publishing (optional)"},
	"field.execution_unit":                 {"执行单位（可不填，默认承办单位）", "Executing unit (optional; the undertaking unit by default)"},
	"field.reasons":                        {"退回理由", "Reasons"},
	"field.revision_note":                  {"修改说明", "Revision note"},
	"field.kind":                           {"会议形式", "Meeting"},
	"field.held_on":                        {"会议日期", "Held on"},
	"field.location":                       {"会议地点", "Location"},
	"field.attendees":                      {"出席人员及意见", "Attendees and their opinions"},
	"field.name":                           {"姓名", "Name"},
	"field.position":                       {"职务", "Position"},
	"field.statement":                      {"发言要点（如实记录，含不同意见）", "Statement (verbatim, dissent included)"},
	"field.departure_reason":               {"行政首长不采纳多数意见的理由", "Head's reason for departing from the majority"},
	"field.changes":                        {"修改内容", "Changes"},
	"field.published_on":                   {"公布日期", "Published on"},
	"field.party_reported_on":              {"向党委请示报告日期", "Reported to the Party committee on"},
	"field.url":                            {"公布网址（可不填）", "URL (optional)"},
	"field.archive_no":                     {"档号", "Archive number"},
	"field.username":                       {"用户名", "Username"},
	"field.password":                       {"密码", "Password"},
	"field.display_name":                   {"显示名称", "Display name"},
	"field.role":                           {"角色", "Role"},
	"field.disabled":                       {"停用", "Disabled"},
	"field.state":                          {"状态", "State"},
	"field.q":                              {"标题包含", "Title contains"},

	// Enumerations.
	"category.public_policy":              {"公共政策", "Public policy"},
	"category.plan":                       {"规划", "Plan"},
	"category.resources":                  {"资源开发利用", "Resources"},
	"category.construction_project":       {"重大建设项目", "Construction project"},
	"category.other":                      {"其他", "Other"},
	"channel.website":                     {"网站", "Website"},
	"channel.letter":                      {"信函", "Letter"},
	"channel.symposium":                   {"座谈会", "Symposium"},
	"channel.hearing":                     {"听证会", "Hearing"},
	"channel.survey":                      {"问卷调查", "Survey"},
	"channel.visit":                       {"走访", "Visit"},
	"channel.other":                       {"其他", "Other"},
	"disposition.adopted":                 {"采纳", "Adopted"},
	"disposition.partially_adopted":       {"部分采纳", "Partially adopted"},
	"disposition.not_adopted":             {"不予采纳", "Not adopted"},
	"disposition.duplicate":               {"重复意见", "Duplicate"},
	"kind.executive_meeting":              {"常务会议", "Executive meeting"},
	"kind.plenary_meeting":                {"全体会议", "Plenary meeting"},
	"kind.mayor_office_meeting":           {"镇长办公会", "Mayor's office meeting"},
	"kind.joint_party_government_meeting": {"党政联席会", "Joint Party–government meeting"},
	"opinion.agree":                       {"同意", "Agree"},
	"opinion.disagree":                    {"不同意", "Disagree"},
	"opinion.abstain":                     {"弃权", "Abstain"},
	"conclusion.controllable":             {"风险可控", "Controllable"},
	"conclusion.uncontrollable":           {"风险不可控", "Uncontrollable"},
	"step.public_participation":           {"公众参与", "Public participation"},
	"step.expert_review":                  {"专家论证", "Expert review"},
	"step.risk_assessment":                {"风险评估", "Risk assessment"},
	"step.legality_review":                {"合法性审查", "Legality review"},
	"step.collective_decision":            {"集体讨论决定", "Collective decision"},
	"stepstatus.done":                     {"已完成", "Done"},
	"stepstatus.waived":                   {"依法免除", "Waived"},
	"stepstatus.current":                  {"进行中", "In progress"},
	"stepstatus.pending":                  {"未开始", "Not started"},

	// The pages' own words.
	"app.name":                       {"重大行政决策程序管理系统", "Major Decision Procedure System"},
	"app.town":                       {"镇人民政府", "Town Government"},
	"nav.dashboard":                  {"我的工作", "My work"},
	"nav.decisions":                  {"决策事项", "Decisions"},
	"nav.new":                        {"启动新决策", "New decision"},
	"nav.consultations":              {"公开征求意见", "Open consultations"},
	"nav.users":                      {"用户管理", "Users"},
	"nav.login":                      {"登录", "Sign in"},
	"nav.logout":                     {"退出", "Sign out"},
	"nav.lang":                       {"English", "中文"},
	"nav.skip":                       {"跳到正文", "Skip to content"},
	"login.title":                    {"工作人员登录", "Staff sign-in"},
	"login.submit":                   {"登录", "Sign in"},
	"dash.title":                     {"我的工作", "My work"},
	"dash.waiting":                   {"等待您处理的决策", "Decisions waiting on you"},
	"dash.none":                      {"目前没有等待您处理的决策。", "Nothing is waiting on you."},
	"dash.counts":                    {"各状态决策数量", "Decisions by state"},
	"dash.admin":                     {"系统管理员不参与决策流程；可管理用户。", "Administrators take no part in decisions; they manage users."},
	"list.title":                     {"决策事项", "Decisions"},
	"list.filter":                    {"筛选", "Filter"},
	"list.all":                       {"全部", "All"},
	"list.empty":                     {"没有符合条件的决策。", "No decision matches."},
	"list.next":                      {"下一页", "Next page"},
	"col.id":                         {"编号", "No."},
	"col.updated":                    {"更新时间", "Updated"},
	"col.actions":                    {"操作", "Action"},
	"new.title":                      {"启动新决策", "Start a decision"},
	"new.submit":                     {"启动", "Start"},
	"d.progress":                     {"五项法定程序", "The five procedures"},
	"d.draft":                        {"决策草案", "Draft"},
	"d.draft.version":                {"第%d稿", "version %d"},
	"d.draft.none":                   {"尚无草案。", "No draft yet."},
	"d.draft.earlier":                {"历次稿本", "Earlier versions"},
	"d.draft.frozen":                 {"草案已冻结（合法性审查针对当前稿本）。", "The draft is frozen (the legality review examines the current version)."},
	"d.period":                       {"征求意见期", "Comment period"},
	"d.comments":                     {"公众意见", "Comments"},
	"d.comments.none":                {"尚无意见。", "No comments yet."},
	"d.opinions":                     {"专家论证意见", "Expert opinions"},
	"d.path":                         {"已经过的状态", "The path taken"},
	"d.actions":                      {"可进行的操作", "What you can do now"},
	"d.actions.none":                 {"您当前没有可进行的操作。", "There is nothing for you to do now."},
	"d.journal":                      {"决策档案日志", "Journal"},
	"d.journal.link":                 {"查看完整日志", "Open the journal"},
	"d.meta":                         {"基本信息", "Details"},
	"d.policy.all-five":              {"五项程序全覆盖", "All five procedures"},
	"d.policy.statutory":             {"依法可免除部分程序", "Statutory waivers allowed"},
	"d.decided_on":                   {"决定日期", "Decided on"},
	"d.created":                      {"启动", "Started"},
	"d.by":                           {"经办", "by"},
	"d.hash":                         {"SHA-256", "SHA-256"},
	"d.back":                         {"返回决策", "Back to the decision"},
	"d.meeting.hint":                 {"如实记录每位出席人员的意见；空行不计。", "Record every attendee's opinion verbatim; blank rows are ignored."},
	"j.title":                        {"决策档案日志", "Journal"},
	"j.ok":                           {"哈希链完整，共%d条，未被篡改", "Hash chain intact: %d entries, unaltered"},
	"j.broken":                       {"哈希链在第%d条断裂：%s", "Hash chain broken at entry %d: %s"},
	"j.seq":                          {"序号", "Seq"},
	"j.when":                         {"时间", "When"},
	"j.who":                          {"经办人", "Who"},
	"j.what":                         {"事项", "What"},
	"j.data":                         {"记录内容", "Data"},
	"pub.title":                      {"公开征求意见", "Open consultations"},
	"pub.intro":                      {"以下决策草案正在公开征求意见，欢迎提出意见建议。", "These draft decisions are open for your comments."},
	"pub.none":                       {"目前没有正在征求意见的草案。", "No draft is open for comment today."},
	"pub.window":                     {"征求意见期：%s 至 %s", "Open from %s to %s"},
	"pub.channels":                   {"其他渠道", "Other channels"},
	"pub.read":                       {"阅读草案并提出意见", "Read the draft and comment"},
	"pub.comment":                    {"提出意见", "Your comment"},
	"pub.submit":                     {"提交意见", "Submit"},
	"pub.thanks":                     {"意见已收到", "Comment received"},
	"pub.ref":                        {"您的意见已收到，回执编号：%d。我们将对每条意见逐一研究处理。", "Thank you. Your reference number is %d. Every comment is considered and answered."},
	"admin.title":                    {"用户管理", "Users"},
	"admin.create":                   {"新建用户", "New user"},
	"admin.save":                     {"保存", "Save"},
	"admin.created":                  {"已创建", "Created"},
	"nav.stats":                      {"统计", "Statistics"},
	"nav.calendar":                   {"工作日历", "Calendar"},
	"deadline.comment_window_closes": {"征求意见截止", "Comment window closes"},
	"deadline.legality_review_due":   {"合法性审查期限（7个工作日）", "Legality review due (7 working days)"},
	"deadline.overdue":               {"已逾期", "Overdue"},
	"deadline.title":                 {"期限", "Deadlines"},
	"list.overdue":                   {"仅显示逾期", "Overdue only"},
	"dash.overdue":                   {"已逾期的决策", "Overdue decisions"},
	"dossier.title":                  {"重大行政决策档案", "Major Administrative Decision Dossier"},
	"dossier.link":                   {"决策档案（可打印）", "Dossier (printable)"},
	"dossier.print":                  {"用浏览器打印为A4", "Print from the browser on A4"},
	"dossier.bases":                  {"法律、政策依据", "Legal bases"},
	"dossier.checklist":              {"法定程序核查表", "Procedure checklist"},
	"dossier.step":                   {"程序", "Procedure"},
	"dossier.evidence":               {"依据材料或免除理由", "Evidence, or the reason for a waiver"},
	"dossier.policy":                 {"程序要求", "Policy"},
	"dossier.publication":            {"公布与归档", "Publication and archive"},
	"dossier.filed_by":               {"立卷人", "Filed by"},
	"dossier.date":                   {"日期", "Date"},
	"dossier.generated":              {"档案生成于", "Generated"},
	"stats.title":                    {"统计", "Statistics"},
	"stats.by_state":                 {"各状态决策数量", "Decisions by state"},
	"stats.by_unit":                  {"各承办单位决策数量", "Decisions by undertaking unit"},
	"stats.median":                   {"各程序用时中位数（天）", "Median days per procedure"},
	"stats.overdue":                  {"逾期决策", "Overdue decisions"},
	"stats.total":                    {"决策总数", "Decisions in all"},
	"stats.none":                     {"暂无数据", "No data yet"},
	"cal.title":                      {"工作日历", "Working-day calendar"},
	"cal.intro":                      {"周一至周五为工作日，周六、周日休息；下表为法定节假日和调休上班日。每年国务院办公厅公布次年安排后，请在此更新。", "Monday to Friday are working days; the table lists the statutory holidays and make-up working days. Update it each year when the State Council publishes the next year's schedule."},
	"cal.day":                        {"日期", "Day"},
	"cal.kind":                       {"类型", "Kind"},
	"cal.name":                       {"名称", "Name"},
	"cal.holiday":                    {"放假", "Holiday"},
	"cal.workday":                    {"调休上班", "Make-up working day"},
	"cal.set":                        {"设置", "Set"},
	"cal.remove":                     {"恢复为普通日", "Remove"},
	"cal.year":                       {"年份", "Year"},
	"cal.show":                       {"查看", "Show"},
	"common.yes":                     {"是", "Yes"},
	"common.no":                      {"否", "No"},
	"common.submit":                  {"提交", "Submit"},
	"common.saved":                   {"已保存。", "Saved."},
	"common.error":                   {"操作未完成", "Not done"},
}

// tr returns the message for key in lang, or the key itself.
func tr(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if lang == langEN {
		return m[1]
	}
	return m[0]
}

// formatDate writes a date as 2026年11月26日 in Chinese, 26 Nov 2026 in English.
func formatDate(lang string, d workflow.Date) string {
	if d.IsZero() {
		return ""
	}
	if lang == langEN {
		return d.Time().Format("2 Jan 2006")
	}
	return fmt.Sprintf("%d年%d月%d日", d.Year, int(d.Month), d.Day)
}

// formatTime writes an instant in the town's zone, to the minute.
func formatTime(lang string, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	return formatDate(lang, workflow.DateOf(t)) + " " + t.Format("15:04")
}
