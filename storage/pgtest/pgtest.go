// Package pgtest gives tests real PostgreSQL databases. Main starts one
// throwaway cluster for the test binary (initdb and postgres from
// /usr/lib/postgresql/*/bin or PATH, as the postgres user when running as
// root, listening only on a unix socket in a temporary directory), or uses
// $DATABASE_URL when set; NewDatabase hands each test a fresh database
// cloned from a migrated template. A watchdog process stops the cluster and
// removes its files when the test binary exits, even if it is killed.
//
// PostgreSQL is never skipped: when it cannot be started, Main fails the run.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"decisionflow/storage"

	_ "github.com/lib/pq" // the postgres driver
)

// Cluster is a PostgreSQL server the tests may create databases in.
type Cluster struct {
	// AdminURL connects to the maintenance database as a superuser.
	AdminURL string
	// Dir is the cluster's directory; empty when $DATABASE_URL is used.
	Dir string
	// BinDir holds pg_ctl and postgres, for tests that stop and start the server.
	BinDir string
	// Port is the server's port (on the unix socket).
	Port int

	template string
	admin    *sql.DB
	mu       sync.Mutex // CREATE DATABASE … TEMPLATE wants the template to itself
	n        atomic.Int64
	owned    []string // databases to drop at Stop when the server is not ours
	cred     *syscall.Credential
	opts     string // the server's options, for StartServer
}

var (
	defaultCluster *Cluster
	startErr       error
)

// Main starts the cluster, runs the tests, stops the cluster and exits.
// Call it from TestMain.
func Main(m *testing.M) {
	c, err := Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: PostgreSQL could not be started, and the tests need it: %v\n", err)
		fmt.Fprintln(os.Stderr, "pgtest: install the server (apt-get install postgresql) or set DATABASE_URL; `make test` does the former.")
		os.Exit(1)
	}
	defaultCluster = c
	code := m.Run()
	c.Stop()
	os.Exit(code)
}

// Default returns the cluster Main started.
func Default(tb testing.TB) *Cluster {
	tb.Helper()
	if defaultCluster == nil {
		tb.Fatal("pgtest: call pgtest.Main from TestMain first")
	}
	return defaultCluster
}

// NewDatabase returns the DSN of a fresh migrated database on the default
// cluster, dropped when the test ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	return Default(tb).NewDatabase(tb)
}

