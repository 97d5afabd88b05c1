package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"

	"decisionflow/api"
	"decisionflow/internal/demo"
	"decisionflow/storage"
	"decisionflow/web"
	"decisionflow/workflow"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// DemoPassword is the password of the --demo accounts.
const DemoPassword = "demo-password"

var demoUsers = []workflow.NewUser{
	{Username: "admin", DisplayName: "系统管理员", Role: workflow.RoleAdmin},
	{Username: "staff", DisplayName: "王芳（镇城建办）", Role: workflow.RoleStaff},
	{Username: "legal", DisplayName: "李律师（法律顾问）", Role: workflow.RoleLegalAdvisor},
	{Username: "head", DisplayName: "张镇长", Role: workflow.RoleHead},
}

// runServe runs the server until ctx ends (SIGINT or SIGTERM), then shuts it
// down gracefully.
func runServe(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	log := cfg.newLogger(stderr)
	cfg.log(log)
	tuneGC(os.Getenv)
	db, err := openServeStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	clock := cfg.clock()
	engine, accounts := workflow.NewEngine(db, clock, cfg.Settings), workflow.NewAccounts(db, clock)
	followRevocations(ctx, accounts, db, log)
	if err := ensureAccounts(ctx, accounts, db, cfg.Demo, log); err != nil {
		return err
	}
	if cfg.Demo {
		fmt.Fprintf(stdout, "demo accounts (password %s): admin, staff, legal, head\n", DemoPassword)
		if err := seedDemo(ctx, db, cfg, clock, log); err != nil {
			return err
		}
	}
	hs, err := newHTTPServer(cfg, engine, accounts, db, log)
	if err != nil {
		return err
	}
	ln, err := listen(cfg.Addr, db.Dialect(), stdout, log)
	if err != nil {
		return err
	}
	go purge(ctx, db, clock, log)
	if err := serveDebug(ctx, cfg.DebugAddr, stdout, log); err != nil {
		return err
	}
	return serveUntilDone(ctx, hs, ln, log)
}

// followRevocations keeps the token cache true to every process's
// revocations where the store can tell of them (PostgreSQL); elsewhere
// (SQLite) the cache is off, so that a token revoked by another process
// (the CLI) is refused at once. workflow/tokencache.go.
func followRevocations(ctx context.Context, accounts *workflow.Accounts, db *storage.DB, log *slog.Logger) {
	if !db.HasRevocationFeed() {
		accounts.SetTokenCache(0, 0)
		return
	}
	accounts.FollowRevocations(ctx, db, func(err error) {
		log.Error("token revocations: not listening, the token cache is off", "err", err)
	})
}

// The garbage collector's defaults for serve, each unless its environment
// variable sets it: GOGC=200 halves the collector's share of the CPU under
// load (it was 8 % of the server's CPU at GOGC=100, docs/performance.md) at
// the cost of a larger heap between collections, which the soft memory
// limit caps: near it the collector runs as often as it must.
const (
	serveGCPercent  = 200
	serveMemLimitMB = 192
)

// tuneGC applies the serve defaults above where GOGC and GOMEMLIMIT are unset.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemLimitMB << 20)
	}
}

// openServeStore opens the database and, unless --no-migrate, migrates it,
// saying so in the log.
func openServeStore(ctx context.Context, cfg config, log *slog.Logger) (*storage.DB, error) {
	db, applied, err := openStore(ctx, cfg, !cfg.NoMigrate)
	if err != nil {
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrated the database", "dialect", db.Dialect(), "to_version", applied[len(applied)-1])
	}
	return db, nil
}

// newHTTPServer builds the JSON API and the web UI over the engine, with the
// metrics of the Go runtime, the process and the database pool, behind an
// http.Server with timeouts.
func newHTTPServer(cfg config, engine *workflow.Engine, accounts *workflow.Accounts, db *storage.DB, log *slog.Logger) (*http.Server, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL(), "decisionflow"))
	opts := api.DefaultOptions()
	opts.TrustedProxies = cfg.TrustedProxies
	opts.MaxUpload = int64(cfg.MaxUploadMB) << 20
	srv, err := api.New(engine, accounts, db, db, log, reg, opts)
	if err != nil {
		return nil, err
	}
	pages, err := web.New(web.Deps{API: srv, Engine: engine, Accounts: accounts, Log: log, SecureCookies: cfg.SecureCookies, SessionIdle: cfg.SessionIdle})
	if err != nil {
		return nil, err
	}
	srv.Mount(pages)
	return &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}, nil
}

