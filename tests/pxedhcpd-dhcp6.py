#!/usr/bin/python3
# tests/pxedhcpd-dhcp6.py: plays DHCPv6 boot firmware (RFC 5970) against
# pxedhcpd in the client namespace of tests/pxedhcpd-dhcp6.sh. Requests
# are built with scapy.layers.dhcp6 and multicast to ff02::1:2 from port
# 546; each reply is checked byte for byte against one built here from
# RFC 8415/5970 (server id = DUID-LL of the server's MAC, client id
# echoed, option 59, option 16 echoed for HTTPClient).
#
#   pxedhcpd-dhcp6.py IFACE SERVER-LL SERVER-MAC HTTPPORT SUITE
#
# SUITE: off (every request gets silence) | on (the whole protocol)
# Output: TAP lines; exit 1 if any check failed.
import logging
import os
import socket
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.dhcp6 import (DHCP6_Solicit, DHCP6_Request, DHCP6_InfoRequest,  # noqa: E402
                                DHCP6OptClientId, DHCP6OptServerId, DHCP6OptOptReq,
                                DHCP6OptVendorClass, VENDOR_CLASS_DATA, DHCP6OptUserClass,
                                USER_CLASS_DATA, DHCP6OptClientArchType, DHCP6OptElapsedTime,
                                DUID_LL)

iface, SERVER, SERVER_MAC, HTTPPORT, suite = sys.argv[1:6]
HTTPPORT = int(HTTPPORT)
IFINDEX = socket.if_nametoindex(iface)
ntest = nfail = 0

sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("::", 546))


def ok(cond, what, diag=None):
    global ntest, nfail
    ntest += 1
    print("%sok %d - %s" % ("" if cond else "not ", ntest, what))
    if not cond:
        nfail += 1
        if diag:
            for line in str(diag).splitlines():
                print("#   " + line)
    sys.stdout.flush()
    return cond


