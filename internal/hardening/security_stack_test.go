package hardening

// The stack under attack and the raw-socket client shared by the
// security_* and fault_* tests.

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/cgi"
	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/filetree"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

func TestMain(m *testing.M) {
	// The test binary is the CGI launcher (see cgi.MaybeRunLauncher).
	cgi.MaybeRunLauncher()
	os.Exit(m.Run())
}

// marker returns a string that occurs nowhere but where the test puts it.
func marker(kind string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return kind + "-" + hex.EncodeToString(b)
}

// stackOptions varies the stack between tests.
type stackOptions struct {
	Symlinks   fileserver.SymlinkPolicy
	Format     accesslog.Format
	CGITimeout time.Duration
	Protocol   string // SERVER_PROTOCOL for scripts
	Upload     bool   // the file server's Options.Upload
	Archive    bool   // fileserver's Options.Archive

	Listing fileserver.ListingStyle

	TrustedProxies []string // the access log's, as --trusted-proxy
}

// stack is a server on 127.0.0.1 with the handlers of cmd/simplehttp
// --cgi: the access log around the error pages around the CGI middleware
// around the file server, all serving root.
type stack struct {
	srv    *httptest.Server
	addr   string
	access *syncbuf.Buffer // the access log
	diag   *syncbuf.Buffer // slog diagnostics of every package
	al     *accesslog.Middleware
}

func newStack(t testing.TB, root string, o stackOptions) *stack {
	t.Helper()
	s := &stack{access: &syncbuf.Buffer{}, diag: &syncbuf.Buffer{}}
	logger := slog.New(slog.NewTextHandler(s.diag, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fopts := fileserver.Options{Logger: logger, Upload: o.Upload, Archive: o.Archive, Listing: o.Listing}
	if o.Upload {
		fopts.ExcludeDirs = []string{"/cgi-bin", "/htbin"} // as the command's --cgi
	}
	fsrv, err := fileserver.NewDir(root, o.Symlinks, fopts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsrv.Close() })
	s.al, err = accesslog.New(accesslog.Options{Writer: s.access, Format: o.Format, TrustedProxies: o.TrustedProxies})
	if err != nil {
		t.Fatal(err)
	}
	// As in the command: what scripts write to their standard error, and
	// their exit codes, go into the access log's stream.
	c, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(s.al.SlogHandler(nil)), Timeout: o.CGITimeout, Protocol: o.Protocol, PassPost: o.Upload})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := errorpage.New(errorpage.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(s.al.Handler(ep.Handler(c.Handler(fsrv))))
	s.addr = s.srv.Listener.Addr().String()
	t.Cleanup(s.close)
	return s
}

// close stops the server, waiting for the handlers in flight, and writes
// out the access log. It may be called more than once.
func (s *stack) close() {
	s.srv.Close()
	s.al.Close()
}

// rawResponse is what came back on a connection for one request.
type rawResponse struct {
	raw    []byte // everything the server sent
	status int    // 0 when the bytes do not parse as a response
	header http.Header
	body   []byte
	err    error // reading or parsing failed (connection reset, short body)

	dialErr error
}

// rawRequest sends req, written exactly as given (request line, headers,
// the empty line, any body), on a new connection and reads everything
// the server sends until it closes the connection. Go's client would
// clean or re-encode many of the targets these tests send.
func rawRequest(t testing.TB, addr, req string) rawResponse {
	t.Helper()
	res := rawRequestErr(addr, req)
	if res.dialErr != nil {
		t.Fatal(res.dialErr)
	}
	return res
}

// rawRequestErr is rawRequest for other goroutines than the test's: a
// failure to connect is returned in dialErr.
func rawRequestErr(addr, req string) rawResponse {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return rawResponse{err: err, dialErr: err}
	}
	defer conn.Close()
	// A bound, not a timing assertion: nothing here should take long,
	// and a hung server must fail the test rather than hang it.
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		return rawResponse{err: err}
	}
	raw, err := io.ReadAll(conn)
	res := rawResponse{raw: raw, err: err}
	if len(raw) == 0 {
		return res
	}
	method, _, _ := strings.Cut(req, " ")
	hr, perr := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), &http.Request{Method: method})
	if perr != nil {
		if res.err == nil {
			res.err = perr
		}
		return res
	}
	res.status, res.header = hr.StatusCode, hr.Header
	res.body, perr = io.ReadAll(hr.Body)
	if perr != nil && res.err == nil {
		res.err = perr
	}
	return res
}

// get sends "GET target HTTP/1.1" with Host and Connection: close.
func get(t testing.TB, addr, target string) rawResponse {
	t.Helper()
	return rawRequest(t, addr, "GET "+target+" HTTP/1.1\r\nHost: "+addr+"\r\nConnection: close\r\n\r\n")
}

// file is one entry of a tree written by writeTree.
type file struct {
	content string
	mode    os.FileMode // 0 means 0o644; directories are made 0o755
	link    string      // when set, a symbolic link to this target
}

// writeTree creates files under dir (names use '/'; a name ending in '/'
// is a directory). dir, its parents up to the temporary directory and
// the directories under it are made world-readable, whatever the umask,
// so that CGI scripts, which run as nobody when the tests run as root,
// can be executed.
func writeTree(t testing.TB, dir string, files map[string]file) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// t.TempDir makes its directories 0700.
	for d := dir; strings.HasPrefix(d, os.TempDir()+string(filepath.Separator)); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := filetree.MkdirAll(dir, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := filetree.MkdirAll(dir, filepath.Dir(p)); err != nil {
			t.Fatal(err)
		}
		if f.link != "" {
			if err := os.Symlink(f.link, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		if err := os.WriteFile(p, []byte(f.content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
	}
}

// script is a /bin/sh CGI script.
func script(body string) file {
	return file{content: "#!/bin/sh\n" + body, mode: 0o755}
}

// trapScript is a script that must never run: when it does, it leaves
// ranFile behind and prints ranMarker. Its source does not hold
// ranMarker (the two halves are joined when it runs), so serving it as a
// file is no false alarm.
func trapScript(ranFile, ranMarker string) file {
	i := len(ranMarker) / 2
	return script(fmt.Sprintf("echo ran > '%s'\nprintf 'Content-Type: text/plain\\n\\n%%s%%s\\n' '%s' '%s'\n",
		ranFile, ranMarker[:i], ranMarker[i:]))
}

// worldWritable makes a directory that user nobody can write to, for the
// files trap scripts leave behind.
func worldWritable(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
}
