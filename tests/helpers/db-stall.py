#!/usr/bin/python3
# tests/helpers/db-stall.py: the client side of tests/suite/db-stall.sh.
# Measures, from the client namespace, how long each boot-plane answer takes:
# HTTP /boot.ipxe and /boot?mac=..., a TFTP fetch, a DHCP DISCOVER -> OFFER,
# and, with DHCP6=1 in the environment, a stateful DHCPv6 SOLICIT ->
# ADVERTISE and REQUEST -> REPLY binding a lease (a fresh DUID-UUID each).
#
#   db-stall.py IFACE SERVER HTTPPORT MAC idle OUT
#       OUT gets each kind's idle figure (the median of a few requests).
#   db-stall.py IFACE SERVER HTTPPORT MAC locked IDLE UNTIL OUT
#       rounds of requests of every kind until UNTIL (seconds since the
#       epoch); each must come within SLACK_MS of its idle figure; one
#       that does not is asked again (a loaded 2-core machine descheduled
#       it) and counts as late only if it is late REPEATS times in a row.
#       Prints one line per round: "round END late..." (END: when its last
#       answer came), for tests/suite/db-stall.sh to judge the rounds that ended
#       while the lock was still held.
#   db-stall.py IFACE SERVER HTTPPORT MAC lease6 OUT
#       one DHCPv6 SOLICIT and REQUEST; the lease to OUT.leases.
# Both append to OUT.count the requests answered per kind, for the checks
# of what reached the database afterwards, and to OUT.leases each DHCPv6
# lease a REPLY granted ("DUID-HEX ADDRESS").
import json
import os
import select
import socket
import struct
import sys
import time
import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
SLACK_MS = 50
REPEATS = 3
IP_PKTINFO = 8

iface, SERVER, HTTPPORT, MAC, mode = sys.argv[1:6]
HTTPPORT = int(HTTPPORT)
args = sys.argv[6:]
count = {"boot.ipxe": 0, "script": 0, "tftp": 0, "dhcp": 0, "solicit": 0,
         "request": 0}
state = {"serial": 0, "dhcp": 0 if mode == "idle" else 0x100, "xid": 0x44420000,
         "lost": 0, "lease": None,
         "duid": {"idle": 0, "locked": 0x10000}.get(mode, 0x20000)}
leases = []


def http(path):
    s = socket.create_connection((SERVER, HTTPPORT), timeout=5)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" %
               (path, SERVER)).encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    if not data.startswith(b"HTTP/1.1 200"):
        raise RuntimeError("GET %s: %r" % (path, data[:80]))


def req_boot_ipxe():
    http("/boot.ipxe")
    count["boot.ipxe"] += 1


def req_script():
    state["serial"] += 1
    http("/boot?mac=%s&serial=S%d&manufacturer=stall" % (MAC, state["serial"]))
    count["script"] += 1


def req_tftp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(b"\x00\x01stall.txt\x00octet\x00", (SERVER, 69))
    data, peer = s.recvfrom(1024)
    if data[:4] != b"\x00\x03\x00\x01" or data[4:] != b"stall\n":
        raise RuntimeError("TFTP: %r" % data[:40])
    s.sendto(b"\x00\x04\x00\x01", peer)
    s.close()
    count["tftp"] += 1


def opt(code, data):
    return bytes([code, len(data)]) + data


_l2 = []
_rx = []


def req_dhcp():
    """A DISCOVER; no OFFER within 1.5 s counts as 1.5 s (asked again)."""
    from scapy.all import Ether, IP, UDP, Raw, conf
    if not _l2:
        _l2.append(conf.L2socket(iface=iface))
        r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        r.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        r.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        r.bind(("0.0.0.0", 68))
        _rx.append(r)
    state["dhcp"] += 1
    state["xid"] += 1
    xid = state["xid"]
    chaddr = bytes([2, 0xdb, 0x57, 0, state["dhcp"] >> 8, state["dhcp"] & 255])
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 4, 0x8000,
                      b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4,
                      chaddr + b"\0" * 10, b"", b"")
    pkt = (hdr + bytes([99, 130, 83, 99]) + opt(53, b"\x01") +
           opt(60, b"PXEClient:Arch:00000:UNDI:002001") + opt(93, b"\x00\x00") +
           opt(94, b"\x01\x02\x01") + opt(97, b"\x00" + b"\x11" * 16) + b"\xff")
    frame = (Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") /
             UDP(sport=68, dport=67) / Raw(pkt))
    t0 = time.monotonic()
    _l2[0].send(frame)
    while True:
        left = 1.5 - (time.monotonic() - t0)
        r, _, _ = select.select(_rx, [], [], max(left, 0))
        if not r:
            state["lost"] += 1
            return
        data = _rx[0].recv(4096)
        if data[4:8] == struct.pack("!I", xid):
            count["dhcp"] += 1     # answered: its client and event are written
            return


def opt6(code, data):
    return struct.pack("!HH", code, len(data)) + data


def opts6(data):
    """The options of a DHCPv6 message or of an IA_NA's payload: {code: [data]}."""
    out, i = {}, 0
    while i + 4 <= len(data):
        code, n = struct.unpack("!HH", data[i:i + 4])
        out.setdefault(code, []).append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


_s6 = []


