#!/usr/bin/env python3
"""Record what `python3 -m http.server` does when it runs out of file descriptors.

Run from anywhere:  python3 internal/hardening/testdata/overload/record.py
It serves a temporary directory holding hello.txt with
`python3 -m http.server -p HTTP/1.1` under a limit of 32 open files
(RLIMIT_NOFILE, soft and hard), opens two keep-alive connections and gets
/hello.txt on each, then opens 32 idle connections, which take every descriptor
left (the ones it cannot accept wait in its listen queue, of 5), and on the keep-alive connections asks again for /hello.txt and for
the listing of /. Then it closes the idle connections and asks for
/hello.txt once more, on a new connection (Python closes a connection
after an error). It writes each answer to from-python/<case>.golden
(only this script writes there):

    status: 404
    content-length: 469
    content-type: text/html;charset=utf-8
    retry-after: (only when sent)
    <blank line>
    <body bytes>

and to from-python/server.golden what the server wrote on stderr about
the shortage, with the count of its lines, and how much CPU time it used
in the second it spent out of descriptors with connections waiting.

The machines have Python 3.11; fileserver follows 3.14, whose error page
has five dark-mode <style> lines more, which are added below (as the
parity recording does). go test never runs this script.
"""
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "from-python")
HEADERS = ["content-length", "content-type", "retry-after"]
LIMIT = 32
IDLE = 32

STYLE_311 = "        <title>Error response</title>\n"
STYLE_314 = (
    '        <style type="text/css">\n'
    "            :root {\n"
    "                color-scheme: light dark;\n"
    "            }\n"
    "        </style>\n"
    "        <title>Error response</title>\n"
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(conn, path):
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise EOFError("closed before the head")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        fields[k.strip().lower()] = v.strip()
    n = int(fields.get("content-length", "0"))
    while len(body) < n:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, fields, body


def record(name, status, fields, body):
    text = body.decode("utf-8")
    if fields.get("content-type", "").startswith("text/html") and status >= 400:
        text = text.replace(STYLE_311, STYLE_314, 1)
        fields["content-length"] = str(len(text.encode("utf-8")))
    out = [f"status: {status}"]
    out += [f"{h}: {fields[h]}" for h in HEADERS if h in fields]
    with open(os.path.join(OUT, name + ".golden"), "w", newline="\n") as f:
        f.write("\n".join(out) + "\n\n" + text)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "hello.txt"), "w") as f:
            f.write("hello\n")
        port = free_port()

        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))

        srv = subprocess.Popen(
            [sys.executable, "-m", "http.server", "-p", "HTTP/1.1", "-b", "127.0.0.1", "-d", d, str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit, text=True)
        try:
            srv.stdout.readline()  # "Serving HTTP on ..."
            keep = socket.create_connection(("127.0.0.1", port))
            record("before", *request(keep, "/hello.txt"))
            # Python closes the connection after an error: one more for
            # the listing.
            keep2 = socket.create_connection(("127.0.0.1", port))
            request(keep2, "/hello.txt")
            idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(IDLE)]
            time.sleep(1)  # let the server take what it can
            cpu0 = cpu_seconds(srv.pid)
            time.sleep(1)
            cpu = cpu_seconds(srv.pid) - cpu0
            record("exhausted-file", *request(keep, "/hello.txt"))
            record("exhausted-listing", *request(keep2, "/"))
            for c in idle:
                c.close()
            time.sleep(1)
            keep = socket.create_connection(("127.0.0.1", port))
            record("after", *request(keep, "/hello.txt"))
            keep.close()
        finally:
            srv.terminate()
            _, err = srv.communicate()
        shortage = [l for l in err.splitlines() if "Too many open files" in l or "Errno 24" in l]
        with open(os.path.join(OUT, "server.golden"), "w", newline="\n") as f:
            f.write(f"python {sys.version.split()[0]}, RLIMIT_NOFILE {LIMIT}, {IDLE} idle connections\n")
            f.write(f"stderr lines about the shortage: {len(shortage)}\n")
            f.write(f"CPU time in one second out of descriptors: {cpu:.2f} s\n")
            for l in shortage[:5]:
                f.write(l.split("] ", 1)[-1] + "\n")


if __name__ == "__main__":
    main()
