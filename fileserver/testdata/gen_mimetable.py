#!/usr/bin/env python3
"""Write fileserver/mimetable.go: Python's built-in mimetypes tables as Go maps.

fileserver's second step wants the content types Python's http.server would pick from
its own tables, whatever the host's /etc/mime.types says. This script imports
a mimetypes module and copies the three tables that _default_mime_types()
builds at import time, before init() merges in any mime.types file:

    _types_map_default      -> pyTypesMap      (the strict table)
    _suffix_map_default     -> pySuffixMap
    _encodings_map_default  -> pyEncodingsMap

The non-strict _common_types_default is left out: http.server calls
guess_type with strict=True.

Usage (go generate runs it from fileserver/, see the //go:generate line in
mime.go):

    python3 testdata/gen_mimetable.py [-o mimetable.go] [MIMETYPES_PY]

MIMETYPES_PY is the path of a CPython Lib/mimetypes.py. It is loaded under a
private module name, so any python3 >= 3.8 can read a newer file. When it is
missing or empty, the local python3's own mimetypes module is used. The script
refuses a table that breaks what fileserver promises (.js and .mjs text/javascript,
.wasm application/wasm, .json application/json), so an old python3 (3.11
still says application/javascript) cannot quietly replace the 3.14 table.
The output goes through gofmt (from PATH, or from `go env GOROOT`).

How the checked-in mimetable.go was made: the local python3 is 3.11, so the
CPython 3.14 Lib/mimetypes.py text was saved outside the repository (never
commit CPython's file) and passed by path:

    cd fileserver
    MIMETYPES_PY=/tmp/cpython314/mimetypes.py go generate ./...
    # same as: python3 testdata/gen_mimetable.py -o mimetable.go /tmp/cpython314/mimetypes.py

That file is the 3.14 state of Lib/mimetypes.py: the undotted-extension
deprecation and the argparse CLI of 3.14, the Matroska, font, image and
office types added in 3.14, and none of the 3.15 changes (application/toml,
application/texinfo, .cjs, .ai as application/pdf).
Its sha256 is written into mimetable.go, so a later run on the same file
gives the same output byte for byte.
"""

import argparse
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys

PINNED = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
}


def load(path):
    """Return (module, description, source bytes) for path, or the local module."""
    if path:
        spec = importlib.util.spec_from_file_location("_simplehttp_mimetypes_src", path)
        if spec is None or spec.loader is None:
            sys.exit(f"gen_mimetable: cannot load {path}")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        with open(path, "rb") as f:
            src = f.read()
        return mod, "a CPython Lib/mimetypes.py read by path", src
    import mimetypes as mod

    with open(mod.__file__, "rb") as f:
        src = f.read()
    v = sys.version_info
    return mod, f"the mimetypes module of the local Python {v.major}.{v.minor}.{v.micro}", src


def check(types, suffixes, encodings):
    problems = []
    for ext, want in PINNED.items():
        if types.get(ext) != want:
            problems.append(f"types[{ext!r}] = {types.get(ext)!r}, want {want!r}")
    for name, table in (("types", types), ("suffix", suffixes), ("encodings", encodings)):
        for ext, val in table.items():
            if not ext.startswith(".") or not val:
                problems.append(f"{name}[{ext!r}] = {val!r}: want a dotted key and a value")
    # guess_type looks types and suffix keys up lower-cased: an upper-case key
    # could never match.
    for name, table in (("types", types), ("suffix", suffixes)):
        for ext in table:
            if ext != ext.lower():
                problems.append(f"{name}[{ext!r}] is not lower case")
    # guess_type loops while the suffix map matches; a cycle would hang it.
    for start in suffixes:
        seen, ext = set(), start
        while ext.lower() in suffixes:
            if ext in seen:
                problems.append(f"suffix map cycle through {start!r}")
                break
            seen.add(ext)
            ext = os.path.splitext("x" + suffixes[ext.lower()])[1]
    if problems:
        sys.exit("gen_mimetable: refusing this table:\n  " + "\n  ".join(problems))


def go_map(name, doc, table):
    lines = [f"// {line}".rstrip() for line in doc.splitlines()]
    lines.append(f"var {name} = map[string]string{{")
    for ext in sorted(table):
        lines.append(f"\t{go_string(ext)}: {go_string(table[ext])},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def go_string(s):
    # The tables are ASCII; anything else would need a real Go quoter.
    if not s.isascii() or any(c in s for c in '"\\') or not s.isprintable():
        sys.exit(f"gen_mimetable: unexpected character in {s!r}")
    return f'"{s}"'


def gofmt(src):
    exe = shutil.which("gofmt")
    if exe is None:
        go = shutil.which("go")
        if go:
            root = subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True, check=True)
            cand = os.path.join(root.stdout.strip(), "bin", "gofmt")
            if os.path.exists(cand):
                exe = cand
    if exe is None:
        sys.exit("gen_mimetable: gofmt not found")
    return subprocess.run([exe], input=src, capture_output=True, text=True, check=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default="mimetable.go", help="Go file to write")
    ap.add_argument("mimetypes_py", nargs="?", default="",
                    help="path of a CPython Lib/mimetypes.py (default: the local module)")
    args = ap.parse_args()

    mod, desc, src = load(args.mimetypes_py)
    types = dict(mod._types_map_default)
    suffixes = dict(mod._suffix_map_default)
    encodings = dict(mod._encodings_map_default)
    check(types, suffixes, encodings)

    digest = hashlib.sha256(src).hexdigest()
    out = [
        "// Code generated by testdata/gen_mimetable.py; DO NOT EDIT.",
        "",
        f"// Source: {desc},",
        f"// sha256 {digest}.",
        "",
        "package fileserver",
        "",
        go_map("pyTypesMap",
               "pyTypesMap is Python's mimetypes._types_map_default, the strict\n"
               f"types by lower-case extension ({len(types)} entries).",
               types),
        go_map("pySuffixMap",
               "pySuffixMap is Python's mimetypes._suffix_map_default: a\n"
               "lower-cased extension stands for these extensions.",
               suffixes),
        go_map("pyEncodingsMap",
               "pyEncodingsMap is Python's mimetypes._encodings_map_default;\n"
               "its keys are matched case-sensitively.",
               encodings),
    ]
    text = gofmt("\n".join(out))
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"gen_mimetable: wrote {args.output}: {len(types)} types, "
          f"{len(suffixes)} suffixes, {len(encodings)} encodings", file=sys.stderr)


if __name__ == "__main__":
    main()
