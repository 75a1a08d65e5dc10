package cgi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"maps"
	"net"
	"net/http"
	stdcgi "net/http/cgi"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/simplehttp/simplehttp/internal/overload"
	"github.com/simplehttp/simplehttp/internal/pyescape"
	"github.com/simplehttp/simplehttp/internal/samename"
	"github.com/simplehttp/simplehttp/internal/scope"
	"github.com/simplehttp/simplehttp/internal/urlpath"
)

// Handler returns middleware that runs CGI scripts for CGI paths and
// passes every other request to next, except a POST, which gets 501
// "Can only POST to CGI scripts" as in Python unless Options.PassPost is
// set. It panics if next is nil.
func (h *Handler) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("cgi: Handler(nil)")
	}
	if h.sem == nil {
		panic(errNotNew)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.serve(w, r) {
			next.ServeHTTP(w, r)
		}
	})
}

// ServeHTTP runs the CGI script that r names. A request for any other path
// gets 404 (501 for a POST).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.sem == nil {
		panic(errNotNew)
	}
	if !h.serve(w, r) {
		h.sendError(w, r, http.StatusNotFound, "File not found")
	}
}

// serve answers r if it is for a CGI path (or a POST) and reports whether
// it did.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) bool {
	head, tail, verdict := h.match(urlpath.Unescape(r.URL.EscapedPath()))
	switch verdict {
	case isCGI:
		h.run(w, r, head, tail)
		return true
	case refused:
		h.sendError(w, r, http.StatusNotFound, "File not found")
		return true
	}
	if r.Method == http.MethodPost && !h.passPost {
		h.sendError(w, r, http.StatusNotImplemented, "Can only POST to CGI scripts")
		return true
	}
	return false
}

type verdict int

const (
	notCGI  verdict = iota
	isCGI           // head is the CGI directory, tail what follows it
	refused         // looks like a CGI path in disguise: answer 404
)

// match is Python's is_cgi on a decoded path: collapse it
// (_url_collapse_path), then look for a CGI directory as a prefix that
// ends at a '/' with something after it. Beyond Python, a path that climbs
// above the root or names a CGI directory in another spelling that a file
// system may take for it (another letter case, another Unicode form,
// characters that show as nothing: see samename) is refused when it would
// be CGI otherwise, so that no other handler reveals a script's source
// for it.
func (h *Handler) match(p string) (head, tail string, v verdict) {
	parts := strings.Split(p, "/")
	var stack []string
	overflow := false
	for _, part := range parts[:len(parts)-1] {
		switch part {
		case "..":
			if len(stack) == 0 {
				overflow = true
			} else {
				stack = stack[:len(stack)-1]
			}
		case "", ".":
		default:
			stack = append(stack, part)
		}
	}
	last := parts[len(parts)-1]
	switch last {
	case "..":
		if len(stack) == 0 {
			overflow = true
		} else {
			stack = stack[:len(stack)-1]
		}
		last = ""
	case ".":
		last = ""
	}
	collapsed := "/" + strings.Join(stack, "/") + "/" + last
	if strings.IndexByte(collapsed, 0) >= 0 {
		// No file name holds a NUL: nothing to run, nothing to reveal.
		overflow = true
	}
	// A prefix is weighed against a CGI directory in other spellings
	// only when it has as many elements: each directory is so compared
	// once, and a long path costs its length, not its length squared.
	for i, elems := strings.IndexByte(collapsed[1:], '/'), 1; i >= 0; elems++ {
		sep := i + 1
		for _, d := range h.dirs {
			if collapsed[:sep] == d {
				if overflow {
					return "", "", refused
				}
				return d, collapsed[sep+1:], isCGI
			}
			if strings.Count(d, "/") == elems && samename.Equal(collapsed[:sep], d) {
				return "", "", refused
			}
		}
		j := strings.IndexByte(collapsed[sep+1:], '/')
		if j < 0 {
			break
		}
		i = sep + j
	}
	if h.windowsNames && h.windowsCGI(p) {
		return "", "", refused
	}
	return "", "", notCGI
}

// windowsCGI reports whether p, a path match did not find CGI, is one
// that Windows opens inside a CGI directory (see windowsViews): a file
// server behind, given it, would send a script's source.
func (h *Handler) windowsCGI(p string) bool {
	for _, view := range windowsViews(p) {
		for _, d := range h.dirs {
			// The elements of d, then something after them.
			if n := strings.Count(d, "/"); n < len(view) && samename.Equal("/"+strings.Join(view[:n], "/"), d) {
				return true
			}
		}
	}
	return false
}

