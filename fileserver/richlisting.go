package fileserver

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/simplehttp/simplehttp/internal/pyescape"
	"github.com/simplehttp/simplehttp/internal/urlpath"
)

// ListingStyle chooses the HTML listing of a directory ([Options.Listing]).
// The zero value is ListingPython. Its text form, used by
// [ListingStyle.String], [ListingStyle.MarshalText] and
// [ListingStyle.UnmarshalText] (and so by encoding/json and
// [flag.TextVar]), is "python" or "rich".
type ListingStyle int

const (
	// ListingPython is Python's list_directory, byte for byte.
	ListingPython ListingStyle = iota
	// ListingRich is a sortable table of names, sizes, modification
	// times and types (see the package documentation, "Rich listing").
	ListingRich
)

var listingStyleNames = [...]string{ListingPython: "python", ListingRich: "rich"}

// String returns "python" or "rich", or "ListingStyle(n)" for a value
// that is neither.
func (s ListingStyle) String() string {
	if s >= 0 && int(s) < len(listingStyleNames) {
		return listingStyleNames[s]
	}
	return "ListingStyle(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText returns "python" or "rich"; it fails for any other value.
func (s ListingStyle) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(listingStyleNames) {
		return nil, fmt.Errorf("fileserver: unknown %v", s)
	}
	return []byte(listingStyleNames[s]), nil
}

// UnmarshalText sets s from "python" or "rich", exactly as written (the
// values of the simplehttp command's --listing flag); any other text is
// an error and leaves s as it was.
func (s *ListingStyle) UnmarshalText(text []byte) error {
	for i, name := range listingStyleNames {
		if string(text) == name {
			*s = ListingStyle(i)
			return nil
		}
	}
	return fmt.Errorf("fileserver: unknown listing style %q: want python or rich", text)
}

// listingOptions checks and takes Options.Listing.
func (h *Handler) listingOptions(opts Options) error {
	if _, err := opts.Listing.MarshalText(); err != nil {
		return err
	}
	h.style = opts.Listing
	return nil
}

//go:embed richlisting.html
var richListingHTML string

// richTemplate is the page around the rows, parsed on first use rather
// than when the package is loaded: some 75 KB and 0.2 ms that a program
// never showing the rich listing does not pay.
var richTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("richlisting.html").Parse(richListingHTML))
})

// richPage is the data of richlisting.html: everything on the page but
// the rows.
type richPage struct {
	Title   string      // the directory's path as the client sent it, decoded ("/docs/a b/")
	Crumbs  []richCrumb // "/" first, then one per segment of Title
	Parent  bool        // a "../" row: the directory is not the handler's root
	Columns []richColumn
	Count   int // entries listed

	// Upload, when true, adds a form that posts the chosen files
	// (multipart/form-data, field "file", several allowed) to the
	// directory itself. Nothing here answers the POST: the handler sets
	// it false until an upload handler is mounted there.
	Upload bool
	// Archives are the formats ("zip", "tar.gz") the directory can be
	// downloaded in, each linked as "?download=FORMAT". The handler
	// leaves it nil until an archive handler answers those links.
	Archives []string
}

// richCrumb is one link of the path above the listing; Href is "" for the
// directory itself.
type richCrumb struct{ Name, Href string }

// richColumn is a column heading: a link that sorts by the column, in the
// order opposite to the current one when it is the sorting column.
type richColumn struct {
	Label, Class, Href string
	AriaSort           string // "ascending" or "descending" for the sorting column
	Arrow              string // ▲ or ▼ for the sorting column
}

// richSort is how the rows of a rich listing are ordered.
type richSort struct {
	key  string // "name" (Python's order), "size" or "date"
	desc bool
}

// parseRichSort reads ?sort=name|size|date&order=asc|desc. Anything else,
// or nothing, gives the default: name, ascending (Python's order).
func parseRichSort(rawQuery string) richSort {
	s := richSort{key: "name"}
	if rawQuery == "" {
		return s
	}
	q, _ := url.ParseQuery(rawQuery) // what parses is used, the rest ignored
	switch v := q.Get("sort"); v {
	case "name", "size", "date":
		s.key = v
	}
	s.desc = q.Get("order") == "desc"
	return s
}

func (s richSort) String() string {
	if s.desc {
		return s.key + "-desc"
	}
	return s.key + "-asc"
}

// richColumns are the headings for the listing sorted by s.
func richColumns(s richSort) []richColumn {
	cols := []richColumn{
		{Label: "Name", Class: "n"},
		{Label: "Size", Class: "s"},
		{Label: "Modified", Class: "m"},
	}
	for i, key := range [...]string{"name", "size", "date"} {
		c := &cols[i]
		order := "asc"
		if key == s.key {
			c.AriaSort, c.Arrow = "ascending", "▲"
			if s.desc {
				c.AriaSort, c.Arrow = "descending", "▼"
			} else {
				order = "desc"
			}
		}
		c.Href = "?sort=" + key + "&order=" + order
	}
	return cols
}

