//go:build unix

package main

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestE2EUploadDirNotWritable: --upload on a directory the server may not
// write into says so once at startup, where every upload got 403 "Upload
// refused" with the reason logged only at the debug level, so the operator
// saw nothing. The server still starts, and without --upload nothing is
// said.
func TestE2EUploadDirNotWritable(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil { // the test's own temporary root
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	run := func(args ...string) *proc {
		cmd := command(t, append([]string{"-b", "127.0.0.1", "-d", dir, "0"}, args...)...)
		asNobodyIfRoot(t, cmd) // root may write anywhere
		return startCommand(t, cmd)
	}

	p := run("--upload")
	if got := curl(t, "--output", "/dev/null", "--write-out", "%{http_code}", "-T", "-", p.url+"/new.txt"); got != "403" {
		t.Errorf("PUT /new.txt: %s, want 403", got)
	}
	p.stop(t, syscall.SIGTERM)
	want := `simplehttp: warning: --upload: -d "` + dir + `": this user may not write there: uploads into it will be refused (403)` + "\n"
	if got := p.stderr.String(); !strings.HasPrefix(got, want) || strings.Count(got, "warning") != 1 {
		t.Errorf("stderr:\n%s\nwant it to begin with the one warning %q", got, want)
	}

	p = run()
	p.stop(t, syscall.SIGTERM)
	if got := p.stderr.String(); got != "" {
		t.Errorf("without --upload, stderr: %q, want nothing", got)
	}
}

// asNobodyIfRoot makes cmd run as user nobody (no supplementary groups)
// when the tests run as root, whom no permission bit stops; it skips the
// test if there is no such user.
func asNobodyIfRoot(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if os.Getuid() != 0 {
		return
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("root, and no user nobody")
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}}
}