// windowsViews are the ways Windows may read the path p, as elements,
// the last one "" when p ends in a separator: '\' separates as '/'
// does, what follows a ':' in an element names a stream of it
// ("cgi-bin::$INDEX_ALLOCATION" is the directory cgi-bin), and the dots
// and spaces that end an element are dropped ("cgi-bin." opens
// cgi-bin). An element of dots and spaces alone that is neither "." nor
// ".." ("...", ".. ") is read both as "." and as "..", since which one
// Windows takes it for is not certain: the views are for refusing.
func windowsViews(p string) [][]string {
	var views [][]string
	for _, dots := range []string{".", ".."} {
		var view []string
		elems := strings.FieldsFunc(p, func(c rune) bool { return c == '/' || c == '\\' })
		for _, e := range elems {
			e, _, _ = strings.Cut(e, ":")
			switch t := strings.TrimRight(e, ". "); {
			case e == "..", t == "" && e != "." && dots == "..":
				if len(view) > 0 {
					view = view[:len(view)-1]
				}
			case t == "":
			default:
				view = append(view, t)
			}
		}
		if strings.HasSuffix(p, "/") || strings.HasSuffix(p, "\\") {
			view = append(view, "")
		}
		views = append(views, view)
	}
	return views
}

// maxBufferedBody is the largest request body read whole before its
// script gets one of the MaxConcurrent slots.
const maxBufferedBody = 1 << 20

// bufferBody reads the body of r, announced as at most maxBufferedBody,
// into memory before a slot is taken, as a web server in front of a
// FastCGI application does: a script then never waits for a slow client,
// and a client that sends its body a byte at a time holds a connection,
// not a slot that other clients need. The body must arrive within the
// scripts' Timeout (60 s by default); if not, 408 and false. Larger and
// chunked bodies are streamed to the script as they come.
func (h *Handler) bufferBody(w http.ResponseWriter, r *http.Request) bool {
	rc := http.NewResponseController(w)
	deadline := false
	if h.timeout > 0 {
		err := rc.SetReadDeadline(time.Now().Add(h.timeout))
		h.warnNoDeadline(err)
		deadline = err == nil
	}
	// The buffer grows as the body comes: a client that announces a
	// body and sends none of it is not given its length in memory.
	var buf bytes.Buffer
	_, err := io.CopyN(&buf, r.Body, r.ContentLength)
	if deadline {
		rc.SetReadDeadline(time.Time{})
	}
	if err != nil {
		if r.Context().Err() != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return false // the client has gone
		}
		code, msg := http.StatusBadRequest, "Incomplete request body"
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			code, msg = http.StatusRequestTimeout, "Request body too slow"
		case errors.As(err, &mbe):
			code, msg = bodyTooLarge(mbe)
		}
		if r.ProtoMajor == 1 {
			w.Header().Set("Connection", "close") // the rest of the body is still to come
		}
		h.sendError(w, r, code, msg)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
	return true
}

// bodyTooLarge is the error for a request body past the limit of an
// http.MaxBytesReader that a middleware in front put on it
// (http.MaxBytesHandler): the client sent too much, not too little.
func bodyTooLarge(mbe *http.MaxBytesError) (int, string) {
	return http.StatusRequestEntityTooLarge, "Request body larger than " + strconv.FormatInt(mbe.Limit, 10) + " bytes"
}

// script is a CGI script a request names, found and checked.
type script struct {
	name     string // the URL path of the script, as SCRIPT_NAME
	file     string // its OS path
	base     string // its file name, Python's argv[0]
	pathInfo string // the rest of the URL path, decoded
	interp   string // its interpreter, "" to execute it
}

// run is Python's run_cgi for the CGI directory dir and the rest of the
// collapsed path: it finds the script, waits for no one (beyond
// MaxConcurrent scripts, 503), and runs it.
func (h *Handler) run(w http.ResponseWriter, r *http.Request, dir, rest string) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		h.sendError(w, r, http.StatusNotImplemented, fmt.Sprintf("Unsupported method (%s)", pyescape.Repr(r.Method)))
		return
	}
	sc, ok := h.find(w, r, dir, rest)
	if !ok {
		return
	}
	buffered := r.ContentLength > 0 && r.ContentLength <= maxBufferedBody
	if buffered && !h.bufferBody(w, r) {
		return
	}
	select {
	case h.sem <- struct{}{}:
		defer func() { <-h.sem }()
		h.busy.OK(r.Context())
	default:
		// Once per episode, not once per request: a flood past the
		// limit would write a line for each.
		h.busy.Failed(r.Context(), h.busyErr)
		h.sendError(w, r, http.StatusServiceUnavailable, "Too many CGI scripts running")
		return
	}
	if err := r.Context().Err(); err != nil {
		// The client left before its script could start (it may have
		// waited for the request's body): a script started now would
		// hold its slot until the time limit for nobody. One that starts
		// while the client leaves is killed as it starts (state.kill).
		// A request whose deadline (a timeout middleware's) passed
		// meanwhile gets what it gets when the deadline kills its
		// script, not an empty 200.
		if errors.Is(err, context.DeadlineExceeded) {
			h.logger.LogAttrs(r.Context(), slog.LevelWarn, "CGI script not started: the request's deadline had passed",
				slog.String("script", sc.name))
			h.sendError(w, r, http.StatusGatewayTimeout, "CGI script timed out ("+pyescape.Repr(sc.name)+")")
		}
		return
	}
	h.execute(w, r, sc, buffered)
}

