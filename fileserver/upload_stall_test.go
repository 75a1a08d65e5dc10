package fileserver_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

// TestUploadStalled sends half a body over a real connection and stops:
// after UploadIdleTimeout the client gets 408 and the connection is
// closed, and nothing is stored. net/http cancels the request's context
// when the read times out, and the answer must go out all the same
// (without one, net/http sent its default 200 for an upload never
// stored).
func TestUploadStalled(t *testing.T) {
	body, ct := multipartBody(t, "a.txt", strings.Repeat("x", 1000))
	for _, tc := range []struct {
		name, head string
		body       []byte
	}{
		{"PUT", "PUT /s.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", bytes.Repeat([]byte("x"), 1000)},
		{"PUT chunked", "PUT /s.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", []byte("3e8\r\n" + strings.Repeat("x", 1000) + "\r\n0\r\n\r\n")},
		{"POST", fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", ct, len(body)), body},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadIdleTimeout: 300 * time.Millisecond})
			srv := httptest.NewServer(h)
			defer srv.Close()
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(c, tc.head)
			c.Write(tc.body[:len(tc.body)/2]) // and nothing more
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 408 || !resp.Close || !bytes.Contains(page, []byte("Upload idle too long")) {
				t.Errorf("status %d, close %v, page %q; want 408, close, the page", resp.StatusCode, resp.Close, page)
			}
			h.Close()
			sameTree(t, dir, map[string]string{"./": ""})
		})
	}
}

// TestUploadNoDeadlineWarning: behind a middleware whose ResponseWriter
// has no Unwrap method, an upload's read deadline cannot be set, so
// UploadIdleTimeout cannot give up a stalled upload: the log says so,
// once. Served straight from the connection, it says nothing.
func TestUploadNoDeadlineWarning(t *testing.T) {
	const warning = "Options.UploadIdleTimeout has no effect"
	for _, wrapped := range []bool{false, true} {
		var log syncbuf.Buffer
		h := newUploader(t, t.TempDir(), fileserver.SymlinksFollow, fileserver.Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
		var handler http.Handler = h
		if wrapped {
			handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(plainWriter{w}, r) })
		}
		srv := httptest.NewServer(handler)
		for i := range 2 {
			req, _ := http.NewRequest("PUT", srv.URL+"/"+itoa(i)+".txt", strings.NewReader("x"))
			resp, err := srv.Client().Do(req)
			if err != nil || resp.StatusCode != 201 {
				t.Fatalf("PUT: %v %v", resp, err)
			}
			resp.Body.Close()
		}
		srv.Close()
		if n := strings.Count(log.String(), warning); n != map[bool]int{false: 0, true: 1}[wrapped] {
			t.Errorf("wrapped %v: %d warnings in the log:\n%s", wrapped, n, log.String())
		}
	}
}

// plainWriter hides every method of its ResponseWriter but those of the
// interface, as a middleware's wrapper without Unwrap does.
type plainWriter struct{ http.ResponseWriter }
