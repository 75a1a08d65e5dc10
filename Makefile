# simplehttp: `make test` is what CI runs (.ci/run); `make run ARGS='8000 -d ./site'`
# starts the server. The comment above each target says what it is for.
#
# Three modules: the library (the repository's root); in tools/, the
# development tools (staticcheck, the load comparison tools/loadbench, the
# soak tools/soak) with their own go.mod, so that their dependencies never
# reach the library's; and docs/example, an application that uses the
# library from outside, as its users do (a replace directive points it at
# this checkout). `./...` in the root reaches into neither (nested
# modules), so the targets that cover them all run `go -C DIR` for each.

GO ?= go
GOFMT ?= $(shell $(GO) env GOROOT)/bin/gofmt
# A toolchain download would fail here: use the Go that is installed.
export GOTOOLCHAIN = local

# Arguments for `make run`, as for `python3 -m http.server`: ARGS='8000 -b 127.0.0.1 -d ./site'.
ARGS ?=

# Fuzz targets for `make fuzz`, one PACKAGE:FuzzName per line. `go test -fuzz`
# takes one package and one target at a time, so they run one after another,
# each for FUZZTIME. Run one alone with `make fuzz FUZZ_TARGETS=./pkg:FuzzX`.
# An input that finds new code is shrunk for up to FUZZMINIMIZE, during which
# nothing else runs (Go's default, 60 s, is longer than a whole FUZZTIME).
FUZZTIME ?= 30s
FUZZMINIMIZE ?= 5s
FUZZ_TARGETS ?= \
	./accesslog:FuzzScrub \
	./accesslog:FuzzRedactPassword \
	./accesslog:FuzzOutput \
	./cgi:FuzzMatch \
	./cgi:FuzzScriptHeader \
	./cmd/simplehttp:FuzzStack \
	./cmd/simplehttp:FuzzHeaderFlag \
	./cmd/simplehttp:FuzzSize \
	./cmd/simplehttp:FuzzArgs \
	./errorpage:FuzzError \
	./errorpage:FuzzPythonFormat \
	./errorpage:FuzzDefaultPage \
	./fileserver:FuzzFastPaths \
	./fileserver:FuzzForwardReader \
	./fileserver:FuzzHref \
	./fileserver:FuzzContentDisposition \
	./fileserver:FuzzBasicAuth \
	./fileserver:FuzzReadHtpasswd \
	./fileserver:FuzzIMFFixdate \
	./fileserver:FuzzHTTPDate \
	./fileserver:FuzzRange \
	./fileserver:FuzzRichHead \
	./fileserver:FuzzStatBeneath \
	./fileserver:FuzzUpload \
	./fileserver:FuzzRebound \
	./fileserver:FuzzFailureLimiter \
	./fileserver:FuzzZipWriter \
	./internal/pyescape:FuzzURL \
	./internal/pyescape:FuzzHTML \
	./internal/pyescape:FuzzLog \
	./internal/pyescape:FuzzLower \
	./internal/pyescape:FuzzFields \
	./internal/negotiate:FuzzBest \
	./internal/negotiate:FuzzEncoding \
	./internal/forwarded:FuzzClient \
	./internal/vary:FuzzAdd \
	./internal/samename:FuzzKey \
	./internal/urlpath:FuzzName \
	./internal/urlpath:FuzzLocation

.PHONY: all test test-norace test-386 vet fmtcheck crossbuild run build cover tidycheck lint fuzz bench bench-go bench-scale bench-redraw soak chaos golden clean

all: test

## test: go vet, the gofmt check, staticcheck (lint), the build for Windows,
## macOS, 32-bit ARM Linux and AIX (crossbuild), the race-enabled tests of
## every module, then the tests that only build without -race
## (test-norace) and the large-file tests as a 32-bit program (test-386);
## what CI runs
test: vet fmtcheck lint crossbuild
	$(GO) test -race ./...
	$(GO) -C tools test -race ./...
	$(GO) -C docs/example test -race ./...
	@$(MAKE) --no-print-directory test-norace
	@$(MAKE) --no-print-directory test-386