// missingDir reports whether err, from opening the CGI directory dirPath,
// says only that the site has no such directory: nothing of that name (or
// a file on the way), or a file of that name, which os.OpenRoot reports
// with an error of its own.
func missingDir(dirPath string, err error) bool {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return true
	}
	fi, serr := os.Stat(dirPath)
	return serr == nil && !fi.IsDir()
}

// find looks the script up in the CGI directory dir, with rest the path
// below it: nested directories belong to the directory part, as in Python;
// everything is looked up inside the CGI directory, so a symbolic link
// that leads out of it counts as missing. It sends Python's error and
// returns false when there is no script to run.
func (h *Handler) find(w http.ResponseWriter, r *http.Request, dir, rest string) (script, bool) {
	dirPath := filepath.Join(h.root, filepath.FromSlash(dir[1:]))
	croot, err := os.OpenRoot(dirPath)
	if overload.Is(err) {
		h.unavailable(w, r, err)
		return script{}, false
	}
	if err != nil {
		// A site without the directory (most lack htbin), or with a file
		// of its name, is Python's missing script, which any client can
		// ask for: only another cause is the operator's to see.
		if !missingDir(dirPath, err) {
			h.logger.LogAttrs(r.Context(), slog.LevelError, "cgi: cannot open CGI directory",
				slog.String("dir", dirPath), slog.Any("err", err))
		}
		// As below, Python names the script without its PATH_INFO.
		base, _, _ := strings.Cut(rest, "/")
		h.sendError(w, r, http.StatusNotFound, "No such CGI script ("+pyescape.Repr(h.prefix+dir+"/"+base)+")")
		return script{}, false
	}
	defer croot.Close()

	sub := "" // dir relative to croot, "" or "a/b/"
	for {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			break
		}
		next := sub + rest[:i]
		if fi, err := croot.Stat(next); err != nil || !fi.IsDir() {
			break
		}
		sub, rest = next+"/", rest[i+1:]
	}
	sc := script{base: rest}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		sc.base, sc.pathInfo = rest[:i], rest[i:]
	}
	dirURL := dir
	if sub != "" {
		dirURL += "/" + strings.TrimSuffix(sub, "/")
	}
	sc.name = h.prefix + dirURL + "/" + sc.base
	rel := sub + sc.base
	if rel == "" {
		rel = "."
	}
	fi, err := croot.Stat(strings.TrimSuffix(rel, "/"))
	if overload.Is(err) {
		h.unavailable(w, r, err)
		return script{}, false
	}
	if err != nil || !filepath.IsLocal(filepath.FromSlash(rel)) {
		h.sendError(w, r, http.StatusNotFound, "No such CGI script ("+pyescape.Repr(sc.name)+")")
		return script{}, false
	}
	if !fi.Mode().IsRegular() {
		h.sendError(w, r, http.StatusForbidden, "CGI script is not a plain file ("+pyescape.Repr(sc.name)+")")
		return script{}, false
	}
	sc.interp = h.interps[strings.ToLower(path.Ext(sc.base))]
	sc.file = filepath.Join(dirPath, filepath.FromSlash(rel))
	if sc.interp == "" && !executable(sc.file, fi.Mode()) {
		h.sendError(w, r, http.StatusForbidden, "CGI script is not executable ("+pyescape.Repr(sc.name)+")")
		return script{}, false
	}
	return sc, true
}

