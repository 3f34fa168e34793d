# The checks CI runs; `make test` is the README's test command.
GO ?= go

.PHONY: test fmt vet staticcheck unit bench-smoke bench

test: fmt vet staticcheck bench-smoke unit

fmt:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

unit:
	$(GO) test -race -count=1 ./...

# Every benchmark once, so that none can rot.
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

# The numbers in the README's Performance section.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./tracing/ ./httpclient/ ./host/ ./traceview/
