// Simplehttp serves a directory over HTTP, as `python3 -m http.server` does.
//
// Usage:
//
//	simplehttp [port] [-b ADDRESS] [-d DIRECTORY] [-p VERSION] [--cgi]
//	           [--tls-cert PATH [--tls-key PATH] [--tls-password-file PATH]
//	           [--tls-reload]]
//	           [-H 'Name: value']... [--log-format FORMAT] [--log-file PATH]
//	           [--symlinks follow|inside|never] [--no-listing] [--no-sniff]
//	           [--index NAME]... [--quiet] [--version]
//	           [--read-header-timeout DURATION] [--idle-timeout DURATION]
//	           [--send-timeout DURATION]
//	           [--precompressed] [--compress] [--cache-control VALUE] [--spa FILE]
//	           [--upload [--max-upload SIZE] [--upload-origin ORIGIN]...]
//	           [--auth USER:PASSWORD]... [--auth-file FILE] [--auth-for all|write]
//	           [--trusted-proxy ADDRESS]...
//	           [--archive [--archive-max SIZE]] [--qr] [--health PATH]
//	           [--listing python|rich]
//
// Python 3.14's options keep its spelling and defaults: the port defaults
// to 8000 (0 picks a free one); -b/--bind to all interfaces, IPv4 and IPv6
// together; -d/--directory to the current directory; -p/--protocol is
// HTTP/1.0 (one request per HTTP/1.x connection, the default) or HTTP/1.1
// (keep-alive). --cgi runs the scripts under /cgi-bin and /htbin (package
// cgi). --tls-cert serves HTTPS, and HTTP/2 to clients that ask for it;
// the key is in --tls-key or in the certificate file, and may be encrypted
// (PKCS#8 or legacy PEM) with the password in --tls-password-file; they
// are read once, as Python reads them, or with --tls-reload again when
// they change (looked at, at most every 5 seconds, at a handshake; a new
// pair that does not load, match and hold now is logged once, and the
// old one served on; with --upload, one of the files in the served
// directory, where a client could upload its own at the name, stops it
// at startup). -H adds
// a header to every response (Python 3.15). --auth and --auth-file ask for
// HTTP Basic credentials (bcrypt hashes, or passwords given on the command
// line), of every request or with --auth-for write only of those that may
// change something; over plain HTTP on an address other than loopback, a
// warning on stderr says that passwords cross the network in clear text,
// and an --auth-file that the server would serve stops it at startup (in
// the served directory or below it, or a link there to the file; not a
// link there to a directory that holds it, nor a hard link).
// Flags may come before or after the port; -h lists them all.
//
// --listing rich lists directories as a sortable table with sizes and
// modification times, breadcrumbs and a filter box (see package
// fileserver, "Rich listing") instead of Python's list.
//
// Like Python, it prints
//
//	Serving HTTP on HOST port PORT (http://URLHOST:PORT/) ...
//
// on startup (HTTPS and https:// with TLS), logs each request on stderr in
// Python's format (or --log-format common, combined, json; to --log-file,
// created again under its name when it is removed or renamed by a log
// rotation, and at once on SIGUSR1; one in the served directory, or a
// link to a file there, stops it at startup with --upload, which could
// create it first; none with
// --quiet), in local time (TZ may be a POSIX rule such as "JST-9", as
// for Python), and on Ctrl-C or
// SIGTERM writes the log lines it holds, prints "Keyboard interrupt received, exiting." and exits 0, after
// letting requests in flight finish for up to 10 seconds (and with status
// 1 15 seconds after the signal if it is still held up, by a stderr nobody
// reads for one); at once if it is still starting (held up, say, by a
// FIFO given as --tls-cert). SIGHUP kills it, as it kills Python's, once
// the log lines it holds are written. Clients get 10
// seconds to send their request head, idle keep-alive connections are
// closed after 60 seconds, and a client
// that stops reading a response for 60 seconds (--send-timeout) is
// disconnected, or over HTTP/2 has that stream reset (a slow one never
// is over HTTP/1.x; over HTTP/2 a stream must take each 32 KiB write
// within the timeout, about 550 bytes a second). Errors are one line on
// stderr and a non-zero exit status: 2 for a bad command line, 1 for
// anything else.
//
// # The handler
//
// The handler is the module's reference composition, a chi.Chain (see
// newHandler):
//
//	accesslog → errorpage → cgi (with --cgi) → fileserver
//
// plus two small pieces of the command's own: the -H headers, set between
// accesslog and errorpage so that error pages keep them all (a -H
// Cache-Control too), and Python's 414 and 431 limits on the request head
// (and its 505 for the HTTP/2 preface sent in the clear), between
// errorpage and cgi; with --auth or --auth-file, fileserver's
// BasicAuth comes just after errorpage, so that its 401 and 429 pages
// carry the -H headers, are rendered by errorpage and logged, and nothing
// behind it runs for a request without credentials.
// With --health PATH, the probe's path is answered in front of it all,
// so that probes are neither logged nor sent to the disk.
//
// Beyond Python, all off by default: --archive lets a directory be
// downloaded as one zip, tar.gz or tar.zst file (fileserver's
// Options.Archive), up to --archive-max bytes of files; --qr prints, after
// the startup line and only on a terminal, a QR code of each URL the
// server can be reached at (the LAN addresses when it listens on all
// interfaces); --health PATH answers GET PATH with 200 "ok" for load
// balancers and container probes.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/cgi"
	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
)

