package fileserver

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// BenchmarkCacheZipf reports the cache's hit ratio (hit%) with the
// default budget when the requests for 1 KiB files follow a Zipf
// distribution (s = 1) over n distinct files, as on a site where a few
// pages are asked for most often: the workload of loadbench's working-set
// sweep, without the server around it. A miss puts the file, as the
// handler does.
func BenchmarkCacheZipf(b *testing.B) {
	for _, n := range []int{30_000, 100_000, 200_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			names := make([]string, n)
			cdf := make([]float64, n)
			sum := 0.0
			for i := range n {
				names[i] = fmt.Sprintf("ws/%d/%07d.bin", n, i)
				sum += 1 / float64(i+1)
				cdf[i] = sum
			}
			r := rand.New(rand.NewPCG(1, 2))
			next := func() int {
				i, _ := slices.BinarySearch(cdf, r.Float64()*sum)
				return min(i, n-1)
			}
			c := newFileCache(0, 0)
			content := make([]byte, 1024)
			request := func() bool {
				i := next()
				id := fileID{ino: uint64(i)}
				if c.get(names[i], id) != nil {
					return true
				}
				c.put(names[i], &cachedFile{id: id, content: content})
				return false
			}
			for range 2 * n { // fill the cache
				request()
			}
			hits, total := 0, 0
			for b.Loop() {
				if request() {
					hits++
				}
				total++
			}
			b.ReportMetric(100*float64(hits)/float64(total), "hit%")
		})
	}
}
