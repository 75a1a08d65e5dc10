package main

import (
	"os"
	"slices"
	"testing"
	"time"
)

// testdata/sigquit.txt is the stderr of simplehttp after SIGQUIT with
// GOTRACEBACK=all (paths shortened): goroutine 0, five goroutines of the
// program and eight of the runtime.
func TestParseDump(t *testing.T) {
	b, err := os.ReadFile("testdata/sigquit.txt")
	if err != nil {
		t.Fatal(err)
	}
	d := parseDump(string(b))
	want := map[string]int{
		"select main.serve":                    1,
		"syscall os/signal.signal_recv":        1,
		"select os/signal.NotifyContext.func1": 1,
		"chan receive main.main.func1":         1,
		"IO wait net.(*netFD).accept":          1,
	}
	if d.total != 5 || d.runtime != 8 {
		t.Errorf("parseDump: %d goroutines of the program and %d of the runtime, want 5 and 8", d.total, d.runtime)
	}
	for k, n := range want {
		if d.by[k] != n {
			t.Errorf("parseDump: %d of %q, want %d (all: %v)", d.by[k], k, n, d.by)
		}
	}
	if len(d.by) != len(want) {
		t.Errorf("parseDump: kinds %v, want %v", d.by, want)
	}

	more := dump{total: 7, by: map[string]int{"select main.serve": 1, "IO wait net/http.(*conn).serve": 2}}
	if got, want := more.diff(d), "  +2 IO wait net/http.(*conn).serve\n"; got != want {
		t.Errorf("diff = %q, want %q", got, want)
	}
	if d := parseDump("panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n"); d.total != 0 {
		t.Errorf("parseDump of a panic, not a SIGQUIT dump: %d goroutines, want 0", d.total)
	}
}

func TestCountEstablished(t *testing.T) {
	// Port 8000 is 1F40. Lines: the listener (0A), a server end (01), a
	// client end of the same connection (remote port 1F40), a server end
	// in TIME_WAIT (06), and one on another port.
	const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:1F40 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1
   2: 0100007F:9C40 0100007F:1F40 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1
   3: 0100007F:1F40 0100007F:9C41 06 00000000:00000000 03:00000F00 00000000     0        0 0 3 0
   4: 0100007F:1F41 0100007F:9C42 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0 20 4 30 10 -1
`
	if n := countEstablished(tcp, 8000); n != 1 {
		t.Errorf("countEstablished(port 8000) = %d, want 1", n)
	}
}

func TestParseProc(t *testing.T) {
	const limits = "Limit                     Soft Limit           Hard Limit           Units     \n" +
		"Max processes             63542                63542                processes \n" +
		"Max open files            20000                20000                files     \n"
	if soft, hard, err := parseFileLimit(limits); soft != 20000 || hard != 20000 || err != nil {
		t.Errorf("parseFileLimit = %d, %d, %v; want 20000, 20000, nil", soft, hard, err)
	}
	if _, _, err := parseFileLimit("Max processes 1 1 processes\n"); err == nil {
		t.Error("parseFileLimit without the line: no error")
	}
	const status = "Name:\tsimplehttp\nVmHWM:\t   29996 kB\nVmRSS:\t   11472 kB\n"
	if n, err := parseStatusKB(status, "VmHWM"); n != 29996*1024 || err != nil {
		t.Errorf("parseStatusKB(VmHWM) = %d, %v; want %d", n, err, 29996*1024)
	}
	if _, err := parseStatusKB(status, "VmPeak"); err == nil {
		t.Error("parseStatusKB(VmPeak), not there: no error")
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 1000; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 500 * time.Millisecond},
		{0.99, 990 * time.Millisecond},
		{0.999, 999 * time.Millisecond},
		{1, 1000 * time.Millisecond},
		{0.0001, time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(ds, tt.q); got != tt.want {
			t.Errorf("percentile(1..1000 ms, %v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if got := percentile(nil, 0.99); got != 0 {
		t.Errorf("percentile(nil) = %v, want 0", got)
	}
}

// A run with no client error, files and goroutines back where they were,
// but a warning in the server's log, fails: the warning is the only sign
// of the fault, and `make soak` must exit 1 on it.
func TestFailuresLogged(t *testing.T) {
	d := dump{total: 5}
	if got := failures(0, true, d, d, nil); len(got) != 0 {
		t.Errorf("clean run: failures %q, want none", got)
	}
	logged := []string{`time=2026-01-02T03:04:05Z level=ERROR msg="accept: too many open files"`}
	got := failures(0, true, d, d, logged)
	if want := []string{"the server logged 1 warnings or errors (above)"}; !slices.Equal(got, want) {
		t.Errorf("run with a logged error: failures %q, want %q", got, want)
	}
}
