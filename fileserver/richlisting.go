package fileserver

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/internal/negotiate"
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
	if opts.Listing != ListingPython && opts.DisableListing {
		return fmt.Errorf("fileserver: Options.Listing %v with DisableListing: there is no listing", opts.Listing)
	}
	if opts.ListingBudget != 0 && opts.DisableListing {
		return errors.New("fileserver: Options.ListingBudget with DisableListing: there is no listing")
	}
	h.style = opts.Listing
	return nil
}

// richListingHTML is the rich listing (Options.Listing = ListingRich)
// around its rows: plain HTML with named holes, {{title}}, {{crumbs}},
// and so on (richHoleNames), where richHead and richTail write fragments
// of the page built from a richPage; the file holds no logic. {{rows}}
// divides it: the head runs up to it, the open <tbody> and the "../" row,
// the tail from it. The rows between them are written by appendRichRows
// with the escapers of Python's listing, because 10,000 rows through a
// template took about 100 ms. The page makes no request elsewhere: its
// style sheet and script are served by the handler beside it (see
// richStyle), the icons are CSS.
//
// The page is not rendered with html/template: a binary that executes
// a template keeps every exported method of every type it links (the
// reflective method lookup of text/template defeats the linker's dead
// code elimination), some 2.5 MB more in the simplehttp command. The
// fragments escape what html/template would, byte for byte
// (appendRichText, appendRichURL), and the old template is kept as a
// test fixture, testdata/richlisting.tmpl, that the page is checked
// against (richlisting_render_test.go).
//
//go:embed richlisting.html
var richListingHTML string

// The rich listing's style sheet and script are not inline but served
// beside the page, at a directory's URL with the query ?asset=NAME
// (serveRichAsset), so that a Content-Security-Policy that refuses
// inline styles and scripts, as default-src 'self' does, lets them
// apply. Every page links them at the handler's root (richAssetHref),
// so that a browser fetches each once for all the directories it
// visits, and a mirroring crawler saves one copy. NAME holds a hash of
// the content: the browser keeps each for good (Cache-Control
// immutable), and a new version has a new name.
var (
	//go:embed richlisting.css
	richCSS string
	//go:embed richlisting.js
	richJS string

	richStyle  = newRichAsset(".css", "text/css; charset=utf-8", richCSS)
	richScript = newRichAsset(".js", "text/javascript; charset=utf-8", richJS)
)

// richAsset is a file that the rich listing asks for with ?asset=name.
type richAsset struct {
	name  string // "rich.HASH.css"
	ctype []string
	etag  []string
	body  string

	// encoded holds the body compressed in each coding, made the first
	// time a client of Options.Compress asks for that coding: coding
	// token → *encodedAsset.
	encoded sync.Map
}

// encodedAsset is a richAsset's body in one coding.
type encodedAsset struct {
	once sync.Once
	body string   // "" when compressing failed
	etag []string // the asset's ETag marked with the coding
}

// in returns the body of a in coding c and its ETag, compressed once for
// the process, or "" if it could not be compressed.
func (a *richAsset) in(c *coding) (string, []string) {
	v, _ := a.encoded.LoadOrStore(c.token, new(encodedAsset))
	e := v.(*encodedAsset)
	e.once.Do(func() {
		var buf bytes.Buffer
		if c.encode(&buf, []byte(a.body), true) == nil && buf.Len() < len(a.body) {
			e.body = buf.String()
			e.etag = []string{(&variant{coding: c}).etag(a.etag[0])}
		}
	})
	return e.body, e.etag
}

func newRichAsset(ext, ctype, body string) *richAsset {
	sum := fnv.New64a()
	sum.Write([]byte(body))
	v := fmt.Sprintf("%016x", sum.Sum64())
	return &richAsset{name: "rich." + v + ext, ctype: []string{ctype}, etag: []string{`"` + v + `"`}, body: body}
}

// richAssetOf returns the asset that the query of a directory's URL asks
// for, exactly as the page writes it, or nil.
func richAssetOf(rawQuery string) *richAsset {
	name, ok := strings.CutPrefix(rawQuery, "asset=")
	switch {
	case !ok:
	case name == richStyle.name:
		return richStyle
	case name == richScript.name:
		return richScript
	}
	return nil
}

