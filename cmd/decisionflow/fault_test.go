package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"decisionflow/internal/demo"
	"decisionflow/storage"
	"decisionflow/storage/pgtest"
	"decisionflow/workflow"
)

// Fault tests: each starts the real binary and breaks something under load.
// Every one is bounded in time.

// seedCollective brings n decisions to collective_decision in the store at
// dsn (migrating it) and returns them with a head's token.
func seedCollective(t *testing.T, dsn string, n int) ([]int64, string) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ids, err := demo.CollectiveN(ctx, demo.StatutoryEngine(db), n)
	if err != nil {
		t.Fatal(err)
	}
	acc := workflow.NewAccounts(db, workflow.SystemClock{})
	u, err := acc.CreateUser(ctx, nil, workflow.NewUser{Username: "head", Role: workflow.RoleHead, Password: "head-password"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := acc.IssueToken(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	return ids, token
}

// ack is a transition the server acknowledged: the decision's version after it.
type ack struct {
	id      int64
	version int64
	event   string
}

// loader fires defer/retable on each decision from its own client until
// stopped, recording acknowledgements and every status seen.
type loader struct {
	mu       sync.Mutex
	acks     []ack
	statuses map[int]int
	slowest  time.Duration
	netErrs  int
	stop     chan struct{}
	wg       sync.WaitGroup
}

func startLoad(base, token string, ids []int64) *loader {
	l := &loader{statuses: map[int]int{}, stop: make(chan struct{})}
	deferBody, retableBody := demo.Bodies()
	c := &http.Client{Timeout: 30 * time.Second}
	for _, id := range ids {
		l.wg.Add(1)
		go func(id int64) {
			defer l.wg.Done()
			next := "defer"
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				body := deferBody
				if next == "retable" {
					body = retableBody
				}
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/decisions/%d/events", base, id), strings.NewReader(string(body)))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				res, err := c.Do(req)
				el := time.Since(t0)
				l.mu.Lock()
				if el > l.slowest {
					l.slowest = el
				}
				if err != nil {
					l.netErrs++
					l.mu.Unlock()
					time.Sleep(20 * time.Millisecond)
					continue
				}
				var d workflow.Decision
				_ = json.NewDecoder(res.Body).Decode(&d)
				res.Body.Close()
				l.statuses[res.StatusCode]++
				switch res.StatusCode {
				case http.StatusOK:
					l.acks = append(l.acks, ack{id, d.Version, next})
				case http.StatusConflict:
					// An earlier attempt committed but its answer was lost: the
					// decision is already where this event leads.
				default:
					l.mu.Unlock()
					time.Sleep(20 * time.Millisecond)
					continue
				}
				l.mu.Unlock()
				if next == "defer" {
					next = "retable"
				} else {
					next = "defer"
				}
			}
		}(id)
	}
	return l
}

func (l *loader) halt() {
	close(l.stop)
	l.wg.Wait()
}

func (l *loader) acked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acks)
}

// checkAcked: every acknowledged transition is in the journal at its seq
// (a decision's version is its number of journal entries), and every chain
// verifies, which includes each decision's state equalling its last entry.
func checkAcked(t *testing.T, dsn string, acks []ack) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	journals := map[int64][]workflow.JournalEntry{}
	for _, a := range acks {
		j, ok := journals[a.id]
		if !ok {
			if j, err = db.Journal(ctx, a.id); err != nil {
				t.Fatal(err)
			}
			journals[a.id] = j
		}
		if a.version < 1 || int(a.version) > len(j) || j[a.version-1].Name != a.event {
			t.Fatalf("acknowledged %s of decision %d at version %d is not in its journal (%d entries)", a.event, a.id, a.version, len(j))
		}
	}
	out, err := exec.Command(binary(t), "verify", "--db", dsn).CombinedOutput()
	if err != nil {
		t.Fatalf("verify after the fault: %v\n%s", err, out)
	}
}

// TestKillDuringLoad: kill -9 the server while transitions run; after a
// restart every acknowledged transition is in the journal and every chain
// verifies.
func TestKillDuringLoad(t *testing.T) {
	for name, dsn := range map[string]string{"postgres": pgtest.Default(t).EmptyDatabase(t), "sqlite": filepath.Join(t.TempDir(), "kill.db")} {
		t.Run(name, func(t *testing.T) {
			ids, token := seedCollective(t, dsn, 8)
			s := startServer(t, dsn)
			l := startLoad(s.base, token, ids)
			deadline := time.Now().Add(20 * time.Second)
			for l.acked() < 100 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-s.done
			l.halt()
			if l.acked() < 100 {
				t.Fatalf("only %d transitions acknowledged before the kill", l.acked())
			}
			s2 := startServer(t, dsn)
			s2.want(s2.call("GET", "/readyz", "", nil), 200, "")
			checkAcked(t, dsn, l.acks)
			t.Logf("%d transitions acknowledged before kill -9, all in the journal", len(l.acks))
		})
	}
}

