package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/simplehttp/simplehttp/fileserver"
)

// parseAuth adds the users of the --auth values, USER:PASSWORD (the
// password may be a bcrypt hash), to cfg. The messages never show a
// password.
func parseAuth(cfg *config, values []string) error {
	for _, v := range values {
		user, pw, ok := strings.Cut(v, ":")
		switch {
		case !ok:
			return usagef("invalid --auth: want USER:PASSWORD (no ':' in the value)")
		case user == "":
			return usagef("invalid --auth: empty user name in USER:PASSWORD")
		case pw == "":
			return usagef("invalid --auth for user %q: empty password", user)
		}
		if _, dup := cfg.AuthUsers[user]; dup {
			return usagef("invalid --auth: user %q given twice", user)
		}
		if cfg.AuthUsers == nil {
			cfg.AuthUsers = map[string]string{}
		}
		cfg.AuthUsers[user] = pw
	}
	return nil
}

// authOn reports whether the command asks for credentials.
func (cfg *config) authOn() bool { return len(cfg.AuthUsers) > 0 || cfg.AuthFile != "" }

// newAuth makes the Basic authentication middleware of --auth,
// --auth-file and --auth-for, or returns nil when there is none.
func newAuth(cfg config, logger *slog.Logger) (func(http.Handler) http.Handler, error) {
	if !cfg.authOn() {
		return nil, nil
	}
	users := make(map[string]string, len(cfg.AuthUsers))
	for u, pw := range cfg.AuthUsers {
		users[u] = pw
	}
	if cfg.AuthFile != "" {
		if inDir(cfg.Dir, cfg.AuthFile) {
			// Every client could download the hashes and guess the
			// passwords offline, at no cost to the server and
			// unseen by its failure limit: under --auth-for write,
			// anyone.
			return nil, fmt.Errorf("--auth-file %q: in the served directory, where clients can download it: keep it elsewhere", cfg.AuthFile)
		}
		f, err := os.Open(cfg.AuthFile)
		if err != nil {
			return nil, fmt.Errorf("--auth-file %q: %w", cfg.AuthFile, pathErr(err))
		}
		fromFile, err := fileserver.ReadHtpasswd(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--auth-file %q: %w", cfg.AuthFile, pathErr(err))
		}
		if len(fromFile) == 0 && len(users) == 0 {
			return nil, fmt.Errorf("--auth-file %q: no users", cfg.AuthFile)
		}
		for u, hash := range fromFile {
			if _, dup := users[u]; dup {
				return nil, fmt.Errorf("--auth-file %q: user %q is also given by --auth", cfg.AuthFile, u)
			}
			users[u] = hash
		}
	}
	a, err := fileserver.NewBasicAuth(fileserver.BasicAuthOptions{Users: users, Scope: cfg.AuthFor, TrustedProxies: cfg.TrustedProxies, Logger: logger})
	if err != nil {
		// The users of the file are valid: ReadHtpasswd checked them,
		// so the fault is in an --auth value (a damaged bcrypt hash):
		// a bad command line, which exits 2.
		return nil, usagef("--auth: %v", err)
	}
	return a.Handler, nil
}

// inDir reports whether the file name is in the directory dir or below
// it, as a request for it could find it: by the name given (a link in
// the directory to a file elsewhere is served under --symlinks follow)
// or by the file's own place, whatever links lead there. Directories are
// compared as files (device and inode), so that letter case, "..", and
// links to dir or in its path make no difference. A link in dir to a
// directory that holds the file, or a hard link to it, is not found:
// only a walk of all of dir could find them.
func inDir(dir, name string) bool {
	di, err := os.Stat(dir)
	if err != nil {
		return false
	}
	under := func(p string) bool {
		p, err := filepath.Abs(p)
		if err != nil {
			return false
		}
		for parent := filepath.Dir(p); parent != p; p, parent = parent, filepath.Dir(parent) {
			if fi, err := os.Stat(parent); err == nil && os.SameFile(fi, di) {
				return true
			}
		}
		return false
	}
	// By the name given, its last element perhaps a link that the
	// server would follow.
	named, ok := byRealDir(name)
	if !ok {
		named = name
	}
	if under(named) {
		return true
	}
	real, err := filepath.EvalSymlinks(name)
	if err == nil {
		return under(real)
	}
	if !ok {
		return false // no directory to create the file in
	}
	// A link whose target does not exist yet: a file opened through it
	// with O_CREATE (a log file) is made at the target.
	return slices.ContainsFunc(linkTargets(named), under)
}

// byRealDir is the name p by its directory's real path: the links and
// ".." of that directory resolved as the system resolves them when it
// opens p (a ".." after a link leads out of the link's target, not back
// to where the link is: in dir/link/../f, f is beside the target), its
// last element left as it is. Cleaning the name first would take that
// ".." back beside the link. It reports false if the directory cannot be
// resolved.
func byRealDir(p string) (string, bool) {
	d, base := filepath.Split(p)
	if d == "" {
		d = "."
	}
	real, err := filepath.EvalSymlinks(d)
	if err != nil {
		return "", false
	}
	return filepath.Join(real, base), true
}

// linkTargets follows the links from p, whose directory is real, one by
// one (at most 40, as the kernel does), and returns each target in turn,
// by its directory's real path: the last is where a file opened through
// p with O_CREATE would be made.
func linkTargets(p string) []string {
	var targets []string
	for range 40 {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			break
		}
		t, err := os.Readlink(p)
		if err != nil {
			break
		}
		if !filepath.IsAbs(t) {
			// p's directory is real: the target is read from it.
			t = filepath.Dir(p) + string(filepath.Separator) + t
		}
		next, ok := byRealDir(t)
		if !ok {
			break
		}
		targets = append(targets, next)
		p = next
	}
	return targets
}

// clearTextWarning is the line printed on stderr at startup when
// passwords would cross the network unencrypted: authentication over
// plain HTTP on an address other than loopback (all interfaces
// included). It is "" otherwise.
func clearTextWarning(cfg config, addr net.Addr, https bool) string {
	if !cfg.authOn() || https {
		return ""
	}
	if ap, err := netip.ParseAddrPort(addr.String()); err == nil && ap.Addr().Unmap().IsLoopback() {
		return ""
	}
	return "simplehttp: warning: --auth over plain HTTP: passwords cross the network in clear text (Basic authentication); serve HTTPS with --tls-cert, or bind to 127.0.0.1 behind a TLS proxy"
}
