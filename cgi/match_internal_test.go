package cgi

import (
	"strings"
	"testing"
)

// TestMatchWindowsNames: on Windows, which drops the dots and spaces
// that end a name ("cgi-bin." opens cgi-bin) and reads what follows a
// ':' as a stream of the file ("cgi-bin::$INDEX_ALLOCATION" is the
// directory cgi-bin itself), a path that names a CGI directory so is
// refused, not handed to a file server behind (http.Dir opens "cgi-bin."
// there and sends the script's source); so is one that reaches it with '\\',
// a separator there. Elsewhere those are other names, and are handed on
// as Python hands them.
func TestMatchWindowsNames(t *testing.T) {
	for _, p := range []string{
		"/cgi-bin./x.py",
		"/cgi-bin /x.py",
		"/cgi-bin. . ./x.py",
		"/cgi-bin::$INDEX_ALLOCATION/x.py",
		"/cgi-bin:$I30:$INDEX_ALLOCATION/x.py",
		"/CGI-BIN.:x/x.py",
		"/htbin./sub/x.py",
		"/a/b./x.py",
		"/a./b/x.py",
		"/a::$INDEX_ALLOCATION/b/x.py",
		"/cgi-bin\\x.py",
		"/x\\..\\cgi-bin\\y.py",
		"/.../cgi-bin/x.py",
		"/x/.. /cgi-bin/x.py",
		"/cgi-bin.\\",
	} {
		for _, windows := range []bool{true, false} {
			h := &Handler{dirs: []string{"/cgi-bin", "/htbin", "/a/b"}, windowsNames: windows}
			want := notCGI
			if windows {
				want = refused
			}
			if _, _, v := h.match(p); v != want {
				t.Errorf("match(%q), Windows %v: %v, want %v", p, windows, v, want)
			}
		}
	}
	// The names themselves still run, and other names are not taken for
	// a CGI directory.
	h := &Handler{dirs: []string{"/cgi-bin"}, windowsNames: true}
	for p, want := range map[string]verdict{
		"/cgi-bin/x.py":        isCGI,
		"/cgi-bin/x.py./y":     isCGI,
		"/cgi-bin.d/x.py":      notCGI,
		"/.cgi-bin/x.py":       notCGI,
		"/x/cgi-bin./y":        notCGI,
		"/cgi-binx:$DATA/x.py": notCGI,
	} {
		if _, _, v := h.match(p); v != want {
			t.Errorf("match(%q), Windows: %v, want %v", p, v, want)
		}
	}
}

// TestMatchLongPath: a path of many non-ASCII elements is weighed against
// each CGI directory in other spellings once, not once for each of its
// prefixes: a request of some tens of kilobytes (far below the 1 MB
// request head a server takes) kept a core busy for minutes. The work
// done shows as allocations, each spelling compared costing some: they
// must not grow with the number of elements.
func TestMatchLongPath(t *testing.T) {
	for _, windows := range []bool{false, true} {
		h := &Handler{dirs: []string{"/cgi-bin", "/htbin", "/a/b"}, windowsNames: windows}
		allocs := func(elems int) float64 {
			p := strings.Repeat("/é", elems) + "/x.py"
			return testing.AllocsPerRun(3, func() {
				if _, _, v := h.match(p); v != notCGI {
					t.Fatalf("match: %v, want notCGI", v)
				}
			})
		}
		short, long := allocs(10), allocs(1000)
		// Growing the slices of elements costs some allocations more;
		// a spelling weighed for each prefix cost thousands.
		if long > short+100 {
			t.Errorf("Windows %v: match of 1000 elements made %v allocations, of 10 %v", windows, long, short)
		}
	}
	// The spellings are still weighed, at every depth a directory has.
	h := &Handler{dirs: []string{"/cgi-bin", "/a/b"}, windowsNames: true}
	for _, p := range []string{"/CGI-BIN/x.py", "/A/B/x.py", "/a/\u212a/../B/x.py", "/a/b./x.py", "/A\\B\\x.py"} {
		if _, _, v := h.match(p); v != refused {
			t.Errorf("match(%q): %v, want refused", p, v)
		}
	}
}
