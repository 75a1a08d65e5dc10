package fileserver_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// versionSizes are the sizes the versions of a file cycle through: one
// sent inline with its headers, one cached (when its ctime is old enough),
// one too large for the cache, sent with sendfile.
var versionSizes = []int{300, 2500, 20000, 70000}

// versionBase is the modification time of version 0; version k is k
// seconds and k nanoseconds later, so every version has its own ETag and
// Last-Modified whatever the file system's clock.
var versionBase = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

func versionTime(k int) time.Time {
	return versionBase.Add(time.Duration(k)*time.Second + time.Duration(k))
}

// versionBytes is the content of version k: lines that name k and their
// offset, so that bytes of two versions or two offsets cannot pass for
// one, and that compress.
func versionBytes(k int) []byte {
	n := versionSizes[k%len(versionSizes)]
	b := make([]byte, 0, n+32)
	for len(b) < n {
		b = append(b, "version "...)
		b = strconv.AppendInt(b, int64(k), 10)
		b = append(b, ", byte "...)
		b = strconv.AppendInt(b, int64(len(b)), 10)
		b = append(b, '\n')
	}
	return b[:n]
}

// versionOfETag returns the version an ETag ("mtime-size", both in hex)
// stands for, or -1. anySize takes the size as it comes (a precompressed
// copy's).
func versionOfETag(etag string, anySize bool) int {
	mt, size, ok := strings.Cut(strings.Trim(etag, `"`), "-")
	if !ok {
		return -1
	}
	ns, err1 := strconv.ParseInt(mt, 16, 64)
	n, err2 := strconv.ParseInt(size, 16, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	k := int(time.Unix(0, ns).Sub(versionBase) / time.Second)
	if k < 0 || !versionTime(k).Equal(time.Unix(0, ns)) || !anySize && int(n) != versionSizes[k%len(versionSizes)] {
		return -1
	}
	return k
}

// replaceVersion writes version k beside path and renames it over path,
// as a deploy does.
func replaceVersion(t testing.TB, path string, k int) {
	replaceWith(t, path, versionTime(k), versionBytes(k))
}

// replaceWith writes content, modified at mtime, beside path and renames
// it over path.
func replaceWith(t testing.TB, path string, mtime time.Time, content []byte) {
	tmp := path + ".next"
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		t.Error(err)
		return
	}
	if err := os.Chtimes(tmp, mtime, mtime); err != nil {
		t.Error(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Error(err)
	}
}

// TestReplacedWhileServed replaces a file by rename, over and over, while
// clients ask for it: whole, by ranges, and conditionally with the
// validators of versions they saw, over keep-alive connections. Each
// answer must be one version, entire and as its validators say: a 200's
// body is the complete version its ETag and Last-Modified name, a 206's
// bytes are that version's, a 304 or a 206 to If-Range carries the ETag
// the client sent. That version must be one the name had while the
// request was in flight, never one replaced before it was sent. A file
// replaced by rename is never cut short: the open file is the version its
// headers describe. With the clock an hour ahead the cache keeps every
// version it reads, so its checks are the ones at work; with Compress,
// and with the cache off, the same holds of the compressed answers, and
// with Precompressed, of the copies, each written one change after its
// original, so that half the time the copy is a version older, and must
// not be sent. The
// writer replaces the file once for each request a client has made, so
// the requests and the changes interleave however fast either goes
// (changeWhileAsked).
func TestReplacedWhileServed(t *testing.T) {
	for _, tt := range []struct {
		name     string
		opts     fileserver.Options
		requests int // by each client; compressing a version costs more
	}{
		{"plain", fileserver.Options{}, 100},
		{"compress", fileserver.Options{Compress: true}, 40},
		{"compress without cache", fileserver.Options{Compress: true, DisableCache: true}, 40},
		{"precompressed", fileserver.Options{Precompressed: []string{"gzip"}}, 40},
	} {
		t.Run(tt.name, func(t *testing.T) { replacedWhileServed(t, tt.opts, tt.requests) })
	}
}

func replacedWhileServed(t *testing.T, opts fileserver.Options, requests int) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	replaceVersion(t, path, 0)
	h := newDir(t, dir, fileserver.SymlinksFollow, opts)
	srv := httptest.NewServer(h)
	defer srv.Close()

	v := versionRange{copies: opts.Precompressed != nil}
	if v.copies {
		replaceWith(t, path+".gz", versionTime(0), gzipped(versionBytes(0)))
	}
	changeWhileAsked(t, requests, func(k int) {
		if v.copies {
			// The original of version k, then at the next change
			// its copy.
			if k%2 == 0 {
				replaceWith(t, path+".gz", versionTime(k/2), gzipped(versionBytes(k/2)))
				return
			}
			k = (k + 1) / 2
		}
		v.started.Store(int64(k))
		replaceVersion(t, path, k)
		v.completed.Store(int64(k))
	}, func(client *http.Client, rng *rand.Rand, i int, seen *string) error {
		return checkOneRequest(client, srv.URL+"/f.txt", rng, i, seen, &v)
	})
}

