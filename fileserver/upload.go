package fileserver

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/internal/overload"
	"github.com/simplehttp/simplehttp/internal/pyescape"
	"github.com/simplehttp/simplehttp/internal/samename"
	"github.com/simplehttp/simplehttp/internal/urlpath"
)

// DefaultMaxUploadSize is the largest request body an upload may have
// when Options.MaxUploadSize is zero.
const DefaultMaxUploadSize = 1 << 30

// maxUploadFiles bounds the files of one multipart upload: each waits
// until the last has arrived.
const maxUploadFiles = 1000

// maxOpenWaiting bounds the received files of the multipart uploads in
// progress that wait open for the rest of their upload, together; the
// files past it wait closed, under a hidden name (see tempFile.park).
// Held open, every file cost a descriptor for as long as its upload
// took: a client that posted 1,000 empty files and stalled held 1,000
// descriptors with one connection, and a few such clients took all of a
// server's, which then answered 503 to everyone.
const maxOpenWaiting = 256

// maxNameLen is the longest name an upload may create, in bytes: NAME_MAX
// of Linux's file systems.
const maxNameLen = 255

// defaultUploadIdleTimeout is Options.UploadIdleTimeout's default.
const defaultUploadIdleTimeout = time.Minute

// uploadOptions checks and takes the upload options.
func (h *Handler) uploadOptions(opts Options) error {
	if opts.MaxUploadSize < 0 || opts.UploadIdleTimeout < 0 {
		return errors.New("fileserver: Options.MaxUploadSize and UploadIdleTimeout must not be negative")
	}
	if !opts.Upload {
		if opts.MaxUploadSize != 0 || opts.UploadOverwrite || opts.UploadIdleTimeout != 0 || opts.UploadOrigins != nil {
			return errors.New("fileserver: Options.MaxUploadSize, UploadOverwrite, UploadIdleTimeout or UploadOrigins without Upload")
		}
		return nil
	}
	h.origins = map[string]bool{}
	for _, o := range opts.UploadOrigins {
		origin, ok := urlpath.Origin(o)
		if !ok {
			return fmt.Errorf("fileserver: Options.UploadOrigins: %q is not an origin (scheme://host[:port])", o)
		}
		h.origins[origin] = true
	}
	if !uploadsSupported {
		return errors.New("fileserver: Options.Upload is not supported on this system")
	}
	h.upload = true
	h.uploadBufs = newUploadBufBudget(uploadBufBudget, h.logger)
	h.openWaiting = newOpenWaiting(maxOpenWaiting, h.logger)
	h.maxUpload = opts.MaxUploadSize
	if h.maxUpload == 0 {
		h.maxUpload = DefaultMaxUploadSize
	}
	h.overwrite = opts.UploadOverwrite
	h.uploadIdle = opts.UploadIdleTimeout
	if h.uploadIdle == 0 {
		h.uploadIdle = defaultUploadIdleTimeout
	}
	return nil
}

// crossOrigin reports whether r is a browser's request from another
// origin than the server's (the request's Host) and UploadOrigins, by
// the browser's Sec-Fetch-Site header or else its Origin header; a
// request with neither is not a browser's. (Go 1.25's
// http.CrossOriginProtection decides the same way.) A browser's request
// that may come by DNS rebinding (see rebound) is taken for one from
// another origin too, unless UploadOrigins names its origin.
func (h *Handler) crossOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	site := r.Header.Get("Sec-Fetch-Site")
	switch {
	case site == "" && origin == "":
		return false // not a browser's
	case h.origins[origin]:
		return false
	case rebound(r):
		return true
	}
	switch site {
	case "same-origin", "none":
		return false
	case "":
		if u, err := url.Parse(origin); err == nil && u.Host != "" && u.Host == r.Host {
			return false
		}
	}
	return true
}

// rebound reports whether the browser's request r may come from a page
// that reached the server by DNS rebinding: a name of the attacker's,
// pointed at the server's address once the page is loaded, gives the
// page the server as its own origin, and the browser sends that name as
// Host and in Origin. It is so when r came to a loopback address under a
// Host that is not one of the machine's own: an IP address, localhost or
// a name under .localhost (which browsers resolve themselves), or the
// machine's host name, or a name the hosts file gives a loopback address.
// On another address any name can be the server's.
func rebound(r *http.Request) bool {
	la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	if ap, err := netip.ParseAddrPort(la.String()); err != nil || !ap.Addr().Unmap().IsLoopback() {
		return false
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if _, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")); err == nil {
		return false
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	if name, err := os.Hostname(); err == nil && host == strings.ToLower(name) {
		return false
	}
	return !loopbackNames()[host]
}

// hostsFile is the hosts file whose loopback names are the machine's own
// (see loopbackNames); tests change it.
var hostsFile = "/etc/hosts"

// loopbackNames are the names the hosts file gives a loopback address,
// lower case: Debian's fully qualified host name on 127.0.1.1,
// localhost.localdomain. A page cannot make them lead elsewhere, so they
// are the machine's own as its host name is. The file is read once, at
// the first upload a browser sends to a loopback address.
var loopbackNames = sync.OnceValue(func() map[string]bool { return readLoopbackNames(hostsFile) })

// readLoopbackNames reads the loopback names of the hosts file at path
// (none if it cannot be read).
func readLoopbackNames(path string) map[string]bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	names := make(map[string]bool)
	for line := range strings.Lines(string(b)) {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if a, err := netip.ParseAddr(f[0]); err != nil || !a.Unmap().IsLoopback() {
			continue
		}
		for _, n := range f[1:] {
			names[strings.TrimSuffix(strings.ToLower(n), ".")] = true
		}
	}
	return names
}

// uploadError is an upload refused or failed: the status and the message
// of the error page.
type uploadError struct {
	code int
	msg  string
	err  error // the cause, for the log; nil for a refusal of the request
	// cut: the body stopped arriving part-way, so what is left of it
	// cannot be told from the next request: the connection is closed.
	cut bool
}

func (e *uploadError) Error() string { return e.msg }

func refuse(code int, msg string) *uploadError { return &uploadError{code: code, msg: msg} }

// incomplete is the failure to read the body: 408 when it went idle for
// Options.UploadIdleTimeout (as nginx answers a stalled body), else 400
// (a client that went away, a malformed chunk).
func incomplete(err error) *uploadError {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &uploadError{code: http.StatusRequestTimeout, msg: "Upload idle too long", err: err, cut: true}
	}
	return &uploadError{code: http.StatusBadRequest, msg: "Incomplete upload", err: err, cut: true}
}

