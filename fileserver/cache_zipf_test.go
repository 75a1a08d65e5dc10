package fileserver

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"slices"
	"testing"
	"time"
)

// BenchmarkCacheZipf reports the cache's hit ratio (hit%), and the share
// of requests that read a file into it (fill%), with the default budget
// when the requests for 1 KiB files follow a Zipf
// distribution (s = 1) over n distinct files, as on a site where a few
// pages are asked for most often: the workload of loadbench's working-set
// sweep, without the server around it. A miss puts the file if the
// cache admits it, as the handler does.
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
			fills := 0
			request := func() bool {
				i := next()
				id := fileID{ino: uint64(i)}
				if c.get(names[i], id) != nil {
					return true
				}
				if c.admits(names[i], int64(len(content))) {
					c.put(names[i], &cachedFile{id: id, content: content})
					fills++
				}
				return false
			}
			for range 2 * n { // fill the cache
				request()
			}
			hits, total := 0, 0
			fills = 0
			for b.Loop() {
				if request() {
					hits++
				}
				total++
			}
			b.ReportMetric(100*float64(hits)/float64(total), "hit%")
			b.ReportMetric(100*float64(fills)/float64(total), "fill%")
		})
	}
}

// BenchmarkCacheCollect reports the collector's marking CPU per collection
// (mark-ms) with the cache full of 1 KiB files, as in loadbench's
// working-set sweep: every collection marks every entry, so the objects an
// entry is made of set how long a busy server's collections hold requests
// up (run with GOMAXPROCS=1 for the one core of the bench).
func BenchmarkCacheCollect(b *testing.B) {
	h, err := NewDir(b.TempDir(), SymlinksFollow, Options{})
	if err != nil {
		b.Fatal(err)
	}
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, n := range []int{1_000, 30_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := newFileCache(0, 0)
			for i := range n {
				name := fmt.Sprintf("ws/%07d.bin", i)
				c.put(name, h.newCachedFile(name, make([]byte, 1024), mtime.Add(time.Duration(i)*time.Second), fileID{ino: uint64(i)}))
			}
			sample := []metrics.Sample{
				{Name: "/cpu/classes/gc/mark/dedicated:cpu-seconds"},
				{Name: "/cpu/classes/gc/mark/idle:cpu-seconds"},
				{Name: "/cpu/classes/gc/mark/assist:cpu-seconds"},
			}
			markCPU := func() float64 {
				metrics.Read(sample)
				return sample[0].Value.Float64() + sample[1].Value.Float64() + sample[2].Value.Float64()
			}
			runtime.GC()
			before := markCPU()
			for b.Loop() {
				runtime.GC()
			}
			b.ReportMetric((markCPU()-before)*1000/float64(b.N), "mark-ms")
			runtime.KeepAlive(c)
		})
	}
}
