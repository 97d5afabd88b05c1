// Command bench measures decisionflow under load: it starts a throwaway
// PostgreSQL (durable settings) and the real server binary, seeds decisions
// into collective_decision, and has C clients fire defer then retable on
// distinct decisions for a while; then runs pgbench with the same SQL at the
// same concurrency, the reads, and the embedded SQLite store. See README.md.
//
//	go run ./bench [-c 32] [-d 20s] [-out bench/results/latest.json]
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
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"decisionflow/internal/seed"
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

	APIPostgres   Load    `json:"api_transitions_postgres"`
	PgbenchTPS    float64 `json:"pgbench_tps"`
	RatioAPIToPG  float64 `json:"ratio_api_to_pgbench"`
	ServerPeakRSS int64   `json:"server_peak_rss_kb"`

	ReadDecision Load `json:"read_decision"`
	ReadHistory  Load `json:"read_history_30"`
	ReadList     Load `json:"read_list_page"`

	APISQLite     Load            `json:"api_transitions_sqlite"`
	SQLitePeakRSS int64           `json:"sqlite_server_peak_rss_kb"`
	TargetsMet    map[string]bool `json:"targets_met"`
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
}

func run() error {
	clients := flag.Int("c", 32, "concurrent clients")
	dur := flag.Duration("d", 20*time.Second, "duration of each transition load")
	readDur := flag.Duration("read", 5*time.Second, "duration of each read load")
	out := flag.String("out", "bench/results/latest.json", "where to write the results")
	flag.Parse()

	res := Results{When: time.Now().UTC(), Clients: *clients, DurationSec: dur.Seconds(), Machine: machine()}
	work, err := os.MkdirTemp("", "dfbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "decisionflow")
	fmt.Println("building the server …")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/decisionflow").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}

	fmt.Println("starting PostgreSQL (fsync on) …")
	cluster, err := pgtest.StartWith(pgtest.Options{Durable: true, MaxConnections: 200})
	if err != nil {
		return err
	}
	defer cluster.Stop()
	dsn, err := cluster.CreateDatabase("bench")
	if err != nil {
		return err
	}
	ctx := context.Background()
	seed, err := seedStore(ctx, dsn, *clients)
	if err != nil {
		return err
	}
	res.Machine.Postgre = seed.serverVersion

	srv, err := startServer(bin, dsn, work)
	if err != nil {
		return err
	}
	fmt.Printf("API transitions on PostgreSQL: %d clients for %s …\n", *clients, *dur)
	res.APIPostgres = transitions(srv.base, seed.token, seed.ids[:*clients], *dur)
	res.ServerPeakRSS = srv.peakRSS()

	fmt.Println("reads …")
	res.ReadDecision = reads(srv.base, seed.token, *clients, *readDur, func(i int) string { return fmt.Sprintf("/api/v1/decisions/%d", seed.ids[i%len(seed.ids)]) })
	res.ReadHistory = reads(srv.base, seed.token, *clients, *readDur, func(int) string { return fmt.Sprintf("/api/v1/decisions/%d/history", seed.history30) })
	res.ReadList = reads(srv.base, seed.token, *clients, *readDur, func(int) string { return "/api/v1/decisions?limit=50" })
	if rss := srv.peakRSS(); rss > res.ServerPeakRSS {
		res.ServerPeakRSS = rss
	}
	srv.stop()

	fmt.Printf("pgbench with the same SQL: %d clients for %s …\n", *clients, *dur)
	if res.PgbenchTPS, err = pgbench(cluster, work, seed, *clients, *dur); err != nil {
		return err
	}
	if res.PgbenchTPS > 0 {
		res.RatioAPIToPG = res.APIPostgres.PerSec / res.PgbenchTPS
	}

	fmt.Printf("API transitions on SQLite: %d clients for %s …\n", *clients, *dur/2)
	sqlitePath := filepath.Join(work, "bench.db")
	sseed, err := seedStore(ctx, sqlitePath, *clients)
	if err != nil {
		return err
	}
	ssrv, err := startServer(bin, sqlitePath, work)
	if err != nil {
		return err
	}
	res.APISQLite = transitions(ssrv.base, sseed.token, sseed.ids[:*clients], *dur/2)
	res.SQLitePeakRSS = ssrv.peakRSS()
	ssrv.stop()

	res.TargetsMet = map[string]bool{
		"api_at_least_0.7_of_pgbench": res.RatioAPIToPG >= 0.7,
		"zero_errors":                 res.APIPostgres.Errors == 0 && res.APISQLite.Errors == 0,
		"server_rss_at_most_150MB":    res.ServerPeakRSS <= 150*1024,
		"sqlite_at_least_500_per_sec": res.APISQLite.PerSec >= 500,
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	report(res)
	fmt.Println("written to", *out)
	return nil
}

func report(r Results) {
	fmt.Printf("\nmachine: %s, %d cores, %d GiB, %s, PostgreSQL %s\n", r.Machine.CPU, r.Machine.Cores, r.Machine.MemGiB, r.Machine.Go, r.Machine.Postgre)
	row := func(name string, l Load) {
		fmt.Printf("%-34s %9.1f/s  p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  errors %d\n", name, l.PerSec, l.P50ms, l.P95ms, l.P99ms, l.Errors)
	}
	row("API transitions, PostgreSQL", r.APIPostgres)
	fmt.Printf("%-34s %9.1f/s\n", "pgbench, same SQL", r.PgbenchTPS)
	fmt.Printf("%-34s %9.2f   (target ≥ 0.70)\n", "ratio API / pgbench", r.RatioAPIToPG)
	fmt.Printf("%-34s %9.1f MB (target ≤ 150)\n", "server peak RSS", float64(r.ServerPeakRSS)/1024)
	row("read: one decision", r.ReadDecision)
	row("read: 30-entry history", r.ReadHistory)
	row("read: list page of 50", r.ReadList)
	row("API transitions, SQLite", r.APISQLite)
	fmt.Printf("%-34s %9.1f MB\n", "SQLite server peak RSS", float64(r.SQLitePeakRSS)/1024)
	keys := make([]string, 0, len(r.TargetsMet))
	for k := range r.TargetsMet {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("target %-32s %v\n", k, r.TargetsMet[k])
	}
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
	acc := workflow.NewAccounts(db, workflow.SystemClock{})
	head, err := acc.CreateUser(ctx, nil, workflow.NewUser{Username: "head", Role: workflow.RoleHead, Password: "bench-password"})
	if err != nil {
		return nil, err
	}
	if s.token, err = acc.IssueToken(ctx, head); err != nil {
		return nil, err
	}
	s.tokenHash = workflow.HashToken(s.token)
	eng := seed.StatutoryEngine(db)
	seedOne := func(i int) (int64, error) { return seed.Collective(ctx, eng, fmt.Sprintf("压测决策 %d", i)) }
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
		if err := seed.Toggle(ctx, eng, s.history30, i%2 == 0); err != nil {
			return nil, err
		}
	}
	return s, nil
}

type server struct {
	cmd  *exec.Cmd
	base string
}

func startServer(bin, dsn, dir string) (*server, error) {
	logf, err := os.CreateTemp(dir, "server-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
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
			return &server{cmd: cmd, base: m[1]}, nil
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
	deferBody, retableBody := seed.Bodies()
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

// pgbench runs bench/transition.sql at the same concurrency and duration.
func pgbench(c *pgtest.Cluster, dir string, s *seeded, clients int, d time.Duration) (float64, error) {
	tmpl, err := os.ReadFile("bench/transition.sql")
	if err != nil {
		return 0, err
	}
	data, _ := json.Marshal(seed.DeferData())
	script := strings.NewReplacer("{{TOKEN_HASH}}", s.tokenHash, "{{BASE}}", strconv.FormatInt(s.pgbenchBase, 10),
		"{{DATA}}", strings.ReplaceAll(string(data), "'", "''")).Replace(string(tmpl))
	path := filepath.Join(dir, "transition.sql")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return 0, err
	}
	_ = os.Chmod(dir, 0o755)
	_ = os.Chmod(path, 0o644)
	args := []string{"-n", "-M", "extended", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(runtime.NumCPU()),
		"-T", strconv.Itoa(int(d.Seconds())), "-f", path, "-h", c.Dir, "-p", strconv.Itoa(c.Port), "-U", "postgres", "bench"}
	out, err := exec.Command(filepath.Join(c.BinDir, "pgbench"), args...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	if f := regexp.MustCompile(`number of failed transactions: (\d+)`).FindSubmatch(out); f != nil && string(f[1]) != "0" {
		return 0, fmt.Errorf("pgbench had failed transactions:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
