package fileserver_test

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/simplehttp/simplehttp/fileserver"
)

// faultyFS is an fs.FS of the application's own whose files fail: a read
// of a file named in failAt fails with EIO once that many bytes of it
// were read, as a network or database-backed fs.FS may. Its files can
// seek unless stream is set (as a file of a zip.Reader cannot).
type faultyFS struct {
	fstest.MapFS
	failAt map[string]int64
	stream bool
}

func (x faultyFS) Open(name string) (fs.File, error) {
	f, err := x.MapFS.Open(name)
	if err != nil {
		return nil, err
	}
	if _, dir := f.(fs.ReadDirFile); dir {
		return f, nil
	}
	at, ok := x.failAt[name]
	if !ok {
		at = -1
	}
	ff := &faultyFile{File: f, at: at}
	if x.stream {
		return ff, nil
	}
	return seekableFaulty{ff}, nil
}

type faultyFile struct {
	fs.File
	at  int64 // -1: never fails
	off int64
}

func (f *faultyFile) Read(p []byte) (int, error) {
	if f.at >= 0 {
		if f.off >= f.at {
			return 0, syscall.EIO
		}
		p = p[:min(int64(len(p)), f.at-f.off)]
	}
	n, err := f.File.Read(p)
	f.off += int64(n)
	return n, err
}

type seekableFaulty struct{ *faultyFile }

func (f seekableFaulty) Seek(offset int64, whence int) (int64, error) {
	abs, err := f.File.(io.Seeker).Seek(offset, whence)
	if err == nil {
		f.off = abs
	}
	return abs, err
}

// cutCases are the responses whose body falls short of its
// Content-Length with nothing in net/http to cut them, and what a client
// sees when they are cut.
var cutCases = []cutCase{
	{"compressed", false, middleware.Compress(1, "text/plain"),
		func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }, "unexpected EOF"},
	{"HTTP/2", true, func(h http.Handler) http.Handler { return h },
		func(err error) bool { return err != nil && strings.Contains(err.Error(), "INTERNAL_ERROR") }, "the stream reset (INTERNAL_ERROR)"},
}

type cutCase struct {
	name  string
	h2    bool
	wrap  func(http.Handler) http.Handler
	check func(err error) bool
	want  string
}

// start starts a server of h for the case.
func (c cutCase) start(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(c.wrap(h))
	if c.h2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	return srv
}

// TestFSReadFailsMidFile serves files whose fs.FS fails to read them
// half-way, after the headers and their Content-Length went out: the
// client must see a broken response, not a shorter body that looks whole.
// net/http closes an HTTP/1.1 connection by itself when it has the
// Content-Length, but a compressing middleware sends the body chunked
// and ended it with its last chunk, and HTTP/2 ended the stream
// normally: the client got a short file without an error. OS files were
// cut already; the files of every other fs.FS were not.
func TestFSReadFailsMidFile(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 4096) // over the inline size
	small := strings.Repeat("x", 1000)              // sent with its headers when read whole
	for _, stream := range []bool{false, true} {
		fsys := faultyFS{
			MapFS: fstest.MapFS{
				"big.txt":     {Data: []byte(big), ModTime: modTime},
				"small.txt":   {Data: []byte(small), ModTime: modTime},
				"nomtime.txt": {Data: []byte(big)}, // its ETag hashes the content
			},
			failAt: map[string]int64{"big.txt": 20000, "small.txt": 100, "nomtime.txt": 20000},
			stream: stream,
		}
		h := mustNew(t, fsys, fileserver.Options{})
		for _, tt := range cutCases {
			srv := tt.start(h)
			for _, name := range []string{"big.txt", "small.txt", "nomtime.txt"} {
				res, err := srv.Client().Get(srv.URL + "/" + name)
				if err != nil {
					t.Errorf("stream=%v %s %s: %v", stream, tt.name, name, err)
					continue
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || !tt.check(err) {
					t.Errorf("stream=%v %s %s: %d, %d bytes, error %v, want 200 and %s",
						stream, tt.name, name, res.StatusCode, len(body), err, tt.want)
				}
			}
			srv.Close()
		}
	}
}
