package fileserver

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/internal/overload"
	"github.com/simplehttp/simplehttp/internal/pyescape"
	"github.com/simplehttp/simplehttp/internal/urlpath"
)

// Handler serves the files of a tree as Python's SimpleHTTPRequestHandler
// does. Create it with [New] or [NewDir]; after that it is immutable and
// safe for concurrent use.
type Handler struct {
	fsys    fs.FS
	dirfs   *dirFS // non-nil when made by NewDir
	index   []string
	types   *typeTable
	sniff   bool
	listing bool
	logger  *slog.Logger
	// overload reports running out of file descriptors (or kernel
	// memory) once per episode; see unavailable.
	overload *overload.Log
	// unreadableCopies says when Precompressed copies cannot be
	// opened (their mode), at most once a minute: the originals go out
	// instead, on every request that would have taken them.
	unreadableCopies *overload.Log
	// noSpace reports uploads refused for lack of space on the disk
	// (ENOSPC, EDQUOT) once per episode, which ends when an upload is
	// stored.
	noSpace *overload.Log
	// sendError is Options.ErrorHandler, or defaultError.
	sendError func(w http.ResponseWriter, r *http.Request, code int, message string)

	// statFS is fsys when it can stat a name without opening it.
	statFS fs.StatFS
	// cache holds small files, nil if disabled (see cache.go).
	cache *fileCache
	// listings bounds the entries of listings in flight (ListingBudget);
	// nil for no bound.
	listings *budget
	// multiRanges bounds the multipart answers to Range in flight
	// (maxMultiRange).
	multiRanges *budget
	// closed is set by Close: requests after it get 503.
	closed atomic.Bool
	// now is the clock of the cache's racy-file check (time.Now).
	now func() time.Time

	// immutable is Options.Immutable. hashes keeps the content ETags of
	// files without a modification time whose content cannot change: by
	// name when immutable, and by their fs.FileInfo for the files of an
	// embed.FS, however it is wrapped (see etag).
	immutable bool
	hashes    sync.Map // name or embed's fs.FileInfo -> string

	// The options of assets.go: nil or empty when off.
	pre          []*coding // Options.Precompressed
	preTokens    []string  // the tokens of pre
	comp         []*coding // Options.CompressCodings, when Compress
	compressions *budget   // CompressBudget; nil for no bound
	compTokens   []string  // the tokens of comp
	cacheControl func(name string) string
	fallback     string
	// fallbackGone is set while the Fallback file is missing, so that
	// this is logged once, not on every client-side route.
	fallbackGone atomic.Bool
	// encoded keeps the compressed bytes of embedded files
	// (immutableKey -> *cachedFile; see keepEncoded).
	encoded sync.Map
	// compressHerd holds the compressions under way, which the
	// requests for the same bytes meanwhile share (see compressRun).
	compressHerd herd[string, compressRun]
	// listHerd, richHerd and jsonHerd hold the Python, rich and JSON
	// listings being rendered, which the requests for the same one
	// meanwhile share (see herd).
	listHerd herd[listHerdKey, *listRendered]
	richHerd herd[richHerdKey, *richRendered]
	jsonHerd herd[jsonHerdKey, *jsonRendered]
	// The upload options (upload.go): upload is false when off.
	upload     bool
	overwrite  bool
	maxUpload  int64
	uploadIdle time.Duration
	origins    map[string]bool // UploadOrigins
	uploads    uploadTracker
	// noDeadline says once that uploads cannot be given up when idle
	// (see warnNoDeadline).
	noDeadline sync.Once
	// uploadBufs bounds the large copy buffers of the uploads in
	// progress (uploadBufBudget; see uploadBuffer).
	uploadBufs *budget
	// openWaiting bounds the received files of the multipart uploads in
	// progress that wait open (maxOpenWaiting; see post).
	openWaiting *budget
	// nameMu are the locks of lockNames, by directory.
	nameMu [16]sync.Mutex

	// exclude are Options.ExcludeDirs without their leading '/'.
	exclude []string

	// The options of archive.go: archive false when off.
	archive           bool
	archiveMaxBytes   int64 // 0: no limit
	archiveMaxEntries int
	archives          *budget // ArchiveBudget; nil for no bound
	// archiveHook, if not nil, is called before each entry of an
	// archive is written (tests).
	archiveHook func(ctx context.Context, name string)
	// archiveCountHook, if not nil, is called in the count before an
	// archive with each directory whose entries it has just read (tests).
	archiveCountHook func(ctx context.Context, name string)
	// commitHook, if not nil, is called when an upload's body has
	// arrived, before its files are named (tests).
	commitHook func()
	// nameHook, if not nil, is called when an upload's file has passed
	// its last checks, just before it is named (tests).
	nameHook func()
	// renderHook, if not nil, is called when a listing not served from
	// the cache has been read and rendered, with the directory's name
	// (tests).
	renderHook func(name string)
	// encodeHook, if not nil, is called each time a listing is
	// compressed (tests).
	encodeHook func()
	// compressHook, if not nil, is called each time a file has been
	// read to be compressed, with its name (tests).
	compressHook func(name string)

	// style is Options.Listing (richlisting.go).
	style ListingStyle
}

