#!/usr/bin/env python3
"""Record the errorpage golden files from the local python3's http.server.

Usage (from the errorpage directory):

    python3 testdata/record.py

It starts a real http.server.HTTPServer on 127.0.0.1 (a free port), whose
handler answers GET /<case> and HEAD /<case> by calling Python's own
BaseHTTPRequestHandler.send_error(code, message, explain) for the case, and
reads the raw responses over a socket. Each body is written to
testdata/from-python/TestError/<case>.golden.

Python 3.11 (the development machines) differs from the 3.14 behaviour that
errorpage follows in two places, and the handler is set up through
Python's documented override points so that send_error itself produces the
3.14 output:
  - error_message_format: the 3.11 DEFAULT_ERROR_MESSAGE with the five
    <style> lines of 3.14 added after <meta charset="utf-8">;
  - responses: the 3.13+ table from gen_status.py (413, 414, 416, 422
    phrases, new descriptions, 418 without its trailing period).
Escaping (html.escape(quote=False)), %-formatting and the UTF-8 encoding are
Python's own.

The script also checks what the Go test asserts about the headers: exactly
Connection: close, Content-Type: text/html;charset=utf-8 and a correct
Content-Length besides Server and Date; HEAD has the same headers and no
body; 1xx, 204, 205 and 304 have no body and no Content-Type/Length.

The case list must match goldenCases in error_test.go (the Go test fails on
a golden file without a case and on a case without a golden file).
`go test` never runs this script, and only this script writes
testdata/from-python/: `go test -update` (make golden) never does, and the Go
test refuses to.
"""

import http.server
import os
import socket
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in testdata
import gen_status  # noqa: E402

# name: (code, message, explain); None means "use the table", like the
# default arguments of send_error (the Go API spells that "").
CASES = {
    "404_file_not_found": (404, "File not found", None),
    "404_default": (404, None, None),
    "404_no_permission_to_list": (404, "No permission to list directory", None),
    "501_unsupported_method": (501, "Unsupported method ('POST')", None),
    "400_default": (400, None, None),
    "400_bad_request_version": (400, "Bad request version ('RTSP/1.0')", None),
    "403_cgi_not_executable": (403, "CGI script is not executable ('/cgi-bin/x')", None),
    "413_default": (413, None, None),
    "418_default": (418, None, None),
    "422_default": (422, None, None),
    "500_default": (500, None, None),
    "503_explain": (503, "Down for maintenance", "Back at 10:00 & not <before>"),
    "404_escaped": (404, "<script>&\"'", "<b>\"x\" & 'y'</b>"),
    "404_latin1": (404, "Fichier introuvable : caf\u00e9", None),
    "599_unknown": (599, None, None),
}

# Codes whose response has no body; send_error is called with defaults.
NO_BODY = [100, 102, 204, 205, 304]

COLOR_SCHEME_CSS = (
    '        <style type="text/css">\n'
    '            :root {\n'
    '                color-scheme: light dark;\n'
    '            }\n'
    '        </style>\n'
)
META = '        <meta charset="utf-8">\n'


def format_314():
    fmt = http.server.DEFAULT_ERROR_MESSAGE
    if COLOR_SCHEME_CSS in fmt:  # already 3.14 or newer
        return fmt
    if fmt.count(META) != 1:
        sys.exit("record: unexpected DEFAULT_ERROR_MESSAGE %r" % fmt)
    return fmt.replace(META, META + COLOR_SCHEME_CSS)


class Handler(http.server.BaseHTTPRequestHandler):
    error_message_format = format_314()
    responses = gen_status.responses_313()

    def _send(self):
        name = self.path.lstrip("/")
        if name.isdigit():
            self.send_error(int(name))
            return
        code, message, explain = CASES[name]
        self.send_error(code, message, explain)

    do_GET = _send
    do_HEAD = _send

    def log_message(self, format, *args):
        pass


def fetch(port, method, path):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(("%s %s HTTP/1.0\r\n\r\n" % (method, path)).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(": ")
        if k in headers:
            sys.exit("record: %s %s: repeated header %s" % (method, path, k))
        headers[k] = v
    return lines[0], headers, body


def check(cond, what):
    if not cond:
        sys.exit("record: " + what)


def main():
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    outdir = os.path.join(HERE, "from-python", "TestError")
    os.makedirs(outdir, exist_ok=True)
    try:
        for name, (code, _, _) in CASES.items():
            status, headers, body = fetch(port, "GET", "/" + name)
            check(status.split(" ", 2)[1] == str(code), "%s: status line %r" % (name, status))
            want = {
                "Connection": "close",
                "Content-Type": "text/html;charset=utf-8",
                "Content-Length": str(len(body)),
            }
            got = {k: v for k, v in headers.items() if k not in ("Server", "Date")}
            check(got == want, "%s: headers %r, want %r" % (name, got, want))
            hstatus, hheaders, hbody = fetch(port, "HEAD", "/" + name)
            hgot = {k: v for k, v in hheaders.items() if k not in ("Server", "Date")}
            check(hstatus == status and hgot == want and hbody == b"",
                  "%s: HEAD %r %r %r" % (name, hstatus, hgot, hbody))
            with open(os.path.join(outdir, name + ".golden"), "wb") as f:
                f.write(body)
            print("%-28s %s" % (name, status))
        for code in NO_BODY:
            status, headers, body = fetch(port, "GET", "/%d" % code)
            got = {k: v for k, v in headers.items() if k not in ("Server", "Date")}
            check(got == {"Connection": "close"} and body == b"",
                  "%d: headers %r body %r" % (code, got, body))
            print("%-28s %s (no body)" % (code, status))
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
