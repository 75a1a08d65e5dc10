package main

import (
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/forwarded"
	"github.com/simplehttp/simplehttp/internal/urlpath"
)

// usage is the help text, laid out as Python 3.14's argparse prints
// `python3 -m http.server -h`: Python's options first, with Python's help
// texts, then ours. TestUsageNamesEveryFlag keeps it in step with the flags.
const usage = `usage: simplehttp [-h] [--cgi] [-b ADDRESS] [-d DIRECTORY] [-p VERSION]
                  [--tls-cert PATH] [--tls-key PATH]
                  [--tls-password-file PATH] [-H HEADER] [--tls-reload]
                  [--log-format FORMAT] [--log-file PATH] [--symlinks POLICY]
                  [--no-listing] [--no-sniff] [--index NAME] [--quiet]
                  [--read-header-timeout DURATION]
                  [--idle-timeout DURATION] [--send-timeout DURATION]
                  [--precompressed] [--compress]
                  [--cache-control VALUE] [--spa FILE] [--upload]
                  [--max-upload SIZE] [--upload-origin ORIGIN]
                  [--auth USER:PASSWORD]
                  [--auth-file FILE] [--auth-for SCOPE]
                  [--trusted-proxy ADDRESS] [--archive]
                  [--archive-max SIZE] [--qr] [--health PATH] [--listing STYLE]
                  [--version]
                  [port]

positional arguments:
  port                  bind to this port (default: 8000)

options:
  -h, --help            show this help message and exit
  --cgi                 run as CGI server
  -b, --bind ADDRESS    bind to this address (default: all interfaces)
  -d, --directory DIRECTORY
                        serve this directory (default: current directory)
  -p, --protocol VERSION
                        conform to this HTTP version (default: HTTP/1.0)
  --tls-cert PATH       path to the TLS certificate chain file
  --tls-key PATH        path to the TLS key file
  --tls-password-file PATH
                        path to the password file for the TLS key
  -H, --header HEADER   add a response header, 'Name: value' (or two
                        arguments, NAME VALUE), to every response (repeatable)
  --tls-reload          serve the certificate and key again when their files
                        change, as on a renewal (looked at, at most every 5
                        seconds, when a client connects); a new pair that
                        cannot be loaded is logged and the one loaded before
                        served on
  --log-format FORMAT   access log format: python, common, combined or json
                        (default: python)
  --log-file PATH       append the access log to this file (default: stderr;
                        SIGUSR1 opens it again, for a log rotation)
  --symlinks POLICY     symbolic links to follow: follow (all), inside (relative
                        ones that stay in the directory) or never (default:
                        follow)
  --no-listing          answer 404 for a directory without an index page
                        instead of listing it
  --no-sniff            serve files of unknown type as
                        application/octet-stream instead of sniffing them
  --index NAME          index page to look for in a directory (repeatable;
                        default: index.html, index.htm)
  --quiet               do not log requests
  --read-header-timeout DURATION
                        time a client has to send its request head, TLS
                        handshake included; over HTTP/2, the handshake only
                        (default: 10s; 0: no limit)
  --idle-timeout DURATION
                        close a keep-alive connection idle this long
                        (default: 60s; 0: no limit)
  --send-timeout DURATION
                        close a connection (reset an HTTP/2 stream) whose
                        client takes no byte of a response for this long
                        (default: 60s; 0: no limit)
  --precompressed       serve name.br, name.zst or name.gz in place of name
                        to clients that accept the coding
  --compress            compress text, scripts, JSON, SVG and the like once
                        per version of each file, and listings
  --cache-control VALUE
                        send Cache-Control: VALUE with every file, and
                        "public, max-age=31536000, immutable" (private when
                        --auth or --auth-file guards every request) with
                        names like app.3f9a2c1b.js
  --spa FILE            serve FILE (a name in the directory, such as
                        index.html) for paths that do not exist and have no
                        extension, to clients that take HTML
  --upload              accept files into the directory: PUT /path/name with
                        the file as the body, or POST from the form the
                        listing then shows; an existing name is never replaced
  --max-upload SIZE     refuse uploads larger than SIZE, like 500K, 100M or
                        2G (default: 1G)
  --upload-origin ORIGIN
                        also take browsers' uploads from pages of ORIGIN,
                        like https://files.example.com (repeatable; for a
                        proxy that changes Host, or one on this machine);
                        other sites' are refused
  --auth USER:PASSWORD  ask for HTTP Basic credentials; PASSWORD may be a
                        bcrypt hash (repeatable)
  --auth-file FILE      ask for HTTP Basic credentials, of the users of this
                        htpasswd file (bcrypt hashes only: htpasswd -B)
  --auth-for SCOPE      requests that need credentials: all, or write (every
                        method but GET, HEAD and OPTIONS) (default: all)
  --trusted-proxy ADDRESS
                        believe X-Forwarded-For from this reverse proxy, an
                        address or a CIDR prefix like 10.0.0.0/8: the access
                        log and the failed-login limit see its clients
                        (repeatable)
  --archive             let clients download a directory as one zip, tar.gz
                        or tar.zst file (?download=zip on its URL), with
                        buttons in the listing
  --archive-max SIZE    refuse archives of more than SIZE bytes of files
                        (such as 500M or 2G; default: no limit)
  --qr                  print a QR code of each URL the server can be reached
                        at, when standard output is a terminal
  --health PATH         answer GET PATH (such as /healthz) with 200 "ok",
                        without logging it or touching the disk
  --listing STYLE       directory listing: python (Python's list) or rich (a
                        table with sizes and dates, sortable, with a filter
                        box); a client that asks for application/json gets
                        it as JSON in either style (default: python)
  --version             show the version and exit
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
	CGI      bool

	TLSCert         string // "" means plain HTTP
	TLSKey          string // "" means the key is in TLSCert, as in Python
	TLSPasswordFile string // "" means the key is not encrypted
	TLSReload       bool   // read the TLS files again when they change

	Headers []header // from -H, in order

	LogFormat accesslog.Format
	LogFile   string // "" means stderr
	Quiet     bool   // no access log at all

	Symlinks  fileserver.SymlinkPolicy
	NoListing bool
	NoSniff   bool
	Index     []string // nil means fileserver's default

	ReadHeaderTimeout time.Duration // 0 means no limit
	IdleTimeout       time.Duration // 0 means no limit
	SendTimeout       time.Duration // 0 means no limit

	// Static assets, beyond Python.
	Precompressed bool   // name.br, name.zst, name.gz
	Compress      bool   // compress once per version
	CacheControl  string // "" means no Cache-Control
	SPA           string // the fallback file; "" means none

	// Uploads, beyond Python.
	Upload    bool
	MaxUpload int64 // 0 means fileserver's default
	// UploadOrigins are the --upload-origin values.
	UploadOrigins []string
	// Access control, beyond Python.
	AuthUsers map[string]string // from --auth: user -> password or bcrypt hash
	AuthFile  string            // htpasswd file; "" means none
	AuthFor   fileserver.AuthScope
	// TrustedProxies are the --trusted-proxy values: addresses or CIDR
	// prefixes whose X-Forwarded-For is believed.
	TrustedProxies []string
	// Downloads, startup and probes, beyond Python.
	Archive    bool   // ?download=zip|tar.gz|tar.zst on directories
	ArchiveMax int64  // bytes of files in one archive; 0 means no limit
	QR         bool   // QR codes of the URLs at startup, on a terminal
	Health     string // the health-check path; "" means none
	// The rich listing, beyond Python.
	Listing fileserver.ListingStyle
}

// header is one -H response header.
type header struct{ Name, Value string }

// errHelp and errVersion are returned by parseArgs for -h/--help and
// --version.
var (
	errHelp    = errors.New("help requested")
	errVersion = errors.New("version requested")
)

// usageError is a mistake on the command line; run exits 2 for it, as
// argparse does.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// flagValues holds the flags whose text is converted after parsing.
type flagValues struct {
	help, version bool
	logFormat     string
	symlinks      string
	headers       []string
	maxUpload     byteSize
	auth          []string
	authFor       string
	listing       string
}

// asksHelp reports whether args hold -h or --help before a "--".
func asksHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "--help":
			return true
		}
	}
	return false
}

// parseArgs parses the arguments after the program name. Flags may come
// before or after the port, as with argparse.
func parseArgs(args []string) (config, error) {
	cfg := config{Port: 8000}
	var fv flagValues
	fs := newFlagSet(&cfg, &fv)
	if err := parseFlags(fs, args); err != nil {
		return cfg, err
	}
	if fv.help {
		return cfg, errHelp
	}
	if fv.version {
		return cfg, errVersion
	}
	if err := parsePositionals(&cfg, fs.Args()); err != nil {
		return cfg, err
	}
	p := parsed{cfg: &cfg, fv: &fv, given: fs.Changed}
	for _, check := range checks {
		if err := check(p); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// parseFlags reads args into the flags of fs, argparse's way: long options
// abbreviated, -H in two arguments, -h acted on before an unknown flag is
// reported.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	args, err := expandAbbrevs(fs, args)
	if err != nil {
		return err
	}
	args, err = joinHeaderArgs(fs, args)
	if err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) || asksHelp(args) {
			// argparse acts on -h before it reports an unknown flag.
			return errHelp
		}
		return usagef("%v", err)
	}
	return nil
}

// parsePositionals reads what is left once the flags are parsed: the
// port, if any.
func parsePositionals(cfg *config, rest []string) error {
	switch len(rest) {
	case 0:
		return nil
	case 1:
		port, err := parsePort(rest[0])
		if err != nil {
			return err
		}
		cfg.Port = port
		return nil
	default:
		return usagef("unrecognized arguments: %s", strings.Join(rest[1:], " "))
	}
}

// parsed is the command line once the flag set has read it: the values,
// and whether a flag was given at all (by its long name), for the flags
// whose empty value means something else than leaving them out.
type parsed struct {
	cfg   *config
	fv    *flagValues
	given func(name string) bool
}

// checks convert and check the flags' values, completing the config, in
// the order their errors are reported: only the first is. Each says what
// is wrong with the flag as given, or with a combination of flags that
// would not do what it says.
var checks = []func(parsed) error{
	checkProtocol,
	checkBind,
	checkDirectory,
	checkTLS,
	convertHeaders,
	convertLog,
	convertSymlinks,
	convertListing,
	checkTimeouts,
	checkCacheControl,
	convertSPA,
	convertUpload,
	convertAuth,
	checkTrustedProxies,
	checkIndex,
	checkArchiveMax,
	checkNoListing,
	checkHealth,
}

func checkProtocol(p parsed) error {
	if proto := p.cfg.Protocol; proto != http10 && proto != http11 {
		return usagef("unsupported protocol %q: want %s or %s", proto, http10, http11)
	}
	return nil
}

func checkBind(p parsed) error {
	if p.given("bind") && p.cfg.Bind == "" {
		// "" would listen on all interfaces: an unset variable in
		// -b "$ADDR" must not expose the server, and Python refuses
		// it too (no such host).
		return usagef("empty address for -b: leave -b out to listen on all interfaces")
	}
	if strings.HasPrefix(p.cfg.Bind, "[") {
		// A URL's form of an IPv6 address, which Python does not take
		// either; listening would fail with "missing port in address".
		return usagef("invalid -b %q: write an IPv6 address without brackets, like ::1", p.cfg.Bind)
	}
	return nil
}

func checkDirectory(p parsed) error {
	if p.cfg.Dir == "" {
		return usagef("empty directory name for -d: leave -d out to serve the current directory")
	}
	return nil
}

// checkTLS makes Python's checks, with its messages.
func checkTLS(p parsed) error {
	if p.cfg.TLSCert != "" {
		return nil
	}
	switch {
	case p.cfg.TLSKey != "":
		return usagef("--tls-key requires --tls-cert to be set")
	case p.cfg.TLSPasswordFile != "":
		return usagef("--tls-password-file requires --tls-cert to be set")
	case p.cfg.TLSReload:
		return usagef("--tls-reload requires --tls-cert to be set")
	}
	return nil
}

func convertHeaders(p parsed) error {
	for _, s := range p.fv.headers {
		h, err := parseHeader(s)
		if err != nil {
			return err
		}
		p.cfg.Headers = append(p.cfg.Headers, h)
	}
	return nil
}

func convertLog(p parsed) error {
	cfg := p.cfg
	if err := cfg.LogFormat.UnmarshalText([]byte(p.fv.logFormat)); err != nil {
		return usagef("invalid --log-format %q: want python, common, combined or json", p.fv.logFormat)
	}
	if cfg.Quiet && cfg.LogFile != "" {
		// Not even the file would be made.
		return usagef("--log-file with --quiet: there is no access log to write")
	}
	if cfg.Quiet && (cfg.LogFormat == accesslog.Common || cfg.LogFormat == accesslog.Combined) {
		// python and json still pick the format of the diagnostics.
		return usagef("--log-format %s with --quiet: there is no access log to write", cfg.LogFormat)
	}
	return nil
}

func convertSymlinks(p parsed) error {
	if err := p.cfg.Symlinks.UnmarshalText([]byte(p.fv.symlinks)); err != nil {
		return usagef("invalid --symlinks %q: want follow, inside or never", p.fv.symlinks)
	}
	return nil
}

func convertListing(p parsed) error {
	if err := p.cfg.Listing.UnmarshalText([]byte(p.fv.listing)); err != nil {
		return usagef("invalid --listing %q: want python or rich", p.fv.listing)
	}
	return nil
}

func checkTimeouts(p parsed) error {
	for _, t := range []struct {
		name    string
		d       time.Duration
		example string
	}{
		{"--read-header-timeout", p.cfg.ReadHeaderTimeout, "10s"},
		{"--idle-timeout", p.cfg.IdleTimeout, "60s"},
		{"--send-timeout", p.cfg.SendTimeout, "60s"},
	} {
		if t.d < 0 {
			return usagef("invalid %s %v: want a duration of 0 or more, like %s", t.name, t.d, t.example)
		}
	}
	if d := p.cfg.SendTimeout; d > 0 && d < time.Millisecond {
		// A blocked write looks for progress every quarter of it:
		// below a few nanoseconds that is never, and every write fails.
		return usagef("invalid --send-timeout %v: want 0 (no limit) or at least 1ms, like 60s", d)
	}
	return nil
}

func checkCacheControl(p parsed) error {
	if hasControl(p.cfg.CacheControl) {
		return usagef("invalid --cache-control %q: control character in the value, want one like max-age=60", p.cfg.CacheControl)
	}
	return nil
}

func convertSPA(p parsed) error {
	if p.cfg.SPA == "" {
		return nil
	}
	p.cfg.SPA = strings.TrimPrefix(p.cfg.SPA, "./")
	if !iofs.ValidPath(p.cfg.SPA) || p.cfg.SPA == "." {
		return usagef("invalid --spa %q: want the name of a file in the directory, like index.html", p.cfg.SPA)
	}
	if p.cfg.CGI && inCGIDir(p.cfg.SPA) {
		// The file server sends the --spa file as it is, for every
		// route: a script there (a front controller) would not run
		// but have its source, and whatever secrets it holds, sent to
		// every client.
		return usagef("--spa %q with --cgi: a file in a CGI directory is not run for other paths but sent as it is, its source to every client; keep the --spa file out of the CGI directories", p.cfg.SPA)
	}
	return nil
}

// inCGIDir reports whether name, a valid fs.FS name, is in a CGI
// directory (or below it), as the cgi middleware matches a path: in any
// letter case.
func inCGIDir(name string) bool {
	first, _, more := strings.Cut(name, "/")
	if !more {
		return false
	}
	for _, d := range cgiDirs {
		if strings.EqualFold(first, strings.TrimPrefix(d, "/")) {
			return true
		}
	}
	return false
}

func convertUpload(p parsed) error {
	cfg := p.cfg
	if p.fv.maxUpload != 0 && !cfg.Upload {
		return usagef("--max-upload requires --upload to be set")
	}
	cfg.MaxUpload = int64(p.fv.maxUpload)
	if cfg.UploadOrigins != nil && !cfg.Upload {
		return usagef("--upload-origin requires --upload to be set")
	}
	for _, o := range cfg.UploadOrigins {
		if _, ok := urlpath.Origin(o); !ok {
			if strings.IndexFunc(o, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0 {
				return usagef("invalid --upload-origin %q: give the host in its punycode form (xn--...), as browsers send it", o)
			}
			return usagef("invalid --upload-origin %q: want scheme://host[:port], like https://files.example.com", o)
		}
	}
	return nil
}

func convertAuth(p parsed) error {
	cfg := p.cfg
	if p.given("auth-file") && cfg.AuthFile == "" {
		// "" would mean no file, and so no passwords at all: an unset
		// variable in --auth-file "$FILE" must not serve every client.
		return usagef("invalid --auth-file \"\": want the name of an htpasswd file")
	}
	if err := parseAuth(cfg, p.fv.auth); err != nil {
		return err
	}
	if err := cfg.AuthFor.UnmarshalText([]byte(p.fv.authFor)); err != nil {
		return usagef("invalid --auth-for %q: want all or write", p.fv.authFor)
	}
	if p.given("auth-for") && !cfg.authOn() {
		return usagef("--auth-for requires --auth or --auth-file to be set")
	}
	if cfg.AuthFor == fileserver.AuthWrites && !cfg.Upload && !cfg.CGI {
		// Every method but GET, HEAD and OPTIONS is answered 501 then:
		// the credentials would guard nothing.
		return usagef("--auth-for write without --upload or --cgi: nothing can be written, so no request would need credentials")
	}
	return nil
}

func checkTrustedProxies(p parsed) error {
	for _, proxy := range p.cfg.TrustedProxies {
		if _, err := forwarded.Parse([]string{proxy}); err != nil {
			return usagef("invalid --trusted-proxy %q: want an address or a CIDR prefix, like 127.0.0.1 or 10.0.0.0/8", proxy)
		}
	}
	if p.cfg.TrustedProxies != nil && p.cfg.Quiet && !p.cfg.authOn() {
		// X-Forwarded-For gives the address of the access log and of
		// the failed-login limit only.
		return usagef("--trusted-proxy with --quiet and no --auth or --auth-file: there is no access log nor failed-login limit to see the clients")
	}
	return nil
}

func checkIndex(p parsed) error {
	for _, name := range p.cfg.Index {
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
			return usagef("invalid --index %q: want a file name", name)
		}
	}
	return nil
}

func checkArchiveMax(p parsed) error {
	if p.cfg.ArchiveMax != 0 && !p.cfg.Archive {
		return usagef("--archive-max requires --archive to be set")
	}
	return nil
}

// checkNoListing refuses the flags that need a listing with --no-listing.
func checkNoListing(p parsed) error {
	cfg := p.cfg
	if cfg.Listing != fileserver.ListingPython && cfg.NoListing {
		return usagef("--listing %s with --no-listing: there is no listing", p.fv.listing)
	}
	if cfg.Archive && cfg.NoListing {
		return usagef("--archive with --no-listing: an archive lists what its directory holds")
	}
	return nil
}

func checkHealth(p parsed) error {
	if p.cfg.Health != "" && !validHealthPath(p.cfg.Health) {
		return usagef("invalid --health %q: want a path such as /healthz (a slash, then letters, digits and -._~/ only)", p.cfg.Health)
	}
	return nil
}

// newFlagSet defines the flags, with their defaults, on cfg and fv.
func newFlagSet(cfg *config, fv *flagValues) *pflag.FlagSet {
	fs := pflag.NewFlagSet("simplehttp", pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // run prints errors itself, on one line
	fs.Usage = func() {}
	fs.SetInterspersed(true) // flags after the port, as argparse allows
	fs.SortFlags = false

	// Python's options.
	fs.BoolVarP(&fv.help, "help", "h", false, "show this help message and exit")
	fs.BoolVar(&cfg.CGI, "cgi", false, "run as CGI server")
	fs.StringVarP(&cfg.Bind, "bind", "b", "", "bind to this address (default: all interfaces)")
	fs.StringVarP(&cfg.Dir, "directory", "d", ".", "serve this directory (default: current directory)")
	fs.StringVarP(&cfg.Protocol, "protocol", "p", http10, "conform to this HTTP version (default: HTTP/1.0)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "path to the TLS certificate chain file")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "path to the TLS key file")
	fs.StringVar(&cfg.TLSPasswordFile, "tls-password-file", "", "path to the password file for the TLS key")
	// A StringArray, not a StringSlice: header values contain commas.
	fs.StringArrayVarP(&fv.headers, "header", "H", nil, "add a response header, 'Name: value' (or two arguments, NAME VALUE), to every response (repeatable)")

	// Ours.
	fs.BoolVar(&cfg.TLSReload, "tls-reload", false, "serve the certificate and key again when their files change, as on a renewal (looked at, at most every 5 seconds, when a client connects); a new pair that cannot be loaded is logged and the one loaded before served on")
	fs.StringVar(&fv.logFormat, "log-format", "python", "access log format: python, common, combined or json (default: python)")
	fs.StringVar(&cfg.LogFile, "log-file", "", "append the access log to this file (default: stderr; SIGUSR1 opens it again, for a log rotation)")
	fs.StringVar(&fv.symlinks, "symlinks", "follow", "symbolic links to follow: follow (all), inside (relative ones that stay in the directory) or never (default: follow)")
	fs.BoolVar(&cfg.NoListing, "no-listing", false, "answer 404 for a directory without an index page instead of listing it")
	fs.BoolVar(&cfg.NoSniff, "no-sniff", false, "serve files of unknown type as application/octet-stream instead of sniffing them")
	fs.StringArrayVar(&cfg.Index, "index", nil, "index page to look for in a directory (repeatable; default: index.html, index.htm)")
	fs.BoolVar(&cfg.Quiet, "quiet", false, "do not log requests")
	fs.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "time a client has to send its request head, TLS handshake included; over HTTP/2, the handshake only (default: 10s; 0: no limit)")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", 60*time.Second, "close a keep-alive connection idle this long (default: 60s; 0: no limit)")
	fs.DurationVar(&cfg.SendTimeout, "send-timeout", writeStallTimeout, "close a connection (reset an HTTP/2 stream) whose client takes no byte of a response for this long (default: 60s; 0: no limit)")
	fs.BoolVar(&cfg.Precompressed, "precompressed", false, "serve name.br, name.zst or name.gz in place of name to clients that accept the coding")
	fs.BoolVar(&cfg.Compress, "compress", false, "compress text, scripts, JSON, SVG and the like once per version of each file, and listings")
	fs.StringVar(&cfg.CacheControl, "cache-control", "", `send Cache-Control: VALUE with every file, and "public, max-age=31536000, immutable" (private when --auth or --auth-file guards every request) with names like app.3f9a2c1b.js`)
	fs.StringVar(&cfg.SPA, "spa", "", "serve FILE (a name in the directory, such as index.html) for paths that do not exist and have no extension, to clients that take HTML")
	fs.BoolVar(&cfg.Upload, "upload", false, "accept files into the directory: PUT /path/name with the file as the body, or POST from the form the listing then shows; an existing name is never replaced")
	fs.Var(&fv.maxUpload, "max-upload", "refuse uploads larger than SIZE, like 500K, 100M or 2G (default: 1G)")
	fs.StringArrayVar(&cfg.UploadOrigins, "upload-origin", nil, "also take browsers' uploads from pages of ORIGIN, like https://files.example.com (repeatable; for a proxy that changes Host, or one on this machine); other sites' are refused")
	// A StringArray, not a StringSlice: passwords contain commas.
	fs.StringArrayVar(&fv.auth, "auth", nil, "ask for HTTP Basic credentials; PASSWORD may be a bcrypt hash (repeatable)")
	fs.StringVar(&cfg.AuthFile, "auth-file", "", "ask for HTTP Basic credentials, of the users of this htpasswd file (bcrypt hashes only: htpasswd -B)")
	fs.StringVar(&fv.authFor, "auth-for", "all", "requests that need credentials: all, or write (every method but GET, HEAD and OPTIONS) (default: all)")
	fs.StringArrayVar(&cfg.TrustedProxies, "trusted-proxy", nil, "believe X-Forwarded-For from this reverse proxy, an address or a CIDR prefix like 10.0.0.0/8: the access log and the failed-login limit see its clients (repeatable)")
	fs.BoolVar(&cfg.Archive, "archive", false, "let clients download a directory as one zip, tar.gz or tar.zst file (?download=zip on its URL), with buttons in the listing")
	fs.Var((*byteSize)(&cfg.ArchiveMax), "archive-max", "refuse archives of more than SIZE bytes of files (such as 500M or 2G; default: no limit)")
	fs.BoolVar(&cfg.QR, "qr", false, "print a QR code of each URL the server can be reached at, when standard output is a terminal")
	fs.StringVar(&cfg.Health, "health", "", `answer GET PATH (such as /healthz) with 200 "ok", without logging it or touching the disk`)
	fs.BoolVar(&fv.version, "version", false, "show the version and exit")
	fs.StringVar(&fv.listing, "listing", "python", "directory listing: python (Python's list) or rich (a table with sizes and dates, sortable, with a filter box); a client that asks for application/json gets it as JSON in either style (default: python)")
	return fs
}

// joinHeaderArgs turns Python 3.15's two-argument form of -H, "-H NAME
// VALUE", into the one-argument form, "-H 'NAME: VALUE'": a value of -H
// (-H X, --header X, -HX or --header=X) without a colon takes the next
// argument as its value, unless argparse would take that for an option
// (see takenForOption: "-" alone, a negative number or "-a b" is a value).
// Arguments after "--" are left alone.
func joinHeaderArgs(fs *pflag.FlagSet, args []string) ([]string, error) {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...), nil
		}
		var name string
		switch {
		case a == "-H" || a == "--header":
			if i+1 == len(args) {
				return append(out, a), nil // pflag reports the missing value
			}
			i++
			name = args[i]
		default:
			var ok bool
			if name, ok = inlineHeader(a); !ok {
				out = append(out, a)
				continue
			}
		}
		if !strings.Contains(name, ":") {
			// Like argparse, a value is never what it takes for
			// an option: that is the next option.
			if i+1 == len(args) || takenForOption(fs, args[i+1]) {
				return nil, usagef("invalid -H %q: want -H 'Name: value' or -H NAME VALUE", name)
			}
			i++
			name += ": " + args[i]
		}
		out = append(out, "--header="+name)
	}
	return out, nil
}

// negativeNumber reports whether a looks like a negative number, which
// argparse takes for a value or a positional, never for an option: a dash,
// then a digit or a point and a digit ("-1", "-1s", "-.5"), as Python
// 3.14's argparse tells them.
func negativeNumber(a string) bool {
	digits := strings.TrimPrefix(strings.TrimPrefix(a, "-"), ".")
	return a != "" && a[0] == '-' && digits != "" && '0' <= digits[0] && digits[0] <= '9'
}

// headerNameBefore reports whether args end in a -H whose value is a name
// alone (-H NAME, --header NAME, -HNAME, --header=NAME), which takes the
// next argument as its value (see joinHeaderArgs).
func headerNameBefore(args []string) bool {
	n := len(args)
	if n == 0 {
		return false
	}
	name, ok := inlineHeader(args[n-1])
	if n >= 2 && (args[n-2] == "-H" || args[n-2] == "--header") {
		name, ok = args[n-1], true
	}
	return ok && !strings.Contains(name, ":")
}

// inlineHeader returns the value of a -H given in the same argument
// (--header=VALUE, -HVALUE).
func inlineHeader(a string) (string, bool) {
	if v, ok := strings.CutPrefix(a, "--header="); ok {
		return v, true
	}
	if len(a) > 2 && strings.HasPrefix(a, "-H") {
		return a[2:], true
	}
	return "", false
}

// expandAbbrevs replaces each long option given by a prefix of its name
// with the option itself, as argparse accepts "--dir" for "--directory"
// and "--bi" for "--bind": a prefix that starts the names of several
// options is refused with argparse's message, and one that starts no
// name is left for the flag set to report. The value of an option that
// takes one, and everything after "--", is never taken for an option;
// but an option's value in the next argument must not look like an
// option (see takenForOption), which argparse refuses too.
// An argument that looks like a negative number is the port, as in
// argparse, and so an invalid one.
func expandAbbrevs(fs *pflag.FlagSet, args []string) ([]string, error) {
	out := slices.Clone(args)
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		var f *pflag.Flag
		switch {
		case strings.HasPrefix(a, "--"):
			name, value, hasValue := strings.Cut(a[2:], "=")
			var err error
			f, err = longFlag(fs, name)
			if err != nil {
				return nil, err
			}
			if f == nil {
				continue
			}
			out[i] = "--" + f.Name
			if hasValue {
				out[i] += "=" + value
				continue
			}
		case negativeNumber(a):
			if headerNameBefore(out[:i]) {
				continue // the value of -H NAME VALUE
			}
			// argparse takes an argument that looks like a negative
			// number for a positional, the port, where pflag would take
			// it for short flags ("unknown shorthand flag: '1'").
			_, err := parsePort(a)
			return nil, err
		case len(a) == 2 && a[0] == '-' && a[1] != '-':
			if f = fs.ShorthandLookup(a[1:]); f == nil {
				continue
			}
		default:
			continue
		}
		if f.NoOptDefVal == "" {
			i++ // its value
			if i < len(out) && takenForOption(fs, out[i]) {
				// argparse's "expected one argument": -d --cgi is a
				// -d without its directory, not a directory "--cgi".
				return nil, needsArgument(f, a)
			}
		}
	}
	return out, nil
}

// takenForOption reports whether argparse takes the argument a for an
// option, and so not for the value of the option before it: a dash and
// more ("--", "-x", "--cgi"), unless it looks like a negative number
// ("-1") or holds a space and does not start with the name of an option
// ("-my dir", but not "--bind=a b").
func takenForOption(fs *pflag.FlagSet, a string) bool {
	if len(a) < 2 || a[0] != '-' || negativeNumber(a) {
		return false
	}
	if !strings.Contains(a, " ") {
		return true
	}
	if name, ok := strings.CutPrefix(a, "--"); ok {
		name, _, _ = strings.Cut(name, "=")
		f, err := longFlag(fs, name)
		return f != nil || err != nil
	}
	return fs.ShorthandLookup(a[1:2]) != nil
}

// needsArgument is the flag set's error for an option given as the last
// argument, written as arg, for one whose value is missing.
func needsArgument(f *pflag.Flag, arg string) error {
	if !strings.HasPrefix(arg, "--") {
		return usagef("flag needs an argument: '%s' in -%s", f.Shorthand, f.Shorthand)
	}
	return usagef("flag needs an argument: --%s", f.Name)
}

// longFlag returns the flag named name, or else the one flag whose name
// starts with it, or nil when none does. A prefix of several names is
// refused with argparse's message.
func longFlag(fs *pflag.FlagSet, name string) (*pflag.Flag, error) {
	if f := fs.Lookup(name); f != nil {
		return f, nil
	}
	var matches []*pflag.Flag
	fs.VisitAll(func(g *pflag.Flag) {
		if !g.Hidden && strings.HasPrefix(g.Name, name) {
			matches = append(matches, g)
		}
	})
	switch len(matches) {
	case 0:
		return nil, nil
	case 1:
		return matches[0], nil
	}
	names := make([]string, len(matches))
	for j, g := range matches {
		names[j] = "--" + g.Name
	}
	return nil, usagef("ambiguous option: %s could match %s", "--"+name, strings.Join(names, ", "))
}

// parsePort accepts a decimal port number from 0 to 65535. Python's int()
// also takes "+80", "-0" and "8_000", and wraps 70000 round to 4464; we
// don't.
func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || strings.HasPrefix(s, "+") {
		return 0, usagef("invalid port %q", s)
	}
	if n < 0 || n > 65535 || strings.HasPrefix(s, "-") {
		return 0, usagef("invalid port %q: must be 0-65535", s)
	}
	return n, nil
}
