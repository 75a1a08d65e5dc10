package fileserver

import (
	"io"
	"maps"
	"mime"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
)

// mimetable.go holds CPython 3.14's built-in mimetypes tables. Regenerate it
// with a 3.14 Lib/mimetypes.py (see testdata/gen_mimetable.py):
//
//	MIMETYPES_PY=/path/to/cpython/Lib/mimetypes.py go generate ./fileserver
//
//go:generate python3 testdata/gen_mimetable.py -o mimetable.go ${MIMETYPES_PY}

// DefaultExtensions returns a new copy of the extension map used when
// [Options.Extensions] is nil: Python's SimpleHTTPRequestHandler.extensions_map,
// which serves compressed files as themselves (.gz application/gzip,
// .Z application/octet-stream, .bz2 application/x-bzip2, .xz application/x-xz)
// rather than as the type of the file inside. The caller owns the map; copy
// it, change it and pass it as Options.Extensions to extend the defaults.
func DefaultExtensions() map[string]string {
	return map[string]string{
		".gz":  "application/gzip",
		".Z":   "application/octet-stream",
		".bz2": "application/x-bzip2",
		".xz":  "application/x-xz",
	}
}

// typeTable finds a file's content type from its name: the extension map,
// then Python's built-in table, then Go's mime package.
// It is read-only after newTypeTable, so safe for concurrent use.
type typeTable struct {
	ext map[string]string // the extension map: Options.Extensions or DefaultExtensions
}

// newTypeTable returns a table consulting ext first; nil ext means
// DefaultExtensions(). The map is copied, so later changes to ext are not
// seen. Entries with an empty type are dropped: "" is lookup's "unknown".
func newTypeTable(ext map[string]string) *typeTable {
	if ext == nil {
		return &typeTable{ext: DefaultExtensions()}
	}
	m := maps.Clone(ext)
	maps.DeleteFunc(m, func(_, typ string) bool { return typ == "" })
	return &typeTable{ext: m}
}

// lookup returns the content type for the file name, which is a single
// path segment or a slash-separated path (only its last segment counts),
// or "" when nothing knows it and the caller should sniff. In order:
//
//  1. The extension (posixpath.splitext: ".bashrc" has none) in the
//     extension map, exactly and then lower-cased, as
//     SimpleHTTPRequestHandler.guess_type does.
//  2. Python's mimetypes.guess_type with its built-in tables only (see
//     guessPython), so the answer is the same on every host.
//  3. Go's [mime.TypeByExtension], which knows the host's types.
//
// Steps 1 and 2 do not allocate unless the extension is not ASCII, or is
// longer than 32 bytes and not lower case, or Python's suffix map rewrites
// it (.tgz, .svgz).
func (t *typeTable) lookup(name string) string {
	if typ := t.lookupPython(name); typ != "" {
		return typ
	}
	if _, ext := splitExt(name); ext != "" {
		return mime.TypeByExtension(ext)
	}
	return ""
}

// lookupPython is steps 1 and 2 of lookup: what Python 3.14's
// SimpleHTTPRequestHandler.guess_type answers when mimetypes has read no
// mime.types file, except that it returns "" where Python falls back to
// application/octet-stream.
func (t *typeTable) lookupPython(name string) string {
	base, ext := splitExt(name)
	// Python tests "ext in extensions_map" even for an empty ext, so a map
	// with a "" key types the files that have no extension.
	if typ, ok := t.ext[ext]; ok {
		return typ
	}
	if !isLowerASCII(ext) {
		if typ, ok := lowerLookup(t.ext, ext); ok {
			return typ
		}
	}
	return guessPython(base, ext)
}

// guessPython replicates mimetypes.MimeTypes._guess_file_type (Python 3.14)
// with strict=True and the default tables of mimetable.go, for a path split
// by splitExt, returning only the type.
func guessPython(base, ext string) string {
	if ext == "" {
		return "" // no table has an empty key
	}
	e, _ := lowerLookup(pyIndex, ext)
	// Rewrite .tgz and friends (looked up lower-cased) until nothing matches.
	// The bound only guards against a cycle, on which Python would hang; the
	// generator rejects tables that have one.
	for i := 0; e.suffix != "" && i <= len(pySuffixMap); i++ {
		base, ext = splitExt(base + e.suffix)
		e, _ = lowerLookup(pyIndex, ext)
	}
	// An encoding suffix (case-sensitive) is dropped, once: x.txt.br is
	// text/plain, x.txt.BR unknown.
	if e.enc != "" && ext == e.enc {
		_, ext = splitExt(base)
		e, _ = lowerLookup(pyIndex, ext)
	}
	return e.typ
}

