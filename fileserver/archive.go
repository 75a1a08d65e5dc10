package fileserver

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/text/unicode/norm"

	"github.com/simplehttp/simplehttp/internal/overload"
	"github.com/simplehttp/simplehttp/internal/pyescape"
	"github.com/simplehttp/simplehttp/internal/samename"
)

// archive.go: Options.Archive, a directory downloaded as one zip, tar.gz
// or tar.zst file, made while it is sent.

// DefaultArchiveMaxEntries is the number of entries (files and
// directories) an archive may hold when Options.ArchiveMaxEntries is zero.
const DefaultArchiveMaxEntries = 100_000

// DefaultArchiveBudget is the memory the archives in progress may hold
// at once when Options.ArchiveBudget is zero: 42 tar.zst downloads, or
// 128 tar.gz or zip ones, of small trees. 300 stalled tar.zst downloads
// held 791 MB without it.
const DefaultArchiveBudget = 128 << 20

// maxArchiveDepth bounds how deep an archive goes below its directory:
// a loop of links that the device and inode check cannot see (an fs.FS
// without stat data) ends there.
const maxArchiveDepth = 256

// An archiveFormat is one kind of download, by its query.
type archiveFormat struct {
	query string   // the whole query string that asks for it
	ext   string   // of the file name the client saves it under
	ctype []string // Content-Type
	// cost is what a download of it holds while it is sent, in bytes,
	// charged to Options.ArchiveBudget: its compressor, its copy buffers.
	// Measured as the resident memory of 300 stalled downloads: 2.6 MB
	// each for tar.zst, 0.9 MB for tar.gz, 0.65 MB for zip.
	cost int64
}

var archiveFormats = []*archiveFormat{
	{query: "download=zip", ext: ".zip", ctype: []string{"application/zip"}, cost: 1 << 20},
	{query: "download=tar.gz", ext: ".tar.gz", ctype: []string{"application/gzip"}, cost: 1 << 20},
	{query: "download=tar.zst", ext: ".tar.zst", ctype: []string{"application/zstd"}, cost: 3 << 20},
}

// archiveFormatOf returns the format a directory URL's query asks for, or
// nil: only the exact queries of archiveFormats do.
func archiveFormatOf(rawQuery string) *archiveFormat {
	for _, f := range archiveFormats {
		if rawQuery == f.query {
			return f
		}
	}
	return nil
}

// archiveOptions checks and takes the options of archive.go.
func (h *Handler) archiveOptions(opts Options) error {
	if opts.ArchiveMaxBytes < 0 || opts.ArchiveMaxEntries < 0 {
		return errors.New("fileserver: Options.ArchiveMaxBytes and ArchiveMaxEntries must not be negative")
	}
	if !opts.Archive {
		if opts.ArchiveMaxBytes != 0 || opts.ArchiveMaxEntries != 0 || opts.ArchiveBudget != 0 {
			return errors.New("fileserver: Options.ArchiveMaxBytes, ArchiveMaxEntries or ArchiveBudget without Archive")
		}
		return nil
	}
	if opts.DisableListing {
		return errors.New("fileserver: Options.Archive with DisableListing: an archive lists its directory")
	}
	h.archive = true
	h.archives = newBudget(opts.ArchiveBudget, DefaultArchiveBudget, "archives", "bytes", "ArchiveBudget", "answering 503", h.logger)
	h.archiveMaxBytes = opts.ArchiveMaxBytes
	h.archiveMaxEntries = opts.ArchiveMaxEntries
	if h.archiveMaxEntries == 0 {
		h.archiveMaxEntries = DefaultArchiveMaxEntries
	}
	return nil
}

// errors of an archive that stop it.
var (
	errArchiveTooLarge = errors.New("archive over the limit")
	errFileShrank      = errors.New("file shrank while it was read")
)