// shutdownTimeout bounds how long requests in flight may run on after a
// signal before their connections are closed (a variable for tests).
var shutdownTimeout = 10 * time.Second

// exitTimeout bounds the time from the signal to the exit: the shutdown,
// and then the last lines written.
var exitTimeout = shutdownTimeout + 5*time.Second

func main() {
	// First of all: with --cgi, package cgi re-runs this executable as the
	// small launcher that starts each script (as nobody under root).
	cgi.MaybeRunLauncher()
	// Before anything reads the time: the log's stamps are local time.
	useTZRule()
	startGCPacer()
	startReaper()
	// A write to a stdout or stderr whose reader is gone (a pipe to
	// `head`) fails with EPIPE instead of killing the process, as in
	// Python, which ignores SIGPIPE: the server goes on serving, without
	// the lines, and its shutdown runs. Caught, not ignored: the CGI
	// scripts start with SIGPIPE's default action.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	ctx, stop := context.Background(), func() {}
	sigs := stopSignals()
	if len(sigs) > 0 { // none would mean every signal
		ctx, stop = signal.NotifyContext(ctx, sigs...)
	}
	go func() {
		// After the first signal, restore the default handling so that a
		// second Ctrl-C ends a slow shutdown at once.
		<-ctx.Done()
		if os.Getpid() == 1 {
			// A container's PID 1 cannot die of it: the kernel
			// drops it, and the runtime exits with status 2.
			// Catch it, and exit as if killed by it (see dieOf).
			again := make(chan os.Signal, 1)
			signal.Notify(again, sigs...)
			go func() { dieOf(<-again) }()
		}
		stop()
		// And a shutdown that cannot end still does: its last steps
		// write to stderr and the log, which a reader that stopped (a
		// pipe nobody drains) blocks for ever. (A start held up, on a
		// FIFO given as --tls-cert or --log-file, is left behind: run
		// returns at once.)
		time.AfterFunc(exitTimeout, func() { os.Exit(1) })
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// stopSignals are the signals that stop the server: SIGINT (Ctrl-C) and
// SIGTERM, except one ignored when the process started. A shell starts a
// script's background jobs with SIGINT ignored, and Python's server then
// ignores Ctrl-C; subscribing would un-ignore it, and the second Ctrl-C,
// which ends a slow shutdown, would be ignored instead.
func stopSignals() []os.Signal {
	var sigs []os.Signal
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		if !signal.Ignored(sig) {
			sigs = append(sigs, sig)
		}
	}
	return sigs
}

// run is the whole command: it parses args (without the program name),
// serves until ctx is done, and returns the exit status. The startup line
// and the interrupt line go to stdout, errors and logs to stderr.
// Cancelling ctx is what Ctrl-C does.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// An error in the command line itself is a line of text: the log's
	// format is not known then. Once it is, with --log-format json, an
	// error is a JSON line, as every line on stderr then is.
	jsonErrors := false
	fail := func(err error) int {
		if !jsonErrors || !sayJSON(stderr, slog.LevelError, "simplehttp: "+oneLine(err)) {
			fmt.Fprintf(stderr, "simplehttp: %s\n", oneLine(err))
		}
		var ue *usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	cfg, err := parseArgs(args)
	switch {
	case errors.Is(err, errHelp):
		fmt.Fprint(stdout, usage)
		return 0
	case errors.Is(err, errVersion):
		fmt.Fprintln(stdout, version())
		return 0
	case err != nil:
		return fail(err)
	}
	jsonErrors = cfg.LogFormat == accesslog.JSON

	// The start may block: on a FIFO given as --tls-cert or --log-file
	// that nobody writes or reads, on a file system that does not answer,
	// on a slow lookup of -b. Ctrl-C ends it at once, as it ends serving.
	startc := make(chan startup, 1)
	go func() { startc <- start(ctx, cfg, stderr) }()
	var st startup
	select {
	case st = <-startc:
	case <-ctx.Done():
		// A start that ends later releases what it made.
		go func() { (<-startc).release() }()
		return interrupted(stdout)
	}
	if st.err != nil {
		if ctx.Err() != nil {
			return interrupted(stdout) // a lookup of -b cut short
		}
		return fail(st.err)
	}
	defer st.logs.close() // after the shutdown: writes the last log lines

	warn := func(w string) {
		switch {
		case w == "":
		case cfg.LogFormat == accesslog.JSON:
			// stderr holds JSON lines only, so that jq reads it
			// whole: it stops at the first line that is not JSON.
			st.logger.Warn("simplehttp: " + strings.TrimPrefix(strings.TrimPrefix(w, "simplehttp: "), "warning: "))
		default:
			fmt.Fprintln(stderr, w)
		}
	}
	for _, w := range []string{clearTextWarning(cfg, st.ln.Addr(), st.srv.TLSConfig != nil), st.certWarning, st.uploadWarning} {
		warn(w)
	}
	if hangupSignal != nil && !signal.Ignored(hangupSignal) {
		// SIGHUP (a closed terminal, kill -HUP) kills Python's server at
		// once, and ours too, but not before the log lines it holds
		// are written: Python writes each line before its response.
		// (Ignored, as under nohup, it stays ignored.)
		stopHangup := onSignal(hangupSignal, func() {
			flushFor(st.logs.flush, flushWait)
			dieOf(hangupSignal)
		})
		defer stopHangup()
	}
	if st.logs.reopen != nil && reopenSignal != nil {
		// Subscribed before the startup line: once it is out, the
		// signal never kills the server.
		stopReopen := onSignal(reopenSignal, st.logs.reopen)
		defer stopReopen()
	}
	var banner func(io.Writer, net.Addr, bool)
	if cfg.QR {
		banner = printQRCodes
	}
	return serve(ctx, st.srv, st.ln, shutdownTimeout, banner, st.logs.flush, warn, fail, stdout)
}

// sayJSON writes msg to stderr as a JSON line of level, as the
// diagnostics of --log-format json are written (jq stops at the first
// line that is not JSON), and reports whether it could.
func sayJSON(stderr io.Writer, level slog.Level, msg string) bool {
	m, err := accesslog.New(accesslog.Options{Writer: stderr, Format: accesslog.JSON})
	if err != nil {
		return false
	}
	slog.New(m.SlogHandler(nil)).Log(context.Background(), level, msg)
	return m.Close() == nil
}

// onSignal calls f each time the process gets sig, until the function it
// returns is called; that returns once f is not running.
func onSignal(sig os.Signal, f func()) (stop func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, sig)
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		for {
			select {
			case <-c:
				f()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(c)
		close(done)
		<-exited
	}
}

// interruptLine is what Python prints on Ctrl-C, before it exits 0.
const interruptLine = "\nKeyboard interrupt received, exiting."

// interrupted prints Python's line for Ctrl-C and returns the exit status.
func interrupted(stdout io.Writer) int {
	fmt.Fprintln(stdout, interruptLine)
	return 0
}

// startup is what start makes: the server, its listener and the logs of
// its handler, or the error that stopped it.
type startup struct {
	srv  *http.Server
	ln   net.Listener
	logs *closers
	err  error
	// logger writes the diagnostics (see newLogs).
	logger *slog.Logger
	// certWarning, if not "", says that the --tls-cert certificate
	// expired or is not valid yet.
	certWarning string
	// uploadWarning, if not "", says that --upload will refuse every
	// upload into the directory.
	uploadWarning string
}

// start reads the TLS files, builds the handler and listens.
func start(ctx context.Context, cfg config, stderr io.Writer) startup {
	var tlsConfig *tls.Config
	var reload *certReloader
	var certWarning string
	switch {
	case cfg.TLSReload:
		if err := reloadedInDir(cfg); err != nil {
			return startup{err: err}
		}
		var err error
		if reload, err = loadCertReloader(cfg.TLSCert, cfg.TLSKey, cfg.TLSPasswordFile); err != nil {
			return startup{err: err}
		}
		tlsConfig = newTLSConfig(tls.Certificate{}, reload.getCertificate)
		certWarning = certValidityWarning(cfg.TLSCert, reload.current())
	case cfg.TLSCert != "":
		cert, err := loadCertificate(cfg.TLSCert, cfg.TLSKey, cfg.TLSPasswordFile)
		if err != nil {
			return startup{err: err}
		}
		tlsConfig = newTLSConfig(cert, nil)
		certWarning = certValidityWarning(cfg.TLSCert, cert)
	}
	h, logger, logs, err := newHandler(cfg, stderr)
	if err != nil {
		return startup{err: err}
	}
	if reload != nil {
		reload.logger = logger
	}
	ln, err := listen(ctx, cfg.Bind, cfg.Port, cfg.SendTimeout)
	if err != nil {
		logs.close()
		return startup{err: err}
	}
	ln = newOverloadListener(ln, logger)
	srv := newServer(cfg, h, logger)
	srv.TLSConfig = tlsConfig
	st := startup{srv: srv, ln: ln, logs: logs, logger: logger, certWarning: certWarning}
	if cfg.Upload {
		// Each refused upload is logged only at the debug level, as a
		// client's doing: say once why all of them will be.
		if why := notWritable(cfg.Dir); why != "" {
			st.uploadWarning = fmt.Sprintf("simplehttp: warning: --upload: -d %q: %s: uploads into it will be refused (403)", cfg.Dir, why)
		}
	}
	return st
}

// reloadedInDir refuses, with --upload, a --tls-reload file in the served
// directory: the files are read again by their names whenever they
// change, and an upload takes any free name (a renewal that removes the
// old files before writing the new ones leaves theirs free), so a client
// could put a certificate and key of its own there, which the server
// would then present to every client.
func reloadedInDir(cfg config) error {
	if !cfg.Upload {
		return nil
	}
	for _, f := range []struct{ flag, name string }{
		{"--tls-cert", cfg.TLSCert},
		{"--tls-key", cfg.TLSKey},
		{"--tls-password-file", cfg.TLSPasswordFile},
	} {
		if f.name != "" && inDir(cfg.Dir, f.name) {
			return fmt.Errorf("%s %q: in the served directory, where --upload could put a file of its own at its name, which --tls-reload would then load: keep it elsewhere", f.flag, f.name)
		}
	}
	return nil
}

// release closes what a start that succeeded made.
func (st startup) release() {
	if st.err == nil {
		st.ln.Close()
		st.logs.close()
	}
}

// alpnProtocols are the protocols offered through TLS's ALPN, in order of
// preference. An HTTP/1.0 client may offer "http/1.0" alone (curl
// --http1.0 does): crypto/tls refuses the handshake of a client whose
// protocols it does not offer, where Python's server (OpenSSL) goes on
// without ALPN, so it is offered too. net/http serves it as HTTP/1.
var alpnProtocols = []string{"h2", "http/1.1", "http/1.0"}

// newTLSConfig returns the server's TLS configuration for cert, or for the
// certificate getCert returns at each handshake if it is not nil. A client
// that offers none of alpnProtocols (only "h3", or a protocol meant for
// another server) has its handshake completed without ALPN, and is then
// served HTTP/1.x, as Python's server (OpenSSL) serves it: crypto/tls
// would refuse it with "no application protocol".
func newTLSConfig(cert tls.Certificate, getCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	c := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: alpnProtocols}
	if getCert != nil {
		c.Certificates, c.GetCertificate = nil, getCert
	}
	noALPN := c.Clone()
	noALPN.NextProtos = nil
	c.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		ours := func(p string) bool { return slices.Contains(alpnProtocols, p) }
		if len(hello.SupportedProtos) == 0 || slices.ContainsFunc(hello.SupportedProtos, ours) {
			return nil, nil // ALPN as usual
		}
		return noALPN, nil
	}
	return c
}

