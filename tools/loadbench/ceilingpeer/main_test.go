package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPut(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "up"), 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	body := strings.Repeat("0123456789abcdef", 40000) // more than one buffer
	if got := put(root, "up/a.bin", strings.NewReader(body)); got != 201 {
		t.Fatalf("put = %d, want 201", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "up", "a.bin")); string(b) != body {
		t.Errorf("stored %d bytes, want %d", len(b), len(body))
	}
	if got := put(root, "up/a.bin", strings.NewReader("again")); got != 409 {
		t.Errorf("put onto an existing name = %d, want 409", got)
	}
	if got := put(root, "../outside.bin", strings.NewReader("x")); got != 500 {
		t.Errorf("put outside the root = %d, want 500", got)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "outside.bin")); err == nil {
		t.Error("a file was written outside the root")
	}
}
