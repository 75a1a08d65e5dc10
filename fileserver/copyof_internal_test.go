package fileserver

import (
	"slices"
	"strings"
	"testing"
)

// TestCopyOfLongName: the names of which an upload's name may be the
// precompressed copy are found in any spelling of the extension, and a
// long name that is not ASCII is not weighed suffix by suffix: each of
// its 128 characters cost a key, so that a multipart upload of 1000 such
// names (a few hundred kilobytes) kept a core busy for seconds. The work
// shows as allocations, which must not grow with the name.
func TestCopyOfLongName(t *testing.T) {
	for _, c := range []struct {
		base, ext string
		want      []string
	}{
		{"app.js.gz", ".gz", []string{"app.js"}},
		{"app.js.GZ", ".gz", []string{"app.js"}},
		{"caf\u00e9.js.z\u017ft", ".zst", []string{"caf\u00e9.js"}},
		{"caf\u00e9.js.z\ufb06", ".zst", []string{"caf\u00e9.js"}},
		{"caf\u00e9.js.\uff47z", ".gz", []string{"caf\u00e9.js"}},
		{"caf\u00e9.js\u200b.g\u200bz\u200b", ".gz", []string{"caf\u00e9.js\u200b", "caf\u00e9.js"}},
		{"caf\u00e9.js.g\u0301z", ".gz", nil},
		{"caf\u00e9.js.xgz", ".gz", nil},
		{"\u00e9.gz", ".gz", []string{"\u00e9"}},
	} {
		got := copyOf(c.base, c.ext)
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("copyOf(%+q, %q) = %+q, want %+q", c.base, c.ext, got, want)
		}
	}
	allocs := func(n int) float64 {
		base := strings.Repeat("\u00e9", n) + ".txt"
		return testing.AllocsPerRun(3, func() {
			if got := copyOf(base, ".gz"); got != nil {
				t.Fatalf("copyOf: %q", got)
			}
		})
	}
	if short, long := allocs(2), allocs(125); long > short {
		t.Errorf("copyOf of a name of 125 characters made %v allocations, of 2 %v", long, short)
	}
}