// errNotNew is the panic of a Handler that New or NewDir did not make:
// its zero value has nothing to serve.
const errNotNew = "fileserver: Handler not made by New or NewDir"

// New returns a Handler serving fsys, which may be any [fs.FS]:
// [os.DirFS], an [embed.FS], an [os.Root]'s FS, or a
// [testing/fstest.MapFS]. Files whose fs.File is an *os.File are sent with
// sendfile(2). fsys itself decides how symbolic links resolve: use [NewDir]
// for a policy. An fs.FS of your own must keep the contract of io/fs: an
// Open or a Stat (of the FS or of a File) that returns a nil File or
// FileInfo with a nil error makes the request panic, as it does in [http.FileServer] (net/http
// then closes the connection; the errorpage middleware answers 500).
func New(fsys fs.FS, opts Options) (*Handler, error) {
	if fsys == nil {
		return nil, errors.New("fileserver: nil fs.FS")
	}
	if opts.Upload {
		return nil, errors.New("fileserver: Options.Upload needs an OS directory: use NewDir")
	}
	return newHandler(fsys, opts)
}

// NewDir returns a Handler serving the OS directory dir, following the
// symbolic links that links allows: [SymlinksFollow] (the zero value,
// Python's behaviour) follows all of them. The policy is a parameter, not
// an option, because it decides what a request can reach: every caller
// states it. NewDir returns an error if dir is not a directory or links
// is not one of the three policies. Call [Handler.Close] when done with
// the handler to release the directory handle that SymlinksInside and
// SymlinksNever keep open. SymlinksFollow, as Python does, looks dir up
// by its path on each request (made absolute by NewDir, so a later
// [os.Chdir] changes nothing): a directory renamed or replaced under
// that path while it is served is no longer the one read.
func NewDir(dir string, links SymlinkPolicy, opts Options) (*Handler, error) {
	if _, err := links.MarshalText(); err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, errors.New("fileserver: NewDir: no directory named (\".\" is the current one)")
	}
	d, err := newDirFS(dir, links, opts.Upload)
	if err != nil {
		return nil, fmt.Errorf("fileserver: %w", err)
	}
	h, err := newHandler(d, opts)
	if err != nil {
		d.close()
		return nil, err
	}
	h.dirfs = d
	return h, nil
}

func newHandler(fsys fs.FS, opts Options) (*Handler, error) {
	h := &Handler{
		fsys:    fsys,
		sniff:   !opts.DisableSniff,
		listing: !opts.DisableListing,
		logger:  opts.Logger,
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	h.overload = overload.New(h.logger, "fileserver: out of file descriptors or memory, answering 503")
	h.unreadableCopies = overload.New(h.logger, "fileserver: precompressed copies that cannot be opened, serving the originals")
	h.noSpace = overload.New(h.logger, "fileserver: no space left for uploads, answering 507")
	h.sendError = opts.ErrorHandler
	if h.sendError == nil {
		h.sendError = defaultError
	}
	if opts.IndexNames == nil {
		h.index = []string{"index.html", "index.htm"}
	} else {
		for _, name := range opts.IndexNames {
			if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') || !fs.ValidPath(name) {
				return nil, fmt.Errorf("fileserver: index name %q is not a single file name", name)
			}
		}
		h.index = append([]string(nil), opts.IndexNames...)
	}
	for ext, typ := range opts.Extensions {
		if !strings.HasPrefix(ext, ".") {
			return nil, fmt.Errorf("fileserver: extension %q does not start with a dot", ext)
		}
		if _, _, err := mime.ParseMediaType(typ); err != nil {
			return nil, fmt.Errorf("fileserver: content type %q for %q: %v", typ, ext, err)
		}
	}
	h.types = newTypeTable(opts.Extensions)
	h.immutable = opts.Immutable
	h.statFS, _ = fsys.(fs.StatFS)
	if opts.CacheMaxBytes < 0 || opts.CacheMaxFileSize < 0 {
		return nil, errors.New("fileserver: Options.CacheMaxBytes and CacheMaxFileSize must not be negative")
	}
	if opts.DisableCache && (opts.CacheMaxBytes != 0 || opts.CacheMaxFileSize != 0) {
		return nil, errors.New("fileserver: Options.CacheMaxBytes or CacheMaxFileSize with DisableCache")
	}
	if !opts.DisableCache {
		// It keeps only what can be checked: files and listings whose
		// stat tells their version (statID), and what keepEncoded
		// keeps of content that cannot change. Its bounds stop at
		// math.MaxInt: on a 32-bit platform a file over 2 GiB cannot
		// be one []byte (its make panicked), nor an eighth of 16 GiB a
		// listing's size in an int (it wrapped negative, and every
		// rich listing was streamed).
		h.cache = newFileCache(min(opts.CacheMaxBytes, math.MaxInt), min(opts.CacheMaxFileSize, math.MaxInt))
	}
	h.listings = newBudget(int64(opts.ListingBudget), defaultListingBudget, "listings", "entries", "ListingBudget", "answering 503", h.logger)
	h.multiRanges = newBudget(maxMultiRange, 0, "responses of several ranges", "responses", "", "sending whole files", h.logger)
	h.now = time.Now
	if err := h.assetOptions(opts); err != nil {
		return nil, err
	}
	if err := h.uploadOptions(opts); err != nil {
		return nil, err
	}
	if err := h.listingOptions(opts); err != nil {
		return nil, err
	}
	if err := h.excludeOptions(opts); err != nil {
		return nil, err
	}
	if err := h.archiveOptions(opts); err != nil {
		return nil, err
	}
	return h, nil
}

