package cgi_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestForgetfulLauncher runs a program whose main calls cgi.New without
// cgi.MaybeRunLauncher: New's check of the launcher runs the program
// once more, and that copy must stop at its own New instead of checking
// a third copy, and so on (which made a chain of hundreds of processes).
// The program exits with New's error, having started twice.
func TestForgetfulLauncher(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "forgetful")
	build := exec.Command("go", "build", "-o", bin, "./testdata/forgetful/main.go")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Errorf("forgetful exited with %v, want status 3 (New's error)", err)
	}
	if !strings.Contains(string(out), "does main call cgi.MaybeRunLauncher first?") {
		t.Errorf("forgetful printed %q, want New's error naming MaybeRunLauncher", out)
	}
	starts, _ := os.ReadFile(filepath.Join(dir, "starts"))
	if n := strings.Count(string(starts), "start\n"); n != 2 {
		t.Errorf("forgetful started %d times, want 2 (itself and the launcher check)", n)
	}
}
