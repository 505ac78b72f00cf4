#!/usr/bin/env python3
"""tftpd-client.py: a byte-level TFTP client for tftpd's tests.

  oack HOST PORT FILE [NAME VALUE]...   send an octet RRQ with these options;
                                        print the first reply (Python bytes
                                        repr) and "from IP:PORT", then end the
                                        transfer with ERROR
  raw HOST PORT PYBYTES                 send bytes given as a Python literal
                                        (b'...'); print the reply and where it
                                        came from, or "timeout"
  get HOST PORT FILE OUT [NAME VALUE]... fetch FILE (octet, or --netascii
                                        first); --dup-acks sends every ACK
                                        twice; prints "blocks N dups D ports P"
  twice HOST PORT FILE                  send the same RRQ twice from one port;
                                        print how many server ports answered
"""
import os
import socket
import sys
import time

TIMEOUT = float(os.environ.get("TFTPD_CLIENT_TIMEOUT", "2"))


def rrq(name, mode=b"octet", opts=()):
    pkt = b"\x00\x01" + name.encode() + b"\x00" + mode + b"\x00"
    for k, v in opts:
        pkt += k.encode() + b"\x00" + v.encode() + b"\x00"
    return pkt


def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    s.settimeout(TIMEOUT)
    return s


def error(s, addr, code=0, msg=b"test done"):
    s.sendto(b"\x00\x05" + code.to_bytes(2, "big") + msg + b"\x00", addr)


def cmd_oack(host, port, name, *kv):
    s = sock()
    opts = list(zip(kv[0::2], kv[1::2]))
    s.sendto(rrq(name, opts=opts), (host, port))
    try:
        data, addr = s.recvfrom(70000)
    except socket.timeout:
        print("timeout")
        return 1
    print(repr(data))
    print("from %s:%d" % addr)
    if data[:2] in (b"\x00\x06", b"\x00\x03"):
        error(s, addr)
    return 0


def cmd_raw(host, port, literal):
    s = sock()
    s.sendto(eval(literal), (host, port))  # test-controlled literal
    try:
        data, addr = s.recvfrom(70000)
    except socket.timeout:
        print("timeout")
        return 0
    print(repr(data))
    print("from %s:%d" % addr)
    if data[:2] in (b"\x00\x06", b"\x00\x03"):
        error(s, addr)
    return 0


def cmd_get(host, port, name, out, *args):
    args = list(args)
    mode = b"octet"
    dup_acks = False
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--netascii":
            mode = b"netascii"
        elif a == "--dup-acks":
            dup_acks = True
    opts = list(zip(args[0::2], args[1::2]))
    s = sock()
    s.sendto(rrq(name, mode, opts), (host, port))
    blksize, window = 512, 1
    expect = 1          # next absolute block wanted
    seen = set()
    dups = 0
    ports = set()
    server = None
    body = bytearray()
    deadline = time.time() + 120
    since_ack = 0
    tries = 0
    while time.time() < deadline:
        try:
            data, addr = s.recvfrom(70000)
        except socket.timeout:
            if server is None:
                tries += 1
                if tries > 10:
                    print("timeout")
                    return 1
                s.sendto(rrq(name, mode, opts), (host, port))  # ask again, as firmware does
                continue
            s.sendto(b"\x00\x04" + ((expect - 1) & 0xFFFF).to_bytes(2, "big"), server)
            continue
        ports.add(addr[1])
        if server is None:
            server = addr
        elif addr != server:
            error(s, addr, 5, b"unknown transfer ID")
            continue
        op = int.from_bytes(data[:2], "big")
        if op == 5:
            print("error", int.from_bytes(data[2:4], "big"), data[4:-1].decode(errors="replace"))
            return 1
        if op == 6:
            fields = data[2:].split(b"\x00")[:-1]
            got = dict(zip(fields[0::2], fields[1::2]))
            blksize = int(got.get(b"blksize", 512))
            window = int(got.get(b"windowsize", 1))
            s.sendto(b"\x00\x04\x00\x00", server)
            continue
        if op != 3:
            continue
        blk = int.from_bytes(data[2:4], "big")
        if blk != expect & 0xFFFF:
            if (expect - 1) & 0xFFFF == blk or blk in seen:
                dups += 1
            # out of order: acknowledge what we have (RFC 7440)
            s.sendto(b"\x00\x04" + ((expect - 1) & 0xFFFF).to_bytes(2, "big"), server)
            continue
        seen.add(blk)
        body += data[4:]
        last = len(data) - 4 < blksize
        since_ack += 1
        expect += 1
        if last or since_ack >= window:
            ack = b"\x00\x04" + data[2:4]
            s.sendto(ack, server)
            if dup_acks:
                s.sendto(ack, server)
            since_ack = 0
        if last:
            break
    else:
        print("gave up")
        return 1
    # Dally: count any further DATA the server sends (it should send none).
    s.settimeout(0.5)
    try:
        while True:
            data, addr = s.recvfrom(70000)
            if data[:2] == b"\x00\x03":
                dups += 1
    except socket.timeout:
        pass
    with open(out, "wb") as f:
        f.write(body)
    print("blocks %d dups %d ports %d" % (expect - 1, dups, len(ports)))
    return 0


def cmd_twice(host, port, name):
    s = sock()
    pkt = rrq(name, opts=[("blksize", "1024")])
    s.sendto(pkt, (host, port))
    s.sendto(pkt, (host, port))
    ports = set()
    s.settimeout(0.7)
    try:
        while True:
            data, addr = s.recvfrom(70000)
            ports.add(addr)
    except socket.timeout:
        pass
    for a in ports:
        error(s, a)
    print("ports %d" % len(ports))
    return 0


def cmd_probe(host, port, name):
    """Ask for tsize, then decline the OACK with ERROR 8, as EDK2 does."""
    s = sock()
    s.sendto(rrq(name, opts=[("tsize", "0"), ("blksize", "1468")]), (host, port))
    try:
        data, addr = s.recvfrom(70000)
    except socket.timeout:
        print("timeout")
        return 1
    error(s, addr, 8, b"User aborted the transfer")
    print(repr(data))
    return 0


def main():
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rest = sys.argv[4:]
    fn = {"oack": cmd_oack, "raw": cmd_raw, "get": cmd_get, "twice": cmd_twice,
          "probe": cmd_probe}[cmd]
    return fn(host, port, *rest)


if __name__ == "__main__":
    sys.exit(main())
