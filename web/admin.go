package web

import (
	"net/http"
	"strings"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// The administrator's page of user accounts.

type usersView struct {
	Users []*workflow.User
	Roles []workflow.Role
}

func (ui *Pages) usersPage(c *gin.Context) (*page, bool) {
	users, err := ui.accounts.Users(c.Request.Context(), api.CurrentUser(c))
	if err != nil {
		ui.fail(c, err)
		return nil, false
	}
	p := ui.newPage(c, "admin.title")
	p.Data = usersView{Users: users, Roles: workflow.Roles}
	return p, true
}

func (ui *Pages) users(c *gin.Context) {
	if p, ok := ui.usersPage(c); ok {
		ui.render(c, http.StatusOK, "users", p)
	}
}

func (ui *Pages) afterUserAction(c *gin.Context, form string, err error) {
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/admin/users?ok=1")
		return
	}
	if p, ok := ui.usersPage(c); ok {
		ui.refuse(c, p, form, "", err)
		ui.render(c, p.Err.Status, "users", p)
	}
}

func (ui *Pages) createUser(c *gin.Context) {
	in := workflow.NewUser{Username: strings.TrimSpace(c.PostForm("username")), DisplayName: c.PostForm("display_name"), Role: workflow.Role(c.PostForm("role")), Password: c.PostForm("password")}
	_, err := ui.accounts.CreateUser(c.Request.Context(), api.CurrentUser(c), in)
	if workflow.ErrorCode(err) == workflow.EEXISTS {
		err = &workflow.Error{Code: workflow.EINVALID, Fields: []workflow.FieldError{{Field: "username", Message: "is taken"}}}
	}
	ui.afterUserAction(c, "user-new", err)
}

func (ui *Pages) updateUser(c *gin.Context) {
	name, role, disabled := c.PostForm("display_name"), workflow.Role(c.PostForm("role")), c.PostForm("disabled") != ""
	_, err := ui.accounts.UpdateUser(c.Request.Context(), api.CurrentUser(c), c.Param("username"), workflow.UserUpdate{DisplayName: &name, Role: &role, Disabled: &disabled})
	ui.afterUserAction(c, "user-"+c.Param("username"), err)
}