// richAssetHref is the reference to the asset a from the page of a
// directory whose escaped URL path, as the handler got it (below any
// prefix stripped before it), is escaped: at the handler's root,
// climbing one "../" for each segment of that path, so that it resolves
// under any prefix the handler is mounted at. The segments are the
// URL's, not the name's: "/a%2Fb/" is one segment but the name a/b, and
// "/a//b/" three for the name a/b.
func richAssetHref(escaped string, a *richAsset) string {
	if i := strings.IndexByte(escaped, '#'); i >= 0 {
		escaped = escaped[:i]
	}
	up := "./"
	// Without its leading '/' when the prefix stripped ended with it
	// (http.StripPrefix("/static/")); a '/' doubled after such a prefix
	// then counts for none, and the link leads to a directory of the
	// handler below its root, which answers it all the same.
	if n := strings.Count(strings.TrimPrefix(escaped, "/"), "/"); n > 0 {
		up = strings.Repeat("../", n)
	}
	return up + "?asset=" + a.name
}

// richAssetCacheControl lets the browser keep an asset, which never
// changes under its name, without asking again.
var richAssetCacheControl = []string{"max-age=31536000, immutable"}

// serveRichAsset answers a GET or HEAD of the asset a, with its ETag, so
// that If-None-Match gets 304 (a Range is answered as a file's, and a
// failed If-Match, or a range it cannot satisfy, gets the error page, as
// for files); with Options.Compress, compressed in the coding the client
// prefers (but for a range, which is of the asset as it is, as for
// files), with an ETag of its own.
func (h *Handler) serveRichAsset(w http.ResponseWriter, r *http.Request, a *richAsset) {
	hdr := w.Header()
	hdr["Content-Type"] = own(a.ctype)
	hdr["Cache-Control"] = own(richAssetCacheControl)
	body, etag := a.body, a.etag
	if _, set := hdr["Content-Encoding"]; h.comp != nil && !set {
		addVary(hdr, varyAcceptEncoding)
		token, _ := negotiate.Encoding(r.Header["Accept-Encoding"], h.compTokens...)
		if token != "" && r.Header["Range"] == nil {
			c := codings[token]
			if b, tag := a.in(c); b != "" {
				hdr["Content-Encoding"] = own(c.value)
				// Which ServeContent leaves out for an encoded body.
				hdr["Content-Length"] = []string{strconv.Itoa(len(b))}
				body, etag = b, tag
			}
		}
	}
	hdr["Etag"] = own(etag)
	// A range as a file's (fixRange): ServeContent alone answers a
	// suffix of zero bytes 206 with an inverted Content-Range, and an
	// unknown unit or a malformed set 416 where it must be ignored.
	r = fixRange(r, int64(len(body)))
	if mayFail(r) {
		// A 412 or 416 gets the error page, as a file's does, without the
		// asset's headers: ServeContent would send a 412 with the
		// Content-Length of an encoded body it does not send.
		w = &preconditionWriter{ResponseWriter: w, h: h, r: r, asset: true}
	}
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(body))
}

// A richHole is a named hole of richlisting.html, written {{name}}.
type richHole uint8

const (
	richHoleTitle    richHole = iota // the directory's decoded path, in <title>
	richHoleStyle                    // the reference to the style sheet, richlisting.css (richAssetHref)
	richHoleScript                   // the reference to the script, richlisting.js
	richHoleCrumbs                   // the breadcrumb links and separators, in <h1>
	richHoleArchives                 // "\n<form class="archives" …>…</form>", when archives are offered
	richHoleUpload                   // "\n<form …>…</form>", when uploads are accepted
	richHoleCount                    // "1 entry", "N entries"
	richHoleColumns                  // the <th> sort headings
	richHoleParent                   // the "../" row, except at the root
	richHoleRows                     // where the rows go: the end of the head
	richHoleEmpty                    // the "This directory is empty." row, when there are none
	richHoleEnd                      // not a hole: the end of the page
)

var richHoleNames = [richHoleEnd]string{
	richHoleTitle:    "title",
	richHoleStyle:    "style",
	richHoleScript:   "script",
	richHoleCrumbs:   "crumbs",
	richHoleArchives: "archives",
	richHoleUpload:   "upload",
	richHoleCount:    "count",
	richHoleColumns:  "columns",
	richHoleParent:   "parent",
	richHoleRows:     "rows",
	richHoleEmpty:    "empty",
}

