package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// The garbage collector's pace. A file server keeps almost nothing live
// between requests (well under 1 MiB here), yet each request allocates 3
// to 4 KiB inside net/http. With the default GOGC=100 the runtime's
// smallest heap goal, 4 MiB, applies: a collection every thousand
// requests or so, 5 to 7% of the CPU on small keep-alive requests.
//
// So while the live heap is small, the command lets the heap grow to
// minHeapGoal before collecting, and behaves as GOGC=100 once the live
// heap passes half of it (goal = 2 x live, as with the default). Memory
// stays bounded by max(minHeapGoal, 2 x live heap). The runtime has no
// setting for a smallest heap goal, so gcPacer sets GOGC after each
// collection from the live heap it found. GOGC or GOMEMLIMIT set in the
// environment turn this off: the user's choice wins.
const (
	minHeapGoal = 16 << 20
	// maxGCPercent bounds GOGC: the runtime's own smallest goal is
	// 4 MiB x GOGC/100, and 400 makes that minHeapGoal.
	maxGCPercent = 400
)

// gcPercentFor returns the GOGC that gives a heap goal of minHeapGoal for a
// live heap of live bytes, within [100, maxGCPercent].
func gcPercentFor(live uint64) int {
	if live == 0 || live >= minHeapGoal/2 {
		return 100
	}
	p := int(100 * (minHeapGoal - live) / live)
	return min(max(p, 100), maxGCPercent)
}

// gcPacer sets GOGC after each collection (see minHeapGoal).
type gcPacer struct {
	live    func() uint64 // the live heap the last collection found, or 0
	set     func(int) int // debug.SetGCPercent
	percent int           // the GOGC in effect
}

// startGCPacer starts pacing the collector, unless the environment sets
// GOGC or GOMEMLIMIT.
func startGCPacer() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	p := &gcPacer{live: liveHeap(), set: debug.SetGCPercent, percent: 100}
	p.arm()
}

// liveHeap returns a function reporting the live heap the last collection
// found (runtime/metrics), or 0 if the runtime does not report it.
func liveHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	return func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
}

// arm makes the next collection call after: a cleanup on an object
// nothing refers to runs once a collection has found it unreachable.
func (p *gcPacer) arm() {
	runtime.AddCleanup(new(gcSentinel), func(p *gcPacer) { p.after() }, p)
}

// gcSentinel holds a pointer so that it gets an allocation of its own: a
// pointer-free object this small could share its block with others
// (the tiny allocator) and be collected only as late as they are.
type gcSentinel struct{ _ *byte }

// after sets GOGC from the live heap the last collection found, then
// waits for the next collection. Only one sentinel is pending at a time,
// so after never runs concurrently with itself and p needs no lock.
func (p *gcPacer) after() {
	if want := gcPercentFor(p.live()); want != p.percent {
		p.set(want)
		p.percent = want
	}
	p.arm()
}
