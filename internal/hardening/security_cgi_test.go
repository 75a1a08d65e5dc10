package hardening

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSecurityCGIProxyHeader sends a Proxy: header in every spelling
// (httpoxy, CVE-2016-5385) with the server's own HTTP_PROXY and
// http_proxy set, and checks that the script sees none of them.
func TestSecurityCGIProxyHeader(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://server-proxy.invalid:1/")
	t.Setenv("http_proxy", "http://server-proxy.invalid:1/")
	root := filepath.Join(t.TempDir(), "root")
	writeTree(t, root, map[string]file{"cgi-bin/env.sh": script("printf 'Content-Type: text/plain\\n\\n'\nenv\n")})
	st := newStack(t, root, stackOptions{})
	for _, hdr := range []string{
		"Proxy: http://evil.invalid:1/\r\n",
		"proxy: http://evil.invalid:1/\r\n",
		"PROXY: http://evil.invalid:1/\r\n",
		"Proxy: a\r\nProxy: b\r\n",
		"Proxy:http://evil.invalid:1/\r\n",
		"Proxy:    http://evil.invalid:1/   \r\n",
		"Proxy: http://evil.invalid:1/\r\nHTTP_PROXY: http://evil.invalid:2/\r\n", // underscore: not a valid-looking header, sent anyway
	} {
		res := rawRequest(t, st.addr, "GET /cgi-bin/env.sh HTTP/1.1\r\nHost: x\r\n"+hdr+"Connection: close\r\n\r\n")
		if res.status == 400 {
			continue // refused by net/http: nothing reached the script
		}
		if res.status != 200 || !bytes.Contains(res.body, []byte("GATEWAY_INTERFACE=CGI/1.1")) {
			t.Errorf("%q: %d %q, want the script's environment", hdr, res.status, res.body)
			continue
		}
		for _, l := range strings.Split(string(res.body), "\n") {
			k, _, _ := strings.Cut(l, "=")
			// HTTP_HTTP_PROXY (from a header named HTTP_PROXY) is no
			// proxy setting; HTTP_PROXY and http_proxy are.
			if strings.EqualFold(k, "HTTP_PROXY") || strings.Contains(l, "server-proxy") {
				t.Errorf("%q: the script got %q", hdr, l)
			}
		}
	}
}

// splitScripts write responses that try to split the HTTP response or to
// smuggle headers with CR and LF tricks. Each is run on a keep-alive
// connection followed by a pipelined request for /hello.txt: whatever
// the script writes, the client must see the script's response and then
// the real /hello.txt (or a closed connection), never a forged response
// or a forged header. status is what the script's response must be, so
// that the test is not passed by scripts that simply fail.
var splitScripts = []struct {
	name, body string
	status     int
}{
	{"cr-in-value", `printf 'Content-Type: text/plain\r\nX-A: 1\rX-Forged: cr\r\n\r\nbody'`, 200},
	// The Location cannot be sent as it is, and a redirect without it
	// leads nowhere: 502.
	{"cr-in-location", `printf 'Location: /hello.txt\rX-Forged: loc\r\n\r\n'`, 502},
	{"cr-in-status", `printf 'Status: 302 Found\rX-Forged: status\r\nLocation: /x\r\n\r\n'`, 302},
	{"cr-in-ctype", `printf 'Content-Type: text/plain\rX-Forged: ctype\r\n\r\nbody'`, 200},
	{"crcr", `printf 'Content-Type: text/plain\r\r\nX-Legit: 1\r\n\r\nbody'`, 200},
	{"lf-only", `printf 'Content-Type: text/plain\nX-A: 1\n\nbody'`, 200},
	{"obs-fold", `printf 'Content-Type: text/plain\r\nX-A: 1\r\n X-Forged: fold\r\n\tX-Forged: fold2\r\n\r\nbody'`, 200},
	{"nul-in-value", `printf 'Content-Type: text/plain\r\nX-A: a\000X-Forged: nul\r\n\r\nbody'`, 200},
	{"esc-in-value", `printf 'Content-Type: text/plain\r\nX-A: a\033[2J\013\014\177\r\n\r\nbody'`, 200},
	{"bad-name", `printf 'Content-Type: text/plain\r\nX-Forged body: x\r\nX-Forged\r\n: y\r\n\r\nbody'`, 200},
	{"body-response", `printf 'Content-Type: text/plain\r\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nX-Forged: body\r\nContent-Length: 6\r\n\r\nforged'`, 200},
	{"short-length", `printf 'Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nX-Forged: cl\r\nContent-Length: 6\r\n\r\nforged'`, 200},
	{"long-length", `printf 'Content-Type: text/plain\r\nContent-Length: 100\r\n\r\nshort'`, 200},
	{"two-lengths", `printf 'Content-Type: text/plain\r\nContent-Length: 2\r\nContent-Length: 60\r\n\r\nokHTTP/1.1 200 OK\r\nX-Forged: cl2\r\n\r\n'`, 200},
	{"bad-length", `printf 'Content-Type: text/plain\r\nContent-Length: -1\r\n\r\nokHTTP/1.1 200 OK\r\nX-Forged: cl3\r\n\r\n'`, 200},
	{"chunked", `printf 'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nX-Forged: te\r\nContent-Length: 6\r\n\r\nforged'`, 200},
	{"te-identity", `printf 'Content-Type: text/plain\r\nTransfer-Encoding: identity\r\n\r\nbodyHTTP/1.1 200 OK\r\nX-Forged: ident\r\n\r\n'`, 200},
	{"te-gzip-and-length", `printf 'Content-Type: text/plain\r\nTransfer-Encoding: gzip\r\nContent-Length: 4\r\n\r\nbodyHTTP/1.1 200 OK\r\nX-Forged: gz\r\n\r\n'`, 200},
	{"connection", `printf 'Content-Type: text/plain\r\nConnection: keep-alive, X-Forged\r\nKeep-Alive: timeout=999\r\nUpgrade: h2c\r\n\r\nbody'`, 200},
	{"status-101", `printf 'Status: 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nHTTP/1.1 200 OK\r\nX-Forged: 101\r\nContent-Length: 6\r\n\r\nforged'`, 502},
	{"status-100", `printf 'Status: 100 Continue\r\nContent-Type: text/plain\r\n\r\nHTTP/1.1 200 OK\r\nX-Forged: 100\r\n\r\n'`, 502},
	{"status-103", `printf 'Status: 103 Early Hints\r\nLink: </x>\r\nContent-Type: text/plain\r\n\r\nbody'`, 502},
	{"status-099", `printf 'Status: 099\r\nContent-Type: text/plain\r\n\r\nbody'`, 502},
	{"status-line", `printf 'HTTP/1.1 200 OK\r\nX-Forged: nph\r\n\r\nbody'`, 502},
	{"status-crlf-code", `printf 'Status: 200\r\n\r\nX-Forged: blank\r\n\r\nbody'`, 200}, // the "header" is body text
	{"huge-header", `printf 'Content-Type: text/plain\r\nX-Big: '; head -c 200000 /dev/zero | tr '\0' a; printf '\rX-Forged: big\r\n\r\nbody'`, 502},
	{"header-only", `printf 'Content-Type: text/plain\r\nX-Forged: ok-but-no-body-end'`, 502},
}

