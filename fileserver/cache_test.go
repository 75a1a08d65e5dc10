package fileserver_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// cacheRequests are the requests compared at each step of
// cachedAndDisk returns two handlers of dir: one whose cache keeps
// everything at once (its clock is an hour ahead, so no file is too
// recent), and one without cache, the reference. Both close with t.
func cachedAndDisk(t *testing.T, dir string) (cached, disk *fileserver.Handler) {
	t.Helper()
	cached, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cached.Close() })
	fileserver.SetClock(cached, fileserver.HourAhead)
	disk, err = fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { disk.Close() })
	return cached, disk
}

// TestCacheServesCurrentVersion: every path through the cached code.
func cacheRequests(etag string) []struct {
	method string
	hdr    map[string]string
} {
	return []struct {
		method string
		hdr    map[string]string
	}{
		{"GET", nil},
		{"HEAD", nil},
		{"GET", map[string]string{"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}},
		{"GET", map[string]string{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}},
		{"GET", map[string]string{"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT", "If-None-Match": `"other"`}},
		{"GET", map[string]string{"If-None-Match": etag}},
		{"GET", map[string]string{"If-Match": `"other"`}},
		{"GET", map[string]string{"Range": "bytes=2-5"}},
		{"GET", map[string]string{"Range": "bytes=1-1,3-4"}},
		{"GET", map[string]string{"Range": "bytes=900-"}},
	}
}

// sameAsDisk serves path with the cached handler and with one that reads
// the disk, for every request of cacheRequests, and fails unless status,
// headers and body are identical. It returns the cached GET response.
func sameAsDisk(t *testing.T, cached, disk http.Handler, path string) response {
	t.Helper()
	first := serve(t, disk, "GET", path, nil)
	// A multipart boundary is random: compare those bodies by shape.
	boundary := func(r response) response {
		if ct := r.header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/byteranges; boundary=") {
			b := strings.TrimPrefix(ct, "multipart/byteranges; boundary=")
			r.header = r.header.Clone()
			r.header.Set("Content-Type", "multipart/byteranges; boundary=B")
			r.body = strings.ReplaceAll(r.body, b, "B")
		}
		return r
	}
	for _, req := range cacheRequests(first.header.Get("Etag")) {
		want := boundary(serve(t, disk, req.method, path, req.hdr))
		for i := range 2 { // the second comes from the cache when the first filled it
			got := boundary(serve(t, cached, req.method, path, req.hdr))
			if got.status != want.status || got.body != want.body || !reflect.DeepEqual(got.header, want.header) {
				t.Fatalf("%s %s %v (#%d):\ncached: %d %v %q\ndisk:   %d %v %q", req.method, path, req.hdr, i+1,
					got.status, got.header, got.body, want.status, want.header, want.body)
			}
		}
	}
	return serve(t, cached, "GET", path, nil)
}

// TestCacheServesCurrentVersion: whatever happens to a cached file
// (rewritten in place with its old size and mtime, replaced by rename,
// grown, truncated, given content of another type, removed, replaced by a
// directory), the next response is exactly what a handler without cache
// sends: never the old bytes, length or type.
func TestCacheServesCurrentVersion(t *testing.T) {
	dir := t.TempDir()
	cached, disk := cachedAndDisk(t, dir)

	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		// The old mtime: only the ctime (and maybe the inode) tells.
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step, path string, wantStatus int, wantBody, wantType string) {
		t.Helper()
		got := sameAsDisk(t, cached, disk, path)
		if got.status != wantStatus || got.body != wantBody || (wantType != "" && got.header.Get("Content-Type") != wantType) {
			t.Fatalf("%s: GET %s = %d %q %q, want %d %q %q", step, path, got.status,
				got.header.Get("Content-Type"), got.body, wantStatus, wantType, wantBody)
		}
	}

	write("a.txt", "old content\n")
	check("first read", "/a.txt", 200, "old content\n", "text/plain")
	if n, _ := fileserver.CacheStats(cached); n != 1 {
		t.Fatalf("cache holds %d files after serving one, want 1", n)
	}

	write("a.txt", "new content\n")
	check("rewritten in place, same size and mtime", "/a.txt", 200, "new content\n", "text/plain")

	tmp := filepath.Join(dir, "a.tmp")
	os.WriteFile(tmp, []byte("NEW CONTENT\n"), 0o644)
	os.Chtimes(tmp, mtime, mtime)
	if err := os.Rename(tmp, filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal(err)
	}
	check("replaced by rename", "/a.txt", 200, "NEW CONTENT\n", "text/plain")

	write("a.txt", "a longer content than before\n")
	check("grown", "/a.txt", 200, "a longer content than before\n", "text/plain")

	write("a.txt", "")
	check("truncated", "/a.txt", 200, "", "text/plain")

	// No extension: the type is sniffed from the content, so it changes
	// with it.
	html := "<html><body>hi</body></html>"
	write("data", html)
	check("sniffed", "/data", 200, html, "text/html; charset=utf-8")
	png := "\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", len(html)-8)
	write("data", png)
	check("same size, other type", "/data", 200, png, "image/png")

	if err := os.Remove(filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal(err)
	}
	if got := serve(t, cached, "GET", "/a.txt", nil); got.status != 404 {
		t.Fatalf("removed: GET /a.txt = %d, want 404", got.status)
	}
	if err := os.Mkdir(filepath.Join(dir, "a.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := serve(t, cached, "GET", "/a.txt", nil); got.status != 301 {
		t.Fatalf("replaced by a directory: GET /a.txt = %d, want 301", got.status)
	}

	if os.Geteuid() != 0 { // root reads anything
		write("secret.txt", "secret\n")
		check("readable", "/secret.txt", 200, "secret\n", "text/plain")
		if err := os.Chmod(filepath.Join(dir, "secret.txt"), 0); err != nil {
			t.Fatal(err)
		}
		if got := serve(t, cached, "GET", "/secret.txt", nil); got.status != 404 {
			t.Fatalf("made unreadable: GET /secret.txt = %d, want 404", got.status)
		}
	}
}

