//go:build unix

package fileserver_test

import (
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestShrunkWhileSentIsCut truncates a file while a client is in the
// middle of it, the server blocked on the client's window: the body then
// falls short of its Content-Length, and the response must end as an
// error every client sees, not as a complete one. net/http closes an
// HTTP/1.1 connection by itself, but HTTP/2 ended the stream normally
// (END_STREAM, no reset) and a compressing middleware, which sends the
// body chunked, ended it with its last chunk: the client got a shorter
// file without any error.
func TestShrunkWhileSentIsCut(t *testing.T) {
	const size = 32 << 20 // more than the socket buffers and the HTTP/2 window (4 MiB) hold
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{3}).Read(data) // does not compress
	for _, tt := range cutCases {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "big.txt")
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			srv := tt.start(h)
			defer srv.Close()
			client := srv.Client()
			tr := client.Transport.(*http.Transport)
			// A small receive buffer, so that the kernel holds little
			// of the body however its buffers are tuned.
			tr.DialContext = (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
				return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10) })
			}}).DialContext
			res, err := client.Get(srv.URL + "/big.txt")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != 200 || tt.h2 != (res.ProtoMajor == 2) {
				t.Fatalf("%s %d", res.Proto, res.StatusCode)
			}
			head := make([]byte, 64<<10)
			if _, err := io.ReadFull(res.Body, head); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(p, 1<<20); err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, res.Body)
			if !tt.check(err) {
				t.Fatalf("after %d bytes of %d: error %v, want %s", len(head)+int(n), size, err, tt.want)
			}
		})
	}
}
