# slipway — build, test, benchmark.
#
#   make test        everything CI runs: set-up, vet, staticcheck, unit + end-to-end tests in every
#                    module, short fuzz runs (50000 executions per target). Needs only Go, Node/npm
#                    and Python 3.
#   make bench       run every benchmark and regenerate BENCHMARKS.md, docs/benchmarks.svg and the raw
#                    outputs in docs/bench/ (9–11 min on 2 cores; loopback only)
#   make bench-smoke every benchmark once, and the report from those results (part of make test)
#   make fuzz        long fuzz runs (FUZZTIME=5m per target)

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 50000x
MODULES     := . bench conformance

.PHONY: test setup vet lint unit fuzz-short fuzz bench bench-smoke build

test: setup vet lint unit fuzz-short bench-smoke

build:
	$(GO) build -o bin/slipway ./cmd/slipway

# setup installs what the tests need on a fresh machine (npm packages for the example apps).
setup:
	@for d in $$(git ls-files '*package-lock.json' 2>/dev/null | xargs -r -n1 dirname); do \
		echo "npm ci in $$d"; (cd $$d && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
	done

vet:
	@for m in $(MODULES); do [ -f $$m/go.mod ] || continue; echo "go vet in $$m"; (cd $$m && $(GO) vet ./...) || exit 1; done

lint:
	@for m in $(MODULES); do [ -f $$m/go.mod ] || continue; echo "staticcheck in $$m"; (cd $$m && $(GO) run $(STATICCHECK) ./...) || exit 1; done

unit:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	@for m in $(MODULES); do [ -f $$m/go.mod ] || continue; echo "go test in $$m"; (cd $$m && $(GO) test -count=1 ./...) || exit 1; done

# fuzz-short runs every fuzz target briefly; fuzz runs them long.
fuzz-short:
	@./scripts/fuzz $(FUZZTIME)

fuzz:
	@./scripts/fuzz $${FUZZTIME:-5m}

# bench regenerates BENCHMARKS.md from a full run; bench-smoke proves that every benchmark and the
# report still work (-benchtime 1x, under a minute) and changes no file.
bench:
	@./scripts/bench

bench-smoke:
	@./scripts/bench -smoke
