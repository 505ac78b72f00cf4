#!/usr/bin/env python3
"""bench-storm-gen.py: the load generator of tools/bench-storm.py.

Runs inside the client namespace that bench-storm.py built: interface cli0
(the wire to the server) and, on it, one macvlan per simulated machine
(mode private, its own MAC and IPv4 address, arp_ignore = 1 so that only
the interface owning an address answers ARP for it). Every socket of a
machine is bound to its address and to its macvlan (SO_BINDTODEVICE), so
the server's neighbour table maps each address to the machine's own MAC:
the identity bootweb and tftpd use (TRUST MODEL in netboot(7)).

Each machine does what its firmware and then iPXE do, with firmware
timeouts and retries; what fails is reported with the step it failed at.
  bios  PXE ROM: DHCP DISCOVER (PXEClient:Arch:00000), proxy OFFER;
        TFTP of the file named with tsize 0 and blksize 1432
  uefi  EDK2 PXE: DISCOVER (PXEClient:Arch:00007); a proxy OFFER
        without a file (or with a boot menu in option 43) sends a
        REQUEST to port 4011 from port 4011; TFTP: the tsize probe
        (tsize 0, blksize 1468, then ERROR 8 after the OACK) and the
        transfer (blksize 1468, windowsize 4)
  http  EDK2 HTTP Boot: DISCOVER (HTTPClient:Arch:00016), the URL of
        the OFFER; HEAD for the size, then GET
then iPXE: DISCOVER with user class iPXE, proxy OFFER, REQUEST to port
4011 from port 68 (the OFFER's file when that goes unanswered, as iPXE
does), GET of the OFFER's script (/boot.ipxe), its chain URL with the
${...} variables filled in (/boot?mac=...), the kernel and initrds the
script names (one keep-alive connection, as iPXE), and, on a new
connection as the installer, the unattended file at the url= of the
kernel command line (the per-boot token URL of the suite).

Usage (bench-storm.py runs it): bench-storm-gen.py --server IP --port P
    --machines FILE [--spread S] [--deadline S]
FILE: one machine a line, "kind mac ip ifname". Prints one JSON object:
per machine its kind, start, done (or the step it failed at), and retry
counts. Bounded: every wait has a timeout and the whole run --deadline.
"""
import argparse
import asyncio
import json
import random
import re
import socket
import struct
import sys
import time
import urllib.parse

SO_BINDTODEVICE = getattr(socket, "SO_BINDTODEVICE", 25)
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
DHCP_MAGIC = b"\x63\x82\x53\x63"
ARCH = {"bios": 0, "uefi": 7, "http": 16}
VENDOR = {
    "bios": b"PXEClient:Arch:00000:UNDI:002001",
    "uefi": b"PXEClient:Arch:00007:UNDI:003016",
    "http": b"HTTPClient:Arch:00016:UNDI:003001",
}
PXE_TIMEOUTS = (4, 8, 16, 32)      # PXE spec / EDK2 DHCP retransmission
IPXE_TIMEOUTS = (1, 2, 4, 8, 16)   # iPXE's DHCP back-off
PROXY_TIMEOUTS = (1, 2)            # iPXE's ProxyDHCP request, then the offer
TFTP_TIMEOUTS = (1, 2, 4, 8)       # RRQ and per-window retransmission
HTTP_TIMEOUT = 60                  # a stalled HTTP exchange
BULK_TIMEOUT = 600


class Fail(Exception):
    """A machine gives up at a step."""


def sock_for(m, kind, port=0):
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, m.ifname.encode())
    if kind == socket.SOCK_DGRAM:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 1 << 20)
    s.bind((m.ip, port))
    s.setblocking(False)
    return s


# ------------------------------------------------------------------ DHCP

