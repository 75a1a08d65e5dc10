// Simplehttp serves a directory over HTTP, as `python3 -m http.server` does.
//
// Usage:
//
//	simplehttp [port] [-b ADDRESS] [-d DIRECTORY] [-p VERSION]
//
// The port defaults to 8000; 0 picks a free one. -b/--bind defaults to all
// interfaces, IPv4 and IPv6 together. -d/--directory defaults to the current
// directory. -p/--protocol is HTTP/1.0 (one request per connection, the
// default) or HTTP/1.1 (keep-alive). Flags may come before or after the port.
//
// Like Python, it prints
//
//	Serving HTTP on HOST port PORT (http://URLHOST:PORT/) ...
//
// on startup, logs each request on stderr in Python's format, and on Ctrl-C
// (or SIGTERM) prints "Keyboard interrupt received, exiting." and exits 0,
// after letting requests in flight finish for up to 10 seconds. Errors are
// one line on stderr and a non-zero exit status: 2 for a bad command line,
// 1 for anything else.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/fileserver"
)

// shutdownTimeout bounds how long requests in flight may run on after a
// signal before their connections are closed.
const shutdownTimeout = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default handling so that a
		// second Ctrl-C ends a slow shutdown at once.
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command: it parses args (without the program name),
// serves until ctx is done, and returns the exit status. The startup line
// and the interrupt line go to stdout, errors and logs to stderr.
// Cancelling ctx is what Ctrl-C does.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "simplehttp: %v\n", err)
		return 2
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))
	fsrv, err := newFileServer(cfg, logger)
	if err != nil {
		fmt.Fprintf(stderr, "simplehttp: %s\n", oneLine(err))
		return 1
	}
	defer fsrv.Close()

	// Python logs every request to stderr; so do we, in its format.
	al, err := accesslog.New(accesslog.Options{Writer: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "simplehttp: %s\n", oneLine(err))
		return 1
	}
	defer al.Close() // after the shutdown: writes any buffered lines

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, listenNetwork(cfg.Bind), net.JoinHostPort(cfg.Bind, strconv.Itoa(cfg.Port)))
	if err != nil {
		fmt.Fprintf(stderr, "simplehttp: %s\n", oneLine(err))
		return 1
	}

	srv := newServer(cfg, al.Handler(newRouter(fsrv)), logger)
	return serve(ctx, srv, ln, shutdownTimeout, stdout, stderr)
}

// newFileServer checks the directory and makes the file server for it. Error
// pages come from the file server itself (errorpage.Error, Python's page), so
// no errorpage middleware is needed yet.
func newFileServer(cfg config, logger *slog.Logger) (*fileserver.Handler, error) {
	fi, err := os.Stat(cfg.Dir)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("-d %q: %w", cfg.Dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("-d %q: not a directory", cfg.Dir)
	}
	fsrv, err := fileserver.NewDir(cfg.Dir, fileserver.Options{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("-d %q: %w", cfg.Dir, err)
	}
	return fsrv, nil
}

// newRouter mounts h at the root so that every request reaches it: every
// path, every method (h answers the ones it doesn't serve with 501, as
// Python does, where chi would say 405) and "OPTIONS *".
func newRouter(h http.Handler) http.Handler {
	r := chi.NewRouter()
	r.Mount("/", h)
	r.NotFound(h.ServeHTTP)         // paths chi does not route, such as "*"
	r.MethodNotAllowed(h.ServeHTTP) // methods chi does not know, such as PROPFIND
	return r
}

// newServer configures the http.Server. Python has no timeouts at all; we
// guard against clients that are slow to send their headers or that sit on
// idle keep-alive connections. There is no WriteTimeout or ReadTimeout: they
// would cut off large downloads and uploads on slow links.
func newServer(cfg config, h http.Handler, logger *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		// MaxHeaderBytes stays at net/http's 1 MiB: Python takes up to
		// 100 header lines of 64 KiB each, so a lower cap would refuse
		// requests it serves.
		// Let "OPTIONS *" reach the handler, which answers 501 as Python does.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	// HTTP/1.0 is Python's default protocol_version: one request per
	// connection, and every response says Connection: close.
	srv.SetKeepAlivesEnabled(cfg.Protocol == http11)
	return srv
}

// serve prints the startup line, serves on ln until ctx is done, then shuts
// srv down, giving requests in flight up to grace to finish.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, stdout, stderr io.Writer) int {
	fmt.Fprintln(stdout, startupLine(ln.Addr()))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		// Serve only returns early on a listener failure.
		srv.Close()
		fmt.Fprintf(stderr, "simplehttp: %s\n", oneLine(err))
		return 1
	case <-ctx.Done():
	}

	fmt.Fprintln(stdout, "\nKeyboard interrupt received, exiting.")
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		fmt.Fprintf(stderr, "simplehttp: requests still running after %v were cut off\n", grace)
	}
	<-errc // http.ErrServerClosed
	return 0
}

// listenNetwork picks the network to listen on so that the socket is the one
// Python makes. Go's "tcp" makes any unspecified address dual-stack, which is
// Python's behaviour for no -b and for -b ::, but Python's -b 0.0.0.0 is IPv4
// only, so IPv4 addresses get "tcp4". Host names resolve as Go resolves them
// for listening (IPv4 first).
func listenNetwork(bind string) string {
	if ip, err := netip.ParseAddr(bind); err == nil && ip.Is4() {
		return "tcp4"
	}
	return "tcp"
}

// startupLine is Python's
//
//	Serving HTTP on HOST port PORT (http://URLHOST:PORT/) ...
//
// for the address actually bound, so port 0 shows the port picked.
// URLHOST is HOST in brackets when HOST is an IPv6 address.
func startupLine(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		host, port = addr.String(), ""
	}
	urlHost := host
	if strings.Contains(host, ":") {
		urlHost = "[" + host + "]"
	}
	return fmt.Sprintf("Serving HTTP on %s port %s (http://%s:%s/) ...", host, port, urlHost, port)
}

// oneLine keeps an error message on one line of stderr.
func oneLine(err error) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(err.Error())
}
