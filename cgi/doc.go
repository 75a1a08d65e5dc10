// Package cgi runs CGI scripts the way Python's CGIHTTPRequestHandler
// (python3 -m http.server --cgi) does, on top of [net/http/cgi], without
// its holes.
//
// What it guarantees: only a regular file inside a CGI directory ever
// runs, found from a path decoded once; the server's environment stays out
// of scripts unless listed; a script cannot split the response or change
// its framing; a script that hangs is killed with its whole process group
// and one that fails gives a clear 5xx, never a hang or a response that
// looks whole when it is not; under root, scripts run as nobody. It is
// not a sandbox: see Security. It runs scripts on Unix only (they start by
// their #! line, in a process group of their own); elsewhere, Windows
// included, the package builds and [New] returns an error saying so.
//
//	func main() {
//		cgi.MaybeRunLauncher() // first: the process may be a script's launcher (see The launcher)
//		c, err := cgi.New(cgi.Options{Root: "site"}) // site/cgi-bin, site/htbin
//		...
//		srv := &http.Server{Addr: addr, Handler: c.Handler(fileServer), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
//		...
//	}
//
// A request is for a CGI script when its path, percent-decoded once and
// with ".", ".." and empty segments resolved, starts with a CGI directory
// ([Options.Dirs], default /cgi-bin and /htbin) followed by more. Nested
// directories belong to the script's directory
// (/cgi-bin/sub/s.sh/extra runs cgi-bin/sub/s.sh with PATH_INFO=/extra).
// The script gets Python's run_cgi environment (SERVER_SOFTWARE,
// SERVER_PROTOCOL, SCRIPT_NAME, PATH_INFO and PATH_TRANSLATED,
// QUERY_STRING, CONTENT_TYPE as sent or text/plain, CONTENT_LENGTH,
// AUTH_TYPE and REMOTE_USER, unless a fileserver.BasicAuth outside passed
// the request on without checking its credentials; one that checked them
// makes REMOTE_USER the user it let in, where Python's decoding would give
// none for a name that is not ASCII or a password holding ':'; HTTP_ACCEPT,
// HTTP_USER_AGENT, HTTP_COOKIE,
// HTTP_REFERER...) plus what net/http/cgi adds (HTTP_* for every header
// but Proxy, Content-Type and Content-Length (CONTENT_TYPE and
// CONTENT_LENGTH give them), those whose name holds '_', as in Apache, since
// X_Forwarded_For would pass for X-Forwarded-For, and one repeated past
// the 128 KiB an exec takes for a variable (logged); REQUEST_URI,
// REMOTE_PORT, SCRIPT_FILENAME); a query without '=' becomes argv[1]. Errors use Python's messages, through
// [Options.ErrorHandler] or the errorpage package: 404 "No such CGI
// script", 403 "CGI script is not a plain file" or "not executable" (by
// the server's user, as Python's os.access tells: for root, any x bit), 501
// "Can only POST to CGI scripts" for a POST elsewhere.
//
// # Beyond Python
//
// The script's Status: and Location: headers are honoured, in any letter
// case; a request body of up to 1 MiB is read whole before the script is
// started (one sent slowly then holds no script slot; it must arrive
// within [Options.Timeout], else 408), a larger or chunked one streams to
// its standard input (chunked without CONTENT_LENGTH; over HTTP/1 the
// connection then closes after the response, since the script may leave
// part of the body unread), and the script's output streams to the client
// as it comes. A script that sends no valid header, crashes or is killed
// gives 502, and so does one whose header goes past 256 KiB (it is killed
// then: the header is held in memory until it ends); one that runs past
// [Options.Timeout] is killed with its whole process group and gives 504
// (or a cut-off response if it had started answering), and so does one
// still running when the request's context reaches its deadline (a
// timeout middleware in front, such as chi's middleware.Timeout); beyond
// [Options.MaxConcurrent] running scripts, requests get 503, and so does a
// script that cannot be started because the process is out of file
// descriptors, memory or processes (fork's EAGAIN, at RLIMIT_NPROC; with
// Retry-After: 1); both are logged once per episode rather than once per
// request. Each line of the script's standard error
// goes to [Options.Logger] once, as it is written, with the script name,
// and so does Python's "CGI script exit code N" (accesslog's
// Middleware.SlogHandler writes them in Python's format, in order with the
// access log, scrubbed; the line reaches the handler as the script wrote
// it). Only the environment variables listed in
// [Options.InheritEnv] leave the server, unless [Options.InheritAllEnv] is
// set; [Options.Env] sets others.
//
// Python copies the script's output to the client as it is; this package
// checks the header on the way (RFC 3875 section 6.3.4), so that a script
// cannot split the response or change its framing: hop-by-hop fields
// (Connection, Keep-Alive, Transfer-Encoding, Upgrade, TE, Trailer,
// Proxy-Connection), values holding a control character other than tab,
// and a Content-Length that is not one number are dropped and logged; a
// 1xx status or one above 599, or a Location holding a control character,
// gives 502. A field the script sends replaces one of the same name that
// middleware around the handler set (a Content-Type or an
// Access-Control-Allow-Origin twice is read as each client pleases), but
// Set-Cookie, Vary and Link, which are lists, keep both (Vary on one
// line: nginx before 1.23 caches by the last Vary line alone). Output past the
// script's Content-Length (or any body for a 204 or 304) is dropped and
// logged, as nginx does, so that the client does not read it as its next
// response. A script killed by a signal (or whose launcher dies) after its
// header went out, before its body was complete, has its response cut off,
// as on a timeout, so that an HTTP/1.1 client sees an incomplete body
// rather than a short one that looks whole. A request body that fails on
// its way to the script (cut off, a malformed chunk, too slow for the
// server's read deadline, past the limit of an http.MaxBytesReader that a
// middleware in front put on it) gets the script killed, and 400 (408 for
// the deadline, 413 "Request body larger than N bytes" for the limit) if
// its answer had not started: the script must not take half an upload for
// a whole one. (A streamed body that stalls with no read
// deadline set is ended by [Options.Timeout]: 504.)
//
// # The launcher
//
// net/http/cgi cannot set credentials, a process group or a time limit, so
// it starts a small launcher instead of the script: by default the
// server's own executable, re-run with a hidden argument. Its main must
// call [MaybeRunLauncher] before anything else; [New] checks that it
// does. The launcher puts the script in a new process group, drops to
// user nobody (uid and gid, no supplementary groups) when it runs as root,
// as Python does, enforces the time limit, kills what the script left in
// its group when it ends, and reports the pid and exit status back. It
// survives a Ctrl-C meant for the server (a terminal sends it to the
// server's whole process group), so that the server decides whether a
// script in flight finishes; and it kills the script's group if the
// server dies first (killed, or a second Ctrl-C), within a fraction of a
// second, rather than letting it run on until the time limit. It
// relays the script's standard output and error through pipes of its own
// and stops once the script has exited and what it wrote has been passed
// on: the response ends with the script, as in Python, even if a process
// the script left running in a session of its own (setsid), which the
// kill of its group does not reach, holds them open.
//
// Under root, then, nobody must be able to start the script: search every
// directory down to it, read it, and execute it or the interpreter of its
// extension (Options.Interpreters, found in the server's PATH: pyenv's
// shims under /root are out of nobody's reach, as is a directory of mode
// 0700 such as one made by os.MkdirTemp). Otherwise every request for it
// gets 502, and Logger says "CGI script could not be started" with
// "permission denied"; New does not check this.
//
// What a script leaves behind, killed with its group or not, is orphaned
// to the nearest child subreaper or to PID 1, which must wait for it. A
// server that is PID 1 itself (a container's entry point) and waits only
// for its own children keeps each of those processes as a zombie: run it
// under an init (docker run --init), or reap its orphans as the
// simplehttp command does.
//
// # Security
//
// A CGI script is not sandboxed: it runs with the rights of the server's
// user (or nobody's, under root), can read whatever that user can read,
// and can open network connections. Put only trusted scripts in a CGI
// directory. What this package does guarantee: the path is decoded exactly
// once (Python decodes it again when looking for the script, so
// /cgi-bin/%252e%252e/other/x.sh runs a script outside cgi-bin there), no
// file outside a CGI directory is ever executed, a symbolic link that
// leads out of its CGI directory counts as missing, and paths that would
// reach a CGI directory only through another spelling, which a file
// system that ignores letter case or Unicode forms takes for it
// ("/CGI-BIN/x"; "/cgi\u200b-bin/x", with a zero-width space, which
// the casefold of older Linux kernels and HFS+ leave out; "/ｃｇｉ-bin/x",
// in fullwidth letters; "/cgı-bin/x", with a dotless i, which NTFS's
// upper-case table takes for "I"; "/CGI-SC~1/x", the short name by
// which FAT and NTFS also open a directory "/cgi-scripts" whose name
// does not fit 8.3 ("cgi-bin" and "htbin" do, and have none); on
// Windows, which drops the dots and spaces that end a name and reads
// what follows a ':' as a stream, also
// "/cgi-bin./x", "/cgi-bin::$INDEX_ALLOCATION/x" and "/cgi-bin\\x"), or
// by climbing above the root ("/../cgi-bin/x") are answered 404 instead of
// being passed on, so that a file server behind the middleware cannot
// reveal a script's source for them. A client's Proxy: header never
// becomes HTTP_PROXY (httpoxy). A symbolic link elsewhere in the tree that
// leads into a CGI directory is the file server's, as in Python: give a
// file server that takes uploads or makes archives the CGI directories in
// its fileserver.Options.ExcludeDirs, or a PUT through the link stores a
// script that the next request runs, and an archive holds the scripts'
// source.
//
// REMOTE_ADDR is the address in r.RemoteAddr, the peer's, without an
// IPv6 zone (fe80::1, not fe80::1%eth0), as in Python:
// behind a middleware that sets r.RemoteAddr from a request header (chi's
// middleware.RealIP takes True-Client-IP, X-Real-IP or X-Forwarded-For
// from any client), it is whatever the client sent, and a script that
// grants access by address grants it to anyone who asks.
package cgi