## test-386: the tests of files of more than 2 GiB, built for 32-bit Linux
## (GOARCH=386), where a file that large needs what 64-bit Linux gives
## every open (O_LARGEFILE); about 15 s. A machine whose kernel does not
## run 386 programs skips them, saying so.
test-386:
	@if GOARCH=386 $(GO) test -count=1 -run '^$$' ./internal/vary >/dev/null 2>&1; then \
		echo "GOARCH=386 $(GO) test -run '^TestLargeFile\$$' ./fileserver"; \
		GOARCH=386 $(GO) test -run '^TestLargeFile$$' ./fileserver; \
	else \
		echo "test-386: this machine does not run 386 programs: skipped"; \
	fi

## test-norace: without -race, the tests that the race build leaves out
# (files under //go:build !race, such as the allocation counts, which the
# race detector changes: it makes sync.Pool drop items at random). The list
# is derived each time, never kept by hand: `go list` names each package's
# test files with and without -race, and the files only in the second list
# are these; their Test, Fuzz and Example functions run, nothing else. A new
# !race test is picked up by itself.
NORACE_FILES = {{$$d := .Dir}}{{range .TestGoFiles}}{{$$d}}/{{.}}{{"\n"}}{{end}}{{range .XTestGoFiles}}{{$$d}}/{{.}}{{"\n"}}{{end}}
test-norace:
	@set -e; for m in . tools; do \
		all=$$($(GO) -C $$m list -f '$(NORACE_FILES)' ./...); \
		race=$$($(GO) -C $$m list -race -f '$(NORACE_FILES)' ./...); \
		names=""; dirs=""; \
		for f in $$(printf '%s\n' "$$all" | grep -vxF -e "$$race" || true); do \
			n=$$(sed -nE 's/^func ((Test|Fuzz|Example)[[:alnum:]_]*)\(.*/\1/p' "$$f"); \
			[ -n "$$n" ] || continue; \
			names="$$names $$n"; dirs="$$dirs $$(dirname "$$f")"; \
		done; \
		[ -n "$$names" ] || { echo "test-norace: module $$m: no test is left out of the race build"; continue; }; \
		pat=$$(printf '%s\n' $$names | sort -u | paste -sd'|' -); \
		dirs=$$(printf '%s\n' $$dirs | sort -u); \
		echo "$(GO) -C $$m test -run '^($$pat)\$$'" $$dirs; \
		$(GO) -C $$m test -run "^($$pat)\$$" $$dirs; \
	done

vet:
	$(GO) vet ./...
	$(GO) -C tools vet ./...
	$(GO) -C docs/example vet ./...

fmtcheck:
	@out="$$($(GOFMT) -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## crossbuild: compile the module's packages and their tests (go vet builds
## them) for Windows, macOS, 32-bit Linux (ARM, whose stat fields are 32
## bits wide) and AIX (whose golang.org/x/sys lacks calls the other Unixes
## have), where the tests do not run here: the libraries and the
## command must build there (on Windows, cgi.New and --cgi say that CGI
## scripts are not supported), and the tests compile for a developer who
## runs them there. A few seconds once the build cache holds them
crossbuild:
	GOOS=windows GOARCH=amd64 $(GO) vet ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	GOOS=linux GOARCH=arm $(GO) vet ./...
	GOOS=aix GOARCH=ppc64 $(GO) vet ./...

## run: the server, as `go run ./cmd/simplehttp $(ARGS)`
run:
	$(GO) run ./cmd/simplehttp $(ARGS)

## build: compile everything, in every module
build:
	$(GO) build ./...
	$(GO) -C tools build ./...
	$(GO) -C docs/example build ./...

## cover: tests with a coverage profile in cover.out, then the per-function summary
cover:
	$(GO) test -coverprofile=cover.out ./...
	$(GO) tool cover -func=cover.out

## tidycheck: fail if go.mod or go.sum is not tidy, in any module (does not fix)
tidycheck:
	$(GO) mod tidy -diff
	$(GO) -C tools mod tidy -diff
	$(GO) -C docs/example mod tidy -diff

## lint: staticcheck, pinned in tools/go.mod, on both modules (part of test)
lint:
	$(GO) tool -modfile=tools/go.mod staticcheck ./...
	$(GO) -C tools tool staticcheck ./...