// pyEntry is what Python's three tables say about one lower-cased extension.
type pyEntry struct {
	typ    string // pyTypesMap
	suffix string // pySuffixMap: the extensions this one stands for
	enc    string // the pyEncodingsMap key of this lower-case form; matched exactly
}

// pyIndex merges mimetable.go's maps by lower-cased extension, so that
// guessPython usually needs a single map lookup.
var pyIndex = func() map[string]pyEntry {
	m := make(map[string]pyEntry, len(pyTypesMap)+len(pySuffixMap)+len(pyEncodingsMap))
	for ext, typ := range pyTypesMap {
		e := m[ext]
		e.typ = typ
		m[ext] = e
	}
	for ext, repl := range pySuffixMap {
		e := m[ext]
		e.suffix = repl
		m[ext] = e
	}
	for ext := range pyEncodingsMap {
		low := strings.ToLower(ext) // ASCII; TestMimeTable checks for collisions
		e := m[low]
		e.enc = ext
		m[low] = e
	}
	return m
}()

// splitExt splits p like Python's posixpath.splitext: ext is the text from
// the last dot of the last segment, unless only dots precede that dot in the
// segment (".bashrc", "..txt" and "..." have no extension). "a." has ".".
func splitExt(p string) (base, ext string) {
	sep := strings.LastIndexByte(p, '/')
	dot := strings.LastIndexByte(p, '.')
	if dot > sep {
		for i := sep + 1; i < dot; i++ {
			if p[i] != '.' {
				return p[:dot], p[dot:]
			}
		}
	}
	return p, ""
}

// lowerLookup looks s up in m after lower-casing it like Python's
// str.lower(). Short ASCII strings are lowered in a stack buffer.
func lowerLookup[V any](m map[string]V, s string) (V, bool) {
	if isLowerASCII(s) {
		v, ok := m[s]
		return v, ok
	}
	var buf [32]byte
	if b, ok := appendLowerASCII(buf[:0], s); ok {
		v, ok := m[string(b)] // no allocation: the conversion is only a key
		return v, ok
	}
	v, ok := m[pyLower(s)]
	return v, ok
}

// isLowerASCII reports whether s is ASCII without upper-case letters, so
// that lower-casing it changes nothing.
func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// appendLowerASCII appends s, lower-cased, to dst. It reports false, having
// appended a part, if s is not all ASCII.
func appendLowerASCII(dst []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return dst, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst, true
}

// pyLower lower-cases s as Python's str.lower() does, for what matters when
// the result is compared with table keys: U+0130 (İ) becomes "i\u0307"
// (Python's full case mapping; Go's simple one gives a plain "i"), other
// runes take Go's simple lower case (the Kelvin sign becomes "k" in both),
// and bytes that are not UTF-8 stay as they are. Python's final-sigma rule
// is not reproduced: no key contains a sigma.
func pyLower(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 1)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte(s[i])
		case r == '\u0130':
			b.WriteString("i\u0307")
		default:
			b.WriteRune(unicode.ToLower(r))
		}
		i += size
	}
	return b.String()
}

// sniffLimit bounds how much of a file sniffType reads, whatever its size:
// mimetype's own default read limit (4096 bytes in v1.4.16; 3072 in older
// releases). Formats whose signature can lie further in (docx, xlsx, per
// mimetype.SetLimit's doc) may then come out as a parent type such as
// application/zip. Only main may change mimetype's global limit: a smaller
// one makes mimetype look at less of what we read, a larger one cannot make
// us read more.
const sniffLimit = 4096

var sniffBufs = sync.Pool{New: func() any { return new([sniffLimit]byte) }}

// sniffType is the last resort for a type no table knows (beyond Python,
// which sends application/octet-stream): it reads at most sniffLimit
// bytes from the start of f, detects their type with mimetype, and seeks f
// back to offset 0. It returns "" if reading or seeking fails, or if mimetype only
// knows application/octet-stream. The result may carry a charset parameter
// ("text/plain; charset=utf-8"). f must be at offset 0.
func sniffType(f io.ReadSeeker) string {
	buf := sniffBufs.Get().(*[sniffLimit]byte)
	defer sniffBufs.Put(buf)
	n, err := io.ReadFull(f, buf[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return ""
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return ""
	}
	return sniffBytes(buf[:n])
}

// sniffBytes is sniffType for a file's content in memory: it looks at no
// more than sniffType would read.
func sniffBytes(b []byte) string {
	typ := mimetype.Detect(b[:min(len(b), sniffLimit)]).String()
	if typ == "application/octet-stream" {
		return ""
	}
	return typ
}
