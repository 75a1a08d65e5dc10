package fileserver

import (
	"fmt"
	"sync"
	"syscall"
)

// defaultListingBudget is Options.ListingBudget's default: 1,000,000
// entries. A listing of 120,000 entries held about 10 MB while its client
// did not read (its entries and its page), 30 MB as JSON: the default
// bounds that memory to some 100 to 250 MB.
const defaultListingBudget = 1_000_000

// A budget bounds what requests in flight hold at once, across requests:
// the directory entries of listings not served from the cache (each holds
// its entries, and the page it makes of them, until the client has taken
// it: without a bound, 200 slow clients of a 120,000-entry directory
// pinned 2 GB), or the compressors of archives (see archiveCost).
type budget struct {
	mu   sync.Mutex
	max  int64
	used int64
	// For the error: "listings in flight hold N entries, ..., Options.ListingBudget".
	what, unit, option string
}

// newBudget returns a budget of max, or nil (no bound) if max is negative;
// zero means def.
func newBudget(max, def int64, what, unit, option string) *budget {
	switch {
	case max < 0:
		return nil
	case max == 0:
		max = def
	}
	return &budget{max: max, what: what, unit: unit, option: option}
}

// take reserves n, or reports that it does not fit. A request fits
// whatever its size when no other is in flight, so that a directory
// larger than the budget can still be listed.
func (b *budget) take(n int64) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used > 0 && b.used+n > b.max {
		// ENOMEM: the server answers 503 with Retry-After, and logs the
		// episode once, as for any shortage of memory.
		return fmt.Errorf("%s in flight hold %d %s, %d more would pass Options.%s (%d): %w",
			b.what, b.used, b.unit, n, b.option, b.max, syscall.ENOMEM)
	}
	b.used += n
	return nil
}

// give returns n taken by take.
func (b *budget) give(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}
