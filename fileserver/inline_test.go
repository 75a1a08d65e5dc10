package fileserver_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// writeCounter is a listener whose connections count their writes.
type writeCounter struct {
	net.Listener
	writes atomic.Int64
}

func (l *writeCounter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: &l.writes}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// ReadFrom counts a sendfile as one write, as the TCP connection's own
// would send the file.
func (c *countingConn) ReadFrom(r io.Reader) (int64, error) {
	c.n.Add(1)
	return io.Copy(c.Conn, r)
}

// TestInlineSmallFiles checks that a small file served without the cache
// (DisableCache, or an fs.FS whose files the cache cannot check) goes out
// in one write with its headers, where net/http alone sends the first
// 512 bytes with the headers and the rest apart; and that its response is
// byte for byte the cached one. Larger files still take two.
func TestInlineSmallFiles(t *testing.T) {
	dir := t.TempDir()
	mapfs := fstest.MapFS{}
	sizes := []int{1, 512, 513, 1024, 3 << 10, 3<<10 + 1, 8 << 10}
	for _, n := range sizes {
		b := bytes.Repeat([]byte{'x'}, n)
		name := "f" + strconv.Itoa(n) + ".txt"
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		mapfs[name] = &fstest.MapFile{Data: b}
	}
	start := func(h http.Handler) (string, *writeCounter) {
		srv := httptest.NewUnstartedServer(h)
		wc := &writeCounter{Listener: srv.Listener}
		srv.Listener = wc
		srv.Start()
		t.Cleanup(srv.Close)
		return srv.URL, wc
	}
	nocache, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer nocache.Close()
	cached, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cached.Close()
	fileserver.SetClock(cached, func() time.Time { return time.Now().Add(time.Hour) }) // files old enough to keep
	mem, err := fileserver.New(mapfs, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	nocacheURL, nocacheWrites := start(nocache)
	memURL, memWrites := start(mem)

	get := func(url string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	for _, n := range sizes {
		name := "/f" + strconv.Itoa(n) + ".txt"
		want := 2
		if n <= 3<<10 {
			want = 1
		}
		for _, s := range []struct {
			url    string
			writes *atomic.Int64
		}{{nocacheURL, &nocacheWrites.writes}, {memURL, &memWrites.writes}} {
			before := s.writes.Load()
			resp, body := get(s.url + name)
			if got := s.writes.Load() - before; got != int64(want) || resp.StatusCode != 200 || len(body) != n {
				t.Errorf("%s%s: %d, %d bytes in %d writes, want 200, %d bytes in %d", s.url, name, resp.StatusCode, len(body), got, n, want)
			}
		}
		// The same bytes as the cache sends: status, headers, body.
		rec := httptest.NewRecorder()
		cached.ServeHTTP(rec, httptest.NewRequest("GET", name, nil))
		if entries, _ := fileserver.CacheStats(cached); entries == 0 {
			t.Fatalf("%s: the cache kept nothing", name)
		}
		resp, body := get(nocacheURL + name)
		resp.Header.Del("Date")
		if !bytes.Equal(body, rec.Body.Bytes()) || resp.Header.Get("Etag") != rec.Header().Get("Etag") ||
			resp.Header.Get("Content-Type") != rec.Header().Get("Content-Type") ||
			resp.Header.Get("Last-Modified") != rec.Header().Get("Last-Modified") ||
			resp.Header.Get("Content-Length") != rec.Header().Get("Content-Length") ||
			len(resp.Header) != len(rec.Header()) {
			t.Errorf("%s: without the cache %v, with it %v", name, resp.Header, rec.Header())
		}
	}
	// A Range, a conditional and a HEAD go as before.
	resp, body := get(nocacheURL+"/f1024.txt", "Range", "bytes=10-19")
	if resp.StatusCode != 206 || string(body) != "xxxxxxxxxx" {
		t.Errorf("Range: %d %q", resp.StatusCode, body)
	}
	resp, _ = get(nocacheURL+"/f1024.txt", "If-None-Match", resp.Header.Get("Etag"))
	if resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	resp, body = get(nocacheURL+"/f1024.txt", "If-Match", `"nope"`)
	if resp.StatusCode != 412 {
		t.Errorf("If-Match: %d %q, want 412", resp.StatusCode, body)
	}
}
