package capture_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/internal/capture"
)

// result is what a handler saw through its Writer, read after it returned.
type result struct {
	status      int
	bytes       int64
	hijacked    bool
	intercepted bool
	err         error
}

// serve starts a server (HTTP/1.1 or HTTP/2 over TLS) whose handler wraps
// its ResponseWriter in a capture.Writer and runs h with it. The results
// arrive on the returned channel once the handler has returned.
func serve(t *testing.T, proto string, h func(*capture.Writer, *http.Request) error) (*httptest.Server, <-chan result) {
	t.Helper()
	ch := make(chan result, 16)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := capture.New(w)
		err := h(cw, r)
		ch <- result{cw.Status(), cw.BytesWritten(), cw.Hijacked(), cw.Intercepted(), err}
	})
	var ts *httptest.Server
	switch proto {
	case "HTTP/1.1":
		ts = httptest.NewServer(handler)
	case "HTTP/2":
		ts = httptest.NewUnstartedServer(handler)
		ts.EnableHTTP2 = true
		ts.StartTLS()
	default:
		t.Fatalf("unknown proto %s", proto)
	}
	t.Cleanup(ts.Close)
	return ts, ch
}

var protos = []string{"HTTP/1.1", "HTTP/2"}

func get(t *testing.T, ts *httptest.Server, method, path string, trace *httptrace.ClientTrace) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if trace != nil {
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func wait(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("handler did not return")
		return result{}
	}
}

// Flush through http.ResponseController must reach the real writer (it
// needs FlushError or Unwrap) and commit the implicit 200; the client sees
// the first chunk before the handler has finished.
func TestFlush(t *testing.T) {
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			release := make(chan struct{})
			ts, ch := serve(t, proto, func(w *capture.Writer, r *http.Request) error {
				if _, err := io.WriteString(w, "first\n"); err != nil {
					return err
				}
				if err := http.NewResponseController(w).Flush(); err != nil {
					return err
				}
				<-release
				_, err := io.WriteString(w, "second\n")
				return err
			})
			res, err := ts.Client().Get(ts.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			line, err := bufio.NewReader(res.Body).ReadString('\n')
			if err != nil || line != "first\n" {
				t.Fatalf("first chunk = %q, %v; want it before the handler returns", line, err)
			}
			close(release)
			got := wait(t, ch)
			if got.err != nil {
				t.Fatalf("handler: %v", got.err)
			}
			if res.StatusCode != 200 || got.status != 200 || got.bytes != 13 {
				t.Errorf("status = %d, Status() = %d, BytesWritten() = %d; want 200, 200, 13",
					res.StatusCode, got.status, got.bytes)
			}
		})
	}
}

// Flush alone commits the 200 header.
func TestFlushCommitsHeader(t *testing.T) {
	rec := httptest.NewRecorder()
	cw := capture.New(rec)
	cw.Header().Set("X-A", "1")
	if err := http.NewResponseController(cw).Flush(); err != nil {
		t.Fatal(err)
	}
	if !rec.Flushed || rec.Code != 200 || cw.Status() != 200 || cw.BytesWritten() != 0 {
		t.Errorf("flushed = %v, code = %d, Status() = %d, BytesWritten() = %d; want true, 200, 200, 0",
			rec.Flushed, rec.Code, cw.Status(), cw.BytesWritten())
	}
}

