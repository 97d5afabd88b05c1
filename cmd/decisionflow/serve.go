package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"decisionflow/api"
	"decisionflow/storage"
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

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flagSet("serve", stderr)
	addrDefault := getenv("DECISIONFLOW_ADDR")
	if addrDefault == "" {
		addrDefault = ":8080"
	}
	addr := fs.String("addr", addrDefault, "listen address")
	dsn := dbFlag(fs, getenv)
	demo := fs.Bool("demo", false, "on a database with no users, create one account per role with password "+DemoPassword)
	noMigrate := fs.Bool("no-migrate", false, "do not migrate the database at start")
	settings := settingsFlags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	s, now, err := settings()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	cfg := config{Addr: *addr, DB: *dsn, Demo: *demo, NoMigrate: *noMigrate, Settings: s, Now: now}

	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if getenv("DECISIONFLOW_LOG_FORMAT") == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(handler)
	store := cfg.DB
	if store == "" {
		store = "./" + storage.DefaultSQLitePath
	}
	log.Info("configuration", "addr", cfg.Addr, "db", storage.Redact(store), "policy", cfg.Settings.Policy,
		"min_experts", cfg.Settings.MinExperts, "min_attendees", cfg.Settings.MinAttendees,
		"timezone", cfg.Settings.Location.String(), "demo", cfg.Demo, "migrate", !cfg.NoMigrate)
	if !cfg.Now.IsZero() {
		log.Warn("DECISIONFLOW_NOW is set: the engine's clock starts at that instant, not at the real time; for demos and tests only", "now", cfg.Now.Format(time.RFC3339))
	}

	db, err := storage.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.NoMigrate {
		current, known, err := db.SchemaVersions(ctx)
		if err != nil {
			return err
		}
		if current > known {
			return storage.ErrSchemaTooNew
		}
	} else {
		applied, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(applied) > 0 {
			log.Info("migrated the database", "dialect", db.Dialect(), "to_version", applied[len(applied)-1])
		}
	}

	clock := clockFor(cfg.Now)
	engine := workflow.NewEngine(db, clock, cfg.Settings)
	accounts := workflow.NewAccounts(db, clock)
	if err := ensureAccounts(ctx, accounts, db, cfg.Demo, log); err != nil {
		return err
	}
	if cfg.Demo {
		fmt.Fprintf(stdout, "demo accounts (password %s): admin, staff, legal, head\n", DemoPassword)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL(), "decisionflow"))
	opts := api.DefaultOptions()
	if p := getenv("DECISIONFLOW_TRUSTED_PROXIES"); p != "" {
		opts.TrustedProxies = strings.Split(p, ",")
	}
	opts.SecureCookies = getenv("DECISIONFLOW_SECURE_COOKIES") == "true"
	srv, err := api.New(engine, accounts, db, db, log, reg, opts)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "decisionflow listening on http://%s (%s store)\n", displayAddr(ln.Addr()), db.Dialect())
	log.Info("listening", "addr", ln.Addr().String())

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	go purge(ctx, db, clock, log)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, let in-flight requests finish.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
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