// assetOptions checks and takes the options of assets.go.
func (h *Handler) assetOptions(opts Options) error {
	if opts.Precompressed != nil {
		pre, err := parseCodings("Options.Precompressed", opts.Precompressed)
		if err != nil {
			return err
		}
		if len(pre) > 0 {
			h.pre = pre
			for _, c := range pre {
				h.preTokens = append(h.preTokens, c.token)
			}
		}
	}
	if opts.Compress {
		if opts.CompressCodings != nil && len(opts.CompressCodings) == 0 {
			return errors.New("fileserver: Options.CompressCodings names no coding (nil means the default ones)")
		}
		comp, err := parseCodings("Options.CompressCodings", opts.CompressCodings)
		if err != nil {
			return err
		}
		if len(comp) > 0 {
			h.comp = comp
			for _, c := range comp {
				h.compTokens = append(h.compTokens, c.token)
			}
		}
		h.compressions = newBudget(opts.CompressBudget, DefaultCompressBudget, "compressions", "bytes", "CompressBudget", "sending files as they are", h.logger)
	} else if opts.CompressCodings != nil || opts.CompressBudget != 0 {
		return errors.New("fileserver: Options.CompressCodings or CompressBudget without Compress")
	}
	h.cacheControl = opts.CacheControl
	if opts.Fallback != "" {
		if !fs.ValidPath(opts.Fallback) || opts.Fallback == "." {
			return fmt.Errorf("fileserver: Options.Fallback %q is not a file name in the fs.FS", opts.Fallback)
		}
		if isEmbedded(h.fsys) {
			// Nothing can add it later: an embed.FS is part of the
			// program. The likely slip is the embed.FS given for the
			// fs.Sub of its build directory, whose files then all sit
			// one directory down.
			if fi, err := fs.Stat(h.fsys, opts.Fallback); err != nil || !fi.Mode().IsRegular() {
				return fmt.Errorf("fileserver: Options.Fallback %q is not a file of the embedded fs.FS (pass the fs.Sub of the directory that holds it)", opts.Fallback)
			}
		}
		h.fallback = opts.Fallback
	}
	return nil
}

// isEmbedded reports whether fsys is an embed.FS, or an fs.Sub of one or
// any wrapper that passes its Stat on: whether its root is an embedded
// directory.
func isEmbedded(fsys fs.FS) bool {
	fi, err := fs.Stat(fsys, ".")
	return err == nil && embedFileInfo != nil && reflect.TypeOf(fi) == embedFileInfo
}

// Close refuses new uploads and waits for those in flight
// ([Options.Upload]), then releases the directory handle a [NewDir]
// handler holds; call it after the server's Shutdown. Requests after
// Close get 503 Service Unavailable (through Options.ErrorHandler). For
// a [New] handler it returns at once.
func (h *Handler) Close() error {
	h.closed.Store(true)
	h.uploads.closeAndWait()
	if h.dirfs != nil {
		return h.dirfs.close()
	}
	return nil
}