func TestHijack(t *testing.T) {
	t.Run("HTTP/1.1", func(t *testing.T) {
		ts, ch := serve(t, "HTTP/1.1", func(w *capture.Writer, r *http.Request) error {
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return err
			}
			defer conn.Close()
			brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
			if err := brw.Flush(); err != nil {
				return err
			}
			line, err := brw.ReadString('\n')
			if err != nil {
				return err
			}
			brw.WriteString("echo: " + line)
			return brw.Flush()
		})
		req, _ := http.NewRequest(http.MethodGet, ts.URL, nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "echo")
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("status = %d, want 101", res.StatusCode)
		}
		rw, ok := res.Body.(io.ReadWriter)
		if !ok {
			t.Fatalf("101 body %T is not writable", res.Body)
		}
		io.WriteString(rw, "hello\n")
		line, err := bufio.NewReader(rw).ReadString('\n')
		if err != nil || line != "echo: hello\n" {
			t.Errorf("echo = %q, %v", line, err)
		}
		got := wait(t, ch)
		if got.err != nil || !got.hijacked || got.status != 0 || got.bytes != 0 {
			t.Errorf("handler: err = %v, Hijacked() = %v, Status() = %d, BytesWritten() = %d; want nil, true, 0, 0",
				got.err, got.hijacked, got.status, got.bytes)
		}
	})
	t.Run("HTTP/2", func(t *testing.T) {
		ts, ch := serve(t, "HTTP/2", func(w *capture.Writer, r *http.Request) error {
			_, _, err := w.Hijack()
			if !errors.Is(err, http.ErrNotSupported) {
				return errors.New("Hijack over HTTP/2: err = " + strconv.Quote(err.Error()))
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
		res, _ := get(t, ts, http.MethodGet, "/", nil)
		got := wait(t, ch)
		if got.err != nil || got.hijacked || res.StatusCode != 204 {
			t.Errorf("err = %v, Hijacked() = %v, status = %d; want nil, false, 204", got.err, got.hijacked, res.StatusCode)
		}
	})
}

// A file served with http.ServeContent goes through Writer.ReadFrom: the
// bytes counted must equal the Content-Length the client received.
func TestReadFromFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "data.bin")
	content := bytes.Repeat([]byte("0123456789abcdef"), 100000/16+1)[:100000]
	if err := os.WriteFile(name, content, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			ts, ch := serve(t, proto, func(w *capture.Writer, r *http.Request) error {
				f, err := os.Open(name)
				if err != nil {
					return err
				}
				defer f.Close()
				fi, err := f.Stat()
				if err != nil {
					return err
				}
				w.Header().Set("Content-Type", "application/octet-stream")
				http.ServeContent(w, r, "data.bin", fi.ModTime(), f)
				return nil
			})
			res, body := get(t, ts, http.MethodGet, "/", nil)
			got := wait(t, ch)
			if got.err != nil {
				t.Fatal(got.err)
			}
			cl, _ := strconv.ParseInt(res.Header.Get("Content-Length"), 10, 64)
			if res.StatusCode != 200 || got.status != 200 {
				t.Errorf("status = %d, Status() = %d; want 200", res.StatusCode, got.status)
			}
			if got.bytes != cl || cl != int64(len(content)) || !bytes.Equal(body, content) {
				t.Errorf("BytesWritten() = %d, Content-Length = %d, body %d bytes; want %d each",
					got.bytes, cl, len(body), len(content))
			}

			// A range: ServeContent copies a LimitReader.
			req, _ := http.NewRequest(http.MethodGet, ts.URL, nil)
			req.Header.Set("Range", "bytes=10-1009")
			rres, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			rbody, _ := io.ReadAll(rres.Body)
			rres.Body.Close()
			got = wait(t, ch)
			if rres.StatusCode != 206 || got.status != 206 || got.bytes != 1000 || !bytes.Equal(rbody, content[10:1010]) {
				t.Errorf("range: status = %d, Status() = %d, BytesWritten() = %d, body %d bytes; want 206, 206, 1000, 1000",
					rres.StatusCode, got.status, got.bytes, len(rbody))
			}
		})
	}
}

// readFromRecorder is an inner writer that records whether ReadFrom was
// called: a cheap stand-in for strace's sendfile check.
type readFromRecorder struct {
	*httptest.ResponseRecorder
	readFromCalls int
}

func (w *readFromRecorder) ReadFrom(r io.Reader) (int64, error) {
	w.readFromCalls++
	return io.Copy(struct{ io.Writer }{w.ResponseRecorder}, r)
}

