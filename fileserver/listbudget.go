package fileserver

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"syscall"

	"github.com/simplehttp/simplehttp/internal/overload"
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
// pinned 2 GB), the compressors of archives (archiveFormat.cost), those
// of the compressions of Options.Compress (coding.cost), the multipart
// responses to Range requests of several ranges (maxMultiRange), the
// large copy buffers of uploads (uploadBufBudget), or the received files
// of multipart uploads that wait open (maxOpenWaiting).
type budget struct {
	mu   sync.Mutex
	max  int64
	used int64
	// For the error: "listings in flight hold N entries, ... would pass
	// Options.ListingBudget (M)"; limit is "their limit" without an option.
	what, unit, limit string
	// log reports the episodes where requests are refused for lack of
	// budget: they begin with a refusal and end when a request fits again
	// (a file that opens says nothing about this budget).
	log *overload.Log
}

// budgetError is the error of a request the budget refuses: an ENOMEM,
// for which the server answers 503 with Retry-After.
type budgetError struct {
	b   *budget
	msg string
}

func (e *budgetError) Error() string { return e.msg }
func (e *budgetError) Unwrap() error { return syscall.ENOMEM }

// newBudget returns a budget of max, or nil (no bound) if max is negative;
// zero means def.
// Its log lines say what the refused requests get (then, "answering 503");
// option is the Options field that sets max, or "" for a fixed limit.
func newBudget(max, def int64, what, unit, option, then string, logger *slog.Logger) *budget {
	switch {
	case max < 0:
		return nil
	case max == 0:
		max = def
	}
	limit := "Options." + option
	if option == "" {
		limit = "their limit"
	}
	return &budget{max: max, what: what, unit: unit, limit: limit,
		log: overload.New(logger, "fileserver: "+what+" in flight at "+limit+", "+then)}
}

// take reserves n, or reports that it does not fit (a *budgetError). A
// request fits whatever its size when no other is in flight, so that a
// directory larger than the budget can still be listed.
func (b *budget) take(ctx context.Context, n int64) error {
	if err := b.takeMore(n, 0); err != nil {
		return err
	}
	b.fits(ctx)
	return nil
}

// takeMore is take for a request that holds own of the budget already
// and takes it a part at a time: it fits whatever its size when no other
// request holds any. It says nothing to the log: the request calls fits
// once it has taken all it needs, or the budget's log would end an
// episode each time a part fits while whole requests are still refused.
func (b *budget) takeMore(n, own int64) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	if b.used > own && b.used+n > b.max {
		err := &budgetError{b, fmt.Sprintf("%s in flight hold %d %s, %d more would pass %s (%d)",
			b.what, b.used, b.unit, n, b.limit, b.max)}
		b.mu.Unlock()
		return err
	}
	b.used += n
	b.mu.Unlock()
	return nil
}

// fits tells the budget's log that a request got all it needed.
func (b *budget) fits(ctx context.Context) {
	if b != nil {
		b.log.OK(ctx)
	}
}

// giveIfPanic, deferred by a listing's rendering once its entries are
// charged, gives the n entries back if the rendering panics, and lets the
// panic go on. The charge goes to the caller only when the rendering
// returns; without this, a panic there (a bug the error pages answer
// with a 500, the server serving on) would have held the entries charged
// for good, and the budget would have refused listings ever after.
func (b *budget) giveIfPanic(n int) {
	if p := recover(); p != nil {
		b.give(int64(n))
		panic(p)
	}
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
