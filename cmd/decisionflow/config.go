package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"decisionflow/storage"
	"decisionflow/workflow"
)

// config is every setting of the program, from flags and DECISIONFLOW_*
// variables (a flag wins over its variable) and else the defaults. loadConfig
// fills it, validate checks it once, and it is passed down: nothing else
// reads the environment.
type config struct {
	// DB is the store: --db, $DECISIONFLOW_DB, $DATABASE_URL, then
	// ./decisionflow.db. A postgres:// URL may hold a password: log it
	// through storage.Redact.
	DB string

	// serve's settings.
	Addr      string            // --addr, $DECISIONFLOW_ADDR, :8080
	Settings  workflow.Settings // --policy, --min-experts, --min-attendees, --timezone and their variables
	Now       time.Time         // --now, $DECISIONFLOW_NOW: when set, the engine's clock starts there
	Demo      bool              // --demo: create the demo accounts on a database with none
	NoMigrate bool              // --no-migrate: leave the schema alone at start
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// ($DECISIONFLOW_TRUSTED_PROXIES, comma-separated).
	TrustedProxies []string
	SecureCookies  bool // $DECISIONFLOW_SECURE_COOKIES=true: the UI's cookies are Secure whatever the request
	// SessionIdle is how long a browser session lasts without use
	// ($DECISIONFLOW_SESSION_IDLE, a Go duration; 30m).
	SessionIdle time.Duration
	LogFormat   string // $DECISIONFLOW_LOG_FORMAT: json, else text
	// MaxUploadMB is the largest attachment accepted, in MiB
	// ($DECISIONFLOW_MAX_UPLOAD_MB; 20).
	MaxUploadMB int
	// DebugAddr, when set (--debug-addr, $DECISIONFLOW_DEBUG_ADDR), serves
	// net/http/pprof on its own listener; off by default. Bind it to
	// localhost: profiles reveal the program's internals.
	DebugAddr string

	// NewUser is the account `user add` creates; an empty Password is
	// generated.
	NewUser workflow.NewUser
	// Decision, when not 0, is the one decision `verify` checks.
	Decision int64
	// Catalog, when not 0, is the one catalog year `verify` checks.
	Catalog int
}

// flagValues is the command line as given, each default already taken from
// its variable, before it is parsed into a config.
type flagValues struct {
	db, addr, debugAddr, policy, minExperts, minAttendees, timezone, now string
	demo, noMigrate                                                      bool
	username, role, displayName, password, decision                      string
	catalog, hearingNotice, hearingMaterials                             string
}

// loadConfig reads the settings of cmd ("serve", "migrate", "user add" or
// "verify"): its flags in args, then the DECISIONFLOW_* variables getenv
// returns, then the defaults. It is the program's only reader of the
// environment. A bad command line is a usageError; a value that does not
// parse is a configuration error.
func loadConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(def string, names ...string) string {
		for _, name := range names {
			if v := getenv(name); v != "" {
				return v
			}
		}
		return def
	}
	d := workflow.DefaultSettings()
	f := flagValues{
		db:               env("", "DECISIONFLOW_DB", "DATABASE_URL"),
		addr:             env(":8080", "DECISIONFLOW_ADDR"),
		debugAddr:        env("", "DECISIONFLOW_DEBUG_ADDR"),
		policy:           env(string(d.Policy), "DECISIONFLOW_POLICY"),
		minExperts:       env(strconv.Itoa(d.MinExperts), "DECISIONFLOW_MIN_EXPERTS"),
		minAttendees:     env(strconv.Itoa(d.MinAttendees), "DECISIONFLOW_MIN_ATTENDEES"),
		timezone:         env("Asia/Shanghai", "DECISIONFLOW_TIMEZONE"),
		now:              env("", "DECISIONFLOW_NOW"),
		hearingNotice:    env(strconv.Itoa(d.HearingNoticeDays), "DECISIONFLOW_HEARING_NOTICE_DAYS"),
		hearingMaterials: env(strconv.Itoa(d.HearingMaterialsDays), "DECISIONFLOW_HEARING_MATERIALS_DAYS"),
	}
	fs := f.flagSet(cmd, stderr)
	if err := fs.Parse(args); err != nil {
		return config{}, usageError{err.Error()}
	}
	c, err := f.config(cmd, fs)
	if err != nil {
		return config{}, err
	}
	if proxies := getenv("DECISIONFLOW_TRUSTED_PROXIES"); proxies != "" {
		c.TrustedProxies = strings.Split(proxies, ",")
	}
	c.MaxUploadMB = 20
	if mb := getenv("DECISIONFLOW_MAX_UPLOAD_MB"); mb != "" {
		if c.MaxUploadMB, err = strconv.Atoi(mb); err != nil || c.MaxUploadMB < 1 || c.MaxUploadMB > 1024 {
			return config{}, fmt.Errorf("configuration: DECISIONFLOW_MAX_UPLOAD_MB %q: want a whole number of MiB from 1 to 1024", mb)
		}
	}
	c.SecureCookies = getenv("DECISIONFLOW_SECURE_COOKIES") == "true"
	if c.SessionIdle, err = parseIdle(env("30m", "DECISIONFLOW_SESSION_IDLE")); err != nil {
		return config{}, err
	}
	c.LogFormat = env("text", "DECISIONFLOW_LOG_FORMAT")
	return c, nil
}

