//go:build unix

package cgi_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/simplehttp/simplehttp/cgi"
	"github.com/simplehttp/simplehttp/internal/goldenfile"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

// exhaustEnv makes TestOutOfDescriptors run its checks: it is set in the
// copy of the test binary that the test starts, since the limit on open
// files it lowers holds for the whole process.
const exhaustEnv = "CGI_TEST_OUT_OF_DESCRIPTORS"

// TestOutOfDescriptors: while the process has no file descriptor to
// spare, a script request gets 503 with Retry-After, whether the CGI
// directory cannot be opened or the script cannot be started (its pipes
// need descriptors), and not 404 or 502; the log says so once; with
// descriptors back the script runs again.
func TestOutOfDescriptors(t *testing.T) {
	if os.Getenv(exhaustEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOutOfDescriptors$", "-test.v")
		cmd.Env = append(os.Environ(), exhaustEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestOutOfDescriptors") {
			t.Fatalf("the test in a process of its own: %v\n%s", err, out)
		}
		return
	}

	get, logs := helloScript(t)

	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = 128
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	var fill []*os.File
	for {
		f, err := os.Open(os.DevNull)
		if errors.Is(err, syscall.EMFILE) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		fill = append(fill, f)
	}
	// The pages are checked once descriptors are back: the golden file
	// needs one.
	var pages []string
	check503 := func(step string) {
		t.Helper()
		resp, body := get()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" {
			t.Fatalf("%s: %d, Retry-After %q; want 503, 1\nlog:\n%s", step, resp.StatusCode, resp.Header.Get("Retry-After"), logs)
		}
		pages = append(pages, body)
	}
	for range 5 {
		check503("no descriptor at all (the CGI directory)")
	}
	// One descriptor free: the directory opens, the pipes to the
	// script need two.
	fill[len(fill)-1].Close()
	fill = fill[:len(fill)-1]
	for range 5 {
		check503("one descriptor free (the script's pipes)")
	}

	for _, f := range fill {
		f.Close()
	}
	for _, page := range pages {
		goldenfile.Check(t, "testdata/TestOutOfDescriptors/503.golden", []byte(page))
	}
	if resp, body := get(); resp.StatusCode != 200 || body != "hello\n" {
		t.Errorf("descriptors back: %d %q, want 200 hello", resp.StatusCode, body)
	}
	checkEpisode(t, logs, `err="open `, `too many open files" failures=1`, 9)
}

// helloScript makes a CGI handler of a tree with cgi-bin/hello.sh, which
// it checks runs, logging to logs, and get, which asks for the script.
func helloScript(t *testing.T) (get func() (*http.Response, string), logs *syncbuf.Buffer) {
	t.Helper()
	root := writeTree(t, map[string]string{"cgi-bin/hello.sh": "#!/bin/sh\n" + header + "echo hello\n"})
	logs = &syncbuf.Buffer{}
	h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	handler := h.Handler(nextHandler)
	get = func() (*http.Response, string) {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, httptest.NewRequest("GET", "/cgi-bin/hello.sh", nil))
		body, _ := io.ReadAll(w.Result().Body)
		return w.Result(), string(body)
	}
	if resp, body := get(); resp.StatusCode != 200 || body != "hello\n" {
		t.Fatalf("before: %d %q, want 200 hello", resp.StatusCode, body)
	}
	return get, logs
}

// checkEpisode checks that logs says once, at level Warn, that scripts
// get 503 (with an err that has errPart and a line that ends with
// firstEnd), and once, at level Info, that they no longer do, after
// failures more; and that no request logged an error of its own.
func checkEpisode(t *testing.T, logs *syncbuf.Buffer, errPart, firstEnd string, failures int) {
	t.Helper()
	const msg = `msg="cgi: out of file descriptors, memory or processes, answering 503`
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, msg) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 || !strings.Contains(lines[0], `level=WARN `+msg+`" `+errPart) ||
		!strings.HasSuffix(lines[0], firstEnd) ||
		!strings.HasSuffix(lines[1], `level=INFO `+msg+`: recovered" failures=`+strconv.Itoa(failures)) {
		t.Errorf("log lines about it =\n%s\nwant a WARN line when it began and an INFO line when it ended\nwhole log:\n%s", strings.Join(lines, "\n"), logs)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("errors logged per request:\n%s", logs)
	}
}
