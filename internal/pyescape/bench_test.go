package pyescape

import (
	"fmt"
	"strings"
	"testing"
)

// benchInputs are typical inputs: a clean file name (the fast path), a
// name that needs work, and a long request line of each kind.
var benchInputs = []struct{ name, s string }{
	{"clean/len=16", "report-2024.txt_"},
	{"dirty/len=16", "Ünï <Σ> & \\\x1b\x85"},
	{"clean/len=1KiB", strings.Repeat("abcdefgh/1234567", 64)},
	{"dirty/len=1KiB", strings.Repeat("Ünï <Σ> & \\\x1b\x85", 64)},
}

func BenchmarkURL(b *testing.B)   { benchString(b, URL) }
func BenchmarkHTML(b *testing.B)  { benchString(b, HTML) }
func BenchmarkLog(b *testing.B)   { benchString(b, Log) }
func BenchmarkLower(b *testing.B) { benchString(b, Lower) }

func BenchmarkAppendURL(b *testing.B)  { benchAppend(b, AppendURL) }
func BenchmarkAppendHTML(b *testing.B) { benchAppend(b, AppendHTML) }
func BenchmarkAppendLog(b *testing.B)  { benchAppend(b, AppendLog) }

func init() {
	for _, in := range benchInputs {
		if len(in.s) != 16 && len(in.s) != 1024 {
			panic(fmt.Sprintf("bench input %s has %d bytes", in.name, len(in.s)))
		}
	}
}

func benchString(b *testing.B, f func(string) string) {
	for _, in := range benchInputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.s)))
			for b.Loop() {
				f(in.s)
			}
		})
	}
}

func benchAppend(b *testing.B, f func([]byte, string) []byte) {
	for _, in := range benchInputs {
		b.Run(in.name, func(b *testing.B) {
			buf := make([]byte, 0, 8*len(in.s))
			b.ReportAllocs()
			b.SetBytes(int64(len(in.s)))
			for b.Loop() {
				buf = f(buf[:0], in.s)
			}
		})
	}
}

// BenchmarkLowerBaseline compares Lower with strings.ToLower, which has
// neither Python's special cases nor the no-allocation fast path for
// non-ASCII lower-case input.
func BenchmarkLowerBaseline(b *testing.B) {
	for _, in := range benchInputs {
		b.Run(fmt.Sprintf("strings.ToLower/%s", in.name), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.s)))
			for b.Loop() {
				strings.ToLower(in.s)
			}
		})
	}
}