// parseIdle reads the session idle timeout: a Go duration from 1 minute
// to 12 hours.
func parseIdle(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute || d > workflow.TokenTTL {
		return 0, fmt.Errorf("configuration: DECISIONFLOW_SESSION_IDLE %q must be a duration from 1m to 12h, for example 30m", v)
	}
	return d, nil
}

// flagSet declares the flags cmd takes, their defaults the values in f.
func (f *flagValues) flagSet(cmd string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	fs.StringVar(&f.db, "db", f.db, "PostgreSQL URL or SQLite file (default ./"+storage.DefaultSQLitePath+")")
	switch cmd {
	case "serve":
		fs.StringVar(&f.addr, "addr", f.addr, "listen address")
		fs.StringVar(&f.debugAddr, "debug-addr", f.debugAddr, "serve net/http/pprof on this address (off when empty)")
		fs.BoolVar(&f.demo, "demo", false, "on a database with no users, create one account per role with password "+DemoPassword)
		fs.BoolVar(&f.noMigrate, "no-migrate", false, "do not migrate the database at start")
		fs.StringVar(&f.policy, "policy", f.policy, "all-five or statutory")
		fs.StringVar(&f.minExperts, "min-experts", f.minExperts, "expert opinions required")
		fs.StringVar(&f.minAttendees, "min-attendees", f.minAttendees, "meeting attendees required")
		fs.StringVar(&f.timezone, "timezone", f.timezone, "time zone of 'today'")
		fs.StringVar(&f.now, "now", f.now, "start the clock at this RFC 3339 instant (demos and tests)")
	case "user passwd":
		fs.StringVar(&f.username, "username", "", "login name")
		fs.StringVar(&f.password, "password", "", "new password (at least 10 characters; generated when empty)")
	case "user add":
		fs.StringVar(&f.username, "username", "", "login name")
		fs.StringVar(&f.role, "role", "", "staff, legal_advisor, head or admin")
		fs.StringVar(&f.displayName, "display-name", "", "name shown in the journal and the UI")
		fs.StringVar(&f.password, "password", "", "password (at least 10 characters; generated when empty)")
	case "verify":
		fs.StringVar(&f.decision, "decision", "", "verify only this decision id")
		fs.StringVar(&f.catalog, "catalog", "", "verify only the catalog of this year")
	}
	return fs
}

