package main

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 100},           // no figure yet: the default
		{100 << 10, 400},   // tiny heap: the cap, a goal of 16 MiB
		{3 * mib, 400},     // 16/3 - 1 = 433%, capped
		{4 * mib, 300},     // 4 MiB x 4 = 16 MiB
		{6 * mib, 166},     // 6 MiB x 2.66 = 16 MiB
		{8 * mib, 100},     // half the goal: the default from here on
		{64 * mib, 100},    // big heap: the default, goal 2 x live
		{7*mib + 1, 128},   // just under half
		{minHeapGoal, 100}, // at the goal
	} {
		if got := gcPercentFor(tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d) = %d, want %d", tc.live, got, tc.want)
		}
		// Whatever GOGC it picks, the heap goal is never above
		// max(minHeapGoal, 2 x live).
		p := uint64(gcPercentFor(tc.live))
		goal := max(tc.live*(100+p)/100, 4*mib*p/100)
		if limit := max(minHeapGoal, 2*tc.live); goal > limit {
			t.Errorf("live %d: GOGC %d gives a goal of %d, over %d", tc.live, p, goal, limit)
		}
	}
}

// TestGCPacer runs the pacer on real collections: after one, it sets GOGC
// from the live heap reported, and it is there again after the next ones.
func TestGCPacer(t *testing.T) {
	var live atomic.Uint64
	set := make(chan int, 10)
	p := &gcPacer{
		live: live.Load,
		set: func(v int) int {
			select {
			case set <- v:
			default: // never block the runtime's cleanup goroutine
			}
			return 0
		},
		percent: 100,
	}
	live.Store(1 << 20)
	p.arm()
	// waitSet collects until the pacer sets GOGC (cleanups run after the
	// collection, in their own goroutine).
	waitSet := func() int {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			runtime.GC()
			select {
			case v := <-set:
				return v
			case <-deadline:
				t.Fatal("the pacer set no GOGC after collections")
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	if v := waitSet(); v != maxGCPercent {
		t.Fatalf("live heap 1 MiB: GOGC set to %d, want %d", v, maxGCPercent)
	}
	live.Store(64 << 20)
	if v := waitSet(); v != 100 {
		t.Fatalf("live heap 64 MiB: GOGC set to %d, want 100", v)
	}
	// Unchanged, it sets nothing.
	for range 3 {
		runtime.GC()
	}
	time.Sleep(50 * time.Millisecond)
	select {
	case v := <-set:
		t.Fatalf("GOGC set again to %d with the live heap unchanged", v)
	default:
	}
}

func TestLiveHeap(t *testing.T) {
	runtime.GC()
	keep := make([]byte, 4<<20)
	runtime.GC()
	if got := liveHeap()(); got < 4<<20 {
		t.Errorf("live heap %d bytes with 4 MiB held", got)
	}
	runtime.KeepAlive(keep)
}
