package fileserver

import (
	"bytes"
	"context"
	"hash/fnv"
	"hash/maphash"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// cache.go: the small-file cache.
//
// A small regular file is read into memory the first time it is served,
// with its response headers prepared (Content-Type, Content-Length,
// Last-Modified, ETag), under its cleaned name. Every request still
// starts with one stat(2) of the name, and the entry is used only if that
// stat shows the very file that was read: same device, inode, size,
// modification time and status-change time (ctime), to the nanosecond.
// Writing to a file, truncating it, replacing it (rename, a new inode),
// changing its mode or owner, or touching it changes at least one of
// them, so a changed file's old bytes, length or type are never served:
// the file is read again. Files whose ctime is less than racyWindow old
// when they are asked for are served from disk and not kept, so that a
// write landing in the same timestamp tick as the read cannot go
// unnoticed (the "racy git" problem). Entries are bounded in size
// (Options.CacheMaxFileSize) and in total (Options.CacheMaxBytes). A
// full cache makes room with SIEVE (Zhang et al., NSDI 2024): entries are
// kept in the order they came in,
// and a hand moving from the oldest to the newest drops the first entry
// that nobody asked for since the hand last passed it, giving the others
// another round. Popular files stay, one-time requests leave first, and
// a hit costs one atomic flag: no reordering, no lock. A full cache lets
// a file in only when it is asked for a second time while a small table
// of the names it turned away still holds its name (admits): a file asked
// for once is sent from disk, as with no cache, instead of being read
// into memory only to push out an entry that was worth keeping. So a
// cache that thrashes, its set much larger than itself, costs what no
// cache costs, and a scan of files asked for once leaves the popular ones
// in place.
//
// The cache also keeps the <li> lines of a directory's HTML listing, under
// listingKey(name) and the directory's own stat identity: see
// keepListing in listing.go for what may be kept.

const (
	// defaultCacheMaxBytes and defaultCacheMaxFileSize are the bounds
	// when Options leaves them zero.
	defaultCacheMaxBytes    = 64 << 20
	defaultCacheMaxFileSize = 64 << 10

	// racyWindow is how old a file's ctime must be when the file is read
	// for its content to be kept: more than the timestamp granularity of
	// any file system we expect (1 s on ext3 and some NFS servers, 2 s
	// for FAT), so that any later write gets a different ctime.
	racyWindow = 2 * time.Second

	// entryOverhead is what an entry costs beyond its content and name
	// (the struct, header strings, map slot), counted against
	// CacheMaxBytes so that many empty files cannot grow the cache
	// without bound.
	entryOverhead = 512
)

// fileID identifies one version of a file, from its stat data.
type fileID struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // nanoseconds since the epoch
}

// cachedFile is one file's content with its response headers, immutable
// once made. The header values are shared by every response that uses
// them: assigned to a header map, never modified in place.
type cachedFile struct {
	id      fileID
	content []byte
	mtime   time.Time
	hasTime bool // mtime is usable for If-Modified-Since (hasMtime)
	ctype   []string
	length  []string
	lastMod []string // nil when the file has no modification time
	etag    []string // nil when there is none
	cost    int64
	// hdr backs ctype, length, lastMod and etag (see setHeaders).
	hdr [4]string

	// extra is what a listing keeps beside its content (richlisting.go),
	// costing extraCost bytes.
	extra     any
	extraCost int64

	// The entry's place in the cache, under fileCache.mu: its key, and
	// its neighbours in the order of insertion, while in the cache.
	key          string
	newer, older *cachedFile
	inCache      bool
	// visited is set by every hit and cleared by the eviction hand.
	visited atomic.Bool
}

// fileCache maps cleaned names to cachedFiles. It is safe for concurrent
// use.
type fileCache struct {
	maxFile  int64
	maxBytes int64

	mu    sync.RWMutex
	m     map[string]*cachedFile
	bytes int64 // sum of the costs of the entries in m

	// The entries of m from the newest (head) to the oldest (tail), and
	// the eviction hand: the next entry it looks at, or nil to start
	// again from the tail.
	head, tail, hand *cachedFile

	// door holds hashes of the names that admits turned away (0: none),
	// in buckets of two slots, the bucket picked by the hash: a name
	// turned away goes into a bucket's first slot, moving what was there
	// to the second, so that two names of one bucket asked for in turn
	// still come in. seed keys the hash.
	door []atomic.Uint64
	seed maphash.Seed
}

