#!/usr/bin/env python3
"""imap_fill.py - fill a mailbox of any IMAP server with N distinct messages for
`cairn-bench imap` (the same bytes for cairn and the peers, so figures compare).

    tools/cairn-bench/imap_fill.py -H 127.0.0.1 -p 143 -u user -w pass [-m INBOX] [-n 10000]

Messages: 85% short text/plain, 15% multipart/mixed with an HTML alternative and a
small base64 attachment; every fifth is \\Seen.  APPENDs are pipelined with
LITERAL+ (falls back to synchronising literals when the server lacks it).
"""
import argparse
import base64
import socket
import time


def make_message(i):
    hdr = ("From: Sender %d <sender%d@bench.test>\r\nTo: User <user@bench.test>\r\n"
           "Subject: bench message %d about topic %d\r\nDate: Mon, 1 Jan 2024 %02d:%02d:00 +0000\r\n"
           "Message-ID: <bench.%d@bench.test>\r\n" % (i % 97, i % 97, i, i % 13, (i // 60) % 24,
                                                      i % 60, i))
    text = ("Hello,\r\n\r\nthis is message %d of the benchmark.\r\n" % i) * 5
    if i % 7:
        return (hdr + "\r\n" + text).encode()
    att = base64.encodebytes(bytes(range(256)) * 8).decode().replace("\n", "\r\n")
    return (hdr + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n"
            "--b%d\r\nContent-Type: multipart/alternative; boundary=a%d\r\n\r\n--a%d\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n--a%d\r\n"
            "Content-Type: text/html; charset=utf-8\r\n\r\n<p>%s</p>\r\n--a%d--\r\n--b%d\r\n"
            "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
            "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; "
            "filename=\"data.bin\"\r\n\r\n%s--b%d--\r\n"
            % (i, i, i, i, text, i, text, i, i, att, i)).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-H", default="127.0.0.1")
    ap.add_argument("-p", type=int, default=143)
    ap.add_argument("-u", required=True)
    ap.add_argument("-w", required=True)
    ap.add_argument("-m", default="INBOX")
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("-b", type=int, default=100, help="APPENDs per pipelined batch")
    a = ap.parse_args()
    s = socket.create_connection((a.H, a.p))
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"l LOGIN \"%s\" \"%s\"\r\nc CAPABILITY\r\n" % (a.u.encode(), a.w.encode()))
    plus = False
    while True:
        line = f.readline()
        plus = plus or b"LITERAL+" in line
        if line.startswith(b"c "):
            break
        if line.startswith(b"l ") and b" OK" not in line[:5]:
            raise SystemExit("login failed: %r" % line)
    t0 = time.time()
    done = 0
    while done < a.n:
        batch = range(done, min(done + a.b, a.n))
        for i in batch:
            msg = make_message(i)
            flags = "(\\Seen) " if i % 5 == 0 else ""
            if plus:
                s.sendall(b"a%d APPEND \"%s\" %s{%d+}\r\n" % (i, a.m.encode(), flags.encode(),
                                                               len(msg)) + msg + b"\r\n")
            else:
                s.sendall(b"a%d APPEND \"%s\" %s{%d}\r\n" % (i, a.m.encode(), flags.encode(),
                                                              len(msg)))
                assert f.readline().startswith(b"+")
                s.sendall(msg + b"\r\n")
            if not plus:
                line = f.readline()
                assert b" OK" in line, line
        if plus:
            left = len(batch)
            while left:
                line = f.readline()
                if line.startswith(b"a"):
                    assert b" OK" in line, line
                    left -= 1
        done += len(batch)
    s.sendall(b"z LOGOUT\r\n")
    print("appended=%d seconds=%.1f" % (a.n, time.time() - t0))


if __name__ == "__main__":
    main()