// serveArchive answers a GET or HEAD of the directory name with the query
// of format f. A first walk counts the entries and bytes without reading
// any file: over a limit, the answer is 403 "Archive too large" and
// nothing is sent. Then the archive is made while it is sent, from a
// second walk. Anything that goes wrong after the first byte went out,
// except an entry that can be left out whole, aborts the response (see
// Options.Archive).
func (h *Handler) serveArchive(w http.ResponseWriter, r *http.Request, name string, f *archiveFormat) {
	ctx := r.Context()
	top := archiveTop(name)
	count := &archiveWalk{h: h, ctx: ctx, r: r}
	if err := count.run(name, top); err != nil {
		switch {
		case ctx.Err() != nil:
			// The client has gone, or half-closed its side (net/http
			// ends the context for both), in which case it still waits
			// for an answer: cut the connection rather than let
			// net/http send an empty 200.
			panic(http.ErrAbortHandler)
		case errors.Is(err, errArchiveTooLarge):
			h.logger.LogAttrs(ctx, slog.LevelInfo, "fileserver: archive refused",
				slog.String("name", name), slog.Int("entries", count.entries), slog.Int64("bytes", count.bytes), slog.Any("err", err))
			h.sendError(w, r, http.StatusForbidden, "Archive too large")
		default:
			h.listingError(w, r, name, err)
		}
		return
	}

	if r.Method == http.MethodHead {
		// The count took all this request needs of the budget: an
		// episode of counts refused ends here, as it does for a GET
		// when its download's cost is taken.
		h.archives.fits(ctx)
	} else {
		cost := count.cost(f)
		if err := h.archives.take(ctx, cost); err != nil {
			h.unavailable(w, r, name, err)
			return
		}
		defer h.archives.give(cost)
	}
	hdr := w.Header()
	hdr["Content-Type"] = own(f.ctype)
	hdr["Content-Disposition"] = []string{contentDisposition(top + f.ext)}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	// The client sees the download begin at once, whatever the first
	// entries take.
	http.NewResponseController(w).Flush()

	out := &archiveWalk{h: h, ctx: ctx, r: r, write: true}
	var err error
	switch f.ext {
	case ".zip":
		out.zw = newZipWriter(w)
		if err = out.run(name, top); err == nil {
			if len(out.skipped) > 0 {
				out.zw.comment = skippedComment(out.skipped)
			}
			if err = out.zw.close(); err != nil {
				out.writeErr = true
			}
		}
	case ".tar.gz":
		gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		err = out.runTar(name, top, gz)
	case ".tar.zst":
		// One goroutine and a 1 MiB window: 3 MiB per download, where
		// the defaults take 10 and were no faster (BenchmarkArchive).
		zs, zerr := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
		if zerr != nil {
			err = zerr
			break
		}
		err = out.runTar(name, top, zs)
	}
	if err == nil {
		if len(out.skipped) > 0 {
			h.logger.LogAttrs(ctx, slog.LevelWarn, "fileserver: archive sent without some entries",
				slog.String("name", name), slog.Int("left_out", len(out.skipped)))
		}
		return
	}
	switch {
	case ctx.Err() != nil || out.writeErr:
		// The client has gone, or half-closed its side and still reads.
		h.logger.LogAttrs(ctx, slog.LevelDebug, "fileserver: archive stopped",
			slog.String("name", name), slog.Int("entries", out.entries), slog.Any("err", err))
	case overload.Is(err):
		// Out of descriptors or memory: said once per episode, as for
		// the files that get 503 for it, not once per download.
		h.overload.Failed(ctx, err)
		h.logger.LogAttrs(ctx, slog.LevelDebug, "fileserver: archive aborted",
			slog.String("name", name), slog.Int("entries", out.entries), slog.Int64("bytes", out.bytes), slog.Any("err", err))
	default:
		h.logger.LogAttrs(ctx, slog.LevelWarn, "fileserver: archive aborted",
			slog.String("name", name), slog.Int("entries", out.entries), slog.Int64("bytes", out.bytes), slog.Any("err", err))
	}
	// The archive cannot be finished honestly: cut the response, so that
	// the client sees an incomplete download rather than a complete-looking
	// archive with a file missing or cut short.
	panic(http.ErrAbortHandler)
}

