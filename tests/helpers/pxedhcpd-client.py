#!/usr/bin/python3
# tests/helpers/pxedhcpd-client.py: plays PXE firmware against pxedhcpd inside
# the client namespace of tests/pxedhcpd/*.sh and checks every reply byte by
# byte against a reply built here, independently of the C code, from
# pxedhcpd(8), PROXY MODE and Port 4011. Requests from 0.0.0.0 leave through
# scapy (layer 2); replies are read from ordinary UDP sockets, with IP_PKTINFO
# telling whether they were broadcast.
#
#   pxedhcpd-client.py IFACE SERVER MYIP HTTPPORT SUITE [ARGS]
#
# SUITE: firmware | replay PCAP... | malformed | static MAC IP HOSTNAME |
#        expect-offer MAC | expect-none MAC | expect-server MAC ADDR |
#        expect-delay MAC MS | oui MAC REPORTED-ARCH SERVED-ARCH FILE |
#        direct MAC ARCH | menu MAC ARCH TIMEOUT PROMPT TYPE=LABEL... |
#        menu-4011 MAC ARCH TYPE FILE|- | rpi MAC FILE|-
# Output: TAP lines; exit 1 if any check failed.
import logging
import os
import select
import socket
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
IP_PKTINFO = 8
COOKIE = bytes([99, 130, 83, 99])

iface, SERVER, MYIP, HTTPPORT, suite = sys.argv[1:6]
args = sys.argv[6:]
HTTPPORT = int(HTTPPORT)
ANNOUNCED = SERVER     # the address replies announce (setting server_address)
ntest = 0
nfail = 0


def ok(cond, what, diag=None):
    global ntest, nfail
    ntest += 1
    print("%sok %d - %s" % ("" if cond else "not ", ntest, what))
    if not cond:
        nfail += 1
        if diag:
            for line in diag.splitlines():
                print("#   " + line)
    sys.stdout.flush()
    return cond


def ip4(s):
    return socket.inet_aton(s)


def opt(code, data):
    if isinstance(data, str):
        data = data.encode()
    return bytes([code, len(data)]) + data


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def uuid_opt(u=b"\x00" * 16):
    return opt(97, b"\x00" + u)


PRL = bytes([1, 2, 3, 4, 5, 6, 12, 13, 15, 17, 18, 22, 23, 28, 40, 41, 42, 43,
             50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135])
IPXE175 = bytes.fromhex("b105011af41041eb03010000170101240101130101110101270101290101150101120101")


def request(mac, xid, mtype, opts, ciaddr="0.0.0.0", giaddr="0.0.0.0", flags=0x8000, hops=0):
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, hops, xid, 4, flags,
                      ip4(ciaddr), ip4("0.0.0.0"), ip4("0.0.0.0"), ip4(giaddr),
                      mac_bytes(mac) + b"\x00" * 10, b"", b"")
    return hdr + COOKIE + opt(53, bytes([mtype])) + b"".join(opts) + b"\xff"


def parse_opts(pkt):
    """Options of a request, first occurrence wins (like the daemon)."""
    out, i = {}, 240
    while i < len(pkt) and pkt[i] != 255:
        if pkt[i] == 0:
            i += 1
            continue
        code, ln = pkt[i], pkt[i + 1]
        out.setdefault(code, pkt[i + 2:i + 2 + ln])
        i += 2 + ln
    return out


# The model of the daemon's answers, straight from pxedhcpd(8).
LOADERS = {0: "undionly.kpxe", 7: "snponly.efi", 9: "snponly.efi", 16: "snponly.efi",
           11: "ipxe-arm64.efi"}
HTTP_ARCHS = {15, 16, 17, 18, 19, 26, 28, 30, 38, 40}
KNOWN_ARCHS = {0, 2, 6, 7, 8, 9, 10, 11, 25, 27, 29, 33, 34, 35, 36, 37, 39, 41} | HTTP_ARCHS


