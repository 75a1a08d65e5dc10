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
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/simplehttp/simplehttp/errorpage"
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

	// hashes caches content ETags of an immutable embed.FS, whose files
	// carry no modification time.
	immutable bool
	hashes    sync.Map // name -> string
}

// New returns a Handler serving fsys, which may be any [fs.FS]:
// [os.DirFS], an [embed.FS], an [os.Root]'s FS, or an [fstest.MapFS].
// Files whose fs.File is an *os.File are sent with sendfile(2).
// opts.Symlinks must be the zero value: fsys itself decides how links
// resolve (use [NewDir] for a policy).
func New(fsys fs.FS, opts Options) (*Handler, error) {
	if fsys == nil {
		return nil, errors.New("fileserver: nil fs.FS")
	}
	if opts.Symlinks != SymlinksFollow {
		return nil, errors.New("fileserver: Options.Symlinks applies to NewDir only; with New the fs.FS resolves links")
	}
	return newHandler(fsys, opts)
}

// NewDir returns a Handler serving the OS directory dir, with the symbolic
// link policy of opts.Symlinks. It returns an error if dir is not a
// directory. Call [Handler.Close] when done with the handler to release the
// directory handle that SymlinksInside and SymlinksNever keep open.
func NewDir(dir string, opts Options) (*Handler, error) {
	d, err := newDirFS(dir, opts.Symlinks)
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
	_, h.immutable = fsys.(embed.FS)
	return h, nil
}

// Close releases the directory handle a [NewDir] handler may hold. The
// handler must not serve requests after Close. It is a no-op for [New].
func (h *Handler) Close() error {
	if h.dirfs != nil {
		return h.dirfs.close()
	}
	return nil
}

// ServeHTTP answers GET and HEAD as SPEC §1.2 describes and every other
// method with 501, through [errorpage.Error].
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		errorpage.Error(w, r, http.StatusNotImplemented, "Unsupported method ("+pyRepr(r.Method)+")", "")
		return
	}
	// The path the client sent: it gives the redirect target and the
	// listing's title, whatever prefix was stripped before us.
	requestURI := r.RequestURI
	if requestURI == "" {
		requestURI = r.URL.RequestURI()
	}
	clientPath, rest := urlpath.FromRequestURI(requestURI)

	escaped := r.URL.EscapedPath()
	name, slash := urlpath.Name(escaped)
	if escaped == "" {
		// The bare mount point (http.StripPrefix("/static") given
		// "/static", or StripPrefix("/static/") given "/static/"): only
		// the client's path tells whether it ended in a slash.
		_, slash = urlpath.Name(clientPath)
	}

	f, err := h.fsys.Open(name)
	if err != nil {
		h.notFound(w, r, name, err)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		h.notFound(w, r, name, err)
		return
	}
	if fi.IsDir() {
		if !slash {
			w.Header().Set("Location", urlpath.Location(clientPath+"/", rest))
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		for _, index := range h.index {
			iname := joinName(name, index)
			if fi, ok := h.regular(iname); ok {
				idx, err := h.fsys.Open(iname)
				if err != nil {
					h.notFound(w, r, iname, err)
					return
				}
				defer idx.Close()
				h.serveFile(w, r, idx, fi, iname)
				return
			}
		}
		if !h.listing {
			h.notFound(w, r, name, errListingDisabled)
			return
		}
		h.serveListing(w, r, f, name, clientPath)
		return
	}
	if slash {
		h.notFound(w, r, name, errTrailingSlash)
		return
	}
	if !fi.Mode().IsRegular() {
		h.notFound(w, r, name, errNotRegular)
		return
	}
	h.serveFile(w, r, f, fi, name)
}

var (
	errListingDisabled = errors.New("directory listing disabled")
	errTrailingSlash   = errors.New("trailing slash on a file")
	errNotRegular      = errors.New("not a regular file")
)

// regular reports whether name is a regular file, following links as
// Python's os.path.isfile does.
func (h *Handler) regular(name string) (fs.FileInfo, bool) {
	fi, err := fs.Stat(h.fsys, name)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, false
	}
	return fi, true
}

// notFound answers 404 "File not found", whatever the cause, and logs the
// cause: the response never says why (SPEC §1.2.4).
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, name string, err error) {
	level := slog.LevelDebug
	if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) &&
		err != errTrailingSlash && err != errListingDisabled && err != errNotRegular {
		level = slog.LevelWarn
	}
	if h.logger.Enabled(r.Context(), level) {
		h.logger.LogAttrs(r.Context(), level, "fileserver: not found", slog.String("name", name), slog.Any("err", err))
	}
	errorpage.Error(w, r, http.StatusNotFound, "File not found", "")
}

// serveFile sends a regular file: Python's headers and If-Modified-Since
// rule, then http.ServeContent for ETag, Range and the other conditionals.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, f fs.File, fi fs.FileInfo, name string) {
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		h.logger.LogAttrs(r.Context(), slog.LevelError, "fileserver: file does not implement io.Seeker",
			slog.String("name", name), slog.String("type", fmt.Sprintf("%T", f)))
		errorpage.Error(w, r, http.StatusInternalServerError, "", "")
		return
	}
	ctype := h.types.lookup(name)
	if ctype == "" && h.sniff {
		ctype = sniffType(rs)
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	mtime := fi.ModTime()
	hdr := w.Header()
	etag := h.etag(r.Context(), name, fi, rs)
	if etag != "" {
		hdr["Etag"] = []string{etag} // canonical key: skip Set's canonicalisation
	}

	req := r
	if ims, present := r.Header["If-Modified-Since"]; present {
		// Python's rule decides (SPEC §1.2.5), not ServeContent's.
		if _, inm := r.Header["If-None-Match"]; !inm && len(ims) > 0 && hasMtime(mtime) &&
			notModifiedSince(ims[0], mtime) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		req = r.Clone(r.Context())
		req.Header.Del("If-Modified-Since")
	}
	hdr["Content-Type"] = []string{ctype}
	http.ServeContent(w, req, name, mtime, rs)
}

// hasMtime reports whether the FS gave the file a modification time
// (embed.FS and some fstest.MapFS files have none).
func hasMtime(t time.Time) bool { return !t.IsZero() && t.Unix() != 0 }

// etag returns a strong validator: the mtime in nanoseconds and the size,
// or, for a file without mtime, a hash of its content (cached for an
// immutable embed.FS).
func (h *Handler) etag(ctx context.Context, name string, fi fs.FileInfo, rs io.ReadSeeker) string {
	if hasMtime(fi.ModTime()) {
		b := make([]byte, 0, 40)
		b = append(b, '"')
		b = strconv.AppendInt(b, fi.ModTime().UnixNano(), 16)
		b = append(b, '-')
		b = strconv.AppendInt(b, fi.Size(), 16)
		b = append(b, '"')
		return string(b)
	}
	if h.immutable {
		if v, ok := h.hashes.Load(name); ok {
			return v.(string)
		}
	}
	hash := fnv.New128a()
	if _, err := io.Copy(hash, rs); err != nil {
		h.logger.LogAttrs(ctx, slog.LevelWarn, "fileserver: hashing for ETag", slog.String("name", name), slog.Any("err", err))
		return ""
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return ""
	}
	tag := fmt.Sprintf(`"%x"`, hash.Sum(nil))
	if h.immutable {
		h.hashes.Store(name, tag)
	}
	return tag
}

// pyRepr quotes a method token as Python's repr() does.
func pyRepr(s string) string {
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}
