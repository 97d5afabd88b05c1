package api

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

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

func (s *Server) setCookie(c *gin.Context, name, value string, maxAge int, httpOnly bool) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: httpOnly, Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// uiSession reads the language, the CSRF cookie (making one when missing)
// and the signed-in user, if any.
func (s *Server) uiSession(c *gin.Context) {
	lang := langZH
	if v, err := c.Cookie(cookieLang); err == nil && v == langEN {
		lang = langEN
	}
	c.Set(ctxLang, lang)
	token, err := c.Cookie(cookieCSRF)
	if err != nil || len(token) < 20 {
		token = workflow.RandomSecret(24)
		s.setCookie(c, cookieCSRF, token, 0, true)
	}
	c.Set(ctxCSRF, token)
	if sess, err := c.Cookie(cookieSession); err == nil && sess != "" {
		if u, err := s.accounts.Authenticate(c.Request.Context(), sess); err == nil {
			c.Set(ctxUser, u)
			c.Set(ctxToken, sess)
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
func (s *Server) checkCSRF(c *gin.Context) {
	cookie, _ := c.Cookie(cookieCSRF)
	form := c.PostForm("csrf")
	if cookie == "" || subtle.ConstantTimeCompare([]byte(cookie), []byte(form)) != 1 {
		s.log.WarnContext(c.Request.Context(), "form refused: CSRF token missing or wrong", "request_id", requestID(c), "path", c.Request.URL.Path)
		p := s.newPage(c, "rule.csrf")
		p.Err = &formError{Message: p.T("rule.csrf"), Status: http.StatusForbidden}
		s.render(c, http.StatusForbidden, "error", p)
		c.Abort()
		return
	}
	c.Next()
}

// requireUser sends a signed-out visitor to the sign-in page.
func (s *Server) requireUser(c *gin.Context) {
	if currentUser(c) == nil {
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

func (s *Server) uiLang(c *gin.Context) {
	lang := c.Param("lang")
	if lang != langEN {
		lang = langZH
	}
	s.setCookie(c, cookieLang, lang, 365*24*3600, true)
	c.Redirect(http.StatusSeeOther, localPath(c.Query("next"), "/"))
}

func (s *Server) uiLoginForm(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/dashboard")
		return
	}
	p := s.newPage(c, "login.title")
	p.Data = localPath(c.Query("next"), "/dashboard")
	s.render(c, http.StatusOK, "login", p)
}

func (s *Server) uiLogin(c *gin.Context) {
	p := s.newPage(c, "login.title")
	next := localPath(c.PostForm("next"), "/dashboard")
	p.Data = next
	username := strings.TrimSpace(c.PostForm("username"))
	fail := func(err error) {
		s.refusal(c, p, "login", "password", err)
		s.render(c, p.Err.Status, "login", p)
	}
	addr := c.ClientIP()
	if ok, _ := s.loginAddr.allow(addr); !ok {
		fail(workflow.Errorf(eRateLimited, "too many attempts"))
		return
	}
	if ok, _ := s.loginUser.allow(strings.ToLower(username) + "|" + addr); !ok {
		fail(workflow.Errorf(eRateLimited, "too many attempts"))
		return
	}
	token, _, err := s.accounts.Login(c.Request.Context(), username, c.PostForm("password"))
	if err != nil {
		fail(err)
		return
	}
	s.setCookie(c, cookieSession, token, int(workflow.TokenTTL.Seconds()), true)
	c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) uiLogout(c *gin.Context) {
	if token := c.GetString(ctxToken); token != "" {
		_ = s.accounts.Logout(c.Request.Context(), token)
	}
	s.setCookie(c, cookieSession, "", -1, true)
	c.Redirect(http.StatusSeeOther, "/login")
}
