package fileserver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// herdDir makes a directory d of n files under a new root, and returns
// the root.
func herdDir(t *testing.T, n int) string {
	t.Helper()
	root := t.TempDir()
	d := filepath.Join(root, "d")
	mkdirs(t, d)
	for i := range n {
		writeFile(t, filepath.Join(d, fmt.Sprintf("file-%03d.txt", i)), strings.Repeat("x", i))
	}
	return root
}

// herdHandler is a handler of root with opts and a clock an hour ahead,
// so that what the test wrote counts as old enough to keep.
func herdHandler(t *testing.T, root string, opts fileserver.Options) *fileserver.Handler {
	t.Helper()
	h, err := fileserver.NewDir(root, fileserver.SymlinksFollow, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	fileserver.SetClock(h, fileserver.HourAhead)
	return h
}

// runHerd sends reqs to h at once, every listing rendering held until
// each request either renders one or waits for another's, and returns
// their responses and how many renderings there were.
func runHerd(t *testing.T, h *fileserver.Handler, reqs []*http.Request) ([]response, int64) {
	t.Helper()
	var renders atomic.Int64
	release := make(chan struct{})
	fileserver.SetRenderHook(h, func(string) {
		renders.Add(1)
		<-release
	})
	defer fileserver.SetRenderHook(h, nil)
	out := make([]response, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			out[i] = response{rec.Code, rec.Header(), rec.Body.String()}
		}()
	}
	for renders.Load()+int64(fileserver.HerdWaiting(h)) < int64(len(reqs)) {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	return out, renders.Load()
}

// sameAs fails unless each response is want (a HEAD's wantHead).
func sameAs(t *testing.T, what string, reqs []*http.Request, got []response, want, wantHead response) {
	t.Helper()
	for i, g := range got {
		w := want
		if reqs[i].Method == http.MethodHead {
			w = wantHead
		}
		if g.status != w.status || g.body != w.body || !reflect.DeepEqual(g.header, w.header) {
			t.Fatalf("%s: %s %s (#%d):\ngot:  %d %v %.200q\nwant: %d %v %.200q", what, reqs[i].Method, reqs[i].URL, i,
				g.status, g.header, g.body, w.status, w.header, w.body)
		}
	}
}

// alone is the response of a new handler of root with opts to its first
// request.
func alone(t *testing.T, root string, opts fileserver.Options, method, target string, hdr map[string]string) response {
	t.Helper()
	return serve(t, herdHandler(t, root, opts), method, target, hdr)
}

// holdFirst holds h's first listing rendering once it is done, until
// release is closed; entered is closed when it is held.
func holdFirst(h *fileserver.Handler) (entered, release chan struct{}) {
	entered, release = make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	fileserver.SetRenderHook(h, func(string) {
		if first.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	})
	return entered, release
}

// herdRequests are n requests for target, every fourth a HEAD, with the
// header hdr.
func herdRequests(n int, target string, hdr map[string]string) []*http.Request {
	var reqs []*http.Request
	for i := range n {
		method := http.MethodGet
		if i%4 == 3 {
			method = http.MethodHead
		}
		req := httptest.NewRequest(method, target, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		reqs = append(reqs, req)
	}
	return reqs
}

// TestListingHerd: requests that arrive together for the listing of a
// directory that is not in the cache, Python's or rich, share one
// rendering, GET and HEAD alike, and each gets the page one request
// alone gets. Each rendered it: 64 at once for the rich listing of
// 10,000 entries took the server to 160 to 180 MB, 890 MB with Compress.
func TestListingHerd(t *testing.T) {
	root := herdDir(t, 40)
	for _, style := range []fileserver.ListingStyle{fileserver.ListingPython, fileserver.ListingRich} {
		opts := fileserver.Options{Listing: style, Compress: true}
		for _, hdr := range []map[string]string{nil, {"Accept-Encoding": "gzip"}} {
			h := herdHandler(t, root, opts)
			reqs := herdRequests(16, "/d/?sort=size", hdr)
			got, renders := runHerd(t, h, reqs)
			if renders != 1 {
				t.Errorf("%v %v: %d requests at once rendered the listing %d times, want once", style, hdr, len(reqs), renders)
			}
			sameAs(t, "herd", reqs, got, alone(t, root, opts, "GET", "/d/?sort=size", hdr), alone(t, root, opts, "HEAD", "/d/?sort=size", hdr))
		}
	}
}

// TestListingHerdUnkept: requests that share rows the cache does
// not keep (a full cache lets them in only when asked for again) share
// their compressed page too. Each compressed its own: 64 at once for a
// directory of 10,000 entries just changed took 460 MB, 12 of the pages
// sent uncompressed for CompressBudget.
func TestListingHerdUnkept(t *testing.T) {
	for _, style := range []fileserver.ListingStyle{fileserver.ListingPython, fileserver.ListingRich} {
		t.Run(style.String(), func(t *testing.T) { testListingHerdUnkept(t, style) })
	}
}

func testListingHerdUnkept(t *testing.T, style fileserver.ListingStyle) {
	root := herdDir(t, 10)
	writeFile(t, filepath.Join(root, "big.txt"), strings.Repeat("z", 63<<10))
	opts := fileserver.Options{Listing: style, Compress: true, CacheMaxBytes: 64 << 10}
	full := func() *fileserver.Handler {
		h := herdHandler(t, root, opts)
		if got := serve(t, h, "GET", "/big.txt", nil); got.status != http.StatusOK {
			t.Fatalf("GET /big.txt: %d", got.status)
		}
		if n, _ := fileserver.CacheStats(h); n != 1 {
			t.Fatalf("the cache holds %d entries, want the one file that fills it", n)
		}
		return h
	}
	h := full()
	var encodes atomic.Int64
	fileserver.SetEncodeHook(h, func() { encodes.Add(1) })
	hdr := map[string]string{"Accept-Encoding": "gzip"}
	reqs := herdRequests(16, "/d/", hdr)
	got, renders := runHerd(t, h, reqs)
	if renders != 1 || encodes.Load() != 1 {
		t.Errorf("%d requests at once rendered the listing %d times and compressed it %d times, want once each", len(reqs), renders, encodes.Load())
	}
	if n, _ := fileserver.CacheStats(h); n != 1 {
		t.Errorf("the cache holds %d entries, want 1: the rows were let in", n)
	}
	sameAs(t, "herd", reqs, got, serve(t, full(), "GET", "/d/", hdr), serve(t, full(), "HEAD", "/d/", hdr))
}

// TestListingHerdLate: a request that comes while a rich or JSON
// listing is being rendered, after a file in it was written (which
// changes the file, not the directory), does not get what was rendered
// before.
func TestListingHerdLate(t *testing.T) {
	for _, c := range []struct {
		style  fileserver.ListingStyle
		hdr    map[string]string
		wantIn string
	}{
		{fileserver.ListingRich, nil, `title="3000 bytes"`},
		{fileserver.ListingPython, map[string]string{"Accept": "application/json"}, `"size":3000`},
	} {
		root := herdDir(t, 3)
		h := herdHandler(t, root, fileserver.Options{Listing: c.style})
		disk := herdHandler(t, root, fileserver.Options{Listing: c.style, DisableCache: true})
		entered, release := holdFirst(h)
		leader := make(chan response)
		go func() { leader <- serve(t, h, "GET", "/d/", c.hdr) }()
		<-entered
		writeFile(t, filepath.Join(root, "d", "file-001.txt"), strings.Repeat("y", 3000))
		late := make(chan response, 1)
		go func() { late <- serve(t, h, "GET", "/d/", c.hdr) }()
		for fileserver.HerdWaiting(h) == 0 && len(late) == 0 {
			runtime.Gosched()
		}
		close(release)
		<-leader
		got, want := <-late, serve(t, disk, "GET", "/d/", c.hdr)
		if got.body != want.body {
			t.Fatalf("%v: a request that came after a file was written got:\n%s\nwant:\n%s", c.hdr, got.body, want.body)
		}
		if !strings.Contains(got.body, c.wantIn) {
			t.Fatalf("%v: the written file's size is not shown:\n%s", c.hdr, got.body)
		}
	}
}

// TestJSONListingHerd: requests that arrive together for the JSON
// listing of a directory share one document, GET and HEAD alike, and
// whichever way the path is written, and each gets what one request
// alone gets.
// Each made its own: 64 at once for 10,000 entries took the server to
// 209 to 230 MB, 440 MB compressed.
func TestJSONListingHerd(t *testing.T) {
	root := herdDir(t, 40)
	opts := fileserver.Options{Compress: true}
	for _, hdr := range []map[string]string{
		{"Accept": "application/json"},
		{"Accept": "application/json", "Accept-Encoding": "gzip"},
	} {
		h := herdHandler(t, root, opts)
		var encodes atomic.Int64
		fileserver.SetEncodeHook(h, func() { encodes.Add(1) })
		reqs := herdRequests(16, "/d/", hdr)
		reqs = append(reqs, herdRequests(8, "/%64/", hdr)...) // the same path, decoded
		got, renders := runHerd(t, h, reqs)
		if renders != 1 {
			t.Errorf("%v: %d requests at once made the listing %d times, want once", hdr, len(reqs), renders)
		}
		if want := int64(len(hdr) - 1); encodes.Load() != want {
			t.Errorf("%v: %d requests at once compressed the listing %d times, want %d", hdr, len(reqs), encodes.Load(), want)
		}
		sameAs(t, "herd", reqs[:16], got[:16], alone(t, root, opts, "GET", "/d/", hdr), alone(t, root, opts, "HEAD", "/d/", hdr))
		sameAs(t, "herd", reqs[16:], got[16:], alone(t, root, opts, "GET", "/%64/", hdr), alone(t, root, opts, "HEAD", "/%64/", hdr))
	}
}

// TestRichListingHerdLeaderGone: the request that renders a listing for
// others may go away meanwhile; the others still get the whole page.
func TestRichListingHerdLeaderGone(t *testing.T) {
	root := herdDir(t, 20)
	h := herdHandler(t, root, fileserver.Options{Listing: fileserver.ListingRich})
	disk := herdHandler(t, root, fileserver.Options{Listing: fileserver.ListingRich, DisableCache: true})
	ctx, cancel := context.WithCancel(context.Background())
	entered, release := holdFirst(h)
	leader := httptest.NewRequest("GET", "/d/", nil).WithContext(ctx)
	done := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), leader)
		close(done)
	}()
	<-entered
	const n = 8
	got := make(chan response, n)
	for range n {
		go func() { got <- serve(t, h, "GET", "/d/", nil) }()
	}
	for fileserver.HerdWaiting(h)+len(got) < n {
		runtime.Gosched()
	}
	cancel()
	close(release)
	<-done
	want := serve(t, disk, "GET", "/d/", nil)
	for range n {
		if g := <-got; g.status != want.status || g.body != want.body {
			t.Fatalf("after the leader went away: %d %.200q, want %d %.200q", g.status, g.body, want.status, want.body)
		}
	}
}

