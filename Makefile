# decisionflow: `make run` to try it, `make test` for everything CI runs.
GO      ?= go
BIN     ?= bin/decisionflow
PKGS    := ./...

.PHONY: all build run test test-deps lint fmt fuzz screenshots bench clean diagram

all: build

build:
	$(GO) build -o $(BIN) ./cmd/decisionflow

## run: serve the demo on the embedded SQLite store (./decisionflow.db)
run: build
	./$(BIN) serve --demo

## test-deps: install what the tests need where it is missing
test-deps:
	@bash scripts/test-deps.sh

# Each fuzz target runs for a number of executions, not a duration: Go 1.26's
# fuzz coordinator can fail a duration-bound run with a spurious "context
# deadline exceeded" at the deadline (golang/go#75804, fixed in Go 1.27).
# About ten seconds each on two cores.
FUZZ_EXECS ?= 200000
FUZZ_EXECS_CANON ?= 50000
FUZZ_EXECS_HTTP ?= 3000
# The race detector needs cgo, so a C compiler; without one the tests run without it.
RACE ?= $(shell command -v gcc >/dev/null 2>&1 && echo -race)
# The race detector runs over the packages where goroutines share state (the
# engine's caches, the stores under concurrent transitions, the API's limiters
# and idempotency); the pages and the end-to-end tests of the real binary run
# without it, which keeps make test near five minutes on two cores.
RACE_PKGS ?= ./workflow/... ./storage/... ./api/...
OTHER_PKGS = $(shell $(GO) list ./... | grep -vE '^decisionflow/(workflow|storage|api)(/|$$)')

## test: every test, on PostgreSQL and SQLite, the browser tests, then each
## fuzz target for a bounded number of executions; what CI runs
test: test-deps lint
	$(GO) test $(RACE) -count=1 -timeout 20m $(RACE_PKGS)
	$(GO) test -count=1 -timeout 20m $(OTHER_PKGS)
	@$(GO) test -count=1 -run '^TestGraphProof$$' -v ./workflow | grep -E 'graph proof|policy|known gap'
	$(MAKE) --no-print-directory fuzz

## fuzz: run each fuzz target for a bounded number of executions
fuzz:
	$(GO) test -run '^$$' -timeout 5m -fuzz '^FuzzEventData$$' -fuzztime $(FUZZ_EXECS)x ./workflow
	$(GO) test -run '^$$' -timeout 5m -fuzz '^FuzzCanonicalEncoding$$' -fuzztime $(FUZZ_EXECS_CANON)x ./workflow
	$(GO) test -run '^$$' -timeout 5m -fuzz '^FuzzPublicComment$$' -fuzztime $(FUZZ_EXECS_HTTP)x ./cmd/decisionflow

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin decisionflow.db decisionflow.db-wal decisionflow.db-shm

## screenshots: refresh the README's screenshots (docs/screenshots) from the browser tests
screenshots: test-deps
	DECISIONFLOW_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run 'TestDemoScreenshots|TestBrowserWalk|TestBrowserCatalog' ./cmd/decisionflow
	rm -f docs/screenshots/walk-*.jpg

## diagram: redraw docs/state-machine.dot and .svg from workflow/table.go (needs graphviz's dot)
diagram:
	$(GO) run ./tools/statediagram

## bench: throughput, latency and memory against PostgreSQL's own limit (see bench/README.md)
bench: test-deps
	$(GO) run ./bench