// listen opens the listening socket (port 0 picks a free one) and tells
// stdout, where tests and scripts read it, and the log where it is.
func listen(addr string, dialect storage.Dialect, stdout io.Writer, log *slog.Logger) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "decisionflow listening on http://%s (%s store)\n", displayAddr(ln.Addr()), dialect)
	log.Info("listening", "addr", ln.Addr().String())
	return ln, nil
}

// serveDebug, when addr is set, serves the profiles of net/http/pprof under
// /debug/pprof/ on a listener of its own, until ctx ends. It is off by
// default and never on the API's address.
func serveDebug(ctx context.Context, addr string, stdout io.Writer, log *slog.Logger) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("debug address: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "decisionflow debug (pprof) on http://%s/debug/pprof/\n", displayAddr(ln.Addr()))
	log.Warn("pprof debug endpoint on; keep it off public networks", "addr", ln.Addr().String())
	go hs.Serve(ln) //nolint:errcheck // ends with Close below
	go func() { <-ctx.Done(); hs.Close() }()
	return nil
}

// serveUntilDone serves on ln until the server fails or ctx ends, and then
// shuts it down.
func serveUntilDone(ctx context.Context, hs *http.Server, ln net.Listener, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return shutDown(hs, errc, log)
}

// shutDown stops hs gracefully: it stops accepting and lets in-flight
// requests finish, for up to 30 seconds. errc reports the end of Serve.
func shutDown(hs *http.Server, errc <-chan error, log *slog.Logger) error {
	log.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// IdempotencyKeyTTL is how long a finished request's idempotency record is
// kept for retries.
const IdempotencyKeyTTL = 24 * time.Hour

// purge deletes expired tokens and old idempotency records every hour, until
// ctx ends. Each replica does it; the deletes are idempotent.
func purge(ctx context.Context, db *storage.DB, clock workflow.Clock, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		tokens, keys, err := db.Purge(ctx, clock.Now(), time.Now().Add(-IdempotencyKeyTTL))
		if err != nil && ctx.Err() == nil {
			log.Warn("purge of expired tokens and idempotency keys failed", "error", err.Error())
		} else if tokens+keys > 0 {
			log.Info("purged", "expired_tokens", tokens, "idempotency_keys", keys)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// ensureAccounts creates the demo accounts on an empty database when asked,
// and otherwise says how to create the first account.
func ensureAccounts(ctx context.Context, accounts *workflow.Accounts, users workflow.UserStore, demo bool, log *slog.Logger) error {
	existing, err := users.Users(ctx)
	if err != nil {
		return err
	}
	if len(existing) > 0 {
		return nil
	}
	if !demo {
		log.Warn("no accounts yet: create the first with `decisionflow user add --username admin --role admin`")
		return nil
	}
	for _, u := range demoUsers {
		u.Password = DemoPassword
		if _, err := accounts.CreateUser(ctx, nil, u); err != nil {
			return fmt.Errorf("demo account %s: %w", u.Username, err)
		}
	}
	log.Warn("demo accounts created; change their passwords before real use",
		"accounts", "admin, staff, legal, head", "password", DemoPassword)
	return nil
}

// displayAddr makes ":8080" clickable as "localhost:8080".
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// seedDemo fills a database without decisions with the demo's sample
// decisions (internal/demo); a database holding decisions is left alone.
func seedDemo(ctx context.Context, db *storage.DB, cfg config, clock workflow.Clock, log *slog.Logger) error {
	n, err := demo.Seed(ctx, db, cfg.Settings, clock.Now())
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	if n > 0 {
		log.Info("demo decisions created", "decisions", n)
	}
	return nil
}
