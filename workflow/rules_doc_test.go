package workflow

import (
	"os"
	"regexp"
	"testing"
)

// TestRulesDoc: docs/rules.md lists exactly the rules the engine has.
func TestRulesDoc(t *testing.T) {
	b, err := os.ReadFile("../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\|").FindAllStringSubmatch(string(b), -1) {
		if documented[m[1]] {
			t.Errorf("docs/rules.md lists %s twice", m[1])
		}
		documented[m[1]] = true
	}
	for _, r := range Rules {
		if !documented[r] {
			t.Errorf("rule %s is missing from docs/rules.md", r)
		}
		delete(documented, r)
	}
	for r := range documented {
		t.Errorf("docs/rules.md names %s, which the engine does not have", r)
	}
}
