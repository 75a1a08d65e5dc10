#!/usr/bin/env python3
"""Generate errorpage/status_table.go from Python's status table.

Usage (from the errorpage directory, or through `go generate ./errorpage`):

    python3 testdata/gen_status.py > status_table.go

The table is BaseHTTPRequestHandler.responses of the local python3 (the
(phrase, description) pair of every http.HTTPStatus member), with the
changes CPython made in 3.13 applied on top, so that the result is the table
of Python 3.13 and 3.14 whatever python3 runs this script (3.11 on the
development machines). The changes are listed in CHANGES_313 below and were
read from CPython's Lib/http/__init__.py (3.14 and main agree on every
status). When the local python3 is already 3.13 or newer, the script checks
that it agrees with CHANGES_313 instead of patching anything.

record.py imports responses_313() from here, so the golden files and the Go
table come from the same data. `go test` never runs this script.

The output is piped through gofmt, which must be on PATH.
"""

import http.server
import shutil
import subprocess
import sys

# Every difference between Python 3.11/3.12 and 3.13+ in
# BaseHTTPRequestHandler.responses, as
#     code: ((3.11 phrase, 3.11 description), (3.13+ phrase, 3.13+ description)).
#
# - 3.13: RFC 9110 names for 413, 414, 416 and 422 (the old enum
#   names stay as aliases; the phrases and descriptions changed).
# - 3.13 also gave a description to every status that had none (102, 103,
#   207, 208, 226, 422-426, 506-508, 510): in 3.11 send_error would print
#   "Error code explanation: 207 - ." for them.
# - 418 lost the trailing period of its description (3.11 rendered
#   "... because it is a teapot.." in the error page).
CHANGES_313 = {
    102: (("Processing", ""),
          ("Processing", "Server is processing the request")),
    103: (("Early Hints", ""),
          ("Early Hints", "Headers sent to prepare for the response")),
    207: (("Multi-Status", ""),
          ("Multi-Status", "Response contains multiple statuses in the body")),
    208: (("Already Reported", ""),
          ("Already Reported", "Operation has already been reported")),
    226: (("IM Used", ""),
          ("IM Used", "Request completed using instance manipulations")),
    413: (("Request Entity Too Large", "Entity is too large"),
          ("Content Too Large", "Content is too large")),
    414: (("Request-URI Too Long", "URI is too long"),
          ("URI Too Long", "URI is too long")),
    416: (("Requested Range Not Satisfiable", "Cannot satisfy request range"),
          ("Range Not Satisfiable", "Cannot satisfy request range")),
    418: (("I'm a Teapot",
           "Server refuses to brew coffee because it is a teapot."),
          ("I'm a Teapot",
           "Server refuses to brew coffee because it is a teapot")),
    422: (("Unprocessable Entity", ""),
          ("Unprocessable Content",
           "Server is not able to process the contained instructions")),
    423: (("Locked", ""),
          ("Locked", "Resource of a method is locked")),
    424: (("Failed Dependency", ""),
          ("Failed Dependency", "Dependent action of the request failed")),
    425: (("Too Early", ""),
          ("Too Early",
           "Server refuses to process a request that might be replayed")),
    426: (("Upgrade Required", ""),
          ("Upgrade Required",
           "Server refuses to perform the request using the current protocol")),
    506: (("Variant Also Negotiates", ""),
          ("Variant Also Negotiates",
           "Server has an internal configuration error")),
    507: (("Insufficient Storage", ""),
          ("Insufficient Storage",
           "Server is not able to store the representation")),
    508: (("Loop Detected", ""),
          ("Loop Detected",
           "Server encountered an infinite loop while processing a request")),
    510: (("Not Extended", ""),
          ("Not Extended",
           "Request does not meet the resource access policy")),
}

# The enum member names of 3.13+, for the comments in the Go table. Aliases
# (REQUEST_ENTITY_TOO_LARGE, ...) are not listed, as in Python's own
# iteration order.
NAMES_313 = {
    413: "CONTENT_TOO_LARGE",
    414: "URI_TOO_LONG",
    416: "RANGE_NOT_SATISFIABLE",
    422: "UNPROCESSABLE_CONTENT",
}


def responses_313():
    """Return {code: (phrase, description)} as in Python 3.13+."""
    local = {int(k): tuple(v)
             for k, v in http.server.BaseHTTPRequestHandler.responses.items()}
    new = sys.version_info >= (3, 13)
    for code, (old_entry, new_entry) in CHANGES_313.items():
        have = local.get(code)
        want = new_entry if new else old_entry
        if have != want:
            sys.exit("gen_status: python %s has %r for %d, CHANGES_313 expects %r"
                     % (sys.version.split()[0], have, code, want))
        local[code] = new_entry
    return local


def names_313():
    names = {int(s): s.name for s in http.HTTPStatus}
    names.update(NAMES_313)
    return names


def go_quote(s):
    if not s.isascii():
        sys.exit("gen_status: non-ASCII text %r: extend go_quote" % s)
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


CLASSES = [
    (100, "1xx informational"),
    (200, "2xx success"),
    (300, "3xx redirection"),
    (400, "4xx client error"),
    (500, "5xx server error"),
]


def generate():
    table = responses_313()
    names = names_313()
    lines = [
        "// Code generated by testdata/gen_status.py from python3's"
        " http.server.BaseHTTPRequestHandler.responses"
        " with the Python 3.13 changes applied; DO NOT EDIT.",
        "",
        "package errorpage",
        "",
        "// statusTable is Python's BaseHTTPRequestHandler.responses as of"
        " Python 3.13:",
        "// the phrase and description of every http.HTTPStatus member.",
        "var statusTable = map[int]status{",
    ]
    first = True
    for start, title in CLASSES:
        codes = sorted(c for c in table if start <= c < start + 100)
        if not codes:
            continue
        if not first:
            lines.append("")
        first = False
        lines.append("\t// %s" % title)
        for code in codes:
            phrase, description = table[code]
            lines.append("\t%d: {%s, %s}, // %s" % (
                code, go_quote(phrase), go_quote(description), names[code]))
    lines.append("}")
    src = "\n".join(lines) + "\n"

    gofmt = shutil.which("gofmt")
    if gofmt is None:
        sys.exit("gen_status: gofmt not found on PATH")
    return subprocess.run([gofmt], input=src.encode(), check=True,
                          stdout=subprocess.PIPE).stdout.decode()


if __name__ == "__main__":
    sys.stdout.write(generate())
