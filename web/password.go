package web

import (
	"net/http"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// The page where everyone signed in changes their own password, and the
// administrator's reset of another user's. Either revokes every token and
// session of the user: whoever changed their own signs in again.

func (ui *Pages) passwordForm(c *gin.Context) {
	ui.render(c, http.StatusOK, "password", ui.newPage(c, "password.title"))
}

func (ui *Pages) changePassword(c *gin.Context) {
	u := api.CurrentUser(c)
	err := ui.accounts.ChangePassword(c.Request.Context(), u, c.PostForm("current_password"), c.PostForm("new_password"))
	if err != nil {
		p := ui.newPage(c, "password.title")
		ui.refuse(c, p, "password", "current_password", err)
		ui.render(c, p.Err.Status, "password", p)
		return
	}
	ui.log.InfoContext(c.Request.Context(), "password changed; every session of the user revoked", "request_id", api.RequestID(c), "user", u.Username)
	ui.setCookie(c, cookieSession, "", -1, true)
	ui.newCSRFCookie(c)
	c.Redirect(http.StatusSeeOther, "/login?changed=1")
}

func (ui *Pages) resetPassword(c *gin.Context) {
	name := c.Param("username")
	err := ui.accounts.ResetPassword(c.Request.Context(), api.CurrentUser(c), name, c.PostForm("new_password"))
	if err == nil {
		ui.log.InfoContext(c.Request.Context(), "password reset; every session of the user revoked", "request_id", api.RequestID(c),
			"user", name, "by", api.CurrentUser(c).Username)
	}
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		ui.fail(c, err)
		return
	}
	ui.afterUserAction(c, "pw-"+name, err)
}
