package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// The UI's pages call the same engine as the JSON API. Every POST is a form
// with a CSRF token; success redirects (POST-redirect-GET); a refusal
// re-renders the page with the rule's message beside the field and what the
// user typed kept.

func (s *Server) uiRoutes(r *gin.Engine) {
	r.GET("/static/*file", staticHandler())
	ui := r.Group("", s.timeout, s.uiSession)
	ui.GET("/", func(c *gin.Context) {
		if currentUser(c) != nil {
			c.Redirect(http.StatusSeeOther, "/dashboard")
			return
		}
		c.Redirect(http.StatusSeeOther, "/consultations")
	})
	ui.GET("/lang/:lang", s.uiLang)
	ui.GET("/login", s.uiLoginForm)
	ui.GET("/consultations", s.uiConsultations)
	ui.GET("/consultations/:id", s.uiConsultation)
	ui.GET("/consultations/:id/thanks", s.uiThanks)

	forms := ui.Group("", s.checkCSRF)
	forms.POST("/login", s.uiLogin)
	forms.POST("/logout", s.uiLogout)
	forms.POST("/consultations/:id/comments", s.uiPublicComment)

	in := ui.Group("", s.requireUser)
	in.GET("/dashboard", s.uiDashboard)
	in.GET("/decisions", s.uiDecisions)
	in.GET("/decisions/new", s.uiNewForm)
	in.GET("/decisions/:id", s.uiDecision)
	in.GET("/decisions/:id/journal", s.uiJournal)
	in.GET("/admin/users", s.uiUsers)
	in.GET("/admin/calendar", s.uiCalendar)
	in.GET("/decisions/:id/dossier", s.uiDossier)
	in.GET("/decisions/:id/dossier.zip", s.uiDossierZip)
	in.GET("/stats", s.uiStats)

	act := in.Group("", s.checkCSRF)
	act.POST("/decisions", s.uiCreate)
	act.POST("/decisions/:id/draft", s.uiSaveDraft)
	act.POST("/decisions/:id/comment-period", s.uiSetPeriod)
	act.POST("/decisions/:id/comments", s.uiAddComment)
	act.POST("/decisions/:id/comments/:comment_id/disposition", s.uiDispose)
	act.POST("/decisions/:id/expert-opinions", s.uiAddOpinion)
	act.POST("/decisions/:id/events/:event", s.uiFire)
	act.POST("/admin/users", s.uiCreateUser)
	act.POST("/admin/users/:username", s.uiUpdateUser)
	act.POST("/admin/calendar", s.uiSetCalendarDay)
	act.POST("/admin/calendar/:day/delete", s.uiDeleteCalendarDay)
}

// uiError renders an error page for a failure outside any form.
func (s *Server) uiError(c *gin.Context, err error) {
	p := s.newPage(c, "common.error")
	s.refusal(c, p, "", "", err)
	if p.Err.Status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "page failed", "request_id", requestID(c), "error", err.Error())
	}
	s.render(c, p.Err.Status, "error", p)
}

func (s *Server) uiID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		s.uiError(c, workflow.Errorf(workflow.ENOTFOUND, "not found"))
		return 0, false
	}
	return id, true
}