// ServeHTTP answers GET and HEAD as Python's SimpleHTTPRequestHandler
// does (see the package documentation), PUT and POST as uploads when
// [Options.Upload] is on, and every other method with 501 "Unsupported
// method ('POST')", through Options.ErrorHandler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.fsys == nil {
		panic(errNotNew)
	}
	if h.closed.Load() {
		// Its directory may be gone: answering 404 for files that exist
		// would hide the mistake of serving after Close.
		h.sendError(w, r, http.StatusServiceUnavailable, serviceUnavailable)
		return
	}
	if r.Method == "PRI" && r.RequestURI == "*" && r.ProtoMajor == 2 {
		// The first line of the HTTP/2 preface sent in the clear (curl
		// --http2-prior-knowledge): net/http answers every other HTTP/2
		// request line 505 itself, hands this one on, and closes the
		// connection after it. Python answers it as any HTTP/2 request
		// line, 505, not as an unknown method.
		h.sendError(w, r, http.StatusHTTPVersionNotSupported, "Invalid HTTP version ("+strings.TrimPrefix(r.Proto, "HTTP/")+")")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if h.upload && (r.Method == http.MethodPut || r.Method == http.MethodPost) {
			name, slash, escaped := h.requestName(r)
			h.serveUpload(w, r, name, slash, escaped)
			return
		}
		h.sendError(w, r, http.StatusNotImplemented, "Unsupported method ("+pyescape.Repr(r.Method)+")")
		return
	}
	name, slash, escaped := h.requestName(r)
	if h.upload && isTempName(name) {
		h.notFound(w, r, name, errTempFile)
		return
	}

	// One stat decides, before anything is opened: a missing file costs
	// a single system call, and a cached file is served without opening
	// it. An fs.FS that cannot stat is opened instead.
	var f fs.File
	var fi fs.FileInfo
	var err error
	if h.statFS != nil {
		var served bool
		if served, fi, err = h.statOrServeHit(w, r, name, slash); served {
			return
		}
	} else if fi = h.special(name); fi == nil {
		if f, err = h.open(r.Context(), name); err == nil {
			defer f.Close()
			fi, err = f.Stat()
		}
	}
	if err != nil {
		if h.fallbackFor(w, r, escaped, err) {
			h.serveFallback(w, r, name)
			return
		}
		h.notFound(w, r, name, err)
		return
	}
	switch {
	case fi.IsDir():
		h.serveDir(w, r, f, fi, name, slash)
	case slash:
		h.notFound(w, r, name, errTrailingSlash)
	case !fi.Mode().IsRegular():
		h.notFound(w, r, name, errNotRegular)
	default:
		h.serveRegular(w, r, f, fi, name)
	}
}

// requestName maps the request's URL path to a name in the tree, as
// Python's translate_path does, tells whether it ends in a slash, and
// returns the escaped path it was made from.
func (h *Handler) requestName(r *http.Request) (name string, slash bool, escaped string) {
	escaped = r.URL.EscapedPath()
	if strings.IndexByte(r.URL.RawPath, '#') >= 0 {
		// net/http keeps a fragment the client sent ("GET /a.txt#x")
		// in the path; Python drops it, and urlpath.Name does too when
		// given the raw path. A '#' sent as %23 is part of the name and
		// never reaches RawPath as a '#'.
		escaped = r.URL.RawPath
	}
	name, slash = urlpath.Name(escaped)
	if escaped == "" {
		// The bare mount point (http.StripPrefix("/static") given
		// "/static", or StripPrefix("/static/") given "/static/"): only
		// the client's path tells whether it ended in a slash.
		cpath, _ := clientPath(r)
		_, slash = urlpath.Name(cpath)
	}
	return name, slash, escaped
}

// clientPath returns the escaped path the client sent and the rest of the
// request target (query, fragment): they give the redirect target and the
// listing's title, whatever prefix was stripped before us.
func clientPath(r *http.Request) (escapedPath, rest string) {
	requestURI := r.RequestURI
	if requestURI == "" {
		requestURI = r.URL.RequestURI()
	}
	return urlpath.FromRequestURI(requestURI)
}

// location returns the Location header of target, a path that clientPath
// returned as base or one below base's directory, followed by rest. A
// request made in code (http.NewRequest, as an application's tests make
// them) has no RequestURI, and the path its URL gives lacks any prefix
// stripped before us: "/static/sub" would redirect to "/sub/", outside the
// mount. It gets a reference relative to its own URL instead ("./sub/"),
// which resolves right under any prefix; requests a server read keep
// Python's absolute path.
func location(r *http.Request, base, target, rest string) string {
	if r.RequestURI != "" {
		return urlpath.Location(target, rest)
	}
	dir := base[:strings.LastIndexByte(base, '/')+1]
	return "." + urlpath.Location(strings.TrimPrefix(target, dir), rest)
}

