package fileserver_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// pngFile is a file whose name does not tell its type: a PNG, sniffed.
var pngFile = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), bytes.Repeat([]byte{0}, 5000)...)

// newZip returns a zip.Reader, an fs.FS whose files cannot seek, over
// files compressed with Deflate, all modified at mtime.
func newZip(t *testing.T, mtime time.Time, files map[string][]byte) *zip.Reader {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mtime})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return zr
}

// A file of an fs.FS that cannot seek, such as an archive/zip.Reader's, is
// served as a file that can: whole, with its type (sniffed when its name
// does not tell it), length, date and ETag, to HEAD and to conditional
// requests, and in part to a single Range, which is read up to. A request
// for several ranges, whose parts could go backwards, gets it whole.
func TestUnseekableFiles(t *testing.T) {
	mtime := time.Date(2024, 3, 5, 9, 7, 4, 0, time.UTC)
	big := make([]byte, 200_000)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	zr := newZip(t, mtime, map[string][]byte{"a/hello.txt": []byte("hello from a zip\n"), "big.txt": big, "picture": pngFile})
	h, err := fileserver.New(zr, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const lastModified = "Tue, 05 Mar 2024 09:07:04 GMT"
	etag := `"` + strconv.FormatInt(mtime.UnixNano(), 16) + "-" + strconv.FormatInt(int64(len(big)), 16) + `"`
	for _, tt := range []struct {
		name, method, path string
		header             http.Header
		code               int
		ctype, crange      string
		body               []byte
	}{
		{"small", "GET", "/a/hello.txt", nil, 200, "text/plain", "", []byte("hello from a zip\n")},
		{"large", "GET", "/big.txt", nil, 200, "text/plain", "", big},
		{"sniffed", "GET", "/picture", nil, 200, "image/png", "", pngFile},
		{"HEAD", "HEAD", "/big.txt", nil, 200, "text/plain", "", nil},
		{"range", "GET", "/big.txt", http.Header{"Range": {"bytes=150000-150009"}}, 206, "text/plain", "bytes 150000-150009/200000", big[150000:150010]},
		{"suffix range", "GET", "/big.txt", http.Header{"Range": {"bytes=-5"}}, 206, "text/plain", "bytes 199995-199999/200000", big[199995:]},
		{"range from the start", "GET", "/big.txt", http.Header{"Range": {"bytes=0-3"}}, 206, "text/plain", "bytes 0-3/200000", big[:4]},
		{"several ranges", "GET", "/big.txt", http.Header{"Range": {"bytes=9000-9009,10-19"}}, 200, "text/plain", "", big},
		{"one range and an empty element", "GET", "/big.txt", http.Header{"Range": {"bytes=10-19, "}}, 206, "text/plain", "bytes 10-19/200000", big[10:20]},
		{"one range after an empty element", "GET", "/big.txt", http.Header{"Range": {"bytes=,10-19"}}, 206, "text/plain", "bytes 10-19/200000", big[10:20]},
		{"one range between empty elements", "GET", "/big.txt", http.Header{"Range": {"bytes= , 10-19,"}}, 206, "text/plain", "bytes 10-19/200000", big[10:20]},
		{"If-Range matches", "GET", "/big.txt", http.Header{"Range": {"bytes=10-19"}, "If-Range": {etag}}, 206, "text/plain", "bytes 10-19/200000", big[10:20]},
		{"If-None-Match", "GET", "/big.txt", http.Header{"If-None-Match": {etag}}, 304, "", "", nil},
		{"If-Modified-Since", "GET", "/big.txt", http.Header{"If-Modified-Since": {lastModified}}, 304, "", "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			for k, v := range tt.header {
				r.Header[k] = v
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			res := w.Result()
			if res.StatusCode != tt.code || res.Header.Get("Content-Type") != tt.ctype ||
				res.Header.Get("Content-Range") != tt.crange || !bytes.Equal(w.Body.Bytes(), tt.body) {
				t.Fatalf("%d, Content-Type %q, Content-Range %q, %d bytes of body; want %d, %q, %q, %d bytes",
					res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Range"), w.Body.Len(),
					tt.code, tt.ctype, tt.crange, len(tt.body))
			}
			if tt.code == 304 {
				return
			}
			if res.Header.Get("Last-Modified") != lastModified || res.Header.Get("Etag") == "" {
				t.Errorf("Last-Modified %q, ETag %q; want %q and one", res.Header.Get("Last-Modified"), res.Header.Get("Etag"), lastModified)
			}
			if tt.method == "HEAD" && res.Header.Get("Content-Length") != "200000" {
				t.Errorf("HEAD: Content-Length %q, want 200000", res.Header.Get("Content-Length"))
			}
		})
	}
}

