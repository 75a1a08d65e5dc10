package fileserver

import "sync"

// herd.go: requests that arrive together for the same listing share one
// rendering of it, and those for the same compressed bytes one
// compression (compressRun).
//
// When many clients ask at once for a listing that is not in the cache
// (a site just deployed, an entry just evicted), each of them read the
// directory, stat'ed its entries and rendered the page: 64 clients asking
// at once for the rich listing of 10,000 entries took the server to 160
// to 180 MB and 2 s of CPU, against 37 MB once the page was kept. A herd
// lets the first of them do the work while the others wait for it and
// take its result, under these rules:
//
//   - The run is keyed by the directory's version as stat saw it (its
//     fileID), so that a request that saw a changed directory starts its
//     own.
//   - A request that came while the run was under way (late) takes its
//     result only if usable says it is what it would have got itself:
//     the listing's caller checks that the directory is one whose
//     changes its fileID shows (not too recent, no symbolic link: see
//     stableListing), and that each entry still shows what it showed
//     (richFresh), as for a kept listing. Otherwise it waits for, or
//     makes, a second run, which begins after it came.
//   - A run that fails, or has nothing to share, leaves each waiting
//     request to do its own work as if it had come alone, its error its
//     own (a budget refused, a permission denied).
//   - The work does not depend on the request that does it beyond its
//     directory: a leader whose client goes away still finishes it for
//     the others.
type herd[K comparable, T any] struct {
	mu   sync.Mutex
	runs map[K]*herdRun[T]
}

// herdRun is one run of a herd's work under way.
type herdRun[T any] struct {
	done   chan struct{}
	v      T
	shared bool // v is to be shared
	joined int  // requests that waited for this run
}

// do returns the result of work for key: that of a run of work for key
// under way if usable accepts it (late is true when that run began before
// this call), else that of a run of its own. work reports whether its
// result may be shared. own is true when the result came from this
// call's own run, which then holds whatever the work took (a budget's
// charge) and gives it back; joined is true when other calls took its
// result too, and are using it.
func (g *herd[K, T]) do(key K, usable func(v T, late bool) bool, work func() (T, bool)) (v T, own, joined bool) {
	late := true
	for range 2 {
		g.mu.Lock()
		run, ok := g.runs[key]
		if !ok {
			run = &herdRun[T]{done: make(chan struct{})}
			if g.runs == nil {
				g.runs = map[K]*herdRun[T]{}
			}
			g.runs[key] = run
			g.mu.Unlock()
			return g.lead(key, run, work)
		}
		run.joined++
		g.mu.Unlock()
		// A waiting request whose client has gone waits on: the run
		// ends as its own work would have, and doing that work now, as
		// the clients of a slow rendering give up one after another,
		// would bring back the herd.
		<-run.done
		if !run.shared {
			break // failed, or nothing to share: as if alone
		}
		if usable(run.v, late) {
			return run.v, false, false
		}
		// Any run found from now on began after this call did.
		late = false
	}
	v, _ = work()
	return v, true, false
}

// lead runs work for key as run, and hands its result to those waiting.
func (g *herd[K, T]) lead(key K, run *herdRun[T], work func() (T, bool)) (v T, own, joined bool) {
	defer func() {
		g.mu.Lock()
		delete(g.runs, key)
		joined = run.joined > 0
		g.mu.Unlock()
		close(run.done)
	}()
	v, share := work()
	run.v, run.shared = v, share
	return v, true, false
}