## fuzz: each target of FUZZ_TARGETS for FUZZTIME. Go 1.26's fuzzing can
## fail a target with a bare "context deadline exceeded" as FUZZTIME ends
## (a race in its coordinator, fixed in Go 1.27): such a
## run, which writes no failing input under testdata/fuzz, is reported and
## does not stop the others; any other failure does.
fuzz:
	@set -e; \
	if [ -z "$(strip $(FUZZ_TARGETS))" ]; then echo "no fuzz targets listed in FUZZ_TARGETS"; exit 0; fi; \
	out=$$(mktemp); status=$$(mktemp); trap 'rm -f "$$out" "$$status"' EXIT; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; corpus=$$pkg/testdata/fuzz/$$name; \
		before=$$(ls "$$corpus" 2>/dev/null | wc -l); \
		echo "$(GO) test -run='^\$$' -fuzz='^$$name\$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZE) $$pkg"; \
		{ $(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZE) $$pkg 2>&1; echo $$? >"$$status"; } | tee "$$out"; \
		rc=$$(cat "$$status"); \
		if [ "$$rc" != 0 ]; then \
			after=$$(ls "$$corpus" 2>/dev/null | wc -l); \
			if [ "$$after" = "$$before" ] && grep -q '^    context deadline exceeded$$' "$$out"; then \
				echo "fuzz: $$name: Go's end-of-fuzztime race (a race of its fuzzing coordinator), no failing input written: not counted as a failure"; \
			else \
				exit "$$rc"; \
			fi; \
		fi; \
	done

## bench: the load comparison (tools/loadbench): simplehttp against
## net/http.FileServer, python3 -m http.server, nginx, Caddy and the net/http
## ceiling, one core each for server and wrk, as a table with ratios; then
## uploads (PUT of 1 MiB and 100 MiB bodies) against nginx's dav, rclone and
## a plain fsync'd copy, for CPU per MiB; then a 1 GiB tree downloaded as an
## archive (--archive) against `tar czf - DIR | cat` (-archive-mib 0 skips it).
## About 13 minutes on an idle machine: the 213 wrk runs (3 rounds of 3 s)
## 11, the 1 GiB archives 2.
## `make bench BENCH_ARGS=-quick` is a 2-minute smoke run, and BENCH_ARGS takes
## any loadbench flag (-workloads a,g,h -peers simplehttp,nginx -rounds 5
## -duration 5s). The Go micro-benchmarks are `make bench-go`.
bench: bench-tools
	$(GO) -C tools run ./loadbench $(BENCH_ARGS)

## bench-go: the Go micro-benchmarks of every package (ns/op, allocs/op), the
## handlers alone against net/http.FileServer's; about 4 minutes.
bench-go:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# Arguments for loadbench in `make bench` and `make bench-scale`, e.g. BENCH_ARGS='-quick'.
BENCH_ARGS ?=

## bench-scale: the scaling curves (loadbench -scale): simplehttp, FileServer,
## Caddy, nginx (and Python where it keeps up) as concurrent connections
## (1 to 10,000), idle connections, directory entries, working set and file
## size grow; a table per sweep, the scaling targets, and PNGs with their
## figures (results.json) in bench-out/ (gitignored). About 16 minutes on an idle machine; BENCH_ARGS=-quick is a
## 3-minute smoke run, BENCH_ARGS='-scale-sweeps conns,idle' runs some sweeps.
## loadbench raises its file-descriptor limit to the hard limit (or 32768 as
## root), which wrk and the servers inherit: 10,000 connections need about
## 10,100 descriptors in each process.
bench-scale: bench-tools
	$(GO) -C tools run ./loadbench -scale -scale-out $(CURDIR)/bench-out $(BENCH_ARGS)

# The figures bench-redraw reads, e.g. RECORD=docs/scale/results.json.
RECORD ?= bench-out/results.json

## bench-redraw: the tables, targets and PNGs of a recorded bench-scale run
## again, from its figures (RECORD, bench-out/results.json by default), into
## bench-out/, measuring nothing: seconds, not the run's 16 to 41 minutes.
bench-redraw:
	$(GO) -C tools run ./loadbench -scale-redraw $(abspath $(RECORD)) -scale-out $(CURDIR)/bench-out