// serveDir answers for the directory name, which f is open on if it is
// not nil: a redirect to the path with a slash, the first index page, or
// the listing (Python's send_head and list_directory), or the archive its
// query asks for in its place.
func (h *Handler) serveDir(w http.ResponseWriter, r *http.Request, f fs.File, fi fs.FileInfo, name string, slash bool) {
	cpath, rest := clientPath(r)
	if !slash {
		hdr := w.Header()
		hdr["Location"] = []string{location(r, cpath, cpath+"/", rest)}
		hdr["Content-Length"] = own(zeroLength)
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	if h.listing && h.style == ListingRich && r.URL.RawQuery != "" {
		// Before the index pages: the rich listings link their style
		// sheet and script at the root, which may have one.
		if a := richAssetOf(r.URL.RawQuery); a != nil {
			h.serveRichAsset(w, r, a)
			return
		}
	}
	for _, index := range h.index {
		iname := joinName(name, index)
		ifi, err := h.regular(iname)
		if err == nil {
			h.serveRegular(w, r, nil, ifi, iname)
			return
		}
		if overload.Is(err) {
			// Whether there is an index page is not known: a listing
			// now would be the wrong answer.
			h.unavailable(w, r, iname, err)
			return
		}
	}
	if !h.listing {
		h.notFound(w, r, name, errListingDisabled)
		return
	}
	// Only a directory that is listed is archived: an index page keeps
	// its names from clients, and so does it from an archive.
	if h.archive && r.URL.RawQuery != "" {
		if af := archiveFormatOf(r.URL.RawQuery); af != nil {
			h.serveArchive(w, r, name, af)
			return
		}
	}
	h.serveListing(w, r, f, fi, name, cpath)
}

var zeroLength = []string{"0"}

// setCacheControl sets the Cache-Control that Options gives the regular
// file name, if any.
func (h *Handler) setCacheControl(w http.ResponseWriter, name string) {
	if h.cacheControl != nil {
		if v := h.cacheControl(name); v != "" {
			w.Header()["Cache-Control"] = []string{v}
		}
	}
}

// serveRegular serves the regular file name, which stat (or f.Stat, when
// f is open on it) found as fi, with its Cache-Control, as a precompressed
// copy or compressed if the options and the client allow, else as it is.
func (h *Handler) serveRegular(w http.ResponseWriter, r *http.Request, f fs.File, fi fs.FileInfo, name string) {
	h.setCacheControl(w, name)
	if (h.pre != nil || h.comp != nil) && h.serveEncoded(w, r, f, fi, name) {
		return
	}
	if err := h.serveFileAs(w, r, f, fi, name, nil); err != nil {
		h.fileError(w, r, name, err)
	}
}

// fileError answers err, the failure of the regular file name after
// serveRegular gave it its Cache-Control, as notFound does, without that
// Cache-Control (see dropCacheControl).
func (h *Handler) fileError(w http.ResponseWriter, r *http.Request, name string, err error) {
	h.dropCacheControl(w.Header(), name)
	h.notFound(w, r, name, err)
}

// dropCacheControl removes from hdr, before an error response, the
// Cache-Control that setCacheControl gave the file name: an error page
// gets none (an ErrorHandler such as http.Error keeps what it finds, and
// a 404 cached for a year as immutable would outlive the file's coming
// back). A Cache-Control the function did not give (it returned "") is
// an outer wrapper's, meant for every response: it stays.
func (h *Handler) dropCacheControl(hdr http.Header, name string) {
	if h.cacheControl != nil && h.cacheControl(name) != "" {
		delete(hdr, "Cache-Control")
	}
}

// serveFileAs serves the regular file name, which stat (or f.Stat, when
// f is open on it) found as fi, as itself or as the variant v of another
// file: from the cache when the cache holds this very version of it, else
// from disk. It returns the error of a file it cannot open (or that is no
// longer a regular file), having sent nothing, for the caller to answer.
func (h *Handler) serveFileAs(w http.ResponseWriter, r *http.Request, f fs.File, fi fs.FileInfo, name string, v *variant) error {
	if f == nil {
		if h.cache != nil {
			if id, ok := statID(fi); ok {
				if e := h.cache.get(name, id); e != nil {
					h.serveCached(w, r, name, e, v)
					return nil
				}
				if h.cache.keeps(name, id, h.now()) && h.cache.admits(name, id.size) {
					e, err := h.loadCached(r.Context(), name, id)
					if err != nil {
						return err
					}
					if e != nil {
						h.serveCached(w, r, name, e, v)
						return nil
					}
					// It changed while being read: serve it from disk.
				}
			}
		}
		var err error
		if f, err = h.open(r.Context(), name); err != nil {
			return err
		}
		defer f.Close()
		// The open file is what gets sent: its own stat gives the
		// headers, in case the name was replaced since the first one.
		if fi, err = f.Stat(); err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return errNotRegular
		}
	}
	h.serveFile(w, r, f, fi, name, v)
	return nil
}

var (
	errListingDisabled = errors.New("directory listing disabled")
	errTrailingSlash   = errors.New("trailing slash on a file")
	errNotRegular      = errors.New("not a regular file")
	errTempFile        = errors.New("an upload's temporary file")
)

