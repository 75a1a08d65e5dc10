package accesslog

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/internal/pyescape"
)

// SlogHandler returns a [slog.Handler] whose records become lines of this
// log. They go through the same output as the request lines, so that they
// come out in the order they happened, also when [Options.FlushInterval]
// buffers them: a program that logs its diagnostics here and its requests
// through [Middleware.Handler] writes one ordered stream, as Python's
// server writes everything to stderr.
//
// In the [JSON] format a record is a JSON object with time (left out for
// a record without one, as slog's own handlers do), level, msg and its
// attributes, every string scrubbed. In the others it is a line in the
// format of Python's log_message, the lines log_error writes, stamped
// with the middleware's clock when the record has no time:
//
//	127.0.0.1 - - [05/Mar/2024 09:07:03] cgi-bin/hello.py: warning: x is unset script=/cgi-bin/hello.py
//
// The address is the client's when the record was logged with the context
// of a request that passes through this log (see [FromContext]), "-"
// otherwise; the time is the record's, in its own location. The attributes
// follow the message as key=value, quoted where needed as slog's text
// handler quotes them, with groups as dotted prefixes. Message and
// attributes are scrubbed as everything else in the log is ([Scrub]).
//
// Records below opts.Level (slog.LevelInfo if opts or its Level is nil) are
// dropped. opts.AddSource and opts.ReplaceAttr are honoured by the JSON
// format only.
func (m *Middleware) SlogHandler(opts *slog.HandlerOptions) slog.Handler {
	if m.out == nil {
		panic(errNotNew)
	}
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	if m.format == JSON {
		o := *opts
		o.ReplaceAttr = scrubAttr(opts.ReplaceAttr)
		return groupScrubber{slog.NewJSONHandler(lineWriter{m.out}, &o)}
	}
	return &textHandler{out: m.out, level: opts.Level, stamps: &stampCache{layout: pythonLayout}, now: m.now}
}

// groupScrubber scrubs the names of groups (WithGroup, slog.Group) before
// they reach the JSON handler, whose ReplaceAttr (scrubAttr) sees every
// other key but never a group's: JSON escapes C0 controls in a key but
// leaves DEL and the C1 controls raw.
type groupScrubber struct{ slog.Handler }

func (h groupScrubber) WithGroup(name string) slog.Handler {
	return groupScrubber{h.Handler.WithGroup(Scrub(name))}
}

func (h groupScrubber) WithAttrs(as []slog.Attr) slog.Handler {
	return groupScrubber{h.Handler.WithAttrs(scrubGroups(as))}
}

func (h groupScrubber) Handle(ctx context.Context, r slog.Record) error {
	clean := true
	r.Attrs(func(a slog.Attr) bool {
		clean = !needsGroupScrub(a)
		return clean
	})
	if !clean {
		as := make([]slog.Attr, 0, r.NumAttrs())
		r.Attrs(func(a slog.Attr) bool {
			as = append(as, a)
			return true
		})
		r = slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
		r.AddAttrs(scrubGroups(as)...)
	}
	return h.Handler.Handle(ctx, r)
}

// needsGroupScrub reports whether a is or holds a group whose name Scrub
// changes.
func needsGroupScrub(a slog.Attr) bool {
	v := a.Value.Resolve()
	if v.Kind() != slog.KindGroup {
		return false
	}
	return Scrub(a.Key) != a.Key || slices.ContainsFunc(v.Group(), needsGroupScrub)
}

// scrubGroups returns as with the names of its groups, nested ones
// included, scrubbed; as itself when none needs it.
func scrubGroups(as []slog.Attr) []slog.Attr {
	if !slices.ContainsFunc(as, needsGroupScrub) {
		return as
	}
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		if needsGroupScrub(a) {
			a = slog.Attr{Key: Scrub(a.Key), Value: slog.GroupValue(scrubGroups(a.Value.Resolve().Group())...)}
		}
		out[i] = a
	}
	return out
}