// execute runs the script through the launcher and net/http/cgi, streams
// its response, and answers for it when it fails. buffered says the body
// has been read from the client already (bufferBody).
func (h *Handler) execute(w http.ResponseWriter, r *http.Request, sc script, buffered bool) {
	st := &state{h: h, w: w, r: r, script: sc.name, over: make(chan struct{})}
	body := &trackedBody{ReadCloser: r.Body, st: st}
	st.body = body
	r2 := r.WithContext(r.Context())
	r2.Body = body
	if r2.ContentLength < 0 || len(r2.TransferEncoding) > 0 {
		// net/http/cgi refuses chunked bodies; stream them to the script
		// without CONTENT_LENGTH instead.
		r2.TransferEncoding = nil
		r2.ContentLength = -1
	}
	if r2.ContentLength == 0 || buffered {
		// Nothing of the body is left to wait for from the client.
		body.eof.Store(true)
	} else {
		// The body streams to the script while its response goes out:
		// without this, net/http would read up to 256 KiB of a chunked
		// body and throw it away when the response's header is sent,
		// racing the copy to the script, which would get a body with a
		// hole in it. (HTTP/2 is full duplex anyway.)
		_ = http.NewResponseController(w).EnableFullDuplex()
		if r.ProtoMajor == 1 {
			// The script may end before it has read the whole body,
			// and the read it leaves waiting is stopped by a deadline
			// (unblockBody), after which net/http no longer knows
			// where the body ends: what is left of it on the
			// connection would be read as the next request, one that
			// a proxy in front sent as a body.
			w.Header()["Connection"] = closeValue
		}
	}
	r2.Header = h.scriptHeader(r, sc.name)
	ch := &stdcgi.Handler{
		Path: h.launcher,
		Dir:  h.workDir,
		// The request's variables come last, so that they win.
		Env:        append(slices.Clip(h.extraEnv), h.env(r, sc.name, sc.file, sc.pathInfo)...),
		InheritEnv: h.inherit,
		Logger:     log.New(stdcgiLog{st}, "", 0),
		Args:       h.launcherArgs(r, sc),
		Stderr:     st,
	}
	rw := &responseWriter{w: w, rc: http.NewResponseController(w), st: st}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-r.Context().Done():
			// The client is gone: do not let the script run on. (A
			// read of the body that fails now is the client's
			// failure: the context ends when the connection fails.)
			st.kill()
			st.unblockBody(false)
		case <-stop:
		}
	}()
	ch.ServeHTTP(rw, r2)
	close(stop)
	wg.Wait()
	// net/http/cgi kills the launcher, not the script's group, when it
	// gives up on the response (too long for its Content-Length, a
	// write that failed): the script dies with its launcher, what it
	// started in its group must too.
	st.mu.Lock()
	if st.pgid > 1 && !st.exited {
		killGroup(st.pgid)
	}
	st.mu.Unlock()
	h.finish(w, r, sc, st, rw)
}

// maxVariable is the longest variable, "NAME=value" and its NUL, that
// an exec takes on Linux (MAX_ARG_STRLEN); a longer one makes it fail.
const maxVariable = 128 << 10

// scriptHeader returns the request header that net/http/cgi turns into
// HTTP_* variables, without the fields that must not reach the script:
// one whose name holds an underscore (as in Apache), since
// X_Forwarded_For would become HTTP_X_FORWARDED_FOR too and could pass
// for the X-Forwarded-For a proxy in front sets; the credentials unless
// passAuth, which stay with the server (AUTH_TYPE and REMOTE_USER, from
// r, in env, say who the client is); and one repeated until its variable
// is too long to exec, which would fail the script's start (logged).
// Python's own variables, HTTP_COOKIE among them, are set apart, in env.
func (h *Handler) scriptHeader(r *http.Request, script string) http.Header {
	long := func(k string, vv []string) bool {
		n := len("HTTP_=") + len(k) + 2*len(vv) - 1 // ", " between values, a NUL at the end
		for _, v := range vv {
			n += len(v)
		}
		return n > maxVariable
	}
	drop := func(k string, vv []string) bool {
		return strings.IndexByte(k, '_') >= 0 || !h.passAuth && (k == "Authorization" || k == "Proxy-Authorization") || long(k, vv)
	}
	hdr := r.Header
	for k, vv := range hdr {
		if drop(k, vv) {
			hdr = hdr.Clone()
			maps.DeleteFunc(hdr, func(k string, vv []string) bool {
				if long(k, vv) {
					h.logger.LogAttrs(r.Context(), slog.LevelWarn, "cgi: request header too long for the script's environment, left out",
						slog.String("script", script), slog.String("field", k))
				}
				return drop(k, vv)
			})
			break
		}
	}
	return hdr
}

// launcherArgs are the arguments of the launcher: the time limit in
// milliseconds (0 for none), the credentials, the variables to unset, and
// the script's argv. Python passes the raw query, '+' as space, as an
// argument when it has no '='.
func (h *Handler) launcherArgs(r *http.Request, sc script) []string {
	var argv []string
	if sc.interp != "" {
		argv = []string{sc.interp, sc.interp, sc.file}
	} else {
		argv = []string{sc.file, sc.base}
	}
	if q := strings.ReplaceAll(r.URL.RawQuery, "+", " "); !strings.Contains(q, "=") {
		argv = append(argv, q)
	}
	ms := h.timeout.Milliseconds()
	if h.timeout < 0 {
		ms = 0
	} else if ms == 0 {
		ms = 1
	}
	return append([]string{launcherArg, strconv.FormatInt(ms, 10), h.cred, h.unset}, argv...)
}

