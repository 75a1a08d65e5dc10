package qr

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/internal/goldenfile"
)

var texts = []string{
	"http://192.168.1.20:8000/",
	"https://[2001:db8::1234:5678:9abc]:65535/",
	"http://127.0.0.1:8000/",
	"http://a-rather-long-host-name.example.internal.lan:8000/some/prefix/?q=1&x=%41",
}

// TestDecode draws each code as a PNG and has an independent reader,
// zbarimg (from zbar-tools), decode it back to the text.
func TestDecode(t *testing.T) {
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Skip("zbarimg not installed (zbar-tools; .ci/run installs it)")
	}
	for _, text := range texts {
		m, err := Matrix(text)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "code.png")
		writePNG(t, file, m)
		out, err := exec.Command("zbarimg", "--quiet", "--raw", file).Output()
		if err != nil {
			t.Fatalf("zbarimg %q: %v", text, err)
		}
		if got := strings.TrimSuffix(string(out), "\n"); got != text {
			t.Errorf("decoded %q, want %q", got, text)
		}
	}
}

// writePNG draws m, 4 pixels a module, with the standard quiet zone.
func writePNG(t *testing.T, file string, m [][]bool) {
	t.Helper()
	const scale, border = 4, 4
	size := (len(m) + 2*border) * scale
	img := image.NewGray(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			mx, my := x/scale-border, y/scale-border
			c := color.Gray{Y: 255}
			if mx >= 0 && my >= 0 && mx < len(m) && my < len(m) && m[my][mx] {
				c = color.Gray{}
			}
			img.SetGray(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMatrixGolden pins the symbol of a URL ('#' dark, '.' light), checked
// once with zbarimg and with a phone: a new version of the library that
// draws another (valid) symbol fails here, to be checked again by eye.
func TestMatrixGolden(t *testing.T) {
	m, err := Matrix(texts[0])
	if err != nil {
		t.Fatal(err)
	}
	goldenfile.Check(t, "testdata/TestMatrixGolden/url.golden", []byte(matrixText(m)))
}

func matrixText(m [][]bool) string {
	var b strings.Builder
	for _, row := range m {
		for _, dark := range row {
			if dark {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestTerminal pins the terminal drawing, and reads it back: every half
// block shows the two modules it stands for, inside a quiet zone of 2.
func TestTerminal(t *testing.T) {
	got, err := Terminal(texts[0])
	if err != nil {
		t.Fatal(err)
	}
	goldenfile.Check(t, "testdata/TestTerminal/url.golden", []byte(got))

	m, _ := Matrix(texts[0])
	size := len(m) + 2*terminalBorder
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != (size+1)/2 {
		t.Fatalf("%d lines, want %d", len(lines), (size+1)/2)
	}
	back := make([][]bool, size+1)
	for i := range back {
		back[i] = make([]bool, size)
	}
	for i, line := range lines {
		inner, ok := strings.CutPrefix(line, termColours)
		inner, ok2 := strings.CutSuffix(inner, termReset)
		if !ok || !ok2 {
			t.Fatalf("line %d = %q: want the colours set and reset", i, line)
		}
		x := 0
		for _, r := range inner {
			switch r {
			case '█':
				back[2*i][x], back[2*i+1][x] = true, true
			case '▀':
				back[2*i][x] = true
			case '▄':
				back[2*i+1][x] = true
			case ' ':
			default:
				t.Fatalf("line %d: unexpected %q", i, r)
			}
			x++
		}
		if x != size {
			t.Fatalf("line %d: %d columns, want %d", i, x, size)
		}
	}
	for y := range size + 1 {
		for x := range size {
			mx, my := x-terminalBorder, y-terminalBorder
			want := mx >= 0 && my >= 0 && mx < len(m) && my < len(m) && m[my][mx]
			if back[y][x] != want {
				t.Fatalf("module (%d, %d) drawn %v, want %v", mx, my, back[y][x], want)
			}
		}
	}
}

// TestSVG checks that the SVG is well-formed XML, draws exactly the
// modules of the matrix, and escapes its label.
func TestSVG(t *testing.T) {
	text := `http://h/"><script>alert(1)</script>&` + "\xff"
	got, err := SVG(text)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "<script") || strings.Count(got, `"`)%2 != 0 {
		t.Errorf("label not escaped: %s", got)
	}
	var doc struct {
		Label string `xml:"aria-label,attr"`
		Path  struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal([]byte(got), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, got)
	}
	if want := strings.ToValidUTF8(text, "\uFFFD"); doc.Label != want {
		t.Errorf("label = %q, want %q", doc.Label, want)
	}
	m, _ := Matrix(text)
	drawn := make([][]bool, len(m))
	for i := range drawn {
		drawn[i] = make([]bool, len(m))
	}
	for _, seg := range strings.Split(strings.TrimSuffix(doc.Path.D, "z"), "z") {
		var x, y, w, w2 int
		if _, err := fmt.Sscanf(seg, "M%d %dh%dv1h-%d", &x, &y, &w, &w2); err != nil || w != w2 {
			t.Fatalf("segment %q: %v", seg, err)
		}
		for i := range w {
			drawn[y-svgBorder][x-svgBorder+i] = true
		}
	}
	if matrixText(drawn) != matrixText(m) {
		t.Errorf("the path draws\n%s\nwant\n%s", matrixText(drawn), matrixText(m))
	}
	goldenfile.Check(t, "testdata/TestSVG/short.golden", []byte(mustSVG(t, "http://10.0.0.1/")+"\n"))
}

func mustSVG(t *testing.T, text string) string {
	s, err := SVG(text)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEmpty(t *testing.T) {
	if _, err := Terminal(""); err == nil {
		t.Error("Terminal(\"\"): no error")
	}
	if _, err := Matrix(strings.Repeat("x", 5000)); err == nil {
		t.Error("Matrix of 5000 bytes: no error (too long for any QR code)")
	}
}