func newFileCache(maxBytes, maxFile int64) *fileCache {
	if maxBytes == 0 {
		maxBytes = defaultCacheMaxBytes
	}
	if maxFile == 0 {
		maxFile = defaultCacheMaxFileSize
	}
	return &fileCache{maxFile: min(maxFile, maxBytes), maxBytes: maxBytes, m: make(map[string]*cachedFile),
		door: make([]atomic.Uint64, doorSlots(maxBytes)), seed: maphash.MakeSeed()}
}

// doorSlots is the size of a cache's table of turned-away names: about
// one slot for each 4 KiB file the cache could hold, a power of two from
// 1,024 to 1,048,576 (8 KiB to 8 MiB; 128 KiB for the default 64 MiB,
// memory the system gives only when a full cache first writes to it). A
// file comes in if it is asked for again before about as many other
// files are turned away as the cache holds: so often that it would
// have stayed.
func doorSlots(maxBytes int64) int {
	n := 1024
	for n < 1<<20 && int64(n)*4096 < maxBytes {
		n <<= 1
	}
	return n
}

// admits reports whether the file name of size bytes, which the cache
// keeps (see keeps), is to be read into it now: always while it fits
// without evicting, or when it replaces an older version of itself;
// once the cache is full, only when it is asked for the second time
// since it was last turned away, and its bucket still holds it. Requests
// racing on one bucket may lose a name or let one in early: either way,
// a file is sent from disk or from memory, never wrongly.
func (c *fileCache) admits(name string, size int64) bool {
	cost := size + int64(len(name)) + entryOverhead
	c.mu.RLock()
	room := c.bytes+cost <= c.maxBytes || c.m[name] != nil
	c.mu.RUnlock()
	if room {
		return true
	}
	h := maphash.String(c.seed, name) | 1 // never 0, an empty slot
	i := h & uint64(len(c.door)-1) &^ 1
	first, second := &c.door[i], &c.door[i+1]
	switch h {
	case first.Load():
		first.Store(second.Load())
		second.Store(0)
		return true
	case second.Load():
		second.Store(0)
		return true
	}
	second.Store(first.Load())
	first.Store(h)
	return false
}

// get returns the entry for name if it is the version id, else nil.
func (c *fileCache) get(name string, id fileID) *cachedFile {
	c.mu.RLock()
	e := c.m[name]
	c.mu.RUnlock()
	if e == nil || e.id != id {
		return nil
	}
	if !e.visited.Load() { // a store only on the first hit since the hand passed
		e.visited.Store(true)
	}
	return e
}

// put stores e under name, replacing any older version and evicting
// entries (SIEVE) until the total fits.
func (c *fileCache) put(name string, e *cachedFile) {
	cost := int64(len(e.content)) + int64(len(name)) + entryOverhead + e.extraCost
	if cost > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.inCache { // kept already, under this name or another
		c.remove(e)
	}
	if old := c.m[name]; old != nil {
		c.remove(old)
	}
	for c.bytes+cost > c.maxBytes {
		c.remove(c.victim())
	}
	e.cost, e.key, e.inCache = cost, name, true
	e.visited.Store(false)
	e.older, e.newer = c.head, nil
	if c.head != nil {
		c.head.newer = e
	} else {
		c.tail = e
	}
	c.head = e
	c.m[name] = e
	c.bytes += cost
}

// victim returns the entry to evict, moving the hand past it: the first
// entry from the hand toward the newest (wrapping to the oldest) that has
// not been asked for since the hand last passed it. The hand clears the
// flag of each entry it passes. The cache must not be empty.
func (c *fileCache) victim() *cachedFile {
	e := c.hand
	if e == nil {
		e = c.tail
	}
	for e.visited.Load() {
		e.visited.Store(false)
		if e = e.newer; e == nil {
			e = c.tail
		}
	}
	c.hand = e.newer
	return e
}

// remove takes e, which is in the cache, out of it.
func (c *fileCache) remove(e *cachedFile) {
	if c.hand == e {
		c.hand = e.newer
	}
	if e.newer != nil {
		e.newer.older = e.older
	} else {
		c.head = e.older
	}
	if e.older != nil {
		e.older.newer = e.newer
	} else {
		c.tail = e.newer
	}
	e.newer, e.older, e.inCache = nil, nil, false
	delete(c.m, e.key)
	c.bytes -= e.cost
}

