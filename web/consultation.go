package web

import (
	"net/http"
	"strconv"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// The public's pages: the drafts open for comment, without an account.

func (ui *Pages) consultations(c *gin.Context) {
	list, err := ui.engine.Consultations(c.Request.Context())
	if err != nil {
		ui.fail(c, err)
		return
	}
	p := ui.newPage(c, "pub.title")
	p.Data = list
	ui.render(c, http.StatusOK, "consultations", p)
}

// consultationPage is the page of one draft open for comment today.
func (ui *Pages) consultationPage(c *gin.Context) (*page, bool) {
	id, ok := ui.pathID(c, "id")
	if !ok {
		return nil, false
	}
	list, err := ui.engine.Consultations(c.Request.Context())
	if err != nil {
		ui.fail(c, err)
		return nil, false
	}
	for i := range list {
		if list[i].ID == id {
			p := ui.newPage(c, "pub.title")
			p.Title = list[i].Title
			p.Data = &list[i]
			if p.Files, err = ui.engine.PublicAttachments(c.Request.Context(), id); err != nil {
				ui.fail(c, err)
				return nil, false
			}
			return p, true
		}
	}
	ui.fail(c, workflow.RuleError(workflow.RuleCommentWindowClosed, "not open"))
	return nil, false
}

func (ui *Pages) consultation(c *gin.Context) {
	if p, ok := ui.consultationPage(c); ok {
		ui.render(c, http.StatusOK, "consultation", p)
	}
}

func (ui *Pages) publicComment(c *gin.Context) {
	p, ok := ui.consultationPage(c)
	if !ok {
		return
	}
	cons := p.Data.(*workflow.Consultation)
	var err error
	if allowed, _ := ui.api.AllowPublicComment(c); !allowed {
		err = workflow.Errorf(api.ERateLimited, "too many comments")
	}
	var cm *workflow.Comment
	if err == nil {
		in := workflow.PublicCommentInput{Content: c.PostForm("content"), AuthorName: c.PostForm("author_name"), Contact: c.PostForm("contact")}
		cm, err = ui.engine.AddPublicComment(c.Request.Context(), cons.ID, in)
	}
	if err != nil {
		ui.refuse(c, p, "public", "content", err)
		ui.render(c, p.Err.Status, "consultation", p)
		return
	}
	c.Redirect(http.StatusSeeOther, "/consultations/"+strconv.FormatInt(cons.ID, 10)+"/thanks?ref="+strconv.FormatInt(cm.ID, 10))
}

func (ui *Pages) thanks(c *gin.Context) {
	ref, _ := strconv.ParseInt(c.Query("ref"), 10, 64)
	p := ui.newPage(c, "pub.thanks")
	p.Data = ref
	ui.render(c, http.StatusOK, "thanks", p)
}