// newHandler builds the handler from the public API of this module's
// packages, the way any program can:
//
//	accesslog → errorpage → cgi (with --cgi) → fileserver
//
// The access log is outermost, so it sees the final status and the
// "code 404, message ..." line errorpage reports; errorpage renders the
// error pages of everything inside it; cgi runs scripts for /cgi-bin and
// /htbin and hands every other request to the file server. It also returns
// the logger of the diagnostics (see newLogs), and the closers of what the
// handler holds: their close writes the last log lines and releases the
// rest (call it after the server has shut down), their flush writes the
// log lines still buffered.
func newHandler(cfg config, stderr io.Writer) (_ http.Handler, _ *slog.Logger, _ *closers, err error) {
	cl := new(closers)
	defer func() {
		if err != nil {
			cl.close()
		}
	}()

	// -d first: nothing, not even a --log-file, is made for a directory
	// that is not there.
	if err := checkDir(cfg.Dir); err != nil {
		return nil, nil, nil, err
	}
	access, logger, err := newLogs(cfg, stderr, cl)
	if err != nil {
		return nil, nil, nil, err
	}
	var scripts *cgi.Handler
	if cfg.CGI {
		// Python's scripts run in the server's current directory, which
		// -d does not change.
		wd, _ := os.Getwd() // "" if it is gone: then cfg.Dir
		scripts, err = cgi.New(cgi.Options{Root: cfg.Dir, Dirs: cgiDirs, WorkDir: wd, Protocol: cfg.Protocol, Logger: logger, PassPost: cfg.Upload,
			ServerSoftware: serverHeader(cfg.Headers)})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("--cgi: %w", err)
		}
	}
	files, err := newFileServer(cfg, logger, scripts)
	if err != nil {
		return nil, nil, nil, err
	}
	cl.add(files.Close)
	// Python closes the connection after every error, which -p HTTP/1.0
	// does anyway; with -p HTTP/1.1 we keep it after a 404 and the like,
	// as nginx does.
	pages, err := errorpage.New(errorpage.Options{Logger: logger, CloseAfterError: cfg.Protocol == http10})
	if err != nil {
		return nil, nil, nil, err
	}

	var mws chi.Middlewares
	if access != nil {
		mws = append(mws, access.Handler)
	}
	// -H outside errorpage: a header set before errorpage gets the request
	// is one for every response, which its pages keep (Cache-Control too).
	mws = append(mws, withHeaders(withServer(cfg.Headers)), pages.Handler)
	auth, err := newAuth(cfg, logger)
	if err != nil {
		return nil, nil, nil, err
	}
	if auth != nil {
		// After -H, so that 401 and 429 carry the headers of every
		// response; before everything that serves.
		mws = append(mws, auth)
	}
	mws = append(mws, pythonLimits)
	if scripts != nil {
		mws = append(mws, scripts.Handler)
	}
	// A chain, not a router: every path and every method reaches the file
	// server (it answers 501 to the methods it does not serve, as Python
	// does, where a router would answer 405), and so do the paths and
	// methods a router does not route ("OPTIONS *", PROPFIND). A chi.Mux
	// mounted at "/" would do the same at the cost of a route lookup, a
	// routing context and a copy of the request on every request.
	h := chi.Chain(mws...).Handler(files)
	if cfg.Health != "" {
		h = withHealth(cfg.Health, withServer(cfg.Headers), h)
	}
	return h, logger, cl, nil
}