def exchange6(msg):
    """Send msg to ff02::1:2 on iface; the reply with its xid, or None in 1.5 s."""
    if not _s6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", 546))
        _s6.append(s)
    s = _s6[0]
    s.sendto(msg, ("ff02::1:2", 547, 0, socket.if_nametoindex(iface)))
    t0 = time.monotonic()
    while True:
        left = 1.5 - (time.monotonic() - t0)
        r, _, _ = select.select([s], [], [], max(left, 0))
        if not r:
            return None
        data = s.recv(4096)
        if data[1:4] == msg[1:4]:
            return data


def msg6(mtype, duid, serverid=None, addr=None):
    """EDK2's SOLICIT or REQUEST: one IA_NA (IAID 1), PXEClient arch 7."""
    state["xid"] += 1
    vc = b"PXEClient:Arch:00007:UNDI:003016"
    ia = struct.pack("!III", 1, 0, 0)
    if addr is not None:
        ia += opt6(5, socket.inet_pton(socket.AF_INET6, addr) + b"\0" * 8)
    m = bytes([mtype]) + struct.pack("!I", state["xid"] & 0xffffff)[1:]
    m += opt6(1, duid) + opt6(8, b"\0\0") + opt6(3, ia)
    if serverid is not None:
        m += opt6(2, serverid)
    return (m + opt6(16, struct.pack("!IH", 343, len(vc)) + vc) +
            opt6(6, struct.pack("!H", 59)) + opt6(61, struct.pack("!H", 7)))


def ia_addr(reply):
    """The address of the reply's IA_NA, or None (a status such as NoAddrsAvail)."""
    o = opts6(reply[4:])
    if 3 not in o:
        return None
    ia = opts6(o[3][0][12:])
    if 5 not in ia:
        return None
    return socket.inet_ntop(socket.AF_INET6, ia[5][0][:16])


def req_solicit():
    """SOLICIT -> ADVERTISE with an address, for the next REQUEST."""
    state["duid"] += 1
    duid = b"\x00\x04\xdb\x57" + struct.pack("!Q", state["duid"]) + b"\0" * 6
    state["lease"] = None
    r = exchange6(msg6(1, duid))
    if r is None or r[0] != 2 or ia_addr(r) is None:
        state["lost"] += 1
        return
    state["lease"] = (duid, opts6(r[4:])[2][0], ia_addr(r))
    count["solicit"] += 1


def req_request():
    """REQUEST -> REPLY binding the address just advertised."""
    if state["lease"] is None:
        req_solicit()
        if state["lease"] is None:
            return
    duid, sid, addr = state["lease"]
    r = exchange6(msg6(3, duid, sid, addr))
    if r is None or r[0] != 7 or ia_addr(r) != addr:
        state["lost"] += 1
        return
    if (duid, addr) not in leases:
        leases.append((duid, addr))
        count["request"] += 1


KINDS = [("boot.ipxe", req_boot_ipxe), ("script", req_script), ("tftp", req_tftp),
         ("dhcp", req_dhcp)]
if os.environ.get("DHCP6") == "1":
    KINDS += [("solicit", req_solicit), ("request", req_request)]


def timed(fn):
    t0 = time.monotonic()
    fn()
    return (time.monotonic() - t0) * 1000


def save_counts(out):
    with open(out + ".count", "a") as f:
        for k, n in count.items():
            f.write("%s %d\n" % (k, n))
        f.write("serial %d\n" % state["serial"])
    with open(out + ".leases", "a") as f:
        for duid, addr in leases:
            f.write("%s %s\n" % (duid.hex().upper(), addr))


def idle(out):
    req_dhcp()		# scapy's first send costs its import, not the daemon
    figures = {}
    for name, fn in KINDS:
        t = sorted(timed(fn) for _ in range(7))
        figures[name] = t[len(t) // 2]
        print("# idle %-9s median %.1f ms (%s)" % (name, figures[name],
              " ".join("%.1f" % x for x in t)))
    with open(out, "w") as f:
        json.dump(figures, f)
    save_counts(out)
    return 0


def locked(idlefile, until, out):
    with open(idlefile) as f:
        figures = json.load(f)
    req_dhcp()		# warm the sockets again (a new process)
    while time.time() < until:
        late = []
        for name, fn in KINDS:
            limit = figures[name] + SLACK_MS
            tries = []
            for _ in range(REPEATS):
                tries.append(timed(fn))
                if tries[-1] <= limit:
                    break
            if min(tries) > limit:
                late.append("%s:%s/idle=%.1f" % (name, "/".join("%.1f" % x for x in tries),
                                                 figures[name]))
            else:
                print("# %s %.1f ms (idle %.1f)" % (name, min(tries), figures[name]))
        print("round %.3f %s" % (time.time(), " ".join(late) if late else "ok"))
        sys.stdout.flush()
        time.sleep(0.2)
    save_counts(out)
    return 0


def lease6(out):
    req_request()
    save_counts(out)
    return 0 if leases else 1


try:
    if mode == "idle":
        sys.exit(idle(args[0]))
    if mode == "lease6":
        sys.exit(lease6(args[0]))
    sys.exit(locked(args[0], float(args[1]), args[2]))
except (RuntimeError, OSError) as e:
    print("not ok - %s" % e)
    sys.exit(1)
