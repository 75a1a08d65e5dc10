//go:build unix

package hardening

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/internal/proctest"
)

// serverGoroutines counts the goroutines that serve a request or run
// code of this module's packages (not this test's): after every client
// is gone, there must be none.
func serverGoroutines() (int, string) {
	count := 0
	var dump strings.Builder
	for _, g := range proctest.Goroutines() {
		serving := strings.Contains(g, "net/http.(*conn).serve") ||
			strings.Contains(g, "github.com/simplehttp/simplehttp/") && !strings.Contains(g, "simplehttp/internal/hardening.")
		if serving {
			count++
			dump.WriteString(g + "\n\n")
		}
	}
	return count, dump.String()
}

// waitFor polls cond until it holds or the bound passes; the bound only
// keeps a failing test from hanging, it is not a performance threshold.
func waitFor(bound time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// TestFaultClientDisconnects has clients go away in the middle of a file
// download, a listing and a streaming CGI script, through the full stack,
// and checks that no goroutine is left behind and that every script is
// killed.
func TestFaultClientDisconnects(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	pids := filepath.Join(base, "pids")
	tree := map[string]file{
		"big.bin":           {content: string(pattern(3, downloadSize))},
		"cgi-bin/stream.sh": script(fmt.Sprintf("printf 'Content-Type: text/plain\\n\\n'\necho $$ > '%s/'\"$QUERY_STRING\"\nexec yes streaming\n", pids)),
	}
	for i := 0; i < 300; i++ {
		tree[fmt.Sprintf("dir/file-with-a-long-name-%04d.txt", i)] = file{}
	}
	writeTree(t, root, tree)
	worldWritable(t, pids)
	st := newStack(t, root, stackOptions{})

	before := runtime.NumGoroutine()
	if res := get(t, st.addr, "/dir/"); res.status != 200 {
		t.Fatalf("GET /dir/: %d", res.status)
	}
	// Whatever the module runs in the background (nothing, today) is the
	// baseline; requests in flight must come back down to it.
	baseline, _ := settle(0)

	targets := []string{}
	for i := 0; i < 10; i++ {
		targets = append(targets, "/big.bin")
	}
	for i := 0; i < 5; i++ {
		targets = append(targets, "/dir/", "/cgi-bin/stream.sh?"+strconv.Itoa(i))
	}
	for _, target := range targets {
		conn, err := net.Dial("tcp", st.addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target)
		res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "GET"})
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", target, res, err)
		}
		if _, err := io.ReadFull(res.Body, make([]byte, 4096)); err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		conn.Close() // mid-body
	}

	if n, dump := settle(baseline); n > baseline {
		t.Errorf("%d goroutines still serving after every client went away (baseline %d):\n%s", n, baseline, dump)
	}
	for i := 0; i < 5; i++ {
		b, err := os.ReadFile(filepath.Join(pids, strconv.Itoa(i)))
		if err != nil {
			t.Errorf("script %d left no pid: %v", i, err)
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if pid <= 1 {
			t.Errorf("script %d: bad pid %q", i, b)
			continue
		}
		if !waitFor(10*time.Second, func() bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }) {
			t.Errorf("script %d (pid %d) still runs after its client went away", i, pid)
		}
	}
	after := runtime.NumGoroutine()
	left, _ := serverGoroutines()
	t.Logf("client disconnects: %d clients gone mid-body (10 files, 5 listings, 5 CGI streams); goroutines %d before, %d after; serving goroutines left over: %d (baseline %d); scripts left running: 0",
		len(targets), before, after, left, baseline)
	if after > before {
		// Informational: other tests' goroutines may come and go; the
		// assertion is on the serving goroutines above.
		t.Logf("goroutine total grew by %d", after-before)
	}
}

// settle waits until at most want goroutines serve requests (net/http
// closes a connection a moment after the client does) and returns how
// many still do, with their stacks.
func settle(want int) (int, string) {
	var n int
	var dump string
	waitFor(10*time.Second, func() bool {
		n, dump = serverGoroutines()
		return n <= want
	})
	return n, dump
}
