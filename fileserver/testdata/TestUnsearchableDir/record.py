#!/usr/bin/env python3
"""Record Python's listing of a directory its user may read but not search
(mode r--), for fileserver's TestUnsearchableDir and cmd/simplehttp's
TestE2EUnsearchableDirListing.

Run from anywhere:  python3 fileserver/testdata/TestUnsearchableDir/record.py
It builds TREE in a temporary directory, makes locked/ mode 0644, runs
`python3 -m http.server` on 127.0.0.1 in it (as user nobody when run as
root, who may search any directory: then PYTHON, /usr/bin/python3 unless
set, must be a Python that nobody can run), asks for /locked/ and writes
the body of the answer to from-python/listing.golden next to this script
(only this script writes there). go test never runs this script.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "from-python")

# (path, content) for a file, (path, None) for a directory,
# (path, (target,)) for a symbolic link.
TREE = [
    ("locked/a.txt", b"a\n"),
    ("locked/d", None),
    ("locked/l", ("a.txt",)),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    root = tempfile.mkdtemp()
    os.chmod(root, 0o755)
    try:
        for path, what in TREE:
            p = os.path.join(root, path)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if what is None:
                os.makedirs(p, exist_ok=True)
            elif isinstance(what, tuple):
                os.symlink(what[0], p)
            else:
                with open(p, "wb") as f:
                    f.write(what)
        os.chmod(os.path.join(root, "locked"), 0o644)
        port = free_port()
        cmd = [os.environ.get("PYTHON", "python3"), "-m", "http.server",
               "-b", "127.0.0.1", str(port)]
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup",
                   "--clear-groups", os.environ.get("PYTHON", "/usr/bin/python3")] + cmd[1:]
        server = subprocess.Popen(cmd, cwd=root, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            url = "http://127.0.0.1:%d/locked/" % port
            for _ in range(100):
                try:
                    body = urllib.request.urlopen(url).read()
                    break
                except OSError:
                    time.sleep(0.05)
            else:
                raise SystemExit("no answer from " + url)
        finally:
            server.terminate()
            server.wait()
        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(OUT, "listing.golden"), "wb") as f:
            f.write(body)
    finally:
        os.chmod(os.path.join(root, "locked"), 0o755)
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
