package fileserver

import (
	"context"
	"time"
)

// Hooks for the external tests.

// SetClock replaces the clock of h's racy-file check: a clock an hour
// ahead makes files written by a test old enough to be cached at once.
func SetClock(h *Handler, now func() time.Time) { h.now = now }

// CacheStats reports the number of files h's cache holds and what they
// cost; 0, 0 when the cache is off.
func CacheStats(h *Handler) (entries int, bytes int64) {
	if h.cache == nil {
		return 0, 0
	}
	return h.cache.stats()
}

// HourAhead is a clock an hour ahead of time.Now.
func HourAhead() time.Time { return time.Now().Add(time.Hour) }

// SetArchiveHook makes h call hook before it writes each entry of an
// archive, with the request's context and the entry's name in the archive.
func SetArchiveHook(h *Handler, hook func(ctx context.Context, name string)) { h.archiveHook = hook }