// TestCacheRecentFiles: a file changed less than two seconds before it is
// read is served but not kept, so that a write in the same timestamp tick
// cannot go unseen.
func TestCacheRecentFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "new.txt"), []byte("fresh\n"), 0o644)
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for range 2 {
		if got := serve(t, h, "GET", "/new.txt", nil); got.status != 200 || got.body != "fresh\n" {
			t.Fatalf("GET /new.txt = %d %q", got.status, got.body)
		}
	}
	if n, _ := fileserver.CacheStats(h); n != 0 {
		t.Fatalf("cache holds %d files just written, want 0", n)
	}
	fileserver.SetClock(h, fileserver.HourAhead)
	serve(t, h, "GET", "/new.txt", nil)
	if n, _ := fileserver.CacheStats(h); n != 1 {
		t.Fatalf("cache holds %d files once they are old enough, want 1", n)
	}
}

// TestCacheReadsOnlyWhatItKeeps: a file the cache could hold by its size
// but will not keep (changed too recently, or too large for
// CacheMaxBytes once its name and overhead count) is sent from disk, not
// read whole into memory on every request: with a CacheMaxFileSize of
// megabytes, each request for a log being written would take the whole
// file in memory.
func TestCacheReadsOnlyWhatItKeeps(t *testing.T) {
	const size = 4 << 20
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.log"), []byte(strings.Repeat("x", size)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		opts  fileserver.Options
		clock func() time.Time
	}{
		{"changed just now", fileserver.Options{CacheMaxFileSize: 2 * size, CacheMaxBytes: 4 * size}, time.Now},
		{"too large with its overhead", fileserver.Options{CacheMaxFileSize: size, CacheMaxBytes: size}, fileserver.HourAhead},
	} {
		h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		fileserver.SetClock(h, tc.clock)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 2 {
			h.ServeHTTP(&discardWriter{h: http.Header{}}, httptest.NewRequest("GET", "/f.log", nil))
		}
		runtime.ReadMemStats(&after)
		if n, _ := fileserver.CacheStats(h); n != 0 {
			t.Errorf("%s: the cache kept %d files", tc.name, n)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/2 {
			t.Errorf("%s: two GETs of a %d-byte file allocated %d bytes", tc.name, size, alloc)
		}
		h.Close()
	}
}

