package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// The UI signs in with a session cookie holding a token of the same kind the
// API uses (stored hashed), which expires after the idle timeout without use
// (sliding) and after 12 hours whatever the use. Every form carries a CSRF
// token derived from the session (an HMAC keyed by the session's secret
// token), or before sign-in from a random df_csrf cookie that sign-in and
// sign-out replace: a page of another site can make the browser send the
// cookies but read neither. Cookies are Secure, and named with the __Host-
// prefix, when the request came over TLS (directly or through a trusted
// proxy saying X-Forwarded-Proto: https) or DECISIONFLOW_SECURE_COOKIES
// forces it.
const (
	cookieSession = "df_session"
	cookieCSRF    = "df_csrf"
	cookieLang    = "df_lang"
	ctxCSRF       = "csrf"
	ctxLang       = "lang"
	// DefaultSessionIdle is how long a browser session lasts without use.
	DefaultSessionIdle = 30 * time.Minute
)

// secureRequest reports whether the request's cookies are to be Secure.
func (ui *Pages) secureRequest(c *gin.Context) bool {
	return ui.secure || ui.api.RequestSecure(c)
}

// cookieName is name, with the __Host- prefix on a secure request.
func (ui *Pages) cookieName(c *gin.Context, name string) string {
	if ui.secureRequest(c) {
		return "__Host-" + name
	}
	return name
}

func (ui *Pages) cookie(c *gin.Context, name string) string {
	v, _ := c.Cookie(ui.cookieName(c, name))
	return v
}

func (ui *Pages) setCookie(c *gin.Context, name, value string, maxAge int, httpOnly bool) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: ui.cookieName(c, name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: httpOnly, Secure: ui.secureRequest(c), SameSite: http.SameSiteLaxMode,
	})
}

// csrfToken derives the forms' token from a secret: the session token, or
// before sign-in the df_csrf cookie.
func csrfToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("decisionflow csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// session reads the language, the signed-in user, if any (sliding the
// session's idle timeout), and the CSRF token (making the df_csrf cookie
// when missing).
func (ui *Pages) session(c *gin.Context) {
	lang := langZH
	if ui.cookie(c, cookieLang) == langEN {
		lang = langEN
	}
	c.Set(ctxLang, lang)
	if sess := ui.cookie(c, cookieSession); sess != "" {
		if u, err := ui.accounts.ResumeSession(c.Request.Context(), sess, ui.idle); err == nil {
			api.SetUser(c, u, sess)
		}
	}
	c.Set(ctxCSRF, ui.csrfFor(c))
	c.Header("Cache-Control", "no-store")
	c.Header("X-Frame-Options", "DENY")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Header("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
	c.Next()
}

// csrfFor is the request's CSRF token: the session's when signed in, else
// the df_csrf cookie's, the cookie made when missing.
func (ui *Pages) csrfFor(c *gin.Context) string {
	if api.CurrentUser(c) != nil {
		return csrfToken(api.Token(c))
	}
	secret := ui.cookie(c, cookieCSRF)
	if len(secret) < 20 {
		secret = ui.newCSRFCookie(c)
	}
	return csrfToken(secret)
}

// newCSRFCookie sets a new df_csrf cookie (at start, sign-in and sign-out).
func (ui *Pages) newCSRFCookie(c *gin.Context) string {
	secret := workflow.RandomSecret(24)
	ui.setCookie(c, cookieCSRF, secret, 0, true)
	return secret
}

// checkCSRF refuses a form whose csrf field is not the request's token.
func (ui *Pages) checkCSRF(c *gin.Context) {
	want := c.GetString(ctxCSRF)
	form := c.PostForm("csrf")
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(form)) != 1 {
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

// localPath keeps a redirect target on this site: a path that url.Parse
// reads with no scheme, no host, one leading slash, and no control
// characters or backslashes (browsers drop tabs and newlines and read "\\"
// as "/", so "/\t/evil.example" and "/\\evil.example" would leave the site).
func localPath(p, fallback string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!onePath(p) || !onePath(u.Path) {
		return fallback
	}
	return p
}

// onePath reports whether p starts with exactly one slash and holds no
// control character, space or backslash.
func onePath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") &&
		!strings.ContainsFunc(p, func(r rune) bool { return r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) })
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
	if c.Query("changed") != "" {
		p.Notice = p.T("password.changed")
	}
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
	if err := workflow.CheckLoginName(username); err != nil {
		fail(err)
		return
	}
	if ok, _ := ui.api.AllowLogin(c, username); !ok {
		fail(workflow.Errorf(api.ERateLimited, "too many attempts"))
		return
	}
	token, _, err := ui.accounts.StartSession(c.Request.Context(), username, c.PostForm("password"), ui.idle)
	ui.api.LoginDone(c, username, err)
	if err != nil {
		fail(err)
		return
	}
	ui.setCookie(c, cookieSession, token, int(workflow.TokenTTL.Seconds()), true)
	ui.newCSRFCookie(c)
	c.Redirect(http.StatusSeeOther, next)
}

func (ui *Pages) logout(c *gin.Context) {
	if token := api.Token(c); token != "" {
		_ = ui.accounts.Logout(c.Request.Context(), token)
	}
	ui.setCookie(c, cookieSession, "", -1, true)
	ui.newCSRFCookie(c)
	c.Redirect(http.StatusSeeOther, "/login")
}
