package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// The UI signs in with a session cookie holding a token of the same kind the
// API uses (stored hashed, 12 hours). Every form carries a CSRF token that
// must equal the df_csrf cookie (the double-submit pattern): a page of
// another site can make the browser send the cookie, but cannot read it to
// put it in the form.
const (
	cookieSession = "df_session"
	cookieCSRF    = "df_csrf"
	cookieLang    = "df_lang"
	ctxCSRF       = "csrf"
	ctxLang       = "lang"
)

func (ui *Pages) setCookie(c *gin.Context, name, value string, maxAge int, httpOnly bool) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: httpOnly, Secure: ui.secure, SameSite: http.SameSiteLaxMode,
	})
}

// session reads the language, the CSRF cookie (making one when missing)
// and the signed-in user, if any.
func (ui *Pages) session(c *gin.Context) {
	lang := langZH
	if v, err := c.Cookie(cookieLang); err == nil && v == langEN {
		lang = langEN
	}
	c.Set(ctxLang, lang)
	token, err := c.Cookie(cookieCSRF)
	if err != nil || len(token) < 20 {
		token = workflow.RandomSecret(24)
		ui.setCookie(c, cookieCSRF, token, 0, true)
	}
	c.Set(ctxCSRF, token)
	if sess, err := c.Cookie(cookieSession); err == nil && sess != "" {
		if u, err := ui.accounts.Authenticate(c.Request.Context(), sess); err == nil {
			api.SetUser(c, u, sess)
		}
	}
	c.Header("Cache-Control", "no-store")
	c.Header("X-Frame-Options", "DENY")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Header("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
	c.Next()
}

// checkCSRF refuses a form whose csrf field does not match the cookie.
func (ui *Pages) checkCSRF(c *gin.Context) {
	cookie, _ := c.Cookie(cookieCSRF)
	form := c.PostForm("csrf")
	if cookie == "" || subtle.ConstantTimeCompare([]byte(cookie), []byte(form)) != 1 {
		ui.log.WarnContext(c.Request.Context(), "form refused: CSRF token missing or wrong", "request_id", api.RequestID(c), "path", c.Request.URL.Path)
		p := ui.newPage(c, "rule.csrf")
		p.Err = &formError{Message: p.T("rule.csrf"), Status: http.StatusForbidden}
		ui.render(c, http.StatusForbidden, "error", p)
		c.Abort()
		return
	}
	c.Next()
}

// requireUser sends a signed-out visitor to the sign-in page.
func (ui *Pages) requireUser(c *gin.Context) {
	if api.CurrentUser(c) == nil {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	c.Next()
}

// localPath keeps a redirect target on this site.
func localPath(p, fallback string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return fallback
	}
	return p
}

func (ui *Pages) lang(c *gin.Context) {
	ui.setCookie(c, cookieLang, langOf(c.Param("lang")), 365*24*3600, true)
	c.Redirect(http.StatusSeeOther, localPath(c.Query("next"), "/"))
}

func (ui *Pages) loginForm(c *gin.Context) {
	if api.CurrentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/dashboard")
		return
	}
	p := ui.newPage(c, "login.title")
	p.Data = localPath(c.Query("next"), "/dashboard")
	ui.render(c, http.StatusOK, "login", p)
}

func (ui *Pages) login(c *gin.Context) {
	p := ui.newPage(c, "login.title")
	next := localPath(c.PostForm("next"), "/dashboard")
	p.Data = next
	username := strings.TrimSpace(c.PostForm("username"))
	fail := func(err error) {
		ui.refuse(c, p, "login", "password", err)
		ui.render(c, p.Err.Status, "login", p)
	}
	if ok, _ := ui.api.AllowLogin(c, username); !ok {
		fail(workflow.Errorf(api.ERateLimited, "too many attempts"))
		return
	}
	token, _, err := ui.accounts.Login(c.Request.Context(), username, c.PostForm("password"))
	if err != nil {
		fail(err)
		return
	}
	ui.setCookie(c, cookieSession, token, int(workflow.TokenTTL.Seconds()), true)
	c.Redirect(http.StatusSeeOther, next)
}

func (ui *Pages) logout(c *gin.Context) {
	if token := api.Token(c); token != "" {
		_ = ui.accounts.Logout(c.Request.Context(), token)
	}
	ui.setCookie(c, cookieSession, "", -1, true)
	c.Redirect(http.StatusSeeOther, "/login")
}