// scrubAttr returns a ReplaceAttr for slog's JSON handler that applies
// next (if any), then scrubs every key and string, the message included,
// as the access log scrubs what it writes: JSON escapes C0 controls but
// leaves DEL and the C1 controls raw. Values of other kinds than the scalar ones
// (errors, structs) are written as their text, scrubbed.
func scrubAttr(next func([]string, slog.Attr) slog.Attr) func([]string, slog.Attr) slog.Attr {
	return func(groups []string, a slog.Attr) slog.Attr {
		if next != nil {
			a = next(groups, a)
		}
		a.Key = Scrub(a.Key)
		switch v := a.Value.Resolve(); v.Kind() {
		case slog.KindString:
			a.Value = slog.StringValue(Scrub(v.String()))
		case slog.KindAny:
			if v.Any() == nil {
				// An empty Attr (dropped by ReplaceAttr, or given as
				// slog.Attr{}) must stay empty for the handler to
				// leave it out; slog.Any(k, nil) is written as null.
				break
			}
			if err, ok := v.Any().(error); ok {
				a.Value = slog.StringValue(Scrub(err.Error()))
			} else {
				a.Value = slog.StringValue(Scrub(fmt.Sprint(v.Any())))
			}
		}
		return a
	}
}

// textHandler is SlogHandler for the text formats. It is immutable: With*
// return extended copies.
type textHandler struct {
	out    *output
	level  slog.Leveler // nil: Info
	stamps *stampCache
	attrs  []byte // " k=v" of WithAttrs, already formatted
	prefix string // open groups, "g1.g2."
	// now stamps a record without a time (the line needs one): the
	// middleware's clock.
	now func() time.Time
}

func (h *textHandler) Enabled(_ context.Context, l slog.Level) bool {
	lvl := slog.LevelInfo
	if h.level != nil {
		lvl = h.level.Level()
	}
	return l >= lvl
}

func (h *textHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	h2 := *h
	h2.attrs = append([]byte(nil), h.attrs...)
	for _, a := range as {
		h2.attrs = appendAttr(h2.attrs, h.prefix, a)
	}
	return &h2
}

func (h *textHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

func (h *textHandler) Handle(ctx context.Context, r slog.Record) error {
	remote := FromContext(ctx).RemoteAddr()
	if remote == "" {
		remote = "-"
	}
	line := appendAddr(nil, remote)
	line = append(line, " - - ["...)
	t := r.Time
	if t.IsZero() {
		t = h.now()
	}
	line = h.stamps.append(line, t)
	line = append(line, "] "...)
	line = pyescape.AppendLog(line, r.Message)
	line = append(line, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		line = appendAttr(line, h.prefix, a)
		return true
	})
	h.out.writeLines(append(line, '\n'))
	return nil
}

// appendAttr appends " key=value" for a, with groups flattened to dotted
// keys, as slog's TextHandler writes them; empty attributes and groups are
// left out.
func appendAttr(dst []byte, prefix string, a slog.Attr) []byte {
	v := a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return dst
	}
	if v.Kind() == slog.KindGroup {
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, g := range v.Group() {
			dst = appendAttr(dst, prefix, g)
		}
		return dst
	}
	dst = append(dst, ' ')
	dst = appendText(dst, prefix+a.Key)
	dst = append(dst, '=')
	var s string
	if err, ok := v.Any().(error); ok && v.Kind() == slog.KindAny {
		s = err.Error()
	} else {
		s = v.String()
	}
	return appendText(dst, s)
}

// appendText appends s scrubbed and, when slog's TextHandler would quote
// it (empty, or holding a space, '=', '"' or anything not printable), in
// double quotes with '"' written as \" (the scrub has already doubled
// every backslash, so this reads back unambiguously).
func appendText(dst []byte, s string) []byte {
	if !needsQuote(s) {
		return pyescape.AppendLog(dst, s)
	}
	dst = append(dst, '"')
	start := len(dst)
	dst = pyescape.AppendLog(dst, s)
	if bytes.IndexByte(dst[start:], '"') >= 0 {
		dst = append(dst[:start], bytes.ReplaceAll(dst[start:], []byte(`"`), []byte(`\"`))...)
	}
	return append(dst, '"')
}

func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		if r == ' ' || r == '=' || r == '"' || r == utf8.RuneError || !strconv.IsPrint(r) {
			return true
		}
	}
	return false
}