// The fixed fragments of the holes.
const (
	richUploadForm = "\n" + `<form class="upload bar" method="post" action="./" enctype="multipart/form-data"><label for="upload-file">Upload files</label><input id="upload-file" type="file" name="file" multiple required> <button type="submit">Upload</button></form>`
	richParentRow  = `<tr class="up"><td class="n"><a href="../">Parent directory</a></td><td class="s"></td><td class="m"></td></tr>` + "\n"
	richEmptyRow   = `<tr><td class="empty" colspan="3">This directory is empty.</td></tr>` + "\n"
)

// A richSegment is literal text of richlisting.html and the hole after
// it.
type richSegment struct {
	text string
	hole richHole
}

// richLayout is richlisting.html split at its holes: the head's
// segments, the last one's hole {{rows}}, and the tail's, the last one's
// hole richHoleEnd.
type richLayout struct {
	head, tail []richSegment
	headText   int // bytes of the head's literal text
}

// parseRichLayout splits src at its holes. Every hole must be there
// once, {{empty}} after {{rows}} and the others before it (richTails
// renders the tail once, for any page); anything else between "{{" and
// "}}" is an error.
func parseRichLayout(src string) (*richLayout, error) {
	var segs []richSegment
	var seen [richHoleEnd]bool
	for {
		i := strings.Index(src, "{{")
		if i < 0 {
			segs = append(segs, richSegment{src, richHoleEnd})
			break
		}
		n := strings.Index(src[i:], "}}")
		if n < 0 {
			return nil, fmt.Errorf("unclosed hole %.20q", src[i:])
		}
		name := src[i+2 : i+n]
		h := richHole(slices.Index(richHoleNames[:], name))
		if h >= richHoleEnd { // -1 too
			return nil, fmt.Errorf("unknown hole {{%s}}", name)
		}
		if seen[h] {
			return nil, fmt.Errorf("hole {{%s}} twice", name)
		}
		seen[h] = true
		segs = append(segs, richSegment{src[:i], h})
		src = src[i+n+2:]
	}
	for h, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("no hole {{%s}}", richHoleNames[h])
		}
	}
	l := &richLayout{}
	for i, seg := range segs {
		if seg.hole == richHoleRows {
			l.head, l.tail = segs[:i+1], segs[i+1:]
		}
	}
	for _, seg := range l.head {
		l.headText += len(seg.text)
		if seg.hole == richHoleEmpty {
			return nil, errors.New("hole {{empty}} before {{rows}}")
		}
	}
	for _, seg := range l.tail {
		if seg.hole != richHoleEmpty && seg.hole != richHoleEnd {
			return nil, fmt.Errorf("hole {{%s}} after {{rows}}", richHoleNames[seg.hole])
		}
	}
	return l, nil
}

// richLayoutOf is richlisting.html split, on first use rather than when
// the package is loaded. It panics if the file is malformed, which
// TestRichLayout checks it is not.
var richLayoutOf = sync.OnceValue(func() *richLayout {
	l, err := parseRichLayout(richListingHTML)
	if err != nil {
		panic("fileserver: richlisting.html: " + err.Error())
	}
	return l
})

// richPage is what fills the holes of richlisting.html: everything on
// the page but the rows.
type richPage struct {
	Title   string      // the directory's path as the client sent it, decoded ("/docs/a b/")
	Style   string      // the reference to the style sheet (richAssetHref)
	Script  string      // the reference to the script, likewise
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
	// downloaded in, each a button of a GET form that asks for
	// "?download=FORMAT": a button, not a link, so that wget --recursive
	// and other crawlers, which follow every link, do not download each
	// directory's subtree three times over. The handler leaves it nil
	// until an archive handler answers those requests.
	Archives []string
}

// richCrumb is one link of the path above the listing; Href is "" for the
// directory itself.
type richCrumb struct{ Name, Href string }

