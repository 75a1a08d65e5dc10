package errorpage

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/internal/pyescape"
)

// defaultFormat is Python 3.14's error_message_format (DEFAULT_ERROR_MESSAGE),
// a %-format string with the keys code, message and explain.
//
//go:embed default.html
var defaultFormat string

// defaultContentType is Python's error_content_type
// (DEFAULT_ERROR_CONTENT_TYPE). Note the missing space after the semicolon.
const defaultContentType = "text/html;charset=utf-8"

// defaultPage renders Python's page. It is what [Error] uses.
var defaultPage = &page{
	segs:        mustParsePython(defaultFormat),
	contentType: defaultContentType,
}

func mustParsePython(s string) []segment {
	segs, err := parsePython(s)
	if err != nil {
		panic(err) // only for defaultFormat; its tests pass
	}
	return segs
}

// page renders one error-page format: a custom [Format], or else Python's
// %-format segments by substitution, as send_error does. It is safe for
// concurrent use once its fields are set, and must not be copied after
// first use.
type page struct {
	segs        []segment // Python's page, if format is nil
	format      *Format
	contentType string // Content-Type of the rendered body

	cache bodyCache
}

// pageData holds the fields of Python's error_message_format, for a custom
// [Format]. Message and Explain are already escaped the way send_error
// escapes them, so that html/template does not escape them again (it would
// also turn ' and " into &#39; and &#34;, which Python leaves alone).
type pageData struct {
	Code    int
	Message template.HTML
	Explain template.HTML
}

// body returns the page for code, message and explain, which are final
// (defaults already applied) and not yet escaped. The result is shared: the
// caller must not modify it.
func (p *page) body(code int, message, explain string) []byte {
	return p.mustRender(code, message, explain).body
}

// mustRender is render for Python's page, which does not fail.
func (p *page) mustRender(code int, message, explain string) rendered {
	b, err := p.render(code, message, explain)
	if err != nil {
		panic(err) // only a custom Format fails, and only the default page uses it
	}
	return b
}

// render is body, with the Content-Length, for a page whose custom format
// may fail.
func (p *page) render(code int, message, explain string) (rendered, error) {
	key := cacheKey{code, message, explain}
	if b, ok := p.cache.get(key); ok {
		return b, nil
	}
	// replaceInvalidUTF8 first: pyescape.HTML would turn invalid bytes
	// into U+FFFD, where send_error writes '?'.
	message = pyescape.HTML(replaceInvalidUTF8(message))
	explain = pyescape.HTML(replaceInvalidUTF8(explain))
	var buf bytes.Buffer
	buf.Grow(len(defaultFormat) + len(message) + len(explain) + 16)
	if p.format == nil {
		for _, seg := range p.segs {
			buf.WriteString(seg.text)
			switch seg.field {
			case "code":
				buf.WriteString(strconv.Itoa(code))
			case "message":
				buf.WriteString(message)
			case "explain":
				buf.WriteString(explain)
			}
		}
	} else if err := p.format.exec(&buf, pageData{code, template.HTML(message), template.HTML(explain)}); err != nil {
		// Writing to a bytes.Buffer cannot fail, so only a broken template
		// gets here. ParseFormat tries a template once, but it can still
		// fail for some codes only ({{if}} around a bad call).
		return rendered{}, fmt.Errorf("errorpage: executing %s: %w", p.format.name, err)
	}
	b := newRendered(buf.Bytes())
	p.cache.put(key, b)
	return b, nil
}

// rendered is a response body and its Content-Length header value, both
// shared between responses: no one may modify them. (net/http copies the
// header values it sends, and an append to a slice at capacity copies it.)
type rendered struct {
	body   []byte
	length []string
	// logLine is logLine(code, message) of the page's key, made once
	// when the page is cached; "" for a page that is not.
	logLine string
}

func newRendered(body []byte) rendered {
	return rendered{body: body, length: []string{strconv.Itoa(len(body))}}
}

// Limits of the body cache. Error pages for the same code and message
// repeat all the time (404 "File not found"), so the rendered bodies are
// kept; but message and explain may come from the request (a method name, a
// path), so the cache must not grow with what clients send.
const (
	// cacheSize is the number of bodies kept per page. When it is full, an
	// arbitrary entry makes room for the new one.
	cacheSize = 64
	// maxCachedText is the longest len(message)+len(explain) that is
	// cached. Longer texts are rendered on every call. With it, a full
	// cache holds at most a few hundred KiB.
	maxCachedText = 512
)

type cacheKey struct {
	code             int
	message, explain string
}

// bodyCache is a small bounded map from page fields to rendered bodies.
// Its zero value is empty and ready to use; it is safe for concurrent use.
type bodyCache struct {
	mu sync.RWMutex
	m  map[cacheKey]rendered
}

func (c *bodyCache) get(k cacheKey) (rendered, bool) {
	c.mu.RLock()
	b, ok := c.m[k]
	c.mu.RUnlock()
	return b, ok
}

func (c *bodyCache) put(k cacheKey, b rendered) {
	if len(k.message)+len(k.explain) > maxCachedText {
		return
	}
	// The texts may be substrings of a much larger string (r.URL.Path
	// shares the request line, query included): keep copies, not it.
	k.message, k.explain = strings.Clone(k.message), strings.Clone(k.explain)
	b.logLine = logLine(k.code, k.message)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[cacheKey]rendered, cacheSize)
	}
	if _, ok := c.m[k]; !ok && len(c.m) >= cacheSize {
		for old := range c.m { // map order is random: random eviction
			delete(c.m, old)
			break
		}
	}
	c.m[k] = b
}

func (c *bodyCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// replaceInvalidUTF8 mirrors the content.encode('UTF-8', 'replace') of
// send_error. A Python str can hold a lone surrogate, which is how Python
// carries undecodable bytes (os.fsdecode's surrogateescape), and 'replace'
// turns each into '?'. A Go string holds the raw byte instead, so each byte
// that is not part of valid UTF-8 becomes '?'. The page always declares
// charset=utf-8 and is always valid UTF-8.
func replaceInvalidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte('?')
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
