package cgi

import (
	"syscall"
	"testing"
)

// TestScriptPdeathsig: on Linux a script is killed if its launcher dies
// (Pdeathsig), so that no script outlives a server killed with SIGKILL.
func TestScriptPdeathsig(t *testing.T) {
	a, err := scriptProcAttr("")
	if err != nil || a.Pdeathsig != syscall.SIGKILL {
		t.Errorf("scriptProcAttr(\"\") = %+v, %v; want Pdeathsig SIGKILL", a, err)
	}
}
