package pyescape

import (
	"strings"
	"testing"
	"unsafe"
)

// The golden comparison with Python is in python_test.go; these tables pin
// the cases Python cannot show (invalid UTF-8) and the edges of each rule.

func TestURL(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"safe", "AZaz09_.-~/", "AZaz09_.-~/"},
		{"space", "a b", "a%20b"},
		{"percent", "100%", "100%25"},
		{"encoded dots stay literal", "%2e%2e", "%252e%252e"},
		{"backslash", `..\`, "..%5C"},
		{"double slash kept", "//evil", "//evil"},
		// url.PathEscape would keep these; Python quotes them.
		{"sub-delims", ":@&=+$,;", "%3A%40%26%3D%2B%24%2C%3B"},
		{"html specials", `<a href="x">'`, "%3Ca%20href%3D%22x%22%3E%27"},
		{"query and fragment", "a?b#c", "a%3Fb%23c"},
		{"upper-case hex", "\x1f\x7f", "%1F%7F"},
		{"utf-8", "ü日😀", "%C3%BC%E6%97%A5%F0%9F%98%80"},
		{"nul", "a\x00b", "a%00b"},
		// Invalid UTF-8: each byte b as the surrogate U+DC00+b, as
		// list_directory quotes a name os.listdir surrogateescaped.
		{"invalid byte", "a\xffb", "a%ED%B3%BFb"},
		{"not utf-8 name", "bad\xff\xfe.txt", "bad%ED%B3%BF%ED%B3%BE.txt"},
		{"truncated rune", "\xe2\x82", "%ED%B3%A2%ED%B2%82"},
		{"lone continuation", "\x80", "%ED%B2%80"},
		{"last of the low half", "\xbf", "%ED%B2%BF"},
		{"first of the high half", "\xc0", "%ED%B3%80"},
		{"surrogate bytes", "\xed\xa0\x80", "%ED%B3%AD%ED%B2%A0%ED%B2%80"},
		{"latin-1", "caf\xe9 ü", "caf%ED%B3%A9%20%C3%BC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := URL(tt.in); got != tt.want {
				t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := string(AppendURL([]byte("pre"), tt.in)); got != "pre"+tt.want {
				t.Errorf("AppendURL(pre, %q) = %q, want %q", tt.in, got, "pre"+tt.want)
			}
		})
	}
}

func TestSurrogateEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain ü", "plain ü"},
		{"a\xffb", "a\xed\xb3\xbfb"},
		{"\x80\xbf\xc0", "\xed\xb2\x80\xed\xb2\xbf\xed\xb3\x80"},
		{"\xe2\x82a", "\xed\xb3\xa2\xed\xb2\x82a"},
	}
	for _, tt := range tests {
		if got := SurrogateEscape(tt.in); got != tt.want {
			t.Errorf("SurrogateEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Python orders str by code point: U+00E9 < U+DC80 < U+DCFF < U+E000
	// < U+1F600. Raw bytes would put 0x80 first and 0xFF last.
	order := []string{"é", "\x80", "\xff", "\ue000", "😀"}
	for i := 1; i < len(order); i++ {
		if a, b := SurrogateEscape(order[i-1]), SurrogateEscape(order[i]); a >= b {
			t.Errorf("SurrogateEscape(%q) = %q >= SurrogateEscape(%q) = %q", order[i-1], a, order[i], b)
		}
	}
}

func TestHTML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "plain.txt", "plain.txt"},
		{"amp lt gt", "a&b<c>d", "a&amp;b&lt;c&gt;d"},
		// quote=False: quotes are not escaped (html/template would).
		{"quotes kept", `"I'm a Teapot"`, `"I'm a Teapot"`},
		{"entity escaped again", "&amp;", "&amp;amp;"},
		{"controls kept", "a\nb\x00\x7f\u0085", "a\nb\x00\x7f\u0085"},
		{"utf-8 kept", "ü日😀\uFFFD", "ü日😀\uFFFD"},
		// Invalid UTF-8: one U+FFFD per byte (Python would write the bytes).
		{"invalid byte", "a\xffb", "a\uFFFDb"},
		{"truncated rune", "\xe2\x82<", "\uFFFD\uFFFD&lt;"},
		{"surrogate encoding", "\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},
		{"overlong slash", "\xc0\xaf", "\uFFFD\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTML(tt.in); got != tt.want {
				t.Errorf("HTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := string(AppendHTML([]byte("pre"), tt.in)); got != "pre"+tt.want {
				t.Errorf("AppendHTML(pre, %q) = %q, want %q", tt.in, got, "pre"+tt.want)
			}
		})
	}
}

