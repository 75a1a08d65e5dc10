package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// usage mirrors the help text of `python3 -m http.server -h` (argparse),
// less the options we do not have yet.
const usage = `usage: simplehttp [-h] [-b ADDRESS] [-d DIRECTORY] [-p VERSION] [port]

positional arguments:
  port                  bind to this port (default: 8000)

options:
  -h, --help            show this help message and exit
  -b ADDRESS, --bind ADDRESS
                        bind to this address (default: all interfaces)
  -d DIRECTORY, --directory DIRECTORY
                        serve this directory (default: current directory)
  -p VERSION, --protocol VERSION
                        conform to this HTTP version (default: HTTP/1.0)
`

// The HTTP versions -p accepts.
const (
	http10 = "HTTP/1.0"
	http11 = "HTTP/1.1"
)

// config is the parsed command line.
type config struct {
	Port     int    // 0 picks a free port
	Bind     string // "" means all interfaces, IPv4 and IPv6 together
	Dir      string // never empty: "." when -d is not given
	Protocol string // http10 or http11
}

// errHelp is returned by parseArgs for -h/--help.
var errHelp = errors.New("help requested")

// usageError is a mistake on the command line; run exits 2 for it, as
// argparse does.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// parseArgs parses the arguments after the program name. Flags may come
// before or after the port, as with argparse.
func parseArgs(args []string) (config, error) {
	cfg := config{Port: 8000}
	var help bool
	fs := newFlagSet(&cfg, &help)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return cfg, errHelp
		}
		return cfg, usagef("%v", err)
	}
	if help {
		return cfg, errHelp
	}

	switch rest := fs.Args(); len(rest) {
	case 0:
	case 1:
		port, err := parsePort(rest[0])
		if err != nil {
			return cfg, err
		}
		cfg.Port = port
	default:
		return cfg, usagef("unrecognized arguments: %s", strings.Join(rest[1:], " "))
	}

	if cfg.Protocol != http10 && cfg.Protocol != http11 {
		return cfg, usagef("unsupported protocol %q: want %s or %s", cfg.Protocol, http10, http11)
	}
	if cfg.Dir == "" {
		return cfg, usagef("empty directory name")
	}
	return cfg, nil
}

// newFlagSet defines the flags, with their defaults, on cfg and help.
func newFlagSet(cfg *config, help *bool) *pflag.FlagSet {
	fs := pflag.NewFlagSet("simplehttp", pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // run prints errors itself, on one line
	fs.Usage = func() {}
	fs.SetInterspersed(true) // flags after the port, as argparse allows
	fs.BoolVarP(help, "help", "h", false, "show this help message and exit")
	fs.StringVarP(&cfg.Bind, "bind", "b", "", "bind to this address (default: all interfaces)")
	fs.StringVarP(&cfg.Dir, "directory", "d", ".", "serve this directory (default: current directory)")
	fs.StringVarP(&cfg.Protocol, "protocol", "p", http10, "conform to this HTTP version")
	return fs
}

// parsePort accepts a decimal port number from 0 to 65535. Python's int()
// also takes "+80" and "8_000", and wraps 70000 round to 4464; we don't.
func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || strings.HasPrefix(s, "+") {
		return 0, usagef("invalid port %q", s)
	}
	if n < 0 || n > 65535 {
		return 0, usagef("invalid port %q: must be 0-65535", s)
	}
	return n, nil
}