// finish answers for the script once it has ended: its response is sent
// (or cut off, if it had started and the script did not end normally), or
// an error page says what went wrong.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, sc script, st *state, rw *responseWriter) {
	st.mu.Lock()
	timedOut, failed, killed, exited, overloaded, bodyErr := st.timedOut, st.failed, st.killed, st.exited, st.overloaded, st.bodyErr
	gaveUp, gone := st.gaveUp, st.gone
	known := st.startFailed || st.headerKilled || gone
	st.mu.Unlock()
	level := slog.LevelError
	if timedOut || known || overloaded != nil || bodyErr != nil {
		level = slog.LevelDebug // the cause is logged already
	}
	for _, msg := range gaveUp {
		h.logger.LogAttrs(r.Context(), level, "cgi: bad script response",
			slog.String("script", st.script), slog.String("err", msg))
	}
	if overloaded == nil && !failed {
		h.overload.OK(r.Context()) // the script was started
	}
	switch {
	case overloaded != nil && !rw.committed:
		h.unavailable(w, r, overloaded)
	case rw.committed:
		if !rw.complete && (timedOut || killed || !exited || bodyErr != nil) {
			// Cut the response off: the client must not take a
			// truncated body for a complete one. (A script killed by a
			// signal, or a launcher that died without reporting, may
			// have stopped anywhere in its output.)
			panic(http.ErrAbortHandler)
		}
	case bodyErr != nil:
		code, msg := http.StatusBadRequest, "Bad request body"
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(bodyErr, os.ErrDeadlineExceeded):
			code, msg = http.StatusRequestTimeout, "Request body too slow"
		case errors.As(bodyErr, &mbe):
			code, msg = bodyTooLarge(mbe)
		case errors.Is(bodyErr, io.ErrUnexpectedEOF):
			msg = "Incomplete request body"
		}
		if r.ProtoMajor == 1 {
			w.Header().Set("Connection", "close") // what is left of the body is unread
		}
		h.sendError(w, r, code, msg)
	case timedOut:
		h.sendError(w, r, http.StatusGatewayTimeout, "CGI script timed out ("+pyescape.Repr(sc.name)+")")
	case (failed || rw.invalid || rw.pending == 0) && gone && errors.Is(r.Context().Err(), context.DeadlineExceeded):
		// The script was killed because the request's context reached
		// its deadline (a timeout middleware in front): a timeout, not
		// a response of the script's.
		h.logger.LogAttrs(r.Context(), slog.LevelWarn, "CGI script killed at the request's deadline",
			slog.String("script", st.script))
		h.sendError(w, r, http.StatusGatewayTimeout, "CGI script timed out ("+pyescape.Repr(sc.name)+")")
	case failed || rw.invalid || rw.pending == 0:
		h.sendError(w, r, http.StatusBadGateway, "CGI script sent no valid response ("+pyescape.Repr(sc.name)+")")
	default:
		rw.commit(rw.pending)
	}
}

// serverName is SERVER_NAME: the host of the Host header, or, for an
// HTTP/1.0 request without one, local, the server's address (where
// net/http/cgi leaves it empty, which RFC 3875 does not allow). An IPv6
// address is in brackets, as RFC 3875 writes it and Apache gives it:
// net/http/cgi gives "::1" for "Host: [::1]:8000" but "[::1]" for
// "Host: [::1]", and a script that builds its URLs from SERVER_NAME and
// SERVER_PORT made "http://::1:8000/" of the first.
func serverName(hostHeader, local string) string {
	name := local
	if hostHeader != "" {
		name = hostHeader
		if h, _, err := net.SplitHostPort(hostHeader); err == nil {
			name = h
		}
	}
	if ip, err := netip.ParseAddr(name); err == nil && ip.Is6() {
		name = "[" + name + "]"
	}
	return name
}

