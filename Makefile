# simplehttp: `make test` is what CI runs (.ci/run); `make run ARGS='8000 -d ./site'`
# starts the server. See STYLE.md section 9 for what each target is for.

GO ?= go
GOFMT ?= $(shell $(GO) env GOROOT)/bin/gofmt
# A toolchain download would fail here: use the Go that is installed.
export GOTOOLCHAIN = local

# Arguments for `make run`, as for `python3 -m http.server`: ARGS='8000 -b 127.0.0.1 -d ./site'.
ARGS ?=

# Fuzz targets for `make fuzz`, one PACKAGE:FuzzName per line. `go test -fuzz`
# takes one package and one target at a time, so they run one after another,
# each for FUZZTIME. Run one alone with `make fuzz FUZZ_TARGETS=./pkg:FuzzX`.
FUZZTIME ?= 30s
FUZZ_TARGETS ?= \
	./accesslog:FuzzScrub \
	./errorpage:FuzzError \
	./internal/pyescape:FuzzURL \
	./internal/pyescape:FuzzHTML \
	./internal/pyescape:FuzzLog \
	./internal/pyescape:FuzzLower \
	./internal/urlpath:FuzzName \
	./internal/urlpath:FuzzLocation

.PHONY: all test vet fmtcheck run build cover tidycheck lint fuzz bench golden clean

all: test

## test: go vet, the gofmt check and the race-enabled tests (DEVELOPERS.md; what CI runs)
test: vet fmtcheck
	$(GO) test -race ./...

vet:
	$(GO) vet ./...

fmtcheck:
	@out="$$($(GOFMT) -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## run: the server, as `go run ./cmd/simplehttp $(ARGS)`
run:
	$(GO) run ./cmd/simplehttp $(ARGS)

## build: compile everything
build:
	$(GO) build ./...

## cover: tests with a coverage profile in cover.out, then the per-function summary
cover:
	$(GO) test -coverprofile=cover.out ./...
	$(GO) tool cover -func=cover.out

## tidycheck: fail if go.mod or go.sum is not tidy (does not fix)
tidycheck:
	$(GO) mod tidy -diff

## lint: staticcheck, pinned in tools/go.mod (not part of test)
lint:
	$(GO) tool -modfile=tools/go.mod staticcheck ./...

## fuzz: each target of FUZZ_TARGETS for FUZZTIME
fuzz:
	@set -e; \
	if [ -z "$(strip $(FUZZ_TARGETS))" ]; then echo "no fuzz targets listed in FUZZ_TARGETS"; exit 0; fi; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "$(GO) test -run='^\$$' -fuzz='^$$name\$$' -fuzztime=$(FUZZTIME) $$pkg"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

## bench: the Go benchmarks
# TODO: then the wrk load script (ratios against net/http.FileServer and
# python3 -m http.server in the same run, STYLE.md section 9); it comes later.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

## golden: rewrite the golden files of the packages that define -update
# (only those: any other test binary rejects the flag)
golden:
	$(GO) test ./fileserver ./errorpage ./accesslog -update

clean:
	rm -f cover.out simplehttp
