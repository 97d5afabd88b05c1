// Command bench measures decisionflow under load: it starts a throwaway
// PostgreSQL (durable settings) and the real server binary, seeds decisions
// into collective_decision, and has C clients fire defer then retable on
// distinct decisions for a while; then runs pgbench with the same SQL at the
// same concurrency, the reads, and the embedded SQLite store, with the CPU
// each process spent per transition. See README.md.
//
//	go run ./bench [-c 32] [-d 20s] [-parts api,reads,pgbench,scale,sqlite] [-out bench/results/latest.json]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"decisionflow/internal/demo"
	"decisionflow/storage"
	"decisionflow/storage/pgtest"
	"decisionflow/workflow"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// Results is what one run measured; it is written to bench/results/latest.json.
type Results struct {
	When        time.Time `json:"when"`
	Machine     Machine   `json:"machine"`
	Clients     int       `json:"clients"`
	DurationSec float64   `json:"duration_seconds"`
	// Parts are the parts of the bench this run ran (-parts); the loads,
	// ratios and targets of the others are absent or zero.
	Parts []string `json:"parts"`

	APIPostgres Load `json:"api_transitions_postgres"`
	// PgbenchServerSQL runs bench/transition.sql: the server's own SQL for
	// a transition, prepared; PgbenchMinimal bench/minimal.sql: a minimal
	// journalled transition, prepared.
	PgbenchServerSQL    PgbenchRun `json:"pgbench_server_sql_prepared"`
	PgbenchMinimal      PgbenchRun `json:"pgbench_minimal_prepared"`
	RatioAPIToServerSQL float64    `json:"ratio_api_to_server_sql"`
	RatioAPIToMinimal   float64    `json:"ratio_api_to_minimal"`
	P99RatioToMinimal   float64    `json:"p99_ratio_api_to_minimal"`
	ServerPeakRSS       int64      `json:"server_peak_rss_kb"`
	CPUProfile          string     `json:"cpu_profile,omitempty"`
	CPUProfileTop       []string   `json:"cpu_profile_top,omitempty"`

	ReadDecision Load `json:"read_decision"`
	ReadHistory  Load `json:"read_history_30"`
	ReadList     Load `json:"read_list_page"`

	APISQLite     Load  `json:"api_transitions_sqlite"`
	SQLitePeakRSS int64 `json:"sqlite_server_peak_rss_kb"`
	// SQLiteDirect is the SQLite store's own statements for the same
	// transitions in a loop, in process: no HTTP, same pragmas and durability.
	SQLiteDirect        Load            `json:"sqlite_store_direct"`
	RatioSQLiteToDirect float64         `json:"ratio_api_sqlite_to_direct"`
	Scale               []ScaleRun      `json:"scale,omitempty"`
	TargetsMet          map[string]bool `json:"targets_met"`
}

// PgbenchRun is one pgbench load.
type PgbenchRun struct {
	Script       string  `json:"script"`
	Mode         string  `json:"mode"`
	TPS          float64 `json:"tps"`
	Transactions int     `json:"transactions"`
	P50ms        float64 `json:"p50_ms"`
	P99ms        float64 `json:"p99_ms"`
	CPU          *CPU    `json:"cpu,omitempty"`
}

// Machine describes where the figures come from.
type Machine struct {
	CPU     string `json:"cpu"`
	Cores   int    `json:"cores"`
	MemGiB  int    `json:"mem_gib"`
	Go      string `json:"go"`
	Postgre string `json:"postgres"`
}

// Load is one measured load.
type Load struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	PerSec   float64 `json:"per_second"`
	P50ms    float64 `json:"p50_ms"`
	P95ms    float64 `json:"p95_ms"`
	P99ms    float64 `json:"p99_ms"`
	CPU      *CPU    `json:"cpu,omitempty"` // transition loads only
}

// CPU is the CPU time a transition load cost, per completed transition, in
// µs of one core (user+system), from the load's start to its end; see
// README.md for what each figure counts.
type CPU struct {
	WallSec     float64 `json:"wall_seconds"` // the measured window
	Transitions int     `json:"transitions"`  // completed in it
	// ServerUs is the server process's; for the SQLite store's direct loop,
	// the bench process's own (store and loop in one process).
	ServerUs   float64 `json:"server_us,omitempty"`
	PostgresUs float64 `json:"postgres_us,omitempty"` // the postmaster and its children
	// LoadgenUs is the bench process's for the HTTP loads, pgbench's for pgbench.
	LoadgenUs float64 `json:"loadgen_us,omitempty"`
	// MachineUs is all cores' busy time (1 − idle − iowait of /proc/stat),
	// OtherUs what of it the three above do not account for (other
	// processes, kernel threads, interrupts).
	MachineUs        float64 `json:"machine_us"`
	OtherUs          float64 `json:"other_us"`
	MachineBusyCores float64 `json:"machine_busy_cores"` // busy fraction × cores
	Cores            int     `json:"cores"`
	// CeilingPerSec is the rate at which server, PostgreSQL and load
	// generator at these costs would use every core: cores / their sum.
	// CeilingNoLoadgenPerSec leaves the load generator out (clients elsewhere).
	CeilingPerSec          float64 `json:"ceiling_per_second"`
	CeilingNoLoadgenPerSec float64 `json:"ceiling_without_loadgen_per_second"`
}

