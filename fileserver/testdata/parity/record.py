#!/usr/bin/env python3
"""Record what Python's http.server answers, for fileserver's parity test.

Run from anywhere:  python3 fileserver/testdata/parity/record.py
It builds the tree of tree.json in a temporary directory, serves its root/
with http.server.SimpleHTTPRequestHandler (the handler behind
`python3 -m http.server`) on 127.0.0.1, sends every request of cases.json
verbatim over a raw socket, and writes one golden file per case to
from-python/<name>.golden (only this script writes there: go test -update
never does):

    status: 200
    content-length: 13
    content-type: text/plain
    last-modified: Tue, 02 Jan 2024 03:04:05 GMT
    location: (only when sent)
    <blank line>
    <body bytes>

The machines have Python 3.11; fileserver follows 3.14. The two differ in
what this test sees only by the five dark-mode <style> lines of the listing
and the error page and by the listing title, which 3.14 shows without the
query. Both are applied below, and nothing else is changed.
go test never runs this script.
"""
import functools
import html
import json
import os
import socket
import sys
import tempfile
import threading
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
HEADERS = ["content-length", "content-type", "last-modified", "location"]


def build_tree(base, spec):
    mtime = spec["mtime"]
    links = []
    for e in spec["entries"]:
        p = os.path.join(base, e["path"])
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if e.get("dir"):
            os.makedirs(p, exist_ok=True)
        elif "link" in e:
            links.append((p, e["link"]))
        else:
            with open(p, "wb") as f:
                f.write(e["content"].encode("utf-8"))
            m = e.get("mtime", mtime)
            os.utime(p, (m, m))
    for p, target in links:
        if target.startswith("ABS:"):
            target = os.path.join(base, target[4:])
        os.symlink(target, p)


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def send(port, case):
    method = case.get("method", "GET")
    body = case.get("body", "").encode()
    lines = [f"{method} {case['target']} HTTP/1.1", "Host: 127.0.0.1"]
    for k, v in case.get("headers", {}).items():
        lines.append(f"{k}: {v}")
    if body:
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(raw)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    resp = b"".join(chunks)
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), v.strip())
    return status, headers, body


LISTING_META = b'<meta charset="utf-8">\n'
LISTING_STYLE = b'<style type="text/css">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n'
ERROR_META = b'        <meta charset="utf-8">\n'
ERROR_STYLE = (b'        <style type="text/css">\n'
               b'            :root {\n'
               b'                color-scheme: light dark;\n'
               b'            }\n'
               b'        </style>\n')


def to_314(case, status, headers, body):
    """Apply the two 3.11 -> 3.14 differences named above."""
    if body.startswith(b'<!DOCTYPE HTML>\n<html lang="en">\n<head>\n' + LISTING_META):
        body = body.replace(LISTING_META, LISTING_META + LISTING_STYLE, 1)
        # 3.14 titles the listing with the path only, without the query.
        path = case["target"]
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
        full = html.escape(urllib.parse.unquote(path), quote=False).encode()
        bare = html.escape(urllib.parse.unquote(path.split("?", 1)[0].split("#", 1)[0]), quote=False).encode()
        body = body.replace(b"Directory listing for " + full, b"Directory listing for " + bare)
    elif body.startswith(b'<!DOCTYPE HTML>\n<html lang="en">\n    <head>\n' + ERROR_META):
        body = body.replace(ERROR_META, ERROR_META + ERROR_STYLE, 1)
    if body and "content-length" in headers:
        headers["content-length"] = str(len(body))
    if case.get("method") == "HEAD" and "content-length" in headers and status == 200 \
            and headers.get("content-type", "").startswith("text/html; charset"):
        # A HEAD of a listing announces the 3.14 body's length.
        headers["content-length"] = str(int(headers["content-length"]) + len(LISTING_STYLE))
    if case.get("method") == "HEAD" and headers.get("content-type", "") == "text/html;charset=utf-8":
        headers["content-length"] = str(int(headers["content-length"]) + len(ERROR_STYLE))
    return status, headers, body


def render(status, headers, body):
    out = [f"status: {status}"]
    for k in HEADERS:
        if k in headers:
            out.append(f"{k}: {headers[k]}")
    return ("\n".join(out) + "\n\n").encode() + body


def main():
    with open(os.path.join(HERE, "tree.json"), encoding="utf-8") as f:
        tree = json.load(f)
    with open(os.path.join(HERE, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    outdir = os.path.join(HERE, "from-python")
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory() as base:
        build_tree(base, tree)
        handler = functools.partial(Quiet, directory=os.path.join(base, "root"))
        srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        port = srv.server_address[1]
        try:
            for case in cases:
                got = to_314(case, *send(port, case))
                with open(os.path.join(outdir, case["name"] + ".golden"), "wb") as f:
                    f.write(render(*got))
        finally:
            srv.shutdown()
    print(f"recorded {len(cases)} cases with Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