func TestReadFromReachesInner(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(strings.Repeat("x", 5000))
	f.Seek(0, io.SeekStart)

	inner := &readFromRecorder{ResponseRecorder: httptest.NewRecorder()}
	cw := capture.New(inner)
	n, err := io.Copy(cw, f) // what http.ServeContent does
	if err != nil || n != 5000 {
		t.Fatalf("io.Copy = %d, %v; want 5000, nil", n, err)
	}
	if inner.readFromCalls != 1 {
		t.Errorf("inner ReadFrom called %d times, want 1 (sendfile would be lost)", inner.readFromCalls)
	}
	if cw.BytesWritten() != 5000 || cw.Status() != 200 || inner.Code != 200 || inner.Body.Len() != 5000 {
		t.Errorf("BytesWritten() = %d, Status() = %d, inner code %d, inner body %d; want 5000, 200, 200, 5000",
			cw.BytesWritten(), cw.Status(), inner.Code, inner.Body.Len())
	}
}

// An inner writer without ReadFrom: the fallback copies through Write and
// still counts.
func TestReadFromFallback(t *testing.T) {
	rec := httptest.NewRecorder() // has no ReadFrom
	cw := capture.New(rec)
	n, err := cw.ReadFrom(strings.NewReader("hello, world"))
	if err != nil || n != 12 || cw.BytesWritten() != 12 || rec.Body.String() != "hello, world" {
		t.Errorf("ReadFrom = %d, %v; BytesWritten() = %d; body %q", n, err, cw.BytesWritten(), rec.Body.String())
	}
}

func TestWriteHeader(t *testing.T) {
	tests := []struct {
		name       string
		handler    func(w *capture.Writer)
		wantStatus int   // Status()
		wantCode   int   // what the client got
		wantBytes  int64 // BytesWritten()
		wantBody   string
	}{
		{"nothing", func(w *capture.Writer) {}, 0, 200, 0, ""},
		{"implicit_200_write", func(w *capture.Writer) { w.Write([]byte("abc")) }, 200, 200, 3, "abc"},
		{"implicit_200_write_string", func(w *capture.Writer) { w.WriteString("abcd") }, 200, 200, 4, "abcd"},
		{"explicit", func(w *capture.Writer) { w.WriteHeader(404); w.Write([]byte("x")) }, 404, 404, 1, "x"},
		// A second final status is ignored, not forwarded.
		{"second_ignored", func(w *capture.Writer) { w.WriteHeader(404); w.WriteHeader(500) }, 404, 404, 0, ""},
		{"after_write_ignored", func(w *capture.Writer) { w.Write([]byte("ok")); w.WriteHeader(500) }, 200, 200, 2, "ok"},
		// 1xx pass through and are not the status.
		{"103_then_200", func(w *capture.Writer) { w.WriteHeader(103); w.WriteHeader(201) }, 201, 201, 0, ""},
	}
	for _, proto := range protos {
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				ts, ch := serve(t, proto, func(w *capture.Writer, r *http.Request) error {
					tt.handler(w)
					return nil
				})
				res, body := get(t, ts, http.MethodGet, "/", nil)
				got := wait(t, ch)
				if res.StatusCode != tt.wantCode || got.status != tt.wantStatus || got.bytes != tt.wantBytes || string(body) != tt.wantBody {
					t.Errorf("GET: status = %d, Status() = %d, BytesWritten() = %d, body = %q; want %d, %d, %d, %q",
						res.StatusCode, got.status, got.bytes, body, tt.wantCode, tt.wantStatus, tt.wantBytes, tt.wantBody)
				}
			})
		}
	}
}

// 103 Early Hints reaches the client as an informational response, with
// the headers set at the time, and the final status is recorded after it.
func TestEarlyHints(t *testing.T) {
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			ts, ch := serve(t, proto, func(w *capture.Writer, r *http.Request) error {
				w.Header().Set("Link", "</style.css>; rel=preload")
				w.WriteHeader(http.StatusEarlyHints)
				if w.Status() != 0 {
					return errors.New("103 recorded as the status")
				}
				w.Header().Set("Content-Type", "text/plain")
				_, err := w.WriteString("done")
				return err
			})
			var mu sync.Mutex
			var got1xx []int
			var link string
			trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
				mu.Lock()
				defer mu.Unlock()
				got1xx = append(got1xx, code)
				link = h.Get("Link")
				return nil
			}}
			res, body := get(t, ts, http.MethodGet, "/", trace)
			got := wait(t, ch)
			if got.err != nil {
				t.Fatal(got.err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got1xx) != 1 || got1xx[0] != 103 || link != "</style.css>; rel=preload" {
				t.Errorf("1xx = %v, Link = %q; want [103], the preload", got1xx, link)
			}
			if res.StatusCode != 200 || got.status != 200 || got.bytes != 4 || string(body) != "done" {
				t.Errorf("status = %d, Status() = %d, BytesWritten() = %d, body %q", res.StatusCode, got.status, got.bytes, body)
			}
		})
	}
}