// logFlushInterval is how long a log line may wait in the buffer before it
// is written: one write(2) for many lines on a busy server.
const logFlushInterval = 100 * time.Millisecond

// newLogs makes the access log (nil with --quiet), on stderr or appended to
// --log-file, and the logger of the diagnostics of the handlers and of
// net/http (a script's standard error, a TLS handshake that failed), which
// go to stderr in the format of Python's log_error lines (JSON with
// --log-format json). When both go to stderr they go through one buffer,
// so that the lines come out in the order they happened.
func newLogs(cfg config, stderr io.Writer, cl *closers) (*accesslog.Middleware, *slog.Logger, error) {
	format := accesslog.Python
	if cfg.LogFormat == accesslog.JSON {
		format = accesslog.JSON
	}
	// Where the diagnostics say that they cannot be written: straight to
	// stderr, unbuffered, in their format (a JSON line among JSON lines,
	// which jq reads whole); its own failures have nowhere to be said.
	direct, err := accesslog.New(accesslog.Options{Writer: stderr, Format: format, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, nil, err
	}
	cl.add(direct.Close) // the rest of a line a failed write cut
	fallback := slog.New(direct.SlogHandler(nil))
	if !cfg.Quiet && cfg.LogFile == "" {
		access, err := accesslog.New(accesslog.Options{Writer: stderr, Format: cfg.LogFormat, FlushInterval: logFlushInterval, Logger: fallback, TrustedProxies: cfg.TrustedProxies})
		if err != nil {
			return nil, nil, err
		}
		cl.add(access.Close) // writes the buffered lines
		cl.addFlush(access.Flush)
		return access, slog.New(access.SlogHandler(nil)), nil
	}
	diag, err := accesslog.New(accesslog.Options{Writer: stderr, Format: format, FlushInterval: logFlushInterval, Logger: fallback})
	if err != nil {
		return nil, nil, err
	}
	cl.add(diag.Close)
	cl.addFlush(diag.Flush)
	logger := slog.New(diag.SlogHandler(nil))
	if cfg.Quiet {
		return nil, logger, nil
	}
	if cfg.Upload && inDir(cfg.Dir, cfg.LogFile) {
		// The file is opened again by its name once a rotation renamed
		// it or someone removed it: an upload of that name in between
		// would begin the new log with lines of the client's own, with
		// any address and status (fail2ban would ban whom they name).
		return nil, nil, fmt.Errorf("--log-file %q: in the served directory, where --upload could put a file of its own at its name once the log is rotated, which the log would then go on in: keep it elsewhere", cfg.LogFile)
	}
	f, err := openLogFile(cfg.LogFile, logger)
	if err != nil {
		return nil, nil, err
	}
	cl.add(f.Close)
	// A --log-file that cannot be written (a full disk) is said among
	// the diagnostics, in their format.
	access, err := accesslog.New(accesslog.Options{Writer: f, Format: cfg.LogFormat, FlushInterval: logFlushInterval, Logger: logger, TrustedProxies: cfg.TrustedProxies})
	if err != nil {
		return nil, nil, err
	}
	cl.add(access.Close) // writes the buffered lines, before the file is closed
	cl.addFlush(access.Flush)
	cl.reopen = func() {
		// The lines of the requests answered so far go to the file
		// they were answered under.
		access.Flush()
		if err := f.reopen(); err != nil {
			logger.Warn("cannot reopen the log file; writing on to the one open", "err", err)
		}
	}
	return access, logger, nil
}

// closers are the Close methods to call when the server is done, in the
// reverse order of add, as deferred calls run, and the Flush methods of
// the logs; reopen, if not nil, opens the --log-file again.
type closers struct {
	closes, flushes []func() error
	reopen          func()
}

func (c *closers) add(f func() error) { c.closes = append(c.closes, f) }

func (c *closers) addFlush(f func() error) { c.flushes = append(c.flushes, f) }

func (c *closers) close() {
	for i := len(c.closes) - 1; i >= 0; i-- {
		c.closes[i]()
	}
}

// flush writes the log lines still buffered.
func (c *closers) flush() {
	for _, f := range c.flushes {
		f()
	}
}

// cgiDirs are the CGI directories of --cgi, Python's cgi_directories.
var cgiDirs = []string{"/cgi-bin", "/htbin"}

// checkDir checks that -d names a directory, before anything is made
// from it.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("-d %q: %w", dir, pathErr(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("-d %q: not a directory", dir)
	}
	return nil
}

