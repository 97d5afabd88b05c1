// Package api serves decisionflow over HTTP with Gin: the JSON API of
// http-api.md under /api/v1 and the operations endpoints. It calls the
// workflow services and knows nothing of storage. The web UI (package web)
// is mounted on the same router and uses what both share from here: the
// request id and signed-in user, the rate limiters, the metrics, the
// problem mapping and the page tokens.
package api

import (
	"context"
	_ "embed"
	"io"
	"log/slog"
	"net/http"
	"time"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

//go:embed openapi.yaml
var openapiYAML []byte

// Readiness is what /readyz asks of the database.
type Readiness interface {
	// Ping returns EUNAVAILABLE when the database cannot be reached.
	Ping(ctx context.Context) error
	// SchemaCurrent reports whether the schema is the newest the binary knows.
	SchemaCurrent(ctx context.Context) (bool, error)
}

// Limits are the rate limits: a rate (events per second) and a burst.
type Limit struct {
	Rate  rate.Limit
	Burst int
}

// Options configure a Server. Zero values take the defaults of DefaultOptions.
type Options struct {
	// LoginPerUser limits sign-in attempts per username and client address;
	// LoginPerAddr per client address alone.
	LoginPerUser Limit
	LoginPerAddr Limit
	// PublicComments limits public comments per client address.
	PublicComments Limit
	// RequestTimeout bounds the work of one request; a database that does
	// not answer in time gives 503.
	RequestTimeout time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For is believed.
	TrustedProxies []string
	// MaxUpload is the largest attachment accepted, in bytes (413 above).
	MaxUpload int64
}

// DefaultOptions are the production limits.
func DefaultOptions() Options {
	return Options{
		LoginPerUser:   Limit{Rate: rate.Every(12 * time.Second), Burst: 5},
		LoginPerAddr:   Limit{Rate: rate.Every(3 * time.Second), Burst: 20},
		PublicComments: Limit{Rate: rate.Every(time.Minute), Burst: 5},
		RequestTimeout: 15 * time.Second,
	}
}

// Server is the HTTP face of one engine.
type Server struct {
	engine   *workflow.Engine
	accounts *workflow.Accounts
	idem     workflow.IdempotencyStore
	ready    Readiness
	log      *slog.Logger
	opts     Options
	metrics  *metrics
	router   *gin.Engine
	validate *validator
	pages    Pages

	loginUser, loginAddr, publicComments *limiter
	lockouts                             *accountGuard
}

// New builds the server. reg receives the server's metrics; /metrics serves
// everything registered in it (the caller adds the database pool's).
func New(engine *workflow.Engine, accounts *workflow.Accounts, idem workflow.IdempotencyStore, ready Readiness,
	log *slog.Logger, reg *prometheus.Registry, opts Options) (*Server, error) {
	def := DefaultOptions()
	if opts.LoginPerUser.Burst == 0 {
		opts.LoginPerUser = def.LoginPerUser
	}
	if opts.LoginPerAddr.Burst == 0 {
		opts.LoginPerAddr = def.LoginPerAddr
	}
	if opts.PublicComments.Burst == 0 {
		opts.PublicComments = def.PublicComments
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = def.RequestTimeout
	}
	if opts.MaxUpload == 0 {
		opts.MaxUpload = DefaultMaxUpload
	}
	v, err := newValidator(openapiYAML)
	if err != nil {
		return nil, err
	}
	s := &Server{
		engine: engine, accounts: accounts, idem: idem, ready: ready, log: log, opts: opts,
		metrics: newMetrics(reg, engine), validate: v,
		loginUser:      newLimiter(opts.LoginPerUser),
		loginAddr:      newLimiter(opts.LoginPerAddr),
		publicComments: newLimiter(opts.PublicComments),
		lockouts:       newAccountGuard(),
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	if err := r.SetTrustedProxies(opts.TrustedProxies); err != nil {
		return nil, err
	}
	r.Use(s.requestID, s.observe, s.recover, s.limitBody)
	r.NoRoute(s.noRoute)
	r.NoMethod(s.noMethod)
	s.routes(r, reg)
	s.router = r
	return s, nil
}

// Pages are the web UI's pages, served by the same router beside the API
// (package web implements it).
type Pages interface {
	// Register adds the pages' routes.
	Register(r *gin.Engine)
	// NotFound renders the page for a path outside the API that is nowhere.
	NotFound(c *gin.Context)
	// PrintDossier writes the printable dossier (dossier.html of the
	// archive) in lang, "zh" or "en".
	PrintDossier(w io.Writer, lang string, d *workflow.Dossier) error
}

// Mount serves the pages beside the API.
func (s *Server) Mount(p Pages) {
	s.pages = p
	p.Register(s.router)
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Routes lists the registered routes as "METHOD path", for tests.
func (s *Server) Routes() []gin.RouteInfo { return s.router.Routes() }

func (s *Server) routes(r *gin.Engine, reg *prometheus.Registry) {
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.metricsHandler(reg))

	// Authentication comes before validation: without a token the answer is
	// 401 whatever the body.
	v1 := r.Group("/api/v1", apiHeaders, s.Timeout)
	v1.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", openapiYAML) })
	v1.POST("/login", s.validateRequest, s.login)
	v1.GET("/public/consultations", s.validateRequest, s.consultations)
	v1.GET("/public/catalogs/:year", s.validateRequest, s.publicCatalog)
	v1.GET("/public/catalogs/:year/export", s.validateRequest, s.exportPublicCatalog)
	v1.GET("/public/consultations/:id/attachments/:attachment_id", s.validateRequest, s.publicAttachment)
	// An upload's body is streamed to a file, never read whole for validation.
	v1.POST("/decisions/:id/attachments", s.authenticate, s.uploadAttachment)
	v1.POST("/public/consultations/:id/comments", s.limitPublicComments, s.validateRequest, s.idempotent, s.publicComment)
	v1.GET("/public/decisions", s.validateRequest, s.publicDecisions)
	v1.GET("/public/decisions/:id", s.validateRequest, s.publicDecision)
	v1.POST("/public/decisions/:id/opinions", s.limitPublicComments, s.validateRequest, s.idempotent, s.publicOpinion)

	auth := v1.Group("", s.authenticate, s.validateRequest)
	auth.POST("/logout", s.logout)
	auth.GET("/me", s.me)
	auth.POST("/me/password", s.changePassword)
	auth.GET("/users", s.listUsers)
	auth.POST("/users", s.idempotent, s.createUser)
	auth.PATCH("/users/:username", s.updateUser)
	auth.PUT("/users/:username/password", s.resetPassword)
	auth.GET("/decisions", s.listDecisions)
	auth.POST("/decisions", s.idempotent, s.createDecision)
	auth.GET("/decisions/:id", s.getDecision)
	auth.POST("/decisions/:id/events", s.idempotent, s.fireEvent)
	auth.GET("/decisions/:id/history", s.history)
	auth.GET("/decisions/:id/verify", s.verify)
	auth.PUT("/decisions/:id/draft", s.saveDraft)
	auth.GET("/decisions/:id/drafts", listOf(s, "drafts", s.engine.Drafts))
	auth.PUT("/decisions/:id/comment-period", s.setCommentPeriod)
	auth.GET("/decisions/:id/comments", listOf(s, "comments", s.engine.Comments))
	auth.POST("/decisions/:id/comments", s.idempotent, s.addComment)
	auth.PUT("/decisions/:id/comments/:comment_id/disposition", s.disposeComment)
	auth.GET("/decisions/:id/expert-opinions", listOf(s, "expert_opinions", s.engine.ExpertOpinions))
	auth.POST("/decisions/:id/expert-opinions", s.idempotent, s.addExpertOpinion)
	auth.GET("/decisions/:id/execution-reports", listOf(s, "execution_reports", s.engine.ExecutionReports))
	auth.POST("/decisions/:id/execution-reports", s.idempotent, s.addExecutionReport)
	auth.GET("/decisions/:id/hearings", listOf(s, "hearings", s.engine.Hearings))
	auth.POST("/decisions/:id/hearings", s.idempotent, s.addHearing)
	auth.GET("/decisions/:id/opinions", listOf(s, "opinions", s.engine.PublicOpinions))
	auth.PUT("/decisions/:id/opinions/:opinion_id/disposition", s.disposePublicOpinion)
	auth.GET("/decisions/export", s.exportDecisions)
	auth.GET("/stats/export", s.exportStats)
	auth.GET("/decisions/:id/attachments", s.listAttachments)
	auth.GET("/decisions/:id/attachments/:attachment_id", s.downloadAttachment)
	auth.GET("/decisions/:id/dossier", s.dossier)
	auth.GET("/decisions/:id/dossier.zip", s.dossierZip)
	auth.GET("/catalogs", s.listCatalogs)
	auth.GET("/catalogs/:year", s.getCatalog)
	auth.POST("/catalogs/:year/entries", s.idempotent, s.addCatalogEntry)
	auth.PATCH("/catalogs/:year/entries/:entry_id", s.editCatalogEntry)
	auth.DELETE("/catalogs/:year/entries/:entry_id", s.removeCatalogEntry)
	auth.POST("/catalogs/:year/events", s.idempotent, s.fireCatalogEvent)
	auth.GET("/catalogs/:year/history", s.catalogHistory)
	auth.GET("/catalogs/:year/verify", s.verifyCatalog)
	auth.GET("/catalogs/:year/export", s.exportCatalog)
	auth.GET("/stats", s.stats)
	auth.GET("/calendar", s.calendarDays)
	auth.PUT("/calendar/:day", s.setCalendarDay)
	auth.DELETE("/calendar/:day", s.deleteCalendarDay)
}

func (s *Server) noRoute(c *gin.Context) {
	if !isAPI(c.Request.URL.Path) && s.pages != nil {
		s.pages.NotFound(c)
		return
	}
	s.writeError(c, workflow.Errorf(workflow.ENOTFOUND, "no such resource: %s", c.Request.URL.Path))
}

func (s *Server) noMethod(c *gin.Context) {
	writeProblem(c, Problem{Type: "urn:decisionflow:problem:method-not-allowed", Title: "Method not allowed",
		Status: http.StatusMethodNotAllowed, Rule: "method-not-allowed", Detail: c.Request.Method + " is not allowed here"})
}

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if err := s.ready.Ping(ctx); err != nil {
		s.writeError(c, err)
		return
	}
	current, err := s.ready.SchemaCurrent(ctx)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if !current {
		s.writeError(c, workflow.Errorf(workflow.EUNAVAILABLE, "the database schema is not current"))
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
