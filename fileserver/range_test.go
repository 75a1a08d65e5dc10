package fileserver_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestRangeEdges: ranges that net/http's ServeContent gets wrong on its
// own (FuzzRange looks for more). A suffix range of zero bytes is not satisfiable (RFC 9110 section
// 14.1.1), where ServeContent sent 206 with "bytes 6-5/6"; neither is a
// suffix range of an empty file (ServeContent's rule for empty files
// then gives 200). A header of more ranges than any client asks for is
// ignored, as Apache does past its MaxRanges, instead of a response of
// one part per range. The same from the disk and from the cache.
func TestRangeEdges(t *testing.T) {
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	big := bytes.Repeat([]byte("0123456789"), 100)
	fsys := fstest.MapFS{
		"six.txt":   {Data: []byte("abcdef"), ModTime: mtime},
		"empty.txt": {Data: nil, ModTime: mtime},
		"big.txt":   {Data: big, ModTime: mtime},
	}
	ranges := func(n int) string {
		var specs []string
		for i := 0; i < n; i++ {
			specs = append(specs, fmt.Sprintf("%d-%d", 2*i, 2*i))
		}
		return "bytes=" + strings.Join(specs, ",")
	}
	for _, opts := range []fileserver.Options{{DisableCache: true}, {}} {
		h, err := fileserver.New(fsys, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			path, rng, ifRange string
			status             int
			contentRange       string
			body               string // "" with a 206 of parts: checked by type
		}{
			{"/six.txt", "bytes=-0", "", 416, "bytes */6", ""},
			{"/six.txt", "bytes= -0 ", "", 416, "bytes */6", ""},
			{"/six.txt", "bytes=-0,1-2", "", 206, "bytes 1-2/6", "bc"},
			{"/six.txt", "bytes=-2", "", 206, "bytes 4-5/6", "ef"},
			{"/six.txt", "bytes=-0", `"other"`, 200, "", "abcdef"}, // If-Range fails: the whole file
			{"/empty.txt", "bytes=-5", "", 200, "", ""},
			// A unit this server does not know, or a set that is not
			// valid, is ignored (RFC 9110 section 14.2): ServeContent
			// alone answered 416 without a Content-Range.
			{"/six.txt", "items=0-1", "", 200, "", "abcdef"},
			{"/six.txt", "bytes=5-2", "", 200, "", "abcdef"},
			{"/six.txt", "bytes=1", "", 200, "", "abcdef"},
			{"/six.txt", "bytes=", "", 200, "", "abcdef"},
			{"/six.txt", "Bytes=1-2", "", 206, "bytes 1-2/6", "bc"}, // units are case-insensitive
			// Positions too large for an int64 are past any file.
			{"/six.txt", "bytes=2-99999999999999999999", "", 206, "bytes 2-5/6", "cdef"},
			{"/six.txt", "bytes=99999999999999999999-", "", 416, "bytes */6", ""},
			{"/big.txt", ranges(201), "", 200, "", string(big)},
			{"/big.txt", ranges(200), "", 206, "", ""},
		} {
			for i := 0; i < 2; i++ { // the second time from the cache, where there is one
				r := httptest.NewRequest("GET", c.path, nil)
				r.Header.Set("Range", c.rng)
				if c.ifRange != "" {
					r.Header.Set("If-Range", c.ifRange)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				name := fmt.Sprintf("cache %v, %s, Range %.40q", !opts.DisableCache, c.path, c.rng)
				if w.Code != c.status || w.Header().Get("Content-Range") != c.contentRange {
					t.Errorf("%s: %d, Content-Range %q; want %d, %q", name, w.Code, w.Header().Get("Content-Range"), c.status, c.contentRange)
					continue
				}
				switch {
				case c.status == 416:
					if !strings.Contains(w.Body.String(), "Requested Range Not Satisfiable") {
						t.Errorf("%s: 416 without the error page: %q", name, w.Body.String())
					}
				case c.status == 206 && c.body == "":
					if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "multipart/byteranges; boundary=") {
						t.Errorf("%s: Content-Type %q, want multipart/byteranges", name, ct)
					}
				case w.Body.String() != c.body:
					t.Errorf("%s: body %.40q, want %.40q", name, w.Body.String(), c.body)
				}
			}
		}
	}
}
