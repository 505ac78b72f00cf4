#!/usr/bin/python3
# tests/e2e/ui-relay.py: lets a browser on this host reach bootweb's
# admin plane inside a network namespace (./quickstart demo): listens on
# 127.0.0.1 here, then enters the namespace, and relays each connection
# to the admin plane's address there. A socket keeps the namespace it
# was made in, so one process serves both sides.
#
#   ui-relay.py NETNS TARGET-ADDR TARGET-PORT FIRST-PORT
#
# Tries FIRST-PORT and the nine after it; prints "listening on PORT".
import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000
MAX_CONNS = 64


def pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(conn, addr, port, slots):
    try:
        up = socket.create_connection((addr, port), timeout=5)
        up.settimeout(None)
    except OSError:
        conn.close()
        slots.release()
        return
    t = threading.Thread(target=pump, args=(up, conn), daemon=True)
    t.start()
    pump(conn, up)
    t.join()
    conn.close()
    up.close()
    slots.release()


def main():
    ns, addr, port, first = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    lsock = None
    for p in range(first, first + 10):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            s.close()
            continue
        s.listen(16)
        lsock = s
        break
    if lsock is None:
        sys.exit("ui-relay: no free port from %d to %d" % (first, first + 9))
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        sys.exit("ui-relay: setns %s: %s" % (ns, os.strerror(ctypes.get_errno())))
    os.close(fd)
    print("listening on %d" % lsock.getsockname()[1], flush=True)
    slots = threading.BoundedSemaphore(MAX_CONNS)
    while True:
        conn, _ = lsock.accept()
        if not slots.acquire(blocking=False):
            conn.close()
            continue
        threading.Thread(target=serve, args=(conn, addr, port, slots),
                         daemon=True).start()


main()