// changeWhileAsked runs 4 clients, each making requests requests with
// ask (given its own client, random numbers, the request's number and a
// string to keep between requests), and a writer that calls change(k),
// k = 1, 2, ..., once for each request made, so that the requests and
// the changes interleave however fast either goes.
func changeWhileAsked(t *testing.T, requests int, change func(k int), ask func(client *http.Client, rng *rand.Rand, i int, seen *string) error) {
	const clients = 4
	ticks := make(chan struct{}, clients)
	done := make(chan struct{})
	go func() {
		defer close(done)
		k := 0
		for range ticks {
			k++
			change(k)
		}
	}()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
			defer client.CloseIdleConnections()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			seen := ""
			for i := range requests {
				if err := ask(client, rng, c*requests+i, &seen); err != nil {
					t.Error(err)
					return
				}
				ticks <- struct{}{}
			}
		}()
	}
	wg.Wait()
	close(ticks)
	<-done
}

// versionRange is what the writer of a file's versions has done: the
// last version whose rename it started, and the last one it completed;
// with copies, it writes a gzip copy of each version too, after it.
type versionRange struct {
	started, completed atomic.Int64
	copies             bool
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// checkOneRequest asks for the file one way (picked by i) and checks the
// answer; seen is the last ETag this client got.
func checkOneRequest(client *http.Client, url string, rng *rand.Rand, i int, seen *string, v *versionRange) error {
	req, _ := http.NewRequest("GET", url, nil)
	var lo, hi int // the range asked for, when there is one
	// In turn: the whole file, then again with If-None-Match (of what
	// the first got, compressed when it could be), a range, a range
	// resumed with If-Range (of the range's version), a HEAD.
	switch kind := i % 5; kind {
	case 1:
		if *seen != "" {
			req.Header.Set("If-None-Match", *seen)
		}
	case 2, 3:
		lo = rng.IntN(versionSizes[0])
		hi = lo + rng.IntN(versionSizes[0]-lo)
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", lo, hi))
		if kind == 3 && *seen != "" {
			req.Header.Set("If-Range", *seen)
		}
	case 4:
		req.Method = "HEAD"
	}
	if i%5 <= 1 || i%5 == 4 && i%2 == 0 {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	first := int(v.completed.Load()) // the oldest version the request may get
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	last := int(v.started.Load()) // the newest
	what := fmt.Sprintf("%s %v", req.Method, req.Header)
	if err != nil {
		return fmt.Errorf("%s: cut after %d bytes (%v), Content-Length %d: a file replaced by rename is sent whole", what, len(body), err, res.ContentLength)
	}
	etag := res.Header.Get("Etag")
	coding := res.Header.Get("Content-Encoding")
	k := -1
	switch tag, gz := strings.CutSuffix(etag, `-gzip"`); {
	case coding == "" && !gz:
		k = versionOfETag(etag, false)
	case gz && (coding == "gzip" || res.StatusCode == http.StatusNotModified): // a 304 drops Content-Encoding
		k = versionOfETag(tag+`"`, v.copies)
	}
	if k < 0 {
		return fmt.Errorf("%s: %d with Content-Encoding %q and ETag %q, of no version", what, res.StatusCode, coding, etag)
	}
	if k < first || k > last {
		return fmt.Errorf("%s: %d with the ETag of version %d, while the name had versions %d to %d", what, res.StatusCode, k, first, last)
	}
	want := versionBytes(k)
	if coding == "gzip" && res.StatusCode == http.StatusOK {
		if res.Header.Get("Content-Length") != strconv.Itoa(len(body)) && req.Method == "GET" {
			return fmt.Errorf("%s: Content-Length %s, %d bytes", what, res.Header.Get("Content-Length"), len(body))
		}
		if req.Method == "GET" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				return fmt.Errorf("%s: %v", what, err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				return fmt.Errorf("%s: %v", what, err)
			}
		}
		res.Header.Set("Content-Length", strconv.Itoa(len(want))) // checked
	}
	switch res.StatusCode {
	case http.StatusOK:
		if lm := res.Header.Get("Last-Modified"); lm != versionTime(k).Format(http.TimeFormat) {
			return fmt.Errorf("%s: ETag of version %d, Last-Modified %s", what, k, lm)
		}
		if res.Header.Get("Content-Length") != strconv.Itoa(len(want)) {
			return fmt.Errorf("%s: ETag of version %d, Content-Length %s, want %d", what, k, res.Header.Get("Content-Length"), len(want))
		}
		if req.Method == "GET" && !bytes.Equal(body, want) {
			return fmt.Errorf("%s: ETag of version %d, a body of %d bytes that is not it", what, k, len(body))
		}
		if ir := req.Header.Get("If-Range"); ir == etag {
			return fmt.Errorf("%s: 200 to an If-Range that matches", what)
		}
	case http.StatusPartialContent:
		if ir := req.Header.Get("If-Range"); ir != "" && ir != etag {
			return fmt.Errorf("%s: 206 with ETag %s", what, etag)
		}
		if cr := fmt.Sprintf("bytes %d-%d/%d", lo, hi, len(want)); res.Header.Get("Content-Range") != cr {
			return fmt.Errorf("%s: ETag of version %d, Content-Range %s, want %s", what, k, res.Header.Get("Content-Range"), cr)
		}
		if !bytes.Equal(body, want[lo:hi+1]) {
			return fmt.Errorf("%s: bytes %d-%d not those of version %d", what, lo, hi, k)
		}
	case http.StatusNotModified:
		if inm := req.Header.Get("If-None-Match"); inm != etag {
			return fmt.Errorf("%s: 304 with ETag %s", what, etag)
		}
	default:
		return fmt.Errorf("%s: status %d", what, res.StatusCode)
	}
	*seen = etag
	return nil
}

// TestWrittenInPlaceWhileServed writes a file in place, over and over
// (truncated and rewritten, appended to, cut shorter), while clients ask
// for it over keep-alive connections. Its bytes may then mix versions,
// which no server can hide, but the framing must hold: the
// Content-Length (and a 206's Content-Range) is the size in the ETag, the
// size of the fstat the headers come from; a body never runs past it, and
// one that falls short ends with the connection, never silently, so the
// next response on a reused connection is read whole. Once the writes
// stop, the file is served as it is, from disk or the cache.
func TestWrittenInPlaceWhileServed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(path, versionBytes(0), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()

	changeWhileAsked(t, 100, func(k int) {
		var err error
		switch k % 3 {
		case 0: // truncated and rewritten, as a shell's > does
			err = os.WriteFile(path, versionBytes(k), 0o644)
		case 1: // grown
			var f *os.File
			if f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err == nil {
				_, err = f.Write(bytes.Repeat([]byte("appended\n"), 100))
				f.Close()
			}
		case 2: // cut shorter
			err = os.Truncate(path, int64(versionSizes[k%len(versionSizes)]/3))
		}
		if err != nil {
			t.Error(err)
		}
	}, func(client *http.Client, _ *rand.Rand, i int, _ *string) error {
		return checkFraming(client, srv.URL+"/f.txt", i)
	})

	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		res, err := http.Get(srv.URL + "/f.txt")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || !bytes.Equal(body, want) {
			t.Fatalf("after the writes: %d bytes (%v), want the file's %d", len(body), err, len(want))
		}
	}
}

