package reqlog

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

// carrier is what the access-log middleware hands to handlers.
type carrier struct {
	http.ResponseWriter
	e Entry
}

func (c *carrier) ReqLogEntry() *Entry         { return &c.e }
func (c *carrier) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// foreign is another package's wrapper with Unwrap (chi's, say).
type foreign struct{ http.ResponseWriter }

func (f *foreign) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// opaque is a wrapper without Unwrap: the chain ends there.
type opaque struct{ http.ResponseWriter }

// loop is a broken wrapper whose Unwrap returns itself.
type loop struct{ http.ResponseWriter }

func (l *loop) Unwrap() http.ResponseWriter { return l }

func TestFrom(t *testing.T) {
	c := &carrier{ResponseWriter: httptest.NewRecorder()}
	ctxEntry := new(Entry)
	withEntry := httptest.NewRequestWithContext(NewContext(context.Background(), ctxEntry), "GET", "/", nil)
	tests := []struct {
		name string
		w    http.ResponseWriter
		r    *http.Request
		want *Entry
	}{
		{"carrier", c, nil, &c.e},
		{"through foreign wrappers", &foreign{&foreign{c}}, nil, &c.e},
		{"writer before context", &foreign{c}, withEntry, &c.e},
		{"chain broken", &opaque{c}, nil, nil},
		{"chain broken, context", &opaque{c}, withEntry, ctxEntry},
		{"no access log", httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), nil},
		{"nil writer", nil, nil, nil},
		{"Unwrap loop", &loop{c}, nil, nil},
	}
	for _, tt := range tests {
		if got := From(tt.w, tt.r); got != tt.want {
			t.Errorf("%s: From = %p, want %p", tt.name, got, tt.want)
		}
	}
}

func TestEntry(t *testing.T) {
	var none *Entry
	none.Log("dropped") // no access log installed: must not panic
	if none.Messages() != nil {
		t.Fatal("nil Entry has messages")
	}

	c := &carrier{ResponseWriter: httptest.NewRecorder()}
	w := &foreign{c}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); From(w, nil).Log("m") }()
	}
	wg.Wait()
	if n := len(c.e.Messages()); n != 10 {
		t.Fatalf("%d messages, want 10", n)
	}
	c.e.Reset()
	if got := c.e.Messages(); got != nil {
		t.Fatalf("after Reset, Messages() = %q", got)
	}
	c.e.Log("code 404, message File not found")
	if got := c.e.Messages(); !slices.Equal(got, []string{"code 404, message File not found"}) {
		t.Fatalf("Messages() = %q", got)
	}
}

// Finding the Entry through wrappers costs no allocation.
func TestFromAllocs(t *testing.T) {
	c := &carrier{ResponseWriter: httptest.NewRecorder()}
	var w http.ResponseWriter = &foreign{&foreign{c}}
	if n := testing.AllocsPerRun(100, func() {
		if From(w, nil) != &c.e {
			t.Fatal("not found")
		}
	}); n != 0 {
		t.Errorf("From: %v allocs, want 0", n)
	}
}

func TestOmitRequestLine(t *testing.T) {
	var e Entry
	if e.RequestLineOmitted() {
		t.Fatal("a new Entry omits the request line")
	}
	e.OmitRequestLine()
	if !e.RequestLineOmitted() {
		t.Fatal("OmitRequestLine did not take")
	}
	e.Reset()
	if e.RequestLineOmitted() {
		t.Error("Reset kept the omission for the next request")
	}
	var nilEntry *Entry // no access log installed
	nilEntry.OmitRequestLine()
	if nilEntry.RequestLineOmitted() {
		t.Error("a nil Entry reports an omission")
	}
}
