package main

import (
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeFailRegexes returns the failregex lines of the fail2ban filter
// the README gives, as Go regular expressions: <HOST> becomes a group
// that takes an address, as fail2ban's does, and \S stops at any space
// Python's re (and so fail2ban) knows, not at ASCII ones only as Go's.
func readmeFailRegexes(t *testing.T) []*regexp.Regexp {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var res []*regexp.Regexp
	in := false
	for l := range strings.Lines(string(readme)) {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "failregex = "):
			in = true
			l = strings.TrimPrefix(l, "failregex = ")
		case !in || l == "" || strings.Contains(l, "=") && !strings.HasPrefix(l, "^"):
			in = false
			continue
		}
		l = strings.ReplaceAll(l, "<HOST>", "([0-9A-Fa-f.:]+)")
		l = strings.ReplaceAll(l, `\S`, `[^\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]`)
		re, err := regexp.Compile(l)
		if err != nil {
			t.Fatalf("README failregex %q: %v", l, err)
		}
		res = append(res, re)
	}
	if len(res) != 2 {
		t.Fatalf("README: %d failregex lines, want the 2 of the fail2ban filter", len(res))
	}
	return res
}

// TestREADMEFail2ban runs the fail2ban filter of the README over the log
// lines of the command, in every format: it finds each request refused
// for its credentials (401, then 429 once the client is blocked), with
// the client's address, and no other line, however a client fills the
// fields it controls. fail2ban takes the time stamp out of a line before
// it tries the failregex: the lines are tried with and without it.
func TestREADMEFail2ban(t *testing.T) {
	res := readmeFailRegexes(t)
	stamp := regexp.MustCompile(`^([^\[]*\[)[^\]]*(\])|^(\{"time":")[^"]*(")`)
	dir := site(t)
	// Values that hold what a line of a refused request holds.
	const hostile = `x" 401 471 "-" "y","status":401,`
	for _, format := range []string{"python", "common", "combined", "json"} {
		t.Run(format, func(t *testing.T) {
			r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--auth", "alice:secret", "--log-format", format, "0")
			base := r.baseURL(t)
			h := http.Header{"Authorization": {basicAuth("alice:secret")}, "User-Agent": {hostile}, "Referer": {hostile}}
			if resp, _ := do(t, "GET", base+"/hello.txt", h); resp.StatusCode != 200 {
				t.Fatalf("GET with the password: %d", resp.StatusCode)
			}
			if resp, _ := do(t, "GET", base+"/missing", h); resp.StatusCode != 404 {
				t.Fatalf("GET of a missing file: %d", resp.StatusCode)
			}
			var codes []int
			for i := range 7 {
				h := http.Header{"User-Agent": {hostile}}
				switch {
				case i%2 == 1:
					h.Set("Authorization", basicAuth(`al"ice:`+hostile))
				case i > 0:
					// A space Python's \S stops at.
					h.Set("Authorization", basicAuth("al\u00a0ice:"+hostile))
				}
				resp, _ := do(t, "GET", base+"/guess", h)
				codes = append(codes, resp.StatusCode)
			}
			if want := []int{401, 401, 401, 401, 401, 401, 429}; !slices.Equal(codes, want) {
				t.Fatalf("requests without the password: %v, want %v", codes, want)
			}
			r.exit(t)
			matched := 0
			for l := range strings.Lines(r.stderr.String()) {
				l = strings.TrimSuffix(l, "\n")
				stripped := stamp.ReplaceAllString(l, "$1$2$3$4")
				for _, re := range res {
					m, ms := re.FindStringSubmatch(l), re.FindStringSubmatch(stripped)
					if (m == nil) != (ms == nil) {
						t.Errorf("%v takes %q but not %q, or the reverse", re, l, stripped)
					}
					if m == nil {
						continue
					}
					matched++
					if m[1] != "127.0.0.1" || !strings.Contains(l, "/guess") {
						t.Errorf("the filter takes %q for a failure of %q", l, m[1])
					}
				}
			}
			if matched != len(codes) {
				t.Errorf("the filter finds %d lines, want the %d requests refused:\n%s", matched, len(codes), r.stderr)
			}
		})
	}
}
