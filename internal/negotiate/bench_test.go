package negotiate

import "testing"

// BenchmarkBest measures the choice between HTML and JSON made for a
// listing or an error page when the client sends Accept.
func BenchmarkBest(b *testing.B) {
	for _, tc := range []struct{ name, accept string }{
		{"browser", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		{"json", "application/json"},
		{"any", "*/*"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Best(tc.accept, "text/html", "application/json")
			}
		})
	}
}