def classify(req):
    o = parse_opts(req)
    archs = []
    if 93 in o:
        archs = [struct.unpack("!H", o[93][i:i + 2])[0] for i in range(0, len(o[93]), 2)]
    arch = next((a for a in archs if a in KNOWN_ARCHS), archs[0] if archs else 0)
    uc = o.get(77, b"")
    ipxe = uc == b"iPXE" or b"\x04iPXE" in uc or (175 in o and 77 not in o)
    http = o.get(60, b"").startswith(b"HTTPClient") or arch in HTTP_ARCHS
    return o, arch, ipxe, http


def expected(req, mtype, port4011=False, lease=None, file_override=None, arch_served=None):
    """The reply pxedhcpd must send, byte for byte, or None for silence."""
    o, arch, ipxe, http = classify(req)
    if arch_served is not None:
        # arch.oui.XXXXXX: the architecture the server treats this client as.
        arch = arch_served
        http = o.get(60, b"").startswith(b"HTTPClient") or arch in HTTP_ARCHS
    if ipxe:
        f = "http://%s:%d/boot.ipxe" % (ANNOUNCED, HTTPPORT)
    elif arch not in LOADERS and file_override is None:
        return None
    elif file_override is not None:
        f = file_override
    elif http:
        f = "http://%s:%d/%s" % (ANNOUNCED, HTTPPORT, LOADERS[arch])
    else:
        f = LOADERS[arch]
    ciaddr = req[12:16]
    yiaddr = ciaddr if port4011 else b"\x00" * 4
    if lease:
        yiaddr = ip4(lease["ip"])
    if not (port4011 or mtype == 5):
        ciaddr = b"\x00" * 4
    flags = req[10:12]
    body = bytearray(struct.pack("!BBBB", 2, 1, 6, 0) + req[4:8] + b"\x00\x00" + flags)
    body += ciaddr + yiaddr + ip4(ANNOUNCED) + req[24:28] + req[28:44]
    body += ANNOUNCED.encode().ljust(64, b"\x00") + f.encode().ljust(128, b"\x00")
    body += COOKIE + opt(53, bytes([mtype])) + opt(54, ip4(ANNOUNCED))
    if lease:
        t = lease["time"]
        body += opt(51, struct.pack("!I", t)) + opt(58, struct.pack("!I", t // 2))
        body += opt(59, struct.pack("!I", t // 8 * 7)) + opt(1, ip4(lease["mask"]))
        body += opt(3, ip4(lease["router"])) + opt(6, ip4(lease["dns"]))
        body += opt(12, lease["hostname"]) + opt(15, lease["domain"])
    body += opt(60, "HTTPClient" if http else "PXEClient")
    if 97 in o:
        body += opt(97, o[97])
    body += opt(67, f)
    v43 = o.get(43, b"")
    if port4011 and len(v43) >= 6 and v43[0] == 71 and v43[1] == 4:
        body += opt(43, v43[:6] + b"\xff")
    elif not port4011 and not http and (arch == 0 or arch == 41):
        body += opt(43, b"\x06\x01\x08\xff")
    body += b"\xff"
    if len(body) < 300:
        body += b"\x00" * (300 - len(body))
    return bytes(body)


FIELDS = [("op", 0, 1), ("htype", 1, 2), ("hlen", 2, 3), ("hops", 3, 4), ("xid", 4, 8),
          ("secs", 8, 10), ("flags", 10, 12), ("ciaddr", 12, 16), ("yiaddr", 16, 20),
          ("siaddr", 20, 24), ("giaddr", 24, 28), ("chaddr", 28, 44), ("sname", 44, 108),
          ("file", 108, 236), ("cookie", 236, 240)]


def diff(got, want):
    lines = []
    for name, a, b in FIELDS:
        if got[a:b] != want[a:b]:
            lines.append("%s: got %s want %s" % (name, got[a:b].hex(), want[a:b].hex()))
    if got[240:] != want[240:]:
        lines.append("options: got  %s" % got[240:].rstrip(b"\x00").hex())
        lines.append("options: want %s" % want[240:].rstrip(b"\x00").hex())
    if len(got) != len(want):
        lines.append("length: got %d want %d" % (len(got), len(want)))
    return "\n".join(lines)


class Rx:
    """UDP sockets on 67, 68 and 4011 that report source and destination of each reply."""

    def __init__(self):
        self.socks = []
        for port in (67, 68, 4011):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
            s.bind(("0.0.0.0", port))
            self.socks.append((port, s))

    def drain(self):
        while self.recv(0.0) is not None:
            pass

    def recv(self, timeout):
        r, _, _ = select.select([s for _, s in self.socks], [], [], timeout)
        if not r:
            return None
        s = r[0]
        port = next(p for p, x in self.socks if x is s)
        data, anc, _, src = s.recvmsg(4096, 256)
        dst = None
        for lvl, typ, val in anc:
            if lvl == socket.IPPROTO_IP and typ == IP_PKTINFO:
                dst = socket.inet_ntoa(val[8:12])
        return data, src, (dst, port)

    def wait(self, xid, timeout=1.5):
        """The first reply with this xid, or None."""
        while True:
            got = self.recv(timeout)
            if got is None:
                return None
            if got[0][4:8] == struct.pack("!I", xid):
                return got


_l2 = None


def send_bcast(payload, sport=68, dport=67):
    """A datagram from 0.0.0.0 to 255.255.255.255, as firmware sends it (layer 2)."""
    global _l2
    from scapy.all import Ether, IP, UDP, Raw, conf  # noqa: late import: slow
    if _l2 is None:
        _l2 = conf.L2socket(iface=iface)
    _l2.send(Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") /
             UDP(sport=sport, dport=dport) / Raw(payload))


def send_udp(payload, dst, sport, dport):
    """A unicast datagram from our address (the receiving socket of sport sends it)."""
    next(s for p, s in rx.socks if p == sport).sendto(payload, (dst, dport))


rx = Rx()
xid_next = [0x4e420000]


def new_xid():
    xid_next[0] += 1
    return xid_next[0]


def check_reply(name, req, xid, want, src_port, dst):
    got = rx.wait(xid)
    if want is None:
        return ok(got is None, "%s: silence" % name,
                  got and "unexpected reply from %s: %s" % (got[1], got[0][:300].hex()))
    if not ok(got is not None, "%s: answered" % name, "no reply within 1.5 s"):
        return False
    data, src, (dip, dport) = got
    ok(src == (SERVER, src_port), "%s: from %s:%d" % (name, SERVER, src_port), "got %s" % (src,))
    ok((dip, dport) == dst, "%s: to %s:%d" % (name, dst[0], dst[1]), "got %s:%s" % (dip, dport))
    ok(len(data) <= 1472, "%s: %d bytes <= 1472" % (name, len(data)))
    return ok(data == want, "%s: reply byte for byte" % name, diff(data, want))


def discover(name, mac, opts, mtype=1, want_type=2, silent=False, flags=0x8000, **kw):
    xid = new_xid()
    req = request(mac, xid, mtype, opts, flags=flags)
    want = None if silent else expected(req, want_type, **kw)
    rx.drain()
    send_bcast(req)
    return check_reply(name, req, xid, want, 67, ("255.255.255.255", 68))


def vc(prefix, arch, undi):
    return opt(60, "%s:Arch:%05d:UNDI:%s" % (prefix, arch, undi))


def arch_opt(*a):
    return opt(93, b"".join(struct.pack("!H", x) for x in a))


def suite_firmware():
    u = bytes(range(16))
    # Intel UNDI BIOS ROM (asrock capture): 43.6 = 8, file at once.
    discover("BIOS ROM", "d0:50:99:00:00:01", [opt(57, b"\x04\xec"), opt(55, PRL),
             vc("PXEClient", 0, "002001"), arch_opt(0), opt(94, b"\x01\x02\x01"), uuid_opt(u)])
    # OVMF PXE, exactly as in the capture (frame 1): no option 43.
    discover("OVMF arch 7", "52:54:00:77:00:02", [opt(57, b"\x05\xc0"), opt(55, PRL),
             uuid_opt(), opt(94, b"\x01\x03\x00"), arch_opt(7), vc("PXEClient", 7, "003000")])
    discover("EFI arch 9", "52:54:00:77:00:09", [arch_opt(9), vc("PXEClient", 9, "003000"),
             uuid_opt(u)])
    discover("arm64 arch 11", "52:54:00:77:00:0b", [arch_opt(11), vc("PXEClient", 11, "003000"),
             uuid_opt(u)])
    # A list in option 93: the first known entry counts (smee Arch()).
    discover("arch list 0x1234,7", "52:54:00:77:00:0c", [arch_opt(0x1234, 7),
             vc("PXEClient", 7, "003000")])
    discover("unknown arch 12", "52:54:00:77:00:0d", [arch_opt(12), vc("PXEClient", 12, "003000")],
             silent=True)
    discover("x86 UEFI arch 6 (no ia32 loader installed)", "52:54:00:77:00:06",
             [arch_opt(6), vc("PXEClient", 6, "003000")], silent=True)
    # iPXE: raw user class "iPXE" (not RFC 3004) and option 175 (capture frame 8).
    discover("iPXE BIOS", "52:54:00:77:00:01", [opt(57, b"\x05\xc0"), arch_opt(0),
             opt(94, b"\x01\x02\x01"), vc("PXEClient", 0, "002001"), opt(77, "iPXE"),
             opt(175, IPXE175), uuid_opt()], flags=0)
    discover("iPXE EFI", "52:54:00:77:00:02", [opt(57, b"\x05\xc0"), arch_opt(7),
             opt(94, b"\x01\x03\x0a"), vc("PXEClient", 7, "003010"), opt(77, "iPXE"),
             opt(175, IPXE175), opt(61, b"\x01\x52\x54\x00\x77\x00\x02"), uuid_opt()], flags=0)
    discover("iPXE, RFC 3004 user class", "52:54:00:77:00:22", [arch_opt(7),
             vc("PXEClient", 7, "003010"), opt(77, b"\x04iPXE")])
    discover("iPXE by option 175 only (FlexBoot)", "52:54:00:77:00:23", [arch_opt(0),
             vc("PXEClient", 0, "002001"), opt(175, IPXE175)])
    discover("iPXE built without HTTP (175.21 only)", "52:54:00:77:00:24", [arch_opt(7),
             vc("PXEClient", 7, "003010"), opt(77, "iPXE"), opt(175, b"\x15\x01\x01")])
    # The testbed's bios-pxe: iPXE told "set user-class PXE-BIOS-EMU" still sends 175.
    discover("175 with another user class: plain PXE", "52:54:00:77:00:04", [arch_opt(0),
             vc("PXEClient", 0, "002001"), opt(77, "PXE-BIOS-EMU"), opt(175, IPXE175)])
    discover("HTTPClient arch 16", "52:54:00:77:00:03", [opt(57, b"\x05\xc0"), opt(55, PRL),
             uuid_opt(), opt(94, b"\x01\x03\x00"), arch_opt(16), vc("HTTPClient", 16, "003000")])
    discover("non-PXE client", "52:54:00:77:00:99", [opt(60, "MSFT 5.0"), opt(55, PRL)],
             silent=True)
    discover("no vendor class", "52:54:00:77:00:98", [opt(55, PRL)], silent=True)
    discover("no option 97 (Intel)", "52:54:00:77:00:97", [arch_opt(0),
             vc("PXEClient", 0, "002001")])
    discover("no option 93: BIOS", "52:54:00:77:00:96", [opt(60, "PXEClient")])
    # Relayed: unicast from the relay's port 67, answer to giaddr:67.
    xid = new_xid()
    req = request("52:54:00:77:00:55", xid, 1, [arch_opt(7), vc("PXEClient", 7, "003000"),
                  uuid_opt(u)], giaddr=MYIP, hops=1, flags=0)
    rx.drain()
    send_udp(req, SERVER, 67, 67)
    check_reply("relayed arch 7", req, xid, expected(req, 2), 67, (MYIP, 67))
    # Port 4011, EDK2 (capture frame 6): from port 4011 with ciaddr; answered to port 4011.
    xid = new_xid()
    req = request("52:54:00:77:00:02", xid, 3, [opt(55, PRL), opt(57, b"\x05\xc0"),
                  vc("PXEClient", 7, "003000"), arch_opt(7), opt(94, b"\x01\x03\x00"),
                  uuid_opt()], ciaddr=MYIP, flags=0)
    rx.drain()
    send_udp(req, SERVER, 4011, 4011)
    check_reply("port 4011 arch 7", req, xid, expected(req, 5, port4011=True), 4011,
                (MYIP, 4011))
    # Port 4011 from a BIOS ROM (netboot#132), from port 68, with boot item 43.71.
    xid = new_xid()
    req = request("d0:50:99:00:00:01", xid, 3, [vc("PXEClient", 0, "002001"), arch_opt(0),
                  opt(43, b"\x47\x04\x80\x00\x00\x00\xff"), uuid_opt(u)], ciaddr=MYIP, flags=0)
    rx.drain()
    send_udp(req, SERVER, 68, 4011)
    check_reply("port 4011 arch 0 boot item", req, xid, expected(req, 5, port4011=True), 4011,
                (MYIP, 68))
    xid = new_xid()
    req = request("d0:50:99:00:00:01", xid, 8, [vc("PXEClient", 0, "002001"), arch_opt(0)],
                  ciaddr=MYIP, flags=0)
    rx.drain()
    send_udp(req, SERVER, 68, 4011)
    check_reply("port 4011 INFORM", req, xid, expected(req, 5, port4011=True), 4011, (MYIP, 68))
    xid = new_xid()
    req = request("d0:50:99:00:00:01", xid, 3, [vc("PXEClient", 0, "002001"), arch_opt(0),
                  opt(43, b"\x47\x04\x80\x00\x80\x00\xff")], ciaddr=MYIP, flags=0)
    rx.drain()
    send_udp(req, SERVER, 68, 4011)
    check_reply("port 4011 PXE BIS layer", req, xid, None, 4011, None)
    # REQUEST on 67: ACKed only when its server identifier is ours.
    discover("REQUEST naming us", "52:54:00:77:00:33", [arch_opt(0), vc("PXEClient", 0, "002001"),
             opt(54, ip4(SERVER))], mtype=3, want_type=5)
    discover("REQUEST naming the router", "52:54:00:77:00:34", [arch_opt(0),
             vc("PXEClient", 0, "002001"), opt(54, ip4("10.77.0.1"))], mtype=3, silent=True)
    # Option 57 smaller than the reply would need is honoured, never below 576.
    discover("maxsize 576", "52:54:00:77:00:35", [opt(57, b"\x02\x40"), arch_opt(0),
             vc("PXEClient", 0, "002001")])


def suite_replay(paths):
    from scapy.all import rdpcap, UDP
    seen = seen4011 = 0
    for path in paths:
        for pkt in rdpcap(path):
            if UDP not in pkt:
                continue
            raw = bytes(pkt[UDP].payload)
            o = parse_opts(raw)
            if pkt[UDP].dport == 4011 and o.get(53) == b"\x03":
                # A port 4011 REQUEST, resent from our address and the same source port.
                xid = struct.unpack("!I", raw[4:8])[0]
                rx.drain()
                send_udp(raw, SERVER, pkt[UDP].sport, 4011)
                check_reply("replay %s xid %08x port 4011 REQUEST" % (os.path.basename(path),
                            xid), raw, xid, expected(raw, 5, port4011=True), 4011,
                            (MYIP, pkt[UDP].sport))
                seen4011 += 1
                continue
            if pkt[UDP].dport != 67 or pkt[UDP].sport != 68:
                continue
            if o.get(53) != b"\x01":
                continue
            seen += 1
            xid = struct.unpack("!I", raw[4:8])[0]
            pxe = o.get(60, b"").startswith((b"PXEClient", b"HTTPClient"))
            want = expected(raw, 2) if pxe else None
            rx.drain()
            send_bcast(raw)
            check_reply("replay %s xid %08x %s" % (os.path.basename(path), xid,
                        o.get(60, b"(no vendor class)").decode("ascii", "replace")),
                        raw, xid, want, 67, ("255.255.255.255", 68))
    ok(seen >= 5, "replayed %d DISCOVERs from the captures" % seen)
    ok(seen4011 >= 2, "replayed %d port 4011 REQUESTs from the captures" % seen4011)


def suite_malformed():
    good = request("52:54:00:77:00:44", 0x11111111, 1, [arch_opt(0), vc("PXEClient", 0, "002001")])
    hdr = good[:240]
    bad = [
        ("1 byte", b"\x01"),
        ("truncated header", good[:100]),
        ("header only, no cookie", hdr[:236]),
        ("no magic cookie", hdr[:236] + b"\x00\x00\x00\x00" + good[240:]),
        ("option length past the end", hdr + opt(53, b"\x01") + b"\x3c\x40PXEClient"),
        ("no end option", good[:-1]),
        ("option without length byte", hdr + opt(53, b"\x01") + b"\x3c"),
        ("op 2 (BOOTREPLY)", b"\x02" + good[1:]),
        ("htype 6", good[:1] + b"\x06" + good[2:]),
        ("hlen 16", good[:2] + b"\x10" + good[3:]),
        ("huge option list (700 options)", hdr + opt(53, b"\x01") + b"\x01\x00" * 600 + b"\xff"),
        ("option 93 of odd length", hdr + opt(53, b"\x01") + opt(93, b"\x00") +
         opt(60, "PXEClient") + b"\xff"),
        ("bad message type length", hdr + opt(53, b"\x01\x01") + opt(60, "PXEClient") + b"\xff"),
        ("1400 bytes of zeros", b"\x00" * 1400),
        ("1400 bytes of 0xff", b"\xff" * 1400),
        ("bad overload", hdr + opt(53, b"\x01") + opt(52, b"\x07") + b"\xff"),
    ]
    for name, data in bad:
        send_bcast(data)
    print("# sent %d malformed datagrams" % len(bad))
    xid = new_xid()
    req = request("52:54:00:77:00:44", xid, 1, [arch_opt(0), vc("PXEClient", 0, "002001")])
    rx.drain()
    send_bcast(req)
    check_reply("valid DISCOVER after the malformed ones", req, xid, expected(req, 2), 67,
                ("255.255.255.255", 68))


def suite_static(mac, ip, hostname):
    lease = {"ip": ip, "time": 3600, "mask": "255.255.255.0", "router": "10.77.0.1",
             "dns": "10.77.0.1", "hostname": hostname, "domain": "lab.example"}
    for mtype, want_type, extra, name in ((1, 2, [], "static OFFER"),
                                          (3, 5, [opt(54, ip4(SERVER)), opt(50, ip4(ip))],
                                           "static ACK")):
        xid = new_xid()
        req = request(mac, xid, mtype, [arch_opt(0), vc("PXEClient", 0, "002001")] + extra)
        want = expected(req, want_type, lease=lease)
        rx.drain()
        send_bcast(req)
        check_reply(name + " (PXE client, with boot file)", req, xid, want, 67,
                    ("255.255.255.255", 68))
    # A plain DHCP client with a static address: address, no boot information.
    xid = new_xid()
    req = request(mac, xid, 1, [opt(55, PRL)])
    rx.drain()
    send_bcast(req)
    got = rx.wait(xid)
    ok(got is not None and got[0][16:20] == ip4(ip) and got[0][20:24] == b"\x00" * 4 and
       b"PXEClient" not in got[0], "static OFFER to a non-PXE client: yiaddr, no siaddr/boot",
       got and got[0][:300].hex())
    xid = new_xid()
    req = request(mac, xid, 3, [opt(54, ip4(SERVER)), opt(50, ip4("10.77.0.61"))])
    rx.drain()
    send_bcast(req)
    check_reply("REQUEST for an address not ours", req, xid, None, 67, None)
    xid = new_xid()
    req = request(mac, xid, 3, [opt(54, ip4("10.77.0.1")), opt(50, ip4(ip))])
    rx.drain()
    send_bcast(req)
    check_reply("REQUEST to another server", req, xid, None, 67, None)
    for m in ("52:54:00:aa:bb:01",):
        xid = new_xid()
        req = request(m, xid, 1, [opt(55, PRL)])
        rx.drain()
        send_bcast(req)
        check_reply("unknown client in static mode", req, xid, None, 67, None)


def suite_timing(mac, ms):
    """The reply comes no sooner than ms milliseconds (pxe.reply_delay_ms)."""
    import time
    xid = new_xid()
    req = request(mac, xid, 1, [arch_opt(0), vc("PXEClient", 0, "002001")])
    rx.drain()
    t0 = time.monotonic()
    send_bcast(req)
    got = rx.wait(xid, timeout=ms / 1000 + 5)
    dt = (time.monotonic() - t0) * 1000
    ok(got is not None and got[0] == expected(req, 2), "delayed reply, byte for byte")
    # Only the lower bound is the setting's promise; how late the reply
    # comes on a loaded machine is the scheduler's (a busy CI once took 2 s).
    ok(got is not None and dt >= ms, "reply after %.0f ms (delay %d ms)" % (dt, ms))


def suite_expect(mac, answered):
    discover("%s %s" % (mac, "answered" if answered else "ignored"), mac,
             [arch_opt(0), vc("PXEClient", 0, "002001")], silent=not answered)


def suite_oui(mac, reported, served, f):
    """arch.oui.XXXXXX: a client reporting arch `reported` is served as `served`, file f."""
    reported, served = int(reported), int(served)
    discover("%s reporting arch %d served as arch %d with %s" % (mac, reported, served, f), mac,
             [arch_opt(reported), vc("PXEClient", reported, "002001"), uuid_opt()],
             file_override=f, arch_served=served)


def menu43(items, timeout, prompt):
    """Option 43 of a menu offer, from PXE 2.1 §2.4 and dnsmasq's answer: 43.6 = 3,
    43.8 this server for every item but local ones (type 0), 43.9, 43.10, end."""
    v = bytes([6, 1, 3])
    servers = b"".join(struct.pack("!HB", t, 1) + ip4(ANNOUNCED) for t, _ in items if t != 0)
    if servers:
        v += bytes([8, len(servers)]) + servers
    menu = b"".join(struct.pack("!HB", t, len(label)) + label.encode() for t, label in items)
    v += bytes([9, len(menu)]) + menu
    v += bytes([10, 1 + len(prompt), timeout]) + prompt.encode()
    return v + b"\xff"


def expected_pxe(req, mtype, v43, f=None, siaddr=False, port4011=False):
    """A PXE reply without the usual boot file: a menu offer (no siaddr, sname or file, as
    dnsmasq's), the Raspberry Pi offer (siaddr for its TFTP), or a local-boot ACK."""
    o = parse_opts(req)
    ciaddr = req[12:16]
    yiaddr = ciaddr if port4011 else b"\x00" * 4
    if not port4011:
        ciaddr = b"\x00" * 4
    si = ip4(ANNOUNCED) if f or siaddr else b"\x00" * 4
    sname = ANNOUNCED.encode() if f or siaddr else b""
    body = bytearray(struct.pack("!BBBB", 2, 1, 6, 0) + req[4:8] + b"\x00\x00" + req[10:12])
    body += ciaddr + yiaddr + si + req[24:28] + req[28:44]
    body += sname.ljust(64, b"\x00") + (f or "").encode().ljust(128, b"\x00")
    body += COOKIE + opt(53, bytes([mtype])) + opt(54, ip4(ANNOUNCED)) + opt(60, "PXEClient")
    if 97 in o:
        body += opt(97, o[97])
    if f:
        body += opt(67, f)
    if v43:
        body += opt(43, v43)
    body += b"\xff"
    return bytes(body.ljust(300, b"\x00"))


def pxe_discover(name, mac, arch, want_fn):
    xid = new_xid()
    req = request(mac, xid, 1, [opt(57, b"\x04\xec"), opt(55, PRL), vc("PXEClient", arch, "002001"),
                  arch_opt(arch), opt(94, b"\x01\x02\x01"), uuid_opt(bytes(range(16)))])
    rx.drain()
    send_bcast(req)
    return check_reply(name, req, xid, want_fn(req), 67, ("255.255.255.255", 68))


def suite_direct(mac, arch):
    """Today's answer, byte for byte: 43.6 = 8 for BIOS, no option 43 for UEFI."""
    arch = int(arch)
    pxe_discover("%s arch %d: direct boot, no menu" % (mac, arch), mac, arch,
                 lambda req: expected(req, 2))


def suite_menu(mac, arch, timeout, prompt, *items):
    arch, timeout = int(arch), int(timeout)
    its = [(int(i.split("=", 1)[0]), i.split("=", 1)[1]) for i in items]
    v43 = menu43(its, timeout, prompt)
    pxe_discover("%s arch %d: menu of %d items, no file" % (mac, arch, len(its)), mac, arch,
                 lambda req: expected_pxe(req, 2, v43))


def suite_menu_4011(mac, arch, btype, f):
    """The REQUEST a PXE ROM sends to port 4011 for the item chosen (43.71 type, layer 0)."""
    arch, btype = int(arch), int(btype, 0)
    xid = new_xid()
    item = struct.pack("!HH", btype, 0)
    req = request(mac, xid, 3, [vc("PXEClient", arch, "002001"), arch_opt(arch),
                  opt(43, bytes([71, 4]) + item + b"\xff"), uuid_opt(bytes(range(16)))],
                  ciaddr=MYIP, flags=0)
    if f == "-":
        want = expected_pxe(req, 5, bytes([71, 4]) + item + b"\xff", port4011=True)
    else:
        want = expected(req, 5, port4011=True, file_override=f)
    rx.drain()
    send_udp(req, SERVER, 68, 4011)
    check_reply("%s port 4011 boot item type %d: %s" % (mac, btype,
                "local boot, no file" if f == "-" else f), req, xid, want, 4011, (MYIP, 68))


def suite_rpi(mac, f):
    """pxe.menu.rpi: what dnsmasq's pxe-service=0,"Raspberry Pi Boot" sends, with siaddr."""
    v43 = menu43([(0, "Raspberry Pi Boot")], 0, "PXE")
    f = None if f == "-" else f
    pxe_discover("%s Raspberry Pi bootloader (arch 0): 43.9 Raspberry Pi Boot, file %s" %
                 (mac, f), mac, 0, lambda req: expected_pxe(req, 2, v43, f=f, siaddr=True))


if suite == "firmware":
    suite_firmware()
elif suite == "replay":
    suite_replay(args)
elif suite == "malformed":
    suite_malformed()
elif suite == "static":
    suite_static(*args)
elif suite == "expect-offer":
    suite_expect(args[0], True)
elif suite == "expect-none":
    suite_expect(args[0], False)
elif suite == "expect-server":
    ANNOUNCED = args[1]
    suite_expect(args[0], True)
elif suite == "oui":
    suite_oui(*args)
elif suite == "direct":
    suite_direct(*args)
elif suite == "menu":
    suite_menu(*args)
elif suite == "menu-4011":
    suite_menu_4011(*args)
elif suite == "rpi":
    suite_rpi(*args)
elif suite == "expect-delay":
    suite_timing(args[0], int(args[1]))
else:
    sys.exit("unknown suite " + suite)
print("1..%d" % ntest)
sys.exit(1 if nfail else 0)