// config parses the values of cmd's flags. Commands other than serve keep
// the default engine settings.
func (f flagValues) config(cmd string, fs *flag.FlagSet) (config, error) {
	c := config{DB: f.db, Settings: workflow.DefaultSettings()}
	if c.DB == "" {
		c.DB = "./" + storage.DefaultSQLitePath
	}
	switch cmd {
	case "serve":
		c.Addr, c.DebugAddr, c.Demo, c.NoMigrate = f.addr, f.debugAddr, f.demo, f.noMigrate
		var err error
		if c.Settings, c.Now, err = f.engineSettings(); err != nil {
			return config{}, fmt.Errorf("configuration: %w", err)
		}
	case "user add":
		if f.username == "" || f.role == "" {
			fs.Usage()
			return config{}, usageError{"user add: --username and --role are required"}
		}
		c.NewUser = workflow.NewUser{Username: f.username, DisplayName: f.displayName, Role: workflow.Role(f.role), Password: f.password}
	case "user passwd":
		if f.username == "" {
			fs.Usage()
			return config{}, usageError{"user passwd: --username is required"}
		}
		c.NewUser = workflow.NewUser{Username: f.username, Password: f.password}
	case "verify":
		if f.decision != "" {
			var err error
			if c.Decision, err = strconv.ParseInt(f.decision, 10, 64); err != nil {
				return config{}, usageError{"--decision wants a decision id"}
			}
		}
		if f.catalog != "" {
			var err error
			if c.Catalog, err = strconv.Atoi(f.catalog); err != nil {
				return config{}, usageError{"--catalog wants a year"}
			}
		}
	}
	return c, nil
}

// engineSettings parses serve's engine settings and the clock's start,
// reporting every value that does not parse.
func (f flagValues) engineSettings() (workflow.Settings, time.Time, error) {
	s := workflow.DefaultSettings()
	s.Policy = workflow.Policy(f.policy)
	var (
		errs  []error
		err   error
		start time.Time
	)
	if s.MinExperts, err = strconv.Atoi(f.minExperts); err != nil {
		errs = append(errs, fmt.Errorf("min experts %q is not a number", f.minExperts))
	}
	if s.HearingNoticeDays, err = strconv.Atoi(f.hearingNotice); err != nil {
		errs = append(errs, fmt.Errorf("hearing notice days %q is not a number", f.hearingNotice))
	}
	if s.HearingMaterialsDays, err = strconv.Atoi(f.hearingMaterials); err != nil {
		errs = append(errs, fmt.Errorf("hearing materials days %q is not a number", f.hearingMaterials))
	}
	if s.MinAttendees, err = strconv.Atoi(f.minAttendees); err != nil {
		errs = append(errs, fmt.Errorf("min attendees %q is not a number", f.minAttendees))
	}
	if s.Location, err = time.LoadLocation(f.timezone); err != nil {
		errs = append(errs, fmt.Errorf("time zone %q: %v", f.timezone, err))
	}
	if f.now != "" {
		if start, err = time.Parse(time.RFC3339, f.now); err != nil {
			errs = append(errs, fmt.Errorf("DECISIONFLOW_NOW %q is not an RFC 3339 time", f.now))
		}
	}
	return s, start, errors.Join(errs...)
}

// validate reports settings the program cannot run with.
func (c config) validate() error {
	if err := c.Settings.Validate(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	return nil
}

// log writes serve's settings to log, once at start, the database's
// password masked.
func (c config) log(log *slog.Logger) {
	log.Info("configuration", "addr", c.Addr, "db", storage.Redact(c.DB), "policy", c.Settings.Policy,
		"min_experts", c.Settings.MinExperts, "min_attendees", c.Settings.MinAttendees,
		"timezone", c.Settings.Location.String(), "demo", c.Demo, "migrate", !c.NoMigrate,
		"trusted_proxies", strings.Join(c.TrustedProxies, ","), "secure_cookies", c.SecureCookies, "session_idle", c.SessionIdle.String(),
		"log_format", c.LogFormat, "debug_addr", c.DebugAddr)
	if !c.Now.IsZero() {
		log.Warn("DECISIONFLOW_NOW is set: the engine's clock starts at that instant, not at the real time; for demos and tests only", "now", c.Now.Format(time.RFC3339))
	}
}

// newLogger returns the program's structured logger on w: JSON when
// configured, else text.
func (c config) newLogger(w io.Writer) *slog.Logger {
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// clock returns the engine's clock: the real one, or one started at Now.
func (c config) clock() workflow.Clock {
	if c.Now.IsZero() {
		return workflow.SystemClock{}
	}
	return workflow.NewStartedClock(c.Now)
}
