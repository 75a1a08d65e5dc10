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
	if got := cc("index.html"); got != "max-age=60" {
		t.Errorf("other: %q", got)
	}
}
