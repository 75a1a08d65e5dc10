//go:build linux

package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// chaosCerts are the TLS files of TestChaos's HTTPS server, laid out as
// certbot's (live/ links to files in archive/), and the pairs a renewal
// installs, all issued by one CA for 127.0.0.1.
type chaosCerts struct {
	dir, certFile, keyFile string
	pool                   *x509.CertPool
	pairs                  [][2][]byte // chain and key of serials 1, 2, ...
	renewals               atomic.Int64
}

func newChaosCerts(t *testing.T) *chaosCerts {
	t.Helper()
	ca := newTestCA(t)
	c := &chaosCerts{dir: t.TempDir(), pool: x509.NewCertPool()}
	c.pool.AddCert(ca.cert)
	for serial := range int64(6) {
		chain, key := ca.valid(t, serial+1)
		c.pairs = append(c.pairs, [2][]byte{chain, key})
	}
	for _, d := range []string{"archive", "live"} {
		if err := os.Mkdir(filepath.Join(c.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	c.certFile, c.keyFile = filepath.Join(c.dir, "live", "fullchain.pem"), filepath.Join(c.dir, "live", "privkey.pem")
	if err := c.link(0, 0); err != nil {
		t.Fatal(err)
	}
	return c
}

// link installs pair p as certbot does: new files in archive/, then the
// links of live/ switched to them, one after the other (n names them).
func (c *chaosCerts) link(p, n int) error {
	for i, f := range []string{c.certFile, c.keyFile} {
		target := filepath.Join(c.dir, "archive", fmt.Sprintf("%s%d.pem", strings.TrimSuffix(filepath.Base(f), ".pem"), n))
		if err := os.WriteFile(target, c.pairs[p][i], 0o600); err != nil {
			return err
		}
		tmp := f + ".link"
		os.Remove(tmp)
		if err := os.Symlink(target, tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, f); err != nil {
			return err
		}
	}
	return nil
}

// renameOver writes data as a new file renamed over name, as acme.sh and
// lego install theirs (a link there is replaced by the file).
func renameOver(name string, data []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// inPlace rewrites name (through its link, if it is one) in two writes,
// a pause between them: the state of a file caught half-written.
func inPlace(name string, data []byte, pause time.Duration) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data[:len(data)/2])
	time.Sleep(pause)
	if err == nil {
		_, err = f.Write(data[len(data)/2:])
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// renew installs the i-th renewal: the next pair, in one of the ways
// renewals change the files, through the states of the files between
// (a link switched and not the other, a file half written, a certificate
// with the key of another). Once it returns, the files hold a valid pair.
func (c *chaosCerts) renew(i int) error {
	p := i % len(c.pairs)
	chain, key := c.pairs[p][0], c.pairs[p][1]
	var err error
	switch i % 5 {
	case 0:
		err = c.link(p, i)
	case 1:
		if err = renameOver(c.certFile, chain); err == nil {
			err = renameOver(c.keyFile, key)
		}
	case 2:
		if err = inPlace(c.certFile, chain, 0); err == nil {
			err = inPlace(c.keyFile, key, 0)
		}
	case 3:
		if err = inPlace(c.certFile, chain, 3*time.Millisecond); err == nil {
			err = inPlace(c.keyFile, key, 3*time.Millisecond)
		}
	case 4:
		// A mismatched pair for a while: the key of the next pair.
		if err = renameOver(c.certFile, chain); err == nil {
			if err = renameOver(c.keyFile, c.pairs[(p+1)%len(c.pairs)][1]); err == nil {
				time.Sleep(3 * time.Millisecond)
				err = renameOver(c.keyFile, key)
			}
		}
	}
	c.renewals.Add(1)
	return err
}

// checkPeer reports an error unless the connection of resp was made with
// one of the certificates the renewals install.
func (c *chaosCerts) checkPeer(resp *http.Response) error {
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
		return fmt.Errorf("%s: no TLS peer certificate", resp.Status)
	}
	if s := resp.TLS.PeerCertificates[0].SerialNumber.Int64(); s < 1 || s > int64(len(c.pairs)) {
		return fmt.Errorf("%s: certificate of serial %d, not one of the renewals'", resp.Status, s)
	}
	return nil
}

// handshake has a new connection, with HTTP/2 or HTTP/1.1, verify the
// server's certificate against the CA and fetch a file.
func (c *chaosCerts) handshake(base string, h2 bool) error {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.pool}, ForceAttemptHTTP2: h2, DisableCompression: true}
	if !h2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", base+"/a.txt", nil)
	req.SetBasicAuth("user", "secret")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return fmt.Errorf("handshake (HTTP/2 %v): %v", h2, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || string(b) != "plain text\n" {
		return fmt.Errorf("handshake (HTTP/2 %v): %s %q %v", h2, resp.Status, b, err)
	}
	if want := map[bool]int{true: 2, false: 1}[h2]; resp.ProtoMajor != want {
		return fmt.Errorf("handshake: %s, want HTTP/%d", resp.Proto, want)
	}
	return c.checkPeer(resp)
}

// chaosEdits records the edits of TestChaos's editors, which PUT their
// versions of one file each with If-Match, the ETag of the version they
// read (or the one their last PUT answered).
type chaosEdits struct {
	mu       sync.Mutex
	initial  map[string]string            // file: the ETag of its first version
	accepted map[string]map[string]string // file: the ETag an edit was based on: that edit's ETag
	content  map[[2]string]string         // file and ETag: the bytes of that version
	refused  atomic.Int64                 // 412s
}

// chaosEditFiles are the files the editors edit.
var chaosEditFiles = []string{"/edit/e0.txt", "/edit/e1.txt"}

// editBody is the version of an editor's edit: it names the version it
// is based on, so that a GET can tell which version it got.
func editBody(c, k int, base string) []byte {
	return []byte(fmt.Sprintf("editor %d, edit %d, based on %s\n%s", c, k, base, strings.Repeat("x", k%7)))
}

// edit is one editor's loop: read the file, PUT an edit of what was read
// with If-Match; on 204 go on from the ETag it answered, on 412 read
// again.
func (e *chaosEdits) edit(client *http.Client, base string, c int, stop <-chan struct{}, fail func(string, ...any)) {
	file := chaosEditFiles[c%len(chaosEditFiles)]
	var tag string
	for k := 0; ; k++ {
		select {
		case <-stop:
			return
		default:
		}
		if tag == "" {
			req, _ := http.NewRequest("GET", base+file, nil)
			req.SetBasicAuth("user", "secret")
			resp, err := client.Do(req)
			if err != nil {
				fail("editor %d: GET %s: %v", c, file, err)
				return
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			tag = resp.Header.Get("ETag")
			if err != nil || resp.StatusCode != 200 || tag == "" {
				fail("editor %d: GET %s: %s, ETag %q, %v", c, file, resp.Status, tag, err)
				return
			}
			e.mu.Lock()
			want, known := e.content[[2]string{file, tag}]
			e.mu.Unlock()
			if known && want != string(b) {
				fail("editor %d: GET %s: ETag %s with %q, the version of that ETag is %q", c, file, tag, b, want)
			}
		}
		body := editBody(c, k, tag)
		req, _ := http.NewRequest("PUT", base+file, bytes.NewReader(body))
		req.SetBasicAuth("user", "secret")
		req.Header.Set("If-Match", tag)
		resp, err := client.Do(req)
		if err != nil {
			fail("editor %d: PUT %s: %v", c, file, err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case 204:
			next := resp.Header.Get("ETag")
			e.mu.Lock()
			if prev, ok := e.accepted[file][tag]; ok {
				fail("editor %d: PUT %s with If-Match %s: 204, but the edit of %s was accepted before", c, file, tag, prev)
			}
			e.accepted[file][tag] = next
			e.content[[2]string{file, next}] = string(body)
			e.mu.Unlock()
			if next == "" {
				fail("editor %d: PUT %s: 204 without an ETag", c, file)
				return
			}
			tag = next
		case 412:
			e.refused.Add(1)
			tag = ""
		default:
			fail("editor %d: PUT %s with If-Match: %s, want 204 or 412", c, file, resp.Status)
			return
		}
	}
}

// check follows each file's accepted edits from its first version: each
// was based on the one before, none is left out of the chain (an edit
// lost), and the file holds the last.
func (e *chaosEdits) check(t *testing.T, root string) {
	t.Helper()
	total := 0
	for _, file := range chaosEditFiles {
		chain := e.accepted[file]
		tag, n := e.initial[file], 0
		for next, ok := chain[tag]; ok; next, ok = chain[tag] {
			tag, n = next, n+1
			if n > len(chain) {
				t.Errorf("%s: the accepted edits loop", file)
				break
			}
		}
		if n != len(chain) {
			t.Errorf("%s: %d edits accepted, %d in the chain from its first version: an edit was based on one that was replaced", file, len(chain), n)
		}
		total += n
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		if err != nil {
			t.Error(err)
			continue
		}
		if want, ok := e.content[[2]string{file, tag}]; n > 0 && (!ok || string(b) != want) {
			t.Errorf("%s holds %q, want the last accepted edit, %q", file, b, want)
		}
	}
	t.Logf("%d edits accepted, %d refused with 412", total, e.refused.Load())
}

// etagOf is the ETag a GET of file gives now.
func etagOf(t *testing.T, client *http.Client, url string) string {
	t.Helper()
	req, _ := http.NewRequest("HEAD", url, nil)
	req.SetBasicAuth("user", "secret")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
		t.Fatalf("HEAD %s: %s, ETag %q", url, resp.Status, resp.Header.Get("ETag"))
	}
	return resp.Header.Get("ETag")
}

// countLines counts the lines of s that contain sub.
func countLines(s, sub string) int {
	n := 0
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			n++
		}
	}
	return n
}

// chaosText is the content of TestChaos's text files.
var chaosText = strings.Repeat("compressible text line\n", 200)

// verify checks what the body and headers of a response say, beyond its
// status and length: a compressed file decodes to the file, a JSON
// listing or an archive reads as one, a refusal says what it refuses.
func (ch chaosReq) verify(resp *http.Response, body []byte) error {
	if resp.StatusCode == 503 && resp.Header.Get("Retry-After") == "" {
		return fmt.Errorf("503 without Retry-After")
	}
	switch {
	case ch.what == "compressed":
		// Asked for once while the cache is full, the file goes out as it
		// is; compressed when asked for again.
		coding := resp.Header.Get("Content-Encoding")
		if coding != "" && coding != ch.header.Get("Accept-Encoding") {
			return fmt.Errorf("Content-Encoding %q, asked for %q", coding, ch.header.Get("Accept-Encoding"))
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			return fmt.Errorf("Vary %q, without Accept-Encoding", resp.Header.Get("Vary"))
		}
		got, err := body, error(nil)
		if coding != "" {
			if got, err = decode(coding, body); err != nil {
				return fmt.Errorf("decoding %s: %v", coding, err)
			}
		}
		if string(got) != chaosText {
			return fmt.Errorf("%s decodes to %d bytes %.60q, not the file", coding, len(got), got)
		}
	case ch.what == "coded upload":
		if got := resp.Header.Get("Accept-Encoding"); got != "identity" {
			return fmt.Errorf("Accept-Encoding %q, want identity", got)
		}
	case ch.what == "form to a file":
		if got := resp.Header.Get("Allow"); got != "GET, HEAD, PUT" {
			return fmt.Errorf("Allow %q, want GET, HEAD, PUT", got)
		}
	case ch.what == "json listing" && resp.StatusCode == 200:
		var l struct {
			Path    string `json:"path"`
			Entries []struct {
				Name string `json:"name"`
				Type string `json:"type"`
				Size int64  `json:"size"`
			} `json:"entries"`
		}
		if err := json.Unmarshal(body, &l); err != nil {
			return fmt.Errorf("JSON listing: %v: %.200q", err, body)
		}
		if l.Path != ch.target {
			return fmt.Errorf("JSON listing of %s says path %q", ch.target, l.Path)
		}
		seen := map[string]bool{}
		for _, e := range l.Entries {
			if e.Name == "" || seen[e.Name] || e.Size < 0 || (e.Type != "file" && e.Type != "dir" && e.Type != "other") {
				return fmt.Errorf("JSON listing entry %+v (seen before: %v)", e, seen[e.Name])
			}
			seen[e.Name] = true
		}
	case ch.what == "archive" && resp.StatusCode == 200:
		return readArchive(ch.target[strings.Index(ch.target, "=")+1:], body)
	}
	return nil
}

// decode undoes a Content-Encoding.
func decode(coding string, body []byte) ([]byte, error) {
	switch coding {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "br":
		return io.ReadAll(brotli.NewReader(bytes.NewReader(body)))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return io.ReadAll(zr)
	}
	return nil, fmt.Errorf("unknown coding %q", coding)
}

// readArchive reads every entry of an archive of format (zip, tar.gz,
// tar.zst).
func readArchive(format string, body []byte) error {
	if format == "zip" {
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			return fmt.Errorf("zip: %v", err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				return fmt.Errorf("zip: %s: %v", f.Name, err)
			}
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil {
				return fmt.Errorf("zip: %s: %v", f.Name, err)
			}
		}
		return nil
	}
	coding := map[string]string{"tar.gz": "gzip", "tar.zst": "zstd"}[format]
	raw, err := decode(coding, body)
	if err != nil {
		return fmt.Errorf("%s: %v", format, err)
	}
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		_, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %v", format, err)
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return fmt.Errorf("%s: %v", format, err)
		}
	}
}

// linesSince returns the lines of the JSON log s that contain sub and
// were logged at since or after (the log is written out in batches: a
// line can come out after the events that follow it).
func linesSince(s, sub string, since time.Time) []string {
	var out []string
	for line := range strings.Lines(s) {
		var l struct {
			Time time.Time `json:"time"`
		}
		if strings.Contains(line, sub) && json.Unmarshal([]byte(line), &l) == nil && !l.Time.Before(since) {
			out = append(out, strings.TrimSuffix(line, "\n"))
		}
	}
	return out
}