func TestLog(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"request line", "GET /a%20b?x=1 HTTP/1.1", "GET /a%20b?x=1 HTTP/1.1"},
		{"newline", "a\nb", `a\x0ab`},
		{"c0 range", "\x00\x1f", `\x00\x1f`},
		{"space is not a control", " ", " "},
		{"del", "\x7f", `\x7f`},
		{"backslash", `a\b`, `a\\b`},
		{"escape-looking text", `\x41`, `\\x41`},
		{"ansi", "\x1b[31m", `\x1b[31m`},
		{"c1 code points", "\u0080\u0085\u009b\u009f", `\x80\x85\x9b\x9f`},
		{"nbsp is not a control", "\u00a0", "\u00a0"},
		{"c1 bytes inside other runes kept", "€\u0100", "€\u0100"}, // E2 82 AC, C4 80
		{"line separator kept", "\u2028", "\u2028"},
		// Lone bytes 0x80-0x9F are written like the C1 code points.
		{"lone c1 byte", "a\x85b", `a\x85b`},
		{"lone continuation bytes", "\x80\x9f", `\x80\x9f`},
		{"truncated rune then c1 byte", "\xe2\x85", "\xe2\\x85"},
		{"lone c2", "\xc2", "\xc2"},
		{"c2 then ascii", "\xc2A", "\xc2A"},
		// Other invalid bytes pass through.
		{"invalid high bytes kept", "\xa0\xff\xc3", "\xa0\xff\xc3"},
		{"surrogate encoding", "\xed\xa0\x80", "\xed\xa0\\x80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Log(tt.in); got != tt.want {
				t.Errorf("Log(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := string(AppendLog([]byte("pre"), tt.in)); got != "pre"+tt.want {
				t.Errorf("AppendLog(pre, %q) = %q, want %q", tt.in, got, "pre"+tt.want)
			}
		})
	}
}