// regular returns the stat of name if it is a regular file, following
// links as Python's os.path.isfile does, and else the error of the stat
// or errNotRegular.
func (h *Handler) regular(name string) (fs.FileInfo, error) {
	fi, err := h.stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errNotRegular
	}
	return fi, nil
}

// lstatFS is an fs.FS that stats a name without opening it or following
// a final link: fs.ReadLinkFS, which os.DirFS and fs.Sub implement since
// Go 1.25.
type lstatFS interface {
	Lstat(name string) (fs.FileInfo, error)
}

// special returns the Lstat of name if it is a special file (a FIFO, a
// device, a socket) of an fs.FS that cannot stat a name without opening
// it (fs.Sub of os.DirFS), and else nil. Such a name must not be opened:
// opening a FIFO waits for a writer, which would hang the request. A link
// is left for Open or fs.Stat to follow, as before.
func (h *Handler) special(name string) fs.FileInfo {
	if h.statFS != nil {
		return nil
	}
	l, ok := h.fsys.(lstatFS)
	if !ok {
		return nil
	}
	fi, err := l.Lstat(name)
	if err != nil {
		return nil
	}
	if t := fi.Mode().Type(); t.IsDir() || t.IsRegular() || t&fs.ModeSymlink != 0 {
		return nil
	}
	return fi
}

// stat is fs.Stat of name, but for a special file of an fs.FS that would
// open it to stat it: its Lstat, which is all its Stat would say.
func (h *Handler) stat(name string) (fs.FileInfo, error) {
	if fi := h.special(name); fi != nil {
		return fi, nil
	}
	return fs.Stat(h.fsys, name)
}

// open opens name in the fs.FS. An open that succeeds ends an episode of
// running out of file descriptors (see unavailable).
func (h *Handler) open(ctx context.Context, name string) (fs.File, error) {
	f, err := h.fsys.Open(name)
	if err == nil {
		h.overload.OK(ctx)
	}
	return f, err
}

// notFound answers 404 "File not found", whatever the cause, as Python
// does, and logs the cause: the response never says why. The exception
// is a cause that says the server, not the name, is at fault: see
// unavailable.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, name string, err error) {
	if overload.Is(err) {
		h.unavailable(w, r, name, err)
		return
	}
	level := slog.LevelDebug
	if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) && !clientNamesNothing(name, err) &&
		err != errTrailingSlash && err != errListingDisabled && err != errNotRegular && err != errTempFile {
		level = slog.LevelWarn
	}
	if h.logger.Enabled(r.Context(), level) {
		h.logger.LogAttrs(r.Context(), level, "fileserver: not found", slog.String("name", name), slog.Any("err", err))
	}
	h.sendError(w, r, http.StatusNotFound, "File not found")
}

// clientNamesNothing reports whether err says only that the client's path
// cannot name a file: one below a file (ENOTDIR), one too long for the OS,
// one with a NUL. Any client can send these, as often as it likes, so they
// are no news for the operator, unlike an I/O error or a link loop.
func clientNamesNothing(name string, err error) bool {
	return errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ENAMETOOLONG) || strings.IndexByte(name, 0) >= 0
}

// retryAfter is the Retry-After of a 503 for lack of file descriptors, in
// seconds. Descriptors come back as soon as responses in flight finish
// and idle connections close, which takes from milliseconds to seconds:
// a client that honours it comes back soon, yet not at once.
var retryAfter = []string{"1"}

// unavailable answers 503 "Service Unavailable" with Retry-After, for a
// name that could not be opened, stat'ed or read because the process ran
// out of file descriptors or memory (see [overload.Is]): the file may well
// exist, so 404 would be wrong, and a moment later the same request may
// succeed. (Python answers 404, as to any OSError; nginx and Go's
// http.FileServer answer 500.) The condition goes to the log once per
// episode, not once per request. It answers even when the request's
// context is done: net/http ends it as soon as the client half-closes its
// side, yet such a client still reads, and with nothing written it would
// get an empty 200.
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, name string, err error) {
	if be := (*budgetError)(nil); errors.As(err, &be) {
		be.b.log.Failed(r.Context(), err) // an episode of its own
	} else {
		h.overload.Failed(r.Context(), err)
	}
	if h.logger.Enabled(r.Context(), slog.LevelDebug) {
		h.logger.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: unavailable", slog.String("name", name), slog.Any("err", err))
	}
	w.Header()["Retry-After"] = own(retryAfter)
	h.sendError(w, r, http.StatusServiceUnavailable, serviceUnavailable)
}

// serviceUnavailable is the message of a 503, as Python's send_error(503)
// would default it.
const serviceUnavailable = "Service Unavailable"

