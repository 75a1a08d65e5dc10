package fileserver_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// BenchmarkArchive makes the archive of a tree of 16 MiB of text (64 files
// of 256 KiB) in each format; SetBytes is the tree's size, so MB/s is the
// tree's bytes per second. The load comparison (make bench) has the same
// against tar(1) on a 1 GiB tree.
func BenchmarkArchive(b *testing.B) {
	dir := b.TempDir()
	words := strings.Fields("the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were")
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 64 {
		var sb strings.Builder
		for sb.Len() < 256<<10 {
			sb.WriteString(words[rng.IntN(len(words))])
			sb.WriteByte(" \n"[rng.IntN(12)/11])
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.txt", i)), []byte(sb.String()[:256<<10]), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Archive: true})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	for _, format := range []string{"zip", "tar.gz", "tar.zst"} {
		b.Run("format="+format, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/?download="+format, nil)
			b.SetBytes(64 * 256 << 10)
			b.ReportAllocs()
			for b.Loop() {
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
			}
		})
	}
}
