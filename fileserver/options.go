package fileserver

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
)

// SymlinkPolicy says which symbolic links [NewDir] follows. The zero
// value is SymlinksFollow, Python's behaviour. Its text form, used by
// [SymlinkPolicy.String], [SymlinkPolicy.MarshalText] and
// [SymlinkPolicy.UnmarshalText] (and so by encoding/json and
// [flag.TextVar]), is "follow", "inside" or "never".
type SymlinkPolicy int

const (
	// SymlinksFollow follows every link, wherever it points (Python's behaviour).
	SymlinksFollow SymlinkPolicy = iota
	// SymlinksInside follows only relative links that resolve inside the
	// served root (an [os.Root]).
	SymlinksInside
	// SymlinksNever follows no link at all.
	SymlinksNever
)

var symlinkPolicyNames = [...]string{SymlinksFollow: "follow", SymlinksInside: "inside", SymlinksNever: "never"}

// String returns "follow", "inside" or "never", or "SymlinkPolicy(n)"
// for a value that is none of the three.
func (p SymlinkPolicy) String() string {
	if p >= 0 && int(p) < len(symlinkPolicyNames) {
		return symlinkPolicyNames[p]
	}
	return "SymlinkPolicy(" + strconv.Itoa(int(p)) + ")"
}

// MarshalText returns "follow", "inside" or "never"; it fails for any
// other value.
func (p SymlinkPolicy) MarshalText() ([]byte, error) {
	if p < 0 || int(p) >= len(symlinkPolicyNames) {
		return nil, fmt.Errorf("fileserver: unknown %v", p)
	}
	return []byte(symlinkPolicyNames[p]), nil
}

// UnmarshalText sets p from "follow", "inside" or "never", exactly as
// written (the values of the simplehttp command's --symlinks flag); any
// other text is an error and leaves p as it was.
func (p *SymlinkPolicy) UnmarshalText(text []byte) error {
	for i, name := range symlinkPolicyNames {
		if string(text) == name {
			*p = SymlinkPolicy(i)
			return nil
		}
	}
	return fmt.Errorf("fileserver: unknown symlink policy %q: want follow, inside or never", text)
}

// Options configures a [Handler]. The zero value gives Python's
// SimpleHTTPRequestHandler, plus what the package documentation lists
// under "Beyond Python" that is on by default: content sniffing, ETags
// and conditional and Range requests, the JSON listing, the small-file
// cache.
type Options struct {
	// IndexNames are the index pages tried, in order, for a directory
	// (Python's index_pages). If nil, "index.html" then "index.htm".
	// An empty non-nil slice disables index pages.
	IndexNames []string

	// Extensions maps a file extension, with its dot, to a content type,
	// consulted before anything else (Python's extensions_map). It is
	// looked up exactly, then lower-cased. If nil, [DefaultExtensions] is
	// used; a non-nil map replaces it (copy DefaultExtensions to extend it).
	Extensions map[string]string

	// DisableSniff turns off content sniffing for files whose type no
	// table knows; they are then served as application/octet-stream,
	// as Python does.
	DisableSniff bool

	// DisableListing answers a directory without an index page with
	// 404 instead of a listing.
	DisableListing bool

	// DisableCache turns off the small-file cache: every file is then
	// read from disk on every request. The cache keeps files of up to
	// CacheMaxFileSize bytes in memory with their response headers and
	// checks on every request, with one stat(2), that the file is
	// unchanged (same device, inode, size, mtime and ctime); any change
	// makes it read the file again, so a changed file's old content,
	// length or type is never served. Files changed less than 2 seconds
	// before they are read are not kept. Only files of an FS whose Stat
	// reports Linux stat data ([NewDir], [os.DirFS], an [os.Root]'s FS)
	// are cached.
	//
	// The same cache keeps the HTML list of a directory (up to an eighth
	// of CacheMaxBytes each), checked by the stat of the directory:
	// adding, removing or renaming an entry changes its mtime and ctime,
	// so the list is rendered again. The title comes from each request.
	// A directory holding a symbolic link is never kept (whether a link
	// is shown as a directory depends on its target), nor is the JSON
	// listing (it shows sizes and times). DisableCache turns this off too.
	DisableCache bool

	// CacheMaxBytes bounds the memory the cache holds: content, names and
	// a fixed overhead per file. If zero, 64 MiB. When it is full, arbitrary
	// entries make room for new ones.
	CacheMaxBytes int64

	// CacheMaxFileSize is the size of the largest file the cache keeps;
	// larger files are sent from disk with sendfile(2). If zero, 64 KiB.
	CacheMaxFileSize int64

	// Immutable declares that the content of the served fs.FS never
	// changes while the handler serves it. It matters for files without
	// a modification time (a zero ModTime, or the epoch), whose ETag is a
	// hash of their content: each is then hashed once and the hash kept
	// (a few dozen bytes per file, never the content), instead of being
	// read in full on every request, 304s included. If false, such a file
	// is hashed on every request, so a changed file never carries a stale
	// ETag. The files of an [embed.FS], served directly or through
	// [fs.Sub], are hashed once whatever Immutable says: their content is
	// part of the program.
	Immutable bool

	// ErrorHandler sends every error response of the handler, with the
	// status code and the message Python's send_error gets for it:
	// 404 "File not found" (a name that cannot be opened, a trailing
	// slash on a file, a special file, a directory without index page
	// when DisableListing is set), 404 "No permission to list directory"
	// (a directory that cannot be read), 501 "Unsupported method
	// ('POST')" (any method but GET and HEAD, in Python's repr), and,
	// beyond Python, 500 "Internal Server Error" when the fs.FS gives a
	// file that cannot seek or a listing cannot be encoded (the cause
	// goes to Logger). Nothing has been written to w when it is called.
	// If nil, errorpage.Error(w, r, code, message, "") sends the error:
	// Python's page, or the page of the errorpage middleware the handler
	// runs in.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, code int, message string)

	// Logger receives diagnostics (the real cause behind a 404, say).
	// If nil, slog.Default() is used.
	Logger *slog.Logger
}
