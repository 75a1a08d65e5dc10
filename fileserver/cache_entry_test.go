package fileserver

import (
	"hash/fnv"
	"testing"
	"time"
)

// TestSetHeaders checks the header values a cache entry keeps: each its
// own one-element slice, nil where the value is empty (but Content-Type),
// and none of them touched by appending to another.
func TestSetHeaders(t *testing.T) {
	e := &cachedFile{}
	e.setHeaders("text/plain", "12", "Tue, 02 Jan 2024 03:04:05 GMT", `"abc-c"`)
	for _, c := range []struct {
		name string
		got  []string
		want string
	}{
		{"ctype", e.ctype, "text/plain"},
		{"length", e.length, "12"},
		{"lastMod", e.lastMod, "Tue, 02 Jan 2024 03:04:05 GMT"},
		{"etag", e.etag, `"abc-c"`},
	} {
		if len(c.got) != 1 || cap(c.got) != 1 || c.got[0] != c.want {
			t.Errorf("%s = %q (cap %d), want [%q] (cap 1)", c.name, c.got, cap(c.got), c.want)
		}
	}
	_ = append(e.length, "x") // cap 1: must not reach lastMod
	if e.lastMod[0] != "Tue, 02 Jan 2024 03:04:05 GMT" {
		t.Errorf("appending to length changed lastMod to %q", e.lastMod[0])
	}

	e = &cachedFile{}
	e.setHeaders("application/gzip", "", "", "")
	if e.ctype[0] != "application/gzip" || e.length != nil || e.lastMod != nil || e.etag != nil {
		t.Errorf("with only a type: ctype %q length %q lastMod %q etag %q, want the type and nils", e.ctype, e.length, e.lastMod, e.etag)
	}

	h, err := NewDir(t.TempDir(), SymlinksFollow, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e = h.newCachedFile("a.txt", []byte("hello"), time.Time{}, fileID{})
	if e.hasTime || e.lastMod != nil || len(e.etag) != 1 || e.etag[0] != contentETag(fnvSum("hello")) || e.length[0] != "5" || e.ctype[0] != "text/plain" {
		t.Errorf("no mtime: hasTime %v lastMod %q etag %q length %q ctype %q", e.hasTime, e.lastMod, e.etag, e.length, e.ctype)
	}
}

// fnvSum is the FNV-128a sum newCachedFile hashes content with.
func fnvSum(s string) []byte {
	h := fnv.New128a()
	h.Write([]byte(s))
	return h.Sum(nil)
}