// runTar walks into a tar stream compressed by c, and closes both.
func (a *archiveWalk) runTar(name, top string, c io.WriteCloser) error {
	a.tw = tar.NewWriter(c)
	if err := a.run(name, top); err != nil {
		return err
	}
	if err := a.tw.Close(); err != nil {
		return err
	}
	return c.Close()
}

// archiveTop is the name of the one directory at the top of the archive
// of the directory name, and of the file the client saves: the
// directory's own name, or "root" for the root of the fs.FS (whose OS
// name is not shown anywhere else either).
func archiveTop(name string) string {
	if name == "." {
		return "root"
	}
	return path.Base(name)
}

// archiveWalk is one walk over a directory for an archive: counting (write
// false), or writing to zw or tw.
type archiveWalk struct {
	h     *Handler
	ctx   context.Context
	r     *http.Request
	write bool
	zw    *zipWriter
	tw    *tar.Writer

	entries int   // written (or counted) so far
	bytes   int64 // of file content
	// ancestors are the directories from the top down to the one being
	// read, by device and inode: a link back to one of them is a loop.
	ancestors []dirKey
	skipped   []string // names left out, for the zip comment
	writeErr  bool     // a write to the client failed
	buf       []byte
	// held is what the entries of the directories being read hold, in
	// bytes, and peak the most they held; names is the bytes of the
	// names of the entries added.
	held, peak, names int64
	// charged is what the counting walk holds of Options.ArchiveBudget.
	charged int64
	// asBytes is set while an entry named by nfcTwins, and what it
	// holds, is added: their names go in as bytes, not as UTF-8.
	asBytes bool
}

type dirKey struct{ dev, ino uint64 }

// run walks the directory name, whose entries go under top/ in the archive.
func (a *archiveWalk) run(name, top string) error {
	if a.h.excluded(name) {
		return &fs.PathError{Op: "archive", Path: name, Err: fs.ErrNotExist}
	}
	fi, err := a.h.stat(name)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errNotDir
	}
	if a.write {
		bp := copyBufPool.Get().(*[]byte)
		defer copyBufPool.Put(bp)
		a.buf = *bp
	}
	return a.dir(name, top, fi, 0)
}

var errNotDir = errors.New("not a directory")

// What an archive holds beyond its format's cost, in bytes, measured as
// the heap of stalled downloads of a directory of 20,000 files: each
// entry of the directories it is in (fs.DirEntry), and for a zip file
// each entry written, kept for the central directory; plus their names.
// zipEntryCost was measured with archive/zip's Writer; zipWriter keeps
// less (a zipEntry is 72 bytes, in a slice that grows by doubling), so
// it is a bound.
const (
	dirEntryCost = 96
	zipEntryCost = 288
)

// cost is what a download in format f of the tree that the counting walk
// a went through holds at most while it is sent: the format's cost, the
// entries of the directories the walk is in at once, and those a zip
// file keeps for its central directory.
func (a *archiveWalk) cost(f *archiveFormat) int64 {
	c := f.cost + a.peak
	if f.ext == ".zip" {
		c += int64(a.entries)*zipEntryCost + a.names
	}
	return c
}

// excludeOptions checks and takes Options.ExcludeDirs.
func (h *Handler) excludeOptions(opts Options) error {
	if opts.ExcludeDirs != nil && !opts.Upload && !opts.Archive {
		return errors.New("fileserver: Options.ExcludeDirs without Upload or Archive")
	}
	for _, d := range opts.ExcludeDirs {
		if len(d) < 2 || d[0] != '/' || path.Clean(d) != d {
			return fmt.Errorf("fileserver: Options.ExcludeDirs: %q is not a clean path like /cgi-bin", d)
		}
		h.exclude = append(h.exclude, d[1:])
	}
	if h.fallback != "" && h.excluded(h.fallback) {
		// The handler in front runs what is there (a CGI script) for
		// the directory's own paths only: this handler would send the
		// file as it is, its source, for every route.
		return fmt.Errorf("fileserver: Options.Fallback %q is in a directory of Options.ExcludeDirs, whose files would be sent as they are (a script's source) for every route", h.fallback)
	}
	return nil
}