// benchParts are the parts of the bench -parts chooses from, in the order they run.
var benchParts = []string{"api", "reads", "pgbench", "scale", "sqlite"}

// options are the command line's flags.
type options struct {
	clients int           // concurrent clients
	dur     time.Duration // duration of each transition load
	readDur time.Duration // duration of each read load
	scale   string        // decision counts of the read-scale databases
	entries int           // journal entries per decision in the read-scale databases
	profile bool          // take a CPU profile of the server
	out     string        // where to write the results
	parts   []string      // the parts to run, in the order of benchParts
}

func parseFlags() (options, error) {
	var o options
	var list string
	flag.StringVar(&list, "parts", strings.Join(benchParts, ","), "parts to run, comma-separated: a subset of "+strings.Join(benchParts, ","))
	flag.IntVar(&o.clients, "c", 32, "concurrent clients")
	flag.DurationVar(&o.dur, "d", 20*time.Second, "duration of each transition load")
	flag.DurationVar(&o.readDur, "read", 5*time.Second, "duration of each read load")
	flag.StringVar(&o.scale, "scale", "1000,100000", "decision counts of the read-scale databases, comma-separated (empty: skip)")
	flag.IntVar(&o.entries, "entries", 20, "journal entries per decision in the read-scale databases")
	flag.BoolVar(&o.profile, "profile", true, "take a CPU profile of the server under the PostgreSQL transition load")
	flag.StringVar(&o.out, "out", "bench/results/latest.json", "where to write the results")
	flag.Parse()
	var err error
	o.parts, err = parseParts(list, o.scale != "")
	return o, err
}

// parseParts checks -parts and returns its parts in the order they run;
// scale only when there are sizes to run it at.
func parseParts(list string, scale bool) ([]string, error) {
	want := map[string]bool{}
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !slices.Contains(benchParts, f) {
			return nil, fmt.Errorf("-parts: unknown part %q (want a subset of %s)", f, strings.Join(benchParts, ","))
		}
		want[f] = true
	}
	if !scale {
		delete(want, "scale")
	}
	var out []string
	for _, p := range benchParts {
		if want[p] {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("-parts: nothing to run")
	}
	return out, nil
}

// bench is one run: its options, the throwaway directory holding the
// server binary, the PostgreSQL cluster and the results so far.
type bench struct {
	opts    options
	ctx     context.Context
	work    string
	bin     string
	cluster *pgtest.Cluster
	res     Results
}

func run() error {
	o, err := parseFlags()
	if err != nil {
		return err
	}
	b := &bench{opts: o, ctx: context.Background(), res: Results{When: time.Now().UTC(), Clients: o.clients,
		DurationSec: o.dur.Seconds(), Parts: o.parts, Machine: machine()}}
	if b.work, err = os.MkdirTemp("", "dfbench-"); err != nil {
		return err
	}
	defer os.RemoveAll(b.work)
	if b.bin, err = buildServer(b.work); err != nil {
		return err
	}
	if b.res.ranAny("api", "reads", "pgbench", "scale") {
		fmt.Println("starting PostgreSQL (fsync on) …")
		if b.cluster, err = pgtest.StartWith(pgtest.Options{Durable: true, MaxConnections: 200}); err != nil {
			return err
		}
		defer b.cluster.Stop()
	}

	for _, step := range []func() error{b.postgres, b.scaleRuns, b.sqlite} {
		if err := step(); err != nil {
			return err
		}
	}
	b.res.TargetsMet = targetsMet(b.res)
	if err := writeResults(b.res, o.out); err != nil {
		return err
	}
	report(b.res)
	fmt.Println("written to", o.out)
	return nil
}

// ranAny says whether this run ran any of the parts.
func (r Results) ranAny(parts ...string) bool {
	for _, p := range parts {
		if slices.Contains(r.Parts, p) {
			return true
		}
	}
	return false
}

