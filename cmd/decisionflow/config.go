package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"decisionflow/storage"
	"decisionflow/workflow"
)

// config is every setting of the program, from flags and DECISIONFLOW_*
// variables (a flag wins over its variable), validated once at start and
// passed down.
type config struct {
	Addr      string
	DB        string
	Demo      bool
	NoMigrate bool
	Settings  workflow.Settings
	// Now, when set, starts the engine's clock at that instant (DECISIONFLOW_NOW).
	Now time.Time
}

// flagSet returns a flag set for cmd that reports errors to stderr.
func flagSet(cmd string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	return fs
}

// dbFlag adds --db with its default from the environment.
func dbFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	def := getenv("DECISIONFLOW_DB")
	if def == "" {
		def = getenv("DATABASE_URL")
	}
	return fs.String("db", def, "PostgreSQL URL or SQLite file (default ./"+storage.DefaultSQLitePath+")")
}

// settingsFlags adds the engine's settings with their DECISIONFLOW_* defaults
// and returns a function that validates and collects them after parsing.
func settingsFlags(fs *flag.FlagSet, getenv func(string) string) func() (workflow.Settings, time.Time, error) {
	s := workflow.DefaultSettings()
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	policy := fs.String("policy", env("DECISIONFLOW_POLICY", string(s.Policy)), "all-five or statutory")
	minExperts := fs.String("min-experts", env("DECISIONFLOW_MIN_EXPERTS", strconv.Itoa(s.MinExperts)), "expert opinions required")
	minAttendees := fs.String("min-attendees", env("DECISIONFLOW_MIN_ATTENDEES", strconv.Itoa(s.MinAttendees)), "meeting attendees required")
	tz := fs.String("timezone", env("DECISIONFLOW_TIMEZONE", "Asia/Shanghai"), "time zone of 'today'")
	now := fs.String("now", getenv("DECISIONFLOW_NOW"), "start the clock at this RFC 3339 instant (demos and tests)")
	return func() (workflow.Settings, time.Time, error) {
		var errs []error
		s.Policy = workflow.Policy(*policy)
		var err error
		if s.MinExperts, err = strconv.Atoi(*minExperts); err != nil {
			errs = append(errs, fmt.Errorf("min experts %q is not a number", *minExperts))
		}
		if s.MinAttendees, err = strconv.Atoi(*minAttendees); err != nil {
			errs = append(errs, fmt.Errorf("min attendees %q is not a number", *minAttendees))
		}
		if s.Location, err = time.LoadLocation(*tz); err != nil {
			errs = append(errs, fmt.Errorf("time zone %q: %v", *tz, err))
		}
		var start time.Time
		if *now != "" {
			if start, err = time.Parse(time.RFC3339, *now); err != nil {
				errs = append(errs, fmt.Errorf("DECISIONFLOW_NOW %q is not an RFC 3339 time", *now))
			}
		}
		if len(errs) == 0 {
			if err := s.Validate(); err != nil {
				errs = append(errs, err)
			}
		}
		return s, start, errors.Join(errs...)
	}
}

// clockFor returns the engine's clock: the real one, or one started at now.
func clockFor(now time.Time) workflow.Clock {
	if now.IsZero() {
		return workflow.SystemClock{}
	}
	return workflow.NewStartedClock(now)
}
