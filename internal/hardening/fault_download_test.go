//go:build unix

package hardening

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// downloadSize is big enough that a download stalled by a client that
// stops reading is still in the middle of the file: loopback buffers
// (tcp_wmem up to 4 MiB by default, plus the client's small receive
// buffer) hold about half of it.
const downloadSize = 8 << 20

// pattern returns n bytes that differ for each seed and each offset, so
// that a body mixing two versions or two offsets cannot pass for either.
func pattern(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 1})
	r.Read(b)
	return b
}

// stalledDownload is a GET whose client has read the header and the first
// bytes of the body and then stopped reading, so that the server is
// blocked in the middle of the file.
type stalledDownload struct {
	conn net.Conn
	res  *http.Response
	got  []byte // the body read so far
}

// startDownload sends GET target on a connection with a small receive
// buffer and reads the header and the first 64 KiB of the body.
func startDownload(t *testing.T, addr, target string) *stalledDownload {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10)
		}); err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second)) // a bound against hangs
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr)
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.ContentLength != downloadSize {
		t.Fatalf("GET %s: %d, Content-Length %d, want 200 and %d", target, res.StatusCode, res.ContentLength, downloadSize)
	}
	got := make([]byte, 64<<10)
	if _, err := io.ReadFull(res.Body, got); err != nil {
		t.Fatal(err)
	}
	return &stalledDownload{conn: conn, res: res, got: got}
}

// finish reads the rest of the body. err is nil only when the whole
// Content-Length arrived; a short body gives io.ErrUnexpectedEOF.
func (d *stalledDownload) finish() (body []byte, err error) {
	d.conn.(*net.TCPConn).SetReadBuffer(4 << 20) // the rest at full speed
	rest, err := io.ReadAll(d.res.Body)
	return append(d.got, rest...), err
}

// headETag is the ETag the server gives the file now.
func headETag(t *testing.T, addr, target string) string {
	t.Helper()
	res := rawRequest(t, addr, "HEAD "+target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	return res.header.Get("Etag")
}

// TestFaultFileChangesDuringDownload changes a file while a client is in
// the middle of downloading it, through the full stack, and checks that
// the client gets either the complete original body or a body cut short
// of its Content-Length (which every HTTP client detects), and that a
// client resuming with Range and If-Range never gets two versions
// spliced together.
//
// A short body is not always a prefix of the original: sendfile queues
// references to the page cache, not copies, so bytes still queued when
// the file is truncated can go out as zeros (seen: the rest of a 2 MiB
// folio). It is short all the same, so the client knows to discard or
// revalidate it.
//
// Overwriting the file in place (same size, new bytes) is the one change
// a server cannot hide: the descriptor it sends from sees the new bytes.
// That case checks the fallback: the validator (ETag) changes, so If-Range
// and If-Match catch it.
func TestFaultFileChangesDuringDownload(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	writeTree(t, root, nil)
	st := newStack(t, root, stackOptions{})
	old := pattern(1, downloadSize)
	newer := pattern(2, downloadSize)

	tests := []struct {
		name   string
		change func(path string) error
		// complete: the original body must arrive whole.
		complete bool
	}{
		{"truncated", func(p string) error { return os.Truncate(p, 1<<20) }, false},
		{"truncated-to-zero", func(p string) error { return os.Truncate(p, 0) }, false},
		{"grown", func(p string) error {
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			_, err = f.Write(newer[:4<<20])
			return errors.Join(err, f.Close())
		}, true},
		{"deleted", os.Remove, true},
		{"replaced-by-rename", func(p string) error {
			tmp := p + ".tmp"
			if err := os.WriteFile(tmp, newer, 0o644); err != nil {
				return err
			}
			return os.Rename(tmp, p)
		}, true},
		{"overwritten-in-place", func(p string) error {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			_, err = f.Write(newer)
			return errors.Join(err, f.Close())
		}, false},
		{"truncated-and-rewritten", func(p string) error { return os.WriteFile(p, newer, 0o644) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.name + ".bin"
			p := filepath.Join(root, name)
			if err := os.WriteFile(p, old, 0o644); err != nil {
				t.Fatal(err)
			}
			// Distinct mtimes for the versions, whatever the file system's
			// time stamp granularity.
			os.Chtimes(p, time.Unix(1e9, 0), time.Unix(1e9, 0))
			d := startDownload(t, st.addr, "/"+name)
			etag := d.res.Header.Get("Etag")
			if err := tt.change(p); err != nil {
				t.Fatal(err)
			}
			body, err := d.finish()
			switch {
			case err == nil && bytes.Equal(body, old):
				t.Logf("complete original body")
			case err == nil && tt.complete:
				t.Fatalf("%d bytes, all of Content-Length, but not the original file", len(body))
			case err == nil:
				// Same length, other bytes: only the validator tells.
				now := headETag(t, st.addr, "/"+name)
				if now == etag {
					t.Fatalf("a body of the declared length that is not the file it was declared for, and the ETag did not change (%s)", etag)
				}
				t.Logf("full length, %s; ETag changed %s -> %s", describeMix(body, old, newer), etag, now)
			case tt.complete:
				t.Fatalf("%d of %d bytes, %v: want the original body whole", len(body), downloadSize, err)
			case !errors.Is(err, io.ErrUnexpectedEOF):
				t.Fatalf("%d bytes, error %v: want io.ErrUnexpectedEOF for a short body", len(body), err)
			case len(body) >= downloadSize:
				t.Fatalf("error %v with the whole body", err)
			default:
				t.Logf("cut short after %d of %d bytes (%v): %s", len(body), downloadSize, err, describeMix(body, old, newer))
			}
			if err != nil {
				// Resuming where the body stopped, conditionally, never
				// splices the new version onto the old bytes.
				res := rawRequest(t, st.addr, "GET /"+name+" HTTP/1.1\r\nHost: x\r\nRange: bytes="+
					strconv.Itoa(len(body))+"-\r\nIf-Range: "+etag+"\r\nConnection: close\r\n\r\n")
				if res.status == 206 {
					t.Fatalf("resume with If-Range %s after the change: 206, want 200 with the whole new file", etag)
				}
			}
		})
	}
}

// describeMix says which versions of the file a body's bytes came from.
func describeMix(body, old, newer []byte) string {
	n := len(body)
	if n == 0 {
		return "empty"
	}
	switch {
	case bytes.Equal(body, old[:n]):
		return "a prefix of the original"
	case bytes.Equal(body, newer[:n]):
		return "a prefix of the new version"
	}
	i := 0
	for i < n && body[i] == old[i] {
		i++
	}
	if bytes.Equal(body[i:], newer[i:n]) {
		return fmt.Sprintf("original bytes up to %d, then the new version", i)
	}
	j := n
	for j > i && body[j-1] == old[j-1] {
		j--
	}
	zeros := 0
	for _, c := range body[i:j] {
		if c == 0 {
			zeros++
		}
	}
	return fmt.Sprintf("bytes of neither version (original up to %d, then %d bytes of which %d zero, then original again from %d)", i, j-i, zeros, j)
}
