package urlpath

import "testing"

// BenchmarkName measures the step every file request takes first: the
// escaped URL path to an fs.FS name, Python's way.
func BenchmarkName(b *testing.B) {
	for _, tc := range []struct{ name, path string }{
		{"plain", "/static/css/site.css"},
		{"dir", "/docs/api/"},
		{"escaped", "/a%20b/caf%C3%A9/./x/../r%C3%A9sum%C3%A9.pdf"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Name(tc.path)
			}
		})
	}
}

// BenchmarkLocation measures the redirect target of a directory asked
// without its slash.
func BenchmarkLocation(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Location("/docs/api/", "?q=1")
	}
}
