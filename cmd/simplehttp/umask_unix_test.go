//go:build unix

package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestUmask077: the tests that run something as user nobody (a CGI
// script, the built binary) pass for a developer whose umask is 077, which
// leaves the directories and binaries the tests make private to their
// owner unless the tests open them to all. It runs those tests again in a
// copy of the test binary started with that umask.
func TestUmask077(t *testing.T) {
	binary(t) // skips under -short, as the tests it runs do
	run := "^(TestRunCGI|TestE2ECGI|TestE2EUploadDirNotWritable|TestE2ELowPortAsUser)$"
	cmd := exec.Command("sh", "-c", `umask 077 && exec "$@"`, "sh", os.Args[0], "-test.run", run, "-test.count=1", "-test.v")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s under umask 077: %v\n%s", run, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestRunCGI") {
		t.Errorf("%s under umask 077: TestRunCGI did not pass:\n%s", run, out)
	}
}
