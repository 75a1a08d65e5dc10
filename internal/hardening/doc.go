// Package hardening holds the test suites that attack the whole stack
// (accesslog → errorpage → cgi → fileserver, composed as cmd/simplehttp
// composes it) over real TCP connections, with hostile input and with
// faults. It has no code of its own: everything is in its _test.go files,
// and it runs with `make test`.
//
// # Files
//
//   - security_*_test.go: path traversal (several hundred generated
//     request targets sent over a raw socket), symbolic-link policies, open
//     redirects, HTML injection through file names in listings, control
//     characters aimed at the access log, CGI attacks (httpoxy,
//     response splitting from script output), and ways around HTTP Basic
//     authentication (malformed, doubled and misplaced credentials,
//     other paths and methods to a protected file, password guessing
//     from many connections at once) with the logs checked for passwords,
//     what folder downloads may hold (hostile names, links out of the
//     tree, directories an index page keeps unlisted), and uploads (names
//     that climb or hide, links, pages of other sites or reaching the
//     server by DNS rebinding). Each test logs the counts it
//     checked (targets tried, escapes, redirects, log bytes) with t.Logf;
//     run `go test -v -run Security ./internal/hardening` to see them.
//   - fault_*_test.go: files truncated, grown, replaced and deleted
//     during a download, directories removed while listed, clients that
//     go away mid-download (goroutines counted), CGI scripts killed
//     mid-output, CGI uploads cut off or malformed on their way (the
//     script must never finish as if it had the whole body), and
//     (fault_overload_test.go) the command out of file
//     descriptors under a flood of idle connections: 503 with Retry-After
//     on the connections it has, recovery once the clients close, one log
//     line per episode; and the memory that clients which do not read can
//     pin, bounded and measured from /proc: 100 tar.zst downloads left
//     unread (42 sent, the rest 503), 250 uploads that send 1 MiB and
//     stall (fault_upload_test.go; small copy buffers past the budget).
//   - slow_*_test.go and cmd_*_test.go: the built command (TestCommand
//     builds it once and runs the subtests in parallel) against slow
//     clients (slowloris heads, slow bodies, readers that stop, idle
//     keep-alive), 64 malformed requests compared with Python's answers,
//     running out of file descriptors (ulimit -n 64 against 192
//     connections) and SIGTERM during 100 downloads, each of which must
//     complete byte for byte. The command's timeouts are set short with
//     --read-header-timeout and --idle-timeout so that these tests take
//     seconds, not minutes.
//
// Long runs are not here: `make soak` (tools/soak) holds 10,000
// keep-alive connections and mixed traffic against the command, and
// `make fuzz` runs the fuzz targets of the other packages.
//
// The test binary is also the CGI launcher (cgi.MaybeRunLauncher runs
// first in TestMain), as in the cgi package's own tests.
//
// SECURITY.md at the root of the module describes the threat model and
// names the tests here that back each claim.
package hardening