func TestUnescapeLog(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{name: "empty", in: "", want: ""},
		{name: "plain", in: "GET / HTTP/1.1", want: "GET / HTTP/1.1"},
		{name: "backslash", in: `a\\b`, want: `a\b`},
		{name: "c0", in: `\x00\x0a\x1f`, want: "\x00\n\x1f"},
		{name: "del", in: `\x7f`, want: "\x7f"},
		// \x80-\x9f are code points, so they come back as UTF-8.
		{name: "c1", in: `\x85`, want: "\u0085"},
		{name: "mixed", in: `\\x41\x1b`, want: `\x41` + "\x1b"},
		{name: "raw text kept", in: "a\nb\xff", want: "a\nb\xff"},
		{name: "trailing backslash", in: `a\`, wantErr: true},
		{name: "unknown escape", in: `\n`, wantErr: true},
		{name: "short hex", in: `\x1`, wantErr: true},
		{name: "upper-case hex", in: `\x1B`, wantErr: true},
		{name: "not a control", in: `\x41`, wantErr: true},
		{name: "nbsp is not escaped", in: `\xa0`, wantErr: true},
		{name: "not hex", in: `\xzz`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UnescapeLog(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Errorf("UnescapeLog(%q) = %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("UnescapeLog(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestLower(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"ascii", "FILE.TXT", "file.txt"},
		{"already lower", "file.txt", "file.txt"},
		{"dotted capital I", "İ", "i\u0307"},
		{"dotted capital I then sigma", "İΣ", "i\u0307ς"},
		{"sharp s kept", "ß", "ß"},
		{"capital sharp s", "ẞ", "ß"},
		{"kelvin sign", "\u212a", "k"},
		{"titlecase", "ǅ", "ǆ"},
		{"grows in utf-8", "ȺȺȺȺ", "ⱥⱥⱥⱥ"},
		{"lone sigma", "Σ", "σ"},
		{"final sigma", "ΟΔΥΣΣΕΥΣ", "οδυσσευς"},
		{"sigma before extension", "ΌΣΟΣ.txt", "όσοσ.txt"},
		{"sigma before space", "ΑΣ Β", "ας β"},
		{"sigma after space", "Α ΣΒ", "α σβ"},
		{"ignorable before", "A'Σ", "a'ς"},
		{"ignorable after then cased", "AΣ'S", "aσ's"},
		{"cased and ignorable counts as ignorable", "ʰΣ", "ʰσ"},
		{"other_uppercase is cased", "ⒶΣ", "ⓐς"},
		{"combining mark after", "AΣ\u0301", "aς\u0301"},
		// Invalid UTF-8 is kept and is neither cased nor case-ignorable.
		{"invalid kept", "A\xffB", "a\xffb"},
		{"invalid before sigma", "A\xffΣ", "a\xffσ"},
		{"invalid after sigma", "AΣ\xffb", "aς\xffb"},
		{"truncated rune", "\xe2\x82Σ", "\xe2\x82σ"},
		{"invalid only", "\xff\xfe", "\xff\xfe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Lower(tt.in); got != tt.want {
				t.Errorf("Lower(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestNoAlloc checks the fast paths: nothing to change means no allocation,
// and the Append variants allocate nothing once dst is big enough.
func TestNoAlloc(t *testing.T) {
	clean := "a/b.c_d-e~f/" + strings.Repeat("x", 100)
	cleanHTML := clean + "ü日\"'"
	cleanLog := clean + "ü日<>&"
	cleanLower := clean + "ü日σςß"
	dirty := "A <b> & \\ \x1b Σ İ ü\x85\xff"
	buf := make([]byte, 0, 1024)
	tests := []struct {
		name string
		f    func()
	}{
		{"URL clean", func() { _ = URL(clean) }},
		{"HTML clean", func() { _ = HTML(cleanHTML) }},
		{"Log clean", func() { _ = Log(cleanLog) }},
		{"Lower clean", func() { _ = Lower(cleanLower) }},
		{"SurrogateEscape clean", func() { _ = SurrogateEscape(cleanLower) }},
		{"AppendURL dirty", func() { _ = AppendURL(buf[:0], dirty) }},
		{"AppendHTML dirty", func() { _ = AppendHTML(buf[:0], dirty) }},
		{"AppendLog dirty", func() { _ = AppendLog(buf[:0], dirty) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s: %v allocations, want 0", tt.name, n)
		}
	}
	// The string variants allocate exactly once when something changes.
	once := []struct {
		name string
		f    func()
	}{
		{"URL dirty", func() { _ = URL(dirty) }},
		{"HTML dirty", func() { _ = HTML(dirty) }},
		{"Log dirty", func() { _ = Log(dirty) }},
		{"Lower dirty", func() { _ = Lower(dirty) }},
		{"SurrogateEscape dirty", func() { _ = SurrogateEscape(dirty) }},
		{"AppendLog nil dst", func() { _ = AppendLog(nil, dirty) }},
	}
	for _, tt := range once {
		if n := testing.AllocsPerRun(100, tt.f); n != 1 {
			t.Errorf("%s: %v allocations, want 1", tt.name, n)
		}
	}
}

// TestFastPathReturnsInput checks that clean input comes back as the very
// same string, not a copy.
func TestFastPathReturnsInput(t *testing.T) {
	s := "dir/file-1.txt"
	for name, f := range map[string]func(string) string{"URL": URL, "HTML": HTML, "Log": Log, "Lower": Lower, "SurrogateEscape": SurrogateEscape} {
		if got := f(s); got != s || unsafe.StringData(got) != unsafe.StringData(s) {
			t.Errorf("%s(%q) = %q, not the input itself", name, s, got)
		}
	}
}