// defaultError sends an error as Python's send_error(code, message) does,
// through errorpage: Python's page, or the one of the errorpage middleware
// the handler runs in.
func defaultError(w http.ResponseWriter, r *http.Request, code int, message string) {
	errorpage.Error(w, r, code, message, "")
}

// internalError is the message of a 500, as Python's send_error(500)
// would default it.
const internalError = "Internal Server Error"

// serveFile sends a regular file, open as f and found as fi by f's own
// Stat, as itself or as the variant v of another: Python's headers and
// If-Modified-Since rule (after If-Match and If-Unmodified-Since, when the
// request has them: see notModifiedUnlessFailed), then http.ServeContent
// for ETag, Range and the other conditionals.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, f fs.File, fi fs.FileInfo, name string, v *variant) {
	var rs io.ReadSeeker
	var watch shortWatch // nil: a file that net/http may send by its descriptor
	switch ff := f.(type) {
	case *os.File:
		sized := newSizedFile(ff, fi) // fi is ff's own stat
		rs, watch = sized, sized
	case syscall.Conn:
		// An OS file wrapped by an fs.FS of its own: sendfile(2)
		// sends it, as it would without us (read below if it cannot
		// seek).
		rs, _ = f.(io.ReadSeeker)
	case io.ReadSeeker:
		if sfi, ok := seekSize(ff, fi); ok {
			sf := &seekFile{rs: ff, size: sfi.Size()}
			rs, watch, fi = sf, sf, sfi
		}
	}
	if rs == nil {
		// A file that cannot seek (a file of a zip.Reader), or whose
		// Seek fails: read from its start, for the size its Stat gave.
		if fi.Size() < 0 {
			// A size its fs.FS got wrong, and no seek to find the
			// right one: http.ServeContent would answer a plain-text
			// 500 "seeker can't seek", past the error pages.
			h.logger.LogAttrs(r.Context(), slog.LevelError, "fileserver: file of negative size", slog.String("name", name), slog.Int64("size", fi.Size()))
			h.sendError(w, r, http.StatusInternalServerError, internalError)
			return
		}
		fr := newForwardReader(f, fi.Size())
		rs, watch = fr, fr
	}
	var ctype string
	if v != nil {
		ctype = v.ctype[0]
	} else {
		ctype = h.types.lookup(name)
		if ctype == "" && h.sniff {
			ctype = sniffType(rs)
		}
		if ctype == "" {
			ctype = "application/octet-stream"
		}
	}
	mtime := fi.ModTime()
	hdr := w.Header()
	etag := v.etag(h.etag(r.Context(), name, fi, rs))
	if etag != "" {
		hdr["Etag"] = []string{etag} // canonical key: skip Set's canonicalisation
	}

	req := r
	if ims, present := r.Header["If-Modified-Since"]; present {
		// Python's rule decides (see notModifiedSince), not ServeContent's.
		if _, inm := r.Header["If-None-Match"]; !inm && len(ims) > 0 && hasMtime(mtime) &&
			notModifiedSince(ims[0], mtime) {
			if r.Header["If-Match"] == nil && r.Header["If-Unmodified-Since"] == nil {
				w.WriteHeader(http.StatusNotModified)
			} else {
				h.notModifiedUnlessFailed(w, r, name, v, mtime, rs)
			}
			return
		}
		req = r.Clone(r.Context())
		req.Header.Del("If-Modified-Since")
	}
	hdr["Content-Type"] = []string{ctype}
	setEpochModified(hdr, mtime)
	if v != nil {
		hdr["Content-Encoding"] = own(v.coding.value)
		// ServeContent sends no Content-Length with a
		// Content-Encoding (it expects a middleware to encode), which
		// would send the body chunked and cost the response its
		// sendfile. Without a Range (a variant never gets one) it
		// sends the whole file, or a 304 that drops the header again,
		// or a 412 that preconditionWriter sends without it.
		hdr["Content-Length"] = []string{strconv.FormatInt(fi.Size(), 10)}
	}
	if mayFail(r) {
		w = &preconditionWriter{ResponseWriter: w, h: h, r: r, name: cacheControlName(name, v)}
		if epochUnmodifiedSinceFails(r, mtime) {
			w.WriteHeader(http.StatusPreconditionFailed)
			return
		}
		req = fixRange(strongIfRange(req, mtime), fi.Size())
		if _, ok := rs.(*forwardReader); ok {
			// Its parts could go backwards in a file that
			// cannot seek: the whole file, as to a client that
			// asked for none.
			req = singleRange(req)
		}
		var done func()
		req, done = h.limitMultiRange(req)
		defer done()
	}
	// A small file is read whole and goes out in one write with its
	// headers (inlineMax). Not for a Range: ServeContent may read a
	// multipart body's parts from a goroutine that outlives it, and the
	// buffer goes back to a pool. Nor with If-None-Match, which is most
	// often answered 304, without reading the file, nor for a HEAD.
	if size := fi.Size(); size > 0 && size <= inlineMax && r.Method != http.MethodHead &&
		r.Header["Range"] == nil && r.Header["If-None-Match"] == nil {
		if m, ok := readInline(rs, size); ok {
			defer m.release()
			w, rs = inlineWriter{ResponseWriter: w, m: m}, m
		}
	}
	http.ServeContent(w, req, name, mtime, rs)
	if watch != nil && watch.cutShort() {
		// The file shrank while it was sent, or its fs.FS failed to
		// read it to the end: the body is short of its
		// Content-Length. net/http closes an HTTP/1.1 connection then,
		// but HTTP/2 ended the stream as if the body were whole, and a
		// middleware that sends the body chunked (a compressor) ended
		// it with its last chunk. What was written goes out, then the
		// response is cut, for every client to see it incomplete.
		http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}
}