// checkUploadName reports why name may not be created by an upload, or
// nil. The rules are those a careful person expects of a server that
// writes to their disk: one plain, visible name, printable, of a length
// every file system takes, that no system treats specially.
func checkUploadName(name string) *uploadError {
	bad := func(why string) *uploadError { return refuse(http.StatusBadRequest, "Bad file name: "+why) }
	switch {
	case name == "":
		return bad("empty")
	case name == "." || name == "..":
		return bad("not a file name")
	case strings.ContainsAny(name, `/\`):
		return bad("contains a path separator")
	case name[0] == '.':
		return bad("hidden (starts with a dot)")
	case len(name) > maxNameLen:
		return bad("longer than " + strconv.Itoa(maxNameLen) + " bytes")
	case !utf8.ValidString(name):
		return bad("not valid UTF-8")
	}
	prev, inTag := rune(-1), false
	for _, c := range name {
		// C0 and C1 controls (NUL among them), DEL, and the
		// characters that change how text reads in a listing or a
		// terminal: bidirectional overrides, and the invisible ones
		// that make two names look the same (zero-width space, word
		// joiner, BOM, soft hyphen, combining grapheme joiner, the
		// Hangul and Khmer fillers that show as nothing, the
		// deprecated format characters U+206A-206F). The zero-width
		// joiner and non-joiner stay: emoji and Persian words are
		// written with them. So do the invisible characters that have
		// a use in a name where they have it, and only there (see
		// placedInvisible).
		if c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0xad || c == 0x034f || c == 0x061c || c == 0x115f || c == 0x1160 ||
			c == 0x17b4 || c == 0x17b5 || c == 0x180e || c == 0x200b || c == 0x200e || c == 0x200f ||
			(c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) || c == 0x3164 || c == 0xfeff || c == 0xffa0 ||
			!placedInvisible(prev, c, &inTag) {
			return bad("contains a control character")
		}
		prev = c
	}
	if inTag {
		return bad("contains a control character") // a flag's tags left open
	}
	if key := nameKey(name); key != name && isASCII(key) {
		// Characters that stand for ASCII ones (the Kelvin sign for
		// K, U+037E for ";") or show as nothing around them: the
		// name looks like one of ASCII characters alone, and those
		// are not compared with the directory's others (see
		// lookAlikeConflict).
		return bad("looks like a name of plain characters")
	}
	if name[0] == ' ' || name[len(name)-1] == ' ' || name[len(name)-1] == '.' {
		return bad("starts or ends with a space, or ends with a dot")
	}
	// The names Windows reserves for devices, with or without extension:
	// a share is often reached from Windows, and such a file cannot be
	// opened there.
	base := strings.ToUpper(name)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	base = strings.TrimRight(base, " ")
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return bad("reserved on Windows")
	}
	if strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT") {
		switch base[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return bad("reserved on Windows")
		}
	}
	return nil
}

// serveUpload answers PUT and POST when uploads are on. escaped is the
// URL path name was made from.
func (h *Handler) serveUpload(w http.ResponseWriter, r *http.Request, name string, slash bool, escaped string) {
	if h.crossOrigin(r) {
		h.sendError(w, r, http.StatusForbidden, "Cross-origin upload refused")
		return
	}
	if !h.uploads.enter() {
		h.sendError(w, r, http.StatusServiceUnavailable, "Server shutting down")
		return
	}
	defer h.uploads.done()
	var err *uploadError
	switch {
	case r.RequestURI == "*":
		// The asterisk form is for OPTIONS only (RFC 9112, section 3.2.4).
		err = refuse(http.StatusBadRequest, "Bad request target: *")
	case r.Method == http.MethodPut && len(r.Header["Content-Range"]) > 0:
		// A partial PUT: storing the fragment as the whole file would lose
		// the rest silently (RFC 9110, section 14.5, asks for 400).
		err = refuse(http.StatusBadRequest, "Content-Range in a PUT is not supported")
	case contentCoded(r.Header):
		// A body the client compressed on the way (HTTPie's --compress
		// sends deflate): stored as it came, the file would hold the
		// compressed bytes, served later as the file's own. RFC 9110,
		// section 15.5.16, answers 415 with the codings taken.
		w.Header().Set("Accept-Encoding", "identity")
		err = refuse(http.StatusUnsupportedMediaType, "Content-Encoding in an upload is not supported")
	case !urlpath.DecodesExactly(escaped):
		// The name would hold U+FFFD (or a NUL) where the client sent
		// other bytes. A directory's name that is not UTF-8, in the
		// escapes its listing links it with, is taken: checkUploadName
		// still refuses such a name for the file itself.
		err = refuse(http.StatusBadRequest, "Bad file name: not valid UTF-8")
	case r.Method == http.MethodPut:
		err = h.put(w, r, name, slash)
	case !slash && h.isFile(name):
		// Files are posted to their directory: the file at this URL
		// takes no POST, and a 404 would say it is not there.
		allow := "GET, HEAD"
		if h.mayPut(name) {
			allow = "GET, HEAD, PUT"
		}
		w.Header().Set("Allow", allow)
		err = refuse(http.StatusMethodNotAllowed, "Uploads are posted to a directory")
	default:
		err = h.post(w, r, name)
	}
	if err == nil {
		// Stored: an episode of running out of descriptors, or of
		// space, is over.
		h.overload.OK(r.Context())
		h.noSpace.OK(r.Context())
		return
	}
	if err.err != nil && overload.Is(err.err) {
		h.unavailable(w, r, name, err.err) // 503, Retry-After, logged once
		return
	}
	switch {
	case err.err != nil && isNoSpace(err.err):
		// Once per episode: the disk stays full until someone frees
		// it, and each retry would add a line.
		h.noSpace.Failed(r.Context(), err.err)
	case err.err != nil:
		level := slog.LevelWarn
		if err.code < 500 {
			level = slog.LevelDebug
		}
		h.logger.LogAttrs(r.Context(), level, "fileserver: upload failed", slog.String("name", name),
			slog.Int("status", err.code), slog.Any("err", err.err))
	}
	// The answer goes out even when the request's context is done: a
	// body that stalled cancels it (net/http does on a read error) while
	// the client still waits for an answer, and without one net/http
	// would send its default 200. To a client that is gone the write
	// just fails; the access log shows the failure either way. A body
	// left unread otherwise is net/http's to drain, or to close the
	// connection on if it is long.
	if err.cut && r.ProtoMajor == 1 {
		w.Header().Set("Connection", "close")
	}
	h.sendError(w, r, err.code, err.msg)
}

// mayPut reports whether a PUT to the file name is not refused for where
// it is: its directory takes uploads (checkUploadDir) both as the URL
// names it and where its links lead (openUploadDir, as put opens it: a
// link scripts -> cgi-bin leads into an excluded directory), its name is
// one an upload may make (checkUploadName), and it is not the Fallback
// file (checkFallback).
func (h *Handler) mayPut(name string) bool {
	dirName, base := splitName(name)
	if checkUploadName(base) != nil {
		return false
	}
	dir, real, e := h.openUploadDir(dirName)
	if e != nil {
		return false
	}
	dir.Close()
	return h.checkFallback(real, base) == nil
}

// isFile reports whether name is a regular file, as a GET finds it.
func (h *Handler) isFile(name string) bool {
	fi, err := h.stat(name)
	return err == nil && fi.Mode().IsRegular()
}

// contentCoded reports whether a request's body carries a content coding
// (Content-Encoding other than identity).
func contentCoded(hdr http.Header) bool {
	for _, v := range hdr["Content-Encoding"] {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
				return true
			}
		}
	}
	return false
}

// put stores the body of a PUT as name: 201 with Location when it
// creates the file, 204 when it replaces one (UploadOverwrite).
func (h *Handler) put(w http.ResponseWriter, r *http.Request, name string, slash bool) *uploadError {
	if slash || name == "." {
		return refuse(http.StatusBadRequest, "Bad file name: a PUT names a file, not a directory")
	}
	dirName, base := splitName(name)
	if e := checkUploadName(base); e != nil {
		return e
	}
	if e := h.checkSize(r.ContentLength); e != nil {
		return e
	}
	dir, real, e := h.openUploadDir(dirName)
	if e != nil {
		return e
	}
	defer dir.Close()
	if e := h.checkFallback(real, base); e != nil {
		return e
	}
	conds := preconditions(r.Header)
	existed, e := h.checkTarget(dir, base, conds, nil)
	if e != nil {
		return e
	}
	if e := h.checkFree(dir, r.ContentLength); e != nil {
		return e
	}
	body := h.body(w, r)
	t, e := h.receive(r, dir, body)
	if e != nil {
		return e
	}
	overwrite := h.overwrite
	t.syncEarly()
	if h.commitHook != nil {
		h.commitHook()
	}
	unlock := h.lockNames(dir)
	var names *dirNames // nil: the commit reads the names as it looks
	if conds != nil || overwrite {
		// The check and the commit share one reading of the
		// directory's names: each holds every other upload into the
		// directory waiting.
		names = &dirNames{}
		// Again, on what is there now that the body has arrived, and
		// under the lock every upload names its files with: two
		// clients that PUT their edits of one version with If-Match
		// cannot both pass the check before either commits, which
		// would replace the first edit with the second under a 204;
		// a link put at the name meanwhile is not replaced, and a
		// file is answered 204, as replaced. (Without overwrite, the
		// exclusive link of the commit refuses any name that is
		// there.)
		if existed, e = h.checkTarget(dir, base, conds, names); e != nil {
			unlock()
			t.abort()
			return e
		}
		// "If-None-Match: *" holds at the commit itself: the
		// exclusive link fails if the name appeared meanwhile.
		overwrite = overwrite && !noneMatchAny(conds)
	}
	if existed && overwrite {
		datedAfter(t, dir, base)
	}
	// The ETag of the file as stored (its bytes are the body as sent, so
	// RFC 9110 lets the answer carry it): a client that edits it again
	// sends it with If-Match without a GET in between. Naming the file
	// leaves its time and size as they are.
	var etag string
	if fi, err := t.Stat(); err == nil {
		etag = mtimeETag(fi.ModTime(), fi.Size())
	}
	e = h.commit(dir, t, base, overwrite, nil, names)
	unlock()
	if e != nil {
		// The name appeared between the check and the exclusive link.
		// Any other refusal (its directory removed, a precompressed
		// copy or a look-alike name appeared) is answered as without
		// the header: 412 would tell the client that the file exists.
		if e.code == http.StatusConflict && e.msg == existsMsg && noneMatchAny(conds) {
			return preconditionFailed()
		}
		return e
	}
	cpath, _ := clientPath(r)
	w.Header().Set("Location", location(r, cpath, cpath, ""))
	if etag != "" {
		w.Header()["Etag"] = []string{etag}
	}
	if existed {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	w.Header()["Content-Length"] = own(zeroLength)
	w.WriteHeader(http.StatusCreated)
	return nil
}

// datedAfter dates t, about to replace the file base in dir, after that
// file (see laterThan): the new version's ETag, its time and size, must
// not be the one it replaces, which an edit sent with If-Match and the
// old ETag would then match. The caller holds the lock of dir's names.
func datedAfter(t *tempFile, dir *os.File, base string) {
	if cur, err := lstatAt(dir, base); err == nil && cur.exists {
		t.laterThan(cur.mtime)
	}
}

// splitName splits a valid name into its directory and its last element.
func splitName(name string) (dir, base string) {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[:i], name[i+1:]
	}
	return ".", name
}

func (h *Handler) checkSize(n int64) *uploadError {
	if n > h.maxUpload {
		return tooLarge(h.maxUpload)
	}
	return nil
}

// tooLarge refuses an upload past limit: MaxUploadSize, or the smaller
// limit of an http.MaxBytesReader a middleware in front put on the body
// (http.MaxBytesHandler), which the *http.MaxBytesError of the body's
// read names.
func tooLarge(limit int64) *uploadError {
	return refuse(http.StatusRequestEntityTooLarge, "Upload larger than "+strconv.FormatInt(limit, 10)+" bytes")
}

// checkFree refuses at once an upload whose announced length the disk
// cannot take (it would fail with 507 anyway, after the whole body).
func (h *Handler) checkFree(dir *os.File, n int64) *uploadError {
	if n > 0 {
		if free := freeSpace(dir); free >= 0 && n > free {
			return refuse(http.StatusInsufficientStorage, "Not enough space on the disk")
		}
	}
	return nil
}

// openUploadDir opens the directory name, into which an upload writes,
// through the handler's os.Root: never outside the served directory, and
// following only the symbolic links the policy allows that resolve inside
// it, whatever the policy is for reads. The directory must be one an
// upload may write into (see checkUploadDir) both as the client named it
// and where it really is (real, a path from the root), whichever links
// led there: a link "keys" to ".ssh" does not take files into .ssh.
func (h *Handler) openUploadDir(name string) (_ *os.File, real string, _ *uploadError) {
	if e := h.checkUploadDir(name); e != nil {
		return nil, "", e
	}
	f, real, err := h.dirfs.openDirForWrite(name)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, "", &uploadError{code: http.StatusConflict, msg: "No such directory", err: err}
		case errors.Is(err, syscall.ENOTDIR):
			return nil, "", &uploadError{code: http.StatusConflict, msg: "Not a directory", err: err}
		}
		return nil, "", &uploadError{code: http.StatusForbidden, msg: "Upload refused", err: err}
	}
	if e := h.checkUploadDir(real); e != nil {
		f.Close()
		return nil, "", e
	}
	return f, real, nil
}

// checkFallback refuses base in the directory real (a path from the
// root) if it is the Fallback file or one of its precompressed copies:
// served for every client-side route, an uploader's file there would
// take over the application, and one that does not exist yet (a build
// not yet made, a misspelled name) would otherwise be free to create.
// Names are compared in any spelling that a file system may take for the
// same name (see samename: any letter case, Unicode forms, characters
// that show as nothing).
func (h *Handler) checkFallback(real, base string) *uploadError {
	if h.fallback == "" {
		return nil
	}
	name := base
	if real != "." {
		name = real + "/" + base
	}
	if samename.Equal(name, h.fallback) {
		return refuse(http.StatusForbidden, "Uploads to the fallback file are refused")
	}
	for _, c := range h.pre {
		if samename.Equal(name, h.fallback+c.ext) {
			return refuse(http.StatusForbidden, "Uploads to the fallback file are refused")
		}
	}
	return nil
}

// checkUploadDir refuses a directory (a path from the root) that uploads
// do not write into: a hidden one or one inside it (a share of a home
// directory must not take files into .ssh), and one of
// Options.ExcludeDirs or inside it.
func (h *Handler) checkUploadDir(name string) *uploadError {
	if name == "." {
		return nil
	}
	for elem := range strings.SplitSeq(name, "/") {
		if elem[0] == '.' {
			return refuse(http.StatusForbidden, "Uploads into hidden directories are refused")
		}
	}
	if h.excluded(name) {
		return refuse(http.StatusForbidden, "Uploads into this directory are refused")
	}
	return nil
}

// takesUploads reports whether uploads may write into the directory name
// (a path from the root; see checkUploadDir): its listing offers the
// upload form only then, not where every upload would get 403.
func (h *Handler) takesUploads(name string) bool {
	return h.upload && h.checkUploadDir(name) == nil
}

// checkTarget looks at what is at base in dir now: refused if it fails
// the preconditions conds (nil for none), is a directory, is any file
// when overwriting is off, or would be a new name that looks like
// another (names: dir's names, read once for several checks; nil to read
// them for this one). A name that appears later is caught by the
// exclusive link of the commit.
func (h *Handler) checkTarget(dir *os.File, base string, conds http.Header, names *dirNames) (existed bool, _ *uploadError) {
	cur, err := lstatAt(dir, base)
	if err != nil {
		return false, &uploadError{code: http.StatusForbidden, msg: "Upload refused", err: err}
	}
	if conds != nil {
		if e := checkPreconditions(conds, cur, h.currentETags(dir, base, cur)); e != nil {
			return cur.exists, e
		}
	}
	switch {
	case !cur.exists:
		if e := h.copyConflict(dir, base, nil); e != nil {
			return false, e
		}
		return false, h.lookAlikeConflict(dir, base, names)
	case cur.mode.IsDir():
		return true, refuse(http.StatusConflict, "A directory of that name exists")
	case !h.overwrite:
		return true, refuse(http.StatusConflict, existsMsg)
	case !cur.mode.IsRegular():
		return true, refuse(http.StatusConflict, "Not a regular file")
	}
	return true, nil
}

// copyConflict refuses base in dir, unless overwriting is on, if it names
// the precompressed copy of a file there, or a file whose copy is there:
// either would be sent in place of the other's file (see isCopyOfFile and
// hasCopy). The names in ours (nil for none) are files this same upload
// stored, a multipart one's earlier files: a file and its copy uploaded
// together replace nobody's.
func (h *Handler) copyConflict(dir *os.File, base string, ours map[string]bool) *uploadError {
	switch {
	case h.overwrite:
		return nil
	case h.isCopyOfFile(dir, base, ours):
		return refuse(http.StatusConflict, "A precompressed copy of a file that exists")
	case h.hasCopy(dir, base, ours):
		return refuse(http.StatusConflict, "A precompressed copy of that name exists")
	}
	return nil
}

// isCopyOfFile reports whether base in dir is named as a precompressed
// copy (Options.Precompressed) of a file that exists there, other than
// one of ours (see copyConflict): once
// created, it would be sent in place of that file to the clients that
// take its coding, which would replace the file for them as surely as
// overwriting it. The extension matches in any spelling that a file
// system may take for it (see samename): on one that ignores case (FAT,
// exFAT, macOS's), app.js.GZ is what the handler opens as app.js.gz, and
// app.js.zſt ("ſ" is an "s") what it opens as app.js.zst; ext4's
// casefold opens app.js.z\ufb06 (the ligature "st") as app.js.zst too, and
// ZFS's formKC app.js.\uff47z (a fullwidth "g") as app.js.gz. So every
// place in a name that is not ASCII where an extension may begin is
// looked at, not the extension's length in bytes or runes.
func (h *Handler) isCopyOfFile(dir *os.File, base string, ours map[string]bool) bool {
	for _, c := range h.pre {
		for _, orig := range copyOf(base, c.ext) {
			if ours[orig] {
				continue
			}
			if cur, err := lstatAt(dir, orig); err != nil || (cur.exists && !cur.mode.IsDir()) {
				return true
			}
		}
	}
	return false
}

// copyOf returns the names of which base may be the copy with the
// extension ext (see isCopyOfFile): none, or, for an ASCII name, one.
func copyOf(base, ext string) []string {
	if isASCII(base) {
		if i := len(base) - len(ext); i > 0 && strings.EqualFold(base[i:], ext) {
			return []string{base[:i]}
		}
		return nil
	}
	// From the end: a suffix with more characters that are not
	// ignorable than the ASCII ext has bytes is not ext in any spelling
	// (each such character keeps at least one in the key, and those that
	// compose into one make a letter that is not ASCII), nor is any
	// longer one. Weighing every suffix of a long name cost thousands of
	// keys for each file of an upload.
	var origs []string
	for i, n := len(base), 0; i > 0; {
		c, size := utf8.DecodeLastRuneInString(base[:i])
		i -= size
		if !samename.Ignorable(c) {
			if n++; n > len(ext) && isASCII(ext) {
				break
			}
		}
		if i > 0 && samename.Equal(base[i:], ext) {
			origs = append(origs, base[:i])
		}
	}
	return origs
}

// hasCopy reports whether a precompressed copy (Options.Precompressed) of
// base is in dir, other than one of ours: one uploaded first, within the second before the file,
// would be as fresh as the file and sent in its place to the clients that
// take its coding.
func (h *Handler) hasCopy(dir *os.File, base string, ours map[string]bool) bool {
	for _, c := range h.pre {
		if ours[base+c.ext] {
			continue
		}
		// A name too long for its copy has none.
		if cur, err := lstatAt(dir, base+c.ext); err == nil && cur.exists && !cur.mode.IsDir() {
			return true
		}
	}
	return false
}

// targetStat is what is at an upload's name: nothing (exists false), or
// an entry of that type (mode holds the type bits only), modification
// time, size and identity.
type targetStat struct {
	exists bool
	mode   os.FileMode
	mtime  time.Time
	size   int64
	id     fileIdent
}

// fileIdent tells a file from any other: its device and inode.
type fileIdent struct{ dev, ino uint64 }

// preconditions are the headers of a PUT that make it conditional, or nil
// when it has none.
func preconditions(hdr http.Header) http.Header {
	var conds http.Header
	for _, k := range []string{"If-Match", "If-None-Match", "If-Unmodified-Since"} {
		if v := hdr[k]; v != nil {
			if conds == nil {
				conds = make(http.Header, 3)
			}
			conds[k] = v
		}
	}
	return conds
}

func preconditionFailed() *uploadError {
	return refuse(http.StatusPreconditionFailed, "Precondition Failed")
}

// checkPreconditions evaluates the preconditions of a PUT against what is
// at its name (RFC 9110, section 13.2.2): If-Match, else
// If-Unmodified-Since, then If-None-Match, with the strong ETag and the
// modification time a GET of the file answers with. A false one is 412:
// the file is left as it is.
func checkPreconditions(conds http.Header, cur targetStat, etags []string) *uploadError {
	if conds == nil {
		return nil
	}
	if im := conds["If-Match"]; im != nil {
		if !matchETag(im, etags, cur.exists, true) {
			return preconditionFailed()
		}
	} else if ius := conds["If-Unmodified-Since"]; len(ius) > 0 && etags != nil {
		// A date that does not parse is ignored, as for a GET.
		if t, err := http.ParseTime(ius[0]); err == nil && cur.mtime.Truncate(time.Second).After(t) {
			return preconditionFailed()
		}
	}
	if inm := conds["If-None-Match"]; inm != nil && matchETag(inm, etags, cur.exists, false) {
		return preconditionFailed()
	}
	return nil
}

// noneMatchAny reports "If-None-Match: *" among conds: the PUT may only
// create the file.
func noneMatchAny(conds http.Header) bool {
	return conds != nil && matchETag(conds["If-None-Match"], nil, true, false)
}

// currentETags returns the ETags a GET of the file cur (base in dir) may
// answer with, which all name its current version: its own, and those of
// its encoded representations (compressed, or a precompressed copy), as
// a browser that sent Accept-Encoding holds. None for a missing name, a
// directory or a link.
func (h *Handler) currentETags(dir *os.File, base string, cur targetStat) []string {
	if !cur.exists || !cur.mode.IsRegular() {
		return nil
	}
	tag := mtimeETag(cur.mtime, cur.size)
	tags := []string{tag}
	for _, c := range h.comp {
		tags = append(tags, (&variant{coding: c}).etag(tag))
	}
	for _, c := range h.pre {
		// Fresh as sidecar takes it: no older than the original's second.
		if sc, err := lstatAt(dir, base+c.ext); err == nil && sc.exists && sc.mode.IsRegular() && sc.mtime.Unix() >= cur.mtime.Unix() {
			tags = append(tags, (&variant{coding: c}).etag(mtimeETag(sc.mtime, sc.size)))
		}
	}
	return tags
}

// matchETag reports whether the values of an If-Match (strong) or
// If-None-Match (weak comparison) header match one of etags, the current
// ETags (none when nothing is there): "*" matches whatever exists. A
// malformed list matches as far as it could be read.
func matchETag(vals []string, etags []string, exists, strong bool) bool {
	for _, s := range vals {
		for {
			s = strings.TrimLeft(s, " \t,")
			if s == "" {
				break
			}
			if s[0] == '*' {
				if exists {
					return true
				}
				s = s[1:]
				continue
			}
			weak := strings.HasPrefix(s, "W/")
			if weak {
				s = s[2:]
			}
			end := strings.IndexByte(s[min(1, len(s)):], '"')
			if len(s) < 2 || s[0] != '"' || end < 0 {
				break
			}
			tag := s[:end+2]
			s = s[end+2:]
			if slices.Contains(etags, tag) && (!weak || !strong) {
				return true
			}
		}
	}
	return false
}

// body is the request body, limited to the upload size and given up when
// no byte arrives for Options.UploadIdleTimeout.
func (h *Handler) body(w http.ResponseWriter, r *http.Request) *idleReader {
	return &idleReader{r: http.MaxBytesReader(w, r.Body, h.maxUpload), rc: http.NewResponseController(w), idle: h.uploadIdle,
		noDeadline: h.warnNoDeadline}
}

// warnNoDeadline says, once, that an upload's read deadline cannot be
// set: a middleware in front gives the handler a ResponseWriter without
// an Unwrap method, through which http.ResponseController reaches the
// connection. Uploads then have no idle limit, and one that stalls holds
// its file, its buffer and Close until the server closes its connection.
func (h *Handler) warnNoDeadline() {
	h.noDeadline.Do(func() {
		h.logger.Warn("fileserver: Options.UploadIdleTimeout has no effect: the ResponseWriter cannot set a read deadline (give the middleware's ResponseWriter an Unwrap method)")
	})
}

// idleReader moves the connection's read deadline forward before each
// read: a client that stops sending mid-upload is given up after
// idle, however long a steady upload takes.
type idleReader struct {
	r      io.Reader
	rc     *http.ResponseController
	idle   time.Duration
	noDead bool
	// noDeadline is called when the writer cannot set read deadlines.
	noDeadline func()
	// err is the first error other than io.EOF a read returned: the body
	// was cut (or too large), whatever a parser over it makes of that.
	err error
}

func (ir *idleReader) Read(p []byte) (int, error) {
	if !ir.noDead {
		if err := ir.rc.SetReadDeadline(time.Now().Add(ir.idle)); err != nil {
			ir.noDead = true // a writer that cannot: read without
			if errors.Is(err, http.ErrNotSupported) {
				ir.noDeadline()
			}
		}
	}
	n, err := ir.r.Read(p)
	if err != nil && err != io.EOF && ir.err == nil {
		ir.err = err
	}
	return n, err
}

// The copy buffers of uploads: 256 KiB, or 1 MiB for a body announced as
// large, which takes a sixth less CPU per MiB (fewer reads and writes).
// An upload holds its buffer for as long as its body takes to arrive, and
// a client that sends a burst and then trickles (or thousands of them) can
// keep it filled for the whole idle timeout: so the large buffers of the
// uploads in progress together stay within uploadBufBudget, and the
// uploads past it copy through 32 KiB (more system calls per MiB, the
// same bytes). 1,000 such clients held 655 MiB with 1 MiB each.
var (
	uploadBufPool      = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}
	bigUploadBufPool   = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}
	smallUploadBufPool = sync.Pool{New: func() any { b := make([]byte, smallUploadBuf); return &b }}
)

const (
	// bigBody is the announced length from which the 1 MiB buffer is
	// used.
	bigBody = 8 << 20
	// uploadBufBudget bounds the 256 KiB and 1 MiB buffers of the uploads
	// in progress, together: 64 at 1 MiB, 256 at 256 KiB.
	uploadBufBudget = 64 << 20
	// smallUploadBuf is the buffer of an upload past uploadBufBudget.
	smallUploadBuf = 32 << 10
)

// newUploadBufBudget is the budget of the large copy buffers of uploads in
// progress: n bytes.
func newUploadBufBudget(n int64, logger *slog.Logger) *budget {
	return newBudget(n, 0, "upload buffers", "bytes", "", "copying through "+strconv.Itoa(smallUploadBuf>>10)+" KiB", logger)
}

// uploadBuffer returns a copy buffer for the upload r, sized by the
// length its body announces, and the func that gives it back: the largest
// that fits uploadBufBudget, else a small one. Falling back to small
// buffers is logged once per episode, which ends when a large buffer
// fits again.
func (h *Handler) uploadBuffer(r *http.Request) (*[]byte, func()) {
	pools := []*sync.Pool{&uploadBufPool}
	sizes := []int64{256 << 10}
	if r.ContentLength >= bigBody {
		pools = []*sync.Pool{&bigUploadBufPool, &uploadBufPool}
		sizes = []int64{1 << 20, 256 << 10}
	}
	var err error
	for i, pool := range pools {
		size := sizes[i]
		if err = h.uploadBufs.take(r.Context(), size); err != nil {
			continue
		}
		bp := pool.Get().(*[]byte)
		return bp, func() {
			pool.Put(bp)
			h.uploadBufs.give(size)
		}
	}
	h.uploadBufs.log.Failed(r.Context(), err)
	bp := smallUploadBufPool.Get().(*[]byte)
	return bp, func() { smallUploadBufPool.Put(bp) }
}

// newOpenWaiting is the budget of the received files of multipart
// uploads that wait open: n files. It logs nothing: a file past it waits
// closed, which costs a link(2), and its upload is stored the same.
func newOpenWaiting(n int64, logger *slog.Logger) *budget {
	return newBudget(n, 0, "files of multipart uploads waiting open", "files", "", "keeping the others closed", logger)
}

// receive copies body into a new temporary file in dir. On any failure
// the file is gone when it returns.
func (h *Handler) receive(r *http.Request, dir *os.File, body io.Reader) (*tempFile, *uploadError) {
	t, err := createTemp(dir)
	if err != nil {
		return nil, h.writeError(err)
	}
	bp, release := h.uploadBuffer(r)
	_, err = io.CopyBuffer(onlyWriter{uploadWriter(t.File)}, onlyReader{body}, *bp)
	release()
	if err != nil {
		t.abort()
		var rerr *readError
		if errors.As(err, &rerr) {
			var mbe *http.MaxBytesError
			if errors.As(rerr.err, &mbe) {
				return nil, tooLarge(mbe.Limit)
			}
			return nil, incomplete(rerr.err)
		}
		return nil, h.writeError(err)
	}
	// The body is whole, even if the request's context is done by now:
	// net/http cancels it when the client half-closes the connection
	// after sending the request, while it waits for the answer.
	return t, nil
}

// uploadWriter is where received bytes go: the file, or in tests a writer
// that fails as a full disk does.
var uploadWriter = func(f *os.File) io.Writer { return f }

// noUnnamed turns unnamed (O_TMPFILE) temporary files off, for the tests
// of the named ones; only Linux has them, but the tests set it everywhere.
var noUnnamed bool

// onlyReader hides every method but Read, marking its errors as the
// client's; onlyWriter hides ReadFrom, so that CopyBuffer uses the buffer.
type onlyReader struct{ r io.Reader }

type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }

func (o onlyReader) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}

type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// commit gives the received file its name, replacing a file of that
// name if overwrite. In every case t is closed. ours are the files the
// same upload stored before (see copyConflict). The caller holds the
// lock of dir's names (lockNames); names are dir's names as read under
// it (nil to read them here).
func (h *Handler) commit(dir *os.File, t *tempFile, base string, overwrite bool, ours map[string]bool, names *dirNames) *uploadError {
	// Checked again now that the body has arrived: the file, or its
	// copy, may have been created by another upload meanwhile, and a
	// copy named after its file would be the fresher one. So may a
	// name that looks the same: the check and the naming hold the lock
	// of the directory's names together.
	if e := h.copyConflict(dir, base, ours); e != nil {
		t.abort()
		return e
	}
	if e := h.lookAlikeConflict(dir, base, names); e != nil {
		t.abort()
		return e
	}
	if h.nameHook != nil {
		h.nameHook()
	}
	if err := t.commit(base, overwrite); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return refuse(http.StatusConflict, existsMsg)
		}
		return h.writeError(err)
	}
	return nil
}

// writeError maps a failure to create, write or name a file.
func (h *Handler) writeError(err error) *uploadError {
	switch {
	case isNoSpace(err):
		return &uploadError{code: http.StatusInsufficientStorage, msg: "Not enough space on the disk", err: err}
	case isTooBig(err):
		return &uploadError{code: http.StatusRequestEntityTooLarge, msg: "File too large for the file system", err: err}
	case errors.Is(err, fs.ErrPermission), isReadOnly(err):
		return &uploadError{code: http.StatusForbidden, msg: "Upload refused", err: err}
	case errors.Is(err, fs.ErrNotExist):
		// The directory, open since the upload began, was removed
		// while the body arrived: the name can no longer be made
		// there, as for a PUT into a directory that is not there.
		return &uploadError{code: http.StatusConflict, msg: "No such directory", err: err}
	}
	return &uploadError{code: http.StatusInternalServerError, msg: internalError, err: err}
}

// received is a file of a multipart upload, received and not yet named.
type received struct {
	name string
	t    *tempFile
	size int64
	// Once named: the file (to tell it from one put there since) and the
	// hidden name the file it replaced is kept under until the upload
	// has stored all of its files ("" for none).
	id        fileIdent
	committed bool
	kept      string
	// unkept: it replaced a file that could not be kept (errCannotKeep).
	unkept bool
}

// post stores the files of a multipart/form-data POST to the directory
// name: every file, or none. Each part with a filename is a file (the
// field's name does not matter), stored under the last element of its
// filename; other parts are read and ignored. The files are named only
// once the whole body has arrived, in order; 201 and a page that links
// each, with Location when there is one.
func (h *Handler) post(w http.ResponseWriter, r *http.Request, name string) *uploadError {
	if e := h.checkSize(r.ContentLength); e != nil {
		return e
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return refuse(http.StatusUnsupportedMediaType, "Uploads are multipart/form-data")
	}
	dir, real, e := h.openUploadDir(name)
	if e != nil {
		if e.code == http.StatusConflict {
			e.code = http.StatusNotFound
			e.msg = "File not found"
		}
		return e
	}
	defer dir.Close()
	if e := h.checkFree(dir, r.ContentLength); e != nil {
		return e
	}
	body := h.body(w, r)
	head := &partHeadReader{r: body, left: -1}
	r.Body = io.NopCloser(head) // MultipartReader reads r.Body
	mr, err := r.MultipartReader()
	if err != nil {
		return &uploadError{code: http.StatusBadRequest, msg: "Malformed multipart body", err: err}
	}
	var files []*received
	defer func() {
		for _, f := range files {
			if f.t != nil {
				f.t.abort()
			}
		}
	}()
	waitingOpen := 0 // of files, those that took h.openWaiting
	defer func() { h.openWaiting.give(int64(waitingOpen)) }()
	seen := make(map[string]bool)
	var early dirNames // the directory's names, for the checks before each file
	for {
		head.left = maxPartHead
		part, err := mr.NextPart()
		head.left = -1
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, errPartHead) {
				return refuse(http.StatusBadRequest, "Multipart part header larger than "+strconv.Itoa(maxPartHead)+" bytes")
			}
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) || errors.As(body.err, &mbe) {
				return tooLarge(mbe.Limit)
			}
			if body.err != nil {
				return incomplete(body.err) // not the body's form: its transport
			}
			return &uploadError{code: http.StatusBadRequest, msg: "Malformed multipart body", err: err}
		}
		fname, isFile := partFileName(part)
		if !isFile || fname == "" {
			// A field, or a file input with no file chosen.
			if _, err := io.Copy(io.Discard, onlyReader{part}); err != nil {
				return h.partError(err)
			}
			continue
		}
		if e := checkUploadName(fname); e != nil {
			return named(e, fname)
		}
		if e := h.checkFallback(real, fname); e != nil {
			return named(e, fname)
		}
		// Two names that look the same are the same name twice.
		key := nameKey(fname)
		if seen[key] {
			return named(refuse(http.StatusConflict, "The same file name twice in one upload"), fname)
		}
		seen[key] = true
		if len(files) == maxUploadFiles {
			return refuse(http.StatusRequestEntityTooLarge, "More than "+strconv.Itoa(maxUploadFiles)+" files in one upload")
		}
		if _, e := h.checkTarget(dir, fname, nil, &early); e != nil {
			return named(e, fname)
		}
		t, e := h.receive(r, dir, part)
		if e != nil {
			return e
		}
		size, _ := t.Seek(0, io.SeekCurrent)
		if h.openWaiting.take(r.Context(), 1) == nil {
			waitingOpen++
		} else if err := t.park(); err != nil {
			t.abort()
			return h.writeError(err)
		}
		files = append(files, &received{name: fname, t: t, size: size})
	}
	if len(files) == 0 {
		return refuse(http.StatusBadRequest, "No file in the upload")
	}
	// Named under one hold of the lock of the directory's names, which
	// are read once for all of them: a post of many files into a large
	// directory would read it once per file. The files are synced to
	// disk before, so as not to hold the lock meanwhile.
	for _, f := range files {
		f.t.syncEarly()
	}
	ours := make(map[string]bool, len(files))
	names := &dirNames{}
	if h.commitHook != nil {
		h.commitHook()
	}
	unlock := h.lockNames(dir)
	for i, f := range files {
		if e := h.commitPart(dir, f, ours, names); e != nil {
			unlock()
			h.settle(dir, files[:i+1], true)
			return named(e, f.name)
		}
		ours[f.name] = true
		names.add(f.name)
	}
	unlock()
	h.settle(dir, files, false)
	h.writeUploaded(w, r, files)
	return nil
}

// named returns the refusal e of one file of a multipart upload with
// the file's name added: an upload carries several, and "File exists"
// alone does not say which. The name is quoted in Go's syntax, so that
// control and invisible characters show as escapes in the page and the
// log, and cut after 100 bytes. An error of the server's own (5xx) is
// not about the name and is left as it is.
func named(e *uploadError, name string) *uploadError {
	if e.code >= 500 {
		return e
	}
	quoted := strconv.Quote(name)
	if len(name) > 100 {
		i := 100
		for i > 0 && !utf8.RuneStart(name[i]) {
			i--
		}
		quoted = strconv.Quote(name[:i]) + "..."
	}
	n := *e
	n.msg += ": " + quoted
	return &n
}

// maxPartHead bounds what is read of a multipart body while the header of
// a part (with the boundary before it) is parsed: a browser's takes a few
// hundred bytes.
const maxPartHead = 64 << 10

var errPartHead = errors.New("multipart part header too large")

// partHeadReader reads a multipart body, no more than left bytes (unless
// left is negative) before it fails with errPartHead. mime/multipart holds
// a part's header in memory as it reads it, up to 10 MiB, and a client
// that sent that much and stalled kept it for as long as an upload may
// idle: 40 such clients held 620 MB.
type partHeadReader struct {
	r    io.Reader
	left int
}

func (p *partHeadReader) Read(b []byte) (int, error) {
	if p.left < 0 {
		return p.r.Read(b)
	}
	if p.left == 0 {
		return 0, errPartHead
	}
	if len(b) > p.left {
		b = b[:p.left]
	}
	n, err := p.r.Read(b)
	p.left -= n
	return n, err
}

// errCannotKeep is keepAside's error when the file system will not link
// the file to be replaced: it can be replaced, not put back.
var errCannotKeep = errors.New("the file system cannot link it")

// commitPart names a file of a multipart upload, whose files named before
// it are ours. With overwrite, the file it replaces is first linked to a
// hidden name, so that settle can put it back.
func (h *Handler) commitPart(dir *os.File, f *received, ours map[string]bool, names *dirNames) *uploadError {
	t := f.t
	f.t = nil
	if h.overwrite {
		// What is at the name now, under the lock: a link or a
		// directory put there while the post arrived is not replaced.
		existed, e := h.checkTarget(dir, f.name, nil, names)
		if e != nil {
			t.abort()
			return e
		}
		if existed {
			datedAfter(t, dir, f.name)
		}
	}
	id, err := t.ident()
	if err == nil && h.overwrite {
		f.kept, err = keepAside(dir, f.name)
		if errors.Is(err, errCannotKeep) {
			// Replaced all the same, as a PUT replaces it: should a
			// later file fail, this one stays (see settle).
			h.logger.Debug("fileserver: a replaced file cannot be kept to put back", slog.String("name", f.name), slog.Any("err", err))
			f.unkept, err = true, nil
		}
	}
	if err != nil {
		t.abort()
		return h.writeError(err)
	}
	if e := h.commit(dir, t, f.name, h.overwrite, ours, names); e != nil {
		return e
	}
	f.id, f.committed = id, true
	return nil
}

// partError maps the failure to read a part.
func (h *Handler) partError(err error) *uploadError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mbe.Limit)
	}
	return incomplete(err)
}

// settle ends the naming of a multipart upload's files. After a failure
// it takes back, last first, every file it named that is still there,
// putting back the file it replaced: the upload stores all of its files
// or none, and loses none that was there. A file another client put
// under the name since is left alone. Either way the replaced files
// kept aside are then removed.
func (h *Handler) settle(dir *os.File, files []*received, failed bool) {
	for i := len(files) - 1; i >= 0; i-- {
		f := files[i]
		if failed && f.committed {
			if cur, err := lstatAt(dir, f.name); err == nil && cur.exists && cur.id == f.id {
				switch {
				case f.kept != "":
					err = renameAt(dir, f.kept, f.name)
					if err == nil {
						f.kept = ""
					}
				case f.unkept:
					// The file it replaced is gone: the new one is
					// better than none.
					err = errors.New("the file it replaced could not be kept")
				default:
					err = unlinkAt(dir, f.name)
				}
				if err != nil {
					h.logger.Warn("fileserver: cannot take back an upload", slog.String("name", f.name), slog.Any("err", err))
				}
			}
		}
		if f.kept != "" {
			if err := unlinkAt(dir, f.kept); err != nil {
				h.logger.Warn("fileserver: cannot remove a replaced file", slog.String("name", f.name), slog.Any("err", err))
			}
		}
	}
	if failed {
		dir.Sync()
	}
}

// partFileName is the file name of a part, reduced to its last element
// whichever separator the client's system uses, and whether the part is a
// file at all (has a filename parameter).
func partFileName(p *multipart.Part) (string, bool) {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return "", false
	}
	name, ok := params["filename"]
	if !ok {
		return "", false
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name, true
}

// Python's listing page, around the list of the files an upload stored.
var uploadedHead = strings.TrimSuffix(listingHead, "Directory listing for ") + "Uploaded to "

const (
	uploadedMid  = "</title>\n</head>\n<body>\n<h1>Uploaded to "
	uploadedList = "</h1>\n<hr>\n<ul>\n"
	uploadedBack = "</ul>\n<hr>\n<p><a href=\""
	uploadedTail = "\">Back to the listing</a></p>\n</body>\n</html>\n"
)

// writeUploaded answers a multipart upload: 201, Location when one file
// was stored, and a page in the style of the listing that links each
// file (relative to the directory, as the listing's links are, whether
// the request's path ends in '/' or not).
func (h *Handler) writeUploaded(w http.ResponseWriter, r *http.Request, files []*received) {
	cpath, _ := clientPath(r)
	base := cpath
	// What the links start with: "" when the path ends in '/', else "./",
	// its last segment as the client sent it and a '/' (the links of a
	// page at /share/sub resolve against /share/). The segment is not
	// decoded: an escaped slash in it ("/%2F%2Fdir") would make "//dir/",
	// a link to another host, and "a%2F%2F..%2Fb", stored into b, would
	// make "a//../b/", which a browser resolves to a/b/. As sent, the
	// links resolve to the path the file was stored by, as Location.
	var rel []byte
	if !strings.HasSuffix(cpath, "/") {
		if seg := cpath[strings.LastIndexByte(cpath, '/')+1:]; seg != "" {
			rel = pyescape.AppendHTML([]byte("."), urlpath.Location(seg, ""))
			rel = append(rel, '/')
		}
		cpath += "/"
	}
	display := urlpath.UnescapeName(cpath)
	b := append([]byte(nil), uploadedHead...)
	b = pyescape.AppendHTML(b, display)
	b = append(b, uploadedMid...)
	b = pyescape.AppendHTML(b, display)
	b = append(b, uploadedList...)
	for _, f := range files {
		b = append(b, `<li><a href="`...)
		b = append(b, rel...)
		b = pyescape.AppendURL(b, f.name)
		b = append(b, `">`...)
		b = pyescape.AppendHTML(b, f.name)
		b = append(b, "</a> ("...)
		b = strconv.AppendInt(b, f.size, 10)
		b = append(b, " bytes)</li>\n"...)
	}
	b = append(b, uploadedBack...)
	if rel == nil {
		rel = []byte("./")
	}
	b = append(b, rel...)
	b = append(b, uploadedTail...)
	hdr := w.Header()
	if len(files) == 1 {
		hdr.Set("Location", location(r, base, cpath+string(pyescape.AppendURL(nil, files[0].name)), ""))
	}
	hdr["Content-Type"] = own(htmlType)
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusCreated)
	w.Write(b)
}

