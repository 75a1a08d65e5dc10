package fileserver_test

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
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
// seek unless stream is set (as a file of a zip.Reader cannot), or have a
// Seek that always fails if seekFails is set.
type faultyFS struct {
	fstest.MapFS
	failAt    map[string]int64
	stream    bool
	seekFails bool
	// statSize gives the files it names the size their Stat reports,
	// whatever they hold.
	statSize map[string]int64
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
	if size, ok := x.statSize[name]; ok {
		ff.statSize = &size
	}
	switch {
	case x.stream:
		return ff, nil
	case x.seekFails:
		return unseekableFaulty{ff}, nil
	}
	return seekableFaulty{ff}, nil
}

type faultyFile struct {
	fs.File
	at       int64 // -1: never fails
	off      int64
	statSize *int64
}

func (f *faultyFile) Stat() (fs.FileInfo, error) {
	fi, err := f.File.Stat()
	if err != nil || f.statSize == nil {
		return fi, err
	}
	return sizedInfo{fi, *f.statSize}, nil
}

type sizedInfo struct {
	fs.FileInfo
	size int64
}

func (i sizedInfo) Size() int64 { return i.size }

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

// unseekableFaulty has a Seek method that always fails, as a stream's
// may.
type unseekableFaulty struct{ *faultyFile }

func (unseekableFaulty) Seek(int64, int) (int64, error) {
	return 0, errors.ErrUnsupported
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

// TestStatSizeDisagrees serves files whose Stat gives another size than
// they hold, as an fs.FS may (one that reports 0 for a size it does not
// know). A file that can seek is sent with the size it seeks to, which
// http.ServeContent takes; one that cannot, with its stat's. The seekable
// file's ranges were mended for the stat's size and answered for the
// other: bytes 2-4 of a file whose stat said 0 got a 206 with the whole
// file, and of one whose stat said 5, bytes 6-10 got a 206 with no body.
func TestStatSizeDisagrees(t *testing.T) {
	m := fstest.MapFS{"a.txt": {Data: []byte("hello world"), ModTime: modTime}}
	for _, tt := range []struct {
		stream bool
		stat   int64
		rng    string
		status int
		body   string
		etag   string
	}{
		{false, 5, "", 200, "hello world", "-b"},
		{false, 5, "bytes=2-4", 206, "llo", "-b"},
		{false, 5, "bytes=6-10", 206, "world", "-b"},
		{false, 0, "", 200, "hello world", "-b"},
		{false, 0, "bytes=2-4", 206, "llo", "-b"},
		{true, 5, "", 200, "hello", "-5"},
		{true, 5, "bytes=2-4", 206, "llo", "-5"},
		{true, 5, "bytes=6-10", 416, "", ""},
	} {
		h := mustNew(t, faultyFS{MapFS: m, stream: tt.stream, statSize: map[string]int64{"a.txt": tt.stat}}, fileserver.Options{})
		hdr := map[string]string{}
		if tt.rng != "" {
			hdr["Range"] = tt.rng
		}
		r := serve(t, h, "GET", "/a.txt", hdr)
		if tt.status == 416 {
			r.body = ""
		}
		etag := r.header.Get("Etag")
		if r.status != tt.status || r.body != tt.body || !strings.HasSuffix(etag, tt.etag+`"`) && tt.etag != "" {
			t.Errorf("stream=%v, stat %d, Range %q: %d %q ETag %s, want %d %q, ETag ending %q",
				tt.stream, tt.stat, tt.rng, r.status, r.body, etag, tt.status, tt.body, tt.etag)
		}
	}
}

// TestNegativeStatSize serves a file whose Stat gives a negative size.
// One that can seek is sent with the size it seeks to; one that cannot
// gets the error page's 500, where http.ServeContent answered a
// plain-text 500 "seeker can't seek" that no error page could dress.
func TestNegativeStatSize(t *testing.T) {
	m := fstest.MapFS{"a.txt": {Data: []byte("hello world"), ModTime: modTime}}
	for _, stream := range []bool{false, true} {
		h := mustNew(t, faultyFS{MapFS: m, stream: stream, statSize: map[string]int64{"a.txt": -1}}, fileserver.Options{})
		r := serve(t, h, "GET", "/a.txt", nil)
		ok := r.status == 200 && r.body == "hello world"
		if stream {
			ok = r.status == 500 && r.header.Get("Content-Type") == "text/html;charset=utf-8" &&
				strings.Contains(r.body, "<p>Error code: 500</p>\n        <p>Message: Internal Server Error.</p>")
		}
		if !ok {
			t.Errorf("stream=%v: %d %s\n%s", stream, r.status, r.header, r.body)
		}
	}
}

// TestSeekFails serves files with a Seek method that always fails: they
// are read from their start, as files that cannot seek are, and one of
// negative size gets the error page's 500. http.ServeContent, which
// seeks to the end first, answered both a plain-text 500 "seeker can't
// seek" past the error pages.
func TestSeekFails(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 4096)
	m := fstest.MapFS{"big.txt": {Data: []byte(big), ModTime: modTime}, "neg.txt": {Data: []byte("hello world"), ModTime: modTime}}
	h := mustNew(t, faultyFS{MapFS: m, seekFails: true, statSize: map[string]int64{"neg.txt": -1}}, fileserver.Options{})
	if r := serve(t, h, "GET", "/big.txt", nil); r.status != 200 || r.header.Get("Content-Length") != "65536" || r.body != big {
		t.Errorf("big.txt: %d %s, %d bytes", r.status, r.header, len(r.body))
	}
	if r := serve(t, h, "GET", "/big.txt", map[string]string{"Range": "bytes=65530-"}); r.status != 206 || r.body != big[65530:] {
		t.Errorf("big.txt, range: %d %s %q", r.status, r.header, r.body)
	}
	r := serve(t, h, "GET", "/neg.txt", nil)
	if r.status != 500 || r.header.Get("Content-Type") != "text/html;charset=utf-8" ||
		!strings.Contains(r.body, "<p>Error code: 500</p>\n        <p>Message: Internal Server Error.</p>") {
		t.Errorf("neg.txt: %d %s\n%s", r.status, r.header, r.body)
	}
}