// env returns the variables set on top of net/http/cgi's: Python's
// run_cgi environment and the corrections to net/http/cgi's.
func (h *Handler) env(r *http.Request, scriptName, scriptFile, pathInfo string) []string {
	host, port := "", ""
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if h, p, err := net.SplitHostPort(a.String()); err == nil {
			host, port = h, p
		}
	}
	translated := filepath.Join(h.root, filepath.FromSlash(path.Clean("/" + pathInfo)[1:]))
	if strings.HasSuffix(strings.TrimRight(pathInfo, " \t\r\n\v\f"), "/") {
		translated += string(filepath.Separator)
	}
	// Python: the header as sent, even empty; without one,
	// get_content_type()'s default.
	ctype := "text/plain"
	if v, ok := r.Header["Content-Type"]; ok && len(v) > 0 {
		ctype = v[0]
	}
	clen := ""
	if r.ContentLength > 0 || (r.ContentLength == 0 && r.Header.Get("Content-Length") != "") {
		clen = strconv.FormatInt(r.ContentLength, 10)
	}
	requestURI := r.RequestURI
	if requestURI == "" {
		requestURI = h.prefix + r.URL.RequestURI()
	}
	env := []string{
		"SERVER_SOFTWARE=" + h.software,
		"SERVER_PROTOCOL=" + h.protocol,
		"GATEWAY_INTERFACE=CGI/1.1",
		"REQUEST_METHOD=" + r.Method,
		"PATH_INFO=" + pathInfo,
		"PATH_TRANSLATED=" + translated,
		"SCRIPT_NAME=" + scriptName,
		"SCRIPT_FILENAME=" + scriptFile,
		"QUERY_STRING=" + r.URL.RawQuery,
		"REQUEST_URI=" + requestURI,
		"CONTENT_TYPE=" + ctype,
		"CONTENT_LENGTH=" + clen,
		"HTTP_ACCEPT=" + strings.Join(r.Header.Values("Accept"), ","),
		"HTTP_USER_AGENT=" + r.Header.Get("User-Agent"),
		"HTTP_COOKIE=" + strings.Join(r.Header.Values("Cookie"), "; "),
		"HTTP_REFERER=" + r.Header.Get("Referer"),
	}
	if port != "" {
		env = append(env, "SERVER_PORT="+port)
	}
	if peer, _, err := net.SplitHostPort(r.RemoteAddr); err == nil && strings.Contains(peer, "%") {
		// A link-local client: Python's REMOTE_ADDR has no zone
		// (fe80::1, not fe80::1%eth0), and a script that compares it
		// or parses it as an address would not match it with one.
		peer, _, _ = strings.Cut(peer, "%")
		env = append(env, "REMOTE_ADDR="+peer, "REMOTE_HOST="+peer)
	}
	if name := serverName(r.Host, host); name != "" {
		env = append(env, "SERVER_NAME="+name)
	}
	if h.pathEnv != "" {
		env = append(env, "PATH="+h.pathEnv)
	}
	// Python: an Authorization header of two words gives AUTH_TYPE; for
	// Basic, a user:password pair of ASCII gives REMOTE_USER. Not when a
	// fileserver.BasicAuth passed the request on without checking them.
	checked, seen := scope.Credentials(r.Context())
	if seen && !checked {
		return env
	}
	if checked {
		// A BasicAuth let the request in for its user: the script gets
		// that user, also where Python's decoding would give none (a
		// name that is not ASCII, a password holding ':'), else it
		// would take a user who logged in for nobody.
		if user, _, ok := r.BasicAuth(); ok {
			// The scheme as sent ("basic" too), as Python gives it.
			scheme := r.Header.Get("Authorization")[:len("Basic")]
			return append(env, "AUTH_TYPE="+scheme, "REMOTE_USER="+user)
		}
	}
	// Python splits the header as Latin-1 text and compares the scheme
	// in ASCII: "Basic\xa0..." is two words, "Basic\u3000..." one, and
	// "Baſic" no "basic".
	if f := pyescape.Fields(r.Header.Get("Authorization")); len(f) == 2 {
		env = append(env, "AUTH_TYPE="+f[0])
		if isBasic(f[0]) {
			if b, err := base64.StdEncoding.DecodeString(f[1]); err == nil && isASCII(b) {
				if up := strings.Split(string(b), ":"); len(up) == 2 {
					env = append(env, "REMOTE_USER="+up[0])
				}
			}
		}
	}
	return env
}

