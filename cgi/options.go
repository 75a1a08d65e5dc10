package cgi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"os/user"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Options configures a [Handler]. Only Root is required; the zero value of
// every other field gives Python's CGIHTTPRequestHandler plus the
// protections SPEC §4 turns on.
type Options struct {
	// Root is the OS directory that holds the CGI directories (cgi-bin/
	// and so on): the directory Python's server serves. It is made
	// absolute by New. Scripts run with Root as working directory, as
	// under Python, where it is the server's current directory.
	Root string

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

	// Env lists the names of variables of the server's environment that
	// scripts inherit; others are not passed on, except PATH, which is
	// set to a fixed "/usr/local/bin:/usr/bin:/bin" unless listed here.
	Env []string

	// InheritEnv passes the whole environment of the server to scripts,
	// as Python does; the CGI variables of the request take precedence.
	InheritEnv bool

	// Interpreters maps a file extension, with its dot (".py"), to the
	// interpreter that runs scripts with that extension ("python3"),
	// looked up in PATH by New. Such a script must be readable, not
	// executable. If nil, every script is executed directly, as Python
	// does on Unix.
	Interpreters map[string]string

	// Timeout is how long a script may run. When it passes, the script
	// and its process group are killed and the client gets 504 if nothing
	// was sent yet (otherwise the response is cut off). If zero, 60
	// seconds; negative means no limit.
	Timeout time.Duration

	// MaxConcurrent is the number of scripts that may run at once; beyond
	// it requests get 503. If zero, 4 times runtime.NumCPU().
	MaxConcurrent int

	// Launcher is the executable that starts scripts (see
	// [MaybeRunLauncher]). If empty, the running executable
	// (os.Executable), whose main must call MaybeRunLauncher first; New
	// checks that it does.
	Launcher string

	// Logger receives the diagnostics: script standard error (with the
	// script name), exit codes, timeouts and malformed responses.
	// If nil, slog.Default() is used.
	Logger *slog.Logger
}

// Handler runs CGI scripts the way Python's CGIHTTPRequestHandler does, on
// top of net/http/cgi. It is immutable after [New] and safe for concurrent
// use.
type Handler struct {
	root        string
	dirs        []string
	prefix      string
	software    string
	protocol    string
	inherit     []string // names passed to stdcgi.Handler.InheritEnv
	inheritAll  bool
	pathEnv     string // PATH for scripts; "" when inherited
	unset       string
	interps     map[string]string
	timeout     time.Duration
	sem         chan struct{}
	launcher    string
	cred        string
	logger      *slog.Logger
	dirPrefixes []string // dirs with a trailing slash
}

const defaultPath = "/usr/local/bin:/usr/bin:/bin"

// New checks opts and returns a Handler. It fails when Root is not a
// directory, a CGI directory or interpreter is malformed or not found,
// the launcher does not answer, or the server runs as root and there is no
// user nobody to run scripts as.
func New(opts Options) (*Handler, error) {
	if opts.Root == "" {
		return nil, errors.New("cgi: Options.Root is empty")
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("cgi: %w", err)
	}
	if fi, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("cgi: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("cgi: root %s is not a directory", root)
	}
	h := &Handler{
		root:     root,
		prefix:   strings.TrimRight(opts.Prefix, "/"),
		software: opts.ServerSoftware,
		protocol: opts.Protocol,
		timeout:  opts.Timeout,
		logger:   opts.Logger,
		pathEnv:  defaultPath,
	}
	if h.prefix != "" && !strings.HasPrefix(h.prefix, "/") {
		return nil, fmt.Errorf("cgi: Prefix %q does not start with /", opts.Prefix)
	}
	dirs := opts.Dirs
	if dirs == nil {
		dirs = []string{"/cgi-bin", "/htbin"}
	}
	for _, d := range dirs {
		if d == "" || d[0] != '/' || d == "/" || path.Clean(d) != d {
			return nil, fmt.Errorf("cgi: bad CGI directory %q (want a clean path like /cgi-bin)", d)
		}
		h.dirs = append(h.dirs, d)
		h.dirPrefixes = append(h.dirPrefixes, d+"/")
	}
	if h.software == "" {
		h.software = "SimpleHTTP/0.6 Go/" + strings.TrimPrefix(runtime.Version(), "go")
	}
	if h.protocol == "" {
		h.protocol = "HTTP/1.0"
	}
	if h.timeout == 0 {
		h.timeout = 60 * time.Second
	}
	n := opts.MaxConcurrent
	if n == 0 {
		n = 4 * runtime.NumCPU()
	}
	if n < 0 {
		return nil, fmt.Errorf("cgi: MaxConcurrent %d < 0", n)
	}
	h.sem = make(chan struct{}, n)
	if h.logger == nil {
		h.logger = slog.Default()
	}

	// Environment: the allow-list, PATH, and what net/http/cgi would
	// inherit on its own (LD_LIBRARY_PATH...), which the launcher removes.
	allowed := map[string]bool{}
	for _, k := range opts.Env {
		if k == "" || strings.ContainsAny(k, "=,\x00") {
			return nil, fmt.Errorf("cgi: bad environment variable name %q", k)
		}
		allowed[k] = true
	}
	h.inheritAll = opts.InheritEnv
	if opts.InheritEnv {
		for _, kv := range os.Environ() {
			// Request headers, not the server, define HTTP_* (but a
			// proxy setting of the server is what it says).
			k, _, ok := strings.Cut(kv, "=")
			if ok && k != "" && (!strings.HasPrefix(k, "HTTP_") || k == "HTTP_PROXY") {
				allowed[k] = true
			}
		}
	}
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
	h.unset = strings.Join(unset, ",")

	if len(opts.Interpreters) > 0 {
		h.interps = make(map[string]string, len(opts.Interpreters))
		for ext, prog := range opts.Interpreters {
			if !strings.HasPrefix(ext, ".") || strings.Contains(ext[1:], ".") {
				return nil, fmt.Errorf("cgi: bad interpreter extension %q", ext)
			}
			p, err := exec.LookPath(prog)
			if err != nil {
				return nil, fmt.Errorf("cgi: interpreter for %s: %w", ext, err)
			}
			if p, err = filepath.Abs(p); err != nil {
				return nil, fmt.Errorf("cgi: interpreter for %s: %w", ext, err)
			}
			h.interps[strings.ToLower(ext)] = p
		}
	}

	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return nil, fmt.Errorf("cgi: running as root, but cannot run scripts as nobody: %w", err)
		}
		if _, err := strconv.ParseUint(u.Uid, 10, 32); err != nil {
			return nil, fmt.Errorf("cgi: uid of nobody: %w", err)
		}
		if _, err := strconv.ParseUint(u.Gid, 10, 32); err != nil {
			return nil, fmt.Errorf("cgi: gid of nobody: %w", err)
		}
		h.cred = u.Uid + ":" + u.Gid
	}

	h.launcher = opts.Launcher
	if h.launcher == "" {
		if h.launcher, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("cgi: launcher: %w", err)
		}
	}
	if err := pingLauncher(h.launcher); err != nil {
		return nil, err
	}
	return h, nil
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
func pingLauncher(launcher string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, launcher, launcherArg, launcherPing)
	cmd.Env = []string{}
	out, err := cmd.Output()
	if err != nil || !bytes.Equal(bytes.TrimSpace(out), []byte(launcherPong)) {
		return fmt.Errorf("cgi: launcher %s does not answer (does main call cgi.MaybeRunLauncher first?): %v", launcher, err)
	}
	return nil
}
