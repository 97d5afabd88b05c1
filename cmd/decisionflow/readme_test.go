package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestREADMEWalkthrough runs the README's walkthrough block as written, in a
// copy of the repository's Makefile setting, and checks its promised ending.
func TestREADMEWalkthrough(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "<!-- walkthrough:start -->\n```sh\n")
	if ok {
		block, _, ok = strings.Cut(block, "```\n<!-- walkthrough:end -->")
	}
	if !ok {
		t.Fatal("README.md has no walkthrough block")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("the walkthrough needs curl")
	}
	// A working directory with `make build` stubbed to the binary under test.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(binary(t), filepath.Join(dir, "bin", "decisionflow")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte("build:\n\t@true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	cmd := exec.Command("bash", "-c", block)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	out, err := cmd.CombinedOutput()
	text := string(out)
	if err != nil {
		t.Fatalf("walkthrough failed: %v\n%s", err, text)
	}
	for _, want := range []string{
		`"rule":"comment-period-not-ended"`,
		`"state":"archived"`,
		`"seq":1,"kind":"transition","name":"create"`,
		// the catalog entry the decision started from
		`"progress":{"status":"decided","state":"archived","step":"after"}`,
		"all 8 journal chain(s) intact", // with --demo's six decisions and catalog
	} {
		if !strings.Contains(text, want) {
			t.Errorf("walkthrough output lacks %s:\n%s", want, text)
		}
	}
	if strings.Count(text, `"rule":`) != 1 {
		t.Errorf("the walkthrough has unexpected errors:\n%s", text)
	}
}
