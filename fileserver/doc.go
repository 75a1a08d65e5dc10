// Package fileserver serves a directory tree over HTTP the way Python's
// http.server.SimpleHTTPRequestHandler does, as an [http.Handler].
//
// Create a [Handler] from any [fs.FS] with [New], or from an OS directory
// with [NewDir], and mount it anywhere:
//
//	h, err := fileserver.NewDir("site", fileserver.Options{})
//	mux.Handle("/static/", http.StripPrefix("/static", h))
//
// # Python's behaviour
//
// GET and HEAD map the URL path to a file as translate_path does (decoded
// once, "." and ".." resolved, never above the root); a directory without a
// trailing slash answers 301 to the same path with a slash and the query
// kept; a directory serves its first index page (index.html, index.htm) or
// a listing byte for byte like Python 3.14's list_directory; a file answers
// 200 with Content-Type, Content-Length and Last-Modified; If-Modified-Since
// follows Python's date rules exactly; anything that cannot be opened is
// 404 "File not found"; any other method is 501. Errors are rendered by
// [errorpage.Error], so they carry Python's page unless the errorpage
// middleware installed another.
//
// # Beyond Python
//
// Content types come from Options.Extensions, then a built-in copy of
// Python 3.14's mimetypes table (independent of /etc/mime.types), then Go's
// mime package, then a sniff of the first 3072 bytes with
// github.com/gabriel-vasile/mimetype (Options.DisableSniff turns it off).
// Files carry a strong ETag (mtime and size, or a content hash for an FS
// without mtimes such as embed.FS) and support Range, If-Range,
// If-None-Match, If-Match and If-Unmodified-Since through
// [http.ServeContent]. Regular files opened as *os.File are sent with
// sendfile(2). A client whose Accept header prefers application/json gets
// the listing as JSON. Options.DisableListing answers 404 instead of a
// listing.
//
// # Mounting
//
// The handler looks files up by r.URL.Path, so strip the mount prefix with
// [http.StripPrefix] (chi: r.Mount("/static", http.StripPrefix("/static", h))).
// Redirects and listing titles use the path the client sent (r.RequestURI),
// so they are right under any prefix; the bare prefix ("/static") answers
// 301 to "/static/".
//
// # Security
//
// A request can never name a file outside the root except through a
// symbolic link. With [NewDir], Options.Symlinks chooses what links do:
// [SymlinksFollow] (Python's behaviour) follows every link, [SymlinksInside]
// follows only relative links that stay inside the root (an [os.Root]), and
// [SymlinksNever] follows none. With [New], the fs.FS decides: [os.DirFS]
// follows links anywhere. Dotfiles are served like any other file, as in
// Python. Redirect targets are always paths on the same host: a leading
// "//" is collapsed and backslashes and control characters are
// percent-encoded, so a directory named "\evil.com" cannot redirect a
// browser elsewhere. Names in listings are HTML-escaped in text and
// percent-encoded in links. Special files (FIFOs, devices) are refused with
// 404; a FIFO never blocks a request. The root is not a sandbox: whatever
// the server process can read under it, it serves.
package fileserver