// cacheMaxBytes is the file server's CacheMaxBytes: 0, its default, but
// in the tests that make the cache evict.
var cacheMaxBytes int64

// uploadOverwrite, archiveBudget and listingBudget are the file server's
// UploadOverwrite, ArchiveBudget and ListingBudget: their defaults, but
// in the tests that edit files in place and exhaust the budgets.
var (
	uploadOverwrite bool
	archiveBudget   int64
	listingBudget   int
)

// newFileServer makes the file server for the directory; scripts, if not
// nil, is the CGI middleware in front of it.
func newFileServer(cfg config, logger *slog.Logger, scripts *cgi.Handler) (*fileserver.Handler, error) {
	opts := fileserver.Options{
		IndexNames:      cfg.Index,
		DisableSniff:    cfg.NoSniff,
		DisableListing:  cfg.NoListing,
		Compress:        cfg.Compress,
		Fallback:        cfg.SPA,
		Logger:          logger,
		Archive:         cfg.Archive,
		ArchiveMaxBytes: cfg.ArchiveMax, // parseArgs: only with Archive
		Upload:          cfg.Upload,
		MaxUploadSize:   cfg.MaxUpload,
		UploadOrigins:   cfg.UploadOrigins,
		CacheMaxBytes:   cacheMaxBytes,
	}
	if cfg.Upload {
		opts.UploadOverwrite = uploadOverwrite
	}
	if cfg.Archive {
		opts.ArchiveBudget = archiveBudget
	}
	if !cfg.NoListing {
		opts.ListingBudget = listingBudget
	}
	if scripts != nil && (cfg.Archive || cfg.Upload) {
		// No upload adds a script, even through a link, and the
		// scripts' source stays out of the archives of the directories
		// above them, as every request for the scripts' paths keeps it.
		opts.ExcludeDirs = cgiDirs
	}
	if cfg.Upload {
		// A body that stops arriving is an idle connection: no limit
		// with --idle-timeout 0 either (0 would be the option's minute).
		opts.UploadIdleTimeout = idleTimeout(cfg.IdleTimeout)
	}
	if cfg.Precompressed {
		opts.Precompressed = []string{"br", "zstd", "gzip"}
	}
	if cfg.CacheControl != "" {
		opts.CacheControl = cacheControl(cfg)
	}
	opts.Listing = cfg.Listing
	files, err := fileserver.NewDir(cfg.Dir, cfg.Symlinks, opts)
	if err != nil {
		return nil, fmt.Errorf("-d %q: %w", cfg.Dir, err)
	}
	return files, nil
}

