package fileserver

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync/atomic"
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

// Encode is src compressed in coding token as Compress compresses a file:
// at the best level when it is kept (once), else at a fast one.
func Encode(token string, src []byte, once bool) []byte {
	var buf bytes.Buffer
	if err := codings[token].encode(&buf, src, once); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// KeptBytes reports the bytes h keeps across requests: its cache's, and
// those of the compressed copies it keeps outside it.
func KeptBytes(h *Handler) int64 {
	_, n := CacheStats(h)
	h.encoded.Range(func(_, v any) bool {
		n += int64(len(v.(*cachedFile).content))
		return true
	})
	return n
}

// HourAhead is a clock an hour ahead of time.Now.
func HourAhead() time.Time { return time.Now().Add(time.Hour) }

// SetUnnamedTemp turns the unnamed (O_TMPFILE) temporary files of
// uploads on or off, to test the hidden named ones everywhere; it returns
// a func that restores the setting.
func SetUnnamedTemp(on bool) (restore func()) {
	old := noUnnamed
	noUnnamed = !on
	return func() { noUnnamed = old }
}

// SetUploadWriter replaces where an upload's bytes go, to inject write
// errors; it returns a func that restores it.
func SetUploadWriter(wrap func(f *os.File) io.Writer) (restore func()) {
	old := uploadWriter
	uploadWriter = wrap
	return func() { uploadWriter = old }
}

// UploadDirAt is where an upload to h finds the directory dir, opened as
// name, to be: its path from the root without links, or an error when
// walking that path again does not lead to dir.
func UploadDirAt(h *Handler, dir *os.File, name string) (string, error) {
	return h.dirfs.realDir(dir, name)
}

// TempPrefix is how the names of named temporary files start.
const TempPrefix = tempPrefix

// SetArchiveHook makes h call hook before it writes each entry of an
// archive, with the request's context and the entry's name in the archive.
func SetArchiveHook(h *Handler, hook func(ctx context.Context, name string)) { h.archiveHook = hook }

// SetArchiveCountHook makes h call hook in the count before an archive,
// once the entries of each directory are read, with the directory's name.
func SetArchiveCountHook(h *Handler, hook func(ctx context.Context, name string)) {
	h.archiveCountHook = hook
}

// SetCommitHook makes h call hook when an upload's body has arrived,
// before its files are named.
func SetCommitHook(h *Handler, hook func()) { h.commitHook = hook }

// SetNameHook makes h call hook when an upload's file has passed its last
// checks, just before it is named.
func SetNameHook(h *Handler, hook func()) { h.nameHook = hook }

// SetUploadBufferBudget sets the bytes the large copy buffers of h's
// uploads in progress may take together (64 MiB by default).
func SetUploadBufferBudget(h *Handler, n int64) { h.uploadBufs = newUploadBufBudget(n, h.logger) }

// SetOpenWaiting sets how many received files of h's multipart uploads
// in progress may wait open together (256 by default).
func SetOpenWaiting(h *Handler, n int64) { h.openWaiting = newOpenWaiting(n, h.logger) }

// UploadBuffers reports the bytes of large copy buffers h's uploads in
// progress hold.
func UploadBuffers(h *Handler) int64 {
	h.uploadBufs.mu.Lock()
	defer h.uploadBufs.mu.Unlock()
	return h.uploadBufs.used
}

// SetMultiRangeLimit sets how many responses of several ranges h sends
// at once (256 by default).
func SetMultiRangeLimit(h *Handler, n int64) {
	h.multiRanges = newBudget(n, 0, "responses of several ranges", "responses", "", "sending whole files", h.logger)
}

// CountNamesRead counts the readings of a directory's names that uploads
// make, until the func it returns is called, which returns their number.
func CountNamesRead() func() int64 {
	var n atomic.Int64
	namesRead = func() { n.Add(1) }
	return func() int64 { namesRead = nil; return n.Load() }
}

// Zip64Field returns the data of the ZIP64 field (0x0001) in a zip
// entry's extra field, if it has one.
func Zip64Field(extra []byte) ([]byte, bool) { return zip64FieldOf(extra) }

// SetRenderHook makes h call hook each time it has read and rendered a
// listing that was not in its cache, with the directory's name.
func SetRenderHook(h *Handler, hook func(name string)) { h.renderHook = hook }

// SetEncodeHook makes h call hook each time it compresses a listing.
func SetEncodeHook(h *Handler, hook func()) { h.encodeHook = hook }

// SetCompressHook makes h call hook each time it has read a file to
// compress it, with the file's name.
func SetCompressHook(h *Handler, hook func(name string)) { h.compressHook = hook }

// CompressWaiting reports how many of h's requests wait for a
// compression that another request is making.
func CompressWaiting(h *Handler) int { return h.compressHerd.waiting() }

// HerdWaiting reports how many of h's requests wait for a listing that
// another request is rendering.
func HerdWaiting(h *Handler) int {
	return h.listHerd.waiting() + h.richHerd.waiting() + h.jsonHerd.waiting()
}

// waiting reports how many calls wait for the runs under way.
func (g *herd[K, T]) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, run := range g.runs {
		n += run.joined
	}
	return n
}