// richColumn is a column heading: the button of a GET form that sorts by
// the column (?sort=Key&order=Order), in the order opposite to the
// current one when it is the sorting column. A form, not a link, as for
// the archives: wget --recursive and other crawlers follow every link,
// and would fetch each listing six times more and keep every sorted copy.
type richColumn struct {
	Label, Class string
	Key, Order   string // the values of sort and order the button asks for
	AriaSort     string // "ascending" or "descending" for the sorting column
	Arrow        string // ▲ or ▼ for the sorting column
	// Note follows the label in a <span class="note"> that the page's
	// script removes: " (UTC)" for the times, which the page gives in
	// UTC and the script shows in the browser's zone.
	Note string
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
		{Label: "Modified", Class: "m", Note: " (UTC)"},
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
		c.Key, c.Order = key, order
	}
	return cols
}

// richCrumbs splits the escaped client path of a directory ("/a/b%20c/")
// into breadcrumbs whose links climb with "../", so they are right under
// any mount prefix. Empty segments ("/a//b/", "/a/b//", "//a/") are not
// shown but counted, as the browser counts them when it resolves "../":
// only the path's first and last slash bound no segment.
func richCrumbs(clientPath string) []richCrumb {
	segs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(clientPath, "/"), "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	crumbs := []richCrumb{{Name: "/", Href: strings.Repeat("../", len(segs))}}
	for i, s := range segs {
		if s == "" {
			continue
		}
		crumbs = append(crumbs, richCrumb{Name: shownName(s), Href: strings.Repeat("../", len(segs)-1-i)})
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
// whole seconds (0 with hasTime false for none), and the nanoseconds the
// JSON listing shows beside them.
type richStamp struct {
	kind    byte // 'f' regular file, 'd' directory, 'o' anything else or unreadable
	hasTime bool
	nsec    int32
	size    int64
	mtime   int64
}

// richStat stats the entry e of the directory dir, following a link as
// the JSON listing does.
func (h *Handler) richStat(dir string, e *entry) richStamp {
	st := richStamp{kind: 'o', size: -1}
	fi, err := h.stat(joinName(dir, e.name))
	if err != nil {
		return st
	}
	if mt := fi.ModTime(); !mt.IsZero() {
		st.hasTime, st.mtime, st.nsec = true, mt.Unix(), int32(mt.Nanosecond())
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
			if c := cmpInt64(a.mtime, b.mtime); c != 0 {
				return c
			}
			return cmpInt64(int64(a.nsec), int64(b.nsec))
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
	id, hasID := statID(fi)
	if h.cache != nil && hasID {
		key := richKey(name, sortBy)
		if e := h.cache.get(key, id); e != nil {
			if rc, ok := e.extra.(*richCached); ok && h.richFresh(f, name, rc.rows) {
				h.writeRichListing(w, r, name, clientPath, sortBy, len(rc.rows), e.content, key, id, rc.gen, nil)
				return
			}
		}
	}
	render := func() (*richRendered, bool) { return h.renderRich(r, f, name, sortBy, id, hasID) }
	var rr *richRendered
	own := true
	if hasID {
		// Requests for these very rows meanwhile share this rendering.
		rr, own, _ = h.richHerd.do(richHerdKey{name, id, sortBy}, func(rr *richRendered, late bool) bool {
			return !late || rr.stable && h.richFresh(f, name, rr.rows)
		}, render)
	} else {
		rr, _ = render()
	}
	if rr.err != nil {
		h.listingError(w, r, name, rr.err)
		return
	}
	if own {
		defer h.listings.give(int64(len(rr.rows)))
	}
	if rr.page == nil {
		h.streamRichListing(w, r, name, clientPath, sortBy, rr.rows)
		return
	}
	h.writeRichListing(w, r, name, clientPath, sortBy, len(rr.rows), rr.page, rr.key, id, rr.gen, &rr.enc)
}

// richRendered is a rendering of a rich listing's rows, which the
// requests for the same rows that arrive meanwhile share (richHerd).
type richRendered struct {
	err  error
	rows []richEntry // the entries, sorted, charged to Options.ListingBudget
	page []byte      // their rows rendered; nil when they are to be streamed
	// key is the cache key the rows are kept under, or "" when they
	// are not kept; gen numbers the rendering kept (richCached.gen).
	key string
	gen int64
	// stable is true when a request that saw the directory as id after
	// the rendering began may take it once its entries are checked
	// (stableListing).
	stable bool
	// enc holds the pages compressed for the requests that share rows
	// that are not kept (kept ones are compressed once in the cache).
	enc encMemo
}

// richHerdKey names the rows of the directory name as version id, sorted
// by sort.
type richHerdKey struct {
	name string
	id   fileID
	sort richSort
}

// renderRich reads the directory name, open as f and seen by stat as id
// (when hasID), stats its entries and renders their rows sorted by
// sortBy, keeping them in the cache when it may; it reports whether the
// result may be shared. The entries stay charged to
// Options.ListingBudget but on an error.
func (h *Handler) renderRich(r *http.Request, f fs.File, name string, sortBy richSort, id fileID, hasID bool) (*richRendered, bool) {
	t0 := h.now()
	entries, err := h.readDir(r.Context(), f, name)
	if err != nil {
		return &richRendered{err: err}, false
	}
	defer h.listings.giveIfPanic(len(entries))
	rows := make([]richEntry, len(entries))
	for i, e := range entries {
		rows[i].entry = e
	}
	h.richStamps(f, name, rows, func(i int, st richStamp) bool {
		rows[i].richStamp = st
		return true
	})
	sortRich(rows, sortBy)

	size := 0
	for _, e := range rows {
		size += richRowSize + 2*len(e.name)
	}
	if size > h.richStreamRows() {
		// Not shared: the page is never whole, and each stream holds
		// the entries, charged, as long as its client takes.
		return &richRendered{rows: rows}, false
	}
	b := make([]byte, 0, size+size/8)
	b = appendRichRows(b, rows)
	rr := &richRendered{rows: rows, page: b, stable: hasID && stableListing(f, entries, id, t0)}
	if h.renderHook != nil {
		h.renderHook(name)
	}
	if key := richKey(name, sortBy); rr.stable && h.cache != nil && h.keepListing(f, entries, id, t0, len(b)) &&
		h.cache.admits(key, int64(len(b))+int64(len(rows))*richEntryCost) {
		rr.key, rr.gen = key, richGen.Add(1)
		rc := &richCached{rows: rows, gen: rr.gen}
		h.cache.put(key, &cachedFile{id: id, content: b, extra: rc, extraCost: int64(len(rows)) * richEntryCost})
	}
	return rr, true
}

// richRowSize is about what a row takes beyond twice its name.
const richRowSize = 200

// richEntryCost is what a kept entry costs the cache beyond its row:
// the entry, its name twice (name and lower) and its stamp.
const richEntryCost = 128

// richFresh reports whether every entry of kept rows, of the directory
// dir open as f, still shows what it showed.
func (h *Handler) richFresh(f fs.File, dir string, rows []richEntry) bool {
	return h.richStamps(f, dir, rows, func(i int, st richStamp) bool {
		return st == rows[i].richStamp
	})
}

// richStampsFS is richStamps through the fs.FS, one stat by name per
// entry.
func (h *Handler) richStampsFS(dir string, rows []richEntry, fn func(i int, st richStamp) bool) bool {
	for i := range rows {
		if !fn(i, h.richStat(dir, rows[i].entry)) {
			return false
		}
	}
	return true
}

// richPageOf is the page of the directory name, whose escaped path in
// the client's URL is clientPath, and escaped as the handler got it
// (requestName), with count rows sorted by s.
func (h *Handler) richPageOf(name, clientPath, escaped string, s richSort, count int) richPage {
	page := richPage{
		Title:   shownName(clientPath),
		Style:   richAssetHref(escaped, richStyle),
		Script:  richAssetHref(escaped, richScript),
		Crumbs:  richCrumbs(clientPath),
		Parent:  name != ".",
		Columns: richColumns(s),
		Count:   count,
		Upload:  h.takesUploads(name),
	}
	if h.archive {
		for _, f := range archiveFormats {
			page.Archives = append(page.Archives, strings.TrimPrefix(f.ext, "."))
		}
	}
	return page
}

// richHead renders the page of r up to the rows.
func (h *Handler) richHead(r *http.Request, name, clientPath string, s richSort, count int) []byte {
	_, _, escaped := h.requestName(r)
	page := h.richPageOf(name, clientPath, escaped, s, count)
	return appendRichHead(nil, &page)
}

// appendRichHead appends the head of p's page, up to the rows.
func appendRichHead(b []byte, p *richPage) []byte {
	l := richLayoutOf()
	b = slices.Grow(b, l.headText+1024+12*len(p.Title))
	return appendRichSegments(b, l.head, p)
}

// richTail is the page after the rows.
func richTail(count int) []byte {
	full, empty := richTails()
	if count == 0 {
		return empty
	}
	return full
}

// richTails renders the two tails once: the tail holds no hole but
// {{empty}}, which depends only on whether there are rows.
var richTails = sync.OnceValues(func() ([]byte, []byte) {
	return appendRichTail(nil, &richPage{Count: 1}), appendRichTail(nil, &richPage{})
})

// appendRichTail appends the tail of p's page, after the rows.
func appendRichTail(b []byte, p *richPage) []byte {
	return appendRichSegments(b, richLayoutOf().tail, p)
}

// appendRichSegments appends segs, each hole filled from p.
func appendRichSegments(b []byte, segs []richSegment, p *richPage) []byte {
	for _, seg := range segs {
		b = append(b, seg.text...)
		b = p.appendHole(b, seg.hole)
	}
	return b
}

// appendHole appends the fragment of the page at hole h. Each is what
// the html/template of the page (testdata/richlisting.tmpl) wrote there,
// byte for byte: strings are escaped as html/template escapes them where
// they stand.
func (p *richPage) appendHole(b []byte, h richHole) []byte {
	switch h {
	case richHoleTitle:
		b = appendRichText(b, p.Title)
	case richHoleStyle:
		b = appendRichURL(b, p.Style, false)
	case richHoleScript:
		b = appendRichURL(b, p.Script, false)
	case richHoleCrumbs:
		for i, c := range p.Crumbs {
			if c.Href != "" {
				b = append(b, `<a href="`...)
				b = appendRichURL(b, c.Href, false)
				b = append(b, `">`...)
				b = appendRichText(b, c.Name)
				b = append(b, "</a>"...)
			} else {
				b = append(b, `<span aria-current="page">`...)
				b = appendRichText(b, c.Name)
				b = append(b, "</span>"...)
			}
			if i > 0 {
				b = append(b, `<span class="sep">/</span>`...)
			}
		}
	case richHoleArchives:
		if len(p.Archives) > 0 {
			b = append(b, "\n"+`<form class="archives" method="get" action="./">`...)
			for _, a := range p.Archives {
				b = append(b, `<button name="download" value="`...)
				b = appendRichText(b, a)
				b = append(b, `">Download this folder as .`...)
				b = appendRichText(b, a)
				b = append(b, "</button> "...)
			}
			b = append(b, "</form>"...)
		}
	case richHoleUpload:
		if p.Upload {
			b = append(b, richUploadForm...)
		}
	case richHoleCount:
		if p.Count == 1 {
			b = append(b, "1 entry"...)
		} else {
			b = strconv.AppendInt(b, int64(p.Count), 10)
			b = append(b, " entries"...)
		}
	case richHoleColumns:
		for _, c := range p.Columns {
			b = append(b, `<th scope="col" class="`...)
			b = appendRichText(b, c.Class)
			b = append(b, '"')
			if c.AriaSort != "" {
				b = append(b, ` aria-sort="`...)
				b = appendRichText(b, c.AriaSort)
				b = append(b, '"')
			}
			b = append(b, `><form method="get" action="./"><button name="sort" value="`...)
			b = appendRichText(b, c.Key)
			b = append(b, `">`...)
			b = appendRichText(b, c.Label)
			if c.Note != "" {
				b = append(b, `<span class="note">`...)
				b = appendRichText(b, c.Note)
				b = append(b, "</span>"...)
			}
			if c.Arrow != "" {
				b = append(b, ` <span aria-hidden="true">`...)
				b = appendRichText(b, c.Arrow)
				b = append(b, "</span>"...)
			}
			b = append(b, `</button><input type="hidden" name="order" value="`...)
			b = appendRichText(b, c.Order)
			b = append(b, `"></form></th>`...)
		}
	case richHoleParent:
		if p.Parent {
			b = append(b, richParentRow...)
		}
	case richHoleEmpty:
		if p.Count == 0 {
			b = append(b, richEmptyRow...)
		}
	}
	return b
}

// appendRichText appends s escaped as html/template escapes a string in
// element text, in <title> and in a quoted attribute value: NUL as
// U+FFFD, the characters "&'+<> as character references, every other
// byte, invalid UTF-8 included, as it is.
func appendRichText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0:
			b = append(b, "\uFFFD"...)
		case '"':
			b = append(b, "&#34;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '\'':
			b = append(b, "&#39;"...)
		case '+':
			b = append(b, "&#43;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendRichURL appends s to a quoted attribute as html/template does
// a whole URL (query false, as in href="{{.}}") or a value in a URL's
// query (query true, as in href="?download={{.}}"): percent-encoded but
// for ASCII letters, digits and "-._~", and in a whole URL also
// "!#$&*+,/:;=?@[]" and a valid %XX escape (so a URL is only
// normalized); then escaped as by appendRichText. A whole URL that has a
// scheme, a ':' before any '/', other than http, https or mailto is
// replaced by "#ZgotmplZ". (The URLs here are links made by this
// package, the breadcrumbs' "../" and "../../": none changes.)
func appendRichURL(b []byte, s string, query bool) []byte {
	if !query {
		if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
			!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
			return append(b, "#ZgotmplZ"...)
		}
	}
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~", c) >= 0:
		case !query && strings.IndexByte("!#$&*+,/:;=?@[]", c) >= 0:
			b = appendRichText(b, s[i:i+1]) // '&' and '+'
			continue
		case !query && c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// writeRichListing sends the rich page around rows, with Content-Length,
// compressed when the options and the client allow (kept compressed under
// key when the rows are kept, so compressed once per version; else, for
// rows that requests share, in memo, once for them all).
func (h *Handler) writeRichListing(w http.ResponseWriter, r *http.Request, name, clientPath string, s richSort, count int, rows []byte, key string, id fileID, gen int64, memo *encMemo) {
	head := h.richHead(r, name, clientPath, s, count)
	tail := richTail(count)
	if key = pageKey(key, clientPath); key != "" {
		// The version of the compressed page is the directory's and
		// this rendering's: rows rendered again, for a changed size
		// or time, give it a new one.
		id.size = gen
	}
	h.sendListingPage(w, r, key, id, memoRef{memo, clientPath}, head, rows, tail)
}

// richStreamChunk is how many bytes of rows are rendered before they are
// written out, when a listing is streamed.
const richStreamChunk = 32 << 10

// streamRichListing sends a listing too big to build in memory: the rows
// are rendered and written a chunk at a time, so only the entries and one
// chunk are held. It has no Content-Length (HTTP/1.1 sends it chunked,
// HTTP/1.0 closes the connection at its end) and is not compressed.
func (h *Handler) streamRichListing(w http.ResponseWriter, r *http.Request, name, clientPath string, s richSort, rows []richEntry) {
	head := h.richHead(r, name, clientPath, s, len(rows))
	hdr := w.Header()
	addVary(hdr, varyAccept)
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
		b = pyescape.AppendHTML(b, withoutBidi(e.name))
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

// shownName is the escaped path or name s decoded, as the page shows it:
// bytes that are not UTF-8 become U+FFFD, as in the rows, so that the
// page is the UTF-8 its charset says, and so do bidirectional formatting
// characters (see withoutBidi).
func shownName(s string) string {
	return withoutBidi(strings.ToValidUTF8(urlpath.UnescapeName(s), "\uFFFD"))
}

// withoutBidi returns the name s with its bidirectional formatting
// characters (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
// U+2069) replaced by U+FFFD, as the page shows it: a right-to-left
// override would have "invoice\u202Efdp.exe" read "invoiceexe.pdf". The
// links keep the name as it is. Names without one (none of their bytes
// is 0xD8 or 0xE2, the first of each of these characters' encoding) are
// returned as they are.
func withoutBidi(s string) string {
	if strings.IndexByte(s, 0xe2) < 0 && strings.IndexByte(s, 0xd8) < 0 {
		return s
	}
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if isBidiControl(r) {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[:size]) // bytes that are not UTF-8 stay, for AppendHTML
		}
		s = s[size:]
	}
	return b.String()
}

func isBidiControl(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }
