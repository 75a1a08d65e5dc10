package pyescape

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestSWAR checks the word tests against byte loops: every byte value in
// every position of an otherwise harmless word, then random words (the
// tests must stay exact when several bytes borrow from each other).
func TestSWAR(t *testing.T) {
	var words [][]byte
	for pos := range 8 {
		for v := range 256 {
			w := []byte("abcdefgh")
			w[pos] = byte(v)
			words = append(words, w)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	interesting := []byte{0, 0x1f, 0x20, 0x7e, 0x7f, 0x80, '\\', '&', '<', '>', '@', 'A', 'Z', '[', 'a', 0xff}
	for range 200000 {
		w := make([]byte, 8)
		for i := range w {
			if rng.IntN(2) == 0 {
				w[i] = interesting[rng.IntN(len(interesting))]
			} else {
				w[i] = byte(rng.IntN(256))
			}
		}
		words = append(words, w)
	}
	for _, w := range words {
		s := string(w)
		var wantLog, wantHTML, wantLower = true, true, true
		for _, c := range w {
			if c >= 0x80 || c < 0x20 || c == 0x7f || c == '\\' {
				wantLog = false
			}
			if c >= 0x80 || c == '&' || c == '<' || c == '>' {
				wantHTML = false
			}
			if c >= 0x80 || 'A' <= c && c <= 'Z' {
				wantLower = false
			}
		}
		if got := logClean8(s, 0); got != wantLog {
			t.Errorf("logClean8(%q) = %v, want %v", s, got, wantLog)
		}
		if got := htmlClean8(s, 0); got != wantHTML {
			t.Errorf("htmlClean8(%q) = %v, want %v", s, got, wantHTML)
		}
		if got := lowerClean8(s, 0); got != wantLower {
			t.Errorf("lowerClean8(%q) = %v, want %v", s, got, wantLower)
		}
		if got, want := load64(s, 0), binary.LittleEndian.Uint64(w); got != want {
			t.Errorf("load64(%q) = %#x, want %#x", s, got, want)
		}
	}
}
