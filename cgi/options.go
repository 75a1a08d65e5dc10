package cgi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/internal/overload"
)

// Options configures a [Handler]. Only Root is required; the zero value of
// every other field gives Python's CGIHTTPRequestHandler plus the
// protections described in the package documentation (no environment
// leaked to scripts, a time limit, a bound on concurrent scripts).
type Options struct {
	// Root is the OS directory that holds the CGI directories (cgi-bin/
	// and so on): the directory Python's server serves. It is made
	// absolute by New.
	Root string

	// WorkDir is the scripts' working directory. Python's scripts run in
	// the server's current directory, which is Root unless the server was
	// given another (--directory): the command sets WorkDir to its own
	// current directory. If empty, Root.
	WorkDir string

	// Dirs are the URL paths of the CGI directories, relative to the
	// mount point (Python's cgi_directories). Each starts with '/' and
	// has no trailing slash. If nil, "/cgi-bin" and "/htbin".
	Dirs []string

	// Prefix is the path under which the handler is mounted, as the
	// client sees it ("/app" when it sits behind
	// http.StripPrefix("/app", ...)). It goes in front of SCRIPT_NAME and
	// of the script names in error pages. Empty means mounted at "/".
	Prefix string

	// ServerSoftware is the SERVER_SOFTWARE value (Python's
	// version_string()). If empty, "SimpleHTTP/0.6 Go/<version>".
	ServerSoftware string

	// Protocol is the SERVER_PROTOCOL value (Python's protocol_version).
	// If empty, "HTTP/1.0".
	Protocol string

	// InheritEnv lists the names of variables of the server's
	// environment that scripts inherit, as net/http/cgi's Handler field
	// of the same name does; others are not passed on, except PATH, which
	// is set to a fixed "/usr/local/bin:/usr/bin:/bin" unless listed here.
	// A variable that describes the request (REMOTE_ADDR, REMOTE_USER,
	// SERVER_NAME, HTTP_COOKIE and the like) cannot be listed: New
	// returns an error.
	InheritEnv []string

	// InheritAllEnv passes the whole environment of the server to
	// scripts, as Python does, but for the variables that describe the
	// request: a REMOTE_USER or HTTP_COOKIE in the server's environment
	// never reaches a script as if the request had sent it (Python
	// would pass them on where the request sets none).
	InheritAllEnv bool

	// Env lists variables to set for every script, as "KEY=value", as
	// net/http/cgi's Handler field of the same name does. A variable that
	// describes the request (as for InheritEnv) cannot be set: a request
	// that does not define it (REMOTE_USER without credentials) would
	// reach the script with the value set here. New returns an error.
	Env []string

	// ErrorHandler sends every error response of the handler, with the
	// status code and the message Python's send_error gets for it: 404
	// "No such CGI script ('/cgi-bin/x')", 403 "CGI script is not a plain
	// file (...)" or "CGI script is not executable (...)", 501 "Can only
	// POST to CGI scripts" and "Unsupported method ('PUT')", 404 "File
	// not found" for a path refused as CGI (and from ServeHTTP, for any
	// path that is not CGI), and, beyond Python, 502 "CGI script sent no
	// valid response (...)", 503 "Too many CGI scripts running", 504
	// "CGI script timed out (...)", and 503 "Service Unavailable" when
	// the script cannot be started, or the CGI directory opened, because
	// the process is out of file descriptors, memory or processes, with
	// "Retry-After: 1" already set in w's header. Otherwise nothing has
	// been written to w when it is called. If nil,
	// errorpage.Error(w, r, code, message, "") sends the error: Python's
	// page, or the page of the errorpage middleware the handler runs in.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, code int, message string)

	// Interpreters maps a file extension, with its dot (".py"), to the
	// interpreter that runs scripts with that extension ("python3"),
	// looked up in PATH by New. Such a script must be readable, not
	// executable. If nil, every script is executed directly, as Python
	// does on Unix.
	Interpreters map[string]string

	// Timeout is how long a script may run, and its output take to
	// reach a client that reads it slowly. When it passes, the script
	// and its process group are killed and the client gets 504 if nothing
	// was sent yet (otherwise the response is cut off). It also bounds
	// the arrival of a request body read whole before the script (408).
	// A client that reads slowly, and a body that comes slowly, are cut
	// through http.ResponseController's deadlines, so a middleware in
	// front must give its ResponseWriter an Unwrap method: where they
	// cannot be set, the log says so once, a body that stalls holds its
	// connection, and a client that stops reading holds its script's
	// slot of MaxConcurrent until it goes away. If zero, 60 seconds;
	// negative means no limit.
	Timeout time.Duration

	// MaxConcurrent is the number of scripts that may run at once; beyond
	// it requests get 503, said to Logger once when it begins, at most
	// once a minute while it lasts, and once when a script runs again.
	// If zero, 4 times runtime.NumCPU().
	MaxConcurrent int

	// Launcher is the executable that starts scripts (see
	// [MaybeRunLauncher]). If empty, the running executable
	// (os.Executable), whose main must call MaybeRunLauncher first; New
	// checks that it does.
	Launcher string

	// Logger receives what happens to scripts, once each and as it
	// happens: every line a script writes to its standard error (the
	// record's message is the line, with the attribute script), its exit
	// code when it is not 0 ("CGI script exit code 1", Python's log_error
	// line), a timeout, a script that could not be started, and a
	// malformed response (once the script has ended; at level Debug when
	// the response is missing because the script timed out, was killed
	// or could not be started, which is logged already). If nil,
	// slog.Default() is used.
	//
	// The line is the message as the script wrote it, less its CRs, and a
	// script may echo what a client sent (a form field it decoded): the
	// handler must make it safe for where it writes. accesslog's
	// Middleware.SlogHandler scrubs it and slog.TextHandler quotes it, but
	// slog.Default()'s own handler writes it raw, control characters
	// (ESC, C1) included, and slog.JSONHandler leaves C1 controls raw.
	Logger *slog.Logger

	// PassPost passes a POST that is not for a CGI path to the next
	// handler, for one that takes POSTs itself (the file server's
	// uploads). If false, such a POST gets 501 "Can only POST to CGI
	// scripts", as in Python. A POST (or any other method) to a CGI path
	// is the CGI handler's either way: nothing can be uploaded into a CGI
	// directory through a CGI path. A path that reaches one through a
	// symbolic link (scripts -> cgi-bin) is not a CGI path, though, and
	// goes on to the file server: list Dirs in its
	// fileserver.Options.ExcludeDirs, as the simplehttp command does, or
	// an upload through the link lands where the next request runs it
	// (with Interpreters, a file only readable runs).
	PassPost bool

	// PassAuthorization passes the request's Authorization (and
	// Proxy-Authorization) header to scripts as HTTP_AUTHORIZATION, with
	// the password it carries. If false, scripts get only AUTH_TYPE and
	// REMOTE_USER, as under Python and Apache: a server that checks
	// passwords does not hand them to every script.
	PassAuthorization bool
}

