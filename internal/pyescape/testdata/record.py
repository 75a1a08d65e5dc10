#!/usr/bin/env python3
"""Record what CPython's escapers do, for pyescape's golden test.

Run from internal/pyescape:  python3 testdata/record.py
It writes testdata/python.json, which TestPython compares against. go test
never runs this script; re-run it by hand and read the diff.

For each input string the file holds:
  quote  urllib.parse.quote(s, safe='/')                  (pyescape.URL)
  html   html.escape(s, quote=False)                      (pyescape.HTML)
  log    s.translate(BaseHTTPRequestHandler._control_char_table)
                                                          (pyescape.Log)
  lower  s.lower()                                        (pyescape.Lower)
  repr   repr(s)                                          (pyescape.Repr)
and, for byte strings that are not valid UTF-8 (file names os.listdir
decodes with surrogateescape), what list_directory writes for them:
  quote  quote(os.fsdecode(b), safe='/', errors='surrogatepass')
                                                          (pyescape.URL)

It also writes testdata/unicode.json, what str.lower() does to every code
point, for TestPythonUnicode:
  unassigned  ranges of code points unassigned in Python's Unicode version
  lower       [range, stride, delta]: chr(c).lower() == chr(c + delta)
  lower_full  code points whose lower() is more than one character
  ignorable   ranges Python treats as case-ignorable in the Final_Sigma rule
  cased       ranges Python treats as cased (and not case-ignorable) there
Python has no API for the last two, so they are read off lower() itself:
  (c + "Σ").lower() ends in "ς"        iff c is cased and not case-ignorable
  ("A" + c + "Σ").lower() ends in "ς"  iff c is case-ignorable or that.
"""

import html
import http.server
import itertools
import json
import os
import sys
import unicodedata
import urllib.parse

CASES = [
    # ASCII and URL structure
    "",
    "plain.txt",
    "a b",
    "100%",
    "%2e%2e",
    "%2e%2e/%2fetc/passwd",
    "../..",
    "..\\",
    "..\\..\\windows",
    "//evil",
    "//evil.com/x",
    "a&b",
    "<script>alert(1)</script>",
    "\"quoted\" 'single'",
    "a#frag",
    "a?x=1&y=2",
    "a+b=c",
    "a;b,c$d@e:f!g*h(i)",
    "~user/_x.y-z",
    "[brackets]{braces}|pipe^`",
    "GET /a%20b?x=1 HTTP/1.1",
    "FILE.TXT",
    "MiXeD CaSe",
    # non-ASCII
    "ü.txt",
    "Müller Straße",
    "日本語.txt",
    "emoji 😀.png",
    "👩\u200d👩\u200d👧",
    "\u00a0nbsp",
    "\u2028\u2029",
    "\ufeffBOM",
    "\ufffd",
    # control characters and backslashes
    "a\nb",
    "a\rb\tc",
    "\x00\x01\x1f",
    "\x1b[31mred\x1b[0m",
    "DEL\x7f",
    "\x80",
    "\x85 NEL",
    "\x9b CSI",
    "\x9f",
    "back\\slash",
    "\\x41",
    "\\\\",
    "\\x1b",
    # Final_Sigma
    "Σ",
    "ΣΑΣ",
    "ΟΔΥΣΣΕΥΣ",
    "ΌΣΟΣ.txt",
    "AΣ",
    "AΣB",
    "AΣ.",
    "AΣ.B",
    "AΣ'",
    "A'Σ",
    "A.Σ",
    "A:Σ",
    "AΣ:",
    "ΑΣ1",
    "1Σ",
    "Σa",
    "ΣΣ",
    "AΣΣ",
    "Σ Σ",
    "A Σ",
    "ʰΣ",
    "AʰΣ",
    "AΣʰ",
    "AΣ\u0345",
    "ªΣ",
    "ⒶΣ",
    "ΣⒶ",
    "A\u00adΣ",
    "AΣ\u200d",
    "A\u2019Σ",
    "AΣ\u2019s",
    "ΣΑΣ\u0301",
    "ǅΣ",
    "ⅫΣ",
    # other lower-casing
    "İstanbul",
    "İΣ",
    "I\u0307",
    "ß",
    "ẞ",
    "\u212a Kelvin",
    "\u212b Angstrom",
    "\u2126 Ohm",
    "ǅ ǈ ǋ Ǆ",
    "Ⅻ",
    "Ⓐ",
    "Ⱥ Ⱦ",
    "Ꭰ Cherokee",
    "ᲐᲑ Mtavruli",
    "ÀÉÎ",
    "ΆΈ",
    "ﬃ",
    "𐐀 Deseret",
]

