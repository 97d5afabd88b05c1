package web

import (
	"net/http"
	"strconv"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// 已公布决策: the published decisions, without an account (lifecycle.md,
// Art 32), and the form for opinions on a decision in force (Art 35 ¶2).

func (ui *Pages) publishedDecisions(c *gin.Context) {
	list, err := ui.engine.PublicDecisions(c.Request.Context())
	if err != nil {
		ui.fail(c, err)
		return
	}
	p := ui.newPage(c, "pd.title")
	p.Data = list
	ui.render(c, http.StatusOK, "public_decisions", p)
}

// publishedPage is the page of one published decision.
func (ui *Pages) publishedPage(c *gin.Context) (*page, *workflow.PublicDecision, bool) {
	id, ok := ui.pathID(c, "id")
	if !ok {
		return nil, nil, false
	}
	d, err := ui.engine.PublicDecision(c.Request.Context(), id)
	if err != nil {
		ui.fail(c, err)
		return nil, nil, false
	}
	p := ui.newPage(c, "pd.title")
	p.Title = d.Title
	p.Data = d
	return p, d, true
}

func (ui *Pages) publishedDecision(c *gin.Context) {
	if p, _, ok := ui.publishedPage(c); ok {
		if ref, err := strconv.ParseInt(c.Query("ref"), 10, 64); err == nil && ref > 0 {
			p.Notice = p.Tf("pd.thanks", ref)
		}
		ui.render(c, http.StatusOK, "public_decision", p)
	}
}

// publicOpinion takes an opinion from the form, limited per client address
// with the public comments.
func (ui *Pages) publicOpinion(c *gin.Context) {
	p, d, ok := ui.publishedPage(c)
	if !ok {
		return
	}
	var err error
	if allowed, _ := ui.api.AllowPublicComment(c); !allowed {
		err = workflow.Errorf(api.ERateLimited, "too many opinions")
	}
	var o *workflow.PublicOpinion
	if err == nil {
		in := workflow.PublicOpinionInput{Content: c.PostForm("content"), AuthorName: c.PostForm("author_name"), Contact: c.PostForm("contact")}
		o, err = ui.engine.AddPublicOpinion(c.Request.Context(), d.ID, in)
	}
	if err != nil {
		ui.refuse(c, p, "opinion", "content", err)
		ui.render(c, p.Err.Status, "public_decision", p)
		return
	}
	c.Redirect(http.StatusSeeOther, "/published/"+strconv.FormatInt(d.ID, 10)+"?ref="+strconv.FormatInt(o.ID, 10)+"#opinion-form")
}
