package fileserver_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

var longIntegrity = flag.Bool("long", false, "TestIntegrity: add files of 1 MiB and 16 MiB (the compression limit) give or take a byte")

// integritySizes are the sizes of TestIntegrity's files, a byte either
// side of each limit a file's bytes change path at: the 512 bytes
// net/http sniffs and sends with the headers, 1 KiB (the smallest file
// Compress compresses), 3 KiB (the largest read whole and sent in one
// write), 4 KiB (what the type sniffer reads, and net/http's buffer) and
// 64 KiB (the small-file cache's limit; larger files go by sendfile).
var integritySizes = []int{0, 1, 511, 512, 513, 1023, 1024, 1025, 3071, 3072, 3073, 4095, 4096, 4097, 65535, 65536, 65537}

// integrityFiles are random bytes (.bin) and compressible text of a type
// Compress compresses (.txt) of each size, and random bytes with no
// extension, whose type is sniffed, of the sizes around the sniffs.
func integrityFiles() map[string][]byte {
	sizes := integritySizes
	if *longIntegrity {
		sizes = append(sizes, 1<<20-1, 1<<20, 1<<20+1, 16<<20-1, 16<<20, 16<<20+1, 16<<20+7)
	}
	r := rand.New(rand.NewSource(1))
	words := []string{"alpha ", "beta ", "gamma\n", "délta, "}
	files := make(map[string][]byte)
	for _, n := range sizes {
		bin := make([]byte, n)
		r.Read(bin)
		files[fmt.Sprintf("bin/%d.bin", n)] = bin
		var text bytes.Buffer
		for text.Len() < n {
			text.WriteString(words[r.Intn(len(words))])
		}
		files[fmt.Sprintf("text/%d.txt", n)] = text.Bytes()[:n]
		if n <= 1 || n == 512 || n == 513 || n == 4096 || n == 4097 {
			raw := make([]byte, n)
			r.Read(raw)
			files[fmt.Sprintf("raw/%d", n)] = raw
		}
	}
	return files
}

// TestIntegrity: whatever path a file's bytes take (the cache, a read
// whole, sendfile, a stream without Seek, compression, a precompressed
// copy, over HTTP/1.1 keep-alive and pipelined), a client gets exactly
// the file: the whole of it, each range it asks for (at every edge, as
// one range or parts of multipart/byteranges), and, decompressed, what
// any Accept-Encoding gets; a HEAD gets the GET's length and no body.
// `go test -run TestIntegrity -long` adds files of 1 and 16 MiB.
func TestIntegrity(t *testing.T) {
	files := integrityFiles()
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(name, "text/") {
			// A precompressed copy, served in place of the file.
			var gz bytes.Buffer
			w := gzip.NewWriter(&gz)
			w.Write(b)
			w.Close()
			if err := os.WriteFile(p+".gz", gz.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(p+".gz", old, old)
		}
		os.Chtimes(p, old, old)
	}
	mapFS := fstest.MapFS{}
	noTime := fstest.MapFS{}
	for name, b := range files {
		mapFS[name] = &fstest.MapFile{Data: b, Mode: 0o644, ModTime: old}
		noTime[name] = &fstest.MapFile{Data: b, Mode: 0o644}
	}
	for _, c := range []struct {
		name string
		new  func() (*fileserver.Handler, error)
	}{
		{"NewDir", func() (*fileserver.Handler, error) {
			return fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
		}},
		{"NewDir/Compress,Precompressed", func() (*fileserver.Handler, error) {
			return fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Compress: true, Precompressed: []string{"gzip"}})
		}},
		{"DirFS/CacheMaxFileSize=4096,DisableSniff", func() (*fileserver.Handler, error) {
			return fileserver.New(os.DirFS(dir), fileserver.Options{CacheMaxFileSize: 4096, DisableSniff: true})
		}},
		{"DirFS/DisableCache,Compress", func() (*fileserver.Handler, error) {
			return fileserver.New(os.DirFS(dir), fileserver.Options{DisableCache: true, Compress: true})
		}},
		{"MapFS/Compress", func() (*fileserver.Handler, error) {
			return fileserver.New(mapFS, fileserver.Options{Compress: true})
		}},
		{"MapFS/no time,Immutable,Compress", func() (*fileserver.Handler, error) {
			return fileserver.New(noTime, fileserver.Options{Immutable: true, Compress: true})
		}},
		{"stream/Compress", func() (*fileserver.Handler, error) {
			return fileserver.New(streamFS{mapFS}, fileserver.Options{Compress: true})
		}},
		{"stream/no time", func() (*fileserver.Handler, error) {
			return fileserver.New(streamFS{noTime}, fileserver.Options{})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, err := c.new()
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			fileserver.SetClock(h, fileserver.HourAhead) // every file old enough to cache
			srv := httptest.NewServer(h)
			defer srv.Close()
			client := srv.Client()
			client.Transport.(*http.Transport).DisableCompression = true
			for name, want := range files {
				checkFile(t, client, srv.URL+"/"+name, want, true)
			}
			for name, want := range files {
				// Again, from what the first requests kept.
				checkFile(t, client, srv.URL+"/"+name, want, false)
			}
			checkPipelined(t, srv.Listener.Addr().String(), files)
		})
	}
}