// excluded reports whether the name (a path from the root) is one of
// Options.ExcludeDirs or inside one, in any spelling that a file system
// may take for it (see samename: any letter case, Unicode forms,
// characters that show as nothing): the first elements of name, as many
// as d has, are compared whole, since another spelling may take more
// bytes ("ſ" for "s", the Kelvin sign "K" for "k", a zero-width
// space).
func (h *Handler) excluded(name string) bool {
	for _, d := range h.exclude {
		p := name
		for i, n := 0, strings.Count(d, "/")+1; i < len(name); i++ {
			if name[i] == '/' {
				if n--; n == 0 {
					p = name[:i]
					break
				}
			}
		}
		if samename.Equal(p, d) {
			return true
		}
	}
	return false
}

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// dir adds the directory name (fi), as arc/ in the archive, and what it
// holds, in the order of their names.
func (a *archiveWalk) dir(name, arc string, fi fs.FileInfo, depth int) error {
	if err := a.ctx.Err(); err != nil {
		return err
	}
	key, hasKey := dirKeyOf(fi)
	if hasKey && slices.Contains(a.ancestors, key) {
		a.leftOut(slog.LevelDebug, name, errors.New("a link to a directory it is in (a loop)"))
		return nil
	}
	if depth > maxArchiveDepth {
		a.leftOut(slog.LevelWarn, name, errors.New("too deep"))
		return nil
	}
	des, held, err := a.readDir(name)
	if err != nil {
		if depth == 0 || a.ctx.Err() != nil || overload.Is(err) {
			return err
		}
		a.leftOut(slog.LevelWarn, name, err)
		return nil
	}
	if !a.write {
		defer a.uncharge(held)
		if a.h.archiveCountHook != nil {
			a.h.archiveCountHook(a.ctx, name)
		}
	}
	if depth > 0 {
		// A directory with an index page is not listed: a request for
		// its archive gets the page, and archives above leave it out,
		// or it would give away the names and files its page hides.
		index, err := a.indexPage(name, des)
		if err != nil {
			return err
		}
		if index != "" {
			a.leftOut(slog.LevelDebug, name, errors.New("has an index page, "+index))
			return nil
		}
	}
	if err := a.add(arc+"/", fi, nil); err != nil {
		if errors.Is(err, errZipName) {
			a.leftOut(slog.LevelWarn, name, err) // and all it holds
			return nil
		}
		return err
	}
	a.held += held
	a.peak = max(a.peak, a.held)
	defer func() { a.held -= held }()
	if hasKey {
		a.ancestors = append(a.ancestors, key)
		defer func() { a.ancestors = a.ancestors[:len(a.ancestors)-1] }()
	}
	var twins map[string]bool
	if a.write {
		twins = nfcTwins(des)
	}
	for _, de := range des {
		elem := de.Name()
		child := joinName(name, elem)
		if !singleName(elem) {
			a.leftOut(slog.LevelWarn, child, errNotSingleName)
			continue
		}
		if a.h.excluded(child) {
			continue // not the file server's: not even its name goes in
		}
		if a.h.upload && strings.HasPrefix(elem, tempPrefix) {
			continue // an upload on its way: neither listed nor served
		}
		carc := arc + "/" + elem
		var cfi fs.FileInfo
		if de.Type()&fs.ModeSymlink != 0 {
			// Followed, or refused, as a request for it would be.
			cfi, err = fs.Stat(a.h.fsys, child)
		} else {
			cfi, err = de.Info()
		}
		if err != nil {
			if a.ctx.Err() != nil {
				return a.ctx.Err()
			}
			if overload.Is(err) {
				return err
			}
			level := slog.LevelWarn
			if errors.Is(err, errSymlink) || de.Type()&fs.ModeSymlink != 0 {
				level = slog.LevelDebug // left out by the policy, or dangling
			}
			a.leftOut(level, child, err)
			continue
		}
		outer := a.asBytes
		a.asBytes = outer || twins[elem]
		switch {
		case cfi.IsDir():
			err = a.dir(child, carc, cfi, depth+1)
		case cfi.Mode().IsRegular():
			err = a.file(child, carc, cfi)
		default:
			a.leftOut(slog.LevelDebug, child, errNotRegular)
		}
		a.asBytes = outer
		if err != nil {
			return err
		}
	}
	return nil
}

