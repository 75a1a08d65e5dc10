package fileserver_test

import (
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

func TestFingerprinted(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"app.3f9a2c1b.js", true},                     // webpack [name].[contenthash:8]
		{"static/js/main.5f3b2a1c9d8e7f60.css", true}, // create-react-app
		{"assets/index-BqX7r9Jd.js", true},            // Vite
		{"chunk-A1B2C3D4.mjs", true},                  // esbuild
		{"lib.min.5f3b2a1c.js", true},                 // fingerprint after other parts
		{"app.3f9a2c1b.js.map", true},                 // source map of a fingerprinted file
		{"font_2d7c0e4b.woff2", false},                // '_' does not separate
		{"index.html", false},
		{"app.js", false},
		{"jquery-3.7.1.min.js", false}, // version numbers are short
		{"my-component.js", false},     // a word, no digit
		{"chunk-ABCDEFGH.js", false},   // no digit: not taken, on the safe side
		{"bundle.20231205.js", false},  // digits only
		{"3f9a2c1b.js", false},         // the whole name
		{".3f9a2c1b.js", false},        // a dotfile
		{"noext-3f9a2c1b", false},      // no extension
		{"a." + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0.js", false}, // 65 chars
		{"main-D_1s9pHL.css", true},                    // Vite, an underscore in the hash
		{"app-4f8b9c2d1e3a5b6c7d8e.js", true},          // Gatsby: 20 hex digits
		{"myapp_1.2.3_linux_amd64.tar.gz", false},      // GoReleaser's release names
		{"tool-linux_amd64.tar.gz", false},             // a platform, not a hash
		{"video-1080p60fps.mp4", false},                // a word with digits
		{"photo-IMG_20240101.jpg", false},              // a camera's name
		{"backup-20240101T1200.sql", false},            // a date and time
		{"sub/report-0123456789abcdefghij.pdf", false}, // 20 characters, not hex
	}
	for _, tt := range tests {
		if got := fileserver.Fingerprinted(tt.name); got != tt.want {
			t.Errorf("Fingerprinted(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
	cc := fileserver.ImmutableFingerprinted("max-age=60")
	if got := cc("app.3f9a2c1b.js"); got != "public, max-age=31536000, immutable" {
		t.Errorf("fingerprinted: %q", got)
	}
	for _, name := range []string{"index.html", "dist/myapp_1.2.3_linux_amd64.tar.gz"} {
		if got := cc(name); got != "max-age=60" {
			t.Errorf("%s: %q, want other", name, got)
		}
	}
}