// ran says whether this run ran all of the parts.
func (r Results) ran(parts ...string) bool {
	for _, p := range parts {
		if !slices.Contains(r.Parts, p) {
			return false
		}
	}
	return true
}

// buildServer builds cmd/decisionflow into dir and returns the binary's path.
func buildServer(dir string) (string, error) {
	bin := filepath.Join(dir, "decisionflow")
	fmt.Println("building the server …")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/decisionflow").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// postgres seeds a PostgreSQL database (the API's decisions and
// pgbench's), measures the API on it (transitions, then reads), then pgbench
// at the same concurrency: those of the three parts this run runs.
func (b *bench) postgres() error {
	r := &b.res
	if !r.ranAny("api", "reads", "pgbench") {
		return nil
	}
	dsn, err := b.cluster.CreateDatabase("bench")
	if err != nil {
		return err
	}
	s, err := seedStore(b.ctx, dsn, b.opts.clients)
	if err != nil {
		return err
	}
	r.Machine.Postgre = s.serverVersion
	if r.ranAny("api", "reads") {
		srv, err := startServer(b.bin, dsn, b.work, b.opts.profile && r.ran("api"))
		if err != nil {
			return err
		}
		if r.ran("api") {
			b.apiTransitionsPostgres(srv, s)
		}
		if r.ran("reads") {
			b.apiReads(srv, s)
		}
		srv.stop()
	}
	if !r.ran("pgbench") {
		return nil
	}
	return b.pgbenches(s)
}

// pgData is the PostgreSQL cluster's data directory, or "" when the cluster
// is not ours ($DATABASE_URL) or not started.
func (b *bench) pgData() string {
	if b.cluster == nil || b.cluster.Dir == "" {
		return ""
	}
	return filepath.Join(b.cluster.Dir, "data")
}

// apiTransitionsPostgres measures the API's transitions on PostgreSQL and
// the server's peak RSS, with a CPU profile of the server when asked.
func (b *bench) apiTransitionsPostgres(srv *server, s *seeded) {
	o := b.opts
	fmt.Printf("API transitions on PostgreSQL: %d clients for %s …\n", o.clients, o.dur)
	profPath := filepath.Join(filepath.Dir(o.out), "cpu-api-postgres.pprof")
	var prof <-chan error
	if o.profile {
		prof = profileDuring(srv.debug, o.dur, profPath)
	}
	m := cpuMeter{serverPID: srv.cmd.Process.Pid, pgData: b.pgData()}
	b.res.APIPostgres = m.measure(func() Load { return transitions(srv.base, s.token, s.ids[:o.clients], o.dur) })
	b.res.ServerPeakRSS = srv.peakRSS()
	if prof == nil {
		return
	}
	if err := <-prof; err != nil {
		fmt.Println("  CPU profile:", err)
		return
	}
	b.res.CPUProfile = profPath
	b.res.CPUProfileTop = topOfProfile(profPath, filepath.Join(filepath.Dir(o.out), "cpu-api-postgres.txt"))
}

// profileDuring takes, in the background, a CPU profile of the server at
// addr during a load of d that starts now: from its 2nd second, past the
// warm-up, for d less 4 s (at least 1 s), into path. The channel gets the
// outcome.
func profileDuring(addr string, d time.Duration, path string) <-chan error {
	prof := make(chan error, 1)
	secs := max(1, int(d.Seconds())-4)
	go func() {
		time.Sleep(2 * time.Second) // past the warm-up
		prof <- fetchProfile(addr, secs, path)
	}()
	return prof
}

// apiReads measures the API's reads (one decision, a 30-entry history, a
// list page) and raises the server's peak RSS if they did.
func (b *bench) apiReads(srv *server, s *seeded) {
	fmt.Println("reads …")
	c, d := b.opts.clients, b.opts.readDur
	b.res.ReadDecision = reads(srv.base, s.token, c, d, func(i int) string { return fmt.Sprintf("/api/v1/decisions/%d", s.ids[i%len(s.ids)]) })
	b.res.ReadHistory = reads(srv.base, s.token, c, d, func(int) string { return fmt.Sprintf("/api/v1/decisions/%d/history", s.history30) })
	b.res.ReadList = reads(srv.base, s.token, c, d, func(int) string { return "/api/v1/decisions?limit=50" })
	if rss := srv.peakRSS(); rss > b.res.ServerPeakRSS {
		b.res.ServerPeakRSS = rss
	}
}

// pgbenches runs pgbench with the server's SQL and with a minimal
// transition, and compares the API with them.
func (b *bench) pgbenches(s *seeded) error {
	o, r := b.opts, &b.res
	m := cpuMeter{pgData: b.pgData()}
	var err error
	fmt.Printf("pgbench, the server's SQL, prepared: %d clients for %s …\n", o.clients, o.dur)
	if r.PgbenchServerSQL, err = pgbench(b.cluster, m, b.work, "bench/transition.sql", s, o.clients, o.dur); err != nil {
		return err
	}
	fmt.Printf("pgbench, a minimal transition, prepared: %d clients for %s …\n", o.clients, o.dur)
	if r.PgbenchMinimal, err = pgbench(b.cluster, m, b.work, "bench/minimal.sql", s, o.clients, o.dur); err != nil {
		return err
	}
	r.RatioAPIToServerSQL = ratio(r.APIPostgres.PerSec, r.PgbenchServerSQL.TPS)
	r.RatioAPIToMinimal = ratio(r.APIPostgres.PerSec, r.PgbenchMinimal.TPS)
	r.P99RatioToMinimal = ratio(r.APIPostgres.P99ms, r.PgbenchMinimal.P99ms)
	return nil
}

// ratio is a/b, or 0 when b is not positive.
func ratio(a, b float64) float64 {
	if b > 0 {
		return a / b
	}
	return 0
}

// scaleRuns measures the reads on a fresh database of each size of -scale.
func (b *bench) scaleRuns() error {
	if !b.res.ran("scale") {
		return nil
	}
	for _, f := range strings.Split(b.opts.scale, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return fmt.Errorf("-scale: %v", err)
		}
		sr, err := scaleReads(b.ctx, b.cluster, b.bin, b.work, n, b.opts.entries, b.opts.readDur)
		if err != nil {
			return fmt.Errorf("scale %d: %w", n, err)
		}
		b.res.Scale = append(b.res.Scale, sr)
	}
	return nil
}

