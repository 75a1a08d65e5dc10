#!/usr/bin/env python3
"""Record what Python's http.server does with file names that are not UTF-8,
for fileserver's TestInvalidUTF8.

Run from anywhere:  python3 fileserver/testdata/TestInvalidUTF8/record.py
It builds TREE in a temporary directory, serves it with
http.server.SimpleHTTPRequestHandler (the handler behind
`python3 -m http.server`) on 127.0.0.1, sends each request of CASES over a
raw socket, and writes into from-python/ next to this script (only this script
writes there: go test -update never does):

    tree.json        the tree, names as hex (JSON strings cannot hold them)
    <case>.golden    the answer, rendered as parity/record.py renders it:
                     status, the headers Content-Length, Content-Type,
                     Last-Modified and Location, a blank line, the body
                     bytes; "status: none" when Python closed the
                     connection without an answer

Python 3.11's listing is turned into 3.14's by adding the five dark-mode
<style> lines, as parity/record.py does; nothing else is changed. In
particular the listing keeps the raw bytes Python writes for such names
(str.encode(..., 'surrogateescape')): the Go test, not this script, states
where we differ. go test never runs this script.
"""
import functools
import json
import os
import socket
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "from-python")
MTIME = 1704164645  # 2024-01-02 03:04:05 UTC

# (path, content) for a file, (path, None) for a directory,
# (path, (target,)) for a symbolic link.
TREE = [
    (b"d/bad\xff\xfe.txt", b"bad bytes\n"),
    (b"d/ok.txt", b"ok\n"),
    (b"d/\xc3\xa9.txt", b"e acute\n"),  # valid UTF-8: U+00E9
    (b"d/\x80.txt", b"0x80\n"),
    (b"d/\xff.txt", b"0xff\n"),
    (b"d/B\xff.txt", b"B 0xff\n"),  # sorts by lower(): b\udcff
    (b"d/\xee\x80\x80.txt", b"U+E000\n"),
    (b"d/\xf0\x9f\x98\x80.txt", b"U+1F600\n"),
    (b"d/caf\xe9 & <x>.txt", b"latin-1 e acute\n"),
    ("d/\ufffd.txt".encode(), b"one U+FFFD\n"),  # valid UTF-8
    ("d/\ufffd\ufffd\ufffd\ufffd.txt".encode(), b"four U+FFFD\n"),
    (b"d/sub\xff", None),
    (b"d/sub\xff/in.txt", b"in\n"),
    (b"d/link\xfe", (b"ok.txt",)),
    (b"d/dirlink\xfe", (b"sub\xff",)),
]

CASES = [
    ("listing", b"/d/"),
    ("file", b"/d/bad%ED%B3%BF%ED%B3%BE.txt"),
    ("file-lower-case-hex", b"/d/bad%ed%b3%bf%ed%b3%be.txt"),
    ("file-latin1", b"/d/caf%ED%B3%A9%20%26%20%3Cx%3E.txt"),
    ("raw-bytes-escaped", b"/d/bad%FF%FE.txt"),  # not what the listing links
    ("mixed-stray-byte", b"/d/%ED%B3%BF%FF.txt"),  # a stray %FF: all U+FFFD, 4 of them
    ("truncated-rune", b"/d/%E2%82.txt"),  # one U+FFFD for E2 82
    ("link", b"/d/link%ED%B3%BE"),
    ("dirlink-listing", b"/d/dirlink%ED%B3%BE/"),
    ("subdir-listing", b"/d/sub%ED%B3%BF/"),
    ("subdir-redirect", b"/d/sub%ED%B3%BF"),
    ("subdir-file", b"/d/sub%ED%B3%BF/in.txt"),
    ("high-surrogate", b"/d/%ED%A0%80.txt"),  # Python: UnicodeEncodeError
    ("low-surrogate-ascii", b"/d/%ED%B1%BF.txt"),  # U+DC7F: no byte; same
]

HEADERS = ["content-length", "content-type", "last-modified", "location"]
LISTING_META = b'<meta charset="utf-8">\n'
LISTING_STYLE = b'<style type="text/css">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n'
ERROR_META = b'        <meta charset="utf-8">\n'
ERROR_STYLE = (b'        <style type="text/css">\n'
               b'            :root {\n'
               b'                color-scheme: light dark;\n'
               b'            }\n'
               b'        </style>\n')


def build_tree(root):
    for path, what in TREE:
        p = os.path.join(root, path)
        if what is None:
            os.makedirs(p, exist_ok=True)
        elif isinstance(what, tuple):
            os.symlink(what[0], p)
        else:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(what)
            os.utime(p, (MTIME, MTIME))


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the surrogate cases raise in send_head; no traceback here


def send(port, target):
    raw = b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(raw)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    resp = b"".join(chunks)
    if not resp:
        return None, {}, b""
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), v.strip())
    return int(lines[0].split()[1]), headers, body


def to_314(headers, body):
    if body.startswith(b'<!DOCTYPE HTML>\n<html lang="en">\n<head>\n' + LISTING_META):
        body = body.replace(LISTING_META, LISTING_META + LISTING_STYLE, 1)
    elif body.startswith(b'<!DOCTYPE HTML>\n<html lang="en">\n    <head>\n' + ERROR_META):
        body = body.replace(ERROR_META, ERROR_META + ERROR_STYLE, 1)
    if body and "content-length" in headers:
        headers["content-length"] = str(len(body))
    return headers, body


def render(status, headers, body):
    if status is None:
        return b"status: none\n"
    out = [f"status: {status}"]
    for k in HEADERS:
        if k in headers:
            out.append(f"{k}: {headers[k]}")
    return ("\n".join(out) + "\n\n").encode() + body


def main():
    tree = {"comment": "Written by record.py: the tree of TestInvalidUTF8 (served root: the "
                       "temporary directory) and its requests. Names are hex: they are not UTF-8.",
            "mtime": MTIME, "entries": [], "cases": []}
    for path, what in TREE:
        e = {"hex": path.hex(), "show": repr(path)[2:-1]}
        if what is None:
            e["dir"] = True
        elif isinstance(what, tuple):
            e["link"] = what[0].hex()
        else:
            e["content"] = what.decode()
        tree["entries"].append(e)
    for name, target in CASES:
        tree["cases"].append({"name": name, "target": target.decode()})
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as root:
        root = root.encode()
        build_tree(root)
        handler = functools.partial(Quiet, directory=os.fsdecode(root))
        srv = Server(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        try:
            for name, target in CASES:
                status, headers, body = send(srv.server_address[1], target)
                headers, body = to_314(headers, body)
                with open(os.path.join(OUT, name + ".golden"), "wb") as f:
                    f.write(render(status, headers, body))
        finally:
            srv.shutdown()
    with open(os.path.join(OUT, "tree.json"), "w", encoding="utf-8") as f:
        parts = []
        for k, v in tree.items():
            if isinstance(v, list):
                v = "[\n" + ",\n".join(json.dumps(x) for x in v) + "\n]"
            else:
                v = json.dumps(v)
            parts.append(f"{json.dumps(k)}: {v}")
        f.write("{\n" + ",\n".join(parts) + "\n}\n")
    print(f"recorded {len(CASES)} cases with Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
