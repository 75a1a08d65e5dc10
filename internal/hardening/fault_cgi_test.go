//go:build unix

package hardening

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFaultCGIScriptKilled kills a CGI script (SIGKILL, as the OOM killer
// or an operator would) before it writes anything, after its header,
// and in the middle of its body, and checks what the client can tell: a
// 502 page when nothing was sent, and otherwise a body that ends without
// its final chunk, which every HTTP/1.1 client reports as an error; it
// must never look like a complete response. A script that exits with an
// error after a whole response keeps its response (Python's behaviour).
func TestFaultCGIScriptKilled(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	pids := filepath.Join(base, "pids")
	pidLine := fmt.Sprintf("echo $$ > '%s/'\"$QUERY_STRING\"\n", pids)
	writeTree(t, root, map[string]file{
		"cgi-bin/silent.sh": script(pidLine + "exec sleep 30\n"),
		"cgi-bin/header.sh": script("printf 'Content-Type: text/plain\\n\\n'\n" + pidLine + "exec sleep 30\n"),
		"cgi-bin/body.sh":   script("printf 'Content-Type: text/plain\\n\\npart one\\n'\n" + pidLine + "exec sleep 30\n"),
		"cgi-bin/fails.sh":  script("printf 'Content-Type: text/plain\\n\\nwhole\\n'\nexit 3\n"),
		"hello.txt":         {content: "hello\n"},
	})
	worldWritable(t, pids)
	st := newStack(t, root, stackOptions{})

	tests := []struct {
		script, proto string
		status        int
		body          string // what arrives before the kill
		cut           bool   // the client must see an error after the body
	}{
		{"silent.sh", "HTTP/1.1", 502, "", false},
		{"header.sh", "HTTP/1.1", 200, "", true},
		{"body.sh", "HTTP/1.1", 200, "part one\n", true},
		// HTTP/1.0 has no chunks: the body ends when the connection
		// closes, so a cut cannot be told from an end. The connection
		// is closed at once all the same.
		{"body.sh", "HTTP/1.0", 200, "part one\n", false},
	}
	for i, tt := range tests {
		t.Run(strings.TrimSuffix(tt.script, ".sh")+"-"+tt.proto, func(t *testing.T) {
			id := strconv.Itoa(i)
			conn, err := net.Dial("tcp", st.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			fmt.Fprintf(conn, "GET /cgi-bin/%s?%s %s\r\nHost: x\r\n\r\n", tt.script, id, tt.proto)

			// Wait for the script to be running, then kill it.
			pidFile := filepath.Join(pids, id)
			var pid int
			if !waitFor(10*time.Second, func() bool {
				b, err := os.ReadFile(pidFile)
				pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
				return err == nil && pid > 1
			}) {
				t.Fatalf("the script did not start")
			}
			br := bufio.NewReader(conn)
			var res *http.Response
			if tt.status == 200 {
				// Its header is out before it is killed.
				if res, err = http.ReadResponse(br, &http.Request{Method: "GET"}); err != nil {
					t.Fatal(err)
				}
				if tt.body != "" {
					got := make([]byte, len(tt.body))
					if _, err := io.ReadFull(res.Body, got); err != nil || string(got) != tt.body {
						t.Fatalf("body before the kill: %q, %v", got, err)
					}
				}
			}
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if res == nil {
				if res, err = http.ReadResponse(br, &http.Request{Method: "GET"}); err != nil {
					t.Fatal(err)
				}
			}
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			rest, err := io.ReadAll(res.Body)
			switch {
			case tt.status == 502:
				if err != nil || !bytes.Contains(rest, []byte("CGI script sent no valid response")) {
					t.Errorf("502 body %q, %v", rest, err)
				}
			case tt.cut && err == nil:
				t.Errorf("the body ended cleanly after the script was killed (%q more): the client takes a cut response for a whole one", rest)
			case tt.cut && !errors.Is(err, io.ErrUnexpectedEOF):
				t.Errorf("error %v, want io.ErrUnexpectedEOF", err)
			case !tt.cut && err != nil:
				t.Errorf("error %v", err)
			}
		})
	}

	// An error exit after a whole response: the response stands.
	res := get(t, st.addr, "/cgi-bin/fails.sh")
	if res.status != 200 || string(res.body) != "whole\n" || res.err != nil {
		t.Errorf("GET /cgi-bin/fails.sh: %d %q %v, want 200 \"whole\\n\"", res.status, res.body, res.err)
	}
	if !waitFor(10*time.Second, func() bool { return bytes.Contains(st.access.Bytes(), []byte("CGI script exit code 3")) }) {
		t.Errorf("the exit code is not in the access log:\n%s", st.access.Bytes())
	}
	// And the server is fine.
	if res := get(t, st.addr, "/hello.txt"); res.status != 200 || string(res.body) != "hello\n" {
		t.Errorf("GET /hello.txt afterwards: %d %q", res.status, res.body)
	}
}

// TestFaultCGIBodyCut sends a CGI script an upload that fails on its way
// (the client stops halfway, or sends a malformed chunk), through the
// full stack: the script must never finish as if it had the whole body
// (it would store half a file as a whole one), the client gets 400, and
// the access log says 400.
func TestFaultCGIBodyCut(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	done := filepath.Join(base, "done")
	writeTree(t, root, map[string]file{
		// Marks that it read its whole input, then answers.
		"cgi-bin/store.sh": script("cat > /dev/null\ntouch '" + done + "'/\"$QUERY_STRING\"\nprintf 'Content-Type: text/plain\\n\\nstored\\n'\n"),
	})
	worldWritable(t, done)
	st := newStack(t, root, stackOptions{})
	big := strings.Repeat("x", 2<<20) // streamed to the script as it comes
	for i, body := range []string{
		"Content-Length: " + strconv.Itoa(len(big)+100) + "\r\n\r\n" + big,
		"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n100\r\nabc",
		"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n",
	} {
		conn, err := net.Dial("tcp", st.addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		go func() {
			fmt.Fprintf(conn, "POST /cgi-bin/store.sh?%d HTTP/1.1\r\nHost: x\r\n%s", i, body)
			conn.(*net.TCPConn).CloseWrite()
		}()
		res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "POST"})
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
		b, _ := io.ReadAll(res.Body)
		conn.Close()
		if res.StatusCode != 400 || bytes.Contains(b, []byte("stored")) {
			t.Errorf("upload %d: %d %q, want 400 and no answer from the script", i, res.StatusCode, b)
		}
		if _, err := os.Stat(filepath.Join(done, strconv.Itoa(i))); err == nil {
			t.Errorf("upload %d: the script read its input to the end: it took a cut body for a whole one", i)
		}
	}
	st.close()
	if n := bytes.Count(st.access.Bytes(), []byte(`"POST /cgi-bin/store.sh?`)); n != 3 || bytes.Count(st.access.Bytes(), []byte(`HTTP/1.1" 400 `)) != 3 {
		t.Errorf("the access log should have 3 POSTs answered 400:\n%s", st.access.Bytes())
	}
}