def dhcp_packet(m, xid, mtype, ipxe, extra=b"", ciaddr=False):
    """A client's DHCP message; ciaddr: it has its address (a 4011 REQUEST)."""
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0,
                      0 if ciaddr else 0x8000,
                      socket.inet_aton(m.ip) if ciaddr else b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4,
                      m.macb + b"\0" * 10, b"", b"")
    o = bytearray(DHCP_MAGIC)

    def opt(code, val):
        o.extend(bytes((code, len(val))) + val)
    opt(53, bytes((mtype,)))
    opt(57, struct.pack("!H", 1472))
    opt(55, bytes((1, 3, 6, 12, 15, 17, 43, 60, 66, 67, 97, 128, 129, 130,
                   131, 132, 133, 134, 135, 175, 203)))
    opt(97, b"\0" + m.uuid)
    opt(94, b"\x01\x03\x10" if m.kind != "bios" else b"\x01\x02\x01")
    opt(93, struct.pack("!H", ARCH[m.kind]))
    opt(60, VENDOR[m.kind])
    if ipxe:
        opt(77, b"iPXE")
        opt(175, b"\xb1\x05\x01\x10\xec\x81\x10\x13\x01\x01\x24\x01\x01")
    o.extend(extra)
    o.append(255)
    return hdr + bytes(o)


def dhcp_parse(b):
    if len(b) < 240 or b[0] != 2 or b[236:240] != DHCP_MAGIC:
        return None
    r = {"xid": struct.unpack("!I", b[4:8])[0], "siaddr": socket.inet_ntoa(b[20:24]),
         "file": b[108:236].split(b"\0")[0].decode("latin-1"), "opt": {}}
    i = 240
    while i < len(b) and b[i] != 255:
        if b[i] == 0:
            i += 1
            continue
        if i + 1 >= len(b):
            break
        r["opt"][b[i]] = b[i + 2:i + 2 + b[i + 1]]
        i += 2 + b[i + 1]
    if 67 in r["opt"] and not r["file"]:
        r["file"] = r["opt"][67].split(b"\0")[0].decode("latin-1")
    return r


class DhcpMux(asyncio.DatagramProtocol):
    """Every reply to port 68 or 4011 goes to the waiter of its xid."""

    def __init__(self):
        self.wait = {}

    def datagram_received(self, data, addr):
        r = dhcp_parse(data)
        if r is not None and r["xid"] in self.wait:
            q = self.wait[r["xid"]]
            q.put_nowait((r, addr))


MUX = DhcpMux()


async def dhcp_exchange(m, s, pkt, dst, xid, timeouts, want, step):
    """Send pkt to dst, retransmit on timeouts, return the first reply want() likes."""
    loop = asyncio.get_running_loop()
    q = asyncio.Queue()
    MUX.wait[xid] = q
    try:
        for n, t in enumerate(timeouts):
            if n:
                m.retries[step] = m.retries.get(step, 0) + 1
            await loop.sock_sendto(s, pkt, dst)
            end = loop.time() + t
            while True:
                left = end - loop.time()
                if left <= 0:
                    break
                try:
                    r, addr = await asyncio.wait_for(q.get(), left)
                except asyncio.TimeoutError:
                    break
                if want(r):
                    return r, addr
        raise Fail(step)
    finally:
        del MUX.wait[xid]


def is_offer(r):
    return r["opt"].get(53) == b"\x02"


def is_ack(r):
    return r["opt"].get(53) == b"\x05"


async def udp_recv_loop(s):
    """Feed a unicast DHCP socket's datagrams to MUX until it is closed."""
    loop = asyncio.get_running_loop()
    try:
        while True:
            data, addr = await loop.sock_recvfrom(s, 2048)
            MUX.datagram_received(data, addr)
    except (OSError, asyncio.CancelledError):
        pass


async def dhcp_boot(m, ipxe, a):
    """DISCOVER, OFFER, and the 4011 REQUEST where firmware makes one: (file, server)."""
    xid = random.getrandbits(32)
    step = "ipxe-dhcp" if ipxe else "dhcp"
    s = sock_for(m, socket.SOCK_DGRAM, 68)
    rx = asyncio.ensure_future(udp_recv_loop(s))
    try:
        offer, _ = await dhcp_exchange(
            m, s, dhcp_packet(m, xid, 1, ipxe), ("255.255.255.255", 67), xid,
            IPXE_TIMEOUTS if ipxe else PXE_TIMEOUTS,
            lambda r: is_offer(r) and 54 in r["opt"], step)
        srv = socket.inet_ntoa(offer["opt"][54])
        if offer["siaddr"] != "0.0.0.0":
            srv = offer["siaddr"]
        menu = offer["opt"].get(43, b"")
        if ipxe:
            pkt = dhcp_packet(m, xid, 3, True,
                              b"\x36\x04" + offer["opt"][54], True)
            try:
                ack, _ = await dhcp_exchange(
                    m, s, pkt, (socket.inet_ntoa(offer["opt"][54]), 4011),
                    xid, PROXY_TIMEOUTS, is_ack, "ipxe-4011")
                if ack["file"]:
                    return ack["file"], srv
            except Fail:
                m.retries["ipxe-4011-fallback"] = 1
            return offer["file"], srv
        if not offer["file"] or has_menu(menu):
            # boot server discovery: EDK2 from port 4011, a ROM from 68
            return await pxe_4011(m, offer, xid,
                                  None if m.kind == "uefi" else s)
        if not offer["file"]:
            raise Fail("dhcp-nofile")
        return offer["file"], srv
    finally:
        rx.cancel()
        s.close()