// Handler runs CGI scripts the way Python's CGIHTTPRequestHandler does, on
// top of net/http/cgi. It is immutable after [New] and safe for concurrent
// use.
type Handler struct {
	root     string
	workDir  string // the scripts' working directory: WorkDir, or root
	dirs     []string
	prefix   string
	software string
	protocol string
	inherit  []string // names passed to stdcgi.Handler.InheritEnv
	extraEnv []string // Options.Env
	pathEnv  string   // PATH for scripts; "" when inherited
	unset    string
	interps  map[string]string
	timeout  time.Duration
	sem      chan struct{}
	launcher string
	cred     string
	logger   *slog.Logger
	passPost bool
	passAuth bool
	// windowsNames: the file system is reached through Windows, which
	// takes other spellings for a name (see windowsViews).
	windowsNames bool
	sendError    func(w http.ResponseWriter, r *http.Request, code int, message string)
	dirPrefixes  []string // dirs with a trailing slash
	overload     *overload.Log
	// busy reports the requests refused beyond MaxConcurrent once per
	// episode, with busyErr.
	busy    *overload.Log
	busyErr error
	// noDeadline says once that the ResponseWriter cannot set the
	// connection's deadlines (see warnNoDeadline).
	noDeadline sync.Once
}

const defaultPath = "/usr/local/bin:/usr/bin:/bin"