BYTES = [
    b"\xff",
    b"\x80",
    b"\xc3",
    b"a\xffb/c",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"%\xe2\x82",
    b"bad\xff\xfe.txt",
    b"caf\xe9 \xc3\xbc",
    b"\xbf\xc0",
]


def control_table():
    table = getattr(http.server.BaseHTTPRequestHandler, "_control_char_table", None)
    if table is None:  # a Python older than the table: build the 3.12 table
        table = str.maketrans(
            {c: f"\\x{c:02x}" for c in itertools.chain(range(0x20), range(0x7F, 0xA0))})
        table[ord("\\")] = "\\\\"
    return table


def dumps(obj):
    """json.dumps, keeping printable non-ASCII text readable and writing
    everything invisible (DEL, C1 controls, U+2028, BOM, ZWJ, ...) as \\uXXXX."""
    out = []
    for c in json.dumps(obj, ensure_ascii=False):
        if c.isprintable() or c == " ":
            out.append(c)
        else:
            out.append(json.dumps(c)[1:-1])  # ensure_ascii: \uXXXX, pairs above U+FFFF
    return "".join(out)


def ranges(cps):
    """Sorted code points as UCD-style "XXXX..YYYY" / "XXXX" ranges."""
    out = []
    for cp in cps:
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return [f"{lo:04X}" if lo == hi else f"{lo:04X}..{hi:04X}" for lo, hi in out]


def unicode_table():
    unassigned, ignorable, cased, full, simple = [], [], [], {}, []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue  # surrogates: no str of ours holds them
        c = chr(cp)
        if unicodedata.category(c) == "Cn":
            unassigned.append(cp)
            continue
        low = c.lower()
        if len(low) != 1:
            full[f"{cp:04X}"] = low
        elif low != c:
            simple.append((cp, ord(low) - cp))
        after_cased = (c + "Σ").lower()[-1] == "ς"
        after_a = ("A" + c + "Σ").lower()[-1] == "ς"
        if after_cased:
            cased.append(cp)
        elif after_a:
            ignorable.append(cp)
    # Runs of equal delta with a constant stride (Latin Extended alternates).
    runs = []
    for cp, delta in simple:
        if runs:
            lo, hi, stride, d = runs[-1]
            if d == delta and (lo == hi or cp - hi == stride) and cp - hi in (1, 2):
                runs[-1] = [lo, cp, cp - hi, d]
                continue
        runs.append([cp, cp, 1, delta])
    lower = [[f"{lo:04X}" if lo == hi else f"{lo:04X}..{hi:04X}", stride, d] for lo, hi, stride, d in runs]
    return {
        "python": sys.version.split()[0],
        "unidata_version": unicodedata.unidata_version,
        "unassigned": ranges(unassigned),
        "lower": lower,
        "lower_full": full,
        "ignorable": ranges(ignorable),
        "cased": ranges(cased),
    }


def main():
    table = control_table()
    lines = []
    for s in CASES:
        lines.append(dumps({
            "in": s,
            "quote": urllib.parse.quote(s, safe="/"),
            "html": html.escape(s, quote=False),
            "log": s.translate(table),
            "lower": s.lower(),
            "repr": repr(s),
        }))
    blines = []
    for b in BYTES:
        name = b.decode("utf-8", "surrogateescape")  # os.fsdecode on Linux
        blines.append(json.dumps({"in_hex": b.hex(),
                                  "quote": urllib.parse.quote(name, safe="/", errors="surrogatepass")}))
    head = json.dumps({
        "python": sys.version.split()[0],
        "unidata_version": unicodedata.unidata_version,
    })[1:-1]
    out = ("{" + head + ',\n"cases": [\n' + ",\n".join(lines) + '\n],\n"bytes": [\n'
           + ",\n".join(blines) + "\n]}\n")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(out)
    print(f"wrote {len(CASES)} cases and {len(BYTES)} byte cases to {path}")

    table = unicode_table()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unicode.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {dumps(v)}" for k, v in table.items()) + "\n}\n")
    print(f"wrote the lower() table of Unicode {table['unidata_version']} to {path}")


if __name__ == "__main__":
    main()
