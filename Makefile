# The checks CI runs; `make test` is the README's test command.
GO ?= go

# golangci-lint is pinned in tools/go.mod, a module of its own, so that its
# dependencies stay out of the library's module graph. It runs staticcheck
# too (see .golangci.yml).
GOLANGCI_LINT = $(GO) tool -modfile=$(CURDIR)/tools/go.mod golangci-lint

# The viewer's browser tests are a module of their own, so that the library
# does not depend on a browser driver; every check runs there as well.
BROWSERTEST = traceview/browsertest

.PHONY: test fmt vet lint unit bench-smoke bench node-deps

test: fmt vet lint bench-smoke unit

fmt:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# vet also builds for a 32-bit target, where int is narrower: plugin
# authors ship to those too.
vet:
	$(GO) vet ./...
	GOARCH=386 $(GO) build ./...
	cd $(BROWSERTEST) && $(GO) vet ./...

lint:
	$(GOLANGCI_LINT) run ./...
	cd $(BROWSERTEST) && $(GOLANGCI_LINT) run ./...

unit: node-deps
	$(GO) test -race -count=1 ./...
	cd $(BROWSERTEST) && $(GO) test -race -count=1 ./...

# The Node.js example plugin's packages, which its test runs under a real
# host: installed from package-lock.json when missing or older than it.
NODE_EXAMPLE = examples/weather-node

node-deps: $(NODE_EXAMPLE)/node_modules

$(NODE_EXAMPLE)/node_modules: $(NODE_EXAMPLE)/package-lock.json
	npm ci --prefix $(NODE_EXAMPLE)
	@touch $@

# Every benchmark once, so that none can rot.
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

# The numbers in the README's Performance section.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./tracing/ ./httpclient/ ./traceview/ ./internal/otlpexport/
	$(GO) test -run '^$$' -bench 'CPU|ExternalRoundTrip' -benchtime 3000x -count 3 ./host/
