package fileserver

import (
	"strings"
	"testing"
)

// TestNamed: a refusal of one file of a multipart upload names the file,
// quoted so that control and invisible characters show as escapes, cut
// after 100 bytes on a character's boundary; the server's own errors are
// left alone.
func TestNamed(t *testing.T) {
	long := strings.Repeat("é", 60) // 120 bytes
	for _, tc := range []struct {
		code      int
		name, msg string
	}{
		{409, "a.txt", `File exists: "a.txt"`},
		{400, "\u202etxt.exe\x1b[31m", `File exists: "\u202etxt.exe\x1b[31m"`},
		{400, long, `File exists: "` + strings.Repeat("é", 50) + `"...`},
		{400, "a" + long, `File exists: "a` + strings.Repeat("é", 49) + `"...`},
		{500, "a.txt", "File exists"},
	} {
		e := refuse(tc.code, "File exists")
		if got := named(e, tc.name).msg; got != tc.msg {
			t.Errorf("named(%d, %q) = %q, want %q", tc.code, tc.name, got, tc.msg)
		}
		if e.msg != "File exists" {
			t.Fatalf("named changed the error it was given: %q", e.msg)
		}
	}
}