.PHONY: bench-tools
# bench-tools installs wrk, nginx and caddy with apt-get when they are missing
# and this is a Debian-like system where we are root (or sudo needs no
# password); otherwise it prints the command to run and bench goes on: without
# nginx or caddy its column is skipped, without wrk loadbench stops and says so.
# When apt-get cannot install them together (a release without caddy), each
# is installed on its own, so that one the release lacks keeps no other out.
bench-tools:
	@missing=""; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || missing="$$missing nginx-light"; \
	command -v caddy >/dev/null 2>&1 || missing="$$missing caddy"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
	if command -v apt-get >/dev/null 2>&1 && { [ -z "$$sudo" ] || sudo -n true 2>/dev/null; }; then \
		echo "bench: installing$$missing for the load comparison"; \
		if ! $$sudo apt-get install -y --no-install-recommends $$missing >/dev/null; then \
			$$sudo apt-get update >/dev/null; failed=""; \
			for p in $$missing; do \
				$$sudo apt-get install -y --no-install-recommends $$p >/dev/null || failed="$$failed $$p"; \
			done; \
			[ -z "$$failed" ] || echo "bench: could not install$$failed; try: sudo apt-get update && sudo apt-get install -y$$failed"; \
		fi; \
	else \
		echo "bench: missing$$missing; install with: sudo apt-get install -y$$missing (Debian/Ubuntu; the packages are wrk and nginx elsewhere)"; \
	fi

## soak: 10,000 keep-alive connections, then mixed traffic against the command
## for 2 minutes, with memory, goroutines and open files before and after; it
## fails on any error, leaked connection, extra goroutine or warning the server
## logged (not part of test).
## SOAKFLAGS='-duration 30s' for a shorter run; see tools/soak/main.go for the
## other flags.
SOAKFLAGS ?=
soak:
	$(GO) -C tools run ./soak $(SOAKFLAGS)

## chaos: TestChaos (cmd/simplehttp) for CHAOSTIME instead of the couple of
## seconds of `make test`: the command in the test's process with every
## feature on, many clients at once (some giving up midway) while the tree
## changes, the log is rotated and the certificate renewed, under the race
## detector; it fails on a data race, a malformed response, a handshake
## without a valid certificate, an edit lost, a budget left charged, or a
## goroutine or descriptor left once the server has stopped (not part of
## test).
CHAOSTIME ?= 1m
chaos:
	$(GO) test -race -run '^TestChaos$$' -count=1 -timeout 0 ./cmd/simplehttp -chaos=$(CHAOSTIME)

## golden: rewrite, from the Go output, the golden files that hold our own
## output: `go test -update` in each package whose tests use
## internal/goldenfile, which defines -update (the list is derived; any other
## test binary would reject the flag). Read `git diff` before committing.
# It never rewrites a recording made with Python. Those live in directories
# named from-python under testdata/ (errorpage/testdata/from-python/TestError,
# fileserver/testdata/parity/from-python, fileserver/testdata/TestInvalidUTF8/
# from-python, fileserver/testdata/TestUnsearchableDir/from-python,
# internal/hardening/testdata/overload/from-python), goldenfile refuses to
# write there, with or without -update, and -update still compares our output
# with them, so it fails where we differ from Python. Only the script next to
# each from-python directory writes it, with the local python3:
#	python3 errorpage/testdata/record.py
#	python3 fileserver/testdata/parity/record.py
#	python3 fileserver/testdata/TestInvalidUTF8/record.py
#	python3 fileserver/testdata/TestUnsearchableDir/record.py
#	python3 internal/hardening/testdata/overload/record.py
GOLDEN_PKGS = {{$$p := .ImportPath}}{{range .TestImports}}{{if eq . "$(GOLDENFILE)"}}{{$$p}}{{"\n"}}{{end}}{{end}}{{range .XTestImports}}{{if eq . "$(GOLDENFILE)"}}{{$$p}}{{"\n"}}{{end}}{{end}}
GOLDENFILE = github.com/simplehttp/simplehttp/internal/goldenfile
golden:
	@pkgs=$$($(GO) list -f '$(GOLDEN_PKGS)' ./... | sort -u); \
	if [ -z "$$pkgs" ]; then echo "golden: no package uses $(GOLDENFILE)"; exit 1; fi; \
	echo "$(GO) test" $$pkgs "-update"; \
	$(GO) test $$pkgs -update

clean:
	rm -f cover.out simplehttp