// nfcTwins is the names among des that are UTF-8 but not in Unicode's
// NFC, and are in NFC the same as another entry: "cafe\u0301.txt" (NFD,
// as macOS writes names) beside "caf\u00e9.txt". bsdtar, the tar of
// macOS and Windows, puts a name it reads as UTF-8 in NFC, so the two
// came out as one file, the other lost without a word. Such a name goes
// in as its bytes, which bsdtar keeps as they are; one without a twin
// stays UTF-8, which tar on Windows needs to show it right. nil when
// every name is in NFC, as most are.
func nfcTwins(des []fs.DirEntry) map[string]bool {
	i := slices.IndexFunc(des, func(de fs.DirEntry) bool {
		n := de.Name()
		return utf8.ValidString(n) && !norm.NFC.IsNormalString(n)
	})
	if i < 0 {
		return nil
	}
	forms := make(map[string]int, len(des))
	for _, de := range des {
		if n := de.Name(); utf8.ValidString(n) {
			forms[norm.NFC.String(n)]++
		}
	}
	var twins map[string]bool
	for _, de := range des[i:] {
		n := de.Name()
		if utf8.ValidString(n) && !norm.NFC.IsNormalString(n) && forms[norm.NFC.String(n)] > 1 {
			if twins == nil {
				twins = map[string]bool{}
			}
			twins[n] = true
		}
	}
	return twins
}

// indexPage is the name of the index page that a request for the
// directory name, which holds des, would get in place of its listing, or
// "". Only a name des holds in some letter case (a file system that
// ignores case opens INDEX.HTML as index.html) is looked at, as the
// request would look at it: a link followed, or refused, by the policy;
// not a regular file, no index page.
func (a *archiveWalk) indexPage(name string, des []fs.DirEntry) (string, error) {
	for _, index := range a.h.index {
		if !slices.ContainsFunc(des, func(de fs.DirEntry) bool { return strings.EqualFold(de.Name(), index) }) {
			continue
		}
		_, err := a.h.regular(joinName(name, index))
		if err == nil {
			return index, nil
		}
		if overload.Is(err) {
			return "", err // whether there is one is not known
		}
	}
	return "", nil
}

// readDir reads the names in a directory, sorted, and what they hold
// (dirEntryCost and the name, each). The counting walk charges that to
// Options.ArchiveBudget as it reads them, readDirChunk at a time, and the
// caller gives it back (uncharge) when done with them: a download charges
// its walk's peak before its first byte (cost), but the count before it,
// which a client can ask for again and again and which also runs for a
// tree that turns out too large (403) and for a HEAD, held every
// directory it was in unbounded: 40 requests at once for the archive of a
// directory of 100,000 entries took the server to 1 GB.
func (a *archiveWalk) readDir(name string) (des []fs.DirEntry, held int64, err error) {
	f, err := a.h.open(a.ctx, name)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	charge := func(chunk []fs.DirEntry) error {
		n := int64(0)
		for _, de := range chunk {
			n += dirEntryCost + int64(len(de.Name()))
		}
		if !a.write {
			if err := a.h.archives.takeMore(n, a.charged); err != nil {
				return err
			}
			a.charged += n
		}
		held += n
		des = append(des, chunk...)
		return nil
	}
	if err := readDirChunks(a.h.fsys, f, name, charge); err != nil {
		a.uncharge(held)
		return nil, 0, err
	}
	slices.SortFunc(des, func(x, y fs.DirEntry) int { return strings.Compare(x.Name(), y.Name()) })
	return des, held, nil
}

// uncharge gives back n of what the counting walk charged to
// Options.ArchiveBudget (nothing for the writing walk, whose download
// charged its cost beforehand).
func (a *archiveWalk) uncharge(n int64) {
	if a.write || n == 0 {
		return
	}
	a.h.archives.give(n)
	a.charged -= n
}

