//go:build unix

package main

import (
	"os"
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

// TestRunTLSReloadUploadable: with --upload and --tls-reload, a
// certificate, key or password file in the served directory stops the
// command before it listens: they are read again by their names, and a
// client could upload files of its own at those names once a renewal
// left them free, which the server would then present to every client.
// With the files elsewhere, without --upload or without --tls-reload
// (read once, as Python reads them), the command serves.
func TestRunTLSReloadUploadable(t *testing.T) {
	f := newTLSFiles(t)
	base := t.TempDir()
	dir := filepath.Join(base, "site")
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	put := func(name, from string) string {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, name, string(b))
		return name
	}
	cert := put(filepath.Join(dir, "tls", "cert.pem"), f.cert)
	key := put(filepath.Join(dir, "key.pem"), f.key)
	encKey := put(filepath.Join(base, "key-enc.pem"), f.keyPKCS8Enc)
	pass := put(filepath.Join(dir, "password.txt"), f.password)
	for _, tt := range []struct {
		name           string
		args           []string
		refusedFlag    string
		refusedFile    string
		upload, reload bool
	}{
		{"certificate below the directory", []string{"--tls-cert", cert, "--tls-key", f.key}, "--tls-cert", cert, true, true},
		{"key in the directory", []string{"--tls-cert", f.cert, "--tls-key", key}, "--tls-key", key, true, true},
		{"key by a name with ..", []string{"--tls-cert", f.cert, "--tls-key", filepath.Join(dir, "tls", "..", "key.pem")}, "--tls-key", filepath.Join(dir, "tls", "..", "key.pem"), true, true},
		{"password file in the directory", []string{"--tls-cert", f.cert, "--tls-key", encKey, "--tls-password-file", pass}, "--tls-password-file", pass, true, true},
		{"all elsewhere", []string{"--tls-cert", f.cert, "--tls-key", f.key}, "", "", true, true},
		{"in the directory without --upload", []string{"--tls-cert", cert, "--tls-key", key}, "", "", false, true},
		{"in the directory without --tls-reload", []string{"--tls-cert", cert, "--tls-key", key}, "", "", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-b", "127.0.0.1", "-d", dir}, tt.args...)
			if tt.upload {
				args = append(args, "--upload")
			}
			if tt.reload {
				args = append(args, "--tls-reload")
			}
			r := startRun(t, append(args, "0")...)
			if tt.refusedFlag == "" {
				if base := r.baseURL(t); insecureGet(t, base+"/hello.txt") != 200 {
					t.Errorf("GET /hello.txt: not 200")
				}
				r.exit(t)
				return
			}
			want := "simplehttp: " + tt.refusedFlag + ` "` + tt.refusedFile + `": in the served directory, where --upload could put a file of its own at its name, which --tls-reload would then load: keep it elsewhere` + "\n"
			if status := r.wait(t); status != 1 || r.stderr.String() != want {
				t.Errorf("exit status %d, stderr %q; want 1, %q", status, r.stderr.String(), want)
			}
			if l, ok := <-r.stdout; ok {
				t.Errorf("stdout %q, want nothing", l)
			}
		})
	}
}