// stats reports the number of entries and their total cost.
func (c *fileCache) stats() (entries int, bytes int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m), c.bytes
}

// keeps reports whether the cache would keep the regular file name, seen
// by stat as the version id at now: small enough, with its name and
// overhead, and not too recent (racyWindow). Only such a file is read
// into memory; any other is sent from disk, so that a large
// CacheMaxFileSize does not make every request for a file being written
// read it whole.
func (c *fileCache) keeps(name string, id fileID, now time.Time) bool {
	return id.size <= c.maxFile && id.size+int64(len(name))+entryOverhead <= c.maxBytes &&
		id.ctime <= now.Add(-racyWindow).UnixNano()
}

// loadCached reads the regular file name, last seen by stat as id, into a
// cachedFile and keeps it; the caller has checked that the cache keeps
// it. It returns an error only if the file cannot be opened (a 404, as
// Python answers); it returns nil, nil if the file changed while it was
// read, and the caller should then serve it from disk.
func (h *Handler) loadCached(ctx context.Context, name string, id fileID) (*cachedFile, error) {
	f, err := h.open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf, fi := readVersion(f, id)
	if buf == nil {
		return nil, nil
	}
	e := h.newCachedFile(name, buf, fi.ModTime(), id)
	h.cache.put(name, e)
	return e, nil
}

// readVersion reads the whole of f, opened by the name that stat saw as
// the version id of a regular file, and returns its bytes and its stat, or
// nil if f is not that version. The name may have been replaced between
// the stat and the open: f is checked before a byte is read, since a read
// of a FIFO put there waits for its writer to write, and again after, to
// see that the file did not change while it was read.
func readVersion(f fs.File, id fileID) ([]byte, fs.FileInfo) {
	if isVersion(f, id) == nil {
		return nil, nil
	}
	buf := make([]byte, id.size)
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, nil // shorter than stat said: changed, or unreadable
	}
	fi := isVersion(f, id)
	if fi == nil {
		return nil, nil
	}
	return buf, fi
}

// isVersion returns the stat of f if it is the version id, else nil.
func isVersion(f fs.File, id fileID) fs.FileInfo {
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	if now, ok := statID(fi); !ok || now != id {
		return nil
	}
	return fi
}

// readSeen reads the whole of f, a regular file that stat saw as fi, when
// there is no fileID to check it by (the cache off, an FS without Linux
// stat data), and returns its bytes, or nil if f's own stat, before the
// read or after it, does not show that version: the name may have been
// replaced between the stat and the open (a larger file's first bytes
// went out compressed as the whole file, with the old version's ETag),
// or the file written while it was read. Without a fileID the version
// is the mode, size and modification time, so a FIFO put in the file's
// place is never read.
func readSeen(f fs.File, fi fs.FileInfo) []byte {
	if !isSeen(f, fi) {
		return nil
	}
	buf := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, buf); err != nil || !isSeen(f, fi) {
		return nil
	}
	return buf
}

// isSeen reports whether f's own stat shows the version of the file that
// stat saw as fi: the same fileID when both have one, else the same mode,
// size and modification time.
func isSeen(f fs.File, fi fs.FileInfo) bool {
	now, err := f.Stat()
	if err != nil {
		return false
	}
	if id, ok := statID(fi); ok {
		nowID, ok := statID(now)
		return ok && nowID == id
	}
	return now.Mode() == fi.Mode() && now.Size() == fi.Size() && now.ModTime().Equal(fi.ModTime())
}