// With Intercept returning true, nothing reaches the inner writer, through
// any of the three body paths, and Flush does not commit a header.
func TestIntercept(t *testing.T) {
	type call struct {
		code int
		ct   string
	}
	for _, intercept := range []bool{true, false} {
		t.Run("intercept="+strconv.FormatBool(intercept), func(t *testing.T) {
			inner := &readFromRecorder{ResponseRecorder: httptest.NewRecorder()}
			cw := capture.New(inner)
			var calls []call
			cw.Intercept = func(code int, h http.Header) bool {
				calls = append(calls, call{code, h.Get("Content-Type")})
				return intercept
			}
			cw.Header().Set("Content-Type", "text/plain")
			cw.WriteHeader(404)
			cw.WriteHeader(500)
			n1, _ := cw.Write([]byte("ab"))
			n2, _ := cw.WriteString("cde")
			n3, _ := cw.ReadFrom(strings.NewReader("fghi"))
			cw.Flush()
			if len(calls) != 1 || calls[0] != (call{404, "text/plain"}) {
				t.Errorf("Intercept calls = %v, want one with 404, text/plain", calls)
			}
			if n1 != 2 || n2 != 3 || n3 != 4 {
				t.Errorf("writes returned %d, %d, %d; want 2, 3, 4", n1, n2, n3)
			}
			if cw.Status() != 404 || cw.Intercepted() != intercept {
				t.Errorf("Status() = %d, Intercepted() = %v; want 404, %v", cw.Status(), cw.Intercepted(), intercept)
			}
			if intercept {
				if inner.Body.Len() != 0 || inner.Flushed || inner.readFromCalls != 0 || cw.BytesWritten() != 0 {
					t.Errorf("intercepted: inner body %q, flushed %v, ReadFrom calls %d, BytesWritten() %d; want nothing",
						inner.Body, inner.Flushed, inner.readFromCalls, cw.BytesWritten())
				}
				// The owner of the hook writes its own response.
				cw.Unwrap().WriteHeader(cw.Status())
			} else if inner.Body.String() != "abcdefghi" || cw.BytesWritten() != 9 || inner.readFromCalls != 1 {
				t.Errorf("passed: inner body %q, BytesWritten() %d, ReadFrom calls %d", inner.Body, cw.BytesWritten(), inner.readFromCalls)
			}
			if inner.Code != 404 {
				t.Errorf("inner code = %d, want 404", inner.Code)
			}
		})
	}
}

