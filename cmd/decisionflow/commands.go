package main

import (
	"context"
	"fmt"
	"io"

	"decisionflow/storage"
	"decisionflow/workflow"
)

// openStore opens the database cfg names, PostgreSQL or SQLite by its DSN,
// and brings it to a schema this binary understands: with migrate it applies
// the pending migrations and returns their versions; without, it only
// refuses a schema newer than this binary knows.
func openStore(ctx context.Context, cfg config, migrate bool) (*storage.DB, []int64, error) {
	db, err := storage.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	var applied []int64
	if migrate {
		applied, err = db.Migrate(ctx)
	} else {
		err = refuseNewerSchema(ctx, db)
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, applied, nil
}

// refuseNewerSchema returns storage.ErrSchemaTooNew for a database migrated
// by a newer decisionflow.
func refuseNewerSchema(ctx context.Context, db *storage.DB) error {
	current, known, err := db.SchemaVersions(ctx)
	if err != nil {
		return err
	}
	if current > known {
		return storage.ErrSchemaTooNew
	}
	return nil
}

func runMigrate(ctx context.Context, cfg config, stdout io.Writer) error {
	db, applied, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	current, _, err := db.SchemaVersions(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s schema at version %d (%d migration(s) applied now)\n", db.Dialect(), current, len(applied))
	return nil
}

func runUserAdd(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	nu := cfg.NewUser
	generated := nu.Password == ""
	if generated {
		nu.Password = workflow.RandomSecret(15)
	}
	db, applied, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if len(applied) > 0 {
		fmt.Fprintf(stderr, "migrated %s database to version %d\n", db.Dialect(), applied[len(applied)-1])
	}
	acc := workflow.NewAccounts(db, workflow.SystemClock{})
	u, err := acc.CreateUser(ctx, nil, nu)
	if err != nil {
		return describe(err)
	}
	token, err := acc.IssueToken(ctx, u)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created user %s (%s)\n", u.Username, u.Role)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", nu.Password)
	}
	fmt.Fprintf(stdout, "token: %s\n", token)
	fmt.Fprintf(stdout, "the token is valid for %s; sign in again with POST /api/v1/login\n", workflow.TokenTTL)
	return nil
}

// runUserPasswd sets a user's password (generated and printed when none is
// given) and revokes every token and session of the user.
func runUserPasswd(ctx context.Context, cfg config, stdout io.Writer) error {
	password := cfg.NewUser.Password
	generated := password == ""
	if generated {
		password = workflow.RandomSecret(15)
	}
	db, _, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	acc := workflow.NewAccounts(db, workflow.SystemClock{})
	if err := acc.ResetPassword(ctx, nil, cfg.NewUser.Username, password); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "password of %s changed; every token and session of the user is revoked\n", cfg.NewUser.Username)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}

func runVerify(ctx context.Context, cfg config, stdout io.Writer) error {
	db, _, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	eng := workflow.NewEngine(db, workflow.SystemClock{}, cfg.Settings)
	results, catalogs, err := verifyWhat(ctx, eng, cfg)
	if err != nil {
		return describe(err)
	}
	broken := 0
	for _, v := range catalogs {
		if v.OK {
			fmt.Fprintf(stdout, "catalog %d: ok, %d entries, head %s\n", v.DecisionID, v.Entries, v.HeadHash)
			continue
		}
		broken++
		fmt.Fprintf(stdout, "catalog %d: BROKEN at seq %d: %s\n", v.DecisionID, v.BrokenAt, v.Reason)
	}
	for _, v := range results {
		if v.OK {
			fmt.Fprintf(stdout, "decision %d: ok, %d entries, head %s\n", v.DecisionID, v.Entries, v.HeadHash)
			continue
		}
		broken++
		fmt.Fprintf(stdout, "decision %d: BROKEN at seq %d: %s\n", v.DecisionID, v.BrokenAt, v.Reason)
	}
	if broken > 0 {
		return fmt.Errorf("%d of %d journal chain(s) broken", broken, len(results)+len(catalogs))
	}
	fmt.Fprintf(stdout, "all %d journal chain(s) intact\n", len(results)+len(catalogs))
	return nil
}

// verifyWhat checks the chains verify was asked for: one decision, one
// catalog, or every decision and every catalog.
func verifyWhat(ctx context.Context, eng *workflow.Engine, cfg config) (decisions, catalogs []workflow.Verification, err error) {
	switch {
	case cfg.Decision != 0:
		v, err := eng.VerifyOne(ctx, cfg.Decision)
		return []workflow.Verification{v}, nil, err
	case cfg.Catalog != 0:
		v, err := eng.VerifyCatalogYear(ctx, cfg.Catalog)
		return nil, []workflow.Verification{v}, err
	}
	if decisions, err = eng.VerifyAll(ctx); err != nil {
		return nil, nil, err
	}
	catalogs, err = eng.VerifyCatalogs(ctx)
	return decisions, catalogs, err
}

// describe turns a workflow error into a line for the operator.
func describe(err error) error {
	if msg := workflow.ErrorMessage(err); workflow.ErrorCode(err) != workflow.EINTERNAL {
		return fmt.Errorf("%s", msg)
	}
	return err
}
