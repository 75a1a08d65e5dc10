package main

import (
	"bytes"
	"crypto/tls"
	bin "encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// h2Frame is a frame read by h2Client: its type, flags, stream and payload.
type h2Frame struct {
	typ, flags byte
	stream     uint32
	payload    []byte
	at         time.Duration // since the client connected
}

// HTTP/2 frame types and the flags used here (RFC 9113, section 6).
const (
	h2Data         = 0
	h2Headers      = 1
	h2RSTStream    = 3
	h2Settings     = 4
	h2GoAway       = 7
	h2WindowUpdate = 8

	h2EndStream  = 0x1
	h2Ack        = 0x1
	h2EndHeaders = 0x4
)

// h2Client speaks just enough HTTP/2 to play a client that controls its
// flow-control windows: the client preface with SETTINGS_INITIAL_WINDOW_SIZE
// set to window, GET requests with literal header fields, WINDOW_UPDATE
// frames, and a goroutine that acknowledges the server's SETTINGS and hands
// every other frame to frames. It takes whatever DATA arrives (the server
// sends no more than the windows allow).
type h2Client struct {
	conn   *tls.Conn
	start  time.Time
	frames chan h2Frame
	next   uint32 // the next stream identifier
}

func dialH2(t *testing.T, addr string, window uint32) *h2Client {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("ALPN chose %q, want h2", p)
	}
	cl := &h2Client{conn: c, start: time.Now(), frames: make(chan h2Frame, 1024), next: 1}
	settings := make([]byte, 6)
	bin.BigEndian.PutUint16(settings, 4) // SETTINGS_INITIAL_WINDOW_SIZE
	bin.BigEndian.PutUint32(settings[2:], window)
	cl.write(t, []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
	cl.writeFrame(t, h2Settings, 0, 0, settings)
	go cl.read()
	return cl
}

func (cl *h2Client) write(t *testing.T, b []byte) {
	t.Helper()
	if _, err := cl.conn.Write(b); err != nil {
		t.Fatal(err)
	}
}

func (cl *h2Client) writeFrame(t *testing.T, typ, flags byte, stream uint32, payload []byte) {
	t.Helper()
	head := make([]byte, 9, 9+len(payload))
	n := len(payload)
	head[0], head[1], head[2] = byte(n>>16), byte(n>>8), byte(n)
	head[3], head[4] = typ, flags
	bin.BigEndian.PutUint32(head[5:], stream)
	cl.write(t, append(head, payload...))
}

func (cl *h2Client) read() {
	defer close(cl.frames)
	head := make([]byte, 9)
	for {
		if _, err := io.ReadFull(cl.conn, head); err != nil {
			return
		}
		f := h2Frame{typ: head[3], flags: head[4], stream: bin.BigEndian.Uint32(head[5:]) & (1<<31 - 1)}
		f.payload = make([]byte, int(head[0])<<16|int(head[1])<<8|int(head[2]))
		if _, err := io.ReadFull(cl.conn, f.payload); err != nil {
			return
		}
		f.at = time.Since(cl.start)
		if f.typ == h2Settings && f.flags&h2Ack == 0 {
			cl.conn.Write([]byte{0, 0, 0, h2Settings, h2Ack, 0, 0, 0, 0})
			continue
		}
		cl.frames <- f
	}
}

// get sends a GET of path on a new stream, and returns the stream.
func (cl *h2Client) get(t *testing.T, path string) uint32 {
	t.Helper()
	var block []byte
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "https"}, {":path", path}, {":authority", "localhost"}} {
		// A literal header field without indexing, new name (RFC 7541, 6.2.2).
		block = append(block, 0, byte(len(f[0])))
		block = append(block, f[0]...)
		block = append(block, byte(len(f[1])))
		block = append(block, f[1]...)
	}
	id := cl.next
	cl.next += 2
	cl.writeFrame(t, h2Headers, h2EndHeaders|h2EndStream, id, block)
	return id
}

// grant opens the window of stream (0: the connection) by n bytes.
func (cl *h2Client) grant(t *testing.T, stream uint32, n uint32) {
	t.Helper()
	cl.writeFrame(t, h2WindowUpdate, 0, stream, bin.BigEndian.AppendUint32(nil, n))
}

// h2Outcome is what became of a stream: the DATA bytes received, and how
// it ended (at is when).
type h2Outcome struct {
	data  int
	ended bool   // DATA or HEADERS with END_STREAM
	reset uint32 // the RST_STREAM error code, if reset
	at    time.Duration
}

