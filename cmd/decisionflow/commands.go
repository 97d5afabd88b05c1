package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"decisionflow/storage"
	"decisionflow/workflow"
)

// openDB opens the store and, unless told not to, migrates it.
func openDB(ctx context.Context, dsn string, migrate bool, log io.Writer) (*storage.DB, error) {
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if migrate {
		applied, err := db.Migrate(ctx)
		if err != nil {
			db.Close()
			return nil, err
		}
		if len(applied) > 0 && log != nil {
			fmt.Fprintf(log, "migrated %s database to version %d\n", db.Dialect(), applied[len(applied)-1])
		}
	}
	return db, nil
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flagSet("migrate", stderr)
	dsn := dbFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	db, err := storage.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	current, _, err := db.SchemaVersions(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s schema at version %d (%d migration(s) applied now)\n", db.Dialect(), current, len(applied))
	return nil
}

func runUserAdd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flagSet("user add", stderr)
	dsn := dbFlag(fs, getenv)
	username := fs.String("username", "", "login name")
	role := fs.String("role", "", "staff, legal_advisor, head or admin")
	display := fs.String("display-name", "", "name shown in the journal and the UI")
	password := fs.String("password", "", "password (at least 10 characters; generated when empty)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *username == "" || *role == "" {
		fs.Usage()
		return usageError{"user add: --username and --role are required"}
	}
	generated := *password == ""
	if generated {
		*password = workflow.RandomSecret(15)
	}
	db, err := openDB(ctx, *dsn, true, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	acc := workflow.NewAccounts(db, workflow.SystemClock{})
	u, err := acc.CreateUser(ctx, nil, workflow.NewUser{Username: *username, DisplayName: *display, Role: workflow.Role(*role), Password: *password})
	if err != nil {
		return describe(err)
	}
	token, err := acc.IssueToken(ctx, u)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created user %s (%s)\n", u.Username, u.Role)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", *password)
	}
	fmt.Fprintf(stdout, "token: %s\n", token)
	fmt.Fprintf(stdout, "the token is valid for %s; sign in again with POST /api/v1/login\n", workflow.TokenTTL)
	return nil
}

func runVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flagSet("verify", stderr)
	dsn := dbFlag(fs, getenv)
	only := fs.String("decision", "", "verify only this decision id")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	var id int64
	if *only != "" {
		var err error
		if id, err = strconv.ParseInt(*only, 10, 64); err != nil {
			return usageError{"--decision wants a decision id"}
		}
	}
	db, err := storage.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	eng := workflow.NewEngine(db, workflow.SystemClock{}, workflow.DefaultSettings())
	var results []workflow.Verification
	if id != 0 {
		v, err := eng.VerifyOne(ctx, id)
		if err != nil {
			return describe(err)
		}
		results = []workflow.Verification{v}
	} else if results, err = eng.VerifyAll(ctx); err != nil {
		return describe(err)
	}
	broken := 0
	for _, v := range results {
		if v.OK {
			fmt.Fprintf(stdout, "decision %d: ok, %d entries, head %s\n", v.DecisionID, v.Entries, v.HeadHash)
			continue
		}
		broken++
		fmt.Fprintf(stdout, "decision %d: BROKEN at seq %d: %s\n", v.DecisionID, v.BrokenAt, v.Reason)
	}
	if broken > 0 {
		return fmt.Errorf("%d of %d journal chain(s) broken", broken, len(results))
	}
	fmt.Fprintf(stdout, "all %d journal chain(s) intact\n", len(results))
	return nil
}

// describe turns a workflow error into a line for the operator.
func describe(err error) error {
	if msg := workflow.ErrorMessage(err); workflow.ErrorCode(err) != workflow.EINTERNAL {
		return fmt.Errorf("%s", msg)
	}
	return err
}