// integrityGet sends a request with hdr (Accept-Encoding: identity unless
// hdr says otherwise) and returns the response and its whole body.
func integrityGet(t *testing.T, c *http.Client, method, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s %v: %v", method, url, hdr, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s %v: body: %v", method, url, hdr, err)
	}
	return resp, b
}

func digest(b []byte) string { return fmt.Sprintf("%d bytes, sha256 %x", len(b), sha256.Sum256(b)) }

// checkFile checks the answers for url, whose file holds want: all of
// them if all, else a GET as it is and one compressed.
func checkFile(t *testing.T, c *http.Client, url string, want []byte, all bool) {
	t.Helper()
	n := int64(len(want))
	size := strconv.FormatInt(n, 10)
	resp, b := integrityGet(t, c, "GET", url, nil)
	if resp.StatusCode != 200 || !bytes.Equal(b, want) || resp.Header.Get("Content-Length") != size {
		t.Fatalf("GET %s: %d, Content-Length %q, %s; want 200, %s", url, resp.StatusCode, resp.Header.Get("Content-Length"), digest(b), digest(want))
	}
	etag, lastMod := resp.Header.Get("Etag"), resp.Header.Get("Last-Modified")
	// Every Accept-Encoding for the text, which may be compressed; for
	// the rest, one that asks for compression.
	codings := []string{"gzip", "br", "zstd", "*", "gzip;q=0", "identity;q=0"}
	text := strings.HasSuffix(url, ".txt")
	if !all || !text {
		codings = codings[:1]
	}
	for _, ae := range codings {
		hdr := map[string]string{"Accept-Encoding": ae}
		resp, b := integrityGet(t, c, "GET", url, hdr)
		coding := resp.Header.Get("Content-Encoding")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Length") != strconv.Itoa(len(b)) {
			t.Errorf("GET %s, Accept-Encoding %q: %d, Content-Length %q for %d bytes", url, ae, resp.StatusCode, resp.Header.Get("Content-Length"), len(b))
			continue
		}
		if got := []byte(decode(t, coding, string(b))); !bytes.Equal(got, want) {
			t.Errorf("GET %s, Accept-Encoding %q: Content-Encoding %q decodes to %s, want %s", url, ae, coding, digest(got), digest(want))
		}
		if ae != "gzip" || !all {
			continue
		}
		head, hb := integrityGet(t, c, "HEAD", url, hdr)
		if len(hb) != 0 || head.Header.Get("Content-Encoding") != coding || head.Header.Get("Content-Length") != strconv.Itoa(len(b)) {
			t.Errorf("HEAD %s, Accept-Encoding %q: Content-Encoding %q, Content-Length %q, %d bytes of body; the GET had %q and %d bytes",
				url, ae, head.Header.Get("Content-Encoding"), head.Header.Get("Content-Length"), len(hb), coding, len(b))
		}
	}
	if !all {
		return
	}
	resp, b = integrityGet(t, c, "HEAD", url, nil)
	if resp.StatusCode != 200 || len(b) != 0 || resp.Header.Get("Content-Length") != size {
		t.Errorf("HEAD %s: %d, Content-Length %q, %d bytes of body; want 200, %s, none", url, resp.StatusCode, resp.Header.Get("Content-Length"), len(b), size)
	}

	if n == 0 {
		return
	}

	// Single ranges, at every edge; [lo, hi] inclusive, lo < 0 for 416.
	for _, r := range []struct {
		spec   string
		lo, hi int64
	}{
		{"bytes=0-0", 0, 0},
		{fmt.Sprintf("bytes=%d-%d", n-1, n-1), n - 1, n - 1},
		{fmt.Sprintf("bytes=%d-", n-1), n - 1, n - 1},
		{"bytes=-1", n - 1, n - 1},
		{fmt.Sprintf("bytes=-%d", n), 0, n - 1},
		{fmt.Sprintf("bytes=-%d", n+10), 0, n - 1},
		{"bytes=0-", 0, n - 1},
		{fmt.Sprintf("bytes=0-%d", n+100), 0, n - 1},
		{fmt.Sprintf("bytes=%d-%d", n/3, n/2), n / 3, n / 2},
		{fmt.Sprintf("bytes=%d-", n), -1, -1},
		{fmt.Sprintf("bytes=%d-%d", n+5, n+10), -1, -1},
	} {
		for _, ae := range []string{"identity", "gzip, br, zstd"} {
			if ae != "identity" && !text {
				continue
			}
			hdr := map[string]string{"Range": r.spec, "Accept-Encoding": ae}
			resp, b := integrityGet(t, c, "GET", url, hdr)
			if r.lo < 0 {
				if resp.StatusCode != 416 || resp.Header.Get("Content-Range") != "bytes */"+size {
					t.Errorf("GET %s, Range %s: %d, Content-Range %q; want 416, bytes */%d", url, r.spec, resp.StatusCode, resp.Header.Get("Content-Range"), n)
				}
				continue
			}
			part := want[r.lo : r.hi+1]
			cr := fmt.Sprintf("bytes %d-%d/%d", r.lo, r.hi, n)
			if resp.StatusCode != 206 || resp.Header.Get("Content-Range") != cr || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(b, part) {
				t.Errorf("GET %s, Range %s, Accept-Encoding %q: %d, Content-Range %q, Content-Encoding %q, %s; want 206, %s, none, %s",
					url, r.spec, ae, resp.StatusCode, resp.Header.Get("Content-Range"), resp.Header.Get("Content-Encoding"), digest(b), cr, digest(part))
			}
			if ae != "identity" {
				continue
			}
			head, hb := integrityGet(t, c, "HEAD", url, hdr)
			if head.StatusCode != 206 || len(hb) != 0 || head.Header.Get("Content-Length") != strconv.Itoa(len(part)) {
				t.Errorf("HEAD %s, Range %s: %d, Content-Length %q, %d bytes of body; want 206, %d, none", url, r.spec, head.StatusCode, head.Header.Get("Content-Length"), len(hb), len(part))
			}
		}
	}

	// If-Range: a validator of this version gets the range (a date only
	// for a whole second, as these are), any other the whole file.
	for _, v := range []struct {
		ifRange string
		partial bool
	}{{etag, etag != ""}, {lastMod, lastMod != ""}, {`"other"`, false}, {"Mon, 01 Jan 2001 00:00:00 GMT", false}} {
		if v.ifRange == "" {
			continue
		}
		resp, b := integrityGet(t, c, "GET", url, map[string]string{"Range": "bytes=-1", "If-Range": v.ifRange})
		wantStatus, wantBody := 200, want
		if v.partial {
			wantStatus, wantBody = 206, want[n-1:]
		}
		if resp.StatusCode != wantStatus || !bytes.Equal(b, wantBody) {
			t.Errorf("GET %s, Range bytes=-1, If-Range %s: %d, %s; want %d, %s", url, v.ifRange, resp.StatusCode, digest(b), wantStatus, digest(wantBody))
		}
	}

	if n < 2 {
		return
	}
	// Several ranges: multipart/byteranges, each part with its own
	// Content-Range, in the order asked for (a stream that cannot seek
	// back sends the whole file instead).
	for _, ranges := range [][][2]int64{
		{{0, 0}, {n - 1, n - 1}},
		{{n - 1, n - 1}, {0, 0}, {n / 2, n / 2}},
		{{0, n / 4}, {n / 2, n - 1}},
	} {
		var specs []string
		for _, r := range ranges {
			specs = append(specs, fmt.Sprintf("%d-%d", r[0], r[1]))
		}
		spec := "bytes=" + strings.Join(specs, ",")
		resp, b := integrityGet(t, c, "GET", url, map[string]string{"Range": spec})
		if resp.StatusCode == 200 && bytes.Equal(b, want) && strings.HasPrefix(t.Name(), "TestIntegrity/stream") {
			continue
		}
		mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if resp.StatusCode != 206 || err != nil || mt != "multipart/byteranges" || resp.Header.Get("Content-Length") != strconv.Itoa(len(b)) {
			t.Errorf("GET %s, Range %s: %d, Content-Type %q, Content-Length %q for %d bytes; want 206, multipart/byteranges",
				url, spec, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Length"), len(b))
			continue
		}
		boundary := params["boundary"]
		if !bytes.HasPrefix(b, []byte("--"+boundary+"\r\n")) || !bytes.HasSuffix(b, []byte("\r\n--"+boundary+"--\r\n")) {
			t.Errorf("GET %s, Range %s: body does not start with --%s and end with --%s--", url, spec, boundary, boundary)
		}
		mr := multipart.NewReader(bytes.NewReader(b), boundary)
		for i, r := range ranges {
			p, err := mr.NextPart()
			if err != nil {
				t.Errorf("GET %s, Range %s: part %d: %v", url, spec, i, err)
				break
			}
			got, err := io.ReadAll(p)
			cr := fmt.Sprintf("bytes %d-%d/%d", r[0], r[1], n)
			if err != nil || p.Header.Get("Content-Range") != cr || !bytes.Equal(got, want[r[0]:r[1]+1]) {
				t.Errorf("GET %s, Range %s: part %d: Content-Range %q, %s; want %s, %s", url, spec, i, p.Header.Get("Content-Range"), digest(got), cr, digest(want[r[0]:r[1]+1]))
			}
		}
		if _, err := mr.NextPart(); err != io.EOF {
			t.Errorf("GET %s, Range %s: more than %d parts, or a bad end: %v", url, spec, len(ranges), err)
		}
	}
}

