package accesslog_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/errorpage"
)

// A fixed clock and address make the output reproducible.
func ExampleNew() {
	al, err := accesslog.New(accesslog.Options{
		Writer: os.Stdout,
		Now:    func() time.Time { return time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer al.Close()
	h := al.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
	}))
	r := httptest.NewRequest("GET", "/a%20b?x=1", nil)
	r.RemoteAddr = "192.0.2.1:54321"
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// 192.0.2.1 - - [05/Mar/2024 09:07:03] "GET /a%20b?x=1 HTTP/1.1" 200 6
}

// Combined Log Format, with control characters scrubbed.
func ExampleOptions_combined() {
	al, err := accesslog.New(accesslog.Options{
		Writer: os.Stdout,
		Format: accesslog.Combined,
		Now:    func() time.Time { return time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer al.Close() // with no FlushInterval each line is written at once
	h := al.Handler(http.NotFoundHandler())
	r := httptest.NewRequest("GET", "/missing", nil)
	r.RemoteAddr = "[2001:db8::1]:443"
	r.Header.Set("User-Agent", "evil\x1b[2J\"agent")
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// 2001:db8::1 - - [05/Mar/2024:09:07:03 +0000] "GET /missing HTTP/1.1" 404 19 "-" "evil\x1b[2J\"agent"
}

func ExampleScrub() {
	fmt.Println(accesslog.Scrub("GET /\x1b[31mred\\ \u0085 HTTP/1.1\r\n"))
	// Output:
	// GET /\x1b[31mred\\ \x85 HTTP/1.1\x0d\x0a
}

// With net/http: wrap the whole mux, and close the log after shutdown
// (here on Ctrl-C). It serves until then, so it has no output to check:
// go test compiles it without running it.
func ExampleMiddleware_Handler() {
	al, err := accesslog.New(accesslog.Options{}) // Python's format on stderr
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(".")))
	srv := &http.Server{Addr: "127.0.0.1:8000", Handler: al.Handler(mux), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err = <-errc: // could not listen
	case <-ctx.Done():
		stop() // a second Ctrl-C ends the program at once
		// ListenAndServe returns as soon as Shutdown begins, while
		// requests may still run: wait for Shutdown itself, and past
		// 10 s cut them off, or a client that downloads slowly (or
		// stopped reading) would keep the program from ending.
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err = srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
	}
	// After Shutdown: writes the lines still buffered. A request that
	// srv.Close cut off may still be running, and goes unlogged.
	al.Close()
	if err != nil {
		log.Fatal(err)
	}
}

// With chi: the middleware goes in r.Use. It serves until the process
// ends, so it has no output to check: go test compiles it without running
// it.
func Example_chi() {
	al, err := accesslog.New(accesslog.Options{
		Format:         accesslog.Combined,
		TrustedProxies: []string{"127.0.0.1", "10.0.0.0/8"},
	})
	if err != nil {
		log.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(al.Handler)
	r.Get("/hello", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi\n") })
	srv := &http.Server{Addr: "127.0.0.1:8000", Handler: r, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Print(err)
	}
	al.Close() // after srv.Shutdown (see ExampleMiddleware_Handler)
}

// Streaming, as an API that sends server-sent events does: through the
// access log and the error pages, the handler's ResponseWriter passes
// Flush and the deadlines of http.ResponseController on, so each event
// reaches the client as soon as it is flushed (here the handler sends
// the second only once the client has read the first), and the request
// is logged when the stream ends, with every byte sent.
func Example_streaming() {
	al, err := accesslog.New(accesslog.Options{
		Writer: os.Stdout,
		Now:    func() time.Time { return time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer al.Close()
	ep, err := errorpage.New(errorpage.Options{})
	if err != nil {
		log.Fatal(err)
	}
	read := make(chan struct{})
	events := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			log.Fatal(err)
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 1; i <= 2; i++ {
			fmt.Fprintf(w, "data: event %d\n\n", i)
			if err := rc.Flush(); err != nil {
				log.Fatal(err)
			}
			<-read // the client has it: nothing held it back
		}
	})
	srv := httptest.NewServer(al.Handler(ep.Handler(events)))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/events")
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	fmt.Println(res.Status, res.Header.Get("Content-Type"))
	body := bufio.NewReader(res.Body)
	for range 2 {
		event, err := body.ReadString('\n')
		if err != nil {
			log.Fatal(err)
		}
		body.ReadString('\n') // the blank line that ends an event
		fmt.Print(event)
		read <- struct{}{}
	}
	io.Copy(io.Discard, body) // the end of the stream, once the line is logged
	// Output:
	// 200 OK text/event-stream
	// data: event 1
	// data: event 2
	// 127.0.0.1 - - [05/Mar/2024 09:07:03] "GET /events HTTP/1.1" 200 30
}
