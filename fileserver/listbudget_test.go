package fileserver_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// blockingWriter is a client that does not read: its first Write waits
// until release is closed.
type blockingWriter struct {
	*httptest.ResponseRecorder
	writing chan struct{}
	release chan struct{}
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	select {
	case <-b.writing:
	default:
		close(b.writing)
		<-b.release
	}
	return b.ResponseRecorder.Write(p)
}

// budgetDir makes a directory of 800 empty files, f0 to f799.
func budgetDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for i := range 800 {
		if err := os.WriteFile(filepath.Join(dir, "f"+strconv.Itoa(i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// budgetListings are the three listings, each under a budget of 1,000
// entries and with no cache, and the Accept that asks for it.
var budgetListings = []struct {
	name   string
	opts   fileserver.Options
	accept string
}{
	{"python", fileserver.Options{ListingBudget: 1000, DisableCache: true}, ""},
	{"rich", fileserver.Options{ListingBudget: 1000, DisableCache: true, Listing: fileserver.ListingRich}, ""},
	{"json", fileserver.Options{ListingBudget: 1000, DisableCache: true}, "application/json"},
}

// TestListingBudget: while a listing of 800 entries waits for a client
// that does not read, another of the same directory would pass a budget
// of 1,000 entries and gets 503 with Retry-After; once the first is
// done, listings are served again; and alone, a listing larger than the
// budget is served. Plain, rich and JSON listings alike.
func TestListingBudget(t *testing.T) {
	dir := budgetDir(t)
	for _, tc := range budgetListings {
		t.Run(tc.name, func(t *testing.T) {
			h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			get := func(w http.ResponseWriter) {
				r := httptest.NewRequest("GET", "/", nil)
				if tc.accept != "" {
					r.Header.Set("Accept", tc.accept)
				}
				h.ServeHTTP(w, r)
			}
			slow := &blockingWriter{httptest.NewRecorder(), make(chan struct{}), make(chan struct{})}
			done := make(chan struct{})
			go func() { defer close(done); get(slow) }()
			<-slow.writing
			w := httptest.NewRecorder()
			get(w)
			if w.Code != 503 || w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), "Service Unavailable") {
				t.Errorf("a second listing over the budget: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
			}
			close(slow.release)
			<-done
			if slow.Code != 200 || !strings.Contains(slow.Body.String(), "f799") {
				t.Errorf("the slow client's listing: %d", slow.Code)
			}
			w = httptest.NewRecorder()
			get(w)
			if w.Code != 200 || !strings.Contains(w.Body.String(), "f799") {
				t.Errorf("a listing once the first is done: %d", w.Code)
			}
		})
	}
	// Alone, a listing of more entries than the budget is served.
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{ListingBudget: 10})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 200 {
		t.Errorf("a lone listing over the budget: %d, want 200", w.Code)
	}
}

// TestListingBudgetWhileRead: a listing refused for the budget stops
// reading its directory as soon as it would pass it, a chunk of 1,024
// entries in, instead of reading all of it first: 30 JSON listings of a
// directory of 100,000 entries, refused, each held it whole.
func TestListingBudgetWhileRead(t *testing.T) {
	dir := t.TempDir()
	for i := range 5000 {
		if err := os.WriteFile(filepath.Join(dir, "f"+strconv.Itoa(i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, accept := range []string{"", "application/json"} {
		var entries atomic.Int64 // read through fsys
		fsys := &hookedDirFS{StatFS: os.DirFS(dir).(fs.StatFS), readDir: func(d fs.ReadDirFile, n, _ int) ([]fs.DirEntry, error) {
			des, err := d.ReadDir(n)
			entries.Add(int64(len(des)))
			return des, err
		}}
		h, err := fileserver.New(fsys, fileserver.Options{ListingBudget: 6000, DisableCache: true})
		if err != nil {
			t.Fatal(err)
		}
		get := func(w http.ResponseWriter) {
			r := httptest.NewRequest("GET", "/", nil)
			if accept != "" {
				r.Header.Set("Accept", accept)
			}
			h.ServeHTTP(w, r)
		}
		slow := &blockingWriter{httptest.NewRecorder(), make(chan struct{}), make(chan struct{})}
		done := make(chan struct{})
		go func() { defer close(done); get(slow) }()
		<-slow.writing
		before := entries.Load()
		w := httptest.NewRecorder()
		get(w)
		if w.Code != 503 {
			t.Errorf("Accept %q: a second listing over the budget: %d, want 503", accept, w.Code)
		}
		if n := entries.Load() - before; n > 1024 {
			t.Errorf("Accept %q: the refused listing read %d entries, want at most 1,024 (one chunk)", accept, n)
		}
		close(slow.release)
		<-done
		w = httptest.NewRecorder()
		get(w)
		if w.Code != 200 || !strings.Contains(w.Body.String(), "f4999") {
			t.Errorf("Accept %q: a listing once the first is done: %d", accept, w.Code)
		}
	}
}

// hookedDirFS is an fs.FS whose open directories read their entries
// through readDir, told how many reads the directory made before.
type hookedDirFS struct {
	fs.StatFS
	readDir func(d fs.ReadDirFile, n, before int) ([]fs.DirEntry, error)
}

func (h *hookedDirFS) Open(name string) (fs.File, error) {
	f, err := h.StatFS.Open(name)
	if err != nil {
		return nil, err
	}
	if rd, ok := f.(fs.ReadDirFile); ok {
		return &hookedDir{ReadDirFile: rd, fs: h}, nil
	}
	return f, nil
}

type hookedDir struct {
	fs.ReadDirFile
	fs    *hookedDirFS
	reads int
}

func (d *hookedDir) ReadDir(n int) ([]fs.DirEntry, error) {
	d.reads++
	return d.fs.readDir(d.ReadDirFile, n, d.reads-1)
}

// TestListingBudgetAfterPanic: a rendering that panics (a bug, answered
// by the error pages while the server serves on) gives back the entries
// it had charged; held for good, they made the budget refuse every
// listing of that directory after it with 503.
func TestListingBudgetAfterPanic(t *testing.T) {
	dir := budgetDir(t)
	for _, tc := range budgetListings {
		t.Run(tc.name, func(t *testing.T) {
			h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			listAfterPanic(t, h, tc.accept, "rendering failed", func(on bool) {
				if on {
					fileserver.SetRenderHook(h, func(string) { panic("rendering failed") })
				} else {
					fileserver.SetRenderHook(h, nil)
				}
			})
		})
	}
}

// listAfterPanic lists the root of h (a budgetDir) with Accept accept
// (if not ""), first with panics(true), where the listing must panic with
// msg, then with panics(false), where it must be served whole: the
// entries the first had charged are given back.
func listAfterPanic(t *testing.T, h *fileserver.Handler, accept, msg string, panics func(bool)) {
	t.Helper()
	get := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	panics(true)
	func() {
		defer func() {
			if p := recover(); p != msg {
				t.Errorf("recovered %v, want the panic %q", p, msg)
			}
		}()
		get()
	}()
	panics(false)
	if w := get(); w.Code != 200 || !strings.Contains(w.Body.String(), "f799") {
		t.Errorf("a listing after one panicked (%s): %d, want 200 with the entries", msg, w.Code)
	}
}

// TestListingBudgetAfterReadPanic: a directory whose reading panics
// after its first chunk of entries was charged (a bug of the fs.FS,
// answered by the error pages while the server serves on) gives those
// entries back; held for good, they made the budget refuse every
// listing of 800 entries after it with 503.
func TestListingBudgetAfterReadPanic(t *testing.T) {
	dir := budgetDir(t)
	for _, tc := range budgetListings {
		t.Run(tc.name, func(t *testing.T) {
			// The directory panics on its second read while panics is
			// set: a file system with a bug, met once the first chunk of
			// entries is read and charged.
			var panics atomic.Bool
			fsys := &hookedDirFS{StatFS: os.DirFS(dir).(fs.StatFS), readDir: func(d fs.ReadDirFile, n, before int) ([]fs.DirEntry, error) {
				if before > 0 && panics.Load() {
					panic("reading the directory failed")
				}
				return d.ReadDir(n)
			}}
			h, err := fileserver.New(fsys, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			listAfterPanic(t, h, tc.accept, "reading the directory failed", panics.Store)
		})
	}
}
