package hardening

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func init() {
	commandTests["slowloris"] = testSlowloris
	commandTests["silent"] = testSilent
	commandTests["idle"] = testIdle
	commandTests["limits"] = testLimits
	commandTests["stalled-body"] = testStalledBody
}

// testSlowloris opens 50 connections that send a request one byte a
// second and never finish its header. While they are open, a normal
// request is served; then the header timeout closes every one of them,
// no sooner than it should, without a response.
func testSlowloris(t *testing.T, bin *binary) {
	const conns = 50
	args, headerTimeout, _ := bin.timeouts(3*time.Second, time.Minute)
	s := startServer(t, bin, args...)

	// An endless request: the header never ends.
	const request = "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Slow: "
	slowByte := func(i int) byte {
		if i < len(request) {
			return request[i]
		}
		return 'a'
	}

	type result struct {
		open time.Duration // from dial to close
		got  string        // what the server sent
	}
	var (
		started sync.WaitGroup // each has sent its first byte
		done    sync.WaitGroup
		nClosed atomic.Int32
		results = make([]result, conns)
	)
	started.Add(conns)
	done.Add(conns)
	for i := range conns {
		t0 := time.Now()
		c := s.dial(t)
		go func() {
			defer done.Done()
			stop := make(chan struct{})
			go func() {
				// One byte a second until the server closes the connection.
				tick := time.NewTicker(time.Second)
				defer tick.Stop()
				for n := 0; ; n++ {
					_, err := c.Write([]byte{slowByte(n)})
					if n == 0 {
						if err != nil {
							t.Errorf("slow connection %d: first write: %v", i, err)
						}
						started.Done()
					}
					if err != nil {
						return
					}
					select {
					case <-tick.C:
					case <-stop:
						return
					}
				}
			}()
			c.SetReadDeadline(time.Now().Add(waitLimit))
			got, err := io.ReadAll(c)
			results[i] = result{open: time.Since(t0), got: string(got)}
			nClosed.Add(1)
			close(stop)
			if err != nil && !isReset(err) {
				t.Errorf("slow connection %d: still open after %v: %v", i, waitLimit, err)
			}
		}()
	}

	started.Wait()
	// All 50 are open and sending: a normal request must not wait for them.
	for range 3 {
		s.checkServes(t)
	}
	if n := nClosed.Load(); n != 0 {
		t.Errorf("%d of %d slow connections were closed before the normal requests were served: "+
			"the server did not serve them while the slow ones were open", n, conns)
	}

	done.Wait()
	for i, r := range results {
		if r.open < headerTimeout {
			t.Errorf("slow connection %d closed after %v, before the header timeout (%v)", i, r.open, headerTimeout)
		}
		if !timeoutClose(r.got) {
			t.Errorf("slow connection %d: server sent %q, want a close, with no response or a 400 or 408", i, tail(r.got, 200))
		}
	}
	s.alive(t)
	s.checkServes(t)
}

// timeoutClose reports whether got is what a server may send before it
// closes a connection whose request did not come in time: nothing, or (as
// net/http does for a partial request) a 400 or 408 response.
func timeoutClose(got string) bool {
	if got == "" {
		return true
	}
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(got)), nil)
	if err != nil {
		return false
	}
	body, err := io.ReadAll(resp.Body)
	return err == nil && resp.Close && (resp.StatusCode == 400 || resp.StatusCode == 408) &&
		strings.HasSuffix(got, string(body)) && len(body) < len(got)
}

// testSilent checks that connections that never send a byte are closed
// by the header timeout, without a response.
func testSilent(t *testing.T, bin *binary) {
	const conns = 20
	args, headerTimeout, _ := bin.timeouts(2*time.Second, time.Minute)
	s := startServer(t, bin, args...)
	var wg sync.WaitGroup
	for i := range conns {
		t0 := time.Now() // before the server can accept it
		c := s.dial(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			checkClosedBy(t, c, fmt.Sprintf("silent connection %d", i), t0, headerTimeout, "header timeout")
		}()
	}
	wg.Wait()
	s.alive(t)
	s.checkServes(t)
}

// testIdle checks that keep-alive connections left idle after a response
// are closed by the idle timeout.
func testIdle(t *testing.T, bin *binary) {
	const conns = 20
	args, _, idleTimeout := bin.timeouts(2*time.Second, time.Second)
	if idleTimeout > waitLimit/2 {
		t.Skipf("simplehttp has no --idle-timeout flag: this test would wait %v, the built-in idle timeout", idleTimeout)
	}
	s := startServer(t, bin, args...)
	var wg sync.WaitGroup
	for i := range conns {
		c := s.dial(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := bufio.NewReader(c)
			// Two requests on the connection: it is kept alive. The
			// server starts the idle timeout once it has sent the
			// second response, after t0.
			var t0 time.Time
			for range 2 {
				t0 = time.Now()
				if _, err := io.WriteString(c, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Errorf("idle connection %d: %v", i, err)
					return
				}
				c.SetReadDeadline(time.Now().Add(waitLimit))
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Errorf("idle connection %d: %v", i, err)
					return
				}
				body, err := io.ReadAll(resp.Body)
				if err != nil || resp.StatusCode != 200 || string(body) != siteFiles["hello.txt"] || resp.Close {
					t.Errorf("idle connection %d: GET /hello.txt: %s %q (close %v, err %v), want 200 %q kept alive",
						i, resp.Status, body, resp.Close, err, siteFiles["hello.txt"])
					return
				}
			}
			checkClosedBy(t, c, fmt.Sprintf("idle connection %d", i), t0, idleTimeout, "idle timeout")
		}()
	}
	wg.Wait()
	s.alive(t)
	s.checkServes(t)
}

