package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestDriveCount(t *testing.T) {
	var mu sync.Mutex
	seen := map[[2]int]bool{}
	calls := 0
	r := drive(4, 10, 0, func(conn, i int) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		seen[[2]int{conn, i}] = true
		calls++
		// The first request of all fails, whichever connection sends
		// it: a connection may get none of the 10 when the others are
		// quicker.
		if calls == 1 {
			return 409, errors.New("409 Conflict")
		}
		return 201, nil
	})
	if r.ok != 9 || r.failed != 1 || r.errors != 0 || len(seen) != 10 {
		t.Errorf("ok/failed/errors = %d/%d/%d over %d distinct (conn, i); want 9/1/0 over 10", r.ok, r.failed, r.errors, len(seen))
	}
	if r.first != "409 Conflict" || len(r.lat) != 9 {
		t.Errorf("first = %q, %d latencies; want 409 Conflict, 9", r.first, len(r.lat))
	}
}

func TestCopyOnce(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	data := bytes.Repeat([]byte("0123456789abcdef"), 40000) // 625 KiB: more than one buffer
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "dst")
	if status, err := copyOnce(src, dst); err != nil || status != 201 {
		t.Fatalf("copyOnce = %d, %v", status, err)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Errorf("copy has %d bytes, not the source's %d", len(got), len(data))
	}
	if _, err := copyOnce(src, dst); !errors.Is(err, os.ErrExist) {
		t.Errorf("copy onto an existing file: %v, want it refused", err)
	}
}

func TestPut(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("hello, upload"), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if _, ok := got[r.URL.Path]; ok || r.Method != http.MethodPut || r.ContentLength != 13 {
			http.Error(w, "File exists", http.StatusConflict)
			return
		}
		got[r.URL.Path] = string(b)
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	if status, err := put(srv.Client(), src, 13, srv.URL+"/up/0-0.bin"); status != 201 || err != nil {
		t.Fatalf("put = %d, %v", status, err)
	}
	if got["/up/0-0.bin"] != "hello, upload" {
		t.Errorf("server got %q", got)
	}
	status, err := put(srv.Client(), src, 13, srv.URL+"/up/0-0.bin")
	if status != 409 || err == nil || !strings.Contains(err.Error(), `409 Conflict: "File exists"`) {
		t.Errorf("second put = %d, %v; want 409 with the body", status, err)
	}
}