// privateImmutable is the Cache-Control of fingerprinted names when every
// request needs credentials: fileserver.ImmutableCacheControl's "public"
// lets a shared cache in front (a CDN, nginx's proxy_cache) give a
// response to a request with credentials to any later client without
// them (RFC 9111 section 3.5), so a protected app.3f9a2c1b.js would be
// served to anyone for a year. "private" keeps it in each browser's own
// cache, where it saves the same requests.
const privateImmutable = "private, max-age=31536000, immutable"

// cacheControl is the Options.CacheControl of --cache-control VALUE:
// VALUE for every file, and the immutable policy for fingerprinted names,
// private when --auth asks every request for credentials.
func cacheControl(cfg config) func(name string) string {
	if !cfg.authOn() || cfg.AuthFor != fileserver.AuthAll {
		return fileserver.ImmutableFingerprinted(cfg.CacheControl)
	}
	return func(name string) string {
		if fileserver.Fingerprinted(name) {
			return privateImmutable
		}
		return cfg.CacheControl
	}
}

// newServer configures the http.Server. Python has no timeouts at all; we
// guard against clients that are slow to send their request head
// (ReadHeaderTimeout, which also bounds the TLS handshake) or that sit on
// idle keep-alive connections (IdleTimeout). Against clients that stop
// reading, listen wraps every connection (stallListener), and each
// HTTP/2 stream is watched on its own (stallStreams). A flood of failed
// TLS handshakes is logged once per episode (connFailures). There is no
// WriteTimeout or ReadTimeout: they bound the whole response or request,
// and would cut off large downloads and uploads on slow links.
func newServer(cfg config, h http.Handler, logger *slog.Logger) *http.Server {
	if cfg.Protocol == http10 {
		h = closeEach(h)
	}
	h = releaseBody(h)
	h = stallStreams(h, cfg.SendTimeout)
	failures := newConnFailures(logger)
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       idleTimeout(cfg.IdleTimeout),
		MaxHeaderBytes:    maxHeaderBytes,
		// Let "OPTIONS *" reach the handler, which answers 501 as Python does.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     failures.errorLog(),
		ConnState:                    failures.connState,
		HTTP2:                        &http.HTTP2Config{MaxConcurrentStreams: maxStreams},
	}
}

// maxStreams bounds the requests one HTTP/2 connection may have open at
// once (net/http's default is 250). Each stream whose client does not
// read holds a handler and its copy buffer, some 47 KiB for a file: ten
// connections of 250 such streams took 117 MB, where an HTTP/1.1
// connection costs 20 KiB. 100 is Apache's and h2o's default (nginx: 128).
const maxStreams = 100