// await reads frames until every stream in want has ended or been reset,
// or until the deadline passes; it returns what it saw of each.
func (cl *h2Client) await(t *testing.T, deadline time.Duration, want ...uint32) map[uint32]*h2Outcome {
	t.Helper()
	got := make(map[uint32]*h2Outcome)
	for _, id := range want {
		got[id] = &h2Outcome{}
	}
	open := len(want)
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	for open > 0 {
		select {
		case f, ok := <-cl.frames:
			if !ok {
				t.Fatalf("connection closed with %d streams open", open)
			}
			o := got[f.stream]
			if f.typ == h2GoAway {
				t.Fatalf("GOAWAY: %x", f.payload)
			}
			if o == nil || o.ended || o.reset != 0 {
				continue
			}
			switch {
			case f.typ == h2RSTStream:
				o.reset, o.at = bin.BigEndian.Uint32(f.payload), f.at
				open--
			case f.typ == h2Data || f.typ == h2Headers:
				if f.typ == h2Data {
					o.data += len(f.payload)
				}
				if f.flags&h2EndStream != 0 {
					o.ended, o.at = true, f.at
					open--
				}
			}
		case <-timer.C:
			return got
		}
	}
	return got
}

// stallServer serves body on every path over HTTP/2 and TLS, through
// stallStreams with timeout, writing 32 KiB at a time as the file server
// does. It sends the error of each response's writes on errs.
func stallServer(t *testing.T, timeout time.Duration, body []byte, pause time.Duration) (addr string, errs chan error) {
	t.Helper()
	errs = make(chan error, 16)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, guarded := w.(*streamGuard); guarded != (r.ProtoMajor == 2 && timeout > 0) {
			t.Errorf("%s request: ResponseWriter is %T", r.Proto, w)
		}
		time.Sleep(pause)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		var err error
		for p := body; len(p) > 0 && err == nil; {
			n := min(len(p), 32<<10)
			_, err = w.Write(p[:n])
			p = p[n:]
		}
		errs <- err
	})
	srv := httptest.NewUnstartedServer(stallStreams(inner, timeout))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), errs
}

func TestStallStreams(t *testing.T) {
	t.Parallel()
	const timeout = 400 * time.Millisecond
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	small := big[:1000]

	t.Run("client takes nothing", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name string
			body []byte
		}{{"1 MiB: the handler's write is blocked", big}, {"1000 bytes: net/http's last flush is blocked", small}} {
			addr, errs := stallServer(t, timeout, tc.body, 0)
			cl := dialH2(t, addr, 0)
			id := cl.get(t, "/")
			// waitLimit bounds a hang; the reset is due about a timeout
			// in, later on a machine short of CPU, where the alarm's
			// late rings do not count (TestStreamGuardLateRing checks
			// that the ring that finds the timeout passed resets).
			o := cl.await(t, waitLimit, id)[id]
			if o.reset != 2 || o.data != 0 {
				t.Fatalf("%s: %+v, want RST_STREAM INTERNAL_ERROR (2) and no data", tc.name, *o)
			}
			// The alarm resets the stream no sooner than the timeout;
			// the deadline after the handler returned, no sooner either.
			if o.at < timeout {
				t.Errorf("%s: reset after %v, before the timeout (%v)", tc.name, o.at, timeout)
			}
			select {
			case err := <-errs:
				if (err == nil) != (len(tc.body) < 4096) {
					t.Errorf("%s: handler's writes returned %v", tc.name, err)
				}
			case <-time.After(waitLimit):
				t.Errorf("%s: the handler did not return", tc.name)
			}
			// The connection serves on.
			cl.grant(t, 0, 1<<20)
			cl.writeFrame(t, h2Settings, 0, 0, []byte{0, 4, 0, 16, 0, 0}) // window 1 MiB
			id = cl.get(t, "/")
			if o := cl.await(t, waitLimit, id)[id]; !o.ended || o.data != len(tc.body) {
				t.Errorf("%s: the next stream got %+v, want all %d bytes", tc.name, *o, len(tc.body))
			}
		}
	})

	t.Run("no guard", func(t *testing.T) {
		t.Parallel()
		addr, _ := stallServer(t, 0, big, 0)
		cl := dialH2(t, addr, 0)
		id := cl.get(t, "/")
		if o := cl.await(t, 3*timeout, id)[id]; o.reset != 0 || o.ended {
			t.Fatalf("without the guard the stream ended: %+v", *o)
		}
	})

	t.Run("slow client keeps its stream", func(t *testing.T) {
		t.Parallel()
		// A longer timeout than the others': the grants below come
		// well within it even when a loaded machine runs them late.
		const slowTimeout = 5 * timeout
		addr, errs := stallServer(t, slowTimeout, big[:256<<10], 0)
		cl := dialH2(t, addr, 0)
		id := cl.get(t, "/")
		// 32 KiB every quarter of the timeout: each 32 KiB write
		// completes well within the timeout, and the whole body takes
		// two timeouts.
		done := make(chan struct{})
		go func() {
			tick := time.NewTicker(slowTimeout / 4)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					cl.grant(t, 0, 32<<10)
					cl.grant(t, id, 32<<10)
				}
			}
		}()
		o := cl.await(t, 20*slowTimeout, id)[id]
		close(done)
		if !o.ended || o.reset != 0 || o.data != 256<<10 {
			t.Fatalf("got %+v, want the whole 256 KiB", *o)
		}
		if err := <-errs; err != nil {
			t.Errorf("handler's writes: %v", err)
		}
	})

	t.Run("a handler that waits is not watched", func(t *testing.T) {
		t.Parallel()
		addr, errs := stallServer(t, timeout, small, 2*timeout)
		cl := dialH2(t, addr, 65535)
		id := cl.get(t, "/")
		if o := cl.await(t, 10*timeout, id)[id]; !o.ended || o.data != len(small) {
			t.Fatalf("got %+v, want all %d bytes", *o, len(small))
		}
		if err := <-errs; err != nil {
			t.Errorf("handler's writes: %v", err)
		}
	})

	t.Run("HTTP/1.1 goes through", func(t *testing.T) {
		t.Parallel()
		addr, errs := stallServer(t, timeout, small, 0)
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		resp, err := c.Get("https://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.ProtoMajor != 1 || !bytes.Equal(b, small) {
			t.Errorf("%s, %d bytes", resp.Proto, len(b))
		}
		if err := <-errs; err != nil {
			t.Errorf("handler's writes: %v", err)
		}
	})
}

