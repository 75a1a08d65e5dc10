//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestE2EUnsearchableDirListing: a directory the server's user may read
// but not search (mode r--) is listed under every --symlinks policy as
// Python lists it (testdata/TestUnsearchableDir of package fileserver),
// every name plain: "inside" and "never" answered 404 "No permission to
// list directory", as os.Root looks each entry up as it reads it, where
// "follow" lists it.
func TestE2EUnsearchableDirListing(t *testing.T) {
	dir := publicDir(t)
	locked := filepath.Join(dir, "locked")
	if err := os.MkdirAll(filepath.Join(locked, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(locked, "a.txt"), "a\n")
	if err := os.Symlink("a.txt", filepath.Join(locked, "l")); err != nil {
		t.Fatal(err)
	}
	// Read, no search, for the owner (a user running the tests) and for
	// others (nobody, when they run as root).
	if err := os.Chmod(locked, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) }) // before publicDir's RemoveAll
	// Python's page from the list on (3.11's head lacks 3.14's style).
	py, err := os.ReadFile("../../fileserver/testdata/TestUnsearchableDir/from-python/listing.golden")
	if err != nil {
		t.Fatal(err)
	}
	_, want, _ := strings.Cut(string(py), "<hr>\n")
	for _, policy := range []string{"follow", "inside", "never"} {
		cmd := command(t, "-b", "127.0.0.1", "-d", dir, "--symlinks", policy, "0")
		asNobodyIfRoot(t, cmd) // root searches any directory
		p := startCommand(t, cmd)
		resp, body := get(t, p.url+"/locked/")
		if _, list, _ := strings.Cut(body, "<hr>\n"); resp.StatusCode != 200 || list != want {
			t.Errorf("--symlinks %s: GET /locked/: %d\n%s\nwant 200 with the list\n%s", policy, resp.StatusCode, body, want)
		}
		p.stop(t, syscall.SIGTERM)
	}
}
