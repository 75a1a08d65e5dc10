package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestParseArgs(t *testing.T) {
	def := config{Port: 8000, Bind: "", Dir: ".", Protocol: http10}
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
			config{Port: 9000, Bind: "127.0.0.1", Dir: "site", Protocol: http11}},
		{"flags after port", []string{"9000", "-b", "127.0.0.1", "-d", "site", "-p", "HTTP/1.1"},
			config{Port: 9000, Bind: "127.0.0.1", Dir: "site", Protocol: http11}},
		{"flags around port", []string{"-b", "::1", "9000", "--directory", "site"},
			with(func(c *config) { c.Port, c.Bind, c.Dir = 9000, "::1", "site" })},
		{"long flags with =", []string{"--bind=::1", "--directory=site", "--protocol=HTTP/1.1", "0"},
			config{Port: 0, Bind: "::1", Dir: "site", Protocol: http11}},
		// pflag reads the rest of a short flag as its value, as argparse does.
		{"short flag glued to value", []string{"-b::1", "-dsite"},
			with(func(c *config) { c.Bind, c.Dir = "::1", "site" })},
		{"explicit HTTP/1.0", []string{"-p", "HTTP/1.0"}, def},
		{"port after --", []string{"-b", "127.0.0.1", "--", "8080"},
			with(func(c *config) { c.Port, c.Bind = 8080, "127.0.0.1" })},
		{"last flag wins", []string{"-d", "a", "-d", "b"}, with(func(c *config) { c.Dir = "b" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseArgs(tt.args)
			if err != nil {
				t.Fatalf("parseArgs(%q): %v", tt.args, err)
			}
			if got != tt.want {
				t.Errorf("parseArgs(%q) = %+v, want %+v", tt.args, got, tt.want)
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
		// Without "--" a negative port reads as a flag, as in argparse.
		{"negative port", []string{"-1"}, `unknown shorthand flag: '1' in -1`},
		{"two ports", []string{"8000", "9000"}, `unrecognized arguments: 9000`},
		{"three ports", []string{"8000", "9000", "9001"}, `unrecognized arguments: 9000 9001`},
		{"unknown long flag", []string{"--cgi"}, `unknown flag: --cgi`},
		{"unknown short flag", []string{"-x"}, `unknown shorthand flag: 'x' in -x`},
		{"-d without value", []string{"-d"}, `flag needs an argument: 'd' in -d`},
		{"--bind without value", []string{"--bind"}, `flag needs an argument: --bind`},
		{"empty directory", []string{"-d", ""}, `empty directory name`},
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

func TestParseArgsHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"8000", "-h"}, {"-d", "x", "--help", "9000"}} {
		if _, err := parseArgs(args); !errors.Is(err, errHelp) {
			t.Errorf("parseArgs(%q): error %v, want errHelp", args, err)
		}
	}
}

// TestUsageNamesEveryFlag keeps the hand-written usage text (argparse's
// layout) in step with the flags actually defined.
func TestUsageNamesEveryFlag(t *testing.T) {
	var cfg config
	var help bool
	newFlagSet(&cfg, &help).VisitAll(func(f *pflag.Flag) {
		for _, s := range []string{"-" + f.Shorthand, "--" + f.Name, f.Usage} {
			if !strings.Contains(usage, s) {
				t.Errorf("usage does not mention %q of flag --%s", s, f.Name)
			}
		}
	})
}
