package fileserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/simplehttp/simplehttp/internal/negotiate"
	"github.com/simplehttp/simplehttp/internal/overload"
	"github.com/simplehttp/simplehttp/internal/vary"
)

// assets.go: what a web app's static files need beyond Python: precompressed
// copies (Options.Precompressed), compression once per version
// (Options.Compress), Cache-Control (Options.CacheControl) and the
// single-page-app fallback (Options.Fallback).

const (
	// compressMinSize and compressMaxSize bound the files Compress
	// compresses: below 1 KiB the coding's overhead eats most of the
	// gain, above 16 MiB the one-time cost and the memory are not worth
	// it for a file server's cache.
	compressMinSize = 1 << 10
	compressMaxSize = 16 << 20
)

// DefaultCompressBudget is the memory the compressions under way may
// hold at once when Options.CompressBudget is zero: two 16 MiB files with
// br, or some 300 scripts of 100 KiB. 20 files of 16 MiB asked for at
// once with br took 2.9 GB without it.
const DefaultCompressBudget = 256 << 20

// variant is how a file is sent when it is not sent as itself: a
// precompressed copy or compressed bytes, with the original's type.
type variant struct {
	coding *coding
	ctype  []string // Content-Type of the original
	name   string   // the original's name, as Options.CacheControl got it
}

// cacheControlName is the name that Options.CacheControl got for the
// file name, sent as itself (v nil) or as the variant v of another.
func cacheControlName(name string, v *variant) string {
	if v != nil {
		return v.name
	}
	return name
}

// etag returns tag, the ETag of the bytes sent, marked with the coding so
// that each representation has its own: "abc" becomes "abc-br".
func (v *variant) etag(tag string) string {
	if v == nil || len(tag) < 2 {
		return tag
	}
	return tag[:len(tag)-1] + "-" + v.coding.token + `"`
}

var varyAcceptEncoding = []string{"Accept-Encoding"}

// addVary adds field to the Vary header of h, unless it is there already,
// on the same field line as the fields before it: "Vary: Accept,
// Accept-Encoding". nginx before 1.23 (Debian 12's, Ubuntu 22.04's) keys
// what its proxy_cache stores on the last Vary line alone: with one line
// for each field it gave a browser the JSON listing a script had asked
// for. A blank line (the command's -H 'Vary:') is left out (see
// [vary.Add]).
func addVary(h http.Header, field []string) {
	v := h["Vary"]
	if len(v) == 0 {
		h["Vary"] = own(field)
		return
	}
	if line, ok := vary.Add(v, field[0]); ok {
		h["Vary"] = []string{line}
	}
}

