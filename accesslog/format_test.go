package accesslog

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/internal/goldenfile"
)

// golden compares got with testdata/<test>/<name>.golden, which holds our
// own output, or rewrites the file with -update (goldenfile.Check).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", filepath.FromSlash(t.Name()), name+".golden"), got)
}

// fixedTime is the clock of every golden line: 5 March 2024 09:07:03.25 at
// UTC+01:00.
var fixedTime = time.Date(2024, time.March, 5, 9, 7, 3, 250e6, time.FixedZone("CET", 3600))

// logged is what the middleware writes a line from: the record and the
// Entry's messages.
type logged struct {
	record
	messages []string
}

// formatRecord renders rec in format f as the middleware writes it.
func formatRecord(t *testing.T, f Format, rec logged) []byte {
	t.Helper()
	var buf bytes.Buffer
	m, err := New(Options{Writer: &buf, Format: f})
	if err != nil {
		t.Fatal(err)
	}
	if f == JSON {
		m.logJSON(t.Context(), &rec.record, rec.messages)
	} else {
		var line []byte
		if f == Python {
			for _, msg := range rec.messages {
				line = m.text.appendMessage(line, rec.remote, rec.time, msg)
			}
		}
		line = m.text.appendRequest(line, &rec.record)
		m.out.writeLines(line)
	}
	return buf.Bytes()
}

func TestFormat(t *testing.T) {
	base := logged{record: record{
		time:      fixedTime,
		remote:    "127.0.0.1",
		method:    "GET",
		uri:       "/a%20b?x=1",
		proto:     "HTTP/1.1",
		status:    200,
		bytes:     1024,
		duration:  1500 * time.Microsecond,
		referer:   "http://example.com/",
		userAgent: "curl/8.5.0",
	}}
	tests := []struct {
		name string
		edit func(*logged)
	}{
		{"get", func(*logged) {}},
		// Python logs "code 404, message File not found" first (log_error).
		{"error_message", func(r *logged) {
			r.uri, r.status, r.bytes = "/missing", 404, 335
			r.messages = []string{"code 404, message File not found"}
		}},
		// HEAD and 304 send no body: SIZE is "-".
		{"no_body", func(r *logged) { r.method, r.bytes = "HEAD", 0 }},
		{"ipv6", func(r *logged) { r.remote = "::1" }},
		// Everything the client controls is scrubbed; '"' is escaped in CLF.
		{"control", func(r *logged) {
			r.method = "G\x1bET"
			r.uri = "/\x1b[31m\\x\x85\u0085\u009b\xff\x7f\x00?q=\r\n"
			r.userAgent = "evil\"agent\t\x9b"
			r.referer = "\\\""
			r.messages = []string{"code 400, message Bad request syntax ('\x1b[2J')"}
		}},
		{"basic_user", func(r *logged) { r.user = "al\"ice\n" }},
		// A panic or a hijack before any status: "-" for status and size.
		{"hijacked", func(r *logged) { r.status, r.bytes, r.hijacked = 0, 0, true }},
		{"panicked", func(r *logged) { r.status, r.bytes, r.panicked = 0, 0, true }},
		{"no_headers", func(r *logged) { r.referer, r.userAgent, r.remote = "", "", "" }},
		// A request line refused as too long (Entry.OmitRequestLine):
		// Python logs "" 414 -, CLF "-".
		{"request_line_omitted", func(r *logged) {
			r.method, r.uri, r.proto, r.status, r.bytes = "", "", "", 414, 0
			r.messages = []string{"code 414, message URI Too Long"}
		}},
	}
	for _, f := range []Format{Python, Common, Combined, JSON} {
		t.Run(f.String(), func(t *testing.T) {
			for _, tt := range tests {
				rec := base
				tt.edit(&rec)
				golden(t, tt.name, formatRecord(t, f, rec))
			}
		})
	}
}

func TestStampCache(t *testing.T) {
	c := stampCache{layout: pythonLayout}
	got := string(c.append(nil, fixedTime))
	if got != "05/Mar/2024 09:07:03" {
		t.Fatalf("stamp = %q", got)
	}
	first := c.last.Load()
	c.append(nil, fixedTime.Add(500*time.Millisecond)) // same second
	if c.last.Load() != first {
		t.Error("time stamp reformatted within the same second")
	}
	if got := string(c.append(nil, fixedTime.Add(time.Second))); got != "05/Mar/2024 09:07:04" {
		t.Errorf("next second = %q", got)
	}
	if got := string(c.append(nil, fixedTime.Add(time.Second).UTC())); got != "05/Mar/2024 08:07:04" {
		t.Errorf("other location = %q", got)
	}
	allocs := testing.AllocsPerRun(100, func() { c.append(make([]byte, 0, 64), fixedTime.UTC().Add(time.Second)) })
	if allocs > 1 { // the make
		t.Errorf("cached stamp: %v allocs", allocs)
	}
}

// TestFormatText: a Format is written and read by name, as flags and
// configuration files (encoding/json, TOML) take it.
func TestFormatText(t *testing.T) {
	for f, name := range map[Format]string{Python: "python", Common: "common", Combined: "combined", JSON: "json"} {
		b, err := f.MarshalText()
		if err != nil || string(b) != name {
			t.Errorf("%v.MarshalText() = %q, %v; want %q", int(f), b, err, name)
		}
		var g Format
		if err := g.UnmarshalText([]byte(name)); err != nil || g != f {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", name, g, err, f)
		}
	}
	var cfg struct{ Format Format }
	if err := json.Unmarshal([]byte(`{"Format":"combined"}`), &cfg); err != nil || cfg.Format != Combined {
		t.Errorf("json.Unmarshal: %v, %v; want combined", cfg.Format, err)
	}
	if out, err := json.Marshal(cfg); err != nil || string(out) != `{"Format":"combined"}` {
		t.Errorf("json.Marshal = %s, %v", out, err)
	}
	var g Format
	for _, bad := range []string{"apache", "Python", "", "json "} {
		if err := g.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q): no error", bad)
		}
	}
	if _, err := Format(7).MarshalText(); err == nil {
		t.Error("Format(7).MarshalText(): no error")
	}
}