// TestSecurityCGIResponseSplitting runs each of splitScripts and checks
// what arrives on the wire.
func TestSecurityCGIResponseSplitting(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	tree := map[string]file{"hello.txt": {content: "hello\n"}}
	for _, sc := range splitScripts {
		tree["cgi-bin/"+sc.name+".sh"] = script(sc.body + "\n")
	}
	writeTree(t, root, tree)
	st := newStack(t, root, stackOptions{Protocol: "HTTP/1.1"})

	for _, sc := range splitScripts {
		t.Run(sc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", st.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			// Both requests at once: a server that let the script's
			// output run into the next response would answer the second
			// with the forged one.
			io.WriteString(conn, "GET /cgi-bin/"+sc.name+".sh HTTP/1.1\r\nHost: x\r\n\r\n"+
				"GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			var wire bytes.Buffer
			br := bufio.NewReader(io.TeeReader(conn, &wire))

			// The header block of the first response, line by line as
			// sent.
			var head bytes.Buffer
			for i := 0; ; i++ {
				line, err := br.ReadString('\n')
				head.WriteString(line)
				if err != nil {
					t.Fatalf("reading the header: %v\n%q", err, wire.Bytes())
				}
				if line == "\r\n" {
					break
				}
				text := strings.TrimSuffix(line, "\r\n")
				if i == 0 {
					continue // the status line
				}
				k, _, ok := strings.Cut(text, ":")
				if !ok || strings.HasPrefix(strings.ToLower(k), "x-forged") || strings.ContainsAny(text, "\r\n\x00") {
					t.Errorf("header line %q", line)
				}
			}
			rd := bufio.NewReader(io.MultiReader(&head, br))
			resp1, err := http.ReadResponse(rd, &http.Request{Method: "GET"})
			if err != nil {
				t.Fatalf("response 1: %v\n%q", err, wire.Bytes())
			}
			body1, err1 := io.ReadAll(resp1.Body)
			t.Logf("%d, %d body bytes (%v)", resp1.StatusCode, len(body1), err1)
			if resp1.StatusCode != sc.status {
				t.Errorf("status %d, want %d", resp1.StatusCode, sc.status)
			}
			if strings.Contains(resp1.Header.Get("Connection"), "X-Forged") || resp1.Header.Get("Upgrade") != "" || resp1.Header.Get("Keep-Alive") != "" {
				t.Errorf("hop-by-hop fields from the script reached the client: %v", resp1.Header)
			}
			if err1 != nil {
				return // cut off (declared more than sent): detectable, and the connection is done
			}
			// The second response, if the connection is still open, is
			// the real /hello.txt.
			resp2, err := http.ReadResponse(rd, &http.Request{Method: "GET"})
			if err != nil {
				return // the server closed the connection: nothing forged
			}
			body2, _ := io.ReadAll(resp2.Body)
			if resp2.StatusCode != 200 || string(body2) != "hello\n" || resp2.Header.Get("X-Forged") != "" {
				t.Errorf("second response on the connection: %d %q %v, want /hello.txt\n%q",
					resp2.StatusCode, body2, resp2.Header, wire.Bytes())
			}
		})
	}
}
