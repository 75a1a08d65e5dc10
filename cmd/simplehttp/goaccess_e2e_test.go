package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2EGoaccess has goaccess read the common and combined logs of
// requests whose fields a client filled with what breaks parsers (quotes,
// backslashes, bytes that are not UTF-8, a user name with a space and a
// '[', a 414): as the README says, it counts each of them, none as a
// failed line, with the status and size sent.
func TestE2EGoaccess(t *testing.T) {
	need(t, "goaccess")
	dir := site(t)
	alice := "Authorization: " + basicAuth("alice:secret") + "\r\n"
	requests := []struct {
		raw    string
		status int
	}{
		{"GET /hello.txt HTTP/1.0\r\n" + alice + "User-Agent: a \"b\" \\c\r\nReferer: http://x/\"y\\\r\n\r\n", 200},
		{"GET /a\"b\\c HTTP/1.0\r\n" + alice + "User-Agent: \xff\xfe \xc3\xa9\r\n\r\n", 404},
		{"GET / HTTP/1.0\r\nAuthorization: " + basicAuth("x [01/Jan/2020 y\":pw") + "\r\n\r\n", 401},
		{"GET / HTTP/1.0\r\n" + alice + "\r\n", 200},
		{"GET /" + strings.Repeat("a", 70000) + " HTTP/1.0\r\n" + alice + "\r\n", 414},
	}
	for _, format := range []string{"common", "combined"} {
		t.Run(format, func(t *testing.T) {
			logFile := filepath.Join(t.TempDir(), "access.log")
			r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--auth", "alice:secret", "--log-format", format, "--log-file", logFile, "0")
			addr := strings.TrimPrefix(r.baseURL(t), "http://")
			sizes := map[int]int{}
			for _, req := range requests {
				status, size := rawExchange(t, addr, req.raw)
				if status != req.status {
					t.Fatalf("%.60q: status %d, want %d", req.raw, status, req.status)
				}
				sizes[status] += size
			}
			r.exit(t)
			out := filepath.Join(t.TempDir(), "report.json")
			if b, err := exec.Command("goaccess", logFile, "--log-format="+strings.ToUpper(format), "--no-global-config", "-o", out).CombinedOutput(); err != nil {
				t.Fatalf("goaccess: %v\n%s", err, b)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var report struct {
				General struct {
					Total  int `json:"total_requests"`
					Valid  int `json:"valid_requests"`
					Failed int `json:"failed_requests"`
				} `json:"general"`
				Codes struct {
					Data []struct {
						Items []struct {
							Code  string `json:"data"`
							Hits  struct{ Count int }
							Bytes struct{ Count int }
						}
					}
				} `json:"status_codes"`
			}
			if err := json.Unmarshal(b, &report); err != nil {
				t.Fatal(err)
			}
			log, _ := os.ReadFile(logFile)
			if g := report.General; g.Total != len(requests) || g.Valid != len(requests) || g.Failed != 0 {
				t.Errorf("goaccess: %d lines, %d valid, %d failed; want %d valid:\n%s", g.Total, g.Valid, g.Failed, len(requests), log)
			}
			got := map[int][2]int{}
			for _, class := range report.Codes.Data {
				for _, it := range class.Items {
					var code int
					if _, err := fmt.Sscan(strings.Fields(it.Code)[0], &code); err != nil {
						t.Fatalf("goaccess status %q: %v", it.Code, err)
					}
					got[code] = [2]int{it.Hits.Count, it.Bytes.Count}
				}
			}
			for _, req := range requests {
				hits := 0
				for _, o := range requests {
					if o.status == req.status {
						hits++
					}
				}
				if g := got[req.status]; g != [2]int{hits, sizes[req.status]} {
					t.Errorf("goaccess: status %d: %d hits, %d bytes; want %d, %d:\n%s", req.status, g[0], g[1], hits, sizes[req.status], log)
				}
			}
		})
	}
}

// rawExchange sends req on a connection of its own and returns the
// status and the size of the body of the response.
func rawExchange(t *testing.T, addr, req string) (status, size int) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitLimit))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%.60q: %v", req, err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, int(n)
}