// lines splits a textarea into its non-blank lines.
func lines(v string) []string {
	out := []string{}
	for _, l := range strings.Split(v, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// --- dashboard and lists ---

// waitingStates are the states in which a role has work.
var waitingStates = map[workflow.Role][]workflow.State{
	workflow.RoleStaff: {workflow.StateDrafting, workflow.StatePublicParticipation, workflow.StateExpertReview,
		workflow.StateRiskAssessment, workflow.StateRevising, workflow.StateApproved, workflow.StatePublished},
	workflow.RoleLegalAdvisor: {workflow.StateLegalityReview},
	workflow.RoleHead:         {workflow.StateCollectiveDecision, workflow.StateDeferred},
}

type stateGroup struct {
	State     workflow.State
	Decisions []*workflow.Decision
}

func overdue(d *workflow.Decision) bool {
	for _, dl := range d.Deadlines {
		if dl.Overdue {
			return true
		}
	}
	return false
}

type stateCount struct {
	State workflow.State
	N     int
}

type dashboardView struct {
	Overdue []*workflow.Decision
	Groups  []stateGroup
	Counts  []stateCount
	Total   int
}

func (s *Server) uiDashboard(c *gin.Context) {
	ctx, u := c.Request.Context(), currentUser(c)
	v := dashboardView{}
	var err error
	for _, st := range waitingStates[u.Role] {
		ds, _, err := s.engine.Decisions(ctx, u, workflow.DecisionFilter{State: st, Limit: 50})
		if err != nil {
			s.uiError(c, err)
			return
		}
		sort.SliceStable(ds, func(i, j int) bool { return overdue(ds[i]) && !overdue(ds[j]) })
		if len(ds) > 0 {
			v.Groups = append(v.Groups, stateGroup{st, ds})
		}
	}
	if v.Overdue, _, err = s.engine.Decisions(ctx, u, workflow.DecisionFilter{Overdue: true, Limit: 50}); err != nil {
		s.uiError(c, err)
		return
	}
	counts, err := s.engine.StateCounts(ctx, u)
	if err != nil {
		s.uiError(c, err)
		return
	}
	for _, st := range workflow.States {
		v.Counts = append(v.Counts, stateCount{st, counts[st]})
		v.Total += counts[st]
	}
	p := s.newPage(c, "dash.title")
	p.Data = v
	s.render(c, http.StatusOK, "dashboard", p)
}

type listView struct {
	Decisions []*workflow.Decision
	State     string
	Q         string
	Unit      string
	Next      string
	States    []workflow.State
	Overdue   bool
}

func (s *Server) uiDecisions(c *gin.Context) {
	f := workflow.DecisionFilter{State: workflow.State(c.Query("state")), Query: c.Query("q"), UndertakingUnit: c.Query("unit"), Overdue: c.Query("overdue") == "true"}
	if t := c.Query("page"); t != "" {
		f.AfterID, _ = decodePageToken(t)
	}
	ds, next, err := s.engine.Decisions(c.Request.Context(), currentUser(c), f)
	if err != nil {
		s.uiError(c, err)
		return
	}
	v := listView{Decisions: ds, State: string(f.State), Q: f.Query, Unit: f.UndertakingUnit, States: workflow.States, Overdue: f.Overdue}
	if next != 0 {
		q := url.Values{"state": {v.State}, "q": {v.Q}, "unit": {v.Unit}, "page": {encodePageToken(next)}}
		if f.Overdue {
			q.Set("overdue", "true")
		}
		v.Next = "/decisions?" + q.Encode()
	}
	p := s.newPage(c, "list.title")
	p.Data = v
	s.render(c, http.StatusOK, "decisions", p)
}

func (s *Server) uiNewForm(c *gin.Context) {
	p := s.newPage(c, "new.title")
	p.Data = workflow.Categories
	s.render(c, http.StatusOK, "new", p)
}

func (s *Server) uiCreate(c *gin.Context) {
	in := workflow.NewDecision{Title: c.PostForm("title"), Summary: c.PostForm("summary"), Category: c.PostForm("category"), UndertakingUnit: c.PostForm("undertaking_unit")}
	d, err := s.engine.Create(c.Request.Context(), currentUser(c), in)
	if err != nil {
		p := s.newPage(c, "new.title")
		p.Data = workflow.Categories
		s.refusal(c, p, "new", "", err)
		s.render(c, p.Err.Status, "new", p)
		return
	}
	s.metrics.transitions.WithLabelValues(workflow.RecordCreate).Inc()
	c.Redirect(http.StatusSeeOther, "/decisions/"+strconv.FormatInt(d.ID, 10)+"?ok=1")
}

// --- the decision page ---

// step is one of the five procedures as the progress bar shows it.
type step struct {
	Key    string
	Status string // done, waived, current, pending
	At     string
	Actor  string
	Note   string
}

// steps shows the journal's checklist of the five procedures.
func (p *page) steps(d *workflow.Decision, entries []workflow.JournalEntry) []step {
	var out []step
	for _, it := range workflow.Checklist(d.State, entries) {
		st := step{Key: it.Step, Status: it.Status, Actor: it.Actor}
		if it.At != nil {
			st.At = p.Time(*it.At)
		}
		if it.Status == workflow.StepWaived {
			var data struct {
				Reason string `json:"reason"`
			}
			_ = json.Unmarshal(it.Data, &data)
			st.Note = data.Reason
		}
		out = append(out, st)
	}
	return out
}

type decisionView struct {
	D            *workflow.Decision
	Steps        []step
	Drafts       []workflow.Draft
	Comments     []workflow.Comment
	Opinions     []workflow.ExpertOpinion
	Verification workflow.Verification
	Entries      int
	Events       []string
	Today        string
	Rows         []int
	// What the signed-in user may do besides events.
	EditDraft, SetPeriod, RecordComment, Dispose, AddOpinion bool
	DraftFrozen                                              bool
	Categories, Channels, Dispositions, Kinds, Opinions_     []string
}

func (s *Server) decisionPage(c *gin.Context, id int64) (*page, bool) {
	ctx, u := c.Request.Context(), currentUser(c)
	d, err := s.engine.Decision(ctx, u, id)
	if err != nil {
		s.uiError(c, err)
		return nil, false
	}
	p := s.newPage(c, "nav.decisions")
	p.Title = d.Title
	v := &decisionView{D: d, Today: s.engine.Today().String(), Rows: make([]int, 7),
		Channels: workflow.CommentChannels, Dispositions: workflow.Dispositions, Kinds: workflow.MeetingKinds, Opinions_: workflow.Opinions}
	for i := range v.Rows {
		v.Rows[i] = i
	}
	if v.Drafts, err = s.engine.Drafts(ctx, u, id); err == nil {
		if v.Comments, err = s.engine.Comments(ctx, u, id); err == nil {
			v.Opinions, err = s.engine.ExpertOpinions(ctx, u, id)
		}
	}
	if err != nil {
		s.uiError(c, err)
		return nil, false
	}
	entries, err := s.engine.History(ctx, u, id)
	if err != nil {
		s.uiError(c, err)
		return nil, false
	}
	v.Entries = len(entries)
	v.Verification = workflow.VerifyChain(id, d.State, entries)
	v.Steps = p.steps(d, entries)
	staff := u.Role == workflow.RoleStaff
	switch d.State {
	case workflow.StateDrafting, workflow.StatePublicParticipation, workflow.StateExpertReview, workflow.StateRiskAssessment, workflow.StateRevising:
		v.EditDraft = staff
	default:
		v.DraftFrozen = true
	}
	v.SetPeriod = staff && d.State == workflow.StatePublicParticipation && d.CommentPeriod == nil
	v.RecordComment = staff && d.State == workflow.StatePublicParticipation
	v.Dispose = v.RecordComment
	v.AddOpinion = staff && d.State == workflow.StateExpertReview
	for _, ev := range d.AllowedEvents {
		if strings.HasPrefix(ev, "waive_") && d.Policy != workflow.PolicyStatutory {
			continue // refused by policy: no form for it
		}
		v.Events = append(v.Events, ev)
	}
	p.Data = v
	return p, true
}

func (s *Server) uiDecision(c *gin.Context) {
	id, ok := s.uiID(c, "id")
	if !ok {
		return
	}
	if p, ok := s.decisionPage(c, id); ok {
		s.render(c, http.StatusOK, "decision", p)
	}
}

// afterAction redirects on success, or re-renders the decision page with
// the refusal on its form.
func (s *Server) afterAction(c *gin.Context, id int64, form, anchor string, err error) {
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/decisions/"+strconv.FormatInt(id, 10)+"?ok=1#"+anchor)
		return
	}
	p, ok := s.decisionPage(c, id)
	if !ok {
		return
	}
	s.refusal(c, p, form, "", err)
	s.render(c, p.Err.Status, "decision", p)
}

func (s *Server) uiSaveDraft(c *gin.Context) {
	id, ok := s.uiID(c, "id")
	if !ok {
		return
	}
	_, err := s.engine.SaveDraft(c.Request.Context(), currentUser(c), id, workflow.DraftInput{Text: c.PostForm("text"), LegalBases: lines(c.PostForm("legal_bases"))}, 0)
	s.afterAction(c, id, "draft", "draft", err)
}

func (s *Server) uiSetPeriod(c *gin.Context) {
	id, ok := s.uiID(c, "id")
	if !ok {
		return
	}
	in := workflow.CommentPeriodInput{OpensOn: c.PostForm("opens_on"), ClosesOn: c.PostForm("closes_on"), Channels: lines(c.PostForm("channels")), ShorteningReason: c.PostForm("shortening_reason")}
	_, err := s.engine.SetCommentPeriod(c.Request.Context(), currentUser(c), id, in, 0)
	s.afterAction(c, id, "period", "comments", err)
}

func (s *Server) uiAddComment(c *gin.Context) {
	id, ok := s.uiID(c, "id")
	if !ok {
		return
	}
	in := workflow.CommentInput{Channel: c.PostForm("channel"), AuthorName: c.PostForm("author_name"), Content: c.PostForm("content")}
	_, err := s.engine.AddComment(c.Request.Context(), currentUser(c), id, in)
	s.afterAction(c, id, "comment", "comments", err)
}

func (s *Server) uiDispose(c *gin.Context) {
	id, ok := s.uiID(c, "id")
	if !ok {
		return
	}
	cid, ok := s.uiID(c, "comment_id")
	if !ok {
		return
	}
	in := workflow.DispositionInput{Disposition: c.PostForm("disposition"), Reason: c.PostForm("reason")}
	_, err := s.engine.DisposeComment(c.Request.Context(), currentUser(c), id, cid, in)
	s.afterAction(c, id, "dispose-"+c.Param("comment_id"), "comments", err)
}

func (s *Server) uiAddOpinion(c *gin.Context) {
	id, ok := s.uiID(c, "id")
	if !ok {
		return
	}
	signed, conflict := c.PostForm("signed") != "", c.PostForm("conflict_of_interest") != ""
	in := workflow.ExpertOpinionInput{ExpertName: c.PostForm("expert_name"), Institution: c.PostForm("institution"), Opinion: c.PostForm("opinion"), Signed: &signed, ConflictOfInterest: &conflict}
	_, err := s.engine.AddExpertOpinion(c.Request.Context(), currentUser(c), id, in)
	s.afterAction(c, id, "opinion", "opinions", err)
}

// meetingFromForm reads the minutes: the meeting and its attendee table,
// blank rows left out.
func meetingFromForm(c *gin.Context) *workflow.Meeting {
	m := &workflow.Meeting{Kind: c.PostForm("kind"), HeldOn: c.PostForm("held_on"), Location: c.PostForm("location"), DepartureReason: c.PostForm("departure_reason")}
	for i := 0; i < 50; i++ {
		n := strconv.Itoa(i)
		a := workflow.Attendee{Name: strings.TrimSpace(c.PostForm("name_" + n)), Position: c.PostForm("position_" + n), Opinion: c.PostForm("opinion_" + n), Statement: c.PostForm("statement_" + n)}
		if a.Name == "" && a.Statement == "" && a.Position == "" {
			continue
		}
		m.Attendees = append(m.Attendees, a)
	}
	return m
}

// eventData builds an event's data from its form.
func eventData(c *gin.Context, event string) any {
	f := c.PostForm
	yes := func(k string) *bool { b := f(k) != ""; return &b }
	switch event {
	case workflow.EventCompletePublicParticipation, workflow.EventCompleteExpertReview:
		return workflow.AdoptionReportData{AdoptionReport: f("adoption_report")}
	case workflow.EventWaivePublicParticipation:
		return workflow.WaivePublicParticipationData{Reason: f("reason"), LegalBasis: f("legal_basis")}
	case workflow.EventWaiveExpertReview, workflow.EventRetable, workflow.EventWithdraw:
		return workflow.ReasonData{Reason: f("reason")}
	case workflow.EventCompleteRiskAssessment:
		return workflow.RiskReport{RiskPoints: f("risk_points"), Measures: f("measures"), ResponsePlan: f("response_plan"),
			ConsultedDepartments: lines(f("consulted_departments")), Conclusion: f("conclusion")}
	case workflow.EventWaiveRiskAssessment:
		return workflow.WaiveRiskAssessmentData{Reason: f("reason"), PriorAssessmentRef: f("prior_assessment_ref")}
	case workflow.EventPassLegalityReview:
		return workflow.LegalityPassData{Opinion: f("opinion"), Authority: yes("authority"), Procedure: yes("procedure"), Content: yes("legality_content")}
	case workflow.EventReturnLegalityReview:
		return workflow.LegalityReturnData{Opinion: f("opinion"), Reasons: f("reasons")}
	case workflow.EventResubmitLegalityReview:
		return workflow.ResubmitData{RevisionNote: f("revision_note")}
	case workflow.EventApprove, workflow.EventReject:
		return workflow.MeetingData{Meeting: meetingFromForm(c)}
	case workflow.EventApproveWithChanges:
		return workflow.ApproveWithChangesData{Meeting: meetingFromForm(c), Changes: f("changes")}
	case workflow.EventDefer, workflow.EventReturnForRevision:
		return workflow.MeetingReasonData{Meeting: meetingFromForm(c), Reason: f("reason")}
	case workflow.EventPublish:
		return workflow.PublishData{PublishedOn: f("published_on"), Channels: lines(f("channels")), PartyReportedOn: f("party_reported_on"), URL: f("url")}
	case workflow.EventArchive:
		return workflow.ArchiveData{ArchiveNo: f("archive_no")}
	}
	return nil
}

func (s *Server) uiFire(c *gin.Context) {
	id, ok := s.uiID(c, "id")
	if !ok {
		return
	}
	event := c.Param("event")
	raw, err := json.Marshal(eventData(c, event))
	if err == nil {
		_, err = s.engine.Fire(c.Request.Context(), currentUser(c), id, event, raw, 0)
	}
	if err == nil {
		s.metrics.transitions.WithLabelValues(event).Inc()
	}
	s.afterAction(c, id, "event-"+event, "actions", err)
}

// --- journal ---

type journalView struct {
	D            *workflow.Decision
	Entries      []workflow.JournalEntry
	Verification workflow.Verification
}

func (s *Server) uiJournal(c *gin.Context) {
	id, ok := s.uiID(c, "id")
	if !ok {
		return
	}
	ctx, u := c.Request.Context(), currentUser(c)
	d, err := s.engine.Decision(ctx, u, id)
	if err != nil {
		s.uiError(c, err)
		return
	}
	entries, err := s.engine.History(ctx, u, id)
	if err != nil {
		s.uiError(c, err)
		return
	}
	p := s.newPage(c, "j.title")
	p.Data = journalView{D: d, Entries: entries, Verification: workflow.VerifyChain(id, d.State, entries)}
	s.render(c, http.StatusOK, "journal", p)
}

// --- public pages ---

func (s *Server) uiConsultations(c *gin.Context) {
	list, err := s.engine.Consultations(c.Request.Context())
	if err != nil {
		s.uiError(c, err)
		return
	}
	p := s.newPage(c, "pub.title")
	p.Data = list
	s.render(c, http.StatusOK, "consultations", p)
}

func (s *Server) consultation(c *gin.Context) (*page, bool) {
	id, ok := s.uiID(c, "id")
	if !ok {
		return nil, false
	}
	list, err := s.engine.Consultations(c.Request.Context())
	if err != nil {
		s.uiError(c, err)
		return nil, false
	}
	for i := range list {
		if list[i].ID == id {
			p := s.newPage(c, "pub.title")
			p.Title = list[i].Title
			p.Data = &list[i]
			return p, true
		}
	}
	s.uiError(c, workflow.RuleError(workflow.RuleCommentWindowClosed, "not open"))
	return nil, false
}

func (s *Server) uiConsultation(c *gin.Context) {
	if p, ok := s.consultation(c); ok {
		s.render(c, http.StatusOK, "consultation", p)
	}
}

func (s *Server) uiPublicComment(c *gin.Context) {
	p, ok := s.consultation(c)
	if !ok {
		return
	}
	cons := p.Data.(*workflow.Consultation)
	var err error
	if allowed, _ := s.publicComments.allow(c.ClientIP()); !allowed {
		err = workflow.Errorf(eRateLimited, "too many comments")
	}
	var cm *workflow.Comment
	if err == nil {
		cm, err = s.engine.AddPublicComment(c.Request.Context(), cons.ID, workflow.PublicCommentInput{Content: c.PostForm("content"), AuthorName: c.PostForm("author_name"), Contact: c.PostForm("contact")})
	}
	if err != nil {
		s.refusal(c, p, "public", "content", err)
		s.render(c, p.Err.Status, "consultation", p)
		return
	}
	c.Redirect(http.StatusSeeOther, "/consultations/"+strconv.FormatInt(cons.ID, 10)+"/thanks?ref="+strconv.FormatInt(cm.ID, 10))
}

func (s *Server) uiThanks(c *gin.Context) {
	ref, _ := strconv.ParseInt(c.Query("ref"), 10, 64)
	p := s.newPage(c, "pub.thanks")
	p.Data = ref
	s.render(c, http.StatusOK, "thanks", p)
}

// --- admin ---

type usersView struct {
	Users []*workflow.User
	Roles []workflow.Role
}

func (s *Server) usersPage(c *gin.Context) (*page, bool) {
	users, err := s.accounts.Users(c.Request.Context(), currentUser(c))
	if err != nil {
		s.uiError(c, err)
		return nil, false
	}
	p := s.newPage(c, "admin.title")
	p.Data = usersView{Users: users, Roles: workflow.Roles}
	return p, true
}

func (s *Server) uiUsers(c *gin.Context) {
	if p, ok := s.usersPage(c); ok {
		s.render(c, http.StatusOK, "users", p)
	}
}

func (s *Server) afterUserAction(c *gin.Context, form string, err error) {
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/admin/users?ok=1")
		return
	}
	if p, ok := s.usersPage(c); ok {
		s.refusal(c, p, form, "", err)
		s.render(c, p.Err.Status, "users", p)
	}
}

func (s *Server) uiCreateUser(c *gin.Context) {
	in := workflow.NewUser{Username: strings.TrimSpace(c.PostForm("username")), DisplayName: c.PostForm("display_name"), Role: workflow.Role(c.PostForm("role")), Password: c.PostForm("password")}
	_, err := s.accounts.CreateUser(c.Request.Context(), currentUser(c), in)
	if workflow.ErrorCode(err) == workflow.EEXISTS {
		err = &workflow.Error{Code: workflow.EINVALID, Fields: []workflow.FieldError{{Field: "username", Message: "is taken"}}}
	}
	s.afterUserAction(c, "user-new", err)
}

func (s *Server) uiUpdateUser(c *gin.Context) {
	name, role, disabled := c.PostForm("display_name"), workflow.Role(c.PostForm("role")), c.PostForm("disabled") != ""
	_, err := s.accounts.UpdateUser(c.Request.Context(), currentUser(c), c.Param("username"), workflow.UserUpdate{DisplayName: &name, Role: &role, Disabled: &disabled})
	s.afterUserAction(c, "user-"+c.Param("username"), err)
}
