package api

import (
	"net/http"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// After the decision (lifecycle.md): execution reports, the public's
// opinions on a decision in force and their disposition, and the public
// face of published decisions.

func (s *Server) addExecutionReport(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	var in workflow.ExecutionReportInput
	if !s.bind(c, &in) {
		return
	}
	r, err := s.engine.AddExecutionReport(c.Request.Context(), CurrentUser(c), id, in)
	s.respond(c, http.StatusCreated, r, err)
}

func (s *Server) disposePublicOpinion(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	opinionID, ok := s.pathID(c, "opinion_id")
	if !ok {
		return
	}
	var in workflow.DispositionInput
	if !s.bind(c, &in) {
		return
	}
	o, err := s.engine.DisposePublicOpinion(c.Request.Context(), CurrentUser(c), id, opinionID, in)
	s.respond(c, http.StatusOK, o, err)
}

// publicOpinion takes an opinion from anyone, rate-limited per client
// address with the public comments (limitPublicComments).
func (s *Server) publicOpinion(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	var in workflow.PublicOpinionInput
	if !s.bind(c, &in) {
		return
	}
	o, err := s.engine.AddPublicOpinion(c.Request.Context(), id, in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": o.ID})
}

func (s *Server) publicDecisions(c *gin.Context) {
	list, err := s.engine.PublicDecisions(c.Request.Context())
	if err != nil {
		s.writeError(c, err)
		return
	}
	renderPage(s, c, "decisions", list)
}

func (s *Server) publicDecision(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	d, err := s.engine.PublicDecision(c.Request.Context(), id)
	s.respond(c, http.StatusOK, d, err)
}