// uploadTracker counts the uploads in flight, so that Close can wait for
// them to finish or clean up: after the server has shut down, nothing an
// upload wrote is left half-way.
type uploadTracker struct {
	mu     sync.Mutex
	n      int
	closed bool
	idle   *sync.Cond
}

func (u *uploadTracker) enter() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return false
	}
	u.n++
	return true
}

func (u *uploadTracker) done() {
	u.mu.Lock()
	u.n--
	if u.n == 0 && u.idle != nil {
		u.idle.Broadcast()
	}
	u.mu.Unlock()
}

// closeAndWait refuses new uploads and waits for those in flight.
func (u *uploadTracker) closeAndWait() {
	u.mu.Lock()
	u.closed = true
	if u.idle == nil {
		u.idle = sync.NewCond(&u.mu)
	}
	for u.n > 0 {
		u.idle.Wait()
	}
	u.mu.Unlock()
}

// isTempName reports a name (of any depth) whose last element is a
// temporary file's, in any letter case: a file system that ignores case
// (vfat, exFAT, macOS's), where uploads use named temporary files for
// want of O_TMPFILE, opens ".SIMPLEHTTP-UPLOAD-..." as the file.
func isTempName(name string) bool {
	_, base := splitName(name)
	return len(base) >= len(tempPrefix) && strings.EqualFold(base[:len(tempPrefix)], tempPrefix)
}