def has_menu(o43):
    i = 0
    while i + 1 < len(o43) and o43[i] != 255:
        if o43[i] == 9:
            return True
        i += 2 + o43[i + 1]
    return False


def menu_item(o43):
    """The first boot item of a PXE menu (43.9), or None."""
    i = 0
    while i + 1 < len(o43) and o43[i] != 255:
        if o43[i] == 9 and o43[i + 1] >= 2:
            return o43[i + 2:i + 4]
        i += 2 + o43[i + 1]
    return None


async def pxe_4011(m, offer, xid, s68):
    """The REQUEST to the boot server's port 4011 (from 4011 unless s68)."""
    srv = socket.inet_ntoa(offer["opt"][54])
    item = menu_item(offer["opt"].get(43, b""))
    extra = b""
    if item:
        extra = b"\x2b\x06\x47\x04" + item + b"\0\0"
    s = s68 or sock_for(m, socket.SOCK_DGRAM, 4011)
    rx = None if s68 else asyncio.ensure_future(udp_recv_loop(s))
    try:
        ack, _ = await dhcp_exchange(m, s, dhcp_packet(m, xid, 3, False, extra, True),
                                     (srv, 4011), xid, PXE_TIMEOUTS, is_ack,
                                     "pxe-4011")
    finally:
        if rx:
            rx.cancel()
            s.close()
    if not ack["file"]:
        raise Fail("pxe-4011-nofile")
    srvip = ack["siaddr"] if ack["siaddr"] != "0.0.0.0" else srv
    return ack["file"], srvip


# ------------------------------------------------------------------ TFTP

def rrq(name, opts):
    b = b"\0\x01" + name.encode() + b"\0octet\0"
    for k, v in opts:
        b += k.encode() + b"\0" + str(v).encode() + b"\0"
    return b


def parse_oack(b):
    f = b[2:].split(b"\0")
    return {f[i].decode().lower(): f[i + 1].decode()
            for i in range(0, len(f) - 1, 2)}


async def tftp_recv(loop, s, t):
    return await asyncio.wait_for(loop.sock_recvfrom(s, 65536), t)


async def tftp_get(m, srv, name, opts, probe=False):
    """One RRQ with opts; the file's size. probe: stop at the OACK (ERROR 8)."""
    loop = asyncio.get_running_loop()
    step = "tftp-probe" if probe else "tftp"
    s = sock_for(m, socket.SOCK_DGRAM)
    try:
        req = rrq(name, opts)
        peer = None
        for n, t in enumerate(TFTP_TIMEOUTS):
            if n:
                m.retries[step] = m.retries.get(step, 0) + 1
            await loop.sock_sendto(s, req, (srv, 69))
            try:
                pkt, peer = await tftp_recv(loop, s, t)
                break
            except asyncio.TimeoutError:
                continue
        if peer is None:
            raise Fail(step)
        blksize, window = 512, 1
        op = pkt[1] if len(pkt) >= 4 else 0
        if op == 5:
            raise Fail(step + "-error")
        if op == 6:
            o = parse_oack(pkt)
            if probe:
                await loop.sock_sendto(s, b"\0\x05\0\x08consumed\0", peer)
                return int(o.get("tsize", 0))
            blksize = int(o.get("blksize", 512))
            window = int(o.get("windowsize", 1))
            await loop.sock_sendto(s, b"\0\x04\0\0", peer)
            pkt = None
        elif probe:
            raise Fail("tftp-probe-nooack")
        return await tftp_data(m, s, peer, pkt, blksize, window, step)
    finally:
        s.close()


