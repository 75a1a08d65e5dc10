//go:build linux

package fileserver_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
)

// statPanicFS is an fs.FS of the application's own over an OS directory
// (its files are *os.File) whose Stat has a bug: it panics for one name
// from the time it is stat'ed a second time on.
type statPanicFS struct {
	fs.FS
	bad   string
	stats *atomic.Int32
}

func (p statPanicFS) Stat(name string) (fs.FileInfo, error) {
	if name == p.bad && p.stats.Add(1) > 1 {
		panic("statPanicFS: bug")
	}
	return fs.Stat(p.FS, name)
}

// TestListingStatPanics lists, as JSON, a directory large enough for its
// entries to be stat'ed by several goroutines, through an fs.FS whose Stat
// panics for the link among them. A panic of the fs.FS in a request's own
// goroutine is a 500 (errorpage recovers it); in a goroutine the handler
// started, nothing recovered it and it killed the whole process.
func TestListingStatPanics(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	dir := t.TempDir()
	for i := range 2100 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("f0001", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	h := mustNew(t, statPanicFS{FS: os.DirFS(dir), bad: "link", stats: new(atomic.Int32)}, fileserver.Options{})
	mw, err := errorpage.New(errorpage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mw.Handler(h))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Header.Set("Accept", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", res.StatusCode)
	}
}