// serveEncoded sends the file name, found by stat as fi (f is open on it
// when the FS cannot stat), as a precompressed copy or compressed, when
// the options, the file and the request allow, and reports whether it did.
// It adds Vary: Accept-Encoding to the responses of a file that has or may
// have encoded variants, whatever it returns: one of a compressible type,
// or of any type with a precompressed copy, whose response is the copy or
// the file as Accept-Encoding decides.
func (h *Handler) serveEncoded(w http.ResponseWriter, r *http.Request, f fs.File, fi fs.FileInfo, name string) bool {
	hdr := w.Header()
	if _, set := hdr["Content-Encoding"]; set {
		return false // an outer middleware encodes: never twice
	}
	ctype := h.types.lookup(name)
	mayEncode := ctype != "" && compressible(ctype)
	canCompress := h.comp != nil && mayEncode &&
		fi.Size() >= compressMinSize && fi.Size() <= compressMaxSize
	accept := r.Header["Accept-Encoding"]
	if accept == nil || r.Header["Range"] != nil {
		// Identity: no coding asked for, or a range of the original.
		if canCompress || (h.pre != nil && (mayEncode || h.anySidecar(name, fi, h.preTokens))) {
			addVary(hdr, varyAcceptEncoding)
		}
		return false
	}

	// A precompressed copy, the best one the client takes that exists.
	if h.pre != nil {
		offers := slices.Clone(h.preTokens)
		for len(offers) > 0 {
			token, _ := negotiate.Encoding(accept, offers...)
			if token == "" {
				break
			}
			c := codings[token]
			if sfi, ok := h.sidecar(name, fi, c); ok {
				addVary(hdr, varyAcceptEncoding)
				if ctype == "" {
					var err error
					if ctype, err = h.fileType(r.Context(), name, f); err != nil {
						h.fileError(w, r, name, err)
						return true
					}
				}
				err := h.serveFileAs(w, r, nil, sfi, name+c.ext, &variant{coding: c, ctype: []string{ctype}, name: name})
				if err == nil {
					return true
				}
				if overload.Is(err) {
					h.dropCacheControl(hdr, name)
					h.unavailable(w, r, name+c.ext, err)
					return true
				}
				// The copy cannot be read (its mode, or gone since
				// its stat): the original still can, as nginx's
				// gzip_static falls back to it, rather than a 404
				// for a file that is there.
				h.unreadableCopies.Failed(r.Context(), err)
			}
			offers = deleteString(offers, token)
		}
		// offers are left with the codings the client does not take,
		// whose copies were not looked for.
		if mayEncode || h.anySidecar(name, fi, offers) {
			addVary(hdr, varyAcceptEncoding)
		}
	}
	if !canCompress {
		return false
	}
	addVary(hdr, varyAcceptEncoding)
	token, _ := negotiate.Encoding(accept, h.compTokens...)
	if token == "" {
		return false
	}
	e := h.compressedFile(r, f, fi, name, codings[token], ctype)
	if e == nil {
		return false // not worth it, or the file could not be read as it was
	}
	h.serveCached(w, r, name, e, &variant{coding: codings[token], ctype: e.ctype, name: name})
	return true
}

// anySidecar reports whether name, found by stat as fi, has a
// precompressed copy (sidecar) in one of the codings named by tokens.
func (h *Handler) anySidecar(name string, fi fs.FileInfo, tokens []string) bool {
	for _, token := range tokens {
		if _, ok := h.sidecar(name, fi, codings[token]); ok {
			return true
		}
	}
	return false
}