// own returns a copy of the header values vals, which are shared (the
// cache's, or a package's): a handler or middleware after ours may edit
// the values of a header in place, which must not change them for
// every later response.
func own(vals []string) []string { return slices.Clone(vals) }

// hasMtime reports whether the FS gave the file a modification time
// (embed.FS and some fstest.MapFS files have none). The Unix epoch is a
// time like any other, as in Python: a file touched to it has it.
func hasMtime(t time.Time) bool { return !t.IsZero() }

// setEpochModified sets the Last-Modified of a file whose modification time
// is the Unix epoch, which http.ServeContent takes for "no time" and leaves
// out; Python sends "Thu, 01 Jan 1970 00:00:00 GMT".
func setEpochModified(hdr http.Header, mtime time.Time) {
	if !mtime.IsZero() && mtime.Unix() == 0 {
		hdr["Last-Modified"] = own(epochModified)
	}
}

var epochModified = []string{time.Unix(0, 0).UTC().Format(http.TimeFormat)}

// etag returns a strong validator: the mtime in nanoseconds and the size
// (two versions of one size stamped within one tick of the file
// system's clock share it),
// or, for a file without mtime, a hash of its content. The hash is taken
// once and kept for content that cannot change: a file of an embed.FS,
// whether served through the embed.FS itself, an fs.Sub of it or any
// wrapper that passes its Stat on, and any file of an FS declared
// Options.Immutable. Only the hash is kept, one per file.
func (h *Handler) etag(ctx context.Context, name string, fi fs.FileInfo, rs io.ReadSeeker) string {
	if hasMtime(fi.ModTime()) {
		return mtimeETag(fi.ModTime(), fi.Size())
	}
	var key any
	switch {
	case reflect.TypeOf(fi) == embedFileInfo:
		// The FileInfo of an embedded file is the file's own record,
		// compiled into the binary with its content: the same pointer
		// always means the same bytes, whatever name or wrapper led
		// to it.
		key = fi
	case h.immutable:
		key = name
	}
	if key != nil {
		if v, ok := h.hashes.Load(key); ok {
			return v.(string)
		}
	}
	if _, ok := rs.(*forwardReader); ok {
		return "" // hashing would read it all before it is sent
	}
	hash := fnv.New128a()
	// What is hashed is what is sent: the size of fi, not what a file
	// holds past it, which for a file of an fs.FS whose Read never ends
	// would be forever.
	if _, err := io.CopyN(hash, rs, fi.Size()); err != nil {
		h.logger.LogAttrs(ctx, slog.LevelWarn, "fileserver: hashing for ETag", slog.String("name", name), slog.Any("err", err))
		return ""
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return ""
	}
	tag := contentETag(hash.Sum(nil))
	if key != nil {
		h.hashes.Store(key, tag)
	}
	return tag
}

// embedFileInfo is the dynamic type of the fs.FileInfo that an embed.FS
// file's Stat returns, taken from the root of an empty embed.FS.
var embedFileInfo = func() reflect.Type {
	fi, err := fs.Stat(embed.FS{}, ".")
	if err != nil {
		return nil
	}
	return reflect.TypeOf(fi)
}()

// mtimeETag is the ETag of a file with a modification time.
func mtimeETag(mtime time.Time, size int64) string {
	b := make([]byte, 0, 40)
	b = append(b, '"')
	b = strconv.AppendInt(b, mtime.UnixNano(), 16)
	b = append(b, '-')
	b = strconv.AppendInt(b, size, 16)
	b = append(b, '"')
	return string(b)
}

// contentETag is the ETag of a file without one, from the FNV-128a hash
// of its content.
func contentETag(sum []byte) string { return fmt.Sprintf(`"%x"`, sum) }
