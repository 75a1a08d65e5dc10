package fileserver

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// encoding.go: the content codings of Options.Precompressed and
// Options.Compress.

// A coding is one content coding the file server can send.
type coding struct {
	token string   // in Accept-Encoding and Content-Encoding
	ext   string   // of a precompressed sidecar file
	value []string // the Content-Encoding header value, shared
	// encode appends src, encoded, to dst: at the best level for content
	// that is compressed once and kept, at a fast one for content
	// compressed for one response (a listing that just changed).
	encode func(dst *bytes.Buffer, src []byte, once bool) error
	// memory is what compressing a file once takes, in multiples of its
	// size (Options.CompressBudget): the file, the output and the
	// encoder's state. Measured as the peak resident memory of one
	// compression of a 16 MiB text file beyond the process's own: 128 MB
	// for br, 88 MB for zstd, 18 MB for gzip.
	memory int64
}

// cost is what compressing a file of size bytes once with c holds.
func (c *coding) cost(size int64) int64 { return c.memory * size }

// The codings, by the names Options take (the Accept-Encoding tokens).
var codings = map[string]*coding{
	"br":   {token: "br", ext: ".br", value: []string{"br"}, encode: encodeBrotli, memory: 8},
	"zstd": {token: "zstd", ext: ".zst", value: []string{"zstd"}, encode: encodeZstd, memory: 6},
	"gzip": {token: "gzip", ext: ".gz", value: []string{"gzip"}, encode: encodeGzip, memory: 2},
}

// defaultCodings is the order of preference when Options leave it nil:
// the smallest first.
var defaultCodings = []string{"br", "zstd", "gzip"}

// parseCodings checks a list of coding names from Options.
func parseCodings(field string, names []string) ([]*coding, error) {
	if names == nil {
		names = defaultCodings
	}
	out := make([]*coding, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		c, ok := codings[n]
		if !ok {
			return nil, fmt.Errorf("fileserver: %s: unknown coding %q (want br, zstd or gzip)", field, n)
		}
		if seen[n] {
			return nil, fmt.Errorf("fileserver: %s: coding %q twice", field, n)
		}
		seen[n] = true
		out = append(out, c)
	}
	return out, nil
}

// The brotli qualities. A file is compressed once per version and then
// served from the cache, so its size matters more than the time: 9 is
// where users of brotli's CLI and nginx's brotli module usually settle;
// 10 and 11 cost 5 to 20 times the time for a few per cent. Content
// compressed for a single response (a listing that just changed, a file
// the cache cannot keep) gets 4, about gzip's speed.
const (
	brotliOnce = 9
	brotliFast = 4
)

func encodeBrotli(dst *bytes.Buffer, src []byte, once bool) error {
	q := brotliFast
	if once {
		q = brotliOnce
	}
	w := brotli.NewWriterLevel(dst, q)
	if _, err := w.Write(src); err != nil {
		return err
	}
	return w.Close()
}

// The zstd encoders, safe for concurrent EncodeAll calls.
var (
	zstdOnce, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
	zstdFast, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
)

func encodeZstd(dst *bytes.Buffer, src []byte, once bool) error {
	enc := zstdFast
	if once {
		enc = zstdOnce
	}
	dst.Write(enc.EncodeAll(src, make([]byte, 0, len(src)/2)))
	return nil
}

func encodeGzip(dst *bytes.Buffer, src []byte, once bool) error {
	level := gzip.DefaultCompression
	if once {
		level = gzip.BestCompression
	}
	w, err := gzip.NewWriterLevel(dst, level)
	if err != nil {
		return err
	}
	if _, err := w.Write(src); err != nil {
		return err
	}
	return w.Close()
}

// compressible reports whether a file of content type ctype is worth
// compressing: text, scripts, JSON, XML, SVG, WebAssembly and the font
// formats that are not compressed already (TrueType, OpenType, EOT); never
// an image other than SVG, audio, video, an archive, WOFF or WOFF2.
func compressible(ctype string) bool {
	mt, _, _ := strings.Cut(ctype, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	if strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml") {
		return true // application/manifest+json, image/svg+xml, application/atom+xml
	}
	switch mt {
	case "application/javascript", "application/x-javascript", "application/ecmascript",
		"application/json", "application/xml", "application/wasm",
		"application/x-sh", "application/x-csh", "application/x-tex", "application/rtf",
		"application/postscript", "application/x-ndjson",
		"font/ttf", "font/otf", "font/collection", "application/vnd.ms-fontobject",
		"application/x-font-ttf", "application/x-font-otf", "application/font-sfnt":
		return true
	}
	return false
}

// transportStream reports whether b begins as an MPEG transport stream,
// the video of an HLS segment, does: the sync byte 0x47 at the start of
// each of its first 188-byte packets. Its extension, .ts, is text to the
// host's registry (Qt Linguist's text/vnd.trolltech.linguist, which
// Python's mimetypes reads from /etc/mime.types too) and to TypeScript,
// so only the bytes tell video from text.
func transportStream(b []byte) bool {
	const packet = 188
	if len(b) < 2*packet {
		return false
	}
	for i := 0; i < min(len(b), sniffLimit); i += packet {
		if b[i] != 0x47 {
			return false
		}
	}
	return true
}
