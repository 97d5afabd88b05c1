# decisionflow: `make run` to try it, `make test` for everything CI runs.
GO      ?= go
BIN     ?= bin/decisionflow
PKGS    := ./...

.PHONY: all build run test test-deps lint fmt bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/decisionflow

## run: serve the demo on the embedded SQLite store (./decisionflow.db)
run: build
	./$(BIN) serve --demo

## test-deps: install what the tests need where it is missing
test-deps:
	@bash scripts/test-deps.sh

## test: every test, on PostgreSQL and SQLite; what CI runs
test: test-deps lint
	$(GO) test -count=1 -timeout 20m $(PKGS)

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin decisionflow.db decisionflow.db-wal decisionflow.db-shm