// TestCacheBounds: files above CacheMaxFileSize are not kept, and the
// cache never holds more than CacheMaxBytes.
func TestCacheBounds(t *testing.T) {
	dir := t.TempDir()
	for i := range 10 {
		os.WriteFile(filepath.Join(dir, "f"+string(rune('0'+i))), []byte(strings.Repeat("x", 100)), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "big"), []byte(strings.Repeat("x", 101)), 0o644)
	const maxBytes = 2000 // room for three 100-byte files and their overhead
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{CacheMaxFileSize: 100, CacheMaxBytes: maxBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	fileserver.SetClock(h, fileserver.HourAhead)

	if got := serve(t, h, "GET", "/big", nil); got.status != 200 || len(got.body) != 101 {
		t.Fatalf("GET /big = %d, %d bytes", got.status, len(got.body))
	}
	if n, _ := fileserver.CacheStats(h); n != 0 {
		t.Fatalf("a file above CacheMaxFileSize was kept (%d entries)", n)
	}
	for round := range 2 {
		for i := range 10 {
			name := "/f" + string(rune('0'+i))
			if got := serve(t, h, "GET", name, nil); got.status != 200 || len(got.body) != 100 {
				t.Fatalf("round %d: GET %s = %d, %d bytes", round, name, got.status, len(got.body))
			}
			if n, b := fileserver.CacheStats(h); n < 1 || n > 3 || b > maxBytes {
				t.Fatalf("round %d, after %s: cache holds %d files, %d bytes; want 1 to 3 files within %d bytes", round, name, n, b, maxBytes)
			}
		}
	}
}

// TestCacheBoundsPastInt: cache bounds past what an int holds on a
// 32-bit platform (linux/386, linux/arm; run with GOARCH=386) work there
// as the largest it holds. A CacheMaxBytes of 16 GiB made every rich
// listing stream (no Content-Length): an eighth of it wrapped negative in
// an int. A CacheMaxFileSize over 2 GiB panicked the request of a larger
// file, read into one []byte. On a 64-bit platform, where both bounds
// hold as they are, the large file is left out: it would be read whole.
func TestCacheBoundsPastInt(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := strconv.IntSize == 32
	if big {
		f, err := os.Create(filepath.Join(dir, "big.bin"))
		if err != nil {
			t.Fatal(err)
		}
		err = f.Truncate(5 << 29) // 2.5 GiB, sparse
		f.Close()
		if err != nil {
			t.Skipf("no sparse file of 2.5 GiB here: %v", err)
		}
	}
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{
		Listing: fileserver.ListingRich, CacheMaxBytes: 16 << 30, CacheMaxFileSize: 3 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	fileserver.SetClock(h, fileserver.HourAhead)
	if got := serve(t, h, "GET", "/", nil); got.status != 200 || got.header.Get("Content-Length") == "" {
		t.Errorf("GET / = %d with Content-Length %q, want 200 with one (a listing built, not streamed)", got.status, got.header.Get("Content-Length"))
	}
	if !big {
		return
	}
	if got := serve(t, h, "GET", "/big.bin", map[string]string{"Range": "bytes=0-0"}); got.status != 206 || got.body != "\x00" {
		t.Errorf("GET /big.bin, bytes=0-0: %d %q, want 206 and one NUL", got.status, got.body)
	}
	if n, _ := fileserver.CacheStats(h); n > 1 {
		t.Errorf("the cache holds %d entries, want the listing's at most", n)
	}
}

// countingFS is os.DirFS counting the files it opens.
type countingFS struct {
	fs.StatFS
	opens atomic.Int64
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.opens.Add(1)
	return c.StatFS.Open(name)
}

// TestCacheNoOpen: once a file is cached, GET, HEAD and a 304 are
// answered after a stat without opening anything, and so is a 404.
func TestCacheNoOpen(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello\n"), 0o644)
	cfs := &countingFS{StatFS: os.DirFS(dir).(fs.StatFS)}
	h := mustNew(t, cfs, fileserver.Options{})
	fileserver.SetClock(h, fileserver.HourAhead)
	serve(t, h, "GET", "/a.txt", nil)
	if n := cfs.opens.Load(); n != 1 {
		t.Fatalf("first GET opened %d files, want 1", n)
	}
	for _, req := range []struct {
		method string
		hdr    map[string]string
		status int
	}{
		{"GET", nil, 200},
		{"HEAD", nil, 200},
		{"GET", map[string]string{"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}, 304},
		{"GET", map[string]string{"Range": "bytes=0-1"}, 206},
	} {
		if got := serve(t, h, req.method, "/a.txt", req.hdr); got.status != req.status {
			t.Fatalf("%s %v = %d, want %d", req.method, req.hdr, got.status, req.status)
		}
	}
	if got := serve(t, h, "GET", "/missing", nil); got.status != 404 {
		t.Fatalf("GET /missing = %d, want 404", got.status)
	}
	if n := cfs.opens.Load(); n != 1 {
		t.Fatalf("cached requests and a 404 opened %d more files, want 0", n-1)
	}
}

// TestCacheConcurrent: many clients on files that compete for a small
// cache (entries evicted and reloaded all the time) always get the right
// bytes; run with -race it also checks the cache's locking.
func TestCacheConcurrent(t *testing.T) {
	dir := t.TempDir()
	want := map[string]string{}
	for i := range 8 {
		name := "f" + string(rune('0'+i))
		want["/"+name] = strings.Repeat(string(rune('a'+i)), 100+i)
		os.WriteFile(filepath.Join(dir, name), []byte(want["/"+name]), 0o644)
	}
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{CacheMaxBytes: 2000})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	fileserver.SetClock(h, fileserver.HourAhead)
	done := make(chan string)
	for g := range 4 {
		go func() {
			for i := range 200 {
				path := "/f" + string(rune('0'+(g+i)%8))
				if got := serve(t, h, "GET", path, nil); got.status != 200 || got.body != want[path] {
					done <- path + ": " + got.body
					return
				}
			}
			done <- ""
		}()
	}
	for range 4 {
		if msg := <-done; msg != "" {
			t.Fatalf("wrong response for %s", msg)
		}
	}
}

// TestCacheFullAdmitsOnSecondRequest: once the cache is full, a file asked
// for once is sent from disk and does not push out the files asked for
// often; asked for again, it comes in.
func TestCacheFullAdmitsOnSecondRequest(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b", "c", "x", "once0", "once1", "once2", "once3", "once4", "once5"} {
		os.WriteFile(filepath.Join(dir, name), []byte(strings.Repeat(name[:1], 100)), 0o644)
	}
	cfs := &countingFS{StatFS: os.DirFS(dir).(fs.StatFS)}
	// Room for three 100-byte files and their overhead.
	h := mustNew(t, cfs, fileserver.Options{CacheMaxFileSize: 100, CacheMaxBytes: 2000})
	fileserver.SetClock(h, fileserver.HourAhead)
	get := func(name string) {
		t.Helper()
		if got := serve(t, h, "GET", "/"+name, nil); got.status != 200 || got.body != strings.Repeat(name[:1], 100) {
			t.Fatalf("GET /%s = %d %q", name, got.status, got.body)
		}
	}
	opens := func(names ...string) int64 {
		t.Helper()
		before := cfs.opens.Load()
		for _, name := range names {
			get(name)
		}
		return cfs.opens.Load() - before
	}
	if n := opens("a", "b", "c"); n != 3 {
		t.Fatalf("the first requests for a, b and c opened %d files, want 3", n)
	}
	if n := opens("a", "b", "c"); n != 0 {
		t.Fatalf("a, b and c asked for again opened %d files, want 0 (cached)", n)
	}
	if n := opens("once0", "once1", "once2", "once3", "once4", "once5"); n != 6 {
		t.Fatalf("six files asked for once opened %d files, want 6", n)
	}
	if n := opens("a", "b", "c"); n != 0 {
		t.Fatalf("after six files asked for once, a, b and c opened %d files, want 0: they were pushed out", n)
	}
	if entries, _ := fileserver.CacheStats(h); entries != 3 {
		t.Fatalf("the cache holds %d files, want 3", entries)
	}
	if n := opens("x", "x", "x"); n != 2 {
		t.Fatalf("x asked for three times opened %d files, want 2 (from disk, then read into the cache)", n)
	}
	// A changed file takes its old version's place at once.
	os.WriteFile(filepath.Join(dir, "b"), []byte(strings.Repeat("B", 99)), 0o644)
	for i, want := range []int64{1, 0} {
		before := cfs.opens.Load()
		if got := serve(t, h, "GET", "/b", nil); got.status != 200 || got.body != strings.Repeat("B", 99) {
			t.Fatalf("GET /b after it changed = %d %q", got.status, got.body)
		}
		if n := cfs.opens.Load() - before; n != want {
			t.Fatalf("GET /b #%d after it changed opened %d files, want %d", i+1, n, want)
		}
	}
}

// TestCacheFullAdmitsCompressedOnSecondRequest: with Compress, the
// compressed bytes of a file come into a full cache as the file would,
// only when asked for a second time; asked for once, the file goes out
// as it is. Kept at once, a scan of files asked for once, with the
// Accept-Encoding every browser sends, pushed the popular files out.
func TestCacheFullAdmitsCompressedOnSecondRequest(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		os.WriteFile(filepath.Join(dir, name), []byte(strings.Repeat(name, 100)), 0o644)
	}
	text := strings.Repeat("the same line of text, again and again\n", 28)
	for i := range 6 {
		os.WriteFile(filepath.Join(dir, "once"+strconv.Itoa(i)+".txt"), []byte(text), 0o644)
	}
	cfs := &countingFS{StatFS: os.DirFS(dir).(fs.StatFS)}
	// Room for three 100-byte files and their overhead; the texts, of
	// 1,092 bytes, are kept only compressed.
	h := mustNew(t, cfs, fileserver.Options{CacheMaxFileSize: 100, CacheMaxBytes: 2000, Compress: true})
	fileserver.SetClock(h, fileserver.HourAhead)
	opens := opensOf(t, h, cfs, 100)
	gzipped := func(name string) bool {
		t.Helper()
		got := serve(t, h, "GET", "/"+name, map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"})
		if got.status != 200 || got.header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("GET /%s = %d, Vary %q; want 200 and Accept-Encoding", name, got.status, got.header.Get("Vary"))
		}
		if got.header.Get("Content-Encoding") == "" && got.body != text {
			t.Fatalf("GET /%s as it is: the body differs from the file", name)
		}
		return got.header.Get("Content-Encoding") != ""
	}
	opens("a", "b", "c")
	if n := opens("a", "b", "c"); n != 0 {
		t.Fatalf("a, b and c asked for again opened %d files, want 0 (cached)", n)
	}
	for i := range 6 {
		if gzipped("once" + strconv.Itoa(i) + ".txt") {
			t.Errorf("once%d.txt asked for once, with a full cache: compressed, want it as it is", i)
		}
	}
	if n := opens("a", "b", "c"); n != 0 {
		t.Errorf("after six files asked for once with Accept-Encoding, a, b and c opened %d files, want 0: they were pushed out", n)
	}
	if !gzipped("once0.txt") {
		t.Errorf("once0.txt asked for a second time: as it is, want compressed (let into the cache)")
	}

	// A browser that holds the compressed copy revalidates it with a
	// server whose full cache no longer has it (here, a new handler): it
	// was sent those bytes before, so it is told that they are current,
	// not sent the whole file as it is.
	ae := map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"}
	got := serve(t, h, "GET", "/once0.txt", ae)
	etag := got.header.Get("ETag")
	if got.header.Get("Content-Encoding") == "" || etag == "" {
		t.Fatalf("GET /once0.txt: Content-Encoding %q, ETag %q; want both", got.header.Get("Content-Encoding"), etag)
	}
	h = mustNew(t, cfs, fileserver.Options{CacheMaxFileSize: 100, CacheMaxBytes: 2000, Compress: true})
	fileserver.SetClock(h, fileserver.HourAhead)
	opens = opensOf(t, h, cfs, 100)
	opens("a", "b", "c")
	ae["If-None-Match"] = etag
	if got := serve(t, h, "GET", "/once0.txt", ae); got.status != 304 || got.header.Get("ETag") != etag || got.body != "" {
		t.Errorf("GET /once0.txt, If-None-Match its compressed copy's ETag, full cache = %d, ETag %q, %d bytes; want 304, %s", got.status, got.header.Get("ETag"), len(got.body), etag)
	}
}

// TestCacheFullAdmitsListingOnSecondRequest: a listing comes into a full
// cache as a file does, only when asked for a second time, in either
// style: the six sort orders of a rich listing, each asked for once (by a
// crawler following the page's own links), pushed the popular files out.
func TestCacheFullAdmitsListingOnSecondRequest(t *testing.T) {
	for _, style := range []fileserver.ListingStyle{fileserver.ListingPython, fileserver.ListingRich} {
		dir := t.TempDir()
		for _, name := range []string{"a", "b", "c"} {
			os.WriteFile(filepath.Join(dir, name), []byte(strings.Repeat(name, 1000)), 0o644)
		}
		os.Mkdir(filepath.Join(dir, "d"), 0o755)
		for _, name := range []string{"x1", "x2"} {
			os.WriteFile(filepath.Join(dir, "d", name), nil, 0o644)
		}
		cfs := &countingFS{StatFS: os.DirFS(dir).(fs.StatFS)}
		// Room for the three files, not for a listing beside them.
		h := mustNew(t, cfs, fileserver.Options{CacheMaxFileSize: 1000, CacheMaxBytes: 4700, Listing: style})
		fileserver.SetClock(h, fileserver.HourAhead)
		opens := opensOf(t, h, cfs, 1000)
		list := func(query string) {
			t.Helper()
			if got := serve(t, h, "GET", "/d/"+query, nil); got.status != 200 || !strings.Contains(got.body, `href="x2"`) {
				t.Fatalf("style %d: GET /d/%s = %d", style, query, got.status)
			}
		}
		opens("a", "b", "c")
		if n := opens("a", "b", "c"); n != 0 {
			t.Fatalf("style %d: a, b and c asked for again opened %d files, want 0 (cached)", style, n)
		}
		list("")
		if style == fileserver.ListingRich {
			for _, q := range []string{"?sort=name&order=desc", "?sort=size&order=asc", "?sort=size&order=desc", "?sort=date&order=asc", "?sort=date&order=desc"} {
				list(q)
			}
		}
		if n := opens("a", "b", "c"); n != 0 {
			t.Errorf("style %d: after listings asked for once, a, b and c opened %d files, want 0: they were pushed out", style, n)
		}
		list("")
		if n := opens("a", "b", "c"); n != 1 {
			t.Errorf("style %d: after the listing asked for a second time, a, b and c opened %d files, want 1 (pushed out for the listing, now kept)", style, n)
		}
	}
}

// opensOf returns a func that gets each of names from h, checks that its
// body is the name's letter n times, and reports how many files cfs
// opened meanwhile.
func opensOf(t *testing.T, h http.Handler, cfs *countingFS, n int) func(names ...string) int64 {
	return func(names ...string) int64 {
		t.Helper()
		before := cfs.opens.Load()
		for _, name := range names {
			if got := serve(t, h, "GET", "/"+name, nil); got.status != 200 || got.body != strings.Repeat(name, n) {
				t.Fatalf("GET /%s = %d %q", name, got.status, got.body)
			}
		}
		return cfs.opens.Load() - before
	}
}

// TestCacheBoundsCountNamesAndOverhead: CacheMaxBytes counts each
// file's name and a fixed 512 bytes beside its content, so files with
// long names fill it sooner than their content alone would. The figure
// is computed here from the documented cost, not read back from the
// cache: a cache that left out the name or the overhead would hold more
// files than the bound allows, and would take in, on its first request,
// a file it has no room for.
func TestCacheBoundsCountNamesAndOverhead(t *testing.T) {
	const overhead = 512
	dir := t.TempDir()
	long := func(c byte) string { return strings.Repeat(string(c), 250) }
	for c := byte('a'); c <= 'h'; c++ {
		if err := os.WriteFile(filepath.Join(dir, long(c)), []byte(strings.Repeat("x", 100)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, long('z')), []byte(strings.Repeat("x", 201)), 0o644); err != nil {
		t.Fatal(err)
	}
	small := int64(100 + 250 + overhead) // 862
	// Room for three small files and 100 bytes: a fourth does not fit,
	// nor does the 201-byte file beside two of them (963 > 962).
	maxBytes := 3*small + 100
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{CacheMaxFileSize: 300, CacheMaxBytes: maxBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	fileserver.SetClock(h, fileserver.HourAhead)

	get := func(name string) {
		t.Helper()
		if got := serve(t, h, "GET", "/"+name, nil); got.status != 200 {
			t.Fatalf("GET /%s... = %d", name[:1], got.status)
		}
	}
	get(long('a'))
	get(long('b'))
	if n, b := fileserver.CacheStats(h); n != 2 || b != 2*small {
		t.Fatalf("after two files: %d entries, %d bytes; want 2, %d", n, b, 2*small)
	}
	// Asked for once with no room left for it: sent from disk, the cache
	// unchanged.
	get(long('z'))
	if n, b := fileserver.CacheStats(h); n != 2 || b != 2*small {
		t.Errorf("after a file with no room, asked for once: %d entries, %d bytes; want 2, %d unchanged", n, b, 2*small)
	}
	for round := range 2 {
		for c := byte('a'); c <= 'h'; c++ {
			get(long(c))
			get(long(c)) // a second time: admitted
			n, b := fileserver.CacheStats(h)
			if n > 3 || b != int64(n)*small || b > maxBytes {
				t.Fatalf("round %d, after %c...: %d entries, %d bytes; want at most 3 files of %d bytes each, within %d",
					round, c, n, b, small, maxBytes)
			}
		}
	}
}
