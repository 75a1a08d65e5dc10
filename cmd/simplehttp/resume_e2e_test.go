package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EResume: curl (-C -) and wget (-c) resume a download cut off
// halfway, with a Range for the rest, and end with the whole file, byte
// for byte; asked to resume a file that is already whole, they get 416
// ("bytes */size") and neither damages the file. The server is run as
// users run it, in Python's HTTP/1.0 mode.
func TestE2EResume(t *testing.T) {
	need(t, "curl", "wget")
	src := t.TempDir()
	data := randomBytes(t, 3<<20) // past the small-file cache: sendfile with a Range
	writeFile(t, filepath.Join(src, "big.bin"), string(data))
	p := startBinary(t, "-b", "127.0.0.1", "-d", src, "0")
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for _, c := range []struct {
		name string
		args func(out string) []string
	}{
		{"curl", func(out string) []string {
			return []string{"curl", "--silent", "--show-error", "-C", "-", "-o", out, p.url + "/big.bin"}
		}},
		{"wget", func(out string) []string {
			return []string{"wget", "--no-verbose", "-c", "-O", out, p.url + "/big.bin"}
		}},
	} {
		out := filepath.Join(t.TempDir(), "big.bin")
		for _, have := range []int{len(data) / 2, len(data)} {
			if err := os.WriteFile(out, data[:have], 0o644); err != nil {
				t.Fatal(err)
			}
			args := c.args(out)
			if b, err := client(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("%s, resuming from %d bytes: %v\n%s", c.name, have, err, b)
			}
			got, err := os.ReadFile(out)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%s, resuming from %d bytes: %d bytes, whole file: %v", c.name, have, len(got), bytes.Equal(got, data))
			}
		}
	}
	p.stop(t, os.Interrupt)
	// Each client: the rest as a 206, then 416 for a file already whole
	// (which both take for "done", leaving the file as it is).
	log := p.stderr.String()
	rest := fmt.Sprintf(`"GET /big.bin HTTP/1.1" 206 %d`, len(data)-len(data)/2)
	if n := strings.Count(log, rest); n != 2 {
		t.Errorf("%d lines of %s in the log, want 2:\n%s", n, rest, log)
	}
	if n := strings.Count(log, `"GET /big.bin HTTP/1.1" 416 `); n != 2 {
		t.Errorf("%d 416s in the log, want 2:\n%s", n, log)
	}
}
