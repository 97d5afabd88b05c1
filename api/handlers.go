package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// Handlers are thin: parse, call the service with the request's context, render.

// bind decodes the body strictly into v; on failure it has written the error.
func (s *Server) bind(c *gin.Context, v any) bool {
	body, err := readBody(c)
	if err == nil {
		err = workflow.DecodeStrict(body, v)
	}
	if err != nil {
		s.writeError(c, err)
		return false
	}
	return true
}

// pathID reads a positive integer path parameter.
func (s *Server) pathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		s.writeError(c, workflow.Invalid(workflow.FieldError{Field: name, Message: "must be a positive integer"}))
		return 0, false
	}
	return id, true
}

// ifMatch reads If-Match: "<version>" (0 when absent or *).
func (s *Server) ifMatch(c *gin.Context) (int64, bool) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return 0, true
	}
	v, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || v < 1 {
		s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "If-Match", Message: `must be a decision version as sent in ETag, for example "3"`}))
		return 0, false
	}
	return v, true
}

func setETag(c *gin.Context, version int64) { c.Header("ETag", `"`+strconv.FormatInt(version, 10)+`"`) }

// respond renders v as JSON with status, or err as a problem when the
// call failed.
func (s *Server) respond(c *gin.Context, status int, v any, err error) {
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(status, v)
}

func (s *Server) renderDecision(c *gin.Context, status int, d *workflow.Decision) {
	setETag(c, d.Version)
	c.JSON(status, d)
}

func (s *Server) login(c *gin.Context) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if !s.bind(c, &in) {
		return
	}
	if err := workflow.CheckLoginName(in.Username); err != nil {
		s.writeError(c, err)
		return
	}
	if ok, wait := s.AllowLogin(c, in.Username); !ok {
		s.refuse(c, wait)
		return
	}
	token, u, err := s.accounts.Login(c.Request.Context(), in.Username, in.Password)
	s.LoginDone(c, in.Username, err)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"token": token, "user": u})
}

func (s *Server) logout(c *gin.Context) {
	if err := s.accounts.Logout(c.Request.Context(), Token(c)); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) { c.JSON(http.StatusOK, CurrentUser(c)) }

func (s *Server) listUsers(c *gin.Context) {
	users, err := s.accounts.Users(c.Request.Context(), CurrentUser(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	renderPage(s, c, "users", users)
}

// renderPage writes one page of a list, newest first, under key.
func renderPage[T any](s *Server, c *gin.Context, key string, items []T) {
	from, to, next, ok := s.pageOf(c, len(items))
	if !ok {
		return
	}
	out := gin.H{key: items[from:to]}
	if next != "" {
		out["next_page_token"] = next
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) createUser(c *gin.Context) {
	var in workflow.NewUser
	if !s.bind(c, &in) {
		return
	}
	u, err := s.accounts.CreateUser(c.Request.Context(), CurrentUser(c), in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/api/v1/users/"+u.Username)
	c.JSON(http.StatusCreated, u)
}

func (s *Server) updateUser(c *gin.Context) {
	var in workflow.UserUpdate
	if !s.bind(c, &in) {
		return
	}
	u, err := s.accounts.UpdateUser(c.Request.Context(), CurrentUser(c), c.Param("username"), in)
	s.respond(c, http.StatusOK, u, err)
}

func (s *Server) createDecision(c *gin.Context) {
	var in workflow.NewDecision
	if !s.bind(c, &in) {
		return
	}
	d, err := s.Create(c.Request.Context(), CurrentUser(c), in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/api/v1/decisions/"+strconv.FormatInt(d.ID, 10))
	s.renderDecision(c, http.StatusCreated, d)
}

// Page tokens are opaque to clients: the decision list's holds the last id
// of the page ("after:"), the other lists' the offset of the next page ("from:").

// EncodePageToken is the token of the decision list's page after the
// decision id (the API's next_page_token, the pages' ?page=).
func EncodePageToken(id int64) string { return encodeToken("after:", id) }

// DecodePageToken reads a token of EncodePageToken; false when it is not one.
func DecodePageToken(t string) (int64, bool) { return decodeToken("after:", t) }

func encodeToken(kind string, n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + strconv.FormatInt(n, 10)))
}

func decodeToken(kind, t string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, false
	}
	s, ok := strings.CutPrefix(string(b), kind)
	n, err := strconv.ParseInt(s, 10, 64)
	return n, ok && err == nil && n > 0
}

// pageOf cuts one page out of a list of n items, newest first: ?limit=
// (default 50, at most 200) and ?page_token=. It returns the page's bounds
// and the next page's token ("" on the last page), or writes the error.
func (s *Server) pageOf(c *gin.Context, n int) (from, to int, next string, ok bool) {
	limit := workflow.DefaultLimit
	if l := c.Query("limit"); l != "" {
		v, err := strconv.Atoi(l)
		if err != nil || v < 1 || v > workflow.MaxLimit {
			s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "limit", Message: "must be an integer from 1 to 200"}))
			return 0, 0, "", false
		}
		limit = v
	}
	if t := c.Query("page_token"); t != "" {
		off, valid := decodeToken("from:", t)
		if !valid {
			s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "page_token", Message: "is not a token this server issued"}))
			return 0, 0, "", false
		}
		from = int(min(off, int64(n)))
	}
	to = min(from+limit, n)
	if to < n {
		next = encodeToken("from:", int64(to))
	}
	return from, to, next, true
}