// FindBinDir returns the directory holding initdb, postgres and pg_ctl:
// the newest /usr/lib/postgresql/N/bin, else the directory of initdb on PATH.
func FindBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no initdb in /usr/lib/postgresql/*/bin or on PATH")
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// Start starts a throwaway cluster for tests, or connects to $DATABASE_URL.
func Start() (*Cluster, error) { return StartWith(Options{}) }

// Options tune a cluster.
type Options struct {
	// Durable keeps fsync and synchronous commit on, as in production; tests
	// turn them off for speed, benchmarks want them on.
	Durable bool
	// MaxConnections is max_connections (default 300).
	MaxConnections int
}

// StartWith starts a throwaway cluster with options (or connects to $DATABASE_URL).
func StartWith(o Options) (*Cluster, error) {
	c := &Cluster{}
	if dsn := os.Getenv("DATABASE_URL"); dsn != "" {
		c.AdminURL = dsn
	} else if err := c.initCluster(o); err != nil {
		c.Stop()
		return nil, err
	}
	var err error
	if c.admin, err = sql.Open("postgres", c.AdminURL); err != nil {
		c.Stop()
		return nil, err
	}
	c.admin.SetMaxOpenConns(4)
	if err := c.makeTemplate(); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) initCluster(o Options) error {
	bin, err := FindBinDir()
	if err != nil {
		return err
	}
	c.BinDir = bin
	dir, err := os.MkdirTemp("", "dfpg-")
	if err != nil {
		return err
	}
	c.Dir = dir
	if os.Geteuid() == 0 {
		// initdb refuses root: run the server as the postgres user.
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root needs a postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chmod(dir, 0o755); err != nil {
			return err
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			return err
		}
	}
	data := filepath.Join(dir, "data")
	out, err := c.run(bin, "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
	if err != nil {
		return fmt.Errorf("initdb: %v: %s", err, out)
	}
	c.Port = 5432
	if o.MaxConnections == 0 {
		o.MaxConnections = 300
	}
	settings := []string{
		"-c listen_addresses=''", "-c unix_socket_directories=" + dir, "-c port=" + strconv.Itoa(c.Port),
		"-c max_connections=" + strconv.Itoa(o.MaxConnections), "-c shared_buffers=128MB",
	}
	if !o.Durable {
		// A throwaway test cluster: no durability (tests never survive a host crash).
		settings = append(settings, "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")
	}
	opts := strings.Join(settings, " ")
	c.opts = opts
	if err := c.StartServer(); err != nil {
		return err
	}
	c.startWatchdog(data)
	c.AdminURL = c.URL("postgres")
	return nil
}

// startWatchdog leaves behind a process that, once this test binary has
// gone (however it ended), stops the server and removes the cluster.
func (c *Cluster) startWatchdog(data string) {
	script := fmt.Sprintf(`while kill -0 %d 2>/dev/null; do sleep 1; done
pid=$(head -n 1 %[2]s/postmaster.pid 2>/dev/null) && kill -QUIT "$pid" 2>/dev/null
sleep 2; rm -rf %[3]s`, os.Getpid(), shellQuote(data), shellQuote(c.Dir))
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	_ = cmd.Start()
	go cmd.Wait() //nolint:errcheck // reaped if we outlive it
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (c *Cluster) run(bin, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Dir = c.Dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd.CombinedOutput()
}

// StartServer starts the cluster's server (again).
func (c *Cluster) StartServer() error {
	err := c.PgCtl("-o", c.opts, "-l", filepath.Join(c.Dir, "log"), "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "log"))
		return fmt.Errorf("%v\n%s", err, log)
	}
	return nil
}

// StopServer stops the server, keeping its data, for outage tests.
func (c *Cluster) StopServer() error { return c.PgCtl("stop", "-m", "fast") }

// PgCtl runs pg_ctl on this cluster (for example "stop" or "start"), as the
// user the server runs as.
func (c *Cluster) PgCtl(args ...string) error {
	if c.Dir == "" {
		return errors.New("pgtest: the server is not ours ($DATABASE_URL)")
	}
	full := append([]string{"-D", filepath.Join(c.Dir, "data"), "-w", "-t", "60"}, args...)
	out, err := c.run(c.BinDir, "pg_ctl", full...)
	if err != nil {
		return fmt.Errorf("pg_ctl %v: %v: %s", args, err, out)
	}
	return nil
}

// URL returns the DSN of a database of this cluster.
func (c *Cluster) URL(db string) string {
	if c.Dir != "" {
		q := url.Values{"host": {c.Dir}, "port": {strconv.Itoa(c.Port)}, "user": {"postgres"}, "sslmode": {"disable"}}
		return "postgres:///" + db + "?" + q.Encode()
	}
	u, err := url.Parse(c.AdminURL)
	if err != nil {
		return c.AdminURL
	}
	u.Path = "/" + db
	return u.String()
}

func (c *Cluster) makeTemplate() error {
	c.template = fmt.Sprintf("dftemplate_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if _, err := c.admin.Exec(`CREATE DATABASE ` + c.template); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	c.owned = append(c.owned, c.template)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := storage.Open(ctx, c.URL(c.template))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	return nil
}

// NewDatabase returns the DSN of a fresh database cloned from the migrated
// template, dropped when the test ends.
func (c *Cluster) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("%s_t%d", c.template, c.n.Add(1))
	c.mu.Lock()
	_, err := c.admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + c.template)
	c.mu.Unlock()
	if err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := c.admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			tb.Logf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.URL(name)
}

// CreateDatabase creates an empty database and returns its DSN; it lives as
// long as the cluster.
func (c *Cluster) CreateDatabase(name string) (string, error) {
	if _, err := c.admin.Exec(`CREATE DATABASE ` + name); err != nil {
		return "", err
	}
	c.owned = append(c.owned, name)
	return c.URL(name), nil
}

// EmptyDatabase returns the DSN of a fresh database with no schema at all,
// for tests of migration itself.
func (c *Cluster) EmptyDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("%s_e%d", c.template, c.n.Add(1))
	if _, err := c.admin.Exec(`CREATE DATABASE ` + name); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() { _, _ = c.admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) })
	return c.URL(name)
}

// Stop stops the cluster and removes its files (or, on $DATABASE_URL, drops
// the template).
func (c *Cluster) Stop() {
	if c.admin != nil {
		if c.Dir == "" {
			for _, name := range c.owned {
				_, _ = c.admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			}
		}
		c.admin.Close()
	}
	if c.Dir != "" {
		_ = c.PgCtl("stop", "-m", "immediate")
		os.RemoveAll(c.Dir)
	}
}