// errNotNew is the panic of a Handler that New did not make: its zero
// value knows no root and no script directory.
const errNotNew = "cgi: Handler not made by New"

// New checks opts and returns a Handler. It fails when Root is not a
// directory, a CGI directory, an environment variable or an interpreter is
// malformed or not found, the launcher does not answer, or the server runs
// as root and there is no user nobody to run scripts as. On a system that
// is not Unix (Windows) it always fails: scripts are not supported there.
func New(opts Options) (*Handler, error) {
	if errUnsupported != nil {
		return nil, errUnsupported
	}
	root, err := checkRoot(opts.Root)
	if err != nil {
		return nil, err
	}
	workDir := root
	if opts.WorkDir != "" {
		if workDir, err = checkDir(opts.WorkDir, "WorkDir"); err != nil {
			return nil, err
		}
	}
	h := &Handler{
		root:      root,
		workDir:   workDir,
		prefix:    strings.TrimRight(opts.Prefix, "/"),
		software:  opts.ServerSoftware,
		protocol:  opts.Protocol,
		timeout:   opts.Timeout,
		passPost:  opts.PassPost,
		passAuth:  opts.PassAuthorization,
		logger:    opts.Logger,
		sendError: opts.ErrorHandler,
		pathEnv:   defaultPath,
	}
	if h.prefix != "" && !strings.HasPrefix(h.prefix, "/") {
		return nil, fmt.Errorf("cgi: Prefix %q does not start with /", opts.Prefix)
	}
	h.windowsNames = runtime.GOOS == "windows"
	if err := h.setDirs(opts.Dirs); err != nil {
		return nil, err
	}
	h.setDefaults()
	if opts.MaxConcurrent < 0 {
		return nil, fmt.Errorf("cgi: MaxConcurrent %d < 0", opts.MaxConcurrent)
	}
	n := opts.MaxConcurrent
	if n == 0 {
		n = 4 * runtime.NumCPU()
	}
	h.sem = make(chan struct{}, n)
	h.busyErr = fmt.Errorf("%d running, as many as Options.MaxConcurrent allows", n)
	if err := h.setEnv(opts); err != nil {
		return nil, err
	}
	if err := h.setInterpreters(opts.Interpreters); err != nil {
		return nil, err
	}
	if h.cred, err = scriptCredentials(); err != nil {
		return nil, err
	}
	if h.launcher, err = launcher(opts.Launcher); err != nil {
		return nil, err
	}
	return h, nil
}

// checkRoot makes root absolute and checks that it is a directory.
func checkRoot(root string) (string, error) {
	if root == "" {
		return "", errors.New("cgi: Options.Root is empty")
	}
	return checkDir(root, "root")
}

// checkDir returns dir made absolute, or an error (naming it what) if it
// is not a directory.
func checkDir(dir, what string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("cgi: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("cgi: %w", err)
	} else if !fi.IsDir() {
		return "", fmt.Errorf("cgi: %s %s is not a directory", what, abs)
	}
	return abs, nil
}

// setDirs checks the CGI directories (Options.Dirs).
func (h *Handler) setDirs(dirs []string) error {
	if dirs == nil {
		dirs = []string{"/cgi-bin", "/htbin"}
	}
	for _, d := range dirs {
		if d == "" || d[0] != '/' || d == "/" || path.Clean(d) != d {
			return fmt.Errorf("cgi: bad CGI directory %q (want a clean path like /cgi-bin)", d)
		}
		h.dirs = append(h.dirs, d)
		h.dirPrefixes = append(h.dirPrefixes, d+"/")
	}
	return nil
}

