package fileserver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/internal/negotiate"
	"github.com/simplehttp/simplehttp/internal/overload"
	"github.com/simplehttp/simplehttp/internal/pyescape"
	"github.com/simplehttp/simplehttp/internal/urlpath"
)

// entry is one line of a listing, kept apart from how it is rendered.
type entry struct {
	name  string
	lower string // Python's name.lower(), the sort key (pyescape.SurrogateEscape'd)
	dir   bool   // a directory, or a link to one
	link  bool   // a symbolic link
}

// Python 3.14's list_directory, split around the parts that vary.
const (
	listingHead = "<!DOCTYPE HTML>\n" +
		"<html lang=\"en\">\n" +
		"<head>\n" +
		"<meta charset=\"utf-8\">\n" +
		"<style type=\"text/css\">\n" +
		":root {\n" +
		"color-scheme: light dark;\n" +
		"}\n" +
		"</style>\n" +
		"<title>Directory listing for "
	listingMid  = "</title>\n</head>\n<body>\n<h1>Directory listing for "
	listingList = "</h1>\n<hr>\n<ul>\n"
	listingTail = "</ul>\n<hr>\n</body>\n</html>\n"

	// The parts of the head between the title and the list when the
	// options add to it: the buttons that download the directory as an
	// archive (Options.Archive) under the heading, and the upload form
	// (Options.Upload), which posts the chosen files to the directory's
	// own URL, with no script, between two rules. The archives are
	// buttons of a GET form ("?download=zip", as a link would ask), not
	// links: wget --recursive follows every link, and would download
	// each directory's subtree three times over, at each level.
	listingH1End        = "</h1>\n"
	listingArchiveLinks = "<form method=\"get\"><p>Download: " +
		"<button name=\"download\" value=\"zip\">zip</button> " +
		"<button name=\"download\" value=\"tar.gz\">tar.gz</button> " +
		"<button name=\"download\" value=\"tar.zst\">tar.zst</button></p></form>\n"
	listingUploadForm = "<hr>\n" +
		"<form method=\"post\" enctype=\"multipart/form-data\">\n" +
		"<label>Upload files: <input type=\"file\" name=\"file\" multiple required></label>\n" +
		"<button type=\"submit\">Upload</button>\n" +
		"</form>\n"
	listingListStart = "<hr>\n<ul>\n"
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// serveListing answers the directory name, which stat found as fi,
// without an index page, as Python's list_directory does: the HTML
// listing, or JSON for a client that prefers it. f is the directory open,
// or nil.
func (h *Handler) serveListing(w http.ResponseWriter, r *http.Request, f fs.File, fi fs.FileInfo, name, cpath string) {
	wantJSON := prefersJSON(negotiate.List(r.Header["Accept"]))
	if (wantJSON || h.style == ListingRich) && !strings.HasSuffix(cpath, "/") {
		// A path that ends in an escaped slash ("/dir%2F"), which
		// Python 3.14 lists where it stands. The links of the rich
		// listing and the hrefs of the JSON one are relative, and a
		// client resolves them, as the "./" of the page's upload,
		// download and sort forms and its "../", against the directory
		// above: a file linked there, or uploaded from there, would be
		// the parent's. These listings are served where their links
		// resolve. Vary: Python's list is served here to a client
		// that takes HTML.
		_, rest := clientPath(r)
		hdr := w.Header()
		addVary(hdr, varyAccept)
		hdr["Location"] = []string{location(r, cpath, cpath+"/", rest)}
		hdr["Content-Length"] = own(zeroLength)
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	if h.style == ListingRich && !wantJSON {
		h.serveRichListing(w, r, f, fi, name, cpath)
		return
	}
	// The HTML list of a directory is kept in the cache, under its
	// version as stat saw it (see listingKey).
	id, hasID := statID(fi)
	if h.cache != nil && hasID && !wantJSON {
		if e := h.cache.get(listingKey(name), id); e != nil {
			h.writeListing(w, r, cpath, e.content, listingKey(name), id, nil, h.takesUploads(name))
			return
		}
	}
	if f == nil {
		var err error
		if f, err = h.open(r.Context(), name); err != nil {
			// Python's list_directory: os.listdir failed.
			h.listingError(w, r, name, err)
			return
		}
		defer f.Close()
	}
	if wantJSON {
		h.serveJSONListing(w, r, f, fi, name, cpath)
		return
	}
	render := func() (*listRendered, bool) { return h.renderListing(r, f, name, id, hasID) }
	var lr *listRendered
	mine, joined := true, false
	if hasID {
		// Requests for this very list meanwhile share this rendering.
		lr, mine, joined = h.listHerd.do(listHerdKey{name, id}, func(lr *listRendered, late bool) bool {
			return !late || lr.stable
		}, render)
	} else {
		lr, _ = render()
	}
	if lr.err != nil {
		h.listingError(w, r, name, lr.err)
		return
	}
	if mine {
		defer h.listings.give(int64(lr.entries))
	}
	h.writeListing(w, r, cpath, lr.items, lr.key, id, &lr.enc, h.takesUploads(name))
	if mine && lr.pool != nil && !joined {
		// No other request holds the buffer: back to the pool.
		*lr.pool = lr.items
		bufPool.Put(lr.pool)
	}
}

// listRendered is a rendering of Python's list of a directory, which
// the requests for the same one that arrive meanwhile share (listHerd).
type listRendered struct {
	err     error
	entries int    // charged to Options.ListingBudget
	items   []byte // the <li> lines
	// pool is the bufPool buffer items is in, to go back when no other
	// request took them; nil when items is a buffer of its own.
	pool *[]byte
	key  string // the cache key items are kept under, or ""
	// stable and enc: see richRendered.
	stable bool
	enc    encMemo
}

// listHerdKey names the list of the directory name as version id.
type listHerdKey struct {
	name string
	id   fileID
}

// renderListing reads the directory name, open as f and seen by stat as
// id (when hasID), and renders its <li> lines, keeping them in the cache
// when it may; it reports whether the result may be shared. The entries
// stay charged to Options.ListingBudget but on an error.
func (h *Handler) renderListing(r *http.Request, f fs.File, name string, id fileID, hasID bool) (*listRendered, bool) {
	t0 := h.now()
	entries, err := h.readDir(r.Context(), f, name)
	if err != nil {
		return &listRendered{err: err}, false
	}
	defer h.listings.giveIfPanic(len(entries))

	bp := bufPool.Get().(*[]byte)
	// Size the list once, so that a big listing does not leave a trail of
	// outgrown buffers: names usually need no escaping.
	size := 0
	for _, e := range entries {
		size += len(`<li><a href="/"></a></li>`+"\n") + 2*len(e.name) + 1
	}
	b := (*bp)[:0]
	if cap(b) < size {
		b = make([]byte, 0, size+size/16)
	}
	b = appendListItems(b, entries)
	lr := &listRendered{entries: len(entries), items: b, stable: hasID && stableListing(f, entries, id, t0)}
	// A buffer of up to 1 MiB goes back to the pool (a bigger one would
	// pin memory there), so the cache keeps a copy of it; a bigger one is
	// kept as it is, which spares the peak of a big listing a second copy.
	pooled := cap(b) <= 1<<20
	if pooled {
		lr.pool = bp
	}
	if h.renderHook != nil {
		h.renderHook(name)
	}
	if h.cache != nil && hasID && h.keepListing(f, entries, id, t0, len(b)) && h.cache.admits(listingKey(name), int64(len(b))) {
		lr.key = listingKey(name)
		e := &cachedFile{id: id, content: b[:len(b):len(b)], extraCost: int64(cap(b) - len(b))}
		if pooled {
			e.content, e.extraCost = slices.Clone(b), 0
		}
		h.cache.put(lr.key, e)
	}
	return lr, true
}

// appendListItems appends the <li> lines of Python's listing of entries.
func appendListItems(b []byte, entries []*entry) []byte {
	for _, e := range entries {
		b = append(b, `<li><a href="`...)
		b = pyescape.AppendURL(b, e.name)
		if e.dir {
			b = append(b, '/')
		}
		b = append(b, `">`...)
		b = pyescape.AppendHTML(b, e.name)
		switch {
		case e.link:
			b = append(b, '@')
		case e.dir:
			b = append(b, '/')
		}
		b = append(b, "</a></li>\n"...)
	}
	return b
}

// prefersJSON reports whether the Accept header value accept ranks
// application/json above text/html: such a client gets the JSON listing,
// and no Fallback page.
func prefersJSON(accept string) bool {
	return accept != "" && negotiate.Best(accept, "text/html", "application/json") == "application/json"
}

// listingKey is the cache key of the list of the directory name: no file
// name holds a NUL, so it cannot be taken for a file's.
func listingKey(name string) string { return "\x00" + name }

// readDirChunk is how many entries readDir asks an open directory for at
// a time.
const readDirChunk = 1024

// readDirChunks reads the entries of the directory name, open as f,
// readDirChunk at a time where f can (else all at once, through fsys),
// and gives fn each chunk as it is read: so the caller can charge them
// to a budget and stop before the rest is read. It returns the first
// error of the reading or of fn.
//
// A directory of the OS that may be read but not searched (mode r--)
// gives its entries without looking any up (unsearchedEntry), whatever
// the symbolic-link policy: opened in an os.Root (SymlinksInside,
// SymlinksNever), it would look each entry up as it reads it, fail, and
// the whole listing with it, where SymlinksFollow lists it.
func readDirChunks(fsys fs.FS, f fs.File, name string, fn func([]fs.DirEntry) error) error {
	rd, ok := f.(fs.ReadDirFile)
	if !ok {
		des, err := fs.ReadDir(fsys, name)
		if err != nil {
			return err
		}
		return fn(des)
	}
	readDir := rd.ReadDir
	if of, ok := f.(*os.File); ok {
		if err := unsearchable(of); err != nil {
			if nf := reopenDir(of); nf != nil {
				defer nf.Close()
				readDir = unsearchedDir{nf, err}.ReadDir
			}
		}
	}
	for {
		des, err := readDir(readDirChunk)
		if ferr := fn(des); ferr != nil {
			return ferr
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		case len(des) == 0:
			return io.ErrNoProgress
		}
	}
}

// errNotSingleName is why a name that an fs.FS's ReadDir gave is left out
// of listings and archives when it is not one element of a path ("", ".",
// "..", or a name holding '/' or NUL): no OS directory yields one, an
// fs.FS might, and a link to it would name another file, or none.
var errNotSingleName = errors.New("not a single file name")

// singleName reports whether elem, a name a ReadDir gave, is one element
// of a path (see errNotSingleName).
func singleName(elem string) bool {
	return elem != "" && elem != "." && elem != ".." && !strings.ContainsAny(elem, "/\x00")
}

// unsearchedDir reads a directory that cannot be searched (see
// readDirChunks), from a file of its own (reopenDir): entries with the
// types the directory holds, whose Info fails with err without a look-up.
type unsearchedDir struct {
	f   *os.File
	err error
}

func (d unsearchedDir) ReadDir(n int) ([]fs.DirEntry, error) {
	des, err := d.f.ReadDir(n)
	for i, de := range des {
		des[i] = unsearchedEntry{de, d.err}
	}
	return des, err
}

// unsearchedEntry is an entry of a directory that cannot be searched. A
// listing shows its name plain, as Python's does: neither a directory nor
// a link, whatever type the directory holds for it, since nothing in it
// can be examined (each link leads to 404 all the same).
type unsearchedEntry struct {
	fs.DirEntry
	err error
}

func (e unsearchedEntry) Info() (fs.FileInfo, error) {
	return nil, &fs.PathError{Op: "lstat", Path: e.Name(), Err: e.err}
}

// maxListingFraction bounds a cached list to this fraction of the cache
// (8 MiB of the default 64 MiB): some 150,000 entries.
const maxListingFraction = 8

// keepListing reports whether the list of items rendered from entries,
// read from the open directory f after stat saw it as version id, may be
// kept; the cache then lets it in as it lets a file in (admits), once
// full only when asked for a second time, so that the listings of a
// crawler, or the six sort orders of a rich listing, asked for once each,
// do not push the popular files out (six took 1,074 of 1,100 cached files
// out). What a list shows changes only with the directory itself
// (entries added, removed or renamed change its mtime and ctime), with
// one exception: whether a symbolic link is shown as a directory depends
// on its target, so a directory holding links is never kept. Nor is one
// changed less than racyWindow before the read began, nor one that changed
// while it was read.
func (h *Handler) keepListing(f fs.File, entries []*entry, id fileID, t0 time.Time, size int) bool {
	return int64(size) <= h.cache.maxBytes/maxListingFraction && stableListing(f, entries, id, t0)
}

// stableListing reports whether entries, read from the open directory f
// after stat saw it as version id at t0, are what the directory holds as
// long as its fileID stays id (see keepListing): it did not change less
// than racyWindow before t0 nor while it was read, and holds no symbolic
// link.
func stableListing(f fs.File, entries []*entry, id fileID, t0 time.Time) bool {
	if id.ctime > t0.Add(-racyWindow).UnixNano() {
		return false
	}
	for _, e := range entries {
		if e.link {
			return false
		}
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	now, ok := statID(fi)
	return ok && now == id
}

// writeListing sends Python's HTML listing around items, its <li> lines,
// with the title made from the path the client asked for. A cached
// listing goes out with no allocation but the Content-Length. With
// Options.Compress it goes out compressed to a client that takes it:
// kept compressed under key (and the title) when the list is kept, so
// compressed once per version; else, for items that requests share, in
// memo, once for them all. With upload the page offers the upload form.
func (h *Handler) writeListing(w http.ResponseWriter, r *http.Request, clientPath string, items []byte, key string, id fileID, memo *encMemo, upload bool) {
	display := urlpath.UnescapeName(clientPath)
	hp := headPool.Get().(*[]byte)
	head := append((*hp)[:0], listingHead...)
	head = pyescape.AppendHTML(head, display)
	head = append(head, listingMid...)
	head = pyescape.AppendHTML(head, display)
	if upload || h.archive {
		head = append(head, listingH1End...)
		if h.archive {
			head = append(head, listingArchiveLinks...)
		}
		if upload {
			head = append(head, listingUploadForm...)
		}
		head = append(head, listingListStart...)
	} else {
		head = append(head, listingList...)
	}

	h.sendListingPage(w, r, pageKey(key, clientPath), id, memoRef{memo, clientPath}, head, items, listingTailBytes)
	if cap(head) <= 64<<10 { // a title that long is rare: let it go
		*hp = head
		headPool.Put(hp)
	}
}

// pageKey is the cache key of the compressed page of the listing whose
// rows are kept under key, titled from clientPath (the page holds it), or
// "" for a page compressed for this response only: when clientPath is not
// the one form of its path that the listings' links give (quoted as
// Python quotes, without an empty, "." or ".." segment). A client can
// write the same path in endless other ways ("/dir//", "/d%69r/"), and
// each was compressed at the best level and kept, pushing files out of
// the cache: 0.2 s of CPU a request for a listing of 20,000 entries,
// against 1 ms for the kept page.
func pageKey(key, clientPath string) string {
	if key == "" {
		return ""
	}
	display := urlpath.UnescapeName(clientPath)
	if pyescape.URL(display) != clientPath || !strings.HasPrefix(display, "/") {
		return ""
	}
	if display != "/" {
		for seg := range strings.SplitSeq(strings.TrimSuffix(display[1:], "/"), "/") {
			if seg == "" || seg == "." || seg == ".." {
				return ""
			}
		}
	}
	return key + "\x00" + clientPath
}

// sendListingPage sends the HTML page head+rows+tail of a listing: 200
// with its Content-Length, compressed when Options.Compress and the client
// allow (kept compressed under key, when key is not "", so compressed
// once per version id).
func (h *Handler) sendListingPage(w http.ResponseWriter, r *http.Request, key string, id fileID, memo memoRef, head, rows, tail []byte) {
	hdr := w.Header()
	addVary(hdr, varyAccept)
	hdr["Content-Type"] = own(htmlType)
	if c, body := h.encodedListing(w, r, key, id, memo, func() []byte {
		return slices.Concat(head, rows, tail)
	}); c != nil {
		hdr["Content-Encoding"] = own(c.value)
		hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
		return
	}
	hdr["Content-Length"] = []string{strconv.Itoa(len(head) + len(rows) + len(tail))}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(head)
		w.Write(rows)
		w.Write(tail)
	}
}

// headPool holds the buffers the head of a listing (up to its <ul>) is
// made in.
var headPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

var (
	varyAccept       = []string{"Accept"}
	htmlType         = []string{"text/html; charset=utf-8"}
	listingTailBytes = []byte(listingTail)
)

// listingError answers a directory that cannot be read as Python's
// list_directory does, even when the request's context is done: see
// unavailable.
func (h *Handler) listingError(w http.ResponseWriter, r *http.Request, name string, err error) {
	if overload.Is(err) {
		h.unavailable(w, r, name, err)
		return
	}
	h.logger.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: cannot list", slog.String("name", name), slog.Any("err", err))
	h.sendError(w, r, http.StatusNotFound, "No permission to list directory")
}

// readDir reads and sorts a directory's entries as Python does: by
// str.lower() of the name, and (beyond Python, for a stable order) by the
// name itself among equals. A byte of a name that is not valid UTF-8 sorts
// as the lone surrogate Python's os.listdir decodes it to. Such a name is
// left out unless the handler serves an OS directory ([NewDir]): any other
// fs.FS names files in UTF-8 only (fs.ValidPath), so its link could never
// lead back to the file.
//
// The entries are charged to Options.ListingBudget as they are read, a
// chunk at a time, and the caller gives back one for each entry returned;
// on an error, or a panic, nothing stays charged. Charged once they were
// all read, listings refused for the budget had held their whole
// directory all the same: 40 listings at once of a directory of 100,000 entries, 30 of them
// refused, took the server to 630 MB (760 MB as JSON).
func (h *Handler) readDir(ctx context.Context, f fs.File, name string) ([]*entry, error) {
	// Only names and two flags are kept. An open directory is read
	// readDirChunk entries at a time, so that no more than that many
	// DirEntries are live at once (reading all of them first took 64
	// bytes and more per entry besides what is kept), each read's entries
	// into a block of their own, which never moves (growing one slice
	// would leave its copies behind).
	var blocks [][]entry
	n := 0 // entries in blocks, and charged
	// The charge goes to the caller only with the entries: on an error,
	// or a panic of the fs.FS's ReadDir or Stat (a bug the error pages
	// answer with a 500, the server serving on), it is given back here.
	// Held for good, it made the budget refuse listings ever after.
	returned := false
	defer func() {
		if !returned {
			h.listings.give(int64(n))
		}
	}()
	add := func(des []fs.DirEntry) error {
		block := make([]entry, 0, len(des))
		for _, de := range des {
			if h.upload && strings.HasPrefix(de.Name(), tempPrefix) {
				continue // an upload on its way
			}
			if !singleName(de.Name()) {
				h.logger.LogAttrs(ctx, slog.LevelWarn, "fileserver: left out of listing", slog.String("name", joinName(name, de.Name())), slog.Any("err", errNotSingleName))
				continue
			}
			e := entry{name: de.Name(), dir: de.IsDir(), link: de.Type()&fs.ModeSymlink != 0}
			if _, ok := de.(unsearchedEntry); ok {
				// Python's os.path.isdir and islink cannot examine
				// it, and say no: a plain name.
				e.dir, e.link = false, false
			}
			e.lower = pyescape.Lower(e.name)
			if !utf8.ValidString(e.name) {
				if h.dirfs == nil {
					continue
				}
				e.lower = pyescape.SurrogateEscape(e.lower)
			}
			if e.link {
				// Python's os.path.isdir follows the link.
				fi, err := fs.Stat(h.fsys, joinName(name, e.name))
				e.dir = err == nil && fi.IsDir()
			}
			block = append(block, e)
		}
		if err := h.listings.takeMore(int64(len(block)), int64(n)); err != nil {
			return err
		}
		blocks = append(blocks, block)
		n += len(block)
		return nil
	}
	if err := readDirChunks(h.fsys, f, name, add); err != nil {
		return nil, err
	}
	h.listings.fits(ctx)
	sorted := make([]*entry, 0, n) // sorting pointers moves 8 bytes, not an entry
	for _, b := range blocks {
		for i := range b {
			sorted = append(sorted, &b[i])
		}
	}
	slices.SortFunc(sorted, func(a, b *entry) int {
		if c := strings.Compare(a.lower, b.lower); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	returned = true
	return sorted, nil
}

// jsonListing is the listing a client that asks for application/json gets.
type jsonListing struct {
	Path    string      `json:"path"`
	Entries []jsonEntry `json:"entries"`
}

// jsonEntry is one entry of a JSON listing. encoding/json writes each byte
// of a Name (or the Path) that is not valid UTF-8 as U+FFFD, so the
// document is always valid JSON; such a name cannot be turned back into
// its link, and two names that differ only there read the same. Href is
// the link the HTML listing gives the entry (each such byte b as the
// surrogate U+DC00+b, percent-encoded, which a request opens the file by),
// relative to the listing's URL, so that a client fetches any entry by
// it.
type jsonEntry struct {
	Name  string   `json:"name"`
	Href  string   `json:"href"` // relative to the listing's URL, which ends in '/'
	Type  string   `json:"type"` // "file", "dir" or "other", links followed
	Size  int64    `json:"size"`
	Mtime jsonTime `json:"mtime"`
	Link  bool     `json:"link"`
}

// jsonTime is an entry's modification time in a JSON listing: RFC 3339,
// or null when unknown (embed.FS has none; the zero time of a failed stat)
// or outside the years 0 to 9999, which RFC 3339 cannot write: a file
// dated past 9999 (a file system such as tmpfs or btrfs takes any time)
// made encoding/json fail, and the whole listing a 500.
type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	if y := time.Time(t).Year(); !hasMtime(time.Time(t)) || y < 0 || y > 9999 {
		return []byte("null"), nil
	}
	return time.Time(t).MarshalJSON()
}

// serveJSONListing answers with the entries of the directory name, open
// as f and found by stat as fi, as JSON. Requests that arrive together for
// the same directory version and path share one document (see herd),
// taken by one that came while it was made only if every entry still
// shows the same, as the rich listing's kept rows are.
func (h *Handler) serveJSONListing(w http.ResponseWriter, r *http.Request, f fs.File, fi fs.FileInfo, name, clientPath string) {
	path := urlpath.UnescapeName(clientPath)
	id, hasID := statID(fi)
	render := func() (*jsonRendered, bool) { return h.renderJSON(r, f, name, path, id, hasID) }
	var jr *jsonRendered
	mine := true
	if hasID {
		jr, mine, _ = h.jsonHerd.do(jsonHerdKey{name, id, path}, func(jr *jsonRendered, late bool) bool {
			return !late || jr.stable && h.richFresh(f, name, jr.rows)
		}, render)
	} else {
		jr, _ = render()
	}
	if jr.err != nil {
		h.listingError(w, r, name, jr.err)
		return
	}
	if mine {
		defer h.listings.give(int64(len(jr.rows)))
	}
	addVary(w.Header(), varyAccept)
	if jr.body == nil {
		h.sendError(w, r, http.StatusInternalServerError, internalError)
		return
	}
	body := jr.body
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	if c, enc := h.encodedListing(w, r, "", fileID{}, memoRef{m: &jr.enc}, func() []byte { return body }); c != nil {
		hdr["Content-Encoding"] = own(c.value)
		body = enc
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// jsonRendered is a JSON listing, which the requests for the same one
// that arrive meanwhile share (jsonHerd).
type jsonRendered struct {
	err    error
	rows   []richEntry // the entries and their stamps, charged to Options.ListingBudget
	body   []byte      // the document; nil if it could not be encoded
	stable bool        // see richRendered
	enc    encMemo     // body compressed, for the requests that share it
}

// jsonHerdKey names the JSON listing of the directory name as version
// id, with path, the path the client asked for, decoded.
type jsonHerdKey struct {
	name string
	id   fileID
	path string
}

// renderJSON reads the directory name, open as f and seen by stat as id
// (when hasID), stats each entry as the rich listing's rows are
// (richStamps: links followed, anything else as it is, relative to the
// directory where it can be; by name, a listing of 100,000 entries took
// twice the CPU) and encodes the listing of path; it reports whether the
// result may be shared. The entries stay charged to
// Options.ListingBudget but on an error.
func (h *Handler) renderJSON(r *http.Request, f fs.File, name, path string, id fileID, hasID bool) (*jsonRendered, bool) {
	t0 := h.now()
	entries, err := h.readDir(r.Context(), f, name)
	if err != nil {
		return &jsonRendered{err: err}, false
	}
	defer h.listings.giveIfPanic(len(entries))
	out := jsonListing{Path: path, Entries: make([]jsonEntry, len(entries))}
	rows := make([]richEntry, len(entries))
	for i, e := range entries {
		rows[i].entry = e
	}
	h.richStamps(f, name, rows, func(i int, st richStamp) bool {
		rows[i].richStamp = st
		e := rows[i].entry
		je := jsonEntry{Name: e.name, Href: pyescape.URL(e.name), Link: e.link, Type: "other"}
		if e.dir {
			je.Href += "/"
		}
		switch st.kind {
		case 'd':
			je.Type = "dir"
		case 'f':
			je.Type, je.Size = "file", st.size
		}
		if st.hasTime {
			je.Mtime = jsonTime(time.Unix(st.mtime, int64(st.nsec)).UTC())
		}
		out.Entries[i] = je
		return true
	})
	body, err := json.Marshal(out)
	if err != nil {
		h.logger.LogAttrs(r.Context(), slog.LevelError, "fileserver: JSON listing", slog.String("name", name), slog.Any("err", err))
		return &jsonRendered{rows: rows}, false
	}
	jr := &jsonRendered{rows: rows, body: append(body, '\n'), stable: hasID && stableListing(f, entries, id, t0)}
	if h.renderHook != nil {
		h.renderHook(name)
	}
	return jr, true
}