// sqlite measures, for half the duration, the API's transitions on the
// embedded SQLite store, then the store's own statements in process.
func (b *bench) sqlite() error {
	o, r := b.opts, &b.res
	if !r.ran("sqlite") {
		return nil
	}
	fmt.Printf("API transitions on SQLite: %d clients for %s …\n", o.clients, o.dur/2)
	path := filepath.Join(b.work, "bench.db")
	s, err := seedStore(b.ctx, path, o.clients)
	if err != nil {
		return err
	}
	srv, err := startServer(b.bin, path, b.work, false)
	if err != nil {
		return err
	}
	m := cpuMeter{serverPID: srv.cmd.Process.Pid}
	r.APISQLite = m.measure(func() Load { return transitions(srv.base, s.token, s.ids[:o.clients], o.dur/2) })
	r.SQLitePeakRSS = srv.peakRSS()
	srv.stop()
	fmt.Printf("SQLite store's statements in process: %d clients for %s …\n", o.clients, o.dur/2)
	r.SQLiteDirect = cpuMeter{inProcess: true}.measure(func() Load {
		var l Load
		l, err = storeDirect(b.ctx, path, s.ids[:o.clients], o.dur/2)
		return l
	})
	if err != nil {
		return err
	}
	r.RatioSQLiteToDirect = ratio(r.APISQLite.PerSec, r.SQLiteDirect.PerSec)
	return nil
}

// targetsMet checks the results against the targets, leaving out those
// that need a part this run did not run (zero_errors counts the transition
// loads that ran).
func targetsMet(r Results) map[string]bool {
	t := map[string]bool{}
	if r.ran("api", "pgbench") {
		t["api_at_least_0.9_of_server_sql"] = r.RatioAPIToServerSQL >= 0.9
		t["api_at_least_0.5_of_minimal"] = r.RatioAPIToMinimal >= 0.5
		t["p99_at_most_2x_minimal"] = r.P99RatioToMinimal > 0 && r.P99RatioToMinimal <= 2
	}
	if r.ranAny("api", "sqlite") {
		t["zero_errors"] = r.APIPostgres.Errors == 0 && r.APISQLite.Errors == 0
	}
	if r.ranAny("api", "reads") {
		t["server_rss_at_most_100MB"] = r.ServerPeakRSS <= 100*1024
	}
	if r.ran("sqlite") {
		t["sqlite_at_least_500_per_sec"] = r.APISQLite.PerSec >= 500
		t["sqlite_api_at_least_0.7_of_store"] = r.RatioSQLiteToDirect >= 0.7
	}
	if len(r.Scale) >= 2 {
		flat, fast := scaleTargets(r.Scale[0], r.Scale[len(r.Scale)-1])
		t["reads_large_within_1.5x_small_p50"] = flat
		t["reads_large_p50_at_most_100ms"] = fast
	}
	return t
}

