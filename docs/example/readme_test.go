package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEPrograms builds and vets every whole program of the README (a
// Go block that begins with "package main"), each as a module of its own
// with this module's requirements and the replace directive pointing at
// this checkout, so that a change of the packages' API that the README's
// copy-paste code no longer compiles against fails here. A directory named
// by a //go:embed line is made, with one file, as the reader's project
// would have it. The modules come from the cache that building this
// module filled.
func TestREADMEPrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no go build of the README's programs")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found on PATH")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	gomod = []byte(strings.Replace(string(gomod), "=> ../..", "=> "+root, 1))

	blocks := regexp.MustCompile("(?ms)^```go\n(package main\n.*?)^```\n").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 3 {
		t.Fatalf("the README has %d whole programs, want the three uses' 3 or more", len(blocks))
	}
	embedDir := regexp.MustCompile(`(?m)^//go:embed (\S+)$`)
	server := regexp.MustCompile(`&http\.Server\{[^}]*\}`)
	for i, b := range blocks {
		src := b[1]
		// The programs are copied as they are: each server they start
		// bounds the time of a request head and of an idle keep-alive
		// connection, as the command does (net/http bounds neither).
		for _, lit := range server.FindAllString(src, -1) {
			for _, field := range []string{"ReadHeaderTimeout:", "IdleTimeout:"} {
				if !strings.Contains(lit, field) {
					t.Errorf("README program %d: %s sets no %s", i+1, lit, strings.TrimSuffix(field, ":"))
				}
			}
		}
		dir := t.TempDir()
		files := map[string][]byte{"go.mod": gomod, "go.sum": gosum, "main.go": []byte(src)}
		for _, m := range embedDir.FindAllStringSubmatch(src, -1) {
			files[filepath.Join(m[1], "index.html")] = []byte("<!doctype html>\n")
		}
		for name, data := range files {
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(goCmd, "vet", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			first, _, _ := strings.Cut(src, "\nfunc main")
			t.Errorf("README program %d does not build or vet: %v\n%s\nits start:\n%s", i+1, err, out, first)
		}
	}
}
