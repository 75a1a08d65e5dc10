package vary

import (
	"slices"
	"strings"
	"testing"
)

// fields is the list the Vary lines make, each field as written: a blank
// line names none (an empty list), and the elements of the others are
// trimmed.
func fields(lines []string) []string {
	var fs []string
	for _, l := range lines {
		if blank(l) {
			continue
		}
		for _, f := range strings.Split(l, ",") {
			fs = append(fs, strings.Trim(f, " \t"))
		}
	}
	return fs
}

// FuzzAdd checks Add and Join on any Vary lines, one per line of vary: a
// field already named (in any letter case), or "*", is not added; else
// the line's list is the lines' own, with no element added but the field
// (a blank line adds no empty one). Join's list is the lines' own.
func FuzzAdd(f *testing.F) {
	for _, s := range []string{"", "Origin", "origin, accept", "*", "Origin\nCookie", " ", "\n", "Origin,", ",", "Accept-Encoding, *", "\t\nOrigin"} {
		f.Add(s, "Accept")
	}
	f.Add("ACCEPT-ENCODING", "Accept-Encoding")
	f.Fuzz(func(t *testing.T, vary, field string) {
		lines := strings.Split(vary, "\n")
		if got := fields([]string{Join(lines)}); !slices.Equal(got, fields(lines)) {
			t.Fatalf("Join(%q) = %q, whose fields are %q, want %q", lines, Join(lines), got, fields(lines))
		}
		if field == "" || strings.ContainsAny(field, ", \t\n") {
			return // a field name, as the callers give
		}
		line, ok := Add(lines, field)
		old := fields(lines)
		if slices.ContainsFunc(old, func(f string) bool { return f == "*" || strings.EqualFold(f, field) }) {
			if ok {
				t.Fatalf("Add(%q, %q) = %q, true; want it named already", lines, field, line)
			}
			return
		}
		if want := append(old, field); !ok || !slices.Equal(fields([]string{line}), want) {
			t.Fatalf("Add(%q, %q) = %q, %v, whose fields are %q, want %q", lines, field, line, ok, fields([]string{line}), want)
		}
	})
}
