package storage_test

import (
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"decisionflow/storage"
	"decisionflow/workflow"
)

// TestSchemaChecksMatchTable: the CHECK constraints of the migrated schema,
// on each store, name exactly the states, events, records and roles that
// workflow/ declares (and the other closed lists it declares), so that the
// database refuses what the engine would never write, and accepts all it may.
func TestSchemaChecksMatchTable(t *testing.T) {
	states := strs(workflow.States)
	roles := strs(workflow.Roles)
	// The journal's name, from_state and to_state carry no CHECK by design:
	// the journal is append-only and its history must stay valid when the
	// table grows (a removed event's old entries stay), and SQLite cannot
	// change a CHECK without rebuilding the table under its triggers. The
	// engine writes only declared names, and verify checks every chain.
	columns := []struct {
		table, column string
		want          []string
		what          string
	}{
		{"decisions", "state", states, "workflow.States"},
		{"journal", "kind", []string{workflow.KindTransition, workflow.KindRecord}, "the journal kinds"},
		{"users", "role", roles, "workflow.Roles"},
		{"journal", "role", append(roles, string(workflow.RolePublic)), "workflow.Roles and public"},
		{"decisions", "category", workflow.Categories, "workflow.Categories"},
		{"decisions", "policy", []string{string(workflow.PolicyAllFive), string(workflow.PolicyStatutory)}, "the policies"},
		{"comments", "channel", workflow.CommentChannels, "workflow.CommentChannels"},
		{"comments", "disposition", workflow.Dispositions, "workflow.Dispositions"},
	}
	for _, dialect := range []storage.Dialect{storage.Postgres, storage.SQLite} {
		t.Run(string(dialect), func(t *testing.T) {
			db := openStore(t, dialect).SQL()
			for _, c := range columns {
				got, found, err := checkedValues(db, dialect, c.table, c.column)
				if err != nil {
					t.Fatalf("%s.%s: %v", c.table, c.column, err)
				}
				if !found {
					t.Errorf("%s.%s has no CHECK (… IN (…)) constraint in the migrated %s schema; it should name exactly %s: %q",
						c.table, c.column, dialect, c.what, c.want)
					continue
				}
				missing, extra := setDiff(got, c.want)
				if len(missing) > 0 {
					t.Errorf("%s.%s: the %s CHECK constraint refuses %q, which %s declares", c.table, c.column, dialect, missing, c.what)
				}
				if len(extra) > 0 {
					t.Errorf("%s.%s: the %s CHECK constraint accepts %q, which %s does not declare", c.table, c.column, dialect, extra, c.what)
				}
			}
		})
	}
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// setDiff returns what want has and got lacks, and what got has beyond want.
func setDiff(got, want []string) (missing, extra []string) {
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	return missing, extra
}

// literal is an SQL string literal (a doubled quote inside is one quote).
var literal = regexp.MustCompile(`'((?:[^']|'')*)'`)

func literals(sqlText string) []string {
	var out []string
	for _, m := range literal.FindAllStringSubmatch(sqlText, -1) {
		out = append(out, strings.ReplaceAll(m[1], "''", "'"))
	}
	sort.Strings(out)
	return out
}

// checkedValues returns the values a CHECK constraint of the form
// `column IN (…)` allows in table.column, as the migrated database keeps
// it, and whether there is such a constraint.
func checkedValues(db *sql.DB, dialect storage.Dialect, table, column string) ([]string, bool, error) {
	if dialect == storage.Postgres {
		return pgCheckedValues(db, table, column)
	}
	return sqliteCheckedValues(db, table, column)
}

// pgCheckedValues reads the constraint from pg_constraint: PostgreSQL
// writes `column IN (…)` back as `(column = ANY (ARRAY['a'::text, …]))`.
func pgCheckedValues(db *sql.DB, table, column string) ([]string, bool, error) {
	var exists bool
	if err := db.QueryRow(`SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2)`, table, column).Scan(&exists); err != nil {
		return nil, false, err
	}
	if !exists {
		return nil, false, fmt.Errorf("no such column in the migrated schema")
	}
	rows, err := db.Query(`SELECT pg_get_constraintdef(c.oid)
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
		WHERE c.contype = 'c' AND c.conrelid = to_regclass($1) AND a.attname = $2 AND cardinality(c.conkey) = 1`, table, column)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var defs []string
	for rows.Next() {
		var def string
		if err := rows.Scan(&def); err != nil {
			return nil, false, err
		}
		if strings.Contains(def, "ANY (ARRAY[") || strings.Contains(strings.ToUpper(def), " IN (") {
			defs = append(defs, def)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	switch len(defs) {
	case 0:
		return nil, false, nil
	case 1:
		return literals(defs[0]), true, nil
	}
	return nil, false, fmt.Errorf("%d CHECK constraints list values: %q", len(defs), defs)
}

// sqliteCheckedValues reads the constraint from the table's CREATE
// statement in sqlite_master, as SQLite keeps it.
func sqliteCheckedValues(db *sql.DB, table, column string) ([]string, bool, error) {
	var create string
	if err := db.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&create); err != nil {
		return nil, false, fmt.Errorf("the table's CREATE statement: %w", err)
	}
	if !regexp.MustCompile(`(?m)^\s*"?` + regexp.QuoteMeta(column) + `"?\s`).MatchString(create) {
		return nil, false, fmt.Errorf("no such column in the migrated schema")
	}
	check := regexp.MustCompile(`(?is)\bCHECK\s*\(\s*"?` + regexp.QuoteMeta(column) + `"?\s+IN\s*\(([^)]*)\)`)
	ms := check.FindAllStringSubmatch(create, -1)
	switch len(ms) {
	case 0:
		return nil, false, nil
	case 1:
		vals := literals(ms[0][1])
		if len(vals) == 0 {
			return nil, false, fmt.Errorf("cannot read the values of %q", ms[0][0])
		}
		return vals, true, nil
	}
	return nil, false, fmt.Errorf("%d CHECK constraints list values", len(ms))
}
