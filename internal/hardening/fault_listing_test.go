package hardening

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestFaultDirectoryRemovedWhileListed removes a large directory while
// clients list it (HTML, JSON and HEAD), through the full stack, and
// checks that every client gets either a whole, well-formed listing with
// a matching Content-Length or the 404 page, never a 5xx, a hang or a
// broken connection, and that the server serves normally afterwards;
// with Python's listing and with the rich one.
func TestFaultDirectoryRemovedWhileListed(t *testing.T) {
	t.Run("python", func(t *testing.T) { faultDirectoryRemovedWhileListed(t, stackOptions{}) })
	t.Run("rich", func(t *testing.T) { faultDirectoryRemovedWhileListed(t, stackOptions{Listing: fileserver.ListingRich}) })
}

func faultDirectoryRemovedWhileListed(t *testing.T, o stackOptions) {
	root := filepath.Join(t.TempDir(), "root")
	writeTree(t, root, map[string]file{"hello.txt": {content: "hello\n"}})
	st := newStack(t, root, o)
	const entries = 400
	requests := []string{
		"GET /big/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /big/ HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
		"HEAD /big/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /big/sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	}
	outcomes := map[string]int{}
	for round := 0; round < 2; round++ {
		dir := filepath.Join(root, "big")
		for i := 0; i < entries; i++ {
			p := filepath.Join(dir, fmt.Sprintf("sub/f%04d.txt", i))
			if i%2 == 0 {
				p = filepath.Join(dir, fmt.Sprintf("f%04d-%s.txt", i, "x"))
			}
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// Each client lists the directory again and again until it is
		// gone, so the requests come before, during and after the
		// removal.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var results []rawResponse
		var reqs []string
		started := make(chan struct{}, 2*len(requests))
		for i := 0; i < 2*len(requests); i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := requests[i%len(requests)]
				for n := 0; n < 1000; n++ {
					res := rawRequestErr(st.addr, req)
					mu.Lock()
					results, reqs = append(results, res), append(reqs, req)
					mu.Unlock()
					if n == 0 {
						started <- struct{}{}
					}
					if res.status != 200 {
						return
					}
				}
			}()
		}
		<-started // at least one listing is whole before the removal
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for i, res := range results {
			req := reqs[i]
			head := req[:4] == "HEAD"
			isJSON := bytes.Contains([]byte(req), []byte("application/json"))
			switch {
			case res.err != nil:
				t.Errorf("%.30q: %v (status %d)", req, res.err, res.status)
			case res.status == 404:
				outcomes["404"]++
				if !head && !bytes.Contains(res.body, []byte("Error code: 404")) && !bytes.Contains(res.body, []byte(`"code":404`)) {
					t.Errorf("%.30q: 404 without the error page: %q", req, res.body)
				}
			case res.status == 200:
				outcomes["200"]++
				if cl := res.header.Get("Content-Length"); !head && cl != strconv.Itoa(len(res.body)) {
					t.Errorf("%.30q: Content-Length %s, body %d bytes", req, cl, len(res.body))
				}
				if !head && !wellFormedListing(res.body, isJSON) {
					t.Errorf("%.30q: malformed listing:\n%.300s", req, res.body)
				}
			default:
				t.Errorf("%.30q: status %d, want 200 or 404", req, res.status)
			}
		}
	}
	if outcomes["200"] == 0 || outcomes["404"] == 0 {
		t.Errorf("outcomes %v: want both listings and 404s", outcomes)
	}
	if res := get(t, st.addr, "/hello.txt"); res.status != 200 || string(res.body) != "hello\n" {
		t.Errorf("GET /hello.txt after the removals: %d %q", res.status, res.body)
	}
	t.Logf("directory removed while listed: outcomes %v", outcomes)
}

// wellFormedListing reports whether body is a whole listing: the HTML
// page from its head to its tail (Python's or the rich one), or valid
// JSON.
func wellFormedListing(body []byte, isJSON bool) bool {
	if isJSON {
		var v struct{ Entries []struct{ Name string } }
		return json.Unmarshal(body, &v) == nil
	}
	if bytes.HasPrefix(body, []byte("<!DOCTYPE html>\n")) {
		return bytes.HasSuffix(body, []byte("</table>\n</main>\n</body>\n</html>\n")) &&
			bytes.Count(body, []byte("\n<tr class=")) == len(richRowRE.FindAll(body, -1))+bytes.Count(body, []byte(`<tr class="up">`))
	}
	return bytes.HasPrefix(body, []byte("<!DOCTYPE HTML>\n")) && bytes.HasSuffix(body, []byte("</ul>\n<hr>\n</body>\n</html>\n")) &&
		bytes.Count(body, []byte("<li>")) == len(liRE.FindAll(body, -1))
}
