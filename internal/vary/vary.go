// Package vary writes the Vary field of a response on one line. nginx
// before 1.23 (Debian 12's, Ubuntu 22.04's) keys what its proxy_cache
// stores on the last Vary line alone, and would leave the fields of the
// others out of the key; and a blank line (the command's -H 'Vary:')
// names no field, so it is left out: "Vary: , Accept" would hold an
// empty element, which RFC 9110 forbids a sender to make.
package vary

import "strings"

// Add returns the one line that names the fields of the Vary lines and
// field after them, and true; or "", false when they name it already (in
// any letter case) or hold "*", which varies on everything.
func Add(lines []string, field string) (string, bool) {
	n := len(field)
	for _, l := range lines {
		for f := range strings.SplitSeq(l, ",") {
			if f = strings.Trim(f, " \t"); f == "*" || strings.EqualFold(f, field) {
				return "", false
			}
		}
		n += len(l) + 2
	}
	var b strings.Builder
	b.Grow(n)
	for _, l := range lines {
		if !blank(l) {
			b.WriteString(l)
			b.WriteString(", ")
		}
	}
	b.WriteString(field)
	return b.String(), true
}

// Join returns the Vary lines as one, the blank ones left out.
func Join(lines []string) string {
	kept := make([]string, 0, len(lines))
	for _, l := range lines {
		if !blank(l) {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, ", ")
}

func blank(l string) bool { return strings.Trim(l, " \t") == "" }