async def tftp_data(m, s, peer, first, blksize, window, step):
    """Receive blocks in windows, ACK each window (or a gap); the byte count."""
    loop = asyncio.get_running_loop()
    got, size, since, tries = 0, 0, 0, 0
    pending = first
    while True:
        if pending is None:
            try:
                pending, addr = await tftp_recv(loop, s, TFTP_TIMEOUTS[min(
                    tries, len(TFTP_TIMEOUTS) - 1)])
            except asyncio.TimeoutError:
                tries += 1
                if tries > len(TFTP_TIMEOUTS):
                    raise Fail(step + "-stall")
                m.retries[step] = m.retries.get(step, 0) + 1
                await loop.sock_sendto(s, struct.pack("!HH", 4, got & 0xffff), peer)
                since = 0
                continue
            if addr != peer:
                pending = None
                continue
        pkt, pending = pending, None
        if len(pkt) < 4:
            continue
        op, blk = struct.unpack("!HH", pkt[:4])
        if op == 5:
            raise Fail(step + "-error")
        if op != 3:
            continue
        if blk != ((got + 1) & 0xffff):
            # a gap or a duplicate: ACK what we have, the sender restarts
            await loop.sock_sendto(s, struct.pack("!HH", 4, got & 0xffff), peer)
            since = 0
            continue
        tries = 0
        got += 1
        since += 1
        size += len(pkt) - 4
        last = len(pkt) - 4 < blksize
        if last or since >= window:
            await loop.sock_sendto(s, struct.pack("!HH", 4, blk), peer)
            since = 0
        if last:
            return size


async def tftp_boot(m, srv, name):
    if m.kind == "uefi":
        await tftp_get(m, srv, name, [("tsize", 0), ("blksize", 1468)], True)
        return await tftp_get(m, srv, name, [("blksize", 1468),
                                             ("windowsize", 4)])
    return await tftp_get(m, srv, name, [("tsize", 0), ("blksize", 1432)])


# ------------------------------------------------------------------ HTTP

class Http:
    """One keep-alive HTTP/1.1 connection from a machine's address."""

    def __init__(self, m, host, port):
        self.m, self.host, self.port = m, host, port
        self.s, self.buf = None, b""
        self.rbuf = bytearray(1 << 20)

    async def connect(self):
        loop = asyncio.get_running_loop()
        self.s = sock_for(self.m, socket.SOCK_STREAM)
        await asyncio.wait_for(loop.sock_connect(self.s, (self.host, self.port)),
                               HTTP_TIMEOUT)
        self.buf = b""

    def close(self):
        if self.s:
            self.s.close()
            self.s = None

    async def recv(self, t):
        loop = asyncio.get_running_loop()
        d = await asyncio.wait_for(loop.sock_recv(self.s, 65536), t)
        if not d:
            raise ConnectionError("closed")
        return d

    async def request(self, method, path, keep_body=True):
        """(status, body or its length)."""
        loop = asyncio.get_running_loop()
        if self.s is None:
            await self.connect()
        req = ("%s %s HTTP/1.1\r\nConnection: keep-alive\r\nHost: %s\r\n"
               "User-Agent: iPXE/1.21.1\r\n\r\n" % (method, path, self.host))
        await asyncio.wait_for(loop.sock_sendall(self.s, req.encode()),
                               HTTP_TIMEOUT)
        while b"\r\n\r\n" not in self.buf:
            self.buf += await self.recv(HTTP_TIMEOUT)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdr = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdr[k.strip().lower()] = v.strip()
        if "content-length" not in hdr and method != "HEAD":
            raise ConnectionError("no content-length")
        n = 0 if method == "HEAD" else int(hdr["content-length"])
        if keep_body:
            while len(self.buf) < n:
                self.buf += await self.recv(HTTP_TIMEOUT)
            body, self.buf = self.buf[:n], self.buf[n:]
        else:
            take = min(n, len(self.buf))
            self.buf = self.buf[take:]
            left = n - take
            end = loop.time() + BULK_TIMEOUT
            while left > 0:
                k = await asyncio.wait_for(
                    loop.sock_recv_into(self.s, memoryview(self.rbuf)[:min(
                        left, len(self.rbuf))]), HTTP_TIMEOUT)
                if k == 0 or loop.time() > end:
                    raise ConnectionError("short body")
                left -= k
            body = n
        if hdr.get("connection", "").lower() == "close":
            self.close()
        return status, body, hdr


