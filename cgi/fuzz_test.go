package cgi

import (
	"net/http"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/internal/hopbyhop"
	"github.com/simplehttp/simplehttp/internal/samename"
)

// FuzzMatch checks the CGI path collapse (Handler.match, Python's is_cgi
// and _url_collapse_path) against path.Clean, which is what the file
// server behind the middleware resolves a path with (internal/urlpath):
//
//   - whatever the file server would resolve into a CGI directory, with
//     something after it and in any letter case, is never passed on to it
//     (the verdict is isCGI or refused), so a script's source is never
//     served;
//   - isCGI names a configured directory exactly, for a path that does
//     not climb above the root, with no NUL in what follows it (a NUL
//     in a segment that ".." removes is fine), and head + "/" + tail
//     resolves to the same place as the request path;
//   - tail is collapsed: no ".", ".." or empty segment (but a final one:
//     the trailing slash is kept, as Python keeps it).
func FuzzMatch(f *testing.F) {
	for _, s := range []string{
		"/cgi-bin/x.sh", "/cgi-bin/", "/cgi-bin", "/CGI-BIN/x", "/../cgi-bin/x", "/x/../cgi-bin/x",
		"/cgi-bin/../../x", "/cgi-bin/sub/../x.sh/extra", "//cgi-bin//x", "/./cgi-bin/./x",
		"/cgi-bin/x\x00.txt", "/a/b/c", "/a/b/", "/htbin/..", "/cgi-bin/.", "cgi-bin/x", "",
		"/cgi-bin\\x", "/\u212agi-bin/x", "/cgi\u200b-bin/x", "/\uff43gi-bin/x", "/a/../../cgi-bin/x", "/cgi-bin/a/b/../../../cgi-bin/x",
		"/a\uff0fb/x", "/A/\u212a/../B/x",
	} {
		f.Add(s)
	}
	dirs := []string{"/cgi-bin", "/htbin", "/a/b"}
	h := &Handler{dirs: dirs}
	f.Fuzz(func(t *testing.T, p string) {
		head, tail, v := h.match(p)
		clean := path.Clean("/" + p)
		climbs := climbsAboveRoot(p)

		// What the file server would open must not be inside a CGI
		// directory, in any case, unless match claimed the path.
		if v == notCGI {
			for i := strings.IndexByte(clean[1:], '/') + 1; i > 0 && i < len(clean)-1; {
				for _, d := range dirs {
					// As many elements: no file system splits a name
					// where its key has a '/' ("a\uff0fb", with a
					// fullwidth solidus, is one name).
					if strings.Count(clean[:i], "/") == strings.Count(d, "/") && samename.Equal(clean[:i], d) {
						t.Fatalf("match(%q) = notCGI, but it resolves to %q inside %s", p, clean, d)
					}
				}
				j := strings.IndexByte(clean[i+1:], '/')
				if j < 0 {
					break
				}
				i += j + 1
			}
			return
		}
		if v != isCGI {
			return // refused: 404, nothing runs and nothing is served
		}
		if climbs || strings.IndexByte(tail, 0) >= 0 {
			t.Fatalf("match(%q) = isCGI (%q, %q) for a path that climbs above the root or holds NUL", p, head, tail)
		}
		known := false
		for _, d := range dirs {
			known = known || head == d
		}
		if !known {
			t.Fatalf("match(%q): head %q is not a CGI directory", p, head)
		}
		if got := path.Clean(head + "/" + tail); got != clean {
			t.Fatalf("match(%q) = (%q, %q), which resolves to %q; the path resolves to %q", p, head, tail, got, clean)
		}
		segs := strings.Split(tail, "/")
		for i, s := range segs {
			if s == "." || s == ".." || s == "" && i != len(segs)-1 {
				t.Fatalf("match(%q): tail %q is not collapsed", p, tail)
			}
		}
	})
}

// climbsAboveRoot reports whether resolving p's ".." segments from the
// root ever goes above it.
func climbsAboveRoot(p string) bool {
	depth := 0
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
		case "..":
			if depth == 0 {
				return true
			}
			depth--
		default:
			depth++
		}
	}
	return false
}

