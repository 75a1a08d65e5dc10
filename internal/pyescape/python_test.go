package pyescape

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// pythonGolden is testdata/python.json, written by testdata/record.py from
// the local python3. go test only reads it.
type pythonGolden struct {
	Python         string `json:"python"`
	UnidataVersion string `json:"unidata_version"`
	Cases          []struct {
		In    string `json:"in"`
		Quote string `json:"quote"`
		HTML  string `json:"html"`
		Log   string `json:"log"`
		Lower string `json:"lower"`
		Repr  string `json:"repr"`
	} `json:"cases"`
	Bytes []struct {
		InHex string `json:"in_hex"`
		Quote string `json:"quote"`
	} `json:"bytes"`
}

// TestPython compares every escaper with what CPython returned for the
// same input: quote(s, safe='/'), html.escape(s, quote=False),
// s.translate(_control_char_table) and s.lower(); and URL of byte strings
// that are not UTF-8 with quote(os.fsdecode(b), safe='/',
// errors='surrogatepass'), list_directory's href for such a file name.
func TestPython(t *testing.T) {
	data, err := os.ReadFile("testdata/python.json")
	if err != nil {
		t.Fatal(err)
	}
	var g pythonGolden
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 60 || len(g.Bytes) == 0 {
		t.Fatalf("testdata/python.json has %d cases and %d byte cases; re-run testdata/record.py", len(g.Cases), len(g.Bytes))
	}
	t.Logf("recorded with Python %s, Unicode %s", g.Python, g.UnidataVersion)
	for _, c := range g.Cases {
		if got := URL(c.In); got != c.Quote {
			t.Errorf("URL(%q) = %q, Python quote gives %q", c.In, got, c.Quote)
		}
		if got := HTML(c.In); got != c.HTML {
			t.Errorf("HTML(%q) = %q, Python html.escape gives %q", c.In, got, c.HTML)
		}
		if got := Log(c.In); got != c.Log {
			t.Errorf("Log(%q) = %q, Python log_message gives %q", c.In, got, c.Log)
		}
		if got := Lower(c.In); got != c.Lower {
			t.Errorf("Lower(%q) = %q, Python lower gives %q", c.In, got, c.Lower)
		}
		if got := Repr(c.In); got != c.Repr {
			t.Errorf("Repr(%q) = %q, Python repr gives %q", c.In, got, c.Repr)
		}
		if got, err := UnescapeLog(c.Log); err != nil || got != c.In {
			t.Errorf("UnescapeLog(%q) = %q, %v, want %q", c.Log, got, err, c.In)
		}
	}
	for _, c := range g.Bytes {
		in, err := hex.DecodeString(c.InHex)
		if err != nil {
			t.Fatal(err)
		}
		if got := URL(string(in)); got != c.Quote {
			t.Errorf("URL(%q) = %q, Python quote(fsdecode(b), errors='surrogatepass') gives %q", in, got, c.Quote)
		}
	}
}

// pythonUnicode is testdata/unicode.json: what Python's str.lower() does to
// each code point, and which code points its Final_Sigma rule treats as
// case-ignorable or cased (see testdata/record.py).
type pythonUnicode struct {
	Python         string            `json:"python"`
	UnidataVersion string            `json:"unidata_version"`
	Unassigned     []string          `json:"unassigned"`
	Lower          [][3]any          `json:"lower"`
	LowerFull      map[string]string `json:"lower_full"`
	Ignorable      []string          `json:"ignorable"`
	Cased          []string          `json:"cased"`
}

// parseRange parses "XXXX" or "XXXX..YYYY".
func parseRange(t *testing.T, s string) (lo, hi rune) {
	t.Helper()
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		b = a
	}
	l, err1 := strconv.ParseUint(a, 16, 32)
	h, err2 := strconv.ParseUint(b, 16, 32)
	if err1 != nil || err2 != nil || l > h {
		t.Fatalf("bad range %q", s)
	}
	return rune(l), rune(h)
}

// TestPythonUnicode checks Lower and the Final_Sigma classes against Python
// for every code point assigned both in Python's Unicode version and in
// Go's. Code points assigned in only one of them are skipped: the versions
// differ (Python 3.11: 14.0.0, Go 1.26: 15.0.0).
func TestPythonUnicode(t *testing.T) {
	data, err := os.ReadFile("testdata/unicode.json")
	if err != nil {
		t.Fatal(err)
	}
	var u pythonUnicode
	if err := json.Unmarshal(data, &u); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded with Python %s, Unicode %s; Go has Unicode %s", u.Python, u.UnidataVersion, unicode.Version)

	const (
		other = iota
		ignorable
		cased
	)
	var (
		skip   = make([]bool, unicode.MaxRune+1)
		lower  = make([]string, unicode.MaxRune+1) // "" means unchanged
		class  = make([]uint8, unicode.MaxRune+1)
		ranges = func(list []string, f func(rune)) {
			for _, s := range list {
				lo, hi := parseRange(t, s)
				for r := lo; r <= hi; r++ {
					f(r)
				}
			}
		}
	)
	ranges(u.Unassigned, func(r rune) { skip[r] = true })
	ranges(u.Ignorable, func(r rune) { class[r] = ignorable })
	ranges(u.Cased, func(r rune) { class[r] = cased })
	for _, run := range u.Lower {
		rng, stride, delta := run[0].(string), int(run[1].(float64)), rune(run[2].(float64))
		lo, hi := parseRange(t, rng)
		for r := lo; r <= hi; r += rune(stride) {
			lower[r] = string(r + delta)
		}
	}
	for k, v := range u.LowerFull {
		r, _ := parseRange(t, k)
		lower[r] = v
	}

	checked, bad := 0, 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if skip[r] || 0xd800 <= r && r <= 0xdfff || !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.C) {
			continue
		}
		checked++
		s := string(r)
		want := lower[r]
		if want == "" {
			want = s
		}
		if got := Lower(s); got != want {
			t.Errorf("Lower(%q) = %q, Python gives %q", s, got, want)
			bad++
		}
		got := uint8(other)
		if isCaseIgnorable(r) {
			got = ignorable
		} else if isCased(r) {
			got = cased
		}
		if got != class[r] {
			t.Errorf("U+%04X: Final_Sigma class %d, Python %d (0 other, 1 case-ignorable, 2 cased)", r, got, class[r])
			bad++
		}
		if bad > 20 {
			t.Fatal("too many differences")
		}
	}
	if checked < 280000 {
		t.Fatalf("checked only %d code points", checked)
	}
	t.Logf("checked %d code points", checked)
}