// idleTimeout maps --idle-timeout to http.Server.IdleTimeout, where 0
// would mean "use ReadTimeout" rather than no limit, and to
// fileserver.Options.UploadIdleTimeout, where it would mean a minute.
func idleTimeout(d time.Duration) time.Duration {
	if d == 0 {
		return math.MaxInt64
	}
	return d
}

// closeEach is -p HTTP/1.0, Python's default protocol_version: one request
// per connection, every response saying Connection: close. It applies to
// HTTP/1.x only. http.Server.SetKeepAlivesEnabled(false) would also close
// each HTTP/2 connection after its first request, and a client that sent a
// second request on it before the GOAWAY arrived would see it fail (curl
// does).
func closeEach(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 1 {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// releaseBody keeps a request body nobody reads from holding an HTTP/1.x
// connection. net/http reads what is left of such a body (up to 256 KiB)
// with no deadline: to reuse the connection, before it sends the
// response, and before it closes the connection, after. A client that
// announces a body and sends none would hold the connection, and its
// goroutine, past every timeout, and get no answer at all on a connection
// kept alive. Python answers at once and reads no body it does not need.
//
// Only a CGI script may read the body of a GET or HEAD, so their
// connection is closed, which spares the first read; once the handler of
// any request with a body is done, on a connection that closes, a read
// deadline of now ends the second. A PUT or POST refused without being
// read (by --auth, for one) gets an error page, which errorpage makes
// close the connection, so the same deadline ends that wait too.
func releaseBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 1 || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > 0 && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			w.Header()["Connection"] = closeValue
		}
		next.ServeHTTP(w, r)
		if r.Close || w.Header().Get("Connection") == "close" {
			// The connection serves nothing more.
			http.NewResponseController(w).SetReadDeadline(time.Now())
		}
	})
}

// listen opens the listening socket the way Python does (with TCP
// keep-alive as listenConfig sets it), and wraps it in a stallListener
// that closes connections whose client takes no byte for sendTimeout
// (0: never).
func listen(ctx context.Context, bind string, port int, sendTimeout time.Duration) (net.Listener, error) {
	lc := listenConfig()
	ln, err := lc.Listen(ctx, listenNetwork(bind), net.JoinHostPort(bind, strconv.Itoa(port)))
	if err != nil {
		return nil, listenError(err, bind, port, unprivilegedPortStart())
	}
	return newStallListener(ln, sendTimeout), nil
}

// unprivilegedPortStart is the first port that needs no privilege to
// listen on: Linux's net.ipv4.ip_unprivileged_port_start (1024 unless
// lowered, as container runtimes lower it to 0, or raised), and 1024
// elsewhere.
func unprivilegedPortStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")
	if err != nil {
		return 1024
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 {
		return 1024
	}
	return n
}

// listenNetwork picks the network to listen on so that the socket is the one
// Python makes. Go's "tcp" makes any unspecified address dual-stack, which is
// Python's behaviour for no -b and for -b ::, but Python's -b 0.0.0.0 is IPv4
// only, so IPv4 addresses get "tcp4", and so do IPv4-mapped ones: Python's
// -b ::ffff:0.0.0.0 takes IPv4 clients only, where Go's "tcp" would listen
// on every IPv6 address too. Host names resolve as Go resolves them for
// listening (IPv4 first).
func listenNetwork(bind string) string {
	if ip, err := netip.ParseAddr(bind); err == nil && ip.Unmap().Is4() {
		return "tcp4"
	}
	return "tcp"
}

// listenError says what went wrong when listening, and what to do about
// the usual causes; portStart is the first port that needs no privilege.
func listenError(err error, bind string, port, portStart int) error {
	where := fmt.Sprintf("port %d", port)
	if bind != "" {
		where = fmt.Sprintf("%s port %d", bind, port)
	}
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno) && errno == syscall.EADDRINUSE:
		return fmt.Errorf("cannot listen on %s: address already in use (another server has it; pick another port, or 0 for a free one)", where)
	case errors.As(err, &errno) && errno == syscall.EACCES && port < portStart:
		return fmt.Errorf("cannot listen on %s: permission denied (ports below %d need root or CAP_NET_BIND_SERVICE; pick a port from %d up)", where, portStart, portStart)
	case errors.As(err, &errno) && errno == syscall.EACCES:
		// Not the port: a security module (SELinux, AppArmor), a
		// seccomp or cgroup BPF filter.
		return fmt.Errorf("cannot listen on %s: permission denied", where)
	case errors.As(err, &errno) && errno == syscall.EADDRNOTAVAIL:
		return fmt.Errorf("cannot listen on %s: cannot assign requested address (no interface of this host has it)", where)
	case errors.As(err, &errno) && errno == syscall.EINVAL:
		// A link-local address is one on each interface: the kernel
		// refuses it without one, or with a zone that names none.
		if ip, perr := netip.ParseAddr(bind); perr == nil && ip.Is6() && ip.IsLinkLocalUnicast() {
			if ip.Zone() == "" {
				return fmt.Errorf("cannot listen on %s: a link-local address needs its interface after %%, like %s%%eth0", where, bind)
			}
			if _, ierr := net.InterfaceByName(ip.Zone()); ierr != nil {
				if _, nerr := strconv.Atoi(ip.Zone()); nerr != nil {
					return fmt.Errorf("cannot listen on %s: no interface is named %q", where, ip.Zone())
				}
			}
		}
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	return fmt.Errorf("cannot listen on %s: %w", where, err)
}