// scaleTargets says whether every read on the large database succeeded
// with a p50 within 1.5× of the small one's (flat) and at most 100 ms (fast).
// A list read whose pages differ in size between the two is not flat by
// this measure: it compares unlike work.
func scaleTargets(small, large ScaleRun) (flat, fast bool) {
	flat, fast = true, true
	for i := range large.Reads {
		failed := large.Reads[i].Requests == 0 || large.Reads[i].Errors > 0
		unlike := i < len(small.Reads) && large.Reads[i].Items != small.Reads[i].Items
		if failed || unlike || i < len(small.Reads) && large.Reads[i].P50ms > 1.5*small.Reads[i].P50ms {
			flat = false
		}
		if failed || large.Reads[i].P50ms > 100 {
			fast = false
		}
	}
	return flat, fast
}

// writeResults writes the results as indented JSON to path.
func writeResults(r Results, path string) error {
	b, _ := json.MarshalIndent(r, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// report prints the results of the parts that ran.
func report(r Results) {
	pg := ""
	if r.Machine.Postgre != "" {
		pg = ", PostgreSQL " + r.Machine.Postgre
	}
	fmt.Printf("\nmachine: %s, %d cores, %d GiB, %s%s\n", r.Machine.CPU, r.Machine.Cores, r.Machine.MemGiB, r.Machine.Go, pg)
	fmt.Println("parts:", strings.Join(r.Parts, ","))
	reportPostgres(r)
	reportSQLite(r)
	for _, sc := range r.Scale {
		fmt.Printf("\nreads at %d decisions, %d journal entries (seeded in %.1f s), %d clients:\n", sc.Decisions, sc.JournalEntries, sc.SeedSeconds, sc.Clients)
		for _, l := range sc.Reads {
			printLoad("  "+l.Name, l.Load)
			if l.Items > 0 || l.Bytes > 0 {
				fmt.Printf("    a page: %d decisions, %d bytes\n", l.Items, l.Bytes)
			}
		}
		for _, e := range sc.Explain {
			fmt.Printf("  EXPLAIN %-24s index %-5v %s\n", e.Query, e.UsesIndex, e.Top)
		}
	}
	if len(r.CPUProfileTop) > 0 {
		fmt.Println("\nCPU profile of the server (PostgreSQL transitions), top by flat time:")
		for _, l := range r.CPUProfileTop {
			fmt.Println("  " + l)
		}
	}
	keys := make([]string, 0, len(r.TargetsMet))
	for k := range r.TargetsMet {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("target %-32s %v\n", k, r.TargetsMet[k])
	}
}

// reportPostgres prints the API's transitions and reads on PostgreSQL and
// pgbench's runs, with the ratios, of the parts that ran.
func reportPostgres(r Results) {
	if r.ran("api") {
		printLoad("API transitions, PostgreSQL", r.APIPostgres)
	}
	if r.ran("pgbench") {
		printPgbench("pgbench, server's SQL, prepared", r.PgbenchServerSQL)
		printPgbench("pgbench, minimal, prepared", r.PgbenchMinimal)
	}
	if r.ran("api", "pgbench") {
		fmt.Printf("%-34s %9.2f   (target ≥ 0.90)\n", "ratio API / server's SQL", r.RatioAPIToServerSQL)
		fmt.Printf("%-34s %9.2f   (target ≥ 0.50)\n", "ratio API / minimal", r.RatioAPIToMinimal)
		fmt.Printf("%-34s %9.2f   (target ≤ 2)\n", "p99 API / p99 minimal", r.P99RatioToMinimal)
	}
	if r.ranAny("api", "reads") {
		fmt.Printf("%-34s %9.1f MB (target ≤ 100)\n", "server peak RSS", float64(r.ServerPeakRSS)/1024)
	}
	if r.ran("reads") {
		printLoad("read: one decision", r.ReadDecision)
		printLoad("read: 30-entry history", r.ReadHistory)
		printLoad("read: list page of 50", r.ReadList)
	}
}

// reportSQLite prints the SQLite loads, when they ran.
func reportSQLite(r Results) {
	if !r.ran("sqlite") {
		return
	}
	printLoad("API transitions, SQLite", r.APISQLite)
	fmt.Printf("%-34s %9.1f MB\n", "SQLite server peak RSS", float64(r.SQLitePeakRSS)/1024)
	printLoad("SQLite store, in process", r.SQLiteDirect)
	fmt.Printf("%-34s %9.2f   (target ≥ 0.70)\n", "ratio API SQLite / store", r.RatioSQLiteToDirect)
}

func printLoad(name string, l Load) {
	fmt.Printf("%-34s %9.1f/s  p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  errors %d\n", name, l.PerSec, l.P50ms, l.P95ms, l.P99ms, l.Errors)
	printCPU(l.CPU)
}

func printPgbench(name string, p PgbenchRun) {
	fmt.Printf("%-34s %9.1f/s  p50 %6.2f ms                p99 %6.2f ms\n", name, p.TPS, p.P50ms, p.P99ms)
	printCPU(p.CPU)
}

// printCPU prints a load's CPU per transition on one line: each process
// measured, the machine's busy time and the ceiling those costs allow.
func printCPU(c *CPU) {
	if c == nil {
		return
	}
	var each []string
	for _, p := range []struct {
		name string
		us   float64
	}{{"server", c.ServerUs}, {"postgres", c.PostgresUs}, {"loadgen", c.LoadgenUs}} {
		if p.us != 0 {
			each = append(each, fmt.Sprintf("%s %.0f", p.name, p.us))
		}
	}
	fmt.Printf("  CPU µs/transition: %s; machine %.0f (%.2f of %d cores busy, other %.0f); ceiling %.0f/s, %.0f/s without loadgen\n",
		strings.Join(each, ", "), c.MachineUs, c.MachineBusyCores, c.Cores, c.OtherUs, c.CeilingPerSec, c.CeilingNoLoadgenPerSec)
}

func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if mm := regexp.MustCompile(`model name\s*:\s*(.*)`).FindSubmatch(b); mm != nil {
			m.CPU = string(mm[1])
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if mm := regexp.MustCompile(`MemTotal:\s*(\d+)`).FindSubmatch(b); mm != nil {
			kb, _ := strconv.Atoi(string(mm[1]))
			m.MemGiB = (kb + 512*1024) / (1024 * 1024)
		}
	}
	return m
}

type seeded struct {
	ids           []int64 // decisions in collective_decision, one per client
	pgbenchBase   int64   // pgbench client k works on decision pgbenchBase+k
	history30     int64   // a decision with 30 journal entries
	token         string  // the head's API token
	tokenHash     string
	serverVersion string
}

// seedStore migrates the store and, through the engine itself (so every
// chain is valid), brings 2n decisions to collective_decision: n for the API
// clients, n for pgbench; and one decision to 30 journal entries.
func seedStore(ctx context.Context, dsn string, n int) (*seeded, error) {
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	s := &seeded{}
	if db.Dialect() == storage.Postgres {
		_ = db.SQL().QueryRowContext(ctx, "SHOW server_version").Scan(&s.serverVersion)
	}
	if s.token, err = headToken(ctx, db); err != nil {
		return nil, err
	}
	s.tokenHash = workflow.HashToken(s.token)
	eng := demo.StatutoryEngine(db)
	seedOne := func(i int) (int64, error) { return demo.Collective(ctx, eng, fmt.Sprintf("压测决策 %d", i)) }
	for i := 0; i < 2*n; i++ {
		id, err := seedOne(i)
		if err != nil {
			return nil, err
		}
		if i < n {
			s.ids = append(s.ids, id)
		} else if i == n {
			s.pgbenchBase = id - 1 // pgbench's client_id starts at 0
		}
	}
	if s.history30, err = seedOne(2 * n); err != nil {
		return nil, err
	}
	for i := 0; i < 23; i++ {
		if err := demo.Toggle(ctx, eng, s.history30, i%2 == 0); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// headToken creates the head's account in the migrated store and returns
// an API token of theirs.
func headToken(ctx context.Context, db *storage.DB) (string, error) {
	acc := workflow.NewAccounts(db, workflow.SystemClock{})
	head, err := acc.CreateUser(ctx, nil, workflow.NewUser{Username: "head", Role: workflow.RoleHead, Password: "bench-password"})
	if err != nil {
		return "", err
	}
	return acc.IssueToken(ctx, head)
}

type server struct {
	cmd   *exec.Cmd
	base  string
	debug string // the pprof address, when started with one
}

func startServer(bin, dsn, dir string, debug bool) (*server, error) {
	logf, err := os.CreateTemp(dir, "server-*.log")
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn}
	debugAddr := ""
	if debug {
		if debugAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		args = append(args, "--debug-addr", debugAddr)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(stdout)
	re := regexp.MustCompile(`listening on (http://\S+)`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stdout) //nolint:errcheck
			return &server{cmd: cmd, base: m[1], debug: debugAddr}, nil
		}
	}
	cmd.Process.Kill()
	b, _ := os.ReadFile(logf.Name())
	return nil, fmt.Errorf("the server did not start:\n%s", b)
}

// peakRSS reads the process's high-water mark of resident memory (VmHWM), in kB.
func (s *server) peakRSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmHWM:\s*(\d+)`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }() //nolint:errcheck
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
	}
}

func client(n int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: n, MaxIdleConnsPerHost: n, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
}

// transitions has each client fire defer then retable, again and again, on
// its own decision, and measures every request.
func transitions(base, token string, ids []int64, d time.Duration) Load {
	deferBody, retableBody := demo.Bodies()
	c := client(len(ids))
	return load(len(ids), d, func(i, n int) error {
		body := deferBody
		if n%2 == 1 {
			body = retableBody
		}
		return post(c, fmt.Sprintf("%s/api/v1/decisions/%d/events", base, ids[i]), token, body)
	})
}

func reads(base, token string, clients int, d time.Duration, path func(i int) string) Load {
	c := client(clients)
	return load(clients, d, func(i, _ int) error {
		req, _ := http.NewRequest("GET", base+path(i), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return do(c, req)
	})
}

func post(c *http.Client, url, token string, body []byte) error {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return do(c, req)
}

func do(c *http.Client, req *http.Request) error {
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%d: %s", res.StatusCode, b)
	}
	return nil
}

// load runs fn from each of n workers until d has passed; fn gets the
// worker and its count of requests so far.
func load(n int, d time.Duration, fn func(worker, count int) error) Load {
	var (
		mu       sync.Mutex
		lat      []time.Duration
		errs     int
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for k := 0; time.Now().Before(deadline); k++ {
				t0 := time.Now()
				err := fn(w, k)
				if err != nil {
					bad++
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					if errors.Is(err, context.DeadlineExceeded) {
						return
					}
					k-- // retry the same step: the state did not change
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	el := time.Since(start)
	if firstErr != nil {
		fmt.Println("  first error:", strings.TrimSpace(firstErr.Error()))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	return Load{Requests: len(lat), Errors: errs, PerSec: float64(len(lat)) / el.Seconds(), P50ms: pct(.50), P95ms: pct(.95), P99ms: pct(.99)}
}

// storeDirect fires the same transitions (defer, retable) through the
// store's own transaction, in process: UpdateDecision, SaveDecision,
// LastEntry, the entry's SHA-256 and AppendEntry, with no HTTP, JSON
// decoding, rules or token lookup. Each worker has its own decision.
func storeDirect(ctx context.Context, dsn string, ids []int64, d time.Duration) (Load, error) {
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		return Load{}, err
	}
	defer db.Close()
	deferData, _ := json.Marshal(demo.DeferData())
	deferData, _ = workflow.CanonicalJSON(deferData)
	return load(len(ids), d, func(i, _ int) error {
		return db.UpdateDecision(ctx, ids[i], func(tx workflow.DecisionTx) error {
			dec := tx.Decision()
			from := dec.State
			name, to := demo.ToggleStep(from)
			now := time.Now()
			today := workflow.DateOf(now)
			dec.State, dec.Version, dec.UpdatedAt, dec.StateEnteredOn = to, dec.Version+1, now, &today
			if err := tx.SaveDecision(ctx, dec); err != nil {
				return err
			}
			seq, prev, err := tx.LastEntry(ctx)
			if err != nil {
				return err
			}
			e := &workflow.JournalEntry{DecisionID: dec.ID, Seq: seq + 1, Kind: "transition", Name: name, From: from, To: to,
				Actor: "head", Role: workflow.RoleHead, At: now, Data: deferData, PrevHash: prev}
			if e.Hash, err = e.ComputeHash(); err != nil {
				return err
			}
			return tx.AppendEntry(ctx, e)
		})
	}), nil
}

// pgbench runs a script of bench/ at the same concurrency and duration,
// prepared (-M prepared, as the server's statements are), and reads its
// rate and, from its per-transaction log, the p50 and p99 latency; m
// measures the CPU PostgreSQL and pgbench spent.
func pgbench(c *pgtest.Cluster, m cpuMeter, dir, scriptPath string, s *seeded, clients int, d time.Duration) (PgbenchRun, error) {
	run := PgbenchRun{Script: scriptPath, Mode: "prepared"}
	path, err := pgbenchScript(dir, scriptPath, s)
	if err != nil {
		return run, err
	}
	logPrefix := filepath.Join(dir, "pgbench-"+strings.TrimSuffix(filepath.Base(path), ".sql"))
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(runtime.NumCPU()),
		"-T", strconv.Itoa(int(d.Seconds())), "-l", "--log-prefix", logPrefix,
		"-f", path, "-h", c.Dir, "-p", strconv.Itoa(c.Port), "-U", "postgres", "bench"}
	cmd := exec.Command(filepath.Join(c.BinDir, "pgbench"), args...)
	cmd.Dir = dir
	start := m.snap()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return run, fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	m.settle(start) // pgbench's backends reaped: their CPU is the postmaster's cutime
	end := m.snap()
	if err := parsePgbench(out, &run); err != nil {
		return run, err
	}
	run.P50ms, run.P99ms = pgbenchLatency(logPrefix)
	ps := cmd.ProcessState
	run.CPU = m.cost(start, end, run.Transactions, (ps.UserTime() + ps.SystemTime()).Seconds())
	return run, nil
}

// pgbenchScript writes the script of bench/ at scriptPath, filled in for
// the seeded database, into dir (readable by the postgres user) and returns
// its path: dir/NAME.sql.
func pgbenchScript(dir, scriptPath string, s *seeded) (string, error) {
	tmpl, err := os.ReadFile(scriptPath)
	if err != nil {
		return "", err
	}
	data, _ := json.Marshal(demo.DeferData())
	script := strings.NewReplacer("{{TOKEN_HASH}}", s.tokenHash, "{{BASE}}", strconv.FormatInt(s.pgbenchBase, 10),
		"{{DATA}}", pgbenchJSON(data)).Replace(string(tmpl))
	name := strings.TrimSuffix(filepath.Base(scriptPath), ".sql")
	path := filepath.Join(dir, name+".sql")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return "", err
	}
	_ = os.Chmod(dir, 0o755)
	_ = os.Chmod(path, 0o644)
	return path, nil
}

// parsePgbench reads pgbench's rate (without the connection time) and count
// of transactions from its output, and fails on failed transactions.
func parsePgbench(out []byte, run *PgbenchRun) error {
	m := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`).FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	if f := regexp.MustCompile(`number of failed transactions: (\d+)`).FindSubmatch(out); f != nil && string(f[1]) != "0" {
		return fmt.Errorf("pgbench had failed transactions:\n%s", out)
	}
	if n := regexp.MustCompile(`number of transactions actually processed: (\d+)`).FindSubmatch(out); n != nil {
		run.Transactions, _ = strconv.Atoi(string(n[1]))
	}
	var err error
	run.TPS, err = strconv.ParseFloat(string(m[1]), 64)
	return err
}

