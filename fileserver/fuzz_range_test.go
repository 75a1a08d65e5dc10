package fileserver_test

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// FuzzRange: whatever Range header (and If-Range) a client sends, the
// answer is one a client can trust: the whole file (200); one part (206) whose
// Content-Range names bytes inside the file and whose body is those
// bytes; parts (206, multipart/byteranges) each of which is that; or 416
// with "bytes */size". Never an inverted or out-of-file range, never
// more parts than maxRanges. The same from an fs.FS, from the cache and
// from a directory on disk.
func FuzzRange(f *testing.F) {
	for _, s := range []string{"bytes=0-0", "bytes=-0", "bytes=-5", "bytes=3-", "bytes=0-1,3-4", "bytes= -0 ,1-2", "bytes=99-", "bytes=5-2", "bytes=", "items=0-1", "bytes=0-0,0-0"} {
		f.Add(s, "", uint16(6))
		f.Add(s, "", uint16(0))
	}
	f.Add("bytes=0-1", `"nope"`, uint16(6))
	f.Add("bytes=0-1", "Tue, 02 Jan 2024 03:04:05 GMT", uint16(6))
	f.Add("bytes=-0", "Mon, 01 Jan 2024 03:04:05 GMT", uint16(6))
	f.Fuzz(func(t *testing.T, rng, ifRange string, n uint16) {
		size := int(n % 2048)
		content := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
		fsys := fstest.MapFS{"f.bin": {Data: content, ModTime: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}}
		h, err := fileserver.New(fsys, fileserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// The same file on disk, sent as an open *os.File.
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "f.bin"), content, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(filepath.Join(dir, "f.bin"), fsys["f.bin"].ModTime, fsys["f.bin"].ModTime)
		disk, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{DisableCache: true})
		if err != nil {
			t.Fatal(err)
		}
		defer disk.Close()
		for _, h := range []http.Handler{h, h, disk} { // from the FS, from the cache, from disk
			r := httptest.NewRequest("GET", "/f.bin", nil)
			r.Header["Range"] = []string{rng}
			if ifRange != "" {
				r.Header["If-Range"] = []string{ifRange}
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			body := w.Body.Bytes()
			if first, last, ok := plainRange(rng, size); ok && ifRange == "" {
				if want := fmt.Sprintf("bytes %d-%d/%d", first, last, size); w.Code != 206 || w.Header().Get("Content-Range") != want {
					t.Fatalf("Range %q, size %d: status %d, Content-Range %q, want 206 %q", rng, size, w.Code, w.Header().Get("Content-Range"), want)
				}
			}
			switch w.Code {
			case 200:
				if !bytes.Equal(body, content) {
					t.Fatalf("Range %q, size %d: 200 with %d bytes", rng, size, len(body))
				}
			case 416:
				if cr := w.Header().Get("Content-Range"); cr != fmt.Sprintf("bytes */%d", size) {
					t.Fatalf("Range %q, size %d: 416 with Content-Range %q", rng, size, cr)
				}
			case 206:
				mt, params, err := mime.ParseMediaType(w.Header().Get("Content-Type"))
				if err == nil && mt == "multipart/byteranges" {
					mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
					parts := 0
					for {
						p, err := mr.NextPart()
						if err != nil {
							break
						}
						var b bytes.Buffer
						b.ReadFrom(p)
						checkPart(t, rng, content, p.Header.Get("Content-Range"), b.Bytes())
						parts++
					}
					if parts < 2 || parts > 200 {
						t.Fatalf("Range %q, size %d: %d parts", rng, size, parts)
					}
					continue
				}
				checkPart(t, rng, content, w.Header().Get("Content-Range"), body)
			default:
				t.Fatalf("Range %q, size %d: status %d", rng, size, w.Code)
			}
		}
	})
}

var plainRangeRE = regexp.MustCompile(`^bytes=([0-9]{1,9})?-([0-9]{1,9})?$`)

// plainRange reads rng when it is one range in its plain form ("bytes=F-L",
// "bytes=F-" or "bytes=-N") that a file of size bytes can satisfy (RFC
// 9110, section 14.1.2), and returns the first and last byte it names: a
// client resuming a download gets those, never the whole file again.
func plainRange(rng string, size int) (first, last int, ok bool) {
	m := plainRangeRE.FindStringSubmatch(rng)
	if m == nil || m[1] == "" && m[2] == "" {
		return 0, 0, false
	}
	f, _ := strconv.Atoi(m[1])
	l, _ := strconv.Atoi(m[2])
	switch {
	case m[1] == "": // the last l bytes
		if l == 0 || size == 0 {
			return 0, 0, false
		}
		return max(size-l, 0), size - 1, true
	case f >= size || m[2] != "" && l < f:
		return 0, 0, false
	case m[2] == "":
		return f, size - 1, true
	}
	return f, min(l, size-1), true
}

// checkPart fails t unless cr names bytes first-last of content, in it,
// and body is those bytes.
func checkPart(t *testing.T, rng string, content []byte, cr string, body []byte) {
	t.Helper()
	var first, last, total int
	if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &first, &last, &total); err != nil || strings.Count(cr, "-") != 1 {
		t.Fatalf("Range %q, size %d: Content-Range %q", rng, len(content), cr)
	}
	if total != len(content) || first < 0 || first > last || last >= len(content) {
		t.Fatalf("Range %q, size %d: Content-Range %q outside the file", rng, len(content), cr)
	}
	if !bytes.Equal(body, content[first:last+1]) {
		t.Fatalf("Range %q, size %d: Content-Range %q with %d other bytes", rng, len(content), cr, len(body))
	}
}
