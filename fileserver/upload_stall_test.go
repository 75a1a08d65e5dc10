package fileserver_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
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