def split_url(url):
    mo = re.match(r"http://([^/:]+)(?::(\d+))?(/.*)?$", url)
    if not mo:
        raise Fail("bad-url")
    return mo.group(1), int(mo.group(2) or 80), mo.group(3) or "/"


async def http_get(conn, m, url, step, keep_body=True):
    m.url = url
    try:
        st, body, _ = await conn.request("GET", split_url(url)[2], keep_body)
    except (OSError, ConnectionError, asyncio.TimeoutError, ValueError):
        raise Fail(step)
    if st != 200:
        raise Fail("%s-%d" % (step, st))
    return body


def ipxe_vars(m, text):
    v = {"net0/mac": m.mac, "mac": m.mac, "uuid": m.uuid_str, "serial": "",
         "manufacturer": "QEMU", "product": "Standard PC", "asset": "",
         "platform": "pcbios" if m.kind == "bios" else "efi",
         "buildarch": "i386" if m.kind == "bios" else "x86_64",
         "memsize": "4096", "net0/ip": m.ip, "ip": m.ip}
    return re.sub(r"\$\{([^}:]+)(?::[^}]*)?\}",
                  lambda mo: urllib.parse.quote(v.get(mo.group(1), ""), ":-."),
                  text)


def script_lines(text):
    """The commands an iPXE script runs, following goto, up to boot or chain."""
    lines = [ln.strip() for ln in text.splitlines()]
    labels = {ln[1:].split()[0]: i for i, ln in enumerate(lines)
              if ln.startswith(":") and len(ln) > 1}
    out, i, steps = [], 0, 0
    while i < len(lines) and steps < 1000:
        steps += 1
        ln = lines[i].split("||")[0].strip()
        i += 1
        if not ln or ln.startswith("#") or ln.startswith(":"):
            continue
        w = ln.split()
        if w[0] == "goto" and len(w) > 1 and w[1] in labels:
            i = labels[w[1]] + 1
            continue
        out.append(ln)
        if w[0] in ("boot", "chain", "exit", "sanboot", "choose", "shell"):
            break
    return out


def url_arg(words):
    for w in words[1:]:
        if w.startswith("http://"):
            return w
    return None


async def ipxe_boot(m, a, url):
    """/boot.ipxe, the chained script, kernel, initrds, unattended file."""
    host, port, _ = split_url(url)
    conn = Http(m, host, port)
    try:
        text = (await http_get(conn, m, url, "boot.ipxe")).decode()
        chain = None
        for ln in script_lines(ipxe_vars(m, text)):
            if ln.split()[0] == "chain":
                chain = url_arg(ln.split())
                break
        if chain is None:
            raise Fail("boot.ipxe-nochain")
        text = (await http_get(conn, m, chain, "script")).decode()
        kernel, initrds, unattended = None, [], None
        for ln in script_lines(ipxe_vars(m, text)):
            w = ln.split()
            if w[0] == "kernel":
                kernel = url_arg(w)
                for x in w:
                    for key in ("url=", "inst.ks=", "autoyast="):
                        if x.startswith(key) and "http://" in x:
                            unattended = x[len(key):]
            elif w[0] == "initrd":
                initrds.append(url_arg(w))
        if kernel is None:
            m.url = "%s -> %r" % (chain, text[:400])
            raise Fail("script-nokernel")
        if unattended is None:
            raise Fail("script-nounattended")
        m.bytes += await http_get(conn, m, kernel, "kernel", False)
        for u in initrds:
            m.bytes += await http_get(conn, m, u, "initrd", False)
    finally:
        conn.close()
    await asyncio.sleep(a.boot_delay)
    host, port, _ = split_url(unattended)
    conn = Http(m, host, port)
    try:
        body = await http_get(conn, m, unattended, "unattended")
        if not body:
            raise Fail("unattended-empty")
    finally:
        conn.close()


