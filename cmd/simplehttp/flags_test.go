package main

import (
	"errors"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/fileserver"
)

func TestParseArgs(t *testing.T) {
	def := config{Port: 8000, Bind: "", Dir: ".", Protocol: http10,
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second, SendTimeout: 60 * time.Second}
	with := func(f func(*config)) config {
		c := def
		f(&c)
		return c
	}
	tests := []struct {
		name string
		args []string
		want config
	}{
		{"defaults", nil, def},
		{"port", []string{"9000"}, with(func(c *config) { c.Port = 9000 })},
		{"port 0 picks a free port", []string{"0"}, with(func(c *config) { c.Port = 0 })},
		{"highest port", []string{"65535"}, with(func(c *config) { c.Port = 65535 })},
		{"flags before port", []string{"-b", "127.0.0.1", "-d", "site", "-p", "HTTP/1.1", "9000"},
			with(func(c *config) { c.Port, c.Bind, c.Dir, c.Protocol = 9000, "127.0.0.1", "site", http11 })},
		{"flags after port", []string{"9000", "-b", "127.0.0.1", "-d", "site", "-p", "HTTP/1.1"},
			with(func(c *config) { c.Port, c.Bind, c.Dir, c.Protocol = 9000, "127.0.0.1", "site", http11 })},
		{"flags around port", []string{"-b", "::1", "9000", "--directory", "site"},
			with(func(c *config) { c.Port, c.Bind, c.Dir = 9000, "::1", "site" })},
		{"long flags with =", []string{"--bind=::1", "--directory=site", "--protocol=HTTP/1.1", "0"},
			with(func(c *config) { c.Port, c.Bind, c.Dir, c.Protocol = 0, "::1", "site", http11 })},
		// pflag reads the rest of a short flag as its value, as argparse does.
		{"short flag glued to value", []string{"-b::1", "-dsite"},
			with(func(c *config) { c.Bind, c.Dir = "::1", "site" })},
		{"explicit HTTP/1.0", []string{"-p", "HTTP/1.0"}, def},
		{"port after --", []string{"-b", "127.0.0.1", "--", "8080"},
			with(func(c *config) { c.Port, c.Bind = 8080, "127.0.0.1" })},
		{"last flag wins", []string{"-d", "a", "-d", "b"}, with(func(c *config) { c.Dir = "b" })},
		{"cgi", []string{"--cgi"}, with(func(c *config) { c.CGI = true })},
		// Only a file in a CGI directory is refused with --cgi: the
		// directory's own name is no script, and without --cgi it is a
		// directory like any other.
		{"spa named like a CGI directory", []string{"--cgi", "--spa", "cgi-bin"},
			with(func(c *config) { c.CGI, c.SPA = true, "cgi-bin" })},
		{"spa in cgi-bin without --cgi", []string{"--spa", "cgi-bin/index.html"},
			with(func(c *config) { c.SPA = "cgi-bin/index.html" })},
		{"spa in a subdirectory named cgi-bin", []string{"--cgi", "--spa", "app/cgi-bin/index.html"},
			with(func(c *config) { c.CGI, c.SPA = true, "app/cgi-bin/index.html" })},
		{"tls cert only: the key is in it", []string{"--tls-cert", "c.pem"},
			with(func(c *config) { c.TLSCert = "c.pem" })},
		{"tls", []string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-password-file", "pw"},
			with(func(c *config) { c.TLSCert, c.TLSKey, c.TLSPasswordFile = "c.pem", "k.pem", "pw" })},
		// A StringArray: the comma in a value does not split it.
		{"headers in order", []string{"-H", "X-A: 1, 2", "--header", "cache-control:no-store", "-H", "X-A:3"},
			with(func(c *config) {
				c.Headers = []header{{"X-A", "1, 2"}, {"Cache-Control", "no-store"}, {"X-A", "3"}}
			})},
		{"header with empty value", []string{"-H", "X-Empty:"},
			with(func(c *config) { c.Headers = []header{{"X-Empty", ""}} })},
		{"header value with colon", []string{"-H", "Link: <http://x/>; rel=preload"},
			with(func(c *config) { c.Headers = []header{{"Link", "<http://x/>; rel=preload"}} })},
		// Python 3.15's -H NAME VALUE, in every spelling of the flag,
		// mixed with the one-argument form and the port.
		{"header as two arguments", []string{"-H", "X-Test", "hello world", "9000", "--header", "X-B", "b:c", "-HX-C", "c", "--header=X-D", "", "-H", "X-E: e"},
			with(func(c *config) {
				c.Port = 9000
				c.Headers = []header{{"X-Test", "hello world"}, {"X-B", "b:c"}, {"X-C", "c"}, {"X-D", ""}, {"X-E", "e"}}
			})},
		// A value that looks like a negative number is a value, as
		// argparse takes it, in every spelling; the port after it too.
		{"header value a negative number", []string{"-H", "X-A", "-1", "--head", "X-B", "-2", "-HX-C", "-3", "--header=X-D", "-4", "9000"},
			with(func(c *config) {
				c.Port = 9000
				c.Headers = []header{{"X-A", "-1"}, {"X-B", "-2"}, {"X-C", "-3"}, {"X-D", "-4"}}
			})},
		// So is "-" alone, or a dash that starts words (argparse takes
		// an argument with a space for a value unless it starts with an
		// option's name).
		{"header value a dash or a phrase", []string{"-H", "X-A", "-", "-H", "X-B", "-- see /docs", "9000"},
			with(func(c *config) {
				c.Port = 9000
				c.Headers = []header{{"X-A", "-"}, {"X-B", "-- see /docs"}}
			})},
		{"after --, no header", []string{"--", "8080"}, with(func(c *config) { c.Port = 8080 })},
		{"log format json", []string{"--log-format", "json"}, with(func(c *config) { c.LogFormat = accesslog.JSON })},
		{"log format combined", []string{"--log-format=combined"}, with(func(c *config) { c.LogFormat = accesslog.Combined })},
		{"log file", []string{"--log-file", "access.log"}, with(func(c *config) { c.LogFile = "access.log" })},
		{"quiet", []string{"--quiet"}, with(func(c *config) { c.Quiet = true })},
		// The format of the diagnostics.
		{"quiet, json", []string{"--quiet", "--log-format", "json"}, with(func(c *config) { c.Quiet, c.LogFormat = true, accesslog.JSON })},
		// The failed-login limit sees the clients of the proxy.
		{"quiet, trusted proxy, auth", []string{"--quiet", "--trusted-proxy", "10.0.0.1", "--auth", "u:p"},
			with(func(c *config) {
				c.Quiet, c.TrustedProxies, c.AuthUsers = true, []string{"10.0.0.1"}, map[string]string{"u": "p"}
			})},
		{"symlinks inside", []string{"--symlinks", "inside"}, with(func(c *config) { c.Symlinks = fileserver.SymlinksInside })},
		{"symlinks never", []string{"--symlinks", "never"}, with(func(c *config) { c.Symlinks = fileserver.SymlinksNever })},
		{"symlinks follow", []string{"--symlinks", "follow"}, def},
		{"listing rich", []string{"--listing", "rich"}, with(func(c *config) { c.Listing = fileserver.ListingRich })},
		{"listing python", []string{"--listing=python"}, def},
		{"no listing, no sniff", []string{"--no-listing", "--no-sniff"},
			with(func(c *config) { c.NoListing, c.NoSniff = true, true })},
		{"index names in order", []string{"--index", "home.html", "--index", "index.txt"},
			with(func(c *config) { c.Index = []string{"home.html", "index.txt"} })},
		{"timeouts", []string{"--read-header-timeout", "2s", "--idle-timeout=1m30s", "--send-timeout", "5m"},
			with(func(c *config) {
				c.ReadHeaderTimeout, c.IdleTimeout, c.SendTimeout = 2*time.Second, 90*time.Second, 5*time.Minute
			})},
		{"no timeouts", []string{"--read-header-timeout", "0", "--idle-timeout", "0s", "--send-timeout=0"},
			with(func(c *config) { c.ReadHeaderTimeout, c.IdleTimeout, c.SendTimeout = 0, 0, 0 })},
		{"archive", []string{"--archive"}, with(func(c *config) { c.Archive = true })},
		{"archive with a limit", []string{"--archive-max", "2G", "--archive"},
			with(func(c *config) { c.Archive, c.ArchiveMax = true, 2<<30 })},
		// argparse takes a unique prefix of a long option's name.
		{"abbreviations", []string{"--dir", "site", "--bi=::1", "--prot", "HTTP/1.1", "--cg", "0"},
			with(func(c *config) { c.Port, c.Bind, c.Dir, c.Protocol, c.CGI = 0, "::1", "site", http11, true })},
		// Given with =, a value that looks like an option is a value, and
		// never expanded, as in argparse.
		{"an abbreviation as a value is a value", []string{"-d=--bi", "--directory=--dir", "0"},
			with(func(c *config) { c.Port, c.Dir = 0, "--dir" })},
		{"an option as a value after =", []string{"--log-file=--quiet", "--bind=--cgi", "-d=-x"},
			with(func(c *config) { c.LogFile, c.Bind, c.Dir = "--quiet", "--cgi", "-x" })},
		// In the next argument, argparse takes a value that starts with a
		// dash if it is a dash alone or holds a space.
		{"a value with a dash and a space", []string{"-d", "-my dir", "--log-file", "- x", "--cache-control", "-"},
			with(func(c *config) { c.Dir, c.LogFile, c.CacheControl = "-my dir", "- x", "-" })},
		{"a value that looks like a negative number", []string{"--directory", "-.5", "--log-file", "-1x"},
			with(func(c *config) { c.Dir, c.LogFile = "-.5", "-1x" })},
		{"an abbreviated -H", []string{"--head", "X-A", "b"}, with(func(c *config) { c.Headers = []header{{"X-A", "b"}} })},
		{"after --, not an option", []string{"--", "0"}, with(func(c *config) { c.Port = 0 })},
		{"a negative number as a value", []string{"-d", "-1", "9000"}, with(func(c *config) { c.Port, c.Dir = 9000, "-1" })},
		{"qr", []string{"--qr"}, with(func(c *config) { c.QR = true })},
		{"health", []string{"--health", "/healthz"}, with(func(c *config) { c.Health = "/healthz" })},
		{"health, deeper", []string{"--health=/-/ready.v1_~x"}, with(func(c *config) { c.Health = "/-/ready.v1_~x" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseArgs(tt.args)
			if err != nil {
				t.Fatalf("parseArgs(%q): %v", tt.args, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseArgs(%q) =\n%+v, want\n%+v", tt.args, got, tt.want)
			}
		})
	}
}

func TestParseArgsErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string // the whole message run prints after "simplehttp: "
	}{
		{"protocol HTTP/2", []string{"-p", "HTTP/2"}, `unsupported protocol "HTTP/2": want HTTP/1.0 or HTTP/1.1`},
		// Python would take any string; we serve only the two we implement.
		{"protocol lower case", []string{"--protocol", "http/1.1"}, `unsupported protocol "http/1.1": want HTTP/1.0 or HTTP/1.1`},
		{"protocol empty", []string{"-p", ""}, `unsupported protocol "": want HTTP/1.0 or HTTP/1.1`},
		{"port not a number", []string{"abc"}, `invalid port "abc"`},
		{"port with sign", []string{"+80"}, `invalid port "+80"`},
		{"port with spaces", []string{" 80"}, `invalid port " 80"`},
		// Python wraps 70000 round to 4464; we refuse it.
		{"port too high", []string{"70000"}, `invalid port "70000": must be 0-65535`},
		{"negative port after --", []string{"--", "-1"}, `invalid port "-1": must be 0-65535`},
		// argparse takes what looks like a negative number for the
		// port, with "--" or without.
		{"negative port", []string{"-1"}, `invalid port "-1": must be 0-65535`},
		{"negative port after flags", []string{"-b", "127.0.0.1", "-80", "-d", "site"}, `invalid port "-80": must be 0-65535`},
		{"negative zero", []string{"-0"}, `invalid port "-0": must be 0-65535`},
		{"negative fraction", []string{"-1.5"}, `invalid port "-1.5"`},
		{"negative fraction without a leading digit", []string{"-.5"}, `invalid port "-.5"`},
		{"negative number as a value", []string{"-d", "-1", "-2"}, `invalid port "-2": must be 0-65535`},
		{"negative port after a whole header", []string{"-H", "X-A: a", "-2"}, `invalid port "-2": must be 0-65535`},
		{"two ports", []string{"8000", "9000"}, `unrecognized arguments: 9000`},
		{"three ports", []string{"8000", "9000", "9001"}, `unrecognized arguments: 9000 9001`},
		{"unknown long flag", []string{"--cors"}, `unknown flag: --cors`},
		{"rich listing without listings", []string{"--listing", "rich", "--no-listing"}, `--listing rich with --no-listing: there is no listing`},
		// A front controller named as the --spa file would have its
		// source sent for every route, not be run.
		{"spa in cgi-bin", []string{"--cgi", "--spa", "cgi-bin/app.py"}, `--spa "cgi-bin/app.py" with --cgi: a file in a CGI directory is not run for other paths but sent as it is, its source to every client; keep the --spa file out of the CGI directories`},
		{"spa in htbin, below", []string{"--spa", "./htbin/sub/index.html", "--cgi"}, `--spa "htbin/sub/index.html" with --cgi: a file in a CGI directory is not run for other paths but sent as it is, its source to every client; keep the --spa file out of the CGI directories`},
		{"spa in cgi-bin, other case", []string{"--cgi", "--spa", "CGI-Bin/app.py"}, `--spa "CGI-Bin/app.py" with --cgi: a file in a CGI directory is not run for other paths but sent as it is, its source to every client; keep the --spa file out of the CGI directories`},
		{"ambiguous abbreviation", []string{"--p", "HTTP/1.1"}, `ambiguous option: --p could match --protocol, --precompressed`},
		{"abbreviation after --", []string{"--", "--dir"}, `invalid port "--dir"`},
		{"unknown short flag", []string{"-x"}, `unknown shorthand flag: 'x' in -x`},
		{"-d without value", []string{"-d"}, `flag needs an argument: 'd' in -d`},
		{"--bind without value", []string{"--bind"}, `flag needs an argument: --bind`},
		// argparse's "expected one argument": an option in the place of
		// a value is an option, and the value is missing.
		{"-d followed by an option", []string{"-d", "--cgi", "8000"}, `flag needs an argument: 'd' in -d`},
		{"--log-file followed by an option", []string{"--log-file", "--quiet"}, `flag needs an argument: --log-file`},
		{"abbreviated --bind followed by an option", []string{"--bi", "-d", "site"}, `flag needs an argument: --bind`},
		{"-b followed by an unknown option", []string{"-b", "-x"}, `flag needs an argument: 'b' in -b`},
		{"-d followed by --", []string{"-d", "--", "8000"}, `flag needs an argument: 'd' in -d`},
		{"-d followed by an abbreviation", []string{"-d", "--bi", "::1"}, `flag needs an argument: 'd' in -d`},
		{"-d followed by a header with a space", []string{"-d", "-HX-A: b"}, `flag needs an argument: 'd' in -d`},
		{"-d followed by --bind= with a space", []string{"-d", "--bind=a b"}, `flag needs an argument: 'd' in -d`},
		{"-H followed by an option", []string{"-H", "--cgi"}, `flag needs an argument: 'H' in -H`},
		{"empty directory", []string{"-d", ""}, `empty directory name for -d: leave -d out to serve the current directory`},
		{"empty --directory=", []string{"--directory=", "8080"}, `empty directory name for -d: leave -d out to serve the current directory`},
		// Python fails on it too (getaddrinfo finds no such host), where
		// "" would mean all interfaces.
		{"empty bind address", []string{"-b", ""}, `empty address for -b: leave -b out to listen on all interfaces`},
		// Python fails on it too; net would say "missing port in address".
		{"bind in brackets", []string{"-b", "[::1]", "8080"}, `invalid -b "[::1]": write an IPv6 address without brackets, like ::1`},
		{"bind in brackets with a zone", []string{"--bind=[fe80::1%eth0]"}, `invalid -b "[fe80::1%eth0]": write an IPv6 address without brackets, like ::1`},
		{"empty --bind=", []string{"--bind=", "8080"}, `empty address for -b: leave -b out to listen on all interfaces`},
		// Python's messages.
		{"key without cert", []string{"--tls-key", "k.pem"}, `--tls-key requires --tls-cert to be set`},
		{"password without cert", []string{"--tls-password-file", "pw"}, `--tls-password-file requires --tls-cert to be set`},
		{"reload without cert", []string{"--tls-reload"}, `--tls-reload requires --tls-cert to be set`},
		{"header without colon or value", []string{"-H", "X-Foo bar"}, `invalid -H "X-Foo bar": want -H 'Name: value' or -H NAME VALUE`},
		{"header name as two arguments, not a token", []string{"-H", "X Foo", "bar"}, `invalid -H "X Foo: bar": "X Foo" is not a header name`},
		{"-H without value", []string{"-H"}, `flag needs an argument: 'H' in -H`},
		{"-H NAME followed by an option", []string{"-H", "X-A", "-d", "site"}, `invalid -H "X-A": want -H 'Name: value' or -H NAME VALUE`},
		{"header with space in name", []string{"-H", "X Foo: bar"}, `invalid -H "X Foo: bar": "X Foo" is not a header name`},
		{"header with empty name", []string{"-H", ": bar"}, `invalid -H ": bar": "" is not a header name`},
		{"header with newline", []string{"-H", "X-A: a\r\nSet-Cookie: x"}, `invalid -H "X-A: a\r\nSet-Cookie: x": control character in the value`},
		{"cache-control with newline", []string{"--cache-control", "max-age=60\nX: y"}, `invalid --cache-control "max-age=60\nX: y": control character in the value, want one like max-age=60`},
		{"cache-control with escape", []string{"--cache-control", "max-age=60\x1b[2J"}, `invalid --cache-control "max-age=60\x1b[2J": control character in the value, want one like max-age=60`},
		{"cache-control with DEL", []string{"--cache-control", "no-cache\x7f"}, `invalid --cache-control "no-cache\x7f": control character in the value, want one like max-age=60`},
		{"header the server frames", []string{"-H", "content-length: 5"}, `invalid -H "content-length: 5": the server sets Content-Length itself`},
		{"header connection", []string{"-H", "Connection: keep-alive"}, `invalid -H "Connection: keep-alive": the server sets Connection itself`},
		// On every response it would mislabel listings, error pages and
		// plain files, and the file server would take it for a
		// compressor in front and leave Content-Length out of a HEAD.
		{"header content-encoding", []string{"-H", "content-encoding: gzip"}, `invalid -H "content-encoding: gzip": the server sets Content-Encoding on the responses it encodes; to serve name.gz, .br or .zst in place of name, use --precompressed`},
		{"header content-encoding as two arguments", []string{"-H", "Content-Encoding", "br"}, `invalid -H "Content-Encoding: br": the server sets Content-Encoding on the responses it encodes; to serve name.gz, .br or .zst in place of name, use --precompressed`},
		{"bad log format", []string{"--log-format", "apache"}, `invalid --log-format "apache": want python, common, combined or json`},
		{"bad symlinks", []string{"--symlinks", "yes"}, `invalid --symlinks "yes": want follow, inside or never`},
		{"bad listing", []string{"--listing", "fancy"}, `invalid --listing "fancy": want python or rich`},
		{"index with slash", []string{"--index", "a/index.html"}, `invalid --index "a/index.html": want a file name`},
		{"empty index", []string{"--index", ""}, `invalid --index "": want a file name`},
		{"index dot-dot", []string{"--index", ".."}, `invalid --index "..": want a file name`},
		{"negative idle timeout", []string{"--idle-timeout", "-1s"}, `invalid --idle-timeout -1s: want a duration of 0 or more, like 60s`},
		{"negative send timeout", []string{"--send-timeout", "-1m"}, `invalid --send-timeout -1m0s: want a duration of 0 or more, like 60s`},
		{"send timeout of nanoseconds", []string{"--send-timeout", "3ns"}, `invalid --send-timeout 3ns: want 0 (no limit) or at least 1ms, like 60s`},
		{"negative header timeout", []string{"--read-header-timeout=-5ms"}, `invalid --read-header-timeout -5ms: want a duration of 0 or more, like 10s`},
		{"log file with quiet", []string{"--quiet", "--log-file", "access.log"}, `--log-file with --quiet: there is no access log to write`},
		{"common log format with quiet", []string{"--quiet", "--log-format", "common"}, `--log-format common with --quiet: there is no access log to write`},
		{"combined log format with quiet", []string{"--log-format=combined", "--quiet"}, `--log-format combined with --quiet: there is no access log to write`},
		{"trusted proxy with quiet", []string{"--trusted-proxy", "10.0.0.0/8", "--quiet"}, `--trusted-proxy with --quiet and no --auth or --auth-file: there is no access log nor failed-login limit to see the clients`},
		{"archive-max without archive", []string{"--archive-max", "1G"}, `--archive-max requires --archive to be set`},
		{"archive without listing", []string{"--archive", "--no-listing"}, `--archive with --no-listing: an archive lists what its directory holds`},
		{"archive-max zero", []string{"--archive", "--archive-max", "0"}, `invalid argument "0" for "--archive-max" flag: invalid size "0": must be more than zero`},
		{"archive-max unit", []string{"--archive", "--archive-max", "1X"}, `invalid argument "1X" for "--archive-max" flag: invalid size "1X": unknown unit "X": want K, M, G or T (such as 500K, 1M, 2G)`},
		{"archive-max fraction", []string{"--archive", "--archive-max", "1.5G"}, `invalid argument "1.5G" for "--archive-max" flag: invalid size "1.5G": want a whole number with an optional unit K, M, G or T (such as 1536M for 1.5G)`},
		{"health relative", []string{"--health", "healthz"}, `invalid --health "healthz": want a path such as /healthz (a slash, then letters, digits and -._~/ only)`},
		{"health root", []string{"--health", "/"}, `invalid --health "/": want a path such as /healthz (a slash, then letters, digits and -._~/ only)`},
		{"health trailing slash", []string{"--health", "/healthz/"}, `invalid --health "/healthz/": want a path such as /healthz (a slash, then letters, digits and -._~/ only)`},
		{"health dot-dot", []string{"--health", "/a/../b"}, `invalid --health "/a/../b": want a path such as /healthz (a slash, then letters, digits and -._~/ only)`},
		{"health double slash", []string{"--health", "//healthz"}, `invalid --health "//healthz": want a path such as /healthz (a slash, then letters, digits and -._~/ only)`},
		{"health query", []string{"--health", "/healthz?x=1"}, `invalid --health "/healthz?x=1": want a path such as /healthz (a slash, then letters, digits and -._~/ only)`},
		{"health escaped", []string{"--health", "/health%7A"}, `invalid --health "/health%7A": want a path such as /healthz (a slash, then letters, digits and -._~/ only)`},
		{"health space", []string{"--health", "/health z"}, `invalid --health "/health z": want a path such as /healthz (a slash, then letters, digits and -._~/ only)`},
		// pflag's message (v1.1.0 and later; before, time.ParseDuration's).
		{"timeout without unit", []string{"--idle-timeout", "60"}, `invalid argument "60" for "--idle-timeout" flag: must be a duration like "30s" or "5m"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseArgs(tt.args)
			if err == nil {
				t.Fatalf("parseArgs(%q): no error, want %q", tt.args, tt.wantErr)
			}
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("parseArgs(%q): error %T, want *usageError", tt.args, err)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("parseArgs(%q): error %q, want %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

func TestParseArgsHelpAndVersion(t *testing.T) {
	// Also after an unknown flag, as argparse: python3 -m http.server
	// --bogus -h prints the help and exits 0.
	for _, args := range [][]string{{"-h"}, {"--help"}, {"8000", "-h"}, {"-d", "x", "--help", "9000"}, {"--version", "-h"},
		{"--bogus", "-h"}, {"-h", "--bogus"}, {"--bogus", "--hel"}} {
		if _, err := parseArgs(args); !errors.Is(err, errHelp) {
			t.Errorf("parseArgs(%q): error %v, want errHelp", args, err)
		}
	}
	// After "--", -h is the port, as in argparse.
	if _, err := parseArgs([]string{"--", "-h"}); errors.Is(err, errHelp) {
		t.Errorf(`parseArgs(["--" "-h"]): errHelp, want an invalid port`)
	}
	for _, args := range [][]string{{"--version"}, {"8000", "--version"}, {"--version", "-p", "HTTP/9"}} {
		if _, err := parseArgs(args); !errors.Is(err, errVersion) {
			t.Errorf("parseArgs(%q): error %v, want errVersion", args, err)
		}
	}
}

// TestUsageNamesEveryFlag keeps the hand-written usage text (argparse's
// layout) in step with the flags actually defined: each flag's names and
// help text appear in it (the help text folded over lines as argparse
// folds it), and in the usage line.
func TestUsageNamesEveryFlag(t *testing.T) {
	flat := strings.Join(strings.Fields(usage), " ")
	synopsis := strings.Join(strings.Fields(usage[:strings.Index(usage, "\n\n")]), " ")
	var cfg config
	var fv flagValues
	n := 0
	newFlagSet(&cfg, &fv).VisitAll(func(f *pflag.Flag) {
		n++
		names := "--" + f.Name
		if f.Shorthand != "" {
			names = "-" + f.Shorthand + ", " + names
		}
		for _, s := range []string{names, f.Usage} {
			if !strings.Contains(flat, s) {
				t.Errorf("usage does not mention %q of flag --%s", s, f.Name)
			}
		}
		short := "--" + f.Name
		if f.Shorthand != "" {
			short = "-" + f.Shorthand
		}
		if !strings.Contains(synopsis, "["+short+"]") && !strings.Contains(synopsis, "["+short+" ") {
			t.Errorf("usage line does not show %s", short)
		}
	})
	if got := strings.Count(flat, "--"); got < n {
		t.Errorf("usage mentions %d long flags, want %d", got, n)
	}
	// argparse's layout: the options come in the order of the usage line.
	opt := regexp.MustCompile(`(?m)^  (?:-\w, )?(--[a-z0-9-]+)`)
	synFlag := regexp.MustCompile(`\[(-{1,2}[a-zA-Z0-9-]+)`)
	var inUsage, inOptions []string
	for _, m := range synFlag.FindAllStringSubmatch(synopsis, -1) {
		inUsage = append(inUsage, m[1])
	}
	for _, m := range opt.FindAllStringSubmatch(usage, -1) {
		inOptions = append(inOptions, m[1])
	}
	long := map[string]string{"-h": "--help", "-b": "--bind", "-d": "--directory", "-p": "--protocol", "-H": "--header"}
	for i, s := range inUsage {
		if l, ok := long[s]; ok {
			inUsage[i] = l
		}
	}
	if !slices.Equal(inUsage, inOptions) {
		t.Errorf("the options are not listed in the order of the usage line:\nusage:   %q\noptions: %q", inUsage, inOptions)
	}
	// argparse's layout: no line is wider than 80 columns.
	for _, l := range strings.Split(usage, "\n") {
		if len(l) > 80 {
			t.Errorf("usage line longer than 80 columns: %q", l)
		}
	}
}

// TestREADMEFlagTable keeps the README's table of flags in step with the
// flags defined: a row for each flag but -h, with its short name, and no
// row for a flag that does not exist; a default shown as one value in
// backticks is the flag's own.
func TestREADMEFlagTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| (?:`-(\\w)`, )?`--([a-z-]+)[^`]*` \\|([^|]*)\\|")
	type doc struct{ short, def string }
	rows := map[string]doc{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		if _, dup := rows[m[2]]; dup {
			t.Errorf("README: two rows for --%s", m[2])
		}
		rows[m[2]] = doc{m[1], strings.TrimSpace(m[3])}
	}
	var cfg config
	var fv flagValues
	newFlagSet(&cfg, &fv).VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" {
			return
		}
		d, ok := rows[f.Name]
		delete(rows, f.Name)
		switch {
		case !ok:
			t.Errorf("README: no row for --%s", f.Name)
		case d.short != f.Shorthand:
			t.Errorf("README: --%s has short name %q, the flag %q", f.Name, d.short, f.Shorthand)
		case strings.Count(d.def, "`") == 2 && strings.HasPrefix(d.def, "`") && strings.HasSuffix(d.def, "`"):
			want := strings.Trim(d.def, "`")
			switch f.Value.Type() {
			case "string":
			case "duration":
				if dur, err := time.ParseDuration(want); err == nil {
					want = dur.String()
				}
			default:
				return // a value of its own type, whose default is set after parsing
			}
			if want != f.DefValue {
				t.Errorf("README: --%s defaults to %s, the flag to %q", f.Name, d.def, f.DefValue)
			}
		}
	})
	for name := range rows {
		t.Errorf("README: a row for --%s, which is no flag", name)
	}
}

// TestPythonDifferencesFlagList keeps the row "Flags Python lacks" of
// docs/python-differences.md in step with the flags defined: it names
// every flag that Python 3.14's `python3 -m http.server` (and 3.15's -H)
// does not have, and no other.
func TestPythonDifferencesFlagList(t *testing.T) {
	page, err := os.ReadFile("../../docs/python-differences.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| Flags Python lacks \| \| ([^|]*) \|`).FindSubmatch(page)
	if row == nil {
		t.Fatal(`docs/python-differences.md: no row "Flags Python lacks"`)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("`--([a-z0-9-]+)`").FindAllSubmatch(row[1], -1) {
		listed[string(m[1])] = true
	}
	python := map[string]bool{"help": true, "cgi": true, "bind": true, "directory": true, "protocol": true,
		"tls-cert": true, "tls-key": true, "tls-password-file": true, "header": true}
	var cfg config
	var fv flagValues
	newFlagSet(&cfg, &fv).VisitAll(func(f *pflag.Flag) {
		if python[f.Name] {
			return
		}
		if !listed[f.Name] {
			t.Errorf("docs/python-differences.md: Flags Python lacks does not name --%s", f.Name)
		}
		delete(listed, f.Name)
	})
	for name := range listed {
		t.Errorf("docs/python-differences.md: Flags Python lacks names --%s, which is no flag of ours alone", name)
	}
}