// FuzzScriptHeader checks copyScriptHeader, which passes a script's
// header fields on to the client over those middleware set before it:
// whatever the script sends, no value that reaches the client holds a
// control character but tab, no hop-by-hop field gets through, and there
// is at most one Content-Length, a plain number; and nothing else is
// lost: each other field the script sends reaches the client as sent,
// replacing middleware's value of that name (adding to it for the list
// fields Set-Cookie, Vary and Link, Vary on one line), and middleware's
// other fields stay.
func FuzzScriptHeader(f *testing.F) {
	f.Add("X-A", "1\rX-Forged: x", "Content-Length", "2")
	f.Add("Transfer-Encoding", "chunked", "Content-Length", "-1")
	f.Add("Connection", "close", "X-B", "a\x00b")
	f.Add("Content-Length", "5", "Content-Length", "6")
	f.Add("Content-Type", "text/plain", "Set-Cookie", "b=2")
	f.Add("Content-Type", "a\nb", "Vary", "Accept")
	f.Add("Vary", "", "Vary", "Accept")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		src := http.Header{}
		src.Add(k1, v1)
		src.Add(k2, v2)
		before := http.Header{"Content-Type": {"text/html"}, "Set-Cookie": {"a=1"}, "Vary": {"Origin"}, "X-Pre": {"kept"}}
		dst := before.Clone()
		copyScriptHeader(dst, src, func(string, string) {})
		for k, vv := range dst {
			if hopbyhop.Is(http.CanonicalHeaderKey(k)) {
				t.Fatalf("hop-by-hop %s passed", k)
			}
			for _, v := range vv {
				if !validValue(v) {
					t.Fatalf("%s: %q passed", k, v)
				}
			}
		}
		if cl := dst["Content-Length"]; len(cl) > 1 || len(cl) == 1 && strings.Trim(cl[0], "0123456789") != "" {
			t.Fatalf("Content-Length %q passed", cl)
		}
		for k, old := range before {
			if _, sent := src[k]; !sent && !slices.Equal(dst[k], old) {
				t.Fatalf("%s: middleware's %q became %q, yet the script did not send it", k, old, dst[k])
			}
		}
		for k, vv := range src {
			if hopbyhop.Is(k) || k == "Content-Length" {
				continue
			}
			var sent []string
			for _, v := range vv {
				if validValue(v) {
					sent = append(sent, v)
				}
			}
			want := before[k]
			switch {
			case len(sent) == 0:
			case k == "Vary" && len(want) > 0:
				var fields []string // the blank lines name none
				for _, v := range append(slices.Clip(want), sent...) {
					if strings.Trim(v, " \t") != "" {
						fields = append(fields, v)
					}
				}
				want = []string{strings.Join(fields, ", ")}
			case k == "Set-Cookie" || k == "Vary" || k == "Link":
				want = append(slices.Clip(want), sent...)
			default:
				want = sent
			}
			if !slices.Equal(dst[k], want) {
				t.Fatalf("script sent %s: %q over %q: client gets %q, want %q", k, vv, before[k], dst[k], want)
			}
		}
	})
}

// TestMatchCollapsed: a last element "." or ".." is collapsed as Python's
// _url_collapse_path collapses it, leaving an empty last element: "/cgi-bin/.."
// is "//", no CGI path, and "/cgi-bin/." is the directory itself.
func TestMatchCollapsed(t *testing.T) {
	h := &Handler{dirs: []string{"/cgi-bin"}}
	for _, tc := range []struct {
		p, head, tail string
		v             verdict
	}{
		{"/cgi-bin/..", "", "", notCGI},
		{"/cgi-bin/.", "/cgi-bin", "", isCGI},
		{"/cgi-bin/x/..", "/cgi-bin", "", isCGI},
		{"/cgi-bin/sub/.", "/cgi-bin", "sub/", isCGI},
	} {
		if head, tail, v := h.match(tc.p); head != tc.head || tail != tc.tail || v != tc.v {
			t.Errorf("match(%q) = %q, %q, %v; want %q, %q, %v", tc.p, head, tail, v, tc.head, tc.tail, tc.v)
		}
	}
}