// setDefaults fills in what the zero Options leave empty.
func (h *Handler) setDefaults() {
	if h.software == "" {
		h.software = "SimpleHTTP/0.6 Go/" + strings.TrimPrefix(runtime.Version(), "go")
	}
	if h.protocol == "" {
		h.protocol = "HTTP/1.0"
	}
	if h.timeout == 0 {
		h.timeout = 60 * time.Second
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	h.overload = overload.New(h.logger, "cgi: out of file descriptors, memory or processes, answering 503")
	h.busy = overload.New(h.logger, "cgi: too many scripts running, answering 503")
	if h.sendError == nil {
		h.sendError = defaultError
	}
}

// defaultError sends an error as Python's send_error(code, message) does,
// through errorpage: Python's page, or the one of the errorpage middleware
// the handler runs in.
func defaultError(w http.ResponseWriter, r *http.Request, code int, message string) {
	errorpage.Error(w, r, code, message, "")
}

// setEnv decides the environment of scripts: the variables inherited
// (Options.InheritEnv, or all with InheritAllEnv), PATH, the ones set
// (Options.Env), and what net/http/cgi would pass on by itself
// (LD_LIBRARY_PATH...), which the launcher removes unless allowed.
func (h *Handler) setEnv(opts Options) error {
	allowed := map[string]bool{}
	for _, k := range opts.InheritEnv {
		if !validEnvName(k) {
			return fmt.Errorf("cgi: bad environment variable name %q in InheritEnv", k)
		}
		if requestVariable(k) {
			return fmt.Errorf("cgi: %s in InheritEnv: the request defines it", k)
		}
		allowed[k] = true
	}
	if opts.InheritAllEnv {
		for _, kv := range os.Environ() {
			k, _, ok := strings.Cut(kv, "=")
			if ok && k != "" && !requestVariable(k) {
				allowed[k] = true
			}
		}
	}
	for _, kv := range opts.Env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || !validEnvName(k) || strings.ContainsRune(kv, 0) {
			return fmt.Errorf("cgi: bad environment variable %q in Env (want KEY=value)", kv)
		}
		if requestVariable(k) {
			// Set here, it would reach every script as if each request had
			// sent it (REMOTE_USER: authenticated).
			return fmt.Errorf("cgi: %s in Env: the request defines it", k)
		}
		if k == "PATH" {
			h.pathEnv = "" // the one set below wins
		}
	}
	h.extraEnv = slices.Clone(opts.Env)
	if allowed["PATH"] {
		h.pathEnv = ""
	}
	h.inherit = slices.Sorted(maps.Keys(allowed))
	var unset []string
	for _, k := range stdcgiInherited() {
		if !allowed[k] {
			unset = append(unset, k)
		}
	}
	// net/http/cgi makes an HTTP_* variable of every request header,
	// Content-Type and Content-Length too, which CONTENT_TYPE and
	// CONTENT_LENGTH already give: Python and Apache do not set them, and
	// RFC 3875 says a server should not.
	unset = append(unset, "HTTP_CONTENT_LENGTH", "HTTP_CONTENT_TYPE")
	h.unset = strings.Join(unset, ",")
	return nil
}

// requestVariables are the CGI variables that describe a request. An
// inherited variable would come after them and win, so a server started
// with REMOTE_USER in its environment would tell every script that the
// request was authenticated: they are never inherited.
var requestVariables = map[string]bool{
	"AUTH_TYPE": true, "CONTENT_LENGTH": true, "CONTENT_TYPE": true, "GATEWAY_INTERFACE": true,
	"HTTPS": true, "PATH_INFO": true, "PATH_TRANSLATED": true, "QUERY_STRING": true,
	"REMOTE_ADDR": true, "REMOTE_HOST": true, "REMOTE_IDENT": true, "REMOTE_PORT": true,
	"REMOTE_USER": true, "REQUEST_METHOD": true, "REQUEST_URI": true, "SCRIPT_FILENAME": true,
	"SCRIPT_NAME": true, "SERVER_NAME": true, "SERVER_PORT": true, "SERVER_PROTOCOL": true,
	"SERVER_SOFTWARE": true,
}

// requestVariable reports whether k is defined by each request: a CGI
// variable of requestVariables, or a request header (HTTP_*) other than
// HTTP_PROXY, which is the server's proxy setting (a request's Proxy
// header never becomes it).
func requestVariable(k string) bool {
	return requestVariables[k] || strings.HasPrefix(k, "HTTP_") && k != "HTTP_PROXY"
}

// validEnvName reports whether k can name an environment variable that
// the launcher can pass on.
func validEnvName(k string) bool {
	return k != "" && !strings.ContainsAny(k, "=,\x00")
}

