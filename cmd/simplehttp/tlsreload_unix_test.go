//go:build unix

package main

import (
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestTLSReloadFIFO: a FIFO read again would hold a handshake until some
// process writes it; --tls-reload refuses it at startup.
func TestTLSReloadFIFO(t *testing.T) {
	f := newTLSFiles(t)
	fifo := filepath.Join(t.TempDir(), "key.pem")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "--tls-cert", f.cert, "--tls-key", fifo, "--tls-reload", "0")
	if status := r.wait(t); status != 1 {
		t.Errorf("status %d, want 1", status)
	}
	want := `simplehttp: --tls-key "` + fifo + `": not a regular file, which --tls-reload cannot read again` + "\n"
	if got := r.stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}
