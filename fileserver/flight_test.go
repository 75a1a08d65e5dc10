package fileserver_test

import (
	"runtime"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// lateCompression sends a GET of target with Accept-Encoding: gzip to h,
// holds the compression it begins once the file is read, calls change,
// then sends the same request again, which comes while the first one's
// compression is under way; it releases the first and returns both
// responses and how many times a file was read to be compressed.
func lateCompression(t *testing.T, h *fileserver.Handler, target string, change func()) (first, late response, reads int64) {
	t.Helper()
	var n atomic.Int64
	entered, release := make(chan struct{}), make(chan struct{})
	fileserver.SetCompressHook(h, func(string) {
		if n.Add(1) == 1 {
			close(entered)
			<-release
		}
	})
	defer fileserver.SetCompressHook(h, nil)
	hdr := map[string]string{"Accept-Encoding": "gzip"}
	firstc := make(chan response, 1)
	go func() { firstc <- serve(t, h, "GET", target, hdr) }()
	<-entered
	change()
	latec := make(chan response, 1)
	go func() { latec <- serve(t, h, "GET", target, hdr) }()
	// The late request either waits for the first one's compression or,
	// not taking part in it, is served on its own.
	for fileserver.CompressWaiting(h) == 0 && len(latec) == 0 {
		runtime.Gosched()
	}
	close(release)
	first, late = <-firstc, <-latec
	return first, late, n.Load()
}

// TestCompressLateRewrite: a request that comes while a file is being
// compressed, after the file was rewritten with bytes of the same size
// that stat cannot tell from the old ones (an FS without Linux stat data,
// the same modification time), gets the new bytes, as it would alone. It
// got the old bytes compressed, those of the compression under way.
func TestCompressLateRewrite(t *testing.T) {
	mtime := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	v1, v2 := jsText(4000), jsText(4000)
	copy(v2, "/* the new version of the script, of the same size */\n")
	fsys := fstest.MapFS{"app.js": {Data: v1, ModTime: mtime}}
	h := mustNew(t, fsys, fileserver.Options{Compress: true})
	first, late, _ := lateCompression(t, h, "/app.js", func() {
		fsys["app.js"] = &fstest.MapFile{Data: v2, ModTime: mtime}
	})
	if got := decode(t, first.header.Get("Content-Encoding"), first.body); got != string(v1) {
		t.Fatalf("the first request got %.80q, want the version it read", got)
	}
	if late.status != 200 || late.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("the late request: %d %v", late.status, late.header)
	}
	if got := decode(t, "gzip", late.body); got != string(v2) {
		t.Fatalf("a request that came after the rewrite got %.80q, want the new version %.80q", got, v2)
	}
}

// TestCompressLateShared: a request that comes while a file that cannot
// change (Options.Immutable) is being compressed takes that compression,
// and gets what the first one gets.
// With the cache off, when nothing keeps the compressed bytes, too.
func TestCompressLateShared(t *testing.T) {
	for _, disable := range []bool{false, true} {
		fsys := fstest.MapFS{"app.js": {Data: jsText(4000), ModTime: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}}
		h := mustNew(t, fsys, fileserver.Options{Compress: true, Immutable: true, DisableCache: disable})
		first, late, reads := lateCompression(t, h, "/app.js", func() {})
		if reads != 1 {
			t.Errorf("DisableCache %v: the file was compressed %d times for two requests at once, want once", disable, reads)
		}
		if late.status != first.status || late.body != first.body || late.header.Get("Etag") != first.header.Get("Etag") {
			t.Fatalf("DisableCache %v: the late request got %d %v, the first %d %v", disable, late.status, late.header, first.status, first.header)
		}
	}
}