// file adds the regular file name, which stat found as fi, as arc. When
// writing, the file is opened and its own stat gives the header: it is
// archived with the size it has then, and left out if it is gone or no
// longer a regular file.
func (a *archiveWalk) file(name, arc string, fi fs.FileInfo) error {
	if !a.write {
		return a.add(arc, fi, nil)
	}
	if err := a.ctx.Err(); err != nil {
		return err
	}
	f, err := a.h.open(a.ctx, name)
	if err == nil {
		defer f.Close()
		fi, err = f.Stat()
	}
	if err != nil {
		if overload.Is(err) {
			return err // not gone: the server is short of something
		}
		a.leftOut(slog.LevelWarn, name, err)
		return nil
	}
	if !fi.Mode().IsRegular() {
		a.leftOut(slog.LevelWarn, name, errNotRegular)
		return nil
	}
	err = a.add(arc, fi, f)
	if errors.Is(err, errZipName) {
		a.leftOut(slog.LevelWarn, name, err)
		return nil
	}
	return err
}

// add counts an entry against the limits and, when writing, writes it:
// a directory when arc ends in a slash, else a file with the content of
// f, exactly fi.Size() bytes of it.
func (a *archiveWalk) add(arc string, fi fs.FileInfo, f io.Reader) error {
	dir := strings.HasSuffix(arc, "/")
	size := int64(0)
	if !dir {
		size = fi.Size()
	}
	a.entries++
	a.bytes += size
	a.names += int64(len(arc))
	if a.entries > a.h.archiveMaxEntries {
		return fmt.Errorf("%w: more than %d entries", errArchiveTooLarge, a.h.archiveMaxEntries)
	}
	if a.h.archiveMaxBytes > 0 && a.bytes > a.h.archiveMaxBytes {
		return fmt.Errorf("%w: more than %d bytes", errArchiveTooLarge, a.h.archiveMaxBytes)
	}
	if !a.write {
		return nil
	}
	if a.h.archiveHook != nil {
		a.h.archiveHook(a.ctx, arc)
	}
	var dst io.Writer
	var err error
	mode := fi.Mode() & fs.ModePerm
	if a.zw != nil {
		if dir {
			mode |= fs.ModeDir
		}
		a.zw.asBytes = a.asBytes
		dst, err = a.zw.create(zipName(arc), mode, fi.ModTime(), storedInZip(a.h.types.lookup(arc)), size)
		if errors.Is(err, errZipName) {
			return err
		}
	} else {
		// Whole seconds, cut as tar(1) cuts them: rounded, a time
		// could lie in the future, and tar would warn of it.
		th := &tar.Header{Name: arc, Mode: int64(mode), ModTime: fi.ModTime().Truncate(time.Second), Typeflag: tar.TypeReg, Size: size}
		if dir {
			th.Typeflag = tar.TypeDir
		}
		if !utf8.ValidString(arc) || a.asBytes {
			// A PAX path record is UTF-8 by definition: bsdtar (the tar
			// of macOS and Windows) refuses one that is not, exits 1,
			// and GNU tar ignores the hdrcharset record that would say
			// so. GNU's own headers hold the bytes as they are, and
			// every tar reads them; bsdtar keeps them as they are,
			// where it puts a PAX path in NFC (see nfcTwins).
			th.Format = tar.FormatGNU
		}
		err = a.tw.WriteHeader(th)
		dst = a.tw
	}
	if err != nil {
		a.writeErr = true
		return err
	}
	if dir {
		return nil
	}
	return a.copy(dst, f, size)
}

// copy copies exactly size bytes from f to dst, checking between reads
// that the client is still there. A file that grew is cut at size; one
// that shrank, or fails, is an error.
func (a *archiveWalk) copy(dst io.Writer, f io.Reader, size int64) error {
	for size > 0 {
		if err := a.ctx.Err(); err != nil {
			return err
		}
		b := a.buf
		if int64(len(b)) > size {
			b = b[:size]
		}
		n, err := f.Read(b)
		if n > 0 {
			size -= int64(n)
			if _, werr := dst.Write(b[:n]); werr != nil {
				a.writeErr = true
				return werr
			}
		}
		if err == io.EOF && size > 0 {
			return errFileShrank
		}
		if err != nil && err != io.EOF {
			return err
		}
	}
	return nil
}

