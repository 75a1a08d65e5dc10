package fileserver_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// BenchmarkServeMiss measures a cache that thrashes: 1 KiB files asked for
// in turn, 4,096 of them, against a cache with room for a few dozen, so
// that every request misses (the file is read into memory and kept,
// evicting another). Beside it, the same requests with the cache off and
// through http.FileServer: a miss should cost no more than no cache.
func BenchmarkServeMiss(b *testing.B) {
	dir := b.TempDir()
	const n = 4096
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("/f%05d.txt", i)
		if err := os.WriteFile(filepath.Join(dir, names[i][1:]), []byte(strings.Repeat("x", 1024)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	thrash, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{CacheMaxBytes: 64 << 10})
	if err != nil {
		b.Fatal(err)
	}
	defer thrash.Close()
	fileserver.SetClock(thrash, fileserver.HourAhead)
	nocache, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{DisableCache: true})
	if err != nil {
		b.Fatal(err)
	}
	defer nocache.Close()
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"thrashing-cache", thrash},
		{"no-cache", nocache},
		{"FileServer", http.FileServer(http.Dir(dir))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			reqs := make([]*http.Request, n)
			for i, name := range names {
				reqs[i] = httptest.NewRequest("GET", name, nil)
			}
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				clear(w.h)
				bc.h.ServeHTTP(w, reqs[i%n])
				i++
			}
		})
	}
}
