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

// entryBudget bounds the directory entries that listings not served from
// the cache hold at once, across requests. Each such listing holds its
// entries, and the page it makes of them, until the client has taken it:
// without a bound, 200 slow clients of a 120,000-entry directory pinned
// 2 GB, and enough of them run the process out of memory.
type entryBudget struct {
	mu   sync.Mutex
	max  int
	used int
}

// take reserves n entries, or reports that they do not fit. A listing
// fits whatever its size when no other is in flight, so that a directory
// larger than the budget can still be listed.
func (b *entryBudget) take(n int) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used > 0 && b.used+n > b.max {
		// ENOMEM: the server answers 503 with Retry-After, and logs the
		// episode once, as for any shortage of memory.
		return fmt.Errorf("listings in flight hold %d entries, %d more would pass Options.ListingBudget (%d): %w",
			b.used, n, b.max, syscall.ENOMEM)
	}
	b.used += n
	return nil
}

// give returns n entries taken by take.
func (b *entryBudget) give(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}
