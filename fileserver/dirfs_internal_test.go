package fileserver

import "testing"

// TestWindowsName: on Windows, NewDir refuses the names that Windows
// reads as another file than they name: "..\..\x" would climb out of
// the root, "C:x" is a drive, "a::$DATA" a stream, "secret.txt." is
// "secret.txt". A name of plain elements is kept, dots inside included.
func TestWindowsName(t *testing.T) {
	for name, want := range map[string]bool{
		".":                        true,
		"a.txt":                    true,
		".hidden/a b/v1.2.tar":     true,
		"..\\..\\Windows\\win.ini": false,
		"sub/..\\..\\secret.txt":   false,
		"a\\b":                     false,
		"C:x":                      false,
		"C:":                       false,
		"a.txt::$DATA":             false,
		"secret.txt.":              false,
		"dir./secret.txt":          false,
		"secret.txt ":              false,
		"dir /secret.txt":          false,
	} {
		if got := windowsName(name); got != want {
			t.Errorf("windowsName(%q) = %v, want %v", name, got, want)
		}
	}
}
