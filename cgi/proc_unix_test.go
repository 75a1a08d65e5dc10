//go:build unix

package cgi

import (
	"testing"
)

// TestScriptProcAttr: a script starts in a process group of its own (what
// killGroup kills), as the user the launcher is told, or as the
// launcher's own when told none; credentials that are not "uid:gid" are
// refused, not ignored.
func TestScriptProcAttr(t *testing.T) {
	a, err := scriptProcAttr("")
	if err != nil || !a.Setpgid || a.Credential != nil {
		t.Fatalf(`scriptProcAttr("") = %+v, %v; want a process group, no credential`, a, err)
	}
	a, err = scriptProcAttr("65534:65533")
	if err != nil || !a.Setpgid || a.Credential == nil || a.Credential.Uid != 65534 || a.Credential.Gid != 65533 || len(a.Credential.Groups) != 0 {
		t.Fatalf(`scriptProcAttr("65534:65533") = %+v, %v`, a, err)
	}
	for _, bad := range []string{"65534", "x:1", "1:x", "-1:1", "1:4294967296", ":"} {
		if _, err := scriptProcAttr(bad); err == nil {
			t.Errorf("scriptProcAttr(%q): no error", bad)
		}
	}
}