// streamFS hands out its files as plain streams, without Seek.
type streamFS struct{ fs.FS }

type streamFile struct{ f fs.File }

func (s streamFS) Open(name string) (fs.File, error) {
	f, err := s.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return f, nil
	}
	return streamFile{f}, nil
}

func (s streamFile) Read(p []byte) (int, error) { return s.f.Read(p) }
func (s streamFile) Stat() (fs.FileInfo, error) { return s.f.Stat() }
func (s streamFile) Close() error               { return s.f.Close() }

// A stream without a modification time gets no ETag: its content hash
// would mean reading it all before sending it, with no way back.
func TestUnseekableWithoutMtime(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 1000)
	h, err := fileserver.New(streamFS{fstest.MapFS{"n.txt": {Data: body}}}, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/n.txt", nil))
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), body) || w.Header()["Etag"] != nil || w.Header()["Last-Modified"] != nil {
		t.Errorf("%d, %d bytes, ETag %q, Last-Modified %q; want 200, the %d bytes, neither header",
			w.Code, w.Body.Len(), w.Header()["Etag"], w.Header()["Last-Modified"], len(body))
	}
}

// The precompressed copy of a file that cannot seek goes out with the
// type the file itself is sent with, sniffed when its name does not
// tell it, as for any other file.
func TestUnseekablePrecompressedType(t *testing.T) {
	var gz bytes.Buffer
	g := gzip.NewWriter(&gz)
	g.Write(pngFile)
	g.Close()
	zr := newZip(t, time.Date(2024, 3, 5, 9, 7, 4, 0, time.UTC), map[string][]byte{"picture": pngFile, "picture.gz": gz.Bytes()})
	h, err := fileserver.New(zr, fileserver.Options{Precompressed: []string{"gzip"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ae := range []string{"", "gzip"} {
		r := httptest.NewRequest("GET", "/picture", nil)
		if ae != "" {
			r.Header.Set("Accept-Encoding", ae)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 || w.Header().Get("Content-Type") != "image/png" || w.Header().Get("Content-Encoding") != ae {
			t.Errorf("Accept-Encoding %q: %d, Content-Type %q, Content-Encoding %q; want 200, image/png, %q",
				ae, w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Encoding"), ae)
		}
	}
}

// With Compress, a file of an fs.FS that cannot seek is compressed as any
// other file is, and the response decodes to the file.
func TestUnseekableCompressed(t *testing.T) {
	js := bytes.Repeat([]byte("function x() { return 1; }\n"), 400)
	zr := newZip(t, time.Date(2024, 3, 5, 9, 7, 4, 0, time.UTC), map[string][]byte{"app.js": js})
	h, err := fileserver.New(zr, fileserver.Options{Compress: true, CompressCodings: []string{"gzip"}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		r := httptest.NewRequest("GET", "/app.js", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%d, Content-Encoding %q, %d bytes; want 200, gzip", rec.Code, rec.Header().Get("Content-Encoding"), rec.Body.Len())
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, js) {
			t.Fatalf("decoded %d bytes, %v; want the file's %d", len(got), err, len(js))
		}
	}
	// Identity still gets the file whole.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/app.js", nil))
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), js) {
		t.Errorf("identity: %d, %d bytes; want 200, %d", rec.Code, rec.Body.Len(), len(js))
	}
}
