package pyescape

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
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
	} `json:"cases"`
	Bytes []struct {
		InHex string `json:"in_hex"`
		Quote string `json:"quote"`
	} `json:"bytes"`
}

// TestPython compares every escaper with what CPython returned for the
// same input: quote(s, safe='/'), html.escape(s, quote=False),
// s.translate(_control_char_table) and s.lower().
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
			t.Errorf("URL(%q) = %q, Python quote(bytes) gives %q", in, got, c.Quote)
		}
	}
}