// After Finish, every writing call fails or does nothing, and none reaches
// the inner writer: a goroutine left behind by a finished handler cannot
// write into a response net/http has finished.
func TestFinish(t *testing.T) {
	rec := httptest.NewRecorder()
	cw := capture.New(rec)
	io.WriteString(cw, "ok")
	cw.Finish()
	if !cw.Finished() {
		t.Error("Finished() = false after Finish")
	}
	cw.Header().Set("X-Late", "1")
	cw.WriteHeader(http.StatusTeapot)
	if _, err := cw.Write([]byte("late")); !errors.Is(err, capture.ErrFinished) {
		t.Errorf("Write: %v, want ErrFinished", err)
	}
	if _, err := cw.WriteString("late"); !errors.Is(err, capture.ErrFinished) {
		t.Errorf("WriteString: %v, want ErrFinished", err)
	}
	if _, err := cw.ReadFrom(strings.NewReader("late")); !errors.Is(err, capture.ErrFinished) {
		t.Errorf("ReadFrom: %v, want ErrFinished", err)
	}
	if err := cw.FlushError(); !errors.Is(err, capture.ErrFinished) {
		t.Errorf("FlushError: %v, want ErrFinished", err)
	}
	if _, _, err := cw.Hijack(); !errors.Is(err, capture.ErrFinished) {
		t.Errorf("Hijack: %v, want ErrFinished", err)
	}
	rc := http.NewResponseController(cw)
	if err := rc.SetReadDeadline(time.Now()); !errors.Is(err, capture.ErrFinished) {
		t.Errorf("SetReadDeadline: %v, want ErrFinished", err)
	}
	if err := rc.SetWriteDeadline(time.Now()); !errors.Is(err, capture.ErrFinished) {
		t.Errorf("SetWriteDeadline: %v, want ErrFinished", err)
	}
	if err := rc.EnableFullDuplex(); !errors.Is(err, capture.ErrFinished) {
		t.Errorf("EnableFullDuplex: %v, want ErrFinished", err)
	}
	if rec.Code != 200 || rec.Body.String() != "ok" || rec.Header().Get("X-Late") != "" || rec.Flushed {
		t.Errorf("inner writer: %d %q %v flushed=%v; want what was sent before Finish", rec.Code, rec.Body, rec.Header(), rec.Flushed)
	}
	if cw.Status() != 200 || cw.BytesWritten() != 2 {
		t.Errorf("Status, BytesWritten = %d, %d; want 200, 2", cw.Status(), cw.BytesWritten())
	}
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header               { return d.h }
func (*discard) Write(p []byte) (int, error)         { return len(p), nil }
func (*discard) WriteString(s string) (int, error)   { return len(s), nil }
func (*discard) WriteHeader(int)                     {}
func (*discard) Flush()                              {}
func (*discard) ReadFrom(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }

// BenchmarkWriter: a Writer costs one allocation per request, itself.
func BenchmarkWriter(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1024)
	inner := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		cw := capture.New(inner)
		cw.WriteHeader(200)
		cw.Write(body)
		cw.Flush()
		cw.Finish()
		if cw.BytesWritten() != 1024 {
			b.Fatal("miscounted")
		}
	}
}

// TestWriteAfterHijack: once the connection is the handler's, writes and
// flushes fail with http.ErrHijacked and record no status (net/http
// would log each and panic on the flush), and a status claimed by
// Intercept before the Hijack is forgotten: it was never sent.
func TestWriteAfterHijack(t *testing.T) {
	for _, intercept := range []bool{false, true} {
		ch := make(chan result, 1)
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cw := capture.New(w)
			cw.Intercept = func(code int, _ http.Header) bool { return intercept && code == 403 }
			if intercept {
				cw.WriteHeader(403)
			}
			conn, _, err := cw.Hijack()
			if err == nil {
				conn.Write([]byte("HTTP/1.1 204 No Content\r\n\r\n"))
				conn.Close()
				var errs []error
				_, e := cw.Write([]byte("late"))
				errs = append(errs, e)
				_, e = cw.WriteString("late")
				errs = append(errs, e)
				_, e = cw.ReadFrom(strings.NewReader("late"))
				errs = append(errs, e)
				errs = append(errs, cw.FlushError())
				cw.WriteHeader(500)
				for _, e := range errs {
					if !errors.Is(e, http.ErrHijacked) {
						err = fmt.Errorf("a write after Hijack: %v, want http.ErrHijacked", e)
					}
				}
			}
			ch <- result{cw.Status(), cw.BytesWritten(), cw.Hijacked(), cw.Intercepted(), err}
		}))
		res, err := ts.Client().Get(ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got := wait(t, ch)
		ts.Close()
		if res.StatusCode != 204 || got.err != nil || !got.hijacked || got.status != 0 || got.bytes != 0 || got.intercepted {
			t.Errorf("intercept %v: client got %d; handler: %+v; want 204, and hijacked, status 0, no bytes, not intercepted", intercept, res.StatusCode, got)
		}
	}
}