// checkFraming asks for the file whole or by a range (picked by i) and
// checks that the answer's framing agrees with its ETag.
func checkFraming(client *http.Client, url string, i int) error {
	req, _ := http.NewRequest("GET", url, nil)
	if i%3 == 1 {
		req.Header.Set("Range", "bytes=10-")
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	what := fmt.Sprintf("GET %v", req.Header)
	etag := res.Header.Get("Etag")
	_, hexSize, ok := strings.Cut(strings.Trim(etag, `"`), "-")
	size, perr := strconv.ParseInt(hexSize, 16, 64)
	if !ok || perr != nil {
		return fmt.Errorf("%s: %d with ETag %q", what, res.StatusCode, etag)
	}
	switch res.StatusCode {
	case http.StatusOK:
		if res.ContentLength != size {
			return fmt.Errorf("%s: Content-Length %d, ETag %s", what, res.ContentLength, etag)
		}
	case http.StatusPartialContent:
		if cr := fmt.Sprintf("bytes 10-%d/%d", size-1, size); res.Header.Get("Content-Range") != cr || res.ContentLength != size-10 {
			return fmt.Errorf("%s: Content-Range %s, Content-Length %d, ETag %s", what, res.Header.Get("Content-Range"), res.ContentLength, etag)
		}
	case http.StatusRequestedRangeNotSatisfiable:
		if size > 10 {
			return fmt.Errorf("%s: 416 with ETag %s", what, etag)
		}
		return nil
	default:
		return fmt.Errorf("%s: status %d", what, res.StatusCode)
	}
	if err == nil && int64(len(body)) != res.ContentLength || err != nil && int64(len(body)) >= res.ContentLength {
		return fmt.Errorf("%s: %d bytes of %d, %v", what, len(body), res.ContentLength, err)
	}
	return nil
}
