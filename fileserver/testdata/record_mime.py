#!/usr/bin/env python3
"""Record what the local Python's http.server says about file names' types.

Writes testdata/mime_python311.json (run from fileserver/):

    python3 testdata/record_mime.py [-o testdata/mime_python311.json]

For each name below it calls SimpleHTTPRequestHandler.guess_type on
"/srv/" + name, as send_head does on a translate_path result. mimetypes is
limited to its built-in tables (knownfiles is emptied before anything
initialises it), so the record does not depend on this machine's
/etc/mime.types, exactly like fileserver's steps 1 and 2 (the extension
map, then Python's built-in table).

Each case records the type Python sends and "known": false when Python fell
back to application/octet-stream because neither extensions_map nor
mimetypes knew the name (fileserver's lookup then returns "" and the caller
sniffs). go test only reads the JSON; it never runs python3.

The development machines have python3 3.11, while fileserver follows 3.14:
TestLookupMatchesPython in mime_test.go lists the names on which the two
disagree, with the 3.14 answer.
"""

import argparse
import json
import posixpath
import sys

import mimetypes

mimetypes.knownfiles = []  # before http.server or anything else calls init()
mimetypes.init()

from http.server import SimpleHTTPRequestHandler  # noqa: E402

NAMES = [
    # everyday files
    "index.html", "page.htm", "UPPER.HTML", "style.css", "app.js", "app.Js",
    "module.mjs", "data.json", "app.wasm", "image.png", "photo.jpg",
    "photo.JPG", "photo.jpeg", "anim.gif", "icon.svg", "favicon.ico",
    "readme.txt", "notes.md", "data.csv", "feed.xml", "doc.pdf",
    "script.py", "cache.pyc", "run.sh", "main.c", "main.h",
    "site.webmanifest", "font.woff2", "font.ttf", "clip.mp4", "clip.webm",
    "clip.avi", "sound.wav", "sound.mp3", "sound.ogg", "sound.flac",
    "word.docx", "sheet.xlsx", "conf.yaml", "conf.yml", "conf.toml",
    "guide.rst", "book.epub", "pkg.deb", "lib.so", "setup.exe", "blob.bin",
    "manual.texi", "logo.ai",
    # extensions_map (SimpleHTTPRequestHandler) first, exact then lower-cased
    "archive.tar.gz", "archive.GZ", "archive.Tar.Gz", "old.Z", "old.z",
    "old.tar.Z", "data.bz2", "data.BZ2", "data.xz", "data.XZ",
    # suffix_map (lower-cased) and encodings_map (case-sensitive)
    "archive.tgz", "archive.TGZ", "archive.taz", "archive.tz",
    "archive.tbz2", "archive.txz", "drawing.svgz", "drawing.SVGZ",
    "drawing.svg.gz", "page.html.br", "readme.txt.br", "readme.txt.BR",
    "archive.tar.br", "bundle.txt.gz.br", "a.b.tgz",
    # no extension, dotfiles, odd dots
    "README", "Makefile", ".bashrc", ".hidden.txt", "..txt", "...",
    "trailing.", "a..html", ".tgz",
    # directories in the path: only the last segment counts
    "dir.d/file", "site.tgz/readme", "dir.v2/page.html",
    # unknown
    "file.unknownext", "archive.tar.gz.part",
    # non-ASCII: Python's str.lower()
    "x.\u212ash",   # KELVIN SIGN lower-cases to ASCII k: ".ksh"
    "x.\u0130co",   # LATIN CAPITAL I WITH DOT: "i\u0307co", not ".ico"
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default="testdata/mime_python311.json")
    args = ap.parse_args()

    handler = SimpleHTTPRequestHandler.__new__(SimpleHTTPRequestHandler)
    emap = SimpleHTTPRequestHandler.extensions_map
    cases = []
    for name in NAMES:
        path = "/srv/" + name
        ctype = handler.guess_type(path)
        ext = posixpath.splitext(path)[1]
        known = (ext in emap or ext.lower() in emap
                 or mimetypes.guess_type(path)[0] is not None)
        cases.append({"name": name, "type": ctype, "known": known})

    v = sys.version_info
    doc = {
        "python": f"{v.major}.{v.minor}.{v.micro}",
        "how": "SimpleHTTPRequestHandler.guess_type('/srv/' + name), "
               "built-in mimetypes tables only; written by testdata/record_mime.py",
        "cases": cases,
    }
    # One case a line, so that a re-recording reads well as a diff.
    head = json.dumps({k: doc[k] for k in ("python", "how")}, indent=1)
    body = ",\n".join("  " + json.dumps(c) for c in cases)
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(head[:-2] + ',\n "cases": [\n' + body + "\n ]\n}\n")


if __name__ == "__main__":
    main()