// leftOut notes an entry left out of the archive, and logs why.
func (a *archiveWalk) leftOut(level slog.Level, name string, err error) {
	if !a.write {
		return // the writing walk meets it again, and says so then
	}
	a.skipped = append(a.skipped, name)
	a.h.logger.LogAttrs(a.ctx, level, "fileserver: left out of archive", slog.String("name", name), slog.Any("err", err))
}

// skippedComment is the zip comment naming the entries left out, shown
// by unzip: quoted as log lines are (no control character reaches the
// terminal), within the 65535 bytes a comment may have.
func skippedComment(names []string) string {
	const max = 60 << 10
	var b strings.Builder
	b.WriteString("simplehttp: left out of this archive:")
	for i, n := range names {
		q := pyescape.Log(strings.ToValidUTF8(n, "\uFFFD"))
		if b.Len()+len(q) > max {
			fmt.Fprintf(&b, "\n(and %d more)", len(names)-i)
			break
		}
		b.WriteString("\n")
		b.WriteString(q)
	}
	return b.String()
}

// zipName is the name of an entry in a zip file: a backslash becomes '_',
// as extractors on Windows take it for a separator (a file named
// `..\..\x` would land outside the target).
func zipName(arc string) string {
	return strings.ReplaceAll(arc, `\`, "_")
}

// storedInZip reports whether a file of type ctype is stored as it is in
// a zip file rather than deflated: images (but SVG), audio, video and
// archives are compressed already.
func storedInZip(ctype string) bool {
	mt, _, _ := strings.Cut(ctype, ";")
	switch {
	case strings.HasPrefix(mt, "image/"):
		return mt != "image/svg+xml" && mt != "image/bmp"
	case strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "video/"):
		return true
	}
	switch mt {
	case "application/zip", "application/gzip", "application/x-gzip", "application/zstd",
		"application/x-bzip2", "application/x-xz", "application/x-7z-compressed",
		"application/vnd.rar", "application/x-rar-compressed", "font/woff", "font/woff2":
		return true
	}
	return false
}

// flatePool keeps the deflate writers of zip entries: a new one costs
// hundreds of KiB, and a zip holds one per file.
var flatePool sync.Pool

type pooledFlate struct{ *flate.Writer }

func newPooledFlate(w io.Writer) (io.WriteCloser, error) {
	if fw, ok := flatePool.Get().(*flate.Writer); ok {
		fw.Reset(w)
		return pooledFlate{fw}, nil
	}
	fw, err := flate.NewWriter(w, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	return pooledFlate{fw}, nil
}

func (p pooledFlate) Close() error {
	err := p.Writer.Close()
	p.Writer.Reset(io.Discard) // drop the reference to the response
	flatePool.Put(p.Writer)
	return err
}

// contentDisposition is "attachment" with the file name: an ASCII
// fallback in filename (anything else, the quote, the backslash and '%',
// which some browsers decode there, become '_'), and the name itself in
// UTF-8 in filename* (RFC 6266) when the fallback differs; there bytes
// that are not UTF-8 become U+FFFD, and control and bidirectional
// formatting characters '_', so that a directory named to look like
// "photos\u202Egpj.exe" does not offer a download whose name reads
// otherwise than it is.
func contentDisposition(name string) string {
	var ascii strings.Builder
	plain := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '%' {
			ascii.WriteByte('_')
			plain = false
			continue
		}
		ascii.WriteByte(c)
	}
	v := `attachment; filename="` + ascii.String() + `"`
	if plain {
		return v
	}
	v += "; filename*=UTF-8''"
	var b strings.Builder
	const hex = "0123456789ABCDEF"
	shown := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(name, string(utf8.RuneError)))
	for _, c := range []byte(shown) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return v + b.String()
}
