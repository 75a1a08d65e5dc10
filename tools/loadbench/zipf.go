package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// zipfExponent is the s of the working-set sweep's Zipf distribution: the
// k-th most popular file is asked for in proportion to 1/k^s. 1.0 is the
// figure usually quoted for web objects; math/rand's Zipf needs s > 1,
// hence our own.
const zipfExponent = 1.0

// A zipf draws ranks 0..n-1, rank k with probability proportional to
// 1/(k+1)^s, by inverting its cumulative distribution.
type zipf struct {
	cdf []float64 // cdf[k] = P(rank <= k); the last is 1
}

// newZipf returns the distribution over n ranks (n >= 1) with exponent s
// (s >= 0; 0 is uniform).
func newZipf(n int, s float64) *zipf {
	cdf := make([]float64, n)
	sum := 0.0
	for k := range n {
		sum += math.Pow(float64(k+1), -s)
		cdf[k] = sum
	}
	for k := range cdf {
		cdf[k] /= sum
	}
	cdf[n-1] = 1
	return &zipf{cdf: cdf}
}

// rank maps u, uniform in [0, 1), to a rank.
func (z *zipf) rank(u float64) int {
	// Rank k covers [cdf[k-1], cdf[k]); the search finds the first
	// cdf[k] >= u, one too low when u sits on a boundary.
	k := sort.SearchFloat64s(z.cdf, u)
	if k < len(z.cdf) && z.cdf[k] == u {
		k++
	}
	return min(k, len(z.cdf)-1)
}

// workingSetFileSize is the size of each file of the working set. At
// 1 KiB, the run's requests never outgrew simplehttp's cache: with Zipf
// popularity the files asked for in a run are far fewer than the set (of
// 200,000, some 37,000 to 43,000 in the warm-up and measured run
// together), and as many entries of 1 KiB with their names and overhead
// cost less than the 64 MiB the cache holds. At 4 KiB they cost 1.3 times the cache at 30,000
// files and 2.1 to 2.5 times from 100,000 up, so the top of the sweep
// measures a cache that thrashes, as it means to, while 10,000 files
// still fit.
const workingSetFileSize = 4 * kib

// workingSetPath is the URL path of the i-th file of the working set: a
// thousand files per directory, so no directory grows past what a site
// would have.
func workingSetPath(i int) string { return fmt.Sprintf("/ws/%03d/%03d.bin", i/1000, i%1000) }

// zipfPaths returns k request paths over the first n files of the working
// set, Zipf-distributed. The popularity order is a fixed shuffle of the
// files (seeded), so the popular ones are spread over the directories as
// they would be on a site, and every run with the same arguments asks
// for the same sequence.
func zipfPaths(n, k int, s float64, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	perm := r.Perm(n) // perm[rank] = file index
	z := newZipf(n, s)
	out := make([]string, k)
	for i := range out {
		out[i] = workingSetPath(perm[z.rank(r.Float64())])
	}
	return out
}
