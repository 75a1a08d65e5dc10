package fileserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// The parity test: every request of testdata/parity/cases.json, sent
// verbatim to our handler over a real connection, must get the status,
// Content-Length, Content-Type, Last-Modified, Location and body that
// Python's http.server gave for it, as recorded by
// testdata/parity/record.py in testdata/parity/from-python/.

type treeSpec struct {
	Mtime   float64 `json:"mtime"`
	Entries []struct {
		Path    string `json:"path"`
		Content string `json:"content"`
		Dir     bool   `json:"dir"`
		Link    string `json:"link"`
		Mtime   *int64 `json:"mtime"` // nil: the tree's
	} `json:"entries"`
}

type parityCase struct {
	Name    string            `json:"name"`
	Method  string            `json:"method"`
	Target  string            `json:"target"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// buildParityTree builds the fixture tree under a temporary directory and
// returns the served root.
func buildParityTree(t testing.TB) string {
	t.Helper()
	var spec treeSpec
	readJSON(t, "testdata/parity/tree.json", &spec)
	base := t.TempDir()
	sec := int64(spec.Mtime)
	mtime := time.Unix(sec, int64((spec.Mtime-float64(sec))*1e9))
	for _, e := range spec.Entries {
		p := filepath.Join(base, filepath.FromSlash(e.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case e.Dir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case e.Link != "":
			target := e.Link
			if abs, ok := strings.CutPrefix(target, "ABS:"); ok {
				target = filepath.Join(base, filepath.FromSlash(abs))
			}
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, []byte(e.Content), 0o644); err != nil {
				t.Fatal(err)
			}
			m := mtime
			if e.Mtime != nil {
				m = time.Unix(*e.Mtime, 0)
			}
			if err := os.Chtimes(p, m, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(base, "root")
}

func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// rawRequest sends one request verbatim and returns the response rendered
// as record.py renders Python's.
func rawRequest(t testing.TB, addr string, c parityCase) []byte {
	t.Helper()
	method := c.Method
	if method == "" {
		method = "GET"
	}
	var req bytes.Buffer
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, c.Target)
	keys := make([]string, 0, len(c.Headers))
	for k := range c.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&req, "%s: %s\r\n", k, c.Headers[k])
	}
	if c.Body != "" {
		fmt.Fprintf(&req, "Content-Length: %d\r\n", len(c.Body))
	}
	req.WriteString("Connection: close\r\n\r\n")
	req.WriteString(c.Body)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, c.Target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, c.Target, err)
	}
	return renderResponse(resp, body)
}

func renderResponse(resp *http.Response, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "status: %d\n", resp.StatusCode)
	for _, k := range []string{"Content-Length", "Content-Type", "Last-Modified", "Location"} {
		if v, ok := resp.Header[k]; ok {
			fmt.Fprintf(&b, "%s: %s\n", strings.ToLower(k), v[0])
		}
	}
	b.WriteString("\n")
	b.Write(body)
	return b.Bytes()
}

// sniffDivergences are the parity cases where the default Options differ
// from Python on purpose (content sniffing): a file no table knows is
// sniffed instead of being sent as application/octet-stream.
var sniffDivergences = map[string][2]string{
	"file-dotfile": {"content-type: application/octet-stream\n", "content-type: text/plain; charset=utf-8\n"},
}

func TestPythonParity(t *testing.T) {
	t.Run("python-options", func(t *testing.T) {
		// Sniffing off: byte for byte what Python does.
		testParity(t, fileserver.Options{DisableSniff: true}, nil, false)
	})
	t.Run("default-options", func(t *testing.T) {
		testParity(t, fileserver.Options{}, sniffDivergences, false)
	})
	t.Run("from-cache", func(t *testing.T) {
		// Every file old enough to be cached, and each request sent
		// twice: the second answer comes from the cache.
		testParity(t, fileserver.Options{}, sniffDivergences, true)
	})
}

func testParity(t *testing.T, opts fileserver.Options, divergences map[string][2]string, cached bool) {
	root := buildParityTree(t)
	h, err := fileserver.NewDir(root, fileserver.SymlinksFollow, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if cached {
		fileserver.SetClock(h, fileserver.HourAhead)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	var cases struct{ Cases []parityCase }
	readJSON(t, "testdata/parity/cases.json", &cases)
	if len(cases.Cases) < 50 {
		t.Fatalf("only %d parity cases", len(cases.Cases))
	}
	if cached {
		defer func() {
			if n, _ := fileserver.CacheStats(h); n == 0 {
				t.Error("no file was cached")
			}
		}()
	}
	for _, c := range cases.Cases {
		t.Run(c.Name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata/parity/from-python", c.Name+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			if d, ok := divergences[c.Name]; ok {
				if !bytes.Contains(want, []byte(d[0])) {
					t.Fatalf("divergence %q no longer applies to the recording", d[0])
				}
				want = bytes.Replace(want, []byte(d[0]), []byte(d[1]), 1)
			}
			sends := 1
			if cached {
				sends = 2
			}
			for range sends {
				got := rawRequest(t, addr, c)
				if !bytes.Equal(got, want) {
					t.Errorf("%s %s: response differs from Python's\n--- got\n%s\n--- want (python)\n%s", c.Method, c.Target, got, want)
				}
			}
			if c.Method == "" || c.Method == "GET" {
				// HEAD of everything: Python's headers for GET, no body.
				head := c
				head.Method = "HEAD"
				wantHead, _, _ := bytes.Cut(want, []byte("\n\n"))
				wantHead = append(wantHead, "\n\n"...)
				if got := rawRequest(t, addr, head); !bytes.Equal(got, wantHead) {
					t.Errorf("HEAD %s: got\n%s\nwant\n%s", c.Target, got, wantHead)
				}
			}
		})
	}
}
