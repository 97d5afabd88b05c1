package storage_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"decisionflow/internal/demo"
	"decisionflow/storage"
	"decisionflow/storage/pgtest"
)

// TestVerifyByHand runs the procedure of docs/design.md ("Verifying a chain
// by hand": psql and Python, nothing of decisionflow) on a real chain, and
// on one edited behind the trigger, so that the document stays true.
func TestVerifyByHand(t *testing.T) {
	doc, err := os.ReadFile("../docs/design.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(doc), "### Verifying a chain by hand")
	if ok {
		_, block, ok = strings.Cut(block, "```sh\n")
	}
	if ok {
		block, _, ok = strings.Cut(block, "```")
	}
	if !ok {
		t.Fatal("docs/design.md has no hand-verification block")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("the documented procedure needs python3 (`make test` installs it)")
	}
	db, dsn := openStoreDSN(t, storage.Postgres)
	id, err := demo.Collective(t.Context(), demo.StatutoryEngine(db), `手工核验 <&> "quoted" \ 反斜杠`)
	if err != nil {
		t.Fatal(err)
	}
	run := func() string {
		t.Helper()
		cmd := exec.Command("bash", "-c", strings.ReplaceAll(block, "decision_id = 1", fmt.Sprintf("decision_id = %d", id)))
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn, "PATH="+filepath.Join(pgtest.Default(t).BinDir)+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("the documented procedure failed: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run()
	if strings.Count(out, " ok") != 8 || strings.Contains(out, "BROKEN") {
		t.Fatalf("an intact chain does not verify by hand:\n%s", out)
	}
	tamper(t, &harness{db: db}, fmt.Sprintf(`UPDATE journal SET actor = 'mallory' WHERE decision_id = %d AND seq = 5`, id))
	if out := run(); !strings.Contains(out, "5 waive_public_participation BROKEN") {
		t.Fatalf("the edited entry passes the hand check:\n%s", out)
	}
}