func deleteString(list []string, s string) []string {
	for i, v := range list {
		if v == s {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// sidecar returns the stat of the precompressed copy of name in coding c,
// if it is a regular file no older than the original. The times are
// compared in whole seconds: brotli -k gives the copy the original's
// modification time cut to the second, and a copy from the same second
// as the original is taken as made from it.
func (h *Handler) sidecar(name string, fi fs.FileInfo, c *coding) (fs.FileInfo, bool) {
	sfi, err := h.stat(name + c.ext)
	if err != nil || !sfi.Mode().IsRegular() || sfi.ModTime().Unix() < fi.ModTime().Unix() {
		return nil, false
	}
	return sfi, true
}

// fileType is the content type of name when no table knows it: sniffed
// from the file (f, or opened), or application/octet-stream. It fails
// only when the file cannot be opened for lack of file descriptors or
// memory ([overload.Is]): the type is then unknown, and a guess would be
// wrong.
func (h *Handler) fileType(ctx context.Context, name string, f fs.File) (string, error) {
	if h.sniff {
		if f == nil {
			g, err := h.open(ctx, name)
			if err == nil {
				defer g.Close()
				// Opened by name since its stat: a FIFO put in
				// its place would hold the read until a writer
				// writes.
				if gfi, err := g.Stat(); err == nil && gfi.Mode().IsRegular() {
					f = g
				}
			} else if overload.Is(err) {
				return "", err
			}
		}
		if f != nil {
			rs, ok := f.(io.ReadSeeker)
			if !ok {
				// As serveFile reads it; f is not sent after.
				rs = newForwardReader(f, 0)
			}
			if t := sniffType(rs); t != "" {
				return t, nil
			}
		}
	}
	return "application/octet-stream", nil
}

// compressRun is the result of one compression, which the requests that
// want the same bytes while it is under way share instead of compressing
// them again (64 clients asking for a new bundle at once would otherwise
// compress it 64 times, with 64 encoders' memory), under the rules of a
// herd (herd.go): a request that came while it was under way (late)
// takes it only if stable, else it waits for, or makes, a run that
// begins after it came.
type compressRun struct {
	e *cachedFile // the result, nil if it did not pay or failed
	// stable is true when the version compressed is one whose every
	// change shows in what stat says of the file: its ctime older than
	// racyWindow when the run began, or a file that cannot change
	// (immutableKey). A file rewritten in the same ctime tick as the
	// stat that began the run, with the same size (or, on an FS
	// without Linux stat data, with the same size and modification
	// time), looks the same to a late request, which would have read
	// the new bytes on its own.
	stable bool
}

// flightKey names one version of name's bytes in coding c: id is its
// stat identity, zero when it has none.
func flightKey(name string, c *coding, id fileID, fi fs.FileInfo) string {
	return fmt.Sprintf("%s\x00%s\x00%v\x00%d\x00%d", c.token, name, id, fi.Size(), fi.ModTime().UnixNano())
}

// encodedKey is the cache key of name's bytes in coding c.
func encodedKey(name string, c *coding) string { return "\x01" + c.token + "\x00" + name }

// immutableKey keys the compressed bytes of a file that cannot change.
type immutableKey struct {
	file  any // the embedded file's FileInfo, or the name (Immutable)
	token string
}

// compressedFile returns name, found by stat as fi, compressed with c,
// ready to serve: from the cache when it holds this very version, else
// compressed now and kept. It returns nil when the compressed bytes would
// not be smaller, when the file cannot be read as stat saw it, when the
// cache, full, does not let them in yet, or when compressing it now would
// pass Options.CompressBudget; the caller then serves the file as it is.
func (h *Handler) compressedFile(r *http.Request, f fs.File, fi fs.FileInfo, name string, c *coding, ctype string) *cachedFile {
	var (
		id     fileID
		byStat bool
		ikey   *immutableKey
	)
	if h.cache != nil {
		id, byStat = statID(fi)
	}
	if !byStat {
		if k, ok := h.immutableKey(name, fi); ok && h.keepsEncoded(k) {
			ikey = &immutableKey{k, c.token}
			if e := h.loadEncoded(*ikey); e != nil {
				return e.usable()
			}
		}
	}
	if byStat {
		if e := h.cache.get(encodedKey(name, c), id); e != nil {
			return e.usable()
		}
	}
	// Bytes compressed to be kept come into the cache as a file does:
	// once it is full, only when asked for a second time (admits), else
	// the file goes out as it is. Kept at once, they pushed the popular files
	// out, and a scan of the tree with the Accept-Encoding every browser
	// and crawler sends emptied the cache; each one also took the best
	// level's CPU (0.8 s for 4 MiB of text with br) whatever came of it.
	// A client that revalidates these very bytes was sent them before:
	// turned away, it would get the whole file again, where it asked to
	// be told that its copy is current.
	toCache := byStat
	if ikey != nil {
		_, toCache = ikey.file.(string) // an embedded file's are kept for good
	}
	if toCache && h.mayKeepEncoded(name, c, fi.Size(), byStat, ikey) && !revalidates(r, fi, c) && !h.cache.admits(encodedKey(name, c), fi.Size()) {
		return nil
	}

	// A request that saw another version by stat (a Linux file's
	// identity, with the cache or without) starts its own run.
	sid, _ := statID(fi)
	run, _, _ := h.compressHerd.do(flightKey(name, c, sid, fi), func(run compressRun, late bool) bool {
		return !late || run.stable
	}, func() (compressRun, bool) {
		return h.compressFile(r, f, fi, name, c, ctype, id, byStat, ikey), true
	})
	return run.e
}

// revalidates reports whether the If-None-Match of r names the ETag that
// compressedFile gives this version of the file, fi, in coding c.
func revalidates(r *http.Request, fi fs.FileInfo, c *coding) bool {
	inm := r.Header["If-None-Match"]
	if inm == nil || !hasMtime(fi.ModTime()) {
		return false
	}
	tag := (&variant{coding: c}).etag(mtimeETag(fi.ModTime(), fi.Size()))
	return matchETag(inm, []string{tag}, false, false)
}

// compressFile is compressedFile's work: read the file (from the cache if
// it holds it), compress it, keep the result. It reports whether the
// result is stable (see compressRun).
func (h *Handler) compressFile(r *http.Request, f fs.File, fi fs.FileInfo, name string, c *coding, ctype string, id fileID, byStat bool, ikey *immutableKey) (run compressRun) {
	t0 := h.now()
	_, fixed := h.immutableKey(name, fi)
	if sid, ok := statID(fi); fixed || ok && sid.ctime <= t0.Add(-racyWindow).UnixNano() {
		// What is read below is checked to be the version stat saw.
		run.stable = true
	}
	cost := c.cost(fi.Size())
	if err := h.compressions.take(r.Context(), cost); err != nil {
		h.compressions.log.Failed(r.Context(), err)
		return run // sent as it is this time; compressed when there is room
	}
	defer h.compressions.give(cost)
	// The original's bytes: from the cache, else read as the cache reads.
	var content []byte
	if byStat {
		if e := h.cache.get(name, id); e != nil {
			content = e.content
		}
	}
	if content == nil {
		g := f
		if s, ok := g.(io.Seeker); !ok {
			// None, or one that could not go back to its start for
			// serveFile after this read (a zip.Reader's): a copy.
			var err error
			if g, err = h.fsys.Open(name); err != nil {
				return run
			}
			defer g.Close()
			// Opened by name since the stat: readVersion and
			// readSeen check that it is the file stat saw.
		} else if _, err := s.Seek(0, io.SeekStart); err != nil {
			return run
		} else {
			// f is the caller's, which sends it as it is when this
			// returns nil (not worth it, or unreadable), from where
			// it stands: the start, where serveFile expects an open
			// file to be, not the end this read leaves it at.
			defer s.Seek(0, io.SeekStart)
		}
		if byStat {
			// Opened by name since the stat: it may not be that file.
			if content, _ = readVersion(g, id); content == nil {
				return run
			}
		} else if content = readSeen(g, fi); content == nil {
			return run
		}
	}

	var buf bytes.Buffer
	// Video is never compressed, whatever its name's type says: an HLS
	// segment (.ts) is typed text by the host's registry (see
	// transportStream), and brotli's best level spent 30 s on 8 MB of it
	// before its first byte went out, to save little or nothing (the
	// packets' padding). Not worth it.
	if !transportStream(content) {
		if h.compressHook != nil {
			h.compressHook(name)
		}
		buf.Grow(len(content) / 3)
		// The best level only for bytes that may be kept: with the cache off,
		// or an FS without Linux stat data (every FS off Linux) that is not
		// Immutable, or a file too large for the cache, each response
		// compresses the file again, and brotli's best level took 1.5 s a
		// time for 2 MiB of script (its fast one 0.3 s). A file kept once its
		// ctime is old enough (racyWindow) gets the best level from the
		// start, so that its ETag never stands for two different bodies.
		if err := c.encode(&buf, content, h.mayKeepEncoded(name, c, int64(len(content)), byStat, ikey)); err != nil {
			h.logger.LogAttrs(r.Context(), slog.LevelWarn, "fileserver: compressing", slog.String("name", name), slog.Any("err", err))
			return run
		}
	}
	e := &cachedFile{id: id, mtime: fi.ModTime(), hasTime: hasMtime(fi.ModTime())}
	// Not worth it unless it saves an eighth: remember that too.
	var length, lastMod, etag string
	if buf.Len() > 0 && buf.Len() < len(content)-len(content)/8 {
		e.content = buf.Bytes()
		length = strconv.Itoa(buf.Len())
		if e.hasTime {
			lastMod = e.mtime.UTC().Format(http.TimeFormat)
		}
		var tag string
		if e.hasTime {
			tag = mtimeETag(e.mtime, fi.Size())
		} else {
			tag = h.etag(r.Context(), name, fi, bytes.NewReader(content))
		}
		if tag != "" {
			etag = (&variant{coding: c}).etag(tag)
		}
	}
	e.setHeaders(ctype, length, lastMod, etag)
	switch {
	case byStat && id.ctime <= t0.Add(-racyWindow).UnixNano():
		h.cache.put(encodedKey(name, c), e)
	case ikey != nil:
		h.keepEncoded(*ikey, e)
	}
	run.e = e.usable()
	return run
}

// mayKeepEncoded reports whether the compressed bytes of name in coding
// c, size bytes before compression, may be kept, by the cache (byStat, or
// an Immutable FS's file: ikey) or for good (an embedded file's). The
// cache refuses an entry larger than CacheMaxBytes: the size before
// compression, which bounds the size after, decides, so that a version
// always gets the same level.
func (h *Handler) mayKeepEncoded(name string, c *coding, size int64, byStat bool, ikey *immutableKey) bool {
	if ikey != nil {
		if _, byName := ikey.file.(string); !byName {
			return true
		}
	} else if !byStat {
		return false
	}
	return size+int64(len(encodedKey(name, c)))+entryOverhead <= h.cache.maxBytes
}

// keepsEncoded reports whether keepEncoded keeps the compressed bytes of
// file, an immutableKey's: an embedded file's are kept for good, being no
// larger than what the program holds anyway; those of a file of an
// Options.Immutable FS, which may be of any size, go to the cache, within
// CacheMaxBytes like every other entry, so with DisableCache nowhere.
func (h *Handler) keepsEncoded(file any) bool {
	_, byName := file.(string)
	return !byName || h.cache != nil
}

// keepEncoded keeps e, the compressed bytes of content that cannot
// change, under k (of a file keepsEncoded accepts), for loadEncoded: in
// the cache under the zero fileID (one version only) for a name, else
// for good.
func (h *Handler) keepEncoded(k immutableKey, e *cachedFile) {
	if name, byName := k.file.(string); byName {
		h.cache.put(encodedKey(name, codings[k.token]), e)
		return
	}
	h.encoded.Store(k, e)
}

// loadEncoded returns what keepEncoded kept under k, or nil.
func (h *Handler) loadEncoded(k immutableKey) *cachedFile {
	if name, byName := k.file.(string); byName {
		return h.cache.get(encodedKey(name, codings[k.token]), fileID{})
	}
	if v, ok := h.encoded.Load(k); ok {
		return v.(*cachedFile)
	}
	return nil
}

// usable returns e, or nil if it records that compressing did not pay.
func (e *cachedFile) usable() *cachedFile {
	if e.content == nil {
		return nil
	}
	return e
}

// immutableKey returns what identifies the content of name for good, when
// it cannot change: the embedded file's own record, or the name under
// Options.Immutable.
func (h *Handler) immutableKey(name string, fi fs.FileInfo) (any, bool) {
	switch {
	case reflect.TypeOf(fi) == embedFileInfo:
		return fi, true
	case h.immutable:
		return name, true
	}
	return nil, false
}

// encodedListing compresses a listing's body for r if the options and
// the client allow, keeping it under key (when not "") with the
// directory's version id, else in memo when it has one (a body that
// requests share, compressed once for them in each coding), and returns
// the coding and the bytes to send, or nil and body.
func (h *Handler) encodedListing(w http.ResponseWriter, r *http.Request, key string, id fileID, memo memoRef, body func() []byte) (*coding, []byte) {
	if h.comp == nil {
		return nil, nil
	}
	hdr := w.Header()
	if _, set := hdr["Content-Encoding"]; set {
		return nil, nil
	}
	addVary(hdr, varyAcceptEncoding)
	token, _ := negotiate.Encoding(r.Header["Accept-Encoding"], h.compTokens...)
	if token == "" {
		return nil, nil
	}
	c := codings[token]
	encode := func() *cachedFile {
		var buf bytes.Buffer
		src := body()
		cost := c.cost(int64(len(src)))
		if err := h.compressions.take(r.Context(), cost); err != nil {
			h.compressions.log.Failed(r.Context(), err)
			return nil // sent as it is
		}
		defer h.compressions.give(cost)
		buf.Grow(len(src) / 4)
		if h.encodeHook != nil {
			h.encodeHook()
		}
		if err := c.encode(&buf, src, key != ""); err != nil {
			return nil
		}
		return &cachedFile{id: id, content: buf.Bytes()}
	}
	if key == "" { // not kept: compressed for this response, or those sharing memo
		if e := memo.m.do(encKey{c, memo.page}, encode); e != nil {
			return c, e.content
		}
		return nil, nil
	}
	if e := h.cache.get(encodedKey(key, c), id); e != nil {
		return c, e.content
	}
	// Every request here serves the rows kept as version id: one body,
	// whenever it came.
	run, _, _ := h.compressHerd.do(fmt.Sprintf("%s\x00%v", encodedKey(key, c), id), func(compressRun, bool) bool { return true }, func() (compressRun, bool) {
		e := encode()
		if e != nil {
			h.cache.put(encodedKey(key, c), e)
		}
		return compressRun{e: e, stable: true}, true
	})
	e := run.e
	if e == nil {
		return nil, nil
	}
	return c, e.content
}

// encMemo holds the compressed forms of a listing's rows or document
// that requests share (see herd), while they share it, per coding and
// page (the page of rows, titled from the client's path). Nil holds none.
type encMemo struct {
	mu sync.Mutex
	m  map[encKey]*encRun
}

// encKey names a page compressed in a coding.
type encKey struct {
	c    *coding
	page string
}

// memoRef is a page of an encMemo; the zero memoRef has none.
type memoRef struct {
	m    *encMemo
	page string
}

// encRun is the compression of a body in one coding; mu is held while it
// is made, so that the requests after the first wait for it.
type encRun struct {
	mu sync.Mutex
	e  *cachedFile
}

// do returns the body compressed as k: made by encode the first time,
// and again by a later request if encode failed (each is refused by
// Options.CompressBudget on its own, as when alone).
func (m *encMemo) do(k encKey, encode func() *cachedFile) *cachedFile {
	if m == nil {
		return encode()
	}
	m.mu.Lock()
	if m.m == nil {
		m.m = map[encKey]*encRun{}
	}
	run := m.m[k]
	if run == nil {
		run = &encRun{}
		m.m[k] = run
	}
	m.mu.Unlock()
	run.mu.Lock()
	defer run.mu.Unlock()
	if run.e == nil {
		run.e = encode()
	}
	return run.e
}

// fallbackFor reports whether a GET or HEAD of the escaped path that
// failed with err gets the Fallback file: the name does not exist (and was
// not refused for another reason), the path does not climb with "..", its
// last segment has no extension, and the client takes HTML. When only the
// last decides, w's header gets Vary: Accept, whichever the answer.
func (h *Handler) fallbackFor(w http.ResponseWriter, r *http.Request, escaped string, err error) bool {
	if h.fallback == "" || !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	decoded, uerr := url.PathUnescape(escaped)
	if uerr != nil || strings.ContainsAny(decoded, "\\\x00") {
		return false
	}
	for _, seg := range strings.Split(decoded, "/") {
		if seg == ".." {
			return false
		}
	}
	if strings.Contains(path.Base("/"+strings.TrimRight(decoded, "/")), ".") {
		return false
	}
	// The 404 of a client that does not take HTML must say so too, or a
	// cache would give it to browsers, whatever the error page's own
	// negotiation (errorpage's DisableNegotiation, an ErrorHandler).
	addVary(w.Header(), varyAccept)
	accept := negotiate.List(r.Header["Accept"])
	// A client that prefers JSON to HTML, which a listing answers in
	// JSON, gets the 404: axios's "application/json, text/plain, */*"
	// names JSON and takes HTML through */* only, and the app's page with
	// 200 would fail its JSON parse far from the cause.
	return accept == "" || negotiate.Accepts(accept, "text/html") && !prefersJSON(accept)
}

// serveFallback sends the Fallback file with 200, or 404 if it is gone.
func (h *Handler) serveFallback(w http.ResponseWriter, r *http.Request, name string) {
	fi, err := h.regular(h.fallback)
	if err != nil {
		if !overload.Is(err) {
			if !h.fallbackGone.Swap(true) {
				h.logger.LogAttrs(r.Context(), slog.LevelWarn, "fileserver: the Options.Fallback file cannot be served: client-side routes get 404",
					slog.String("fallback", h.fallback), slog.Any("err", err))
			}
			err = fs.ErrNotExist // the name asked for was not found
		}
		h.notFound(w, r, name, err)
		return
	}
	if h.fallbackGone.Load() {
		h.fallbackGone.Store(false)
	}
	h.serveRegular(w, r, nil, fi, h.fallback)
}