// isBasic reports whether scheme is "basic" in any ASCII case.
func isBasic(scheme string) bool {
	if len(scheme) != len("basic") {
		return false
	}
	for i := 0; i < len(scheme); i++ {
		if scheme[i]|0x20 != "basic"[i] {
			return false
		}
	}
	return true
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// state is what one request learns from its launcher and from
// net/http/cgi. It receives the launcher's standard error as an
// io.Writer.
type state struct {
	h      *Handler
	w      http.ResponseWriter
	r      *http.Request
	script string
	body   *trackedBody

	mu       sync.Mutex
	buf      []byte
	pgid     int
	exited   bool // the launcher reported the script's exit
	killed   bool // the script was killed by a signal
	timedOut bool
	// gone is set by kill: the client went away, and a script whose
	// process group is not known yet is killed as soon as it is.
	gone   bool
	failed bool // net/http/cgi gave up on the response (stdcgiFailures)
	// gaveUp holds net/http/cgi's messages of giving up on the response,
	// which finish logs once it knows why the response failed: a script
	// that was killed (its time limit, its header too long, its client
	// gone) or never started has already been logged for that, and the
	// response that is missing is its consequence, not another error.
	gaveUp []string
	// startFailed is set when the launcher could not start the script.
	startFailed bool
	// headerKilled is set when the launcher killed the script for a
	// header too long.
	headerKilled bool
	// sendFailed is set when a write of the response to the client
	// failed: the client is gone, whatever the script does.
	sendFailed bool
	// started is set once the script's response has begun (its header
	// sent): from then on a time limit cuts it off (see cutOffLate),
	// until sent is set: the whole response is out, and a script that
	// runs on past the limit has nothing left to cut.
	started, sent bool
	// bodyErr is why the client's request body failed; the script was
	// killed for it.
	bodyErr error
	// over is closed, and isOver set, once the script is past running
	// on: its kill sent, its exit reported, or its start failed.
	over   chan struct{}
	isOver bool
	// overloaded is set when the script could not be started for lack
	// of file descriptors, memory or processes (see overloadCause).
	overloaded error
}

func (st *state) Write(p []byte) (int, error) {
	st.mu.Lock()
	st.buf = append(st.buf, p...)
	var lines []string
	for {
		i := strings.IndexByte(string(st.buf), '\n')
		if i < 0 {
			break
		}
		lines = append(lines, string(st.buf[:i]))
		st.buf = st.buf[i+1:]
	}
	st.mu.Unlock()
	for _, l := range lines {
		st.line(l)
	}
	return len(p), nil
}

// line handles one tagged line from the launcher.
func (st *state) line(l string) {
	if l == "" {
		return
	}
	ctx := st.r.Context()
	msg := l[1:]
	switch l[0] {
	case tagStderr:
		st.h.logger.LogAttrs(ctx, slog.LevelWarn, msg, slog.String("script", st.script))
	case tagPID:
		pid, err := strconv.Atoi(msg)
		if err == nil && pid > 1 {
			st.mu.Lock()
			st.pgid = pid
			if st.gone {
				// The client left before the script started.
				killGroup(pid)
				st.signalled()
			}
			st.mu.Unlock()
		}
	case tagTimeout:
		st.mu.Lock()
		st.timedOut = true
		st.mu.Unlock()
		st.unblockBody(true)
		st.cutOffLate()
		st.h.logger.LogAttrs(ctx, slog.LevelWarn, "CGI script timed out, killed",
			slog.String("script", st.script), slog.Duration("timeout", st.h.timeout))
	case tagExit:
		st.mu.Lock()
		st.exited = true
		st.killed = strings.HasPrefix(msg, "-") // killed by a signal
		st.signalled()
		st.mu.Unlock()
		st.unblockBody(true)
		if msg != "0" {
			// Python's log_error("CGI script exit code %d", ...).
			st.h.logger.LogAttrs(ctx, slog.LevelWarn, "CGI script exit code "+msg,
				slog.String("script", st.script))
		}
	case tagHeader:
		st.mu.Lock()
		st.headerKilled = true
		st.mu.Unlock()
		st.h.logger.LogAttrs(ctx, slog.LevelError, "CGI script header too long, killed",
			slog.String("script", st.script), slog.String("limit", msg))
	case tagFail:
		st.mu.Lock()
		st.startFailed = true
		st.signalled() // no script to kill
		st.mu.Unlock()
		if err := overloadCause(msg); err != nil {
			st.mu.Lock()
			st.overloaded = err
			st.mu.Unlock()
			st.h.logger.LogAttrs(ctx, slog.LevelDebug, "CGI script could not be started",
				slog.String("script", st.script), slog.String("err", msg))
			return
		}
		st.h.logger.LogAttrs(ctx, slog.LevelError, "CGI script could not be started",
			slog.String("script", st.script), slog.String("err", msg))
	}
}

// cutOffLate ends, once the time limit has passed, a response that has
// begun: a write waiting for a client that stopped reading fails now,
// and with it the request's hold on its slot of MaxConcurrent, which
// the time limit bounds. A response that has not begun is left for
// finish, which sends the 504 page. It is called when either happens,
// the later of the two acting. (Not every ResponseWriter has deadlines.)
func (st *state) cutOffLate() {
	st.mu.Lock()
	cut := st.started && st.timedOut && !st.sent
	st.mu.Unlock()
	if cut {
		st.h.warnNoDeadline(http.NewResponseController(st.w).SetWriteDeadline(aLongTimeAgo))
	}
}

// warnNoDeadline says, once, that err, from setting a deadline of the
// connection through http.ResponseController, is that the ResponseWriter
// cannot: a middleware in front wraps it without an Unwrap method. The
// time limit then bounds neither a request body sent slowly, which holds
// its connection, nor a client that stops reading a script's output,
// which holds its script's slot of MaxConcurrent until it goes away.
func (h *Handler) warnNoDeadline(err error) {
	if errors.Is(err, http.ErrNotSupported) {
		h.noDeadline.Do(func() {
			h.logger.Warn("cgi: Options.Timeout cannot bound request bodies or slow clients: the ResponseWriter cannot set deadlines (give the middleware's ResponseWriter an Unwrap method)")
		})
	}
}

// kill kills the script's process group unless it is known to be over,
// or, if it has not started yet, as soon as it starts.
func (st *state) kill() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.gone = true
	if st.pgid > 1 && !st.exited {
		killGroup(st.pgid)
	}
	if st.pgid > 1 || st.exited {
		st.signalled()
	}
}

// signalled records that the script is past running on: killed, over,
// or never started. st.mu is held.
func (st *state) signalled() {
	if !st.isOver {
		st.isOver = true
		close(st.over)
	}
}

// killWait bounds how long a failed body waits for the script's kill
// (see bodyFailed): the launcher reports the script's pid as soon as it
// has started it.
const killWait = 5 * time.Second

