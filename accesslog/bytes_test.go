package accesslog_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
)

// TestBytes checks that SIZE is the body length the client received.
func TestBytes(t *testing.T) {
	dir := t.TempDir()
	content := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320000 bytes
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.txt", "b c.html"} {
		if err := os.WriteFile(filepath.Join(dir, "sub", name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fsrv, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fsrv.Close()
	mux := http.NewServeMux()
	mux.Handle("/", fsrv)
	mux.HandleFunc("/teapot", func(w http.ResponseWriter, r *http.Request) {
		errorpage.Error(w, r, http.StatusTeapot, "", "")
	})
	log := accesslog.NewSink()
	m := newMiddleware(t, accesslog.Options{Writer: log, Now: func() time.Time { return accesslog.FixedTime }})
	srv := httptest.NewServer(m.Handler(mux))
	defer srv.Close()

	modtime := func() string {
		fi, err := os.Stat(filepath.Join(dir, "big.bin"))
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime().UTC().Format(http.TimeFormat)
	}()
	tests := []struct {
		name, method, target string
		header               map[string]string
		wantStatus           int
		wantSize             string // "" means the response's Content-Length
	}{
		{"sendfile", "GET", "/big.bin", nil, 200, ""},
		{"listing", "GET", "/sub/", nil, 200, ""},
		{"not_found", "GET", "/nope", nil, 404, ""},
		{"error_page", "GET", "/teapot", nil, 418, ""},
		{"head", "HEAD", "/big.bin", nil, 200, "-"},
		{"not_modified", "GET", "/big.bin", map[string]string{"If-Modified-Since": modtime}, 304, "-"},
	}
	client := srv.Client()
	n := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.target, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s: status = %d, want %d", tt.method, tt.target, resp.StatusCode, tt.wantStatus)
			}
			want := tt.wantSize
			if want == "" {
				cl := resp.Header.Get("Content-Length")
				if cl == "" || cl != strconv.Itoa(len(body)) {
					t.Fatalf("%s %s: Content-Length %q for %d body bytes", tt.method, tt.target, cl, len(body))
				}
				want = cl
			}
			n++
			lines := log.Lines(t, n)
			last := lines[len(lines)-1]
			wantLine := fmt.Sprintf("127.0.0.1 - - [05/Mar/2024 09:07:03] \"%s %s HTTP/1.1\" %d %s\n", tt.method, tt.target, tt.wantStatus, want)
			if last != wantLine {
				t.Errorf("%s %s: logged %q, want %q", tt.method, tt.target, last, wantLine)
			}
			// errorpage's log_error line comes first, as in Python.
			if tt.name == "not_found" {
				if prev := lines[len(lines)-2]; prev != "127.0.0.1 - - [05/Mar/2024 09:07:03] code 404, message File not found\n" {
					t.Errorf("line before the request line = %q", prev)
				}
			}
			n = len(lines)
		})
	}
}

// Messages reach the log from errorpage through chi's router and a
// middleware that wraps the ResponseWriter: they travel in the request's
// context.
func TestMessagesThroughChi(t *testing.T) {
	log := accesslog.NewSink()
	m := newMiddleware(t, accesslog.Options{Writer: log, Now: func() time.Time { return accesslog.FixedTime }})
	ep, err := errorpage.New(errorpage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(m.Handler)
	r.Use(func(next http.Handler) http.Handler { // as chi's Logger, Compress... wrap
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(middleware.NewWrapResponseWriter(w, r.ProtoMajor), r)
		})
	})
	r.Use(ep.Handler)
	r.Get("/teapot", func(w http.ResponseWriter, r *http.Request) {
		errorpage.Error(w, r, http.StatusTeapot, "Short & stout", "")
	})
	r.Get("/gone", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	size := map[string]int{}
	for _, path := range []string{"/teapot", "/gone"} {
		req := httptest.NewRequest("GET", path, nil)
		req.RemoteAddr = "192.0.2.1:1234"
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if !strings.HasPrefix(rec.Body.String(), "<!DOCTYPE HTML>") {
			t.Errorf("GET %s: %d %q, want the error page", path, rec.Code, rec.Body)
		}
		size[path] = rec.Body.Len()
	}
	got := log.Lines(t, 4)
	want := []string{
		"192.0.2.1 - - [05/Mar/2024 09:07:03] code 418, message Short & stout\n",
		fmt.Sprintf("192.0.2.1 - - [05/Mar/2024 09:07:03] \"GET /teapot HTTP/1.1\" 418 %d\n", size["/teapot"]),
		"192.0.2.1 - - [05/Mar/2024 09:07:03] code 410, message Gone\n",
		fmt.Sprintf("192.0.2.1 - - [05/Mar/2024 09:07:03] \"GET /gone HTTP/1.1\" 410 %d\n", size["/gone"]),
	}
	if !slices.Equal(got, want) {
		t.Errorf("log:\n%q\nwant:\n%q", got, want)
	}
}

func newMiddleware(t *testing.T, opts accesslog.Options) *accesslog.Middleware {
	t.Helper()
	m, err := accesslog.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}
