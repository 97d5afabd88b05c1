package api

import (
	"errors"
	"net/http"
	"time"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// changePassword is POST /api/v1/me/password: the caller's own password,
// the current one required; every token of the caller is revoked (this
// one too). Wrong current passwords count against the account like failed
// sign-ins.
func (s *Server) changePassword(c *gin.Context) {
	var in struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if !s.bind(c, &in) {
		return
	}
	u := CurrentUser(c)
	if ok, wait := s.loginAccount().check(accountKey(u.Username), time.Now()); !ok {
		s.refuse(c, wait)
		return
	}
	err := s.accounts.ChangePassword(c.Request.Context(), u, in.CurrentPassword, in.NewPassword)
	if fieldIs(err, "current_password") {
		s.loginAccount().failed(accountKey(u.Username), time.Now())
		s.log.WarnContext(c.Request.Context(), "password change refused: wrong current password", "request_id", RequestID(c),
			"username", u.Username, "client", ClientAddr(c))
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// resetPassword is PUT /api/v1/users/{username}/password (admin): the
// user's tokens are revoked.
func (s *Server) resetPassword(c *gin.Context) {
	var in struct {
		NewPassword string `json:"new_password"`
	}
	if !s.bind(c, &in) {
		return
	}
	if err := s.accounts.ResetPassword(c.Request.Context(), CurrentUser(c), c.Param("username"), in.NewPassword); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// fieldIs reports whether err refuses the field name.
func fieldIs(err error, name string) bool {
	var we *workflow.Error
	if !errors.As(err, &we) {
		return false
	}
	for _, f := range we.Fields {
		if f.Field == name {
			return true
		}
	}
	return false
}
