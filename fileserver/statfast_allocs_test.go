//go:build linux && (amd64 || arm64) && !race

// The race detector adds allocations of its own, so allocations are only
// counted without it.

package fileserver

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestServeHitAllocs checks that a cache hit (and its 304) served through
// the fast path allocates nothing but the response's one slice of header
// values, under every symlink policy: the stat stays on the stack (and,
// for inside and never, is one openat2 where the kernel has it).
func TestServeHitAllocs(t *testing.T) {
	root := t.TempDir()
	const name = "d1/d2/a.txt"
	if err := os.MkdirAll(filepath.Join(root, "d1", "d2"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, name), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, policy := range []SymlinkPolicy{SymlinksFollow, SymlinksInside, SymlinksNever} {
		h, err := NewDir(root, policy, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		if policy != SymlinksFollow && h.dirfs.beneath == nil {
			t.Logf("%v: openat2(2) is not available here", policy)
			continue
		}
		h.now = HourAhead // the file was just written: cache it at once
		for _, ims := range []string{"", "Mon, 01 Jan 2124 00:00:00 GMT"} {
			r := httptest.NewRequest("GET", "/"+name, nil)
			want := http.StatusOK
			if ims != "" {
				r.Header.Set("If-Modified-Since", ims)
				want = http.StatusNotModified
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			h.ServeHTTP(w, r) // the second from the cache
			if w.Code != want {
				t.Fatalf("%v, If-Modified-Since %q: status %d, want %d", policy, ims, w.Code, want)
			}
			if e := h.cache.get(name, mustStatID(t, filepath.Join(root, name))); e == nil {
				t.Fatalf("%v: %s is not cached", policy, name)
			}
			hdr := make(http.Header)
			dw := discard{hdr}
			allocs := testing.AllocsPerRun(100, func() {
				clear(hdr)
				h.ServeHTTP(dw, r)
			})
			if allocs != 1 {
				t.Errorf("%v, If-Modified-Since %q: %v allocations per cache hit, want 1 (the header values)", policy, ims, allocs)
			}
		}
	}
}

type discard struct{ h http.Header }

func (w discard) Header() http.Header         { return w.h }
func (w discard) Write(b []byte) (int, error) { return len(b), nil }
func (w discard) WriteHeader(int)             {}

func mustStatID(t *testing.T, path string) fileID {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	id, ok := statID(fi)
	if !ok {
		t.Fatal("no stat identity")
	}
	return id
}