// bodyFailed kills the script when the client's request body fails
// (err): what the script has read is not the body the client meant to
// send, and it must not answer as if it were.
func (st *state) bodyFailed(err error) {
	st.mu.Lock()
	first := st.bodyErr == nil
	if first {
		st.bodyErr = err
	}
	st.mu.Unlock()
	if first {
		st.h.logger.LogAttrs(st.r.Context(), slog.LevelWarn, "cgi: request body failed, script killed",
			slog.String("script", st.script), slog.Any("err", err))
		st.kill()
	}
	// Hold the error back until the kill is sent: net/http/cgi closes
	// the script's standard input when the read fails, and a script
	// that read end of input before its kill could still answer as if
	// it had the whole body. (Its pid may not be known yet: then it is
	// killed as soon as the launcher reports it.)
	t := time.NewTimer(killWait)
	defer t.Stop()
	select {
	case <-st.over:
	case <-t.C:
	}
}

// unblockBody stops a read of the request body that waits for a client
// when the script will not read it any more; net/http/cgi would wait for
// that read to finish. ours says the script is over, so that the read's
// deadline error is not the client's: unless the request's context has
// already ended, which is how a read that failed on its own (the
// server's read deadline, a cut connection) begins. Then the script
// may be over only because that failure had it killed, and the read's
// error is the client's.
func (st *state) unblockBody(ours bool) {
	if st.body.eof.Load() {
		return
	}
	if ours && st.r.Context().Err() == nil {
		st.body.unblocked.Store(true)
	}
	// Not every ResponseWriter supports deadlines; then the read ends
	// when the client sends the rest or goes away.
	_ = http.NewResponseController(st.w).SetReadDeadline(aLongTimeAgo)
}

// stdcgiLog receives net/http/cgi's complaints about the script's
// response.
type stdcgiLog struct{ st *state }

// stdcgiFailures begin the messages net/http/cgi logs when it gives up
// on the script's response and answers a bare 500 itself (or nothing, for
// a bogus status). Its other messages ("bogus header line", "invalid
// header name") are about a header line it skips and goes on without: the
// script's response, a Status: 500 included, still stands.
var stdcgiFailures = []string{
	"CGI error: ",
	"cgi: long header line from subprocess.",
	"cgi: error reading headers: ",
	"cgi: bogus status (short): ",
	"cgi: bogus status: ",
	"cgi: no headers",
	"cgi: missing required Content-Type in headers",
	"cgi: error resolving local URI path ",
}

func (l stdcgiLog) Write(p []byte) (int, error) {
	st := l.st
	msg := strings.TrimSpace(string(p))
	level := slog.LevelError
	st.mu.Lock()
	for _, f := range stdcgiFailures {
		if strings.HasPrefix(msg, f) {
			st.failed = true
			if f != "CGI error: " {
				// Logged by finish, which knows the cause.
				st.gaveUp = append(st.gaveUp, msg)
				st.mu.Unlock()
				return len(p), nil
			}
			break
		}
	}
	if strings.HasPrefix(msg, "cgi: copy error: ") && st.sendFailed || st.bodyErr != nil {
		// The client went away during the response, or its body
		// failed and the script was killed for it (logged then):
		// nothing is wrong with the script.
		level = slog.LevelDebug
	}
	if strings.HasPrefix(msg, "CGI error: ") {
		// The launcher could not be started (net/http/cgi's pipe or
		// fork/exec failed).
		st.signalled()
		if err := overloadCause(msg); err != nil {
			st.overloaded = err
			level = slog.LevelDebug // said once per episode instead
		}
	}
	st.mu.Unlock()
	st.h.logger.LogAttrs(st.r.Context(), level, "cgi: bad script response",
		slog.String("script", st.script), slog.String("err", msg))
	return len(p), nil
}

// overloadCause returns the error that msg, a message of net/http/cgi or
// of the launcher, ends with if it is one of [overload.Is]'s, or EAGAIN,
// which fork(2) and execve(2) answer at the limit on processes
// (RLIMIT_NPROC, the system's threads-max or pid_max): both pass on their
// errors as text only. Each frees itself as processes end.
func overloadCause(msg string) error {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.EAGAIN} {
		if strings.HasSuffix(msg, ": "+errno.Error()) {
			return errno
		}
	}
	return nil
}

// unavailable answers 503 "Service Unavailable" with Retry-After for a
// script that cannot be found or started because the process is out of
// file descriptors, memory or processes (err), and says so in the log
// once per episode: a moment later the same request may succeed.
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	h.overload.Failed(r.Context(), err)
	w.Header()["Retry-After"] = retryAfter
	h.sendError(w, r, http.StatusServiceUnavailable, "Service Unavailable")
}

// closeValue is the Connection header value that ends a connection.
var closeValue = []string{"close"}

// retryAfter is the Retry-After of a 503 for lack of file descriptors:
// they come back as responses in flight finish and idle connections
// close, within seconds.
var retryAfter = []string{"1"}
