package proctest

import (
	"os/exec"
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