// TestPostgresOutageUnderLoad: PostgreSQL stops during a load: requests get
// 503 within the request timeout (no 500, no hang), /readyz fails; when it
// returns the server recovers by itself and nothing acknowledged is lost.
func TestPostgresOutageUnderLoad(t *testing.T) {
	c, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	dsn := c.EmptyDatabase(t)
	ids, token := seedCollective(t, dsn, 6)
	s := startServer(t, dsn)
	l := startLoad(s.base, token, ids)
	time.Sleep(500 * time.Millisecond)
	if err := c.StopServer(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	s.want(s.call("GET", "/readyz", "", nil), 503, "unavailable")
	l.mu.Lock()
	during := l.statuses[http.StatusServiceUnavailable]
	l.mu.Unlock()
	if err := c.StartServer(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.call("GET", "/readyz", "", nil).status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the server did not recover when PostgreSQL returned")
		}
		time.Sleep(100 * time.Millisecond)
	}
	before := l.acked()
	time.Sleep(time.Second)
	l.halt()
	if during == 0 {
		t.Fatalf("no 503 while PostgreSQL was down: %v", l.statuses)
	}
	for code, n := range l.statuses {
		if code != 200 && code != 409 && code != 503 {
			t.Fatalf("%d answers with status %d during the outage: %v", n, code, l.statuses)
		}
	}
	if l.slowest > 16*time.Second || l.netErrs > 0 {
		t.Fatalf("a request hung (%s) or failed without an answer (%d)", l.slowest, l.netErrs)
	}
	if l.acked() <= before {
		t.Fatal("no transition succeeded after the recovery")
	}
	checkAcked(t, dsn, l.acks)
	t.Logf("statuses %v, slowest %s", l.statuses, l.slowest)
}

// TestTwoServersConflict: two processes on one PostgreSQL fire the same event
// on the same decisions at once: one winner per decision, no duplicate
// entries, chains intact.
func TestTwoServersConflict(t *testing.T) {
	dsn := pgtest.Default(t).EmptyDatabase(t)
	ids, token := seedCollective(t, dsn, 10)
	a, b := startServer(t, dsn), startServer(t, dsn)
	deferBody, _ := demo.Bodies()
	var (
		mu   sync.Mutex
		wins = map[int64]int{}
		wg   sync.WaitGroup
		bad  []int
	)
	start := make(chan struct{})
	for _, id := range ids {
		for _, s := range []*server{a, b, a, b, a, b} {
			wg.Add(1)
			go func(s *server, id int64) {
				defer wg.Done()
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/decisions/%d/events", s.base, id), strings.NewReader(string(deferBody)))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				<-start
				res, err := http.DefaultClient.Do(req)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					bad = append(bad, -1)
					return
				}
				res.Body.Close()
				switch res.StatusCode {
				case 200:
					wins[id]++
				case 409:
				default:
					bad = append(bad, res.StatusCode)
				}
			}(s, id)
		}
	}
	close(start)
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("unexpected answers: %v", bad)
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, id := range ids {
		if wins[id] != 1 {
			t.Fatalf("decision %d: %d winners, want 1", id, wins[id])
		}
		j, err := db.Journal(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		defers := 0
		for _, e := range j {
			if e.Name == workflow.EventDefer {
				defers++
			}
		}
		if defers != 1 {
			t.Fatalf("decision %d has %d defer entries, want 1", id, defers)
		}
	}
	if out, err := exec.Command(binary(t), "verify", "--db", dsn).CombinedOutput(); err != nil {
		t.Fatalf("verify: %v\n%s", err, out)
	}
}

// TestTwoMigrators: two processes migrate one empty database at once; both
// succeed and the schema is applied once.
func TestTwoMigrators(t *testing.T) {
	dsn := pgtest.Default(t).EmptyDatabase(t)
	bin := binary(t)
	cmds := []*exec.Cmd{exec.Command(bin, "migrate", "--db", dsn), exec.Command(bin, "migrate", "--db", dsn)}
	outs := make([][]byte, len(cmds))
	errs := make([]error, len(cmds))
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Add(1)
		go func(i int, c *exec.Cmd) {
			defer wg.Done()
			outs[i], errs[i] = c.CombinedOutput()
		}(i, c)
	}
	wg.Wait()
	for i := range cmds {
		if errs[i] != nil {
			t.Fatalf("migrator %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	db, err := storage.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, distinct int
	if err := db.SQL().QueryRow(`SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&n, &distinct); err != nil || n != distinct {
		t.Fatalf("%d migration rows for %d versions: a migration ran twice (%v)", n, distinct, err)
	}
	if _, known, _ := db.SchemaVersions(context.Background()); int64(distinct) != known {
		t.Fatalf("%d migrations applied, want %d", distinct, known)
	}
}
