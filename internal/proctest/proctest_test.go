package proctest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A process that runs is not gone; once killed (a zombie until waited
// for) and once reaped, it is.
func TestGone(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if Gone(t, pid, 0) {
		t.Errorf("Gone(%d) = true for a running process", pid)
	}
	cmd.Process.Kill()
	if !Gone(t, pid, 10*time.Second) {
		t.Errorf("Gone(%d) = false for a killed process, a zombie", pid)
	}
	cmd.Wait()
	if !Gone(t, pid, 0) {
		t.Errorf("Gone(%d) = false for a reaped process", pid)
	}
}

// TestUmask077Skips: a test that Umask077 runs again and that skips there,
// as the tests that drive curl do where it is not installed, does not fail
// the test that called Umask077 (which failed, "did not pass", for a
// developer without curl); if every one skips, that test skips too. It
// runs this binary again for TestUmask077Inner, which calls Umask077.
func TestUmask077Skips(t *testing.T) {
	for mode, want := range map[string]string{
		"mixed": "--- PASS: TestUmask077Inner ",
		"skip":  "--- SKIP: TestUmask077Inner ",
	} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestUmask077Inner$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), umaskInnerEnv+"="+mode)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("%s: %v, want %q in:\n%s", mode, err, want, out)
		}
	}
}

const umaskInnerEnv = "PROCTEST_UMASK_INNER"

// TestUmask077Inner calls Umask077, for TestUmask077Skips.
func TestUmask077Inner(t *testing.T) {
	switch os.Getenv(umaskInnerEnv) {
	case "mixed":
		Umask077(t, "^(TestUmaskFixtureSkips|TestUmaskFixturePasses)$", "TestUmaskFixtureSkips", "TestUmaskFixturePasses")
	case "skip":
		Umask077(t, "^TestUmaskFixtureSkips$", "TestUmaskFixtureSkips")
	default:
		t.Skip("run by TestUmask077Skips")
	}
}

// TestUmaskFixtureSkips skips, as a test whose program is missing does.
func TestUmaskFixtureSkips(t *testing.T) {
	t.Skip("a fixture of TestUmask077Skips: it always skips")
}

// TestUmaskFixturePasses passes when TestUmask077Inner runs it.
func TestUmaskFixturePasses(t *testing.T) {
	if os.Getenv(umaskInnerEnv) == "" {
		t.Skip("run by TestUmask077Skips")
	}
}
