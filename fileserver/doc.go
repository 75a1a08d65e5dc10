// Package fileserver serves a directory tree over HTTP the way Python's
// http.server.SimpleHTTPRequestHandler does, as an [http.Handler].
//
// It guarantees: a request never reaches a file outside the root except
// through a symbolic link that [NewDir]'s [SymlinkPolicy] allows (with
// [New], one the fs.FS follows); with zero [Options], a request without the
// headers Python ignores (Range, If-Range, If-Match, If-None-Match,
// If-Unmodified-Since, an Accept that prefers JSON) gets Python 3.14's
// status, Python's headers and the body byte for byte, error pages and
// listings included, except that a file also carries ETag and
// Accept-Ranges and a listing Vary: Accept, that a type no table knows is
// sniffed, that content types come from Python's built-in table before
// the host's registry (see Beyond Python), and that an error page keeps the
// connection, where Python's says Connection: close, unless it is a 400,
// 413, 414, 431, 500 or 501 (the errorpage middleware's
// Options.CloseAfterError gives Python's); a changed file is never served
// from the cache with its old bytes, length or type; regular files of an OS
// directory go out with sendfile(2), through any middleware that passes
// ReadFrom on; a [Handler] is safe for concurrent use.
//
// Create a [Handler] from any [fs.FS] with [New], or from an OS directory
// with [NewDir], and mount it anywhere:
//
//	h, err := fileserver.NewDir("site", fileserver.SymlinksFollow, fileserver.Options{})
//	static := http.StripPrefix("/static", h)
//	mux.Handle("/static/", static)
//	mux.Handle("/static", static) // the handler's 301 to /static/, not ServeMux's 307
//
// # Python's behaviour
//
// GET and HEAD map the URL path to a file as translate_path does (decoded
// once, "." and ".." resolved, never above the root); a directory without a
// trailing slash answers 301 to the same path with a slash and the query
// kept (an escaped slash, "/dir%2F", counts as one, as in Python 3.14,
// and so does it after a file: 404); a directory serves its first index page (index.html, index.htm) or
// a listing byte for byte like Python 3.14's list_directory; a file answers
// 200 with Content-Type, Content-Length and Last-Modified; If-Modified-Since
// follows Python's date rules exactly; anything that cannot be opened is
// 404 "File not found" (except for lack of descriptors: see Overload);
// any other method is 501. Errors are rendered by
// [errorpage.Error], so they carry Python's page unless the errorpage
// middleware installed another, or Options.ErrorHandler sends them.
//
// # Beyond Python
//
// Content types come from Options.Extensions, then a built-in copy of
// Python 3.14's mimetypes table (independent of /etc/mime.types), then Go's
// mime package (which reads the host's registry: the shared MIME database
// where there is one, else mime.types), then a sniff of the first 4096
// bytes with github.com/gabriel-vasile/mimetype (Options.DisableSniff turns
// it off).
// Files carry a strong ETag (mtime and size, or a content hash for an FS
// without mtimes such as embed.FS: taken once per file for an embed.FS, an
// [fs.Sub] of one, or an FS declared Options.Immutable, and on every
// request otherwise) and support Range, If-Range,
// If-None-Match, If-Match and If-Unmodified-Since through
// [http.ServeContent], with its gaps closed: a failed If-Match or
// If-Unmodified-Since answers 412 even where If-Modified-Since alone
// would answer 304 (RFC 9110 weighs them first; Python ignores both, and
// a request without them gets Python's answer), If-Unmodified-Since is
// weighed for a file dated the Unix epoch too (ServeContent alone takes
// the epoch for no time and skips it), an If-Range date matches
// only a file whose modification time is that very second with no
// fraction (ServeContent alone matches any time within the second, so a
// file replaced within the second of the client's copy would answer 206
// with bytes of the new version; it now sends the whole file, while an
// If-Range ETag, which has the modification time to the nanosecond, still
// gets its 206: two versions of one size that the file system stamped
// with the same time, within one tick of its clock, share an ETag),
// a suffix range of zero
// bytes gets 416 (ServeContent alone answers 206 with an inverted
// Content-Range), a Range in another unit or with a malformed range is
// ignored as RFC 9110 asks (ServeContent answers 416), and so is one of
// more than 200 ranges, as Apache's MaxRanges does, and one of several
// ranges while 256 such responses are in flight (each holds a goroutine
// and buffers while its client reads). Regular files larger than the
// cache's limit, opened as *os.File, are sent with sendfile(2), through
// any middleware whose writer passes ReadFrom on. A file of an fs.FS that
// cannot seek (an [archive/zip.Reader]'s, or one whose Seek fails) is served as well: read from its
// start, and up to a single range; a request for several ranges gets it
// whole, and without a modification time it gets no ETag. A client whose Accept header prefers
// application/json gets the listing as JSON. Options.DisableListing
// answers 404 instead of a listing.
//
// # Overload
//
// A file, directory or index page that cannot be opened, stat'ed or read
// because the process has run out of file descriptors (EMFILE, ENFILE) or
// kernel memory (ENOMEM) is answered 503 "Service Unavailable" with
// Retry-After: 1, not 404 as in Python: the file may well exist, and the
// same request may succeed a moment later. A name that stat(2) shows
// missing is still 404, and files in the cache are still served, since
// neither needs a descriptor. The condition goes to Options.Logger once
// when it begins (level Warn, with the error), at most once a minute
// while it lasts, and once when an open succeeds or an upload is stored
// again (level Info), each
// line with the count of failures since the previous one; each request it
// fails is logged at level Debug only.
//
// # Static assets
//
// Four options, all off by default, serve a web app's bundle as Caddy's
// file_server and nginx's gzip_static would: [Options.Precompressed]
// serves name.br, name.zst or name.gz to clients that accept the coding;
// [Options.Compress] compresses text, scripts, JSON, SVG and the like once
// per version of each file (one compression however many clients ask at
// once, shared with a client that comes while it is under way only when
// stat shows that client the version compressed, and those under way
// within [Options.CompressBudget], past which a file goes out as it is),
// keeps the bytes in the cache described below,
// and compresses listings too; [Options.CacheControl] sets Cache-Control per file, with
// [ImmutableFingerprinted] for bundler output; [Options.Fallback] serves
// index.html for the client-side routes of a single-page app. Every
// response of a file that has or may have a compressed form carries Vary:
// Accept-Encoding, on the same line as the fields an outer handler or the
// listing put there ("Vary: Accept, Accept-Encoding": nginx before 1.23
// caches by the last Vary line alone; a blank one, which names no field,
// is left out); Range requests are answered from
// the uncompressed file; a response an outer middleware already encodes
// is left alone.
//
// # Folder downloads
//
// [Options.Archive], off by default, answers a directory's URL with
// exactly the query "download=zip", "download=tar.gz" or
// "download=tar.zst" with the directory as one archive, made while it is
// sent, and adds three buttons to the HTML listing (a GET form asking for
// those queries: links would have wget --recursive and other crawlers
// download every directory's subtree three times over). Names in the archive
// are relative, under one directory named after the one downloaded; files
// are read through the fs.FS, so the symbolic-link policy applies and a
// link loop is left out. A counting walk first refuses trees over
// [Options.ArchiveMaxBytes] or [Options.ArchiveMaxEntries] with 403; what
// goes wrong once the archive has begun either leaves an entry out whole
// (logged, and named in a zip file's comment) or cuts the response, so
// that the client never takes a damaged archive for a complete one. The
// downloads in progress hold their compressors and the entries they go
// through within [Options.ArchiveBudget] together, and so do the counting
// walks (of a HEAD, of a tree then refused, too); one past it gets 503
// with Retry-After, so that clients that do not read, or that ask again
// and again, cannot exhaust the memory.
//
// # Caching
//
// With an fs.FS that can stat ([NewDir], [os.DirFS], [testing/fstest.MapFS]; not
// [embed.FS]), every request starts with one stat(2) of the name, before
// anything is opened: a missing file costs nothing more. Small regular files (up to
// Options.CacheMaxFileSize, 64 KiB by default) are kept in memory with
// their response headers (Content-Type, Content-Length, Last-Modified,
// ETag) under their cleaned name, up to Options.CacheMaxBytes (64 MiB by
// default) in total. An entry is used only if that request's stat shows
// the very file that was read: same device, inode, size, modification time
// and status-change time (ctime), to the nanosecond. Writing, truncating,
// replacing (rename), chmod, chown or touching a file changes its ctime,
// so the next request reads it again: a changed file's old bytes, length
// or type are never served. A file whose ctime is less than 2 seconds old
// when it is read is served but not kept, so that a write in the same
// timestamp tick cannot go unseen; this assumes the file system's clock
// agrees with the server's within that margin. A cached file is answered,
// 304s included, without opening it, the full 200 with a single write of
// headers and body. Only files of an FS whose Stat reports Linux stat data
// are cached ([NewDir], [os.DirFS], an [os.Root]'s FS); Options.DisableCache
// turns the cache off. A file of up to 3 KiB that is not served from the
// cache is read whole and also goes out in one write with its headers.
//
// The HTML listing of a directory is kept the same way, checked by the
// stat of the directory: adding, removing or renaming an entry changes the
// directory's mtime and ctime, and the listing shows nothing else (names,
// and whether each is a directory or a link). The title is made from each
// request's path. A directory holding a symbolic link is never kept,
// since whether the link shows as a directory depends on its target; nor
// is the JSON listing, which shows sizes and times. Requests that arrive
// together for a list that is not kept share one reading of the
// directory, and its compressed page, on the rich listing's terms (see
// Rich listing; no entry is stat'ed).
//
// # Files that change while served
//
// A response describes one version of a file: its headers come from the
// fstat of the file it opened (or, from the cache, of the file it read),
// and at most that size is sent. A file replaced by rename is sent whole
// as the version the request found; one that grows is sent as it was;
// one that shrinks ends early and the response is cut (the connection
// closed, an HTTP/2 stream reset, a body a middleware sends chunked left
// without its last chunk), so that no client takes it for whole; so does
// a file of any fs.FS whose Read fails, or ends, before the size its Stat
// gave (an fs.FS over a network or a database that loses its connection
// half-way). The exception is a file of your own that wraps an OS file
// and hands on its descriptor (syscall.Conn): it goes out by sendfile(2),
// unwatched, and only net/http cuts an HTTP/1.1 response that it leaves
// short of its Content-Length. What no
// stat can show is a file written in place: a write while it is sent
// puts new bytes into a body that its headers describe as the old
// version, and the kernel stamps modification times from a clock that
// advances once per tick (a few milliseconds on Linux, whole seconds on
// some file systems), so two versions of one size written within a tick
// share their ETag and Last-Modified, as do versions given the same time
// on purpose (tar, rsync -t and reproducible builds set it). A client
// may then keep one version's bytes under the other's validators (the
// cache is not misled: see Caching). To change a file that is being
// served, rename a new one over it.
//
// # Rich listing
//
// [Options.Listing] = [ListingRich] replaces Python's list with a table:
// name, size (human, "1.2 KiB", with the exact bytes in a title), the
// modification time in UTC in a <time datetime> element (the page's small
// script shows it in the browser's zone; without it the column's heading
// says "(UTC)"), and a mark for directories
// (icon and trailing slash) and symbolic links. The query sorts it:
// ?sort=name|size|date&order=asc|desc, the column headings being the
// buttons of GET forms that toggle the order, so sorting works without
// JavaScript and a sorted view can be shared (buttons, not links, so that
// wget --recursive and other crawlers do not fetch every listing six more
// times). The default is Python's order (lower-cased name);
// size and date sort by that key (date to the nanosecond, though the page
// shows minutes) with Python's order among equals, a
// directory counting as smaller than any file (no size); desc is the asc
// list reversed; directories are not put first (as miniserve's default);
// a value it does not know gives the default, never an error. The page
// has breadcrumbs (each a bidi isolate, so that right-to-left folder
// names do not run together and show a child before its parent), a
// "../" row below the root, a filter box (added by the script when there
// are entries; without it the page is complete but for the box; it
// ignores letter case and Unicode form, NFC or NFD), light
// and dark colours (color-scheme), a phone layout, a real <table> with
// column headers and aria-sort, and makes no request elsewhere: the icons
// are CSS, and the style sheet and script are served beside the page, at
// the URL of the handler's root (whatever its index pages) with the query
// ?asset=rich.HASH.css (and .js), so that one copy serves every
// directory, with an ETag and "Cache-Control: max-age=31536000,
// immutable", the hash changing with their content (with Compress,
// compressed as the page is, each coding with an ETag of its own). They are not inline, so that a
// Content-Security-Policy without 'unsafe-inline', such as
// "default-src 'self'", leaves the page whole. Names are escaped exactly as in Python's list,
// but that the text shows their bidirectional formatting characters
// (U+202E and the like) as U+FFFD, so that no name reads as another:
// "invoice\u202Efdp.exe" would read "invoiceexe.pdf". Links keep the name.
// A directory asked for with an escaped trailing slash ("/dir%2F"), which
// Python's list answers where it stands, gets 301 to the path with a
// slash ("/dir%2F/"), as the JSON listing does: the page's links and
// forms are relative, and a browser at "/dir%2F" resolves them in the
// directory above (a file uploaded there would land in it).
//
// The rows are kept in the cache per directory version and sort order,
// as Python's list is. Since they also show sizes and times, which change
// without the directory changing (a file written in place), each entry is
// stat'ed again on every request (fstatat relative to the directory,
// spread over the processors) and kept rows are used only if every entry
// still shows the same: a rich listing is never stale. A listing whose
// rows exceed an eighth of Options.CacheMaxBytes (8 MiB by default, some
// 35,000 entries) is not built in memory but streamed, without
// Content-Length and uncompressed, holding only the entries. Requests
// that arrive together for rows that are not kept (a site just deployed,
// an entry just evicted) share one rendering, and its compressed page
// (compressed once for them, kept or not):
// the first reads the directory and renders the rows, the others wait for
// it. One that came while it was under way takes it only as it would
// take kept rows (the directory not changed less than 2 seconds before,
// without a link, every entry stat'ed again and the same), else a
// rendering that began after it came; one whose rendering fails, or
// whose rows are streamed, renders its own, as if alone. The JSON
// listing is the same with either style.
//
// # JSON listing
//
// A client whose Accept header prefers application/json gets
// {"path": "/dir/", "entries": [...]}, "path" being the path it asked for,
// decoded, to be shown, not resolved against: it holds U+FFFD for bytes
// that are not UTF-8, and a '?', '#' or '%' of a name as it is. Between equal q-values, a type the header names is preferred
// to one it takes through a wildcard only: "application/json, text/plain,
// */*", as axios sends, gets JSON; "*/*" and a browser's Accept get the
// HTML listing. Each entry has, in Python's order:
//
//   - "name": the name; a byte that is not part of valid UTF-8 reads
//     U+FFFD.
//   - "href": the link the HTML listing gives it, relative to the listing's
//     URL, whose path ends in '/' (a directory asked for with an escaped
//     trailing slash, "/dir%2F", gets 301 to "/dir%2F/" first, with Vary:
//     Accept), with a slash after a directory ("a%20b.txt", "sub/"). Resolved
//     as a browser resolves a link, it fetches the entry whatever its
//     name, even one whose "name" reads U+FFFD.
//   - "type": "file", "dir" or "other", links followed.
//   - "size": bytes; 0 for anything but a file.
//   - "mtime": RFC 3339 in UTC, to the nanosecond with as many fraction
//     digits as it needs ("2024-03-05T09:07:04.5Z"; none for a whole
//     second), which Go's time.RFC3339, Python's (3.11 on) datetime.fromisoformat
//     and JavaScript's Date read (jq's fromdateiso8601 once
//     sub("\\.[0-9]+"; "") drops the fraction); null when the fs.FS gives
//     none, as embed.FS does, when the entry cannot be stat'ed, or when it
//     is dated outside the years 0 to 9999, which RFC 3339 cannot write.
//   - "link": whether it is a symbolic link.
//
// It is never kept, but requests that arrive together for the same
// directory and path share one document, on the terms of the rich
// listing's rows (see Rich listing), and its compression in each coding.
//
// # File names that are not UTF-8
//
// On Linux any bytes but '/' and NUL make a file name. As Python does, the
// listing links each byte b of a name that is not part of valid UTF-8 as
// the lone surrogate U+DC00+b, percent-encoded (bad\xff.txt is linked as
// bad%ED%B3%BF.txt), and a request for such a link opens the file. A stray
// %FF in a request is U+FFFD, as in Python, so it never finds such a
// file. Where Python writes the raw byte into the listing's text, we write
// U+FFFD, so the page is valid UTF-8 as its charset says; the JSON listing
// does the same in "name", and gives the link in "href". Only [NewDir] can open such names: any other fs.FS
// (os.DirFS, an os.Root's FS) takes UTF-8 names only (fs.ValidPath), so
// its listing leaves them out rather than link to a file it cannot serve.
//
// # Uploads
//
// [Options.Upload] (off by default; [NewDir] only, on Unix) accepts files:
// PUT /dir/name with the file as the body, and POST of multipart/form-data
// (one or many files, from the form the listing then shows, which needs no
// script) to a directory's URL. It answers 201 with Location for a created
// file (a PUT has no body; a POST gets a page linking each file), 204 when
// [Options.UploadOverwrite] let it replace a file (a PUT's 201 or 204
// carries the ETag a GET of the file then gives, for the If-Match of its
// next edit), 409 when the name
// exists (or is a directory, or a PUT's directory does not, or the
// directory was removed while the body arrived, or, with
// [Options.Precompressed] and without UploadOverwrite, it names the
// precompressed copy of a file that exists, such as app.js.gz (or
// app.js.GZ, or another spelling a file system may take for it) beside app.js, which would be sent in the file's place, or a
// file whose copy exists, checked again once the body has arrived; a
// multipart POST may bring a file and its copy together), 404 for a POST
// to a directory that does not exist (as its GET
// would be), 405 with Allow: GET, HEAD, PUT for a POST to a file (files
// are posted to their directory; Allow: GET, HEAD where a PUT to it is
// refused for its place or name), 413 over [Options.MaxUploadSize] (1 GiB by default: before a
// byte is written when the length is announced) and for a multipart POST
// of more than 1,000 files (each waits until the last has arrived;
// none is kept), 507 when the disk is
// full (said to Options.Logger as running out of descriptors is, above:
// once when it begins, at most once a minute while it lasts, and once
// when an upload is stored again), 403 where the target is refused (a hidden or excluded directory, a
// link the policy or the root refuses, a permission), 400 for a bad name
// (or a PUT with Content-Range: a part is never stored as the file), 415
// for a POST that is not multipart and for a body with a Content-Encoding
// (with Accept-Encoding: identity: the compressed bytes are never stored
// as the file), and for a body cut short 400, or 408
// when it stopped arriving for [Options.UploadIdleTimeout] (the connection
// is then closed). A PUT with If-Match, If-None-Match or
// If-Unmodified-Since gets 412, and changes nothing, when the precondition
// is false for the file at its name (RFC 9110, section 13.2.2), with the
// ETag and time a GET of it answers with, evaluated before the body is
// read and again once it has arrived, under the lock the file is then
// named with: "If-None-Match: *" makes a PUT that only creates (it holds
// at the commit itself, whatever [Options.UploadOverwrite] says), and
// "If-Match" with the ETag read before replaces only that version (of
// two clients that PUT edits of one version at once, one replaces it and
// the other gets 412). It guarantees:
//
//   - Nothing outside the served directory is created or changed: writes
//     go through an [os.Root] of it, whatever the policy for reads, so
//     they follow only links that resolve inside it (none with
//     [SymlinksNever]); an upload never replaces a directory, nor a link
//     or special file.
//   - Nothing half-written appears: bytes go to a temporary file in the
//     target directory (unnamed, O_TMPFILE, where the file system allows
//     it, else created exclusively under a hidden name that is neither
//     listed, archived nor served), are synced, and get their name by an atomic
//     link or rename only once complete. A client that goes away, a size
//     limit or full disk hit mid-stream, a body left idle for a minute,
//     leave no file behind, temporary or not. The received files of a
//     multipart upload wait for the rest of it open, as long as all
//     uploads in progress hold fewer than 256 of them, and past that
//     closed under a hidden name: one client posting many files does not
//     hold a descriptor for each (if the process is killed meanwhile,
//     those hidden files stay behind).
//   - A browser's upload from a page of another origin than the
//     server's (the request's Host) or [Options.UploadOrigins] is refused
//     with 403, so that a form on another site cannot post files through
//     a visitor's browser and the credentials it keeps; clients that are
//     not browsers send neither Sec-Fetch-Site nor Origin and are not
//     affected.
//   - Of uploads of one name at once, exactly one creates it (link(2)
//     never replaces; on Linux, a file system without hard links, such as
//     FAT or exFAT, gets a rename that never replaces) and the others get
//     409; their bytes never mix.
//   - A multipart upload stores all of its files or none: they are named
//     only once the whole body has arrived, and if one cannot be named
//     then, those named before it are taken back, each file one replaced
//     ([Options.UploadOverwrite]) being kept under a hidden name until
//     then and put back; a file another client put under one of the
//     names meanwhile is left alone. A file that cannot be linked to a
//     hidden name (another user's, under Linux's fs.protected_hardlinks,
//     or on a file system without hard links) is replaced all the same,
//     as a PUT replaces it, and cannot be put back: a failed upload
//     leaves the new file in its place.
//   - Names are one visible, printable element: path separators, "." and
//     "..", a leading dot, control and bidirectional-override characters,
//     invisible ones that make two names look alike (zero-width space,
//     word joiner, soft hyphen; tag characters outside a flag's tags;
//     variation selectors and joiners where they show as nothing, after
//     an ASCII character or a Latin, Greek or Cyrillic letter, and
//     Unicode's other default ignorable characters), bytes that
//     are not UTF-8, names over 255 bytes, leading or trailing spaces, a
//     trailing dot and Windows device names are refused with 400 and a
//     message saying which; a multipart filename is first reduced to its
//     last element (after '/' or '\'). A directory whose name is not
//     UTF-8 takes uploads at the link its listing gives it (see File
//     names that are not UTF-8); a stray %FF in the path is refused.
//   - A new name that looks the same as one in its directory (the same
//     in Unicode Normalization Form C once the characters that show as
//     nothing are left out: "café" with a composed "é" beside one with
//     "e" and a combining accent, as macOS writes it) is refused with
//     409, as an existing name is, with UploadOverwrite too: a listing
//     would show the name twice. Of two such uploads at once to one
//     Handler, one wins. Letter case is the file system's to compare. A
//     name that looks like one of ASCII characters alone (the Kelvin
//     sign for K) is refused with 400 whether that name exists or not:
//     a name of ASCII characters is compared with no other, since
//     reading the directory for every upload costs (80 ms a PUT in a
//     directory of 100,000 entries); only a name the operator put there
//     can look like it.
//   - Uploads into a hidden directory (".git", ".ssh") or one of
//     [Options.ExcludeDirs] (the CGI directories), or inside one,
//     are refused with 403, whether the request names it or a link leads
//     there: the directory written into is found again from the root
//     without following any link, and a link changed meanwhile is
//     refused, never written through. So are uploads to the
//     [Options.Fallback] file and its precompressed copies, built or not.
//   - [Handler.Close] refuses new uploads and waits for those in flight,
//     so after a server's Shutdown and Close nothing is left half-way.
//   - Memory stays bounded however many uploads trickle in at once: each
//     copies through a 256 KiB buffer (1 MiB for a body announced over
//     8 MiB) while those of all uploads in progress fit in 64 MiB
//     together, and through 32 KiB past that (more system calls per MiB,
//     never refused), which the log says once per episode. A part of a
//     multipart upload may have a header of 64 KiB (with its boundary):
//     past that the upload gets 400.
//
// Uploads come with no access control of their own: mount the handler
// behind [BasicAuth] (or the application's own authentication) to say
// who may write.
//
// # Mounting
//
// The handler looks files up by r.URL.Path, so strip the mount prefix with
// [http.StripPrefix] (chi: r.Mount("/static", http.StripPrefix("/static", h))).
// Redirects and listing titles use the path the client sent (r.RequestURI),
// so they are right under any prefix; the bare prefix ("/static") answers
// 301 to "/static/" once it reaches the handler (an [http.ServeMux] with
// the pattern "/static/" alone answers it with a 307 of its own: register
// "/static" too, as above). A request made in code with [http.NewRequest] has no
// RequestURI (httptest.NewRequest sets one): its redirects and upload
// Locations are then relative to its own URL ("./sub/"), which resolve
// under the prefix, but its listing titles lack the prefix, and the bare
// prefix ("/static", which StripPrefix turns into an empty path whose
// name the handler cannot know) gets the root's listing instead of the
// 301, with links that resolve outside the prefix, as the Location and
// links of an upload posted there do ("./a.txt" from "/static" is
// "/a.txt"). A middleware that
// removes trailing slashes by redirecting (chi's RedirectSlashes) sends
// every directory into a loop with the handler's 301 that adds one: keep
// it away from the file server's routes.
//
// # An fs.FS of your own
//
// [New] serves any fs.FS that keeps the contract of io/fs (an fs.FS over
// a network, a database or an archive included), and answers as follows
// when one fails:
//
//   - An error from Open, Stat or ReadDir, of any type, is answered as
//     Python answers an OSError: 404 "File not found" (for a listing, 404
//     "No permission to list directory"), logged at level Warn unless it
//     is fs.ErrNotExist or fs.ErrPermission; an error that wraps EMFILE,
//     ENFILE or ENOMEM gets 503 instead (see Overload). A ReadDir that
//     returns entries with an error counts as the error.
//   - A name from ReadDir that is not one element of a path ("", ".",
//     "..", or one holding '/' or NUL) is left out of listings and
//     archives, and logged at level Warn: a link to it would name
//     another file, or none.
//   - A Read that fails, or ends, before the size the file was sent with
//     cuts the response, however it is framed (see Files that change
//     while served); what a file holds past that size is not sent. That
//     size is the one a file that can seek seeks to, where its Stat says
//     another (an fs.FS that gives 0 for a size it does not know), and
//     that of the Stat for a file that cannot seek, which is read from
//     its start (see Beyond Python); such a file whose Stat gives a
//     negative size is answered 500 (through the error pages), and
//     logged.
//   - A panic of a method is the request's: net/http recovers it (the
//     errorpage middleware answers 500, or cuts a response already
//     begun), including one in the goroutines that stat a large listing
//     in parallel, which is raised again in the request's.
//   - A method that blocks holds its request: io/fs takes no context, so
//     a client that goes away does not free it, and requests that
//     arrive meanwhile for the same compressed file (Options.Compress)
//     or, for an fs.FS with Linux stat data, the same listing, wait for
//     the one that blocks rather than repeat its work.
//   - An Open or Stat that returns a nil File or FileInfo with a nil
//     error makes the request panic, as it does in [http.FileServer].
//
// # Access control
//
// [BasicAuth] is middleware (func(http.Handler) http.Handler, for
// chi's r.Use or any chain) that asks for HTTP Basic credentials
// (RFC 7617) of every request, or with [AuthWrites] only of those whose
// method is not GET, HEAD or OPTIONS. Users come from a map of plain
// passwords or bcrypt hashes, or from an htpasswd file through
// [ReadHtpasswd], which takes bcrypt entries only. It answers 401 with
// WWW-Authenticate: Basic realm="...", charset="UTF-8" and the page of
// [errorpage.Error], so it looks like every other error page; a client
// that keeps failing gets 429 with a Retry-After that doubles up to a
// cap, without its password being checked. Passwords are compared in
// constant time, and an unknown user costs what a known one does (a
// bcrypt comparison); verified credentials are remembered as a keyed
// hash, so that bcrypt's tens of milliseconds are paid once per client,
// not once per request. Put it inside errorpage and the access log and
// in front of everything that serves:
//
//	r.Use(access.Handler, pages.Handler, auth.Handler)
//	r.Mount("/", files)
//
// Basic credentials cross the network in clear text: serve them over
// HTTPS.
//
// # Security
//
// A request can never name a file outside the root except through a symbolic
// link. With [NewDir], its [SymlinkPolicy] chooses what links do:
// [SymlinksFollow] (Python's behaviour) follows every link, [SymlinksInside]
// follows only relative links that stay inside the root (an [os.Root]), and
// [SymlinksNever] follows none. With [New], the fs.FS decides: [os.DirFS]
// follows links anywhere. On Windows, NewDir finds no name with an element
// that holds a '\' or a ':', ends in a dot or a space, or is a device name
// ("NUL"): Windows would read each as another file than it names. Dotfiles are
// served like any other file, as in Python. Redirect targets are always paths
// on the same host: a leading "//" is collapsed and backslashes and control
// characters are percent-encoded, so a directory named "\evil.com" cannot
// redirect a browser elsewhere. Names in listings are HTML-escaped in text and
// percent-encoded in links. Special files (FIFOs, devices) are refused with
// 404; a FIFO never blocks a request, unless the fs.FS can tell one only by
// opening it, since opening a FIFO waits for a writer: an fs.FS with neither
// Stat nor Lstat, or, for a FIFO reached through a symbolic link, one without
// Stat (fs.Sub of os.DirFS, which opens a link to follow it). A request for
// it, or for a listing that shows it, then waits too; NewDir and os.DirFS
// itself stat without opening. Only NewDir also opens without waiting: with
// any other fs.FS (os.DirFS, an os.Root's FS), a FIFO renamed over a file
// between a request's stat and its open holds that request until something
// opens the FIFO to write. The root is not a sandbox: whatever the server
// process can read under it, it serves.
package fileserver