// checkPipelined sends requests of every kind for the files up to 64 KiB
// on one connection, all written before any answer is read, and checks
// each answer in turn.
func checkPipelined(t *testing.T, addr string, files map[string][]byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	type exchange struct {
		method, name, hdr string
		status            int
		body              []byte
	}
	var sent []exchange
	var reqs bytes.Buffer
	for name, b := range files {
		n := len(b)
		if n < 2 || n > 64<<10 {
			continue
		}
		for _, x := range []exchange{
			{"GET", name, "", 200, b},
			{"HEAD", name, "", 200, nil},
			{"GET", name, "Range: bytes=1-\r\n", 206, b[1:]},
			{"HEAD", name, "Range: bytes=-1\r\n", 206, nil},
			{"GET", name, fmt.Sprintf("Range: bytes=%d-\r\n", n), 416, nil},
			{"GET", name, "If-None-Match: *\r\n", 304, nil},
		} {
			fmt.Fprintf(&reqs, "%s /%s HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n%s\r\n", x.method, x.name, x.hdr)
			sent = append(sent, x)
		}
	}
	go conn.Write(reqs.Bytes())
	br := bufio.NewReader(conn)
	for i, x := range sent {
		req, _ := http.NewRequest(x.method, "/"+x.name, nil)
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatalf("pipelined answer %d (%s /%s %q): %v", i, x.method, x.name, x.hdr, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != x.status || (x.body != nil && !bytes.Equal(b, x.body)) || (x.method == "HEAD" && len(b) != 0) {
			t.Fatalf("pipelined answer %d (%s /%s %q): %d, %s, %v; want %d, %s", i, x.method, x.name, x.hdr, resp.StatusCode, digest(b), err, x.status, digest(x.body))
		}
	}
}