async def http_boot(m, url):
    """EDK2 HTTP Boot: HEAD for the size, then GET, each on a connection."""
    host, port, path = split_url(url)
    conn = Http(m, host, port)
    try:
        try:
            st, _, _ = await conn.request("HEAD", path)
        except (OSError, ConnectionError, asyncio.TimeoutError, ValueError):
            raise Fail("httpboot-head")
        if st != 200:
            raise Fail("httpboot-head-%d" % st)
        conn.close()
        await http_get(conn, m, url, "httpboot-get")
    finally:
        conn.close()


# ------------------------------------------------------------------ machine

class Machine:
    def __init__(self, kind, mac, ip, ifname):
        self.kind, self.mac, self.ip, self.ifname = kind, mac, ip, ifname
        self.macb = bytes.fromhex(mac.replace(":", ""))
        self.uuid = bytes(random.getrandbits(8) for _ in range(16))
        u = self.uuid.hex()
        self.uuid_str = "%s-%s-%s-%s-%s" % (u[:8], u[8:12], u[12:16],
                                            u[16:20], u[20:])
        self.start = self.done = None
        self.fail = None
        self.retries = {}
        self.bytes = 0
        self.steps = {}
        self.url = None

    def mark(self, step, t0):
        self.steps[step] = round(time.monotonic() - t0, 4)


async def machine(m, a, t0):
    await asyncio.sleep(m.delay)
    m.start = time.monotonic()
    try:
        f, srv = await dhcp_boot(m, False, a)
        m.mark("dhcp", m.start)
        if m.kind == "http":
            if not f.startswith("http://"):
                raise Fail("dhcp-nourl")
            await http_boot(m, f)
            m.mark("loader", m.start)
        else:
            await tftp_boot(m, srv, f)
            m.mark("loader", m.start)
        f, srv = await dhcp_boot(m, True, a)
        m.mark("ipxe-dhcp", m.start)
        if not f.startswith("http://"):
            raise Fail("ipxe-dhcp-nourl")
        await ipxe_boot(m, a, f)
        m.done = time.monotonic()
    except Fail as e:
        m.fail = str(e)
    except Exception as e:  # a bug of ours still names the machine
        m.fail = "error:%s" % type(e).__name__


async def main_async(a):
    ms = []
    with open(a.machines) as f:
        for ln in f:
            w = ln.split()
            if len(w) == 4:
                ms.append(Machine(*w))
    rnd = random.Random(a.seed)
    for m in ms:
        m.delay = rnd.uniform(0, a.spread)
    loop = asyncio.get_running_loop()
    bs = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    bs.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    bs.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, a.parent.encode())
    # past net.core.rmem_max (root may): replies broadcast while the loop
    # is busy with bulk HTTP must wait here, not be dropped
    bs.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    bs.bind(("0.0.0.0", 68))
    bs.setblocking(False)

    def drain():
        # every queued reply at each wakeup: a datagram transport reads one
        # per turn of the loop, too few while bulk HTTP keeps it busy
        for _ in range(10000):
            try:
                data, addr = bs.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            MUX.datagram_received(data, addr)
    loop.add_reader(bs.fileno(), drain)
    t0 = time.monotonic()
    tasks = [asyncio.ensure_future(machine(m, a, t0)) for m in ms]
    done, pend = await asyncio.wait(tasks, timeout=a.deadline)
    for t in pend:
        t.cancel()
    for m in ms:
        if m.done is None and m.fail is None:
            m.fail = "deadline"
    loop.remove_reader(bs.fileno())
    bs.close()
    out = {"t0": t0, "machines": [{
        "kind": m.kind, "mac": m.mac, "start": m.start and m.start - t0,
        "done": m.done and m.done - t0, "fail": m.fail, "retries": m.retries,
        "bytes": m.bytes, "steps": m.steps,
        "url": m.url if m.fail else None} for m in ms]}
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--machines", required=True)
    p.add_argument("--parent", default="cli0")
    p.add_argument("--spread", type=float, default=2.0)
    p.add_argument("--deadline", type=float, default=600)
    p.add_argument("--boot-delay", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=17)
    a = p.parse_args()
    asyncio.run(main_async(a))


if __name__ == "__main__":
    main()
