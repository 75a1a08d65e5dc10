// Command app shows simplehttp's packages used from another module, the
// way the README describes them:
//
//   - newAssetsApp mounts fileserver over fs.Sub of an embed.FS under
//     /assets/ in a plain http.ServeMux beside an API route, and wraps the
//     mux in nothing but accesslog and errorpage;
//   - newPythonServer rebuilds the simplehttp command's own composition,
//     accesslog → errorpage → cgi → fileserver, with chi, from the
//     packages' public API alone.
//
// Run it with
//
//	go run . [-addr 127.0.0.1:8080] [-python DIR]
//
// and stop it with Ctrl-C: it shuts the server down, then closes what the
// handlers hold and writes the last log lines.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/cgi"
	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
)

//go:embed static
var static embed.FS

// newAssetsApp is an application's own mux: an API route and the embedded
// assets, with Python's error pages and access log around both. The
// returned func writes the last log lines; call it after Shutdown.
func newAssetsApp(logTo io.Writer) (http.Handler, func() error, error) {
	assets, err := fs.Sub(static, "static")
	if err != nil {
		return nil, nil, err
	}
	files, err := fileserver.New(assets, fileserver.Options{})
	if err != nil {
		return nil, nil, err
	}
	al, err := accesslog.New(accesslog.Options{Writer: logTo})
	if err != nil {
		return nil, nil, err
	}
	ep, err := errorpage.New(errorpage.Options{})
	if err != nil {
		return nil, nil, err
	}

	mux := http.NewServeMux()
	mux.Handle("/assets/", http.StripPrefix("/assets", files))
	mux.HandleFunc("GET /api/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"hello":"world"}`+"\n")
	})
	// Every other path gets the mux's 404, which errorpage turns into
	// Python's page, with its "code 404, message ..." log line.
	return al.Handler(ep.Handler(mux)), al.Close, nil
}

// newPythonServer is the simplehttp command's handler, rebuilt: the access
// log outermost, then Python's error pages (closing the connection after
// each, as Python does), the CGI scripts of dir/cgi-bin and dir/htbin when
// withCGI is set, and the file server. The returned func releases the
// directory and writes the last log lines; call it after Shutdown.
func newPythonServer(dir string, withCGI bool, logTo io.Writer) (http.Handler, func() error, error) {
	files, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		return nil, nil, err
	}
	al, err := accesslog.New(accesslog.Options{Writer: logTo})
	if err != nil {
		files.Close()
		return nil, nil, err
	}
	ep, err := errorpage.New(errorpage.Options{CloseAfterError: true})
	if err != nil {
		files.Close()
		return nil, nil, err
	}
	mws := chi.Middlewares{al.Handler, ep.Handler}
	if withCGI {
		scripts, err := cgi.New(cgi.Options{Root: dir})
		if err != nil {
			files.Close()
			return nil, nil, err
		}
		mws = append(mws, scripts.Handler)
	}
	closeAll := func() error { return errors.Join(al.Close(), files.Close()) }
	return chi.Chain(mws...).Handler(files), closeAll, nil
}

func main() {
	// CGI scripts are started through this executable (see cgi.MaybeRunLauncher).
	cgi.MaybeRunLauncher()
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	python := flag.String("python", "", "serve this directory as the simplehttp command does, with CGI")
	flag.Parse()
	if err := run(*addr, *python); err != nil {
		fmt.Fprintln(os.Stderr, "app:", err)
		os.Exit(1)
	}
}

func run(addr, python string) error {
	var (
		h        http.Handler
		closeAll func() error
		err      error
	)
	if python != "" {
		h, closeAll, err = newPythonServer(python, true, os.Stderr)
	} else {
		h, closeAll, err = newAssetsApp(os.Stderr)
	}
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("serving on http://%s/", addr)
	select {
	case err = <-errc: // could not listen
	case <-ctx.Done():
		stop() // a second Ctrl-C ends the program at once
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err = srv.Shutdown(sctx); err != nil {
			srv.Close() // past 10 s: cut off what is left
		}
		cancel()
	}
	// After Shutdown: no request is left to log.
	return errors.Join(err, closeAll())
}