// pgbenchLatency reads the per-transaction logs pgbench -l wrote (the third
// field is the latency in µs) and returns p50 and p99 in ms.
func pgbenchLatency(prefix string) (p50, p99 float64) {
	files, _ := filepath.Glob(prefix + ".*")
	var lat []float64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			fs := strings.Fields(line)
			if len(fs) < 3 {
				continue
			}
			if us, err := strconv.ParseFloat(fs[2], 64); err == nil {
				lat = append(lat, us/1000)
			}
		}
	}
	if len(lat) == 0 {
		return 0, 0
	}
	sort.Float64s(lat)
	return lat[int(0.5*float64(len(lat)-1))], lat[int(0.99*float64(len(lat)-1))]
}

// pgbenchJSON makes JSON safe inside a pgbench script's SQL literal:
// pgbench reads ":name" as a variable, so a colon between key and value
// gets a space after it and a colon inside a string becomes \u003a (the
// same JSON); quotes are doubled for SQL.
func pgbenchJSON(b []byte) string {
	var out strings.Builder
	inStr, esc := false, false
	for _, c := range string(b) {
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case c == ':' && inStr:
			out.WriteString(`\u003a`)
			continue
		case c == ':':
			out.WriteString(": ")
			continue
		}
		out.WriteRune(c)
	}
	return strings.ReplaceAll(out.String(), "'", "''")
}

// freeAddr returns a free loopback address for the server's debug listener.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// fetchProfile takes a CPU profile of secs seconds from the server's pprof
// endpoint and writes it to path.
func fetchProfile(addr string, secs int, path string) error {
	c := &http.Client{Timeout: time.Duration(secs+30) * time.Second}
	res, err := c.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%d: %s", res.StatusCode, b)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// topOfProfile writes `go tool pprof -top` of the profile beside it and
// returns its first lines: the header and the costliest functions.
func topOfProfile(profile, txt string) []string {
	var lines []string
	for _, mode := range [][]string{{"-top", "-nodecount=25"}, {"-top", "-cum", "-nodecount=40"}} {
		args := append([]string{"tool", "pprof"}, mode...)
		out, err := exec.Command("go", append(args, profile)...).Output()
		if err != nil {
			return nil
		}
		lines = append(lines, strings.Split(strings.TrimSpace(string(out)), "\n")...)
		lines = append(lines, "")
	}
	_ = os.WriteFile(txt, []byte(strings.Join(lines, "\n")), 0o644)
	if len(lines) > 30 {
		lines = lines[:30]
	}
	return lines
}
