// Package web serves decisionflow's pages: the server-rendered UI staff, the
// legal advisor and the head work in, and the public consultation pages. It
// is mounted on the router of package api (api.Server.Mount), calls the same
// engine and shares with the API what both need (the signed-in user, rate
// limits, metrics, the mapping of errors to statuses, page tokens). It knows
// nothing of storage.
//
// Every POST is a form with a CSRF token; success redirects (POST-redirect-
// GET); a refusal re-renders the page with the rule's message beside the
// field and what the user typed kept. The forms of a decision are generated
// from the workflow's table: the page shows exactly the capabilities the
// engine grants the user now.
package web

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// Deps are what the pages need.
type Deps struct {
	// API is the server the pages are mounted on, for what both share.
	API      *api.Server
	Engine   *workflow.Engine
	Accounts *workflow.Accounts
	Log      *slog.Logger
	// SecureCookies marks the pages' cookies Secure whatever the request
	// (else only requests over TLS, or from a trusted proxy saying so).
	SecureCookies bool
	// SessionIdle is how long a browser session lasts without use
	// (DefaultSessionIdle when 0).
	SessionIdle time.Duration
}

// Pages are the web UI. It implements api.Pages.
type Pages struct {
	api      *api.Server
	engine   *workflow.Engine
	accounts *workflow.Accounts
	log      *slog.Logger
	secure   bool
	idle     time.Duration
	views    views
}

// New parses the templates (once) and returns the pages.
func New(d Deps) (*Pages, error) {
	vs, err := parseViews()
	if err != nil {
		return nil, err
	}
	if d.SessionIdle <= 0 {
		d.SessionIdle = DefaultSessionIdle
	}
	if !d.SecureCookies && d.Log != nil {
		d.Log.Warn("cookies are not forced Secure: they are Secure only on requests over TLS or from a trusted proxy saying X-Forwarded-Proto: https; behind TLS set DECISIONFLOW_SECURE_COOKIES=true")
	}
	return &Pages{api: d.API, engine: d.Engine, accounts: d.Accounts, log: d.Log, secure: d.SecureCookies, idle: d.SessionIdle, views: vs}, nil
}

// Register adds the pages' routes to the API's router.
func (ui *Pages) Register(r *gin.Engine) {
	r.GET("/static/*file", staticHandler())
	pub := r.Group("", ui.api.Timeout, ui.session)
	pub.GET("/", ui.home)
	pub.GET("/lang/:lang", ui.lang)
	pub.GET("/login", ui.loginForm)
	pub.GET("/password", ui.requireUser, ui.passwordForm)
	pub.GET("/consultations", ui.consultations)
	pub.GET("/consultations/:id", ui.consultation)
	pub.GET("/consultations/:id/thanks", ui.thanks)
	pub.GET("/consultations/:id/attachments/:attachment_id", ui.publicDownload)
	pub.GET("/published", ui.publishedDecisions)
	pub.GET("/published/:id", ui.publishedDecision)
	pub.GET("/catalog", ui.currentPublicCatalog)
	pub.GET("/catalog/:year", ui.publicCatalog)

	forms := pub.Group("", ui.checkCSRF)
	forms.POST("/login", ui.login)
	forms.POST("/logout", ui.logout)
	forms.POST("/password", ui.requireUser, ui.changePassword)
	forms.POST("/consultations/:id/comments", ui.publicComment)
	forms.POST("/published/:id/opinions", ui.publicOpinion)

	in := pub.Group("", ui.requireUser)
	in.GET("/dashboard", ui.dashboard)
	in.GET("/decisions", ui.decisions)
	in.GET("/decisions/new", ui.newForm)
	in.GET("/decisions/:id", ui.decision)
	in.GET("/decisions/:id/journal", ui.journal)
	in.GET("/decisions/:id/dossier", ui.dossier)
	in.GET("/decisions/:id/dossier.zip", ui.dossierZip)
	in.GET("/decisions/:id/attachments/:attachment_id", ui.download)
	in.GET("/decisions/export", ui.api.ExportDecisions)
	in.GET("/stats/export", ui.api.ExportStats)
	// The upload checks its CSRF field itself, before the file is read.
	in.POST("/decisions/:id/attachments", ui.upload)
	in.GET("/stats", ui.stats)
	in.GET("/catalogs", ui.currentCatalog)
	in.GET("/catalogs/:year", ui.catalog)
	in.GET("/admin/users", ui.users)
	in.GET("/admin/calendar", ui.calendar)

	act := in.Group("", ui.checkCSRF)
	act.POST("/decisions", ui.create)
	act.POST("/decisions/:id/events/:event", ui.fire)
	act.POST("/catalogs/:year/entries", ui.addEntry)
	act.POST("/catalogs/:year/entries/:entry_id", ui.editEntry)
	act.POST("/catalogs/:year/entries/:entry_id/remove", ui.removeEntry)
	act.POST("/catalogs/:year/events/:event", ui.fireCatalog)
	act.POST("/decisions/:id/records/:action", ui.record)
	act.POST("/decisions/:id/comments/:comment_id/records/:action", ui.record)
	act.POST("/decisions/:id/opinions/:opinion_id/records/:action", ui.record)
	act.POST("/admin/users", ui.createUser)
	act.POST("/admin/users/:username", ui.updateUser)
	act.POST("/admin/users/:username/password", ui.resetPassword)
	act.POST("/admin/calendar", ui.setCalendarDay)
	act.POST("/admin/calendar/:day/delete", ui.deleteCalendarDay)
}

// NotFound renders the not-found page, in the visitor's language.
func (ui *Pages) NotFound(c *gin.Context) {
	ui.session(c)
	ui.fail(c, workflow.Errorf(workflow.ENOTFOUND, "not found"))
}

// PrintDossier writes the printable dossier, standalone, for the archive.
func (ui *Pages) PrintDossier(w io.Writer, lang string, d *workflow.Dossier) error {
	p := &page{Lang: langOf(lang), loc: ui.engine.Settings().Location, Data: d, Title: d.Decision.Title}
	return ui.views["dossier"].ExecuteTemplate(w, "standalone", p)
}

func (ui *Pages) home(c *gin.Context) {
	if api.CurrentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/dashboard")
		return
	}
	c.Redirect(http.StatusSeeOther, "/consultations")
}