// TestStreamGuardKeepsController checks that http.ResponseController
// reaches the stream through the guard, and that Flush is the stream's.
func TestStreamGuardKeepsController(t *testing.T) {
	t.Parallel()
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		io.WriteString(w, "first;")
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		if err := rc.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetReadDeadline: %v", err)
		}
		if _, ok := w.(http.Flusher); !ok {
			t.Errorf("%T is no http.Flusher", w)
		}
		io.WriteString(w, "second")
	})
	srv := httptest.NewUnstartedServer(stallStreams(inner, time.Minute))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.ProtoMajor != 2 || string(b) != "first;second" {
		t.Errorf("%s: %q", resp.Proto, b)
	}
}

// TestStreamGuardLateRing checks that an alarm that rang late (the server
// had no CPU for longer than the timeout) does not reset a stream on that
// ring alone: the client's progress could not be seen meanwhile. The
// stream is reset once as many rings as fit in the timeout found its write
// still stuck.
func TestStreamGuardLateRing(t *testing.T) {
	const timeout = time.Minute
	rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	g := &streamGuard{ResponseWriter: rec, timeout: timeout, check: timeout / stallChecks}
	g.alarm = time.AfterFunc(time.Hour, func() {})
	defer g.alarm.Stop()
	g.busy.Store(1) // a write is blocked, none completed since the last ring
	g.quiet = time.Now().Add(-2 * timeout)
	for ring := 1; ring < stallChecks; ring++ {
		g.ring()
		if g.reset || len(rec.writeDeadlines) != 0 {
			t.Fatalf("ring %d after a late one reset the stream", ring)
		}
	}
	g.ring()
	if !g.reset || len(rec.writeDeadlines) != 1 || !rec.writeDeadlines[0].Before(time.Now()) {
		t.Errorf("ring %d, stuck for the timeout: reset %v, deadlines %v; want the stream reset", stallChecks, g.reset, rec.writeDeadlines)
	}
}

// TestCommandSendTimeout runs the command with --send-timeout over TLS: a
// client that opens two streams and takes nothing gets both reset, and is
// then served on the same connection; the access log has both requests.
func TestCommandSendTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	f := newTLSFiles(t)
	dir := t.TempDir()
	big := bytes.Repeat([]byte("x"), 1<<20)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "small.txt"), big[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--tls-cert", f.cert, "--tls-key", f.key,
		"--send-timeout", timeout.String(), "0")
	addr := strings.TrimPrefix(r.baseURL(t), "https://")
	cl := dialH2(t, addr, 0)
	a, b := cl.get(t, "/big.bin"), cl.get(t, "/small.txt")
	got := cl.await(t, 20*timeout, a, b)
	for id, o := range got {
		if o.reset != 2 || o.data != 0 || o.at < timeout {
			t.Errorf("stream %d: %+v, want RST_STREAM INTERNAL_ERROR after %v", id, *o, timeout)
		}
	}
	cl.grant(t, 0, 2<<20)
	cl.writeFrame(t, h2Settings, 0, 0, []byte{0, 4, 0, 32, 0, 0}) // window 2 MiB
	c := cl.get(t, "/big.bin")
	if o := cl.await(t, 20*timeout, c)[c]; !o.ended || o.data != len(big) {
		t.Errorf("after the resets: %+v, want all %d bytes", *o, len(big))
	}
	r.exit(t)
	log := r.stderr.String()
	for _, want := range []string{`"GET /big.bin HTTP/2.0" 200`, `"GET /small.txt HTTP/2.0" 200 100`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}
