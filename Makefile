# decisionflow: `make run` to try it, `make test` for everything CI runs.
GO      ?= go
BIN     ?= bin/decisionflow
PKGS    := ./...

.PHONY: all build run test test-deps lint fmt fuzz screenshots bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/decisionflow

## run: serve the demo on the embedded SQLite store (./decisionflow.db)
run: build
	./$(BIN) serve --demo

## test-deps: install what the tests need where it is missing
test-deps:
	@bash scripts/test-deps.sh

FUZZTIME ?= 10s
# The race detector needs cgo, so a C compiler; without one the tests run without it.
RACE ?= $(shell command -v gcc >/dev/null 2>&1 && echo -race)

## test: every test, on PostgreSQL and SQLite, the browser tests, then each
## fuzz target for $(FUZZTIME); what CI runs
test: test-deps lint
	$(GO) test $(RACE) -count=1 -timeout 20m $(PKGS)
	$(MAKE) --no-print-directory fuzz

## fuzz: run each fuzz target for $(FUZZTIME)
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzEventData$$' -fuzztime $(FUZZTIME) ./workflow
	$(GO) test -run '^$$' -fuzz '^FuzzCanonicalEncoding$$' -fuzztime $(FUZZTIME) ./workflow
	$(GO) test -run '^$$' -fuzz '^FuzzPublicComment$$' -fuzztime $(FUZZTIME) ./cmd/decisionflow

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
	DECISIONFLOW_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run 'TestBrowserWalk' ./cmd/decisionflow

## bench: throughput, latency and memory against PostgreSQL's own limit (see bench/README.md)
bench: test-deps
	$(GO) run ./bench
