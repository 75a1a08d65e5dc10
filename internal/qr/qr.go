// Package qr draws QR codes of short texts (URLs) for a terminal and for
// a web page. It guarantees: the codes are standard QR codes (ISO/IEC
// 18004, error correction level M, 15% of the symbol recoverable) that
// any reader decodes back to the text; the terminal form is plain text
// with fixed colours, two module rows per line; the SVG form is
// self-contained and carries no text of its own but the escaped label.
// The symbols come from github.com/skip2/go-qrcode.
package qr

import (
	"errors"
	"fmt"
	"html"
	"strings"

	"github.com/skip2/go-qrcode"
)

// Matrix returns the modules of the QR code of text, without the quiet
// zone: m[y][x] is true for a dark module.
func Matrix(text string) ([][]bool, error) {
	if text == "" {
		return nil, errors.New("qr: empty text")
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	q.DisableBorder = true
	return q.Bitmap(), nil
}

// terminalBorder is the quiet zone of the terminal form, in modules: the
// standard asks for 4, but the white background of the lines and the
// terminal's own margin around them do as well, and readers find 2
// plenty in practice (qrencode's text output uses 2 as well).
const terminalBorder = 2

// Terminal colours: black on bright white, set at the start of each line
// and reset at its end, so that the code reads the same whatever the
// terminal's own colours are (an inverted code is not read by every
// reader).
const (
	termColours = "\x1b[30;107m"
	termReset   = "\x1b[0m"
)

// Terminal returns the QR code of text drawn with Unicode half blocks,
// each line two module rows, each column one module, in black on white,
// ending in a newline.
func Terminal(text string) (string, error) {
	m, err := Matrix(text)
	if err != nil {
		return "", err
	}
	n := len(m)
	dark := func(x, y int) bool {
		x, y = x-terminalBorder, y-terminalBorder
		return x >= 0 && y >= 0 && x < n && y < n && m[y][x]
	}
	size := n + 2*terminalBorder
	var b strings.Builder
	for y := 0; y < size; y += 2 {
		b.WriteString(termColours)
		for x := range size {
			top, bottom := dark(x, y), dark(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString(termReset + "\n")
	}
	return b.String(), nil
}

// svgBorder is the quiet zone of the SVG form, as the standard asks.
const svgBorder = 4

// SVG returns the QR code of text as an <svg> element to put inline in an
// HTML page, one module one unit, scaled by CSS (it has a viewBox and no
// size) and labelled with text (HTML-escaped) for assistive technology.
func SVG(text string) (string, error) {
	m, err := Matrix(text)
	if err != nil {
		return "", err
	}
	size := len(m) + 2*svgBorder
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="%s">`,
		size, size, html.EscapeString(strings.ToValidUTF8(text, "\uFFFD")))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	for y, row := range m {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+svgBorder, y+svgBorder, run, run)
			x += run - 1
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}