// newCachedFile prepares the headers serveFile and http.ServeContent
// would send for content.
func (h *Handler) newCachedFile(name string, content []byte, mtime time.Time, id fileID) *cachedFile {
	ctype := h.types.lookup(name)
	if ctype == "" && h.sniff {
		ctype = sniffBytes(content)
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	length := strconv.FormatInt(int64(len(content)), 10)
	var lastMod, etag string
	if hasMtime(mtime) {
		lastMod = mtime.UTC().Format(http.TimeFormat)
		etag = mtimeETag(mtime, int64(len(content)))
	} else {
		hash := fnv.New128a()
		hash.Write(content)
		etag = contentETag(hash.Sum(nil))
	}
	e := &cachedFile{id: id, content: content, mtime: mtime, hasTime: hasMtime(mtime)}
	e.setHeaders(ctype, length, lastMod, etag)
	return e
}

// setHeaders sets e's header values; those given as "" stay nil, but
// for ctype. Every collection marks every cached entry, and a cache of
// small files holds tens of thousands, so the values share one string and
// their slices one array inside the entry: an entry is four objects (the
// entry, its content, its key, the values) rather than ten.
func (e *cachedFile) setHeaders(ctype, length, lastMod, etag string) {
	all := length + lastMod + etag
	l, m := len(length), len(length)+len(lastMod)
	e.hdr = [4]string{ctype, all[:l], all[l:m], all[m:]}
	e.ctype = e.hdr[0:1:1]
	if length != "" {
		e.length = e.hdr[1:2:2]
	}
	if lastMod != "" {
		e.lastMod = e.hdr[2:3:3]
	}
	if etag != "" {
		e.etag = e.hdr[3:4:4]
	}
}

// acceptRanges is the Accept-Ranges value of every file response.
var acceptRanges = []string{"bytes"}

// serveCached answers r from a cached file: Python's If-Modified-Since
// rule first (after If-Match and If-Unmodified-Since, when the request
// has them: see notModifiedUnlessFailed), then the full 200 response
// straight from memory when the request has no other conditional and no
// Range (a single write, with the headers), else http.ServeContent over
// the content for Range, If-Match, If-None-Match, If-Unmodified-Since and
// If-Range.
//
// v, if not nil, is the variant e stands for: the bytes of a precompressed
// copy (whose ETag gets the coding's mark) or compressed bytes (whose ETag
// has it already), sent with v's Content-Type and Content-Encoding.
func (h *Handler) serveCached(w http.ResponseWriter, r *http.Request, name string, e *cachedFile, v *variant) {
	hdr := w.Header()
	// The values come from the entry, shared by every response of it; a
	// handler after ours may edit a header's values in place, so each
	// response gets its own, in one allocation.
	vals := make([]string, 0, 6)
	set := func(key string, v []string) {
		vals = append(vals, v[0])
		hdr[key] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	ctype := e.ctype
	if v != nil {
		ctype = v.ctype
	}
	if e.etag != nil {
		if v != nil && !strings.HasSuffix(e.etag[0], "-"+v.coding.token+`"`) {
			hdr["Etag"] = []string{v.etag(e.etag[0])}
		} else {
			set("Etag", e.etag)
		}
	}
	rh := r.Header
	ims, imsPresent := rh["If-Modified-Since"]
	_, inm := rh["If-None-Match"]
	if imsPresent && !inm && len(ims) > 0 && e.hasTime && notModifiedSince(ims[0], e.mtime) {
		if rh["If-Match"] == nil && rh["If-Unmodified-Since"] == nil {
			w.WriteHeader(http.StatusNotModified)
		} else {
			h.notModifiedUnlessFailed(w, r, name, v, e.mtime, bytes.NewReader(e.content))
		}
		return
	}
	set("Content-Type", ctype)
	if v != nil {
		set("Content-Encoding", v.coding.value)
	}
	if !inm && rh["Range"] == nil && rh["If-Match"] == nil && rh["If-Unmodified-Since"] == nil {
		// What ServeContent sends for a full response.
		if e.lastMod != nil {
			set("Last-Modified", e.lastMod)
		}
		set("Accept-Ranges", acceptRanges)
		if ce := hdr["Content-Encoding"]; v != nil || len(ce) == 0 || ce[0] == "" {
			set("Content-Length", e.length)
		}
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(e.content)
		}
		return
	}
	req := r
	if imsPresent {
		req = r.Clone(r.Context())
		req.Header.Del("If-Modified-Since")
	}
	setEpochModified(hdr, e.mtime)
	if v != nil {
		// The whole variant, as serveFile sends it: ServeContent would
		// leave Content-Length out for the Content-Encoding.
		set("Content-Length", e.length)
	}
	if mayFail(r) {
		w = &preconditionWriter{ResponseWriter: w, h: h, r: r, name: cacheControlName(name, v)}
		if epochUnmodifiedSinceFails(r, e.mtime) {
			w.WriteHeader(http.StatusPreconditionFailed)
			return
		}
		req = fixRange(strongIfRange(req, e.mtime), int64(len(e.content)))
		var done func()
		req, done = h.limitMultiRange(req)
		defer done()
	}
	http.ServeContent(w, req, name, e.mtime, bytes.NewReader(e.content))
}
