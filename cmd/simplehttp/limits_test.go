package main

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCheckHead checks Python's limits at their boundaries, on requests
// parsed by net/http from the bytes a client sends. The boundaries were
// measured against python3 -m http.server: a request line or header line
// of 65536 bytes with its CRLF passes, one more byte does not; 99 header
// lines pass, 100 do not (Python counts the empty line that ends the head).
func TestCheckHead(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	headers := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "X%d: y\r\n", i)
		}
		return b.String()
	}
	tests := []struct {
		name     string
		head     string
		wantCode int
		wantMsg  string
	}{
		// "GET /" + path + " HTTP/1.1\r\n" is 16 bytes plus the path.
		{"request line at the limit", "GET /" + a(65536-16) + " HTTP/1.1\r\nHost: x\r\n\r\n", 0, ""},
		{"request line over the limit", "GET /" + a(65536-15) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, ""},
		// "X: " + value + "\r\n" is 5 bytes plus the value.
		{"header line at the limit", "GET / HTTP/1.1\r\nX: " + a(65536-5) + "\r\n\r\n", 0, ""},
		{"header line over the limit", "GET / HTTP/1.1\r\nX: " + a(65536-4) + "\r\n\r\n", 431, "Line too long"},
		{"Host line over the limit", "GET / HTTP/1.1\r\nHost: " + a(65536-7) + "\r\n\r\n", 431, "Line too long"},
		{"99 headers", "GET / HTTP/1.1\r\n" + headers(99) + "\r\n", 0, ""},
		{"100 headers", "GET / HTTP/1.1\r\n" + headers(100) + "\r\n", 431, "Too many headers"},
		{"98 headers and Host", "GET / HTTP/1.1\r\nHost: x\r\n" + headers(98) + "\r\n", 0, ""},
		{"99 headers and Host", "GET / HTTP/1.1\r\nHost: x\r\n" + headers(99) + "\r\n", 431, "Too many headers"},
		// net/http moves Transfer-Encoding out of the header map.
		{"98 headers and Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + headers(98) + "\r\n0\r\n\r\n", 0, ""},
		{"99 headers and Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + headers(99) + "\r\n0\r\n\r\n", 431, "Too many headers"},
		{"repeated header counts each line", "GET / HTTP/1.1\r\n" + strings.Repeat("X: y\r\n", 100) + "\r\n", 431, "Too many headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(tt.head)))
			if err != nil {
				t.Fatal(err)
			}
			code, msg, _ := checkHead(r)
			if code != tt.wantCode || msg != tt.wantMsg {
				t.Errorf("checkHead = %d %q, want %d %q", code, msg, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

// TestChunkedRequestCloses: after a request whose body is framed by
// Transfer-Encoding (with or without a Content-Length, which net/http
// drops), the connection is closed (RFC 9112 §6.1); after one framed by
// Content-Length alone it is not.
func TestChunkedRequestCloses(t *testing.T) {
	h := pythonLimits(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tests := []struct {
		name      string
		head      string
		wantClose bool
	}{
		{"chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", true},
		{"chunked and length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", true},
		{"length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n", false},
		{"no body", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false},
	}
	for _, tt := range tests {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(tt.head)))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if got := rec.Header().Get("Connection") == "close"; got != tt.wantClose {
			t.Errorf("%s: Connection: close %v, want %v", tt.name, got, tt.wantClose)
		}
	}
}