// TestListingHerdWaiterGone: a request waiting for another's rendering
// whose client goes away does not render the listing itself: as the
// clients of a slow rendering give up one after another, each doing
// the work would bring the herd back.
func TestListingHerdWaiterGone(t *testing.T) {
	root := herdDir(t, 20)
	h := herdHandler(t, root, fileserver.Options{Listing: fileserver.ListingRich})
	var renders atomic.Int64
	entered, release := make(chan struct{}), make(chan struct{})
	fileserver.SetRenderHook(h, func(string) {
		if renders.Add(1) == 1 {
			close(entered)
			<-release
		}
	})
	leaderDone := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/d/", nil))
		close(leaderDone)
	}()
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	waiterDone := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/d/", nil).WithContext(ctx))
		close(waiterDone)
	}()
	for fileserver.HerdWaiting(h) < 1 {
		runtime.Gosched()
	}
	cancel()
	// Give a waiter that would render on its own the chance to; one that
	// waits on cannot end before the release.
	for i := 0; i < 200 && renders.Load() < 2; i++ {
		time.Sleep(time.Millisecond)
	}
	close(release)
	<-leaderDone
	<-waiterDone
	if n := renders.Load(); n != 1 {
		t.Fatalf("%d renderings, want 1: the waiter whose client went away rendered the listing itself", n)
	}
}