// testStalledBody sends requests that announce a body, send 10 bytes of
// it and stop, to handlers that do not read it (a file, a 501). Each gets
// its answer at once, and then the connection is closed, in both protocol
// modes: net/http's own wait for the rest of such a body has no deadline
// (before the response, on a connection kept alive; after it, on one
// that closes).
func testStalledBody(t *testing.T, bin *binary) {
	args, _, idleTimeout := bin.timeouts(2*time.Second, time.Second)
	if idleTimeout > waitLimit/2 {
		t.Skipf("simplehttp has no --idle-timeout flag: this test would wait %v, the built-in idle timeout", idleTimeout)
	}
	for _, protocol := range []string{"HTTP/1.1", "HTTP/1.0"} {
		s := startServer(t, bin, append(args, "-p", protocol)...)
		for _, tt := range []struct {
			method string
			status int
		}{{"GET", 200}, {"POST", 501}} {
			what := fmt.Sprintf("-p %s: %s with a stalled body", protocol, tt.method)
			c := s.dial(t)
			if _, err := io.WriteString(c, tt.method+" /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"); err != nil {
				t.Fatal(err)
			}
			c.SetReadDeadline(time.Now().Add(waitLimit))
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Errorf("%s: no answer: %v", what, err)
				continue
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != tt.status || tt.status == 200 && string(body) != siteFiles["hello.txt"] {
				t.Errorf("%s: %s %q, %v; want %d", what, resp.Status, body, err, tt.status)
			}
			if rest, err := io.ReadAll(br); err != nil && !isReset(err) || len(rest) != 0 {
				t.Errorf("%s: after the answer, %q, %v; want the connection closed", what, rest, err)
			}
		}
		s.alive(t)
		s.checkServes(t)
	}
}

// checkClosedBy waits for the server to close c, and checks that it did so
// no sooner than timeout after since and without sending anything.
func checkClosedBy(t *testing.T, c net.Conn, what string, since time.Time, timeout time.Duration, timeoutName string) {
	t.Helper()
	got, err := waitClosed(c)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if open := time.Since(since); open < timeout {
		t.Errorf("%s closed after %v, before the %s (%v)", what, open, timeoutName, timeout)
	}
	if len(got) != 0 {
		t.Errorf("%s: server sent %q, want a close without a response", what, tail(string(got), 200))
	}
}

// testLimits checks the limits on the request line and the header: past
// them the answer is Python's 414 or 431, and the server stays up.
func testLimits(t *testing.T, bin *binary) {
	s := startServer(t, bin)
	header := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString("X-H")
			b.WriteString(strings.Repeat("a", i%10))
			b.WriteString(": v\r\n")
		}
		return b.String()
	}
	// Python reads the request line, and each header line, with
	// readline(65537): a line of 65536 bytes with its CRLF is served, one
	// byte more is refused.
	target := func(lineLen int) string {
		return "/" + strings.Repeat("a", lineLen-len("GET / HTTP/1.1\r\n"))
	}
	tests := []struct {
		name       string
		raw        string
		wantStatus int
	}{
		{"request line of 64 KiB", "GET " + target(65536) + " HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{"request line of 64 KiB + 1", "GET " + target(65537) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"request line of 1 MiB", "GET " + target(1<<20) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"header line of 64 KiB", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("v", 65536-len("X: \r\n")) + "\r\n\r\n", 200},
		{"header line of 64 KiB + 1", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("v", 65537-len("X: \r\n")) + "\r\n\r\n", 431},
		// Python counts the empty line that ends the head as one of its
		// 100 lines: 99 headers at most.
		{"99 headers", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n" + header(98) + "\r\n", 200},
		{"100 headers", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n" + header(99) + "\r\n", 431},
		{"10,000 headers", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n" + header(10000) + "\r\n", 431},
		{"header of 2 MiB in 64 KiB lines", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n" +
			strings.Repeat("X: "+strings.Repeat("v", 60000)+"\r\n", 35) + "\r\n", 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := s.dial(t)
			c.SetDeadline(time.Now().Add(waitLimit))
			// The server may answer before it has read the whole request:
			// write and read at once.
			go io.WriteString(c, tt.raw)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("%s: status = %d, want %d (body %q)", tt.name, resp.StatusCode, tt.wantStatus, tail(string(body), 300))
			}
			// A refused head closes the connection; a 404 keeps it
			// (-p HTTP/1.1: errorpage without CloseAfterError).
			if refused := tt.wantStatus == 414 || tt.wantStatus == 431; resp.Close != refused {
				t.Errorf("%s: %d with Connection: close %v, want %v", tt.name, resp.StatusCode, resp.Close, refused)
			}
			s.alive(t)
			s.checkServes(t)
		})
	}
}