// richCrumbs splits the escaped client path of a directory ("/a/b%20c/")
// into breadcrumbs whose links climb with "../", so they are right under
// any mount prefix. Empty segments ("/a//b/") are not shown but counted,
// as the browser counts them when it resolves "../".
func richCrumbs(clientPath string) []richCrumb {
	segs := strings.Split(strings.Trim(clientPath, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	crumbs := []richCrumb{{Name: "/", Href: strings.Repeat("../", len(segs))}}
	for i, s := range segs {
		if s == "" {
			continue
		}
		crumbs = append(crumbs, richCrumb{Name: urlpath.UnescapeName(s), Href: strings.Repeat("../", len(segs)-1-i)})
	}
	crumbs[len(crumbs)-1].Href = "" // the directory itself
	return crumbs
}

// richEntry is an entry with what the rich listing shows of it: its
// stamp is compared when a cached list is used.
type richEntry struct {
	*entry
	richStamp
}

// richStamp is what a row shows beyond the name, as it shows it: the
// kind, the size in bytes (-1 for no size), the modification time in
// whole seconds (0 with hasTime false for none).
type richStamp struct {
	kind    byte // 'f' regular file, 'd' directory, 'o' anything else or unreadable
	hasTime bool
	size    int64
	mtime   int64
}

// richStat stats the entry e of the directory dir, following a link as
// the JSON listing does.
func (h *Handler) richStat(dir string, e *entry) richStamp {
	st := richStamp{kind: 'o', size: -1}
	fi, err := fs.Stat(h.fsys, joinName(dir, e.name))
	if err != nil {
		return st
	}
	if mt := fi.ModTime(); !mt.IsZero() {
		st.hasTime, st.mtime = true, mt.Unix()
	}
	switch {
	case fi.IsDir():
		st.kind = 'd'
	case fi.Mode().IsRegular():
		st.kind, st.size = 'f', fi.Size()
	}
	return st
}

// sortRich orders rows (given in Python's order) by s: by size or date,
// with Python's order among equals, then reversed for desc. A directory
// or an entry without size counts as smaller than any file, one without
// time as older than any.
func sortRich(rows []richEntry, s richSort) {
	switch s.key {
	case "size":
		slices.SortStableFunc(rows, func(a, b richEntry) int { return cmpInt64(a.size, b.size) })
	case "date":
		slices.SortStableFunc(rows, func(a, b richEntry) int {
			if a.hasTime != b.hasTime {
				if a.hasTime {
					return 1
				}
				return -1
			}
			return cmpInt64(a.mtime, b.mtime)
		})
	}
	if s.desc {
		slices.Reverse(rows)
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// richCached is what the cache keeps beside a rich listing's rendered
// rows (its cachedFile's content): the entries they show, checked before
// each use.
type richCached struct {
	rows []richEntry
	gen  int64 // distinguishes this rendering in the compressed copies' version
}

// richGen numbers the rich listings kept in the cache.
var richGen atomic.Int64

// richKey is the cache key of the rows of the directory name sorted by
// s: two NULs, so it cannot be taken for a file's or a Python listing's
// (listingKey).
func richKey(name string, s richSort) string { return "\x00\x00" + s.String() + "\x00" + name }

// richStreamRows is the estimated size of the rows above which a rich
// listing is not built in memory but streamed to the client, without
// Content-Length, compression or cache: the bound the cache puts on a
// kept listing, 8 MiB by default (some 35,000 entries).
func (h *Handler) richStreamRows() int {
	if h.cache != nil {
		return int(h.cache.maxBytes / maxListingFraction)
	}
	return defaultCacheMaxBytes / maxListingFraction
}

// serveRichListing answers the directory name, which stat found as fi,
// with the rich listing (Options.Listing = ListingRich). The rows sorted
// by the query are kept in the cache per directory version and sort
// order, as Python's listing is (see keepListing), and, since they also
// show sizes and times, which change without the directory changing,
// every entry is stat'ed again before kept rows are used: they are used
// only if each shows what it would show if rendered now.
func (h *Handler) serveRichListing(w http.ResponseWriter, r *http.Request, f fs.File, fi fs.FileInfo, name, clientPath string) {
	sortBy := parseRichSort(r.URL.RawQuery)
	t0 := h.now()
	if f == nil {
		// Open even for kept rows: their entries are stat'ed
		// relative to it.
		var err error
		if f, err = h.fsys.Open(name); err != nil {
			h.listingError(w, r, name, err)
			return
		}
		defer f.Close()
	}
	var id fileID
	cacheable := false
	if h.cache != nil {
		id, cacheable = statID(fi)
	}
	key := ""
	if cacheable {
		key = richKey(name, sortBy)
		if e := h.cache.get(key, id); e != nil {
			if rc, ok := e.extra.(*richCached); ok && h.richFresh(r, f, name, rc.rows) {
				h.writeRichListing(w, r, name, clientPath, sortBy, len(rc.rows), e.content, key, id, rc.gen)
				return
			}
		}
	}
	entries, err := h.readDir(r, f, name)
	if err == nil {
		err = h.listings.take(r.Context(), int64(len(entries)))
	}
	if err != nil {
		h.listingError(w, r, name, err)
		return
	}
	defer h.listings.give(int64(len(entries)))
	rows := make([]richEntry, len(entries))
	for i, e := range entries {
		rows[i].entry = e
	}
	if !h.richStamps(r.Context(), f, name, rows, func(i int, st richStamp) bool {
		rows[i].richStamp = st
		return true
	}) {
		return // the client has gone
	}
	sortRich(rows, sortBy)

	size := 0
	for _, e := range rows {
		size += richRowSize + 2*len(e.name)
	}
	if size > h.richStreamRows() {
		h.streamRichListing(w, r, name, clientPath, sortBy, rows)
		return
	}
	b := make([]byte, 0, size+size/8)
	b = appendRichRows(b, rows)
	var gen int64
	if cacheable && h.keepListing(f, entries, id, t0, len(b)) {
		gen = richGen.Add(1)
		rc := &richCached{rows: rows, gen: gen}
		h.cache.put(key, &cachedFile{id: id, content: b, extra: rc, extraCost: int64(len(rows)) * richEntryCost})
	} else {
		key = ""
	}
	h.writeRichListing(w, r, name, clientPath, sortBy, len(rows), b, key, id, gen)
}

// richRowSize is about what a row takes beyond twice its name.
const richRowSize = 200

// richEntryCost is what a kept entry costs the cache beyond its row:
// the entry, its name twice (name and lower) and its stamp.
const richEntryCost = 128

// richFresh reports whether every entry of kept rows, of the directory
// dir open as f, still shows what it showed.
func (h *Handler) richFresh(r *http.Request, f fs.File, dir string, rows []richEntry) bool {
	return h.richStamps(r.Context(), f, dir, rows, func(i int, st richStamp) bool {
		return st == rows[i].richStamp
	})
}

// richStampsFS is richStamps through the fs.FS, one stat by name per
// entry.
func (h *Handler) richStampsFS(ctx context.Context, dir string, rows []richEntry, fn func(i int, st richStamp) bool) bool {
	for i := range rows {
		if i%ctxCheckEvery == ctxCheckEvery-1 && ctx.Err() != nil {
			return false
		}
		if !fn(i, h.richStat(dir, rows[i].entry)) {
			return false
		}
	}
	return true
}

// richHead renders the page up to the rows.
func (h *Handler) richHead(r *http.Request, name, clientPath string, s richSort, count int, part string) ([]byte, bool) {
	page := richPage{
		Title:   urlpath.UnescapeName(clientPath),
		Crumbs:  richCrumbs(clientPath),
		Parent:  name != ".",
		Columns: richColumns(s),
		Count:   count,
		Upload:  h.upload,
	}
	if h.archive {
		for _, f := range archiveFormats {
			page.Archives = append(page.Archives, strings.TrimPrefix(f.ext, "."))
		}
	}
	var buf bytes.Buffer
	if err := richTemplate().ExecuteTemplate(&buf, part, page); err != nil {
		h.logger.LogAttrs(r.Context(), slog.LevelError, "fileserver: rich listing template", slog.String("name", name), slog.Any("err", err))
		return nil, false
	}
	return buf.Bytes(), true
}

// richTail is the page after the rows.
func richTail(count int) []byte {
	full, empty := richTails()
	if count == 0 {
		return empty
	}
	return full
}

// richTails renders the two tails once.
var richTails = sync.OnceValues(func() ([]byte, []byte) {
	var a, b bytes.Buffer
	if err := richTemplate().ExecuteTemplate(&a, "tail", richPage{Count: 1}); err != nil {
		panic(err)
	}
	if err := richTemplate().ExecuteTemplate(&b, "tail", richPage{}); err != nil {
		panic(err)
	}
	return a.Bytes(), b.Bytes()
})

// writeRichListing sends the rich page around rows, with Content-Length,
// compressed when the options and the client allow (kept compressed under
// key when the rows are kept, so compressed once per version).
func (h *Handler) writeRichListing(w http.ResponseWriter, r *http.Request, name, clientPath string, s richSort, count int, rows []byte, key string, id fileID, gen int64) {
	head, ok := h.richHead(r, name, clientPath, s, count, "head")
	if !ok {
		h.sendError(w, r, http.StatusInternalServerError, internalError)
		return
	}
	tail := richTail(count)
	if key != "" {
		key += "\x00" + clientPath // the compressed page holds the title
		// The version of the compressed page is the directory's and
		// this rendering's: rows rendered again, for a changed size
		// or time, give it a new one.
		id.size = gen
	}
	h.sendListingPage(w, r, key, id, head, rows, tail)
}

// richStreamChunk is how many bytes of rows are rendered before they are
// written out, when a listing is streamed.
const richStreamChunk = 32 << 10

// streamRichListing sends a listing too big to build in memory: the rows
// are rendered and written a chunk at a time, so only the entries and one
// chunk are held. It has no Content-Length (HTTP/1.1 sends it chunked,
// HTTP/1.0 closes the connection at its end) and is not compressed.
func (h *Handler) streamRichListing(w http.ResponseWriter, r *http.Request, name, clientPath string, s richSort, rows []richEntry) {
	head, ok := h.richHead(r, name, clientPath, s, len(rows), "head")
	if !ok {
		h.sendError(w, r, http.StatusInternalServerError, internalError)
		return
	}
	hdr := w.Header()
	hdr["Vary"] = own(varyAccept)
	hdr["Content-Type"] = own(htmlType)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	bw := bufio.NewWriterSize(w, richStreamChunk)
	bw.Write(head)
	b := make([]byte, 0, richStreamChunk+1024)
	for i := range rows {
		b = appendRichRows(b, rows[i:i+1])
		if len(b) >= richStreamChunk {
			if _, err := bw.Write(b); err != nil {
				return // the client has gone
			}
			b = b[:0]
		}
	}
	bw.Write(b)
	bw.Write(richTail(len(rows)))
	bw.Flush()
}

// appendRichRows appends the <tr> lines of rows. Names go through the
// escapers of Python's listing: percent-encoded in the href (only
// A-Za-z0-9_.-~/ stay as they are, so no quote, space or ':' reaches the
// attribute), HTML-escaped in the text.
func appendRichRows(b []byte, rows []richEntry) []byte {
	for _, e := range rows {
		b = append(b, `<tr class="`...)
		switch {
		case e.dir:
			b = append(b, 'd')
		case e.kind == 'f':
			b = append(b, 'f')
		default:
			b = append(b, 'o')
		}
		if e.link {
			b = append(b, " l"...)
		}
		b = append(b, `"><td class="n"><a href="`...)
		b = pyescape.AppendURL(b, e.name)
		if e.dir {
			b = append(b, '/')
		}
		b = append(b, `">`...)
		b = pyescape.AppendHTML(b, e.name)
		if e.dir {
			b = append(b, '/')
		}
		b = append(b, "</a>"...)
		if e.link {
			b = append(b, `<span class="t">symlink</span>`...)
		}
		b = append(b, `</td><td class="s"`...)
		if e.kind == 'f' {
			b = append(b, ` title="`...)
			b = strconv.AppendInt(b, e.size, 10)
			if e.size == 1 {
				b = append(b, ` byte">`...)
			} else {
				b = append(b, ` bytes">`...)
			}
			b = appendHumanSize(b, e.size)
		} else {
			b = append(b, `>—`...) // no size: a directory, or not a regular file
		}
		b = append(b, `</td><td class="m">`...)
		if e.hasTime {
			t := time.Unix(e.mtime, 0).UTC()
			b = append(b, `<time datetime="`...)
			b = t.AppendFormat(b, "2006-01-02T15:04:05Z")
			b = append(b, `">`...)
			b = t.AppendFormat(b, "2006-01-02 15:04")
			b = append(b, `</time>`...)
		}
		b = append(b, "</td></tr>\n"...)
	}
	return b
}

// appendHumanSize appends n bytes as people read it: "512 B", "1.2 KiB",
// "3.4 GiB", with one decimal from KiB up.
func appendHumanSize(b []byte, n int64) []byte {
	if n < 1024 {
		b = strconv.AppendInt(b, n, 10)
		return append(b, " B"...)
	}
	const units = "KMGTPE"
	v := float64(n) / 1024
	u := 0
	for v >= 1023.95 && u < len(units)-1 {
		v /= 1024
		u++
	}
	b = strconv.AppendFloat(b, v, 'f', 1, 64)
	b = append(b, ' ', units[u])
	return append(b, "iB"...)
}
