//go:build linux && (amd64 || arm64)

package fileserver

import (
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/internal/urlpath"
)

// beneathParts are the names in beneathTree (directories, files, links of
// every kind) that FuzzStatBeneath builds its paths from.
var beneathParts = []string{
	"d1", "d2", "d3", "t.txt", "f.txt", "g.txt", "h.txt", "fifo", "missing",
	"in", "up", "out", "abs", "lf", "bad", "chain", "back", "esc", "dot", "etc",
	"dangling", "loop", "x", "y.txt", "outside", "passwd", beneathLong,
}

// beneathName makes a name of beneathTree from b, a byte per part ("."
// for none), then tail, if any, as one more part.
func beneathName(b []byte, tail string) string {
	parts := make([]string, 0, min(len(b), 16)+1)
	for _, c := range b[:min(len(b), 16)] {
		parts = append(parts, beneathParts[int(c)%len(beneathParts)])
	}
	if tail != "" {
		parts = append(parts, tail)
	}
	if len(parts) == 0 {
		return "."
	}
	return strings.Join(parts, "/")
}

// FuzzStatBeneath checks, for paths through the links of beneathTree
// (inside, out, absolute, chained, looping, up to the root and past it),
// ending in any string, that the file server's stats agree with the
// general way of making them: for SymlinksInside and SymlinksNever, the
// openat2 stat and open find exactly what the os.Root's walk finds, or
// hand the name to it, and never find a name the Root refuses; for
// SymlinksFollow, the stack stat gives what os.Stat gives.
func FuzzStatBeneath(f *testing.F) {
	index := make(map[string]byte, len(beneathParts))
	for i, p := range beneathParts {
		index[p] = byte(i)
	}
	for _, name := range []string{
		"d1/d2/f.txt", "in/d2/f.txt", "d1/up/d3/g.txt", "out/x/y.txt", "abs/d2/f.txt",
		"d1/d2/lf", "d1/d2/bad", "chain/d2/d3/back/in/up/f.txt", "d1/esc/outside/x/y.txt",
		"d1/d2/dot/dot/lf", "d1/d2/etc/passwd", "d1/d2/d3/dangling", "loop/x", "d1/d2/fifo",
		beneathLong + "/f.txt", "t.txt/x", "in/d2/dot/dot/dot/dot/dot/dot/dot/dot/f.txt",
	} {
		var b []byte
		for _, p := range strings.Split(name, "/") {
			b = append(b, index[p])
		}
		f.Add(b, "")
	}
	for _, tail := range []string{"f.txt", "..", ".", "a\x00b", "\xff", strings.Repeat("n", 300), "a//b", "/"} {
		f.Add([]byte{0, 1}, tail)
	}
	root := beneathTree(f)
	follow, err := newReadDirFS(root, SymlinksFollow)
	if err != nil {
		f.Fatal(err)
	}
	var dirs []*dirFS
	for _, policy := range []SymlinkPolicy{SymlinksInside, SymlinksNever} {
		d, err := newReadDirFS(root, policy)
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { d.close() })
		if d.beneath == nil {
			f.Skip("openat2(2) is not available here")
		}
		dirs = append(dirs, d)
	}
	f.Fuzz(func(t *testing.T, b []byte, tail string) {
		name := beneathName(b, tail)
		checkStatInto(t, follow, name)
		if !urlpath.ValidName(name) {
			return // statStack and Stat refuse it before any of this
		}
		for _, d := range dirs {
			checkBeneath(t, d, name)
		}
	})
}