func (s *Server) listDecisions(c *gin.Context) {
	f := workflow.DecisionFilter{
		State: workflow.State(c.Query("state")), Query: c.Query("q"), UndertakingUnit: c.Query("undertaking_unit"),
	}
	if c.Query("overdue") == "true" {
		f.Overdue = true
	}
	if db := c.Query("due_before"); db != "" {
		d, err := workflow.ParseDate(db)
		if err != nil {
			s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "due_before", Message: "must be a date YYYY-MM-DD"}))
			return
		}
		f.DueBefore = &d
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "limit", Message: "must be an integer from 1 to 200"}))
			return
		}
		f.Limit = n
	}
	if t := c.Query("page_token"); t != "" {
		id, ok := DecodePageToken(t)
		if !ok {
			s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "page_token", Message: "is not a token this server issued"}))
			return
		}
		f.AfterID = id
	}
	ds, next, err := s.engine.Decisions(c.Request.Context(), CurrentUser(c), f)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := gin.H{"decisions": ds}
	if next != 0 {
		out["next_page_token"] = EncodePageToken(next)
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getDecision(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	d, err := s.engine.Decision(c.Request.Context(), CurrentUser(c), id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.renderDecision(c, http.StatusOK, d)
}

func (s *Server) fireEvent(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	version, ok := s.ifMatch(c)
	if !ok {
		return
	}
	var in struct {
		Event string          `json:"event"`
		Data  json.RawMessage `json:"data"`
	}
	if !s.bind(c, &in) {
		return
	}
	d, err := s.Fire(c.Request.Context(), CurrentUser(c), id, in.Event, in.Data, version)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.renderDecision(c, http.StatusOK, d)
}

func (s *Server) verify(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	v, err := s.engine.Verify(c.Request.Context(), CurrentUser(c), id)
	s.respond(c, http.StatusOK, v, err)
}

func (s *Server) saveDraft(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	version, ok := s.ifMatch(c)
	if !ok {
		return
	}
	var in workflow.DraftInput
	if !s.bind(c, &in) {
		return
	}
	dr, err := s.engine.SaveDraft(c.Request.Context(), CurrentUser(c), id, in, version)
	s.respond(c, http.StatusOK, dr, err)
}

func (s *Server) setCommentPeriod(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	version, ok := s.ifMatch(c)
	if !ok {
		return
	}
	var in workflow.CommentPeriodInput
	if !s.bind(c, &in) {
		return
	}
	d, err := s.engine.SetCommentPeriod(c.Request.Context(), CurrentUser(c), id, in, version)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.renderDecision(c, http.StatusOK, d)
}

func (s *Server) addComment(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	var in workflow.CommentInput
	if !s.bind(c, &in) {
		return
	}
	cm, err := s.engine.AddComment(c.Request.Context(), CurrentUser(c), id, in)
	s.respond(c, http.StatusCreated, cm, err)
}

func (s *Server) disposeComment(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	commentID, ok := s.pathID(c, "comment_id")
	if !ok {
		return
	}
	var in workflow.DispositionInput
	if !s.bind(c, &in) {
		return
	}
	cm, err := s.engine.DisposeComment(c.Request.Context(), CurrentUser(c), id, commentID, in)
	s.respond(c, http.StatusOK, cm, err)
}

func (s *Server) addExpertOpinion(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	var in workflow.ExpertOpinionInput
	if !s.bind(c, &in) {
		return
	}
	o, err := s.engine.AddExpertOpinion(c.Request.Context(), CurrentUser(c), id, in)
	s.respond(c, http.StatusCreated, o, err)
}

func (s *Server) consultations(c *gin.Context) {
	list, err := s.engine.Consultations(c.Request.Context())
	s.respond(c, http.StatusOK, gin.H{"consultations": list}, err)
}

func (s *Server) publicComment(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	var in workflow.PublicCommentInput
	if !s.bind(c, &in) {
		return
	}
	cm, err := s.engine.AddPublicComment(c.Request.Context(), id, in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": cm.ID})
}

// listOf serves one decision's list under key, a page at a time: its
// drafts, comments or expert opinions, newest first.
func listOf[T any](s *Server, key string, list func(ctx context.Context, actor *workflow.User, id int64) ([]T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pathID(c, "id")
		if !ok {
			return
		}
		items, err := list(c.Request.Context(), CurrentUser(c), id)
		if err != nil {
			s.writeError(c, err)
			return
		}
		renderPage(s, c, key, items)
	}
}

// history serves the journal whole, in seq order, as the contract has it.
func (s *Server) history(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	entries, err := s.engine.History(c.Request.Context(), CurrentUser(c), id)
	s.respond(c, http.StatusOK, gin.H{"entries": entries}, err)
}