// overlongFile holds size bytes, then more that anyone reads (as a file
// of an fs.FS whose Read never ends), yet seeks to the end of the size.
type overlongFile struct {
	fs.File
	b         []byte
	size, off int64
}

func (f *overlongFile) Read(p []byte) (int, error) {
	if f.off >= int64(len(f.b)) {
		return 0, io.EOF
	}
	n := copy(p, f.b[f.off:])
	f.off += int64(n)
	return n, nil
}

func (f *overlongFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.size
	}
	f.off = offset
	return offset, nil
}

type overlongFS struct{ fstest.MapFS }

func (x overlongFS) Open(name string) (fs.File, error) {
	f, err := x.MapFS.Open(name)
	if err != nil || name == "." {
		return f, err
	}
	data := x.MapFS[name].Data
	return &overlongFile{File: f, b: append(slices.Clip(data), make([]byte, 1<<20)...), size: int64(len(data))}, nil
}

// TestETagHashesWhatIsSent serves a file without a modification time,
// whose ETag is a hash of its content, from an fs.FS whose file reads on
// past its size. The hash read it to its end (forever, for a Read that
// never ends) where only its size is sent.
func TestETagHashesWhatIsSent(t *testing.T) {
	m := fstest.MapFS{"a.txt": {Data: []byte("hello world")}}
	want := serve(t, mustNew(t, m, fileserver.Options{}), "GET", "/a.txt", nil)
	got := serve(t, mustNew(t, overlongFS{m}, fileserver.Options{}), "GET", "/a.txt", nil)
	if got.status != 200 || got.body != "hello world" || got.header.Get("Etag") != want.header.Get("Etag") {
		t.Errorf("%d %q ETag %s, want 200 %q ETag %s", got.status, got.body, got.header.Get("Etag"), want.body, want.header.Get("Etag"))
	}
}