// setInterpreters looks up the interpreters (Options.Interpreters).
func (h *Handler) setInterpreters(interps map[string]string) error {
	if len(interps) == 0 {
		return nil
	}
	h.interps = make(map[string]string, len(interps))
	for ext, prog := range interps {
		if !strings.HasPrefix(ext, ".") || strings.Contains(ext[1:], ".") {
			return fmt.Errorf("cgi: bad interpreter extension %q", ext)
		}
		p, err := exec.LookPath(prog)
		if err != nil {
			return fmt.Errorf("cgi: interpreter for %s: %w", ext, err)
		}
		if p, err = filepath.Abs(p); err != nil {
			return fmt.Errorf("cgi: interpreter for %s: %w", ext, err)
		}
		h.interps[strings.ToLower(ext)] = p
	}
	return nil
}

// scriptCredentials returns "uid:gid" of user nobody when the server runs
// as root (scripts then run as nobody, as in Python), else "".
func scriptCredentials() (string, error) {
	if os.Geteuid() != 0 {
		return "", nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return "", fmt.Errorf("cgi: running as root, but cannot run scripts as nobody: %w", err)
	}
	if _, err := strconv.ParseUint(u.Uid, 10, 32); err != nil {
		return "", fmt.Errorf("cgi: uid of nobody: %w", err)
	}
	if _, err := strconv.ParseUint(u.Gid, 10, 32); err != nil {
		return "", fmt.Errorf("cgi: gid of nobody: %w", err)
	}
	return u.Uid + ":" + u.Gid, nil
}

// launcher returns the launcher to use (Options.Launcher, or this
// executable) after checking that it answers.
func launcher(name string) (string, error) {
	if name == "" {
		var err error
		if name, err = os.Executable(); err != nil {
			return "", fmt.Errorf("cgi: launcher: %w", err)
		}
	}
	if err := pingLauncher(name); err != nil {
		return "", err
	}
	return name, nil
}

// stdcgiInherited lists what net/http/cgi passes on from the server's
// environment whatever its configuration says.
func stdcgiInherited() []string {
	switch runtime.GOOS {
	case "darwin", "ios":
		return []string{"DYLD_LIBRARY_PATH"}
	case "android", "linux", "freebsd", "netbsd", "openbsd":
		return []string{"LD_LIBRARY_PATH"}
	case "hpux":
		return []string{"LD_LIBRARY_PATH", "SHLIB_PATH"}
	case "illumos", "solaris":
		return []string{"LD_LIBRARY_PATH", "LD_LIBRARY_PATH_32", "LD_LIBRARY_PATH_64"}
	}
	return nil
}

// pingLauncher checks that launcher runs [MaybeRunLauncher] before doing
// anything else, so that a request never starts a second server.
//
// A launcher that does not is usually this very program, whose main
// forgot the call: run for the ping, it would reach New and ping a copy
// of itself, and so on without end. So a New called in a process started
// as a launcher (its first argument is launcherArg) stops that process at
// once, saying why; the ping then fails with the message below.
func pingLauncher(launcher string) error {
	if len(os.Args) > 1 && os.Args[1] == launcherArg {
		os.Stderr.WriteString("cgi: started as a CGI launcher, but main did not call cgi.MaybeRunLauncher first\n")
		syscall.Exit(127)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, launcher, launcherArg, launcherPing)
	cmd.Env = []string{}
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		// It never ran: no file descriptor for its pipes (a small
		// ulimit -n), no process, no such file, not executable.
		return fmt.Errorf("cgi: cannot start the launcher %s: %w", launcher, err)
	}
	if err != nil || !bytes.Equal(bytes.TrimSpace(out), []byte(launcherPong)) {
		return fmt.Errorf("cgi: launcher %s does not answer (does main call cgi.MaybeRunLauncher first?): %v%s", launcher, err, launcherSaid(err))
	}
	return nil
}

// launcherSaid is the first line the launcher wrote to its standard error
// before it failed with err, after ": ", or "": the reason, when it is
// not the missing call, such as a runtime that could not start a thread
// at the limit on processes.
func launcherSaid(err error) string {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return ""
	}
	line, _, _ := bytes.Cut(bytes.TrimSpace(ee.Stderr), []byte("\n"))
	if len(line) > 200 {
		line = line[:200]
	}
	if len(line) == 0 {
		return ""
	}
	return ": " + strconv.QuoteToASCII(string(line))
}
