// Command decisionflow runs the decision workflow engine: the server
// (serve), database migrations (migrate), accounts (user add) and the check
// of every journal's hash chain (verify).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		var u usageError
		if !errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, "decisionflow:", err)
		}
		os.Exit(exitCode(err))
	}
}

const usage = `usage:
  decisionflow serve   [--addr :8080] [--db DSN] [--policy all-five|statutory] [--demo] [--no-migrate]
  decisionflow migrate [--db DSN]
  decisionflow user add --username U --role ROLE [--display-name N] [--password P] [--db DSN]
  decisionflow user passwd --username U [--password P] [--db DSN]
  decisionflow verify  [--db DSN] [--decision ID]

--db defaults to $DECISIONFLOW_DB, then $DATABASE_URL, then the SQLite file ./decisionflow.db.
`

// usageError is a command line the program cannot run; usage was printed.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// run is the whole program: it parses args, reads the environment through
// getenv, and writes its report to stdout and its logs to stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, rest, err := command(args, stdout, stderr)
	if err != nil || cmd == "" {
		return err
	}
	cfg, err := loadConfig(cmd, rest, getenv, stderr)
	if err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	switch cmd {
	case "serve":
		return runServe(ctx, cfg, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, cfg, stdout)
	case "user add":
		return runUserAdd(ctx, cfg, stdout, stderr)
	case "user passwd":
		return runUserPasswd(ctx, cfg, stdout)
	default: // verify
		return runVerify(ctx, cfg, stdout)
	}
}

// command splits args into the command ("serve", "migrate", "user add" or
// "verify") and its flags. For help it prints the usage and returns no
// command.
func command(args []string, stdout, stderr io.Writer) (cmd string, rest []string, err error) {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return "", nil, usageError{"no command"}
	}
	cmd, rest = args[0], args[1:]
	switch cmd {
	case "serve", "migrate", "verify":
		return cmd, rest, nil
	case "user":
		if len(rest) == 0 || (rest[0] != "add" && rest[0] != "passwd") {
			fmt.Fprint(stderr, usage)
			return "", nil, usageError{"user: want 'user add' or 'user passwd'"}
		}
		return "user " + rest[0], rest[1:], nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return "", nil, nil
	}
	fmt.Fprint(stderr, usage)
	return "", nil, usageError{"unknown command " + cmd}
}
