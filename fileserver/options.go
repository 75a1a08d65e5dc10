package fileserver

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// SymlinkPolicy says which symbolic links [NewDir] follows. The zero
// value is SymlinksFollow, Python's behaviour. Its text form, used by
// [SymlinkPolicy.String], [SymlinkPolicy.MarshalText] and
// [SymlinkPolicy.UnmarshalText] (and so by encoding/json and
// [flag.TextVar]), is "follow", "inside" or "never".
//
// The stricter policies cost more per request: on Linux 5.6 and later a
// name in a subdirectory is stat'ed with openat2(2) confined to the root,
// an fstat and a close (and a file opened with one openat2), one in the
// root itself with one fstatat(2), where SymlinksFollow makes one
// stat(2); SymlinksInside then follows a chain of up to 40 links, as the
// kernel does, where os.Root stops at 8. Elsewhere they walk the name a
// directory at a time: for a file two directories down, SymlinksInside
// makes 5 system calls and SymlinksNever 14 (each leading part checked
// for a link, then the walk).
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
	// listing (it shows sizes and times). DisableCache turns this off too,
	// and the compressed copies of Compress, but for an embed.FS's.
	DisableCache bool

	// CacheMaxBytes bounds the memory the cache holds: content, names and
	// a fixed overhead per file. If zero, 64 MiB. When it is full, a file
	// comes in only when it is asked for a second time before many others
	// are turned away (one asked for once is sent from disk, as with no
	// cache; so are a listing and, with Compress, a file's compressed
	// bytes), and entries nobody asked for since they were last
	// considered make room for it (SIEVE eviction), so the popular part
	// of a site stays in memory while files asked for once pass by.
	CacheMaxBytes int64

	// CacheMaxFileSize is the size of the largest file the cache keeps;
	// larger files are sent from disk with sendfile(2), and so are files
	// changed less than 2 seconds before, which it does not keep yet.
	// If zero, 64 KiB. On a 32-bit platform, this and CacheMaxBytes stop
	// at math.MaxInt (2 GiB less a byte), the most one slice holds.
	CacheMaxFileSize int64

	// ListingBudget bounds the directory entries that listings not
	// served from the cache may hold at once, across all requests: each
	// holds its entries and its page until the client has taken it (80 to
	// 250 bytes an entry), counted as they are read. A listing that would
	// pass the budget gets 503 with Retry-After (logged once while it
	// lasts), having read no more than a chunk of 1,024 past it, so that slow
	// clients asking for a huge directory cannot exhaust the memory;
	// alone, a listing of any size is served. If zero, 1,000,000 entries;
	// if negative, no bound. It is refused with DisableListing, where it
	// would do nothing.
	ListingBudget int

	// Immutable declares that the content of the served fs.FS never
	// changes while the handler serves it. It matters for files without
	// a modification time (a zero ModTime; a file dated the Unix epoch
	// has one, as in Python, and its ETag is made from it and its size,
	// "0-5"), whose ETag is a hash of their content: each is then hashed once and the hash kept
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
	// ('POST')" (any method but GET and HEAD, in Python's repr), 505
	// "Invalid HTTP version (2.0)" (the first line of the HTTP/2 preface,
	// "PRI * HTTP/2.0", sent over plain HTTP/1), and, beyond Python, 403 "Archive too large" (see Archive) and
	// 500 "Internal Server Error" when a listing cannot be encoded (the cause
	// goes to Logger), and 503 "Service Unavailable" when a file or
	// directory cannot be opened, stat'ed or read because the process is
	// out of file descriptors or memory (EMFILE, ENFILE, ENOMEM; Python
	// answers 404), with "Retry-After: 1" already set in w's header.
	// Otherwise nothing has been written to w when it is called.
	// If nil, errorpage.Error(w, r, code, message, "") sends the error:
	// Python's page, or the page of the errorpage middleware the handler
	// runs in.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, code int, message string)

	// Precompressed lists the content codings whose precompressed copies
	// are served in place of a file, in the order of preference: for
	// name, "br" is name.br, "zstd" name.zst, "gzip" name.gz. A copy is
	// used when the client's Accept-Encoding allows its coding, it is a
	// regular file no older than the original, and the request has no
	// Range (ranges are answered from the original). The modification
	// times are compared in whole seconds, since brotli -k gives the copy
	// the original's time cut to the second: a copy from the same second
	// as the original counts as fresh, one from an earlier second is
	// stale and ignored, and so is one that cannot be opened (its mode
	// denies it; logged at level Warn, at most once a minute), for the
	// next coding or the original. A copy goes out with the original's
	// Content-Type, its own Content-Encoding, Last-Modified and
	// Content-Length, an ETag of its own ending in "-br" (and so on),
	// Vary: Accept-Encoding, and sendfile when large. The file's own
	// responses carry Vary: Accept-Encoding too while it has a copy,
	// whatever its type (for a type Compress would not compress, a
	// request without the copy's coding stats the copies to know). The
	// copies are reached through the same fs.FS as the original, so the
	// same symbolic-link policy applies to them, and they are files like
	// any other: listed, and served under their own names. If nil, copies
	// are not looked for (Python's behaviour).
	Precompressed []string

	// Compress compresses the files of a compressible type (text, scripts,
	// JSON, XML, SVG, WebAssembly, fonts that are not compressed already;
	// never other images, audio, video or archives, nor an MPEG transport
	// stream, known by its bytes, whose .ts the host may type as text) of
	// 1 KiB to 16 MiB, and
	// the listings, with the best coding the client accepts among
	// CompressCodings. A file is compressed once per version and kept in the
	// small-file cache (checked by stat as the files are, so a changed file
	// never gets its old compressed bytes, and counted against
	// CacheMaxBytes, and let into it once it is full as a file is, when
	// asked for a second time, or revalidated by a client that holds
	// those bytes: asked for once, the file goes out as it is); a file
	// of an Immutable FS is kept there too,
	// unchecked, and a file of an embed.FS once for good, beside it. Where
	// nothing can keep it (DisableCache, an FS without Linux stat data that
	// is not Immutable, every such FS off Linux, a file larger than
	// CacheMaxBytes), a file is compressed again for each response, at a
	// faster level; its own stat, before and after it is read, must still
	// show the size, time and mode the request's stat saw (a file replaced
	// or written meanwhile is sent as it is, not compressed). Requests for
	// a version that is being compressed wait for that compression; one
	// that came after it began takes its bytes only when its stat shows
	// the version compressed (a Linux file whose ctime was over 2 seconds
	// old when it began, or a file that cannot change), since a file
	// rewritten with the same size within a tick of the clock, or on an
	// FS without Linux stat data with the same size and time, looks the
	// same: it waits for, or makes, a compression begun after it came. A listing's
	// page is kept compressed for its path as the listings' links write
	// it; another spelling of the path ("/dir//", "/d%69r/") is compressed
	// for its response only, at the faster level. A response that an
	// outer middleware already encodes (Content-Encoding set) is left
	// alone, Range requests are answered from the uncompressed file, and
	// every response of a compressible file carries Vary: Accept-Encoding.
	// A precompressed copy (Precompressed) is preferred over compressing.
	// If false, nothing is compressed (Python's behaviour).
	Compress bool

	// CompressCodings are the codings Compress uses, in the order of
	// preference. If nil, "br", "zstd", "gzip".
	CompressCodings []string

	// CompressBudget bounds the memory, in bytes, that the compressions
	// of Compress under way (files and listings) hold at once: the
	// content, its compressed bytes and the encoder's state, about 8
	// times the content's size for br, 6 for zstd and 2 for gzip (a
	// 16 MiB file took 128 MB with br). Content whose compression would
	// pass the budget is sent as it is (uncompressed, nothing kept;
	// logged once while it lasts), so that many large files asked for at
	// once cannot exhaust the memory; alone, a compression always runs.
	// If zero, [DefaultCompressBudget]; if negative, no bound.
	CompressBudget int64

	// CacheControl, if not nil, gives the Cache-Control header of each
	// file the handler sends (200, 206 and 304), from its name in the
	// fs.FS ("assets/app.3f9a2c1b.js"); "" sends none. Listings and
	// error pages never get one (the header is removed before
	// ErrorHandler runs, also for a 412 or 416 of the file, or a file that
	// cannot be opened). A value it gives replaces any Cache-Control an
	// outer wrapper set, and an error of that file goes to ErrorHandler
	// with neither (an errorpage middleware inside that wrapper puts the
	// wrapper's back); for "" the wrapper's is left as it is, on errors
	// too.
	// [ImmutableFingerprinted] makes one for bundler output. If nil, no
	// Cache-Control is sent (Python's behaviour).
	CacheControl func(name string) string

	// Fallback, if not empty, is the name of a file in the fs.FS
	// ("index.html") that is served, with 200, for a GET or HEAD of a
	// name that does not exist, for the client-side routes of a
	// single-page application: only when the last segment of the path
	// has no extension ("/users/42", not "/app.js") and the client's
	// Accept header takes text/html and does not prefer application/json
	// to it (axios's "application/json, text/plain, */*" names JSON and
	// takes HTML through */* only: it gets the 404, as the error page
	// negotiates it). Every other miss is still a 404, and
	// so is a name refused for another reason than not existing (a
	// symbolic link the policy refuses, a special file) or a path that
	// climbs with "..". The fallback goes out with Vary: Accept, and so
	// does the 404 of a route asked for by a client that does not take
	// HTML, whatever ErrorHandler sends. While
	// the Fallback file itself cannot be served (a misspelled name, a
	// build not yet made) those routes get 404, and Logger is told once
	// at level Warn; but New refuses a Fallback that is not a regular
	// file of an [embed.FS] (or of an fs.Sub of one), where nothing can
	// add it later: given the embed.FS where the fs.Sub of its build
	// directory was meant, every file sits one directory down. With
	// Upload, an upload to the Fallback file or a precompressed copy of
	// it (in any spelling a file system may take for it, through any
	// link) gets 403, whether it exists yet or not: it would be served for
	// every route. The file is sent as it is, whatever handler in front
	// runs the paths of its directory: a Fallback in a CGI directory
	// would send a script's source to every client. New refuses one in
	// a directory of ExcludeDirs (in any spelling ExcludeDirs compare);
	// without them, keep it out of those directories, and out of any
	// directory a symbolic link in its path leads into. If empty, there
	// is no fallback (Python's behaviour).
	Fallback string

	// Logger receives diagnostics (the real cause behind a 404, say).
	// If nil, slog.Default() is used. Their attributes may hold names a
	// client chose (a path it asked for): accesslog's
	// Middleware.SlogHandler and slog.TextHandler make them safe for a
	// terminal, but slog.JSONHandler leaves C1 control characters as they
	// are.
	Logger *slog.Logger

	// Upload accepts files into the served directory (only with
	// [NewDir], on Unix): PUT /dir/name with the file as the body, and
	// POST of multipart/form-data (one or many files, the form the
	// listing then shows, but in the directories that take none: hidden
	// ones and those of ExcludeDirs) to a directory's URL. See "Uploads" in the
	// package documentation for the answers and the guarantees. If false,
	// PUT and POST are answered 501, as Python does.
	Upload bool

	// MaxUploadSize is the largest request body an upload may have, in
	// bytes; a larger one is refused with 413, before a byte of it is
	// written when its length is announced. If zero, DefaultMaxUploadSize
	// (1 GiB).
	MaxUploadSize int64

	// UploadIdleTimeout is how long an upload may go without a byte of
	// its body arriving before it is given up (and leaves nothing
	// behind), however long a steady upload takes. If zero, one minute.
	// It moves the connection's read deadline (in place of
	// http.Server.ReadTimeout) through http.ResponseController, so a
	// middleware in front must give its ResponseWriter an Unwrap method:
	// where the deadline cannot be set, the log says so once, and an
	// upload that stalls waits until its connection is closed.
	UploadIdleTimeout time.Duration

	// UploadOrigins are origins ("https://files.example.com") besides
	// the server's own from which a browser may upload. A browser's
	// upload from any other origin is refused with 403: without this, a
	// form on any web site could make a visitor's browser post files,
	// with the credentials it keeps for this server. The server's own
	// origin is the request's Host; behind a proxy that changes Host,
	// name here the origin users reach it at. A browser's upload that
	// arrives on a loopback address under a Host other than an IP
	// address, localhost, a name under .localhost, the machine's host
	// name or a name /etc/hosts gives a loopback address is refused too, unless its origin is named here: a page that
	// reached the server by DNS rebinding (its own host name, pointed at
	// 127.0.0.1) is the server's origin as far as the browser can tell,
	// and so is a proxy on the same machine that keeps Host. Requests from clients that
	// are not browsers (no Origin or Sec-Fetch-Site header: curl, scripts)
	// are never refused for their origin. An origin matches as a browser
	// writes it: the host in any case, the scheme's default port or not
	// ("https://Files.Example.com:443" is "https://files.example.com");
	// a host that is not ASCII must be given in its punycode form
	// ("xn--...").
	UploadOrigins []string

	// UploadOverwrite lets an upload replace an existing file (never a
	// directory or a link, even one put at the name while the body
	// arrived), atomically: a PUT that replaces one, as its file is
	// named, gets 204 instead of 201. The new version, by PUT or form
	// post, is dated after the one it replaces, so that the two never
	// share an ETag (time and size) on a file system whose clock moves
	// in ticks. If false, an upload of a name that exists is refused
	// with 409. Either way a PUT's If-Match, If-None-Match and
	// If-Unmodified-Since are honoured (412 when false).
	UploadOverwrite bool

	// ExcludeDirs are directories that belong to another handler in
	// front of this one, as URL paths from the handler's root
	// ("/cgi-bin": clean, no trailing slash), compared as a file system
	// that ignores letter case, Unicode forms and characters that show as
	// nothing may compare them ("/CGI-BIN", "/cgi\u200b-bin"): the
	// CGI directories when a cgi.Handler runs in front (its Options.Dirs),
	// whose scripts' source no request reaches. Uploads never write into
	// them, nor into any directory inside them: 403, whether the request
	// names them or reaches them through a symbolic link (as for hidden
	// directories, always). Archives leave them out, with all they hold,
	// not even naming them; an archive of one is 404. Archives go by
	// path, as requests do: a symbolic link elsewhere in the tree that
	// leads into one is archived as a request through it is served
	// (see SymlinkPolicy), so do not make one. A request for them
	// that does reach this handler is served as any other. A Fallback
	// in one of them is refused. They are refused without Upload or
	// Archive, where they would do nothing.
	ExcludeDirs []string

	// Archive lets a client download a directory as one file: a GET of
	// the directory's URL (with its slash) with exactly the query
	// "download=zip", "download=tar.gz" or "download=tar.zst" answers
	// 200 with the archive, made while it is sent (never held in memory
	// or on disk), as application/zip, application/gzip or
	// application/zstd, with Content-Disposition: attachment and the
	// name of the directory ("root" for the root). Any other query is
	// ignored, as Python ignores it, and the HTML listing shows three
	// buttons that ask for them (a GET form: links would have wget
	// --recursive download each directory's subtree three times over).
	// All entries go under one directory of that name, with
	// relative names only (a backslash in a zip entry's name becomes '_';
	// in a tar, a name that is not UTF-8 goes in a GNU header, which
	// every tar reads, not in a PAX one, which must be UTF-8; a name not
	// in Unicode's NFC whose NFC form another entry of its directory
	// has, "cafe\u0301.txt" beside "caf\u00e9.txt", and what it holds,
	// go in as their bytes, a GNU header or a zip entry not marked
	// UTF-8, since bsdtar puts a UTF-8 name in NFC and would extract
	// the two as one file).
	// Files and directories go in with their permission bits and
	// modification time (in a zip file, the nearest it can hold: 1970
	// to 2106, and in its MS-DOS fields from 1980); files are read through the fs.FS, so the
	// symbolic-link policy of [NewDir] applies: a link a request could
	// not follow is left out, one it could is archived as what it points
	// to, and a link to a directory the walk is already in (a loop) is
	// left out (on Windows, whose file information has no inode, the
	// walk stops 256 directories down instead). Special files are left
	// out.
	//
	// Before the first byte goes out, a walk of the tree counts its
	// entries and bytes without reading a file; over ArchiveMaxEntries
	// or ArchiveMaxBytes the answer is 403 "Archive too large" (HEAD
	// gets the same status, after the same walk). While the archive is
	// sent, a file that has gone or is no longer a regular file is left
	// out and logged (a zip file names what was left out in its comment,
	// which unzip shows); a file is archived with the size it has when
	// opened. What cannot be left out whole (a file that shrinks or fails
	// while being read, a tree that grew past a limit since the count, a
	// file or directory that cannot be opened for lack of descriptors or
	// memory: 503 if the count meets it, logged once per episode with the
	// files that get 503, see Overload) aborts the response: the connection is cut, the client sees an incomplete
	// download, and every format detects it (no gzip or zstd
	// end, no zip central directory), instead of a complete-looking
	// archive with a file missing or cut short. A client that goes away
	// (or half-closes its side: net/http does not tell the two apart)
	// stops the walk at the next read, and the connection is cut the
	// same way, whether or not the download had begun. An archive reveals every name
	// under its directory, as the listings would, and so Archive cannot
	// be set with DisableListing; a directory with an index page, which
	// is never listed, is not archived either: a request for its archive
	// gets the index page (the query ignored), and the archives of the
	// directories above leave it out with all it holds (the zip comment
	// names it), so that an index page put there to keep its directory's
	// names to itself still does. If false, the query is ignored
	// (Python's behaviour).
	Archive bool

	// ArchiveMaxBytes bounds the content of the files of one archive
	// (their sizes, before compression). If zero, there is no bound:
	// an archive costs what downloading each of its files would.
	ArchiveMaxBytes int64

	// ArchiveMaxEntries bounds the number of files and directories of
	// one archive. If zero, [DefaultArchiveMaxEntries].
	ArchiveMaxEntries int

	// ArchiveBudget bounds the memory, in bytes, that the archives in
	// progress hold at once, across all requests: each holds its
	// compressor until its client has taken the last byte, which a slow
	// or stalled client can make last (3 MiB for a tar.zst, 1 MiB for a
	// tar.gz or zip), the entries of the directories it is in (about
	// 100 bytes each, with its name) and, for a zip file, all its
	// entries for its central directory (about 300 bytes each, with its
	// name), as the count before the first byte finds them. That count
	// holds the entries of the directories it is in, and charges them
	// as it reads them. An archive that would pass the budget gets 503
	// with Retry-After (logged once while it lasts), so that such clients
	// cannot exhaust the memory; alone, an archive is always served. If zero,
	// [DefaultArchiveBudget]; if negative, no bound.
	ArchiveBudget int64
	// Listing chooses the HTML listing of a directory without an index
	// page: [ListingPython] (the zero value) is Python's list_directory,
	// byte for byte; [ListingRich] is a table with sizes, modification
	// times and types, sortable through the query (?sort=size&order=desc),
	// with breadcrumbs and a filter box (see the package documentation,
	// "Rich listing"). The JSON listing is the same with either.
	Listing ListingStyle
}