// serve prints the startup line, and then banner's lines if banner is not
// nil (--qr), serves on ln (with TLS when srv.TLSConfig is set) until ctx
// is done, then shuts srv down: connections that have not begun a request
// are closed at once, and requests in flight get up to grace to finish.
// flush, if not nil, writes the log lines still buffered: the requests
// answered before the interrupt are logged before its line, as Python,
// which writes each line at once, logs them. warn writes a warning: that
// requests were cut off at the end of grace. fail says the error that
// ends serving early (the listener failed) and returns the exit status.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, banner func(w io.Writer, addr net.Addr, https bool), flush func(), warn func(string), fail func(error) int, stdout io.Writer) int {
	// The connections that have sent nothing yet go at once when the
	// shutdown begins.
	fresh := new(freshConns)
	ln = fresh.listener(ln)
	var running inFlight
	srv.Handler = running.handler(srv.Handler)
	fmt.Fprintln(stdout, startupLine(ln.Addr(), srv.TLSConfig != nil))
	if banner != nil {
		banner(stdout, ln.Addr(), srv.TLSConfig != nil)
	}

	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			// ServeTLS offers HTTP/2 through ALPN.
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()

	select {
	case err := <-errc:
		// Serve only returns early on a listener failure.
		srv.Close()
		if flush != nil {
			// The requests answered before it are logged before it.
			flushFor(flush, flushWait)
		}
		return fail(err)
	case <-ctx.Done():
	}

	if flush != nil {
		// Not for ever: a stderr nobody reads must not keep the line
		// from stdout, nor the shutdown from beginning.
		flushFor(flush, flushWait)
	}
	fmt.Fprintln(stdout, interruptLine)
	fresh.closeAll()
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		warn(fmt.Sprintf("simplehttp: requests still running after %v were cut off", grace))
		// Their handlers return once they notice the closed connection;
		// the access log writes their lines then. Python logs a request
		// when its response begins, so a download cut off has its line.
		running.wait(cutOffWait)
	}
	<-errc // http.ErrServerClosed
	return 0
}

// flushFor calls flush and returns when it has, or after d.
func flushFor(flush func(), d time.Duration) {
	flushed := make(chan struct{})
	go func() {
		flush()
		close(flushed)
	}()
	select {
	case <-flushed:
	case <-time.After(d):
	}
}

// flushWait bounds how long the interrupt line waits for the log lines
// held in the buffer to be written.
const flushWait = time.Second

// cutOffWait bounds how long the shutdown waits, once it has closed the
// connections of requests that outlived the grace period, for their
// handlers to return and be logged.
const cutOffWait = 2 * time.Second

// inFlight counts the requests whose handler has not returned.
type inFlight struct{ n atomic.Int64 }

func (f *inFlight) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.n.Add(1)
		defer f.n.Add(-1)
		next.ServeHTTP(w, r)
	})
}

// wait returns when no handler is running, or after at most d.
func (f *inFlight) wait(d time.Duration) {
	for deadline := time.Now().Add(d); f.n.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

// startupLine is Python's
//
//	Serving HTTP on HOST port PORT (http://URLHOST:PORT/) ...
//
// for the address actually bound, so port 0 shows the port picked.
// URLHOST is HOST in brackets when HOST is an IPv6 address; with TLS it
// says HTTPS and https.
func startupLine(addr net.Addr, https bool) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		host, port = addr.String(), ""
	}
	scheme := "HTTP"
	if https {
		scheme = "HTTPS"
	}
	return fmt.Sprintf("Serving %s on %s port %s (%s://%s:%s/) ...", scheme, host, port, strings.ToLower(scheme), urlHost(host), port)
}

// urlHost is host as a URL writes it: an IPv6 address in brackets, and
// its zone, if any, after "%25" (RFC 6874). A bare "%" is no escape a URL
// may hold: "http://[fe80::1%eth0]:8000/" is refused by Go's net/url and
// every client built on it.
func urlHost(host string) string {
	if !strings.Contains(host, ":") {
		return host
	}
	if addr, zone, ok := strings.Cut(host, "%"); ok {
		host = addr + "%25" + url.PathEscape(zone)
	}
	return "[" + host + "]"
}

// version is what --version prints: the module version and Go's.
func version() string {
	return fmt.Sprintf("simplehttp %s (%s %s/%s)", moduleVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// moduleVersion is the version of the main module from the build
// information: the tag or pseudo-version `go install ...@version` names;
// for a build in a checkout, `go build` and `go install` (Go 1.24 and
// later) stamp a pseudo-version from its git commit, with "+dirty" if it
// has changes, and `go run`, `go test` or -buildvcs=false give "(devel)".
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// oneLine keeps an error message on one line of stderr.
func oneLine(err error) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(err.Error())
}