def macb(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def opt(code, data):
    return struct.pack("!HH", code, len(data)) + data


SERVER_DUID = b"\x00\x03\x00\x01" + macb(SERVER_MAC)
xid_n = os.getpid() & 0xffff


def new_xid():
    global xid_n
    xid_n += 1
    return xid_n & 0xffffff


def client_id(mac):
    return DHCP6OptClientId(duid=DUID_LL(lladdr=mac))


def vendor(cls, arch):
    data = ("%s:Arch:%05d:UNDI:003016" % (cls, arch)).encode()
    return DHCP6OptVendorClass(enterprisenum=343, vcdata=[VENDOR_CLASS_DATA(data=data)])


def exchange(raw, timeout=1.5):
    """Send raw to ff02::1:2:547 out of iface; the first reply with the same xid, or None."""
    while True:     # drain late replies of earlier cases
        sock.settimeout(0)
        try:
            sock.recv(4096)
        except (BlockingIOError, socket.timeout):
            break
    sock.sendto(raw, ("ff02::1:2", 547, 0, IFINDEX))
    sock.settimeout(timeout)
    try:
        while True:
            data, src = sock.recvfrom(4096)
            if len(data) >= 4 and data[1:4] == raw[1:4]:
                return data, src
    except socket.timeout:
        return None


def client_id_bytes(req):
    """Option 1 of the request as scapy wrote it."""
    i = 4
    while i + 4 <= len(req):
        code, n = struct.unpack("!HH", req[i:i + 4])
        if code == 1:
            return req[i:i + 4 + n]
        i += 4 + n
    return b""


def option16(req):
    i = 4
    while i + 4 <= len(req):
        code, n = struct.unpack("!HH", req[i:i + 4])
        if code == 16:
            return req[i:i + 4 + n]
        i += 4 + n
    return b""


def case(name, pkt, reply_type=None, url=None, echo16=False):
    raw = bytes(pkt)
    got = exchange(raw)
    if reply_type is None:
        return ok(got is None, "%s: silence" % name, got and "unexpected reply %s" % got[0].hex())
    if not ok(got is not None, "%s: answered" % name, "no reply within 1.5 s"):
        return False
    data, src = got
    ok(src[0].split("%")[0] == SERVER and src[1] == 547, "%s: from [%s]:547" % (name, SERVER),
       "got %s" % (src,))
    want = bytes([reply_type]) + raw[1:4] + opt(2, SERVER_DUID) + client_id_bytes(raw)
    want += opt(59, url.encode())
    if echo16:
        want += option16(raw)
    return ok(data == want, "%s: reply byte for byte (%s)" % (name, url),
              "got  %s\nwant %s" % (data.hex(), want.hex()))


TFTP7 = "tftp://[%s]/snponly.efi" % SERVER
HTTP16 = "http://[%s]:%d/snponly.efi" % (SERVER, HTTPPORT)
IPXE = "http://[%s]:%d/boot.ipxe" % (SERVER, HTTPPORT)
M1, M2, M3 = "52:54:00:66:00:07", "52:54:00:66:00:16", "52:54:00:66:00:99"
ELAPSED = DHCP6OptElapsedTime()


def solicit_pxe(mac, arch, cls="PXEClient"):
    return (DHCP6_Solicit(trid=new_xid()) / client_id(mac) / ELAPSED /
            DHCP6OptOptReq(reqopts=[23, 24, 59, 60]) / vendor(cls, arch) /
            DHCP6OptClientArchType(archtypes=[arch]))


if suite == "off":
    case("dhcp6.enabled = no: arch 7 SOLICIT", solicit_pxe(M1, 7))
elif suite == "on":
    # OVMF/EDK2 PXE over IPv6: vendor class 343 PXEClient, arch 7.
    case("EDK2 arch 7 SOLICIT", solicit_pxe(M1, 7), 2, TFTP7)
    # UEFI HTTP Boot: HTTPClient, arch 16: http URL, vendor class echoed.
    case("HTTPClient arch 16 SOLICIT", solicit_pxe(M2, 16, "HTTPClient"), 2, HTTP16, True)
    # iPXE: user class iPXE, the chain script.
    case("iPXE SOLICIT", solicit_pxe(M1, 7) / DHCP6OptUserClass(
        userclassdata=[USER_CLASS_DATA(data=b"iPXE")]), 2, IPXE)
    # A client asking for option 59 without a vendor class (pixiecore's test).
    case("ORO 59 only, arch 7", DHCP6_Solicit(trid=new_xid()) / client_id(M1) /
         DHCP6OptOptReq(reqopts=[59]) / DHCP6OptClientArchType(archtypes=[7]), 2, TFTP7)
    # REQUEST naming us gets REPLY; naming another server, silence.
    ours = DHCP6OptServerId(duid=DUID_LL(lladdr=SERVER_MAC))
    other = DHCP6OptServerId(duid=DUID_LL(lladdr="02:00:00:00:00:01"))
    case("REQUEST to us", DHCP6_Request(trid=new_xid()) / client_id(M1) / ours /
         DHCP6OptOptReq(reqopts=[59]) / vendor("PXEClient", 7) /
         DHCP6OptClientArchType(archtypes=[7]), 7, TFTP7)
    case("REQUEST to another server", DHCP6_Request(trid=new_xid()) / client_id(M1) / other /
         DHCP6OptOptReq(reqopts=[59]) / vendor("PXEClient", 7) /
         DHCP6OptClientArchType(archtypes=[7]))
    case("INFORMATION-REQUEST", DHCP6_InfoRequest(trid=new_xid()) / client_id(M1) /
         DHCP6OptOptReq(reqopts=[59]) / vendor("PXEClient", 7) /
         DHCP6OptClientArchType(archtypes=[7]), 7, TFTP7)
    # A SOLICIT naming a server is discarded (RFC 8415 §16.2).
    case("SOLICIT with a server id", solicit_pxe(M1, 7) / ours)
    # An ordinary host: no vendor class, no option 59 requested.
    case("non-PXE SOLICIT", DHCP6_Solicit(trid=new_xid()) / client_id(M3) / ELAPSED /
         DHCP6OptOptReq(reqopts=[23, 24]))
    # arch.oui.dca632 = 7 (set by the script): a Pi-like client reporting 0 is served as 7;
    # another OUI reporting 0 gets the BIOS loader's name.
    case("OUI dc:a6:32 reporting arch 0", solicit_pxe("dc:a6:32:00:00:01", 0), 2, TFTP7)
    case("OUI 52:54:00 reporting arch 0", solicit_pxe(M1, 0), 2,
         "tftp://[%s]/undionly.kpxe" % SERVER)
    # A denied client (bootctl client deny, by the MAC of its DUID-LL): silence.
    case("denied client", solicit_pxe("52:54:00:66:00:dd", 7))
    # An architecture without a loader: silence.
    case("arch 2 (no loader) SOLICIT", solicit_pxe(M1, 2))
    # Malformed: an option running past the end, then a truncated header.
    bad = bytes(solicit_pxe(M1, 7))
    case("option length past the end", bad[:-1])
    case("3-byte datagram", b"\x01\x00\x00")
    case("after the malformed ones, arch 7 SOLICIT", solicit_pxe(M1, 7), 2, TFTP7)
else:
    sys.exit("unknown suite " + suite)
print("1..%d" % ntest)
sys.exit(1 if nfail else 0)
