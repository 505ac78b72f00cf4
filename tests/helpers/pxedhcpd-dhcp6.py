#!/usr/bin/python3
# tests/helpers/pxedhcpd-dhcp6.py: plays DHCPv6 boot firmware (RFC 5970) against
# pxedhcpd in the client namespace of tests/pxedhcpd/dhcp6.sh. Requests
# are built with scapy.layers.dhcp6 and multicast to ff02::1:2 from port
# 546; each reply is checked byte for byte against one built here from
# RFC 8415/5970 (server id = DUID-LL of the server's MAC, client id
# echoed, option 59, option 16 echoed for HTTPClient).
#
#   pxedhcpd-dhcp6.py IFACE SERVER-LL SERVER-MAC HTTPPORT SUITE [URLHOST [POOL]]
#
# SUITE: off (every request gets silence) | on (the whole protocol) |
# replay (OVMF's own SOLICIT, REQUEST and RELEASE from a capture, given as
# the 8th argument, with the server id and address made ours) |
# stateful (dhcp6.pool set: IA_NA leases, RENEW, REBIND, CONFIRM,
# DECLINE, RELEASE) | again (after a restart: the lease is remembered) |
# gone (after bootctl lease rm: RENEW gets NoBinding, REBIND binds again) |
# race-bind (client RACE_N in the environment takes a lease, printed) |
# race-renew (it renews RACE_ADDR: RENEW=bound or RENEW=nobinding) |
# full (a pool of two addresses runs out) | forge (a DUID-LL naming a
# victim's MAC sent from another EUI-64 source, and from a forged source
# that answers no neighbour solicitation) | forge-ok (the victim's own
# source confirms it) | flood-mac (70 REQUESTs with fresh DUIDs from one
# source) | flood-link (70 REQUESTs with fresh DUIDs from 70 forged
# sources). URLHOST is the address the boot file URLs name (default
# SERVER-LL); POOL is "START-END".
#
# Each request goes out from the EUI-64 link-local address of the MAC its
# DUID-LL names (added to IFACE here), as firmware sends it: pxedhcpd
# believes a MAC only from the source address or its neighbour table.
# Output: TAP lines; exit 1 if any check failed.
import logging
import os
import socket
import struct
import subprocess
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.dhcp6 import (DHCP6_Solicit, DHCP6_Request, DHCP6_InfoRequest,  # noqa: E402
                                DHCP6OptClientId, DHCP6OptServerId, DHCP6OptOptReq,
                                DHCP6OptVendorClass, VENDOR_CLASS_DATA, DHCP6OptUserClass,
                                USER_CLASS_DATA, DHCP6OptClientArchType, DHCP6OptElapsedTime,
                                DUID_LL)

iface, SERVER, SERVER_MAC, HTTPPORT, suite = sys.argv[1:6]
URLHOST = sys.argv[6] if len(sys.argv) > 6 else SERVER
POOL = sys.argv[7].split("-") if len(sys.argv) > 7 else None
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


def eui64_ll(mac):
    """The EUI-64 link-local address of mac (RFC 4291 appendix A)."""
    b = macb(mac)
    iid = bytes([b[0] ^ 2]) + b[1:3] + b"\xff\xfe" + b[3:]
    return socket.inet_ntop(socket.AF_INET6, b"\xfe\x80" + b"\x00" * 6 + iid)


have_ll = set()


def ensure_ll(addr):
    """Add addr to iface (no duplicate address detection), once."""
    if addr not in have_ll:
        subprocess.run(["ip", "-6", "addr", "add", addr + "/64", "dev", iface, "nodad"],
                       stderr=subprocess.DEVNULL)
        have_ll.add(addr)


# Client ids (option 1 bytes) sent from the EUI-64 address of another MAC than their DUID's.
SRC_MAC = {}


def source_for(raw):
    """The source address a request goes out from: see the top of this file."""
    cid = client_id_bytes(raw)
    if cid in SRC_MAC:
        return eui64_ll(SRC_MAC[cid])
    duid = cid[4:]
    if duid[:4] == b"\x00\x03\x00\x01" and len(duid) == 10:
        return eui64_ll(":".join("%02x" % c for c in duid[4:]))
    if duid[:4] == b"\x00\x01\x00\x01" and len(duid) == 14:
        return eui64_ll(":".join("%02x" % c for c in duid[8:]))
    # Else the interface's own (the kernel could pick any of those added).
    with open("/sys/class/net/%s/address" % iface) as f:
        return eui64_ll(f.read().strip())


def send(raw):
    src = source_for(raw)
    ensure_ll(src)
    pktinfo = socket.inet_pton(socket.AF_INET6, src) + struct.pack("@I", IFINDEX)
    sock.sendmsg([raw], [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, pktinfo)], 0,
                 ("ff02::1:2", 547, 0, IFINDEX))


def exchange(raw, timeout=1.5):
    """Send raw to ff02::1:2:547 out of iface; the first reply with the same xid, or None."""
    while True:     # drain late replies of earlier cases
        sock.settimeout(0)
        try:
            sock.recv(4096)
        except (BlockingIOError, socket.timeout):
            break
    send(raw)
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


TFTP7 = "tftp://[%s]/snponly.efi" % URLHOST
HTTP16 = "http://[%s]:%d/snponly.efi" % (URLHOST, HTTPPORT)
IPXE = "http://[%s]:%d/boot.ipxe" % (URLHOST, HTTPPORT)
M1, M2, M3 = "52:54:00:66:00:07", "52:54:00:66:00:16", "52:54:00:66:00:99"
ELAPSED = DHCP6OptElapsedTime()


def solicit_pxe(mac, arch, cls="PXEClient"):
    return (DHCP6_Solicit(trid=new_xid()) / client_id(mac) / ELAPSED /
            DHCP6OptOptReq(reqopts=[23, 24, 59, 60]) / vendor(cls, arch) /
            DHCP6OptClientArchType(archtypes=[arch]))


# ------------------------------------------------------------ stateful mode
# Requests are built as raw bytes, as EDK2 sends them (PxeBcDhcp6Sarr): a
# DUID-UUID client id (OVMF sends a DUID-LLT, replayed from its capture;
# EDK2 can be built for DUID-UUID), elapsed time, ORO, vendor class 343, arch 7, NII,
# and one IA_NA. The client's MAC is then known only from its EUI-64
# link-local source address, which the script's shell checks.
LEASE = 600             # dhcp6.lease_time, set by the shell
DNS = "fd78::53"        # dhcp6.dns


def raw_msg(mtype, xid, *opts):
    return bytes([mtype]) + struct.pack("!I", xid)[1:] + b"".join(opts)


def uuid_duid(n):
    return opt(1, b"\x00\x04" + bytes([0x11] * 15 + [n]))


def ia_na_req(iaid, addr=None):
    body = struct.pack("!III", iaid, 0, 0)
    if addr:
        body += opt(5, socket.inet_pton(socket.AF_INET6, addr) + struct.pack("!II", 0, 0))
    return opt(3, body)


def ia_na_ok(iaid, addr):
    return opt(3, struct.pack("!III", iaid, LEASE // 2, LEASE // 5 * 4) +
               opt(5, socket.inet_pton(socket.AF_INET6, addr) + struct.pack("!II", LEASE, LEASE)))


def status(code, msg):
    return opt(13, struct.pack("!H", code) + msg.encode())


def ia_na_status(iaid, code, msg):
    return opt(3, struct.pack("!III", iaid, 0, 0) + status(code, msg))


def edk2(mtype, cid, ia, server=False):
    vc = ("PXEClient:Arch:00007:UNDI:003016").encode()
    return raw_msg(mtype, new_xid(), cid, opt(8, b"\x00\x00"),
                   opt(6, struct.pack("!HHHH", 59, 60, 23, 24)),
                   opt(16, struct.pack("!IH", 343, len(vc)) + vc),
                   opt(61, b"\x00\x07"), opt(62, b"\x01\x03\x00"), ia,
                   *([opt(2, SERVER_DUID)] if server else []))


def options(data):
    """The options of a reply as a list of (code, body)."""
    out, i = [], 4
    while i + 4 <= len(data):
        code, n = struct.unpack("!HH", data[i:i + 4])
        out.append((code, data[i + 4:i + 4 + n]))
        i += 4 + n
    return out


def leased(data):
    """The address of the first IA_NA's IAADDR in a reply, or None."""
    for code, body in options(data):
        if code == 3 and len(body) >= 12 + 4 + 24 and body[12:14] == b"\x00\x05":
            return socket.inet_ntop(socket.AF_INET6, body[16:32])
    return None


def in_pool(addr):
    a = socket.inet_pton(socket.AF_INET6, addr)
    return (socket.inet_pton(socket.AF_INET6, POOL[0]) <= a <=
            socket.inet_pton(socket.AF_INET6, POOL[1]))


def expect(name, raw, want_fn):
    """Send raw; want_fn(reply) builds the expected bytes (None: silence expected)."""
    got = exchange(raw)
    want = want_fn(got[0] if got else None)
    if want is None:
        return ok(got is None, "%s: silence" % name, got and "unexpected reply %s" % got[0].hex())
    if not ok(got is not None, "%s: answered" % name, "no reply within 1.5 s"):
        return None
    ok(got[0] == want, "%s: reply byte for byte" % name,
       "got  %s\nwant %s" % (got[0].hex(), want.hex()))
    return got[0]


def head(mtype, raw, cid):
    return bytes([mtype]) + raw[1:4] + opt(2, SERVER_DUID) + cid


def stateful(which):
    dns = opt(23, socket.inet_pton(socket.AF_INET6, DNS))
    url = opt(59, TFTP7.encode())
    A, B, C = uuid_duid(1), uuid_duid(2), uuid_duid(3)
    # A from the interface's own address; B and C are other machines.
    SRC_MAC[B], SRC_MAC[C] = "02:77:00:00:00:51", "02:77:00:00:00:52"
    if which == "again":
        # The lease of A (written before the restart) is A's again.
        raw = edk2(1, A, ia_na_req(1))
        got = exchange(raw)
        addr = got and leased(got[0])
        ok(addr == os.environ.get("LEASED_A"), "after a restart, A is offered its lease %s"
           % os.environ.get("LEASED_A"), "got %s" % addr)
        return
    if which == "race-bind":
        # SOLICIT and REQUEST of client RACE_N: the address it was granted.
        cid = uuid_duid(int(os.environ["RACE_N"]))
        got = exchange(edk2(1, cid, ia_na_req(1)))
        addr = got and leased(got[0])
        if ok(addr is not None, "race: an address offered", "got %s" % addr):
            raw = edk2(3, cid, ia_na_req(1, addr), True)
            expect("race: REQUEST granted", raw,
                   lambda d: head(7, raw, cid) + url + ia_na_ok(1, addr) + dns)
            print("RACE_ADDR=%s" % addr)
        return
    if which == "race-renew":
        # RENEW of that lease: RENEW=bound if extended, nobinding if not ours.
        cid, addr = uuid_duid(int(os.environ["RACE_N"])), os.environ["RACE_ADDR"]
        raw = edk2(5, cid, ia_na_req(1, addr), True)
        got = exchange(raw)
        got = got and got[0]
        if got == head(7, raw, cid) + ia_na_ok(1, addr) + dns:
            print("RENEW=bound")
        elif got == head(7, raw, cid) + ia_na_status(1, 3, "no lease for this IA") + dns:
            print("RENEW=nobinding")
        else:
            ok(False, "race: RENEW answered", "got %s" % (got and got.hex()))
        return
    if which == "gone":
        # bootctl lease rm of A's lease, pxedhcpd running: its copy forgot it.
        addr = os.environ.get("LEASED_A")
        raw = edk2(5, A, ia_na_req(1, addr), True)
        expect("RENEW after lease rm: NoBinding", raw, lambda d: head(7, raw, A) +
               ia_na_status(1, 3, "no lease for this IA") + dns)
        raw = edk2(6, A, ia_na_req(1, addr))
        expect("REBIND after lease rm: bound again", raw,
               lambda d: head(7, raw, A) + ia_na_ok(1, addr) + dns)
        return
    if which == "full":
        for cid, n in ((A, 1), (B, 2)):
            raw = edk2(1, cid, ia_na_req(1))
            got = exchange(raw)
            addr = got and leased(got[0])
            ok(addr is not None and in_pool(addr), "full pool: client %d offered %s" % (n, addr))
            if addr:
                req = edk2(3, cid, ia_na_req(1, addr), True)
                expect("full pool: client %d REQUEST" % n, req,
                       lambda d: head(7, req, cid) + url + ia_na_ok(1, addr) + dns)
        raw = edk2(1, C, ia_na_req(1))
        expect("full pool: a third client gets NoAddrsAvail in its IA", raw, lambda d: head(
            2, raw, C) + url + ia_na_status(1, 2, "no free address in dhcp6.pool") +
            opt(7, b"\xff") + dns)
        return
    # SOLICIT with an IA_NA: ADVERTISE with the boot file, an address, preference 255, DNS.
    raw = edk2(1, A, ia_na_req(1))
    got = exchange(raw)
    addr = got and leased(got[0])
    if not ok(addr is not None and in_pool(addr), "EDK2 SOLICIT: an address from the pool",
              "got %s" % (got and got[0].hex())):
        return
    ok(got[0] == head(2, raw, A) + url + ia_na_ok(1, addr) + opt(7, b"\xff") + dns,
       "EDK2 SOLICIT: ADVERTISE byte for byte (%s)" % addr, "got %s" % got[0].hex())
    # Offered again to the same IA: nothing is written for an ADVERTISE, the choice is stable.
    raw = edk2(1, A, ia_na_req(1))
    expect("second SOLICIT: the same address", raw,
           lambda d: head(2, raw, A) + url + ia_na_ok(1, addr) + opt(7, b"\xff") + dns)
    # REQUEST: the lease is written, REPLY without preference.
    raw = edk2(3, A, ia_na_req(1, addr), True)
    expect("REQUEST: REPLY with the lease", raw,
           lambda d: head(7, raw, A) + url + ia_na_ok(1, addr) + dns)
    print("LEASED_A=%s" % addr)
    # Another client: another address, never A's.
    raw = edk2(1, B, ia_na_req(1, addr))
    got = exchange(raw)
    addr_b = got and leased(got[0])
    ok(addr_b is not None and addr_b != addr and in_pool(addr_b),
       "B asking for A's address is offered another one", "got %s" % addr_b)
    raw = edk2(3, B, ia_na_req(1, addr_b), True)
    expect("B REQUEST", raw, lambda d: head(7, raw, B) + url + ia_na_ok(1, addr_b) + dns)
    # RENEW to us: the lease is extended.
    raw = edk2(5, A, ia_na_req(1, addr), True)
    expect("RENEW: REPLY with the lease", raw, lambda d: head(7, raw, A) + ia_na_ok(1, addr) + dns)
    # RENEW of an IA we never leased: NoBinding inside it.
    raw = edk2(5, A, ia_na_req(9, addr), True)
    expect("RENEW of an unknown IA: NoBinding", raw, lambda d: head(7, raw, A) +
           ia_na_status(9, 3, "no lease for this IA") + dns)
    # REBIND (no server id): extended too.
    raw = edk2(6, A, ia_na_req(1, addr))
    expect("REBIND: REPLY with the lease", raw, lambda d: head(7, raw, A) + ia_na_ok(1, addr) + dns)
    # REBIND of a client of another server: silence.
    raw = edk2(6, C, ia_na_req(1, "fd99::1"))
    expect("REBIND of another server's lease: silence", raw, lambda d: None)
    # CONFIRM: on link, or not.
    raw = edk2(4, A, ia_na_req(1, addr))
    expect("CONFIRM of the lease: Success", raw, lambda d: head(7, raw, A) +
           status(0, "on link") + dns)
    raw = edk2(4, A, ia_na_req(1, "fd99::1"))
    expect("CONFIRM of an address off the link: NotOnLink", raw, lambda d: head(7, raw, A) +
           status(4, "not on this link") + dns)
    # A RENEW to another server is not ours.
    other = opt(2, b"\x00\x03\x00\x01\x02\x00\x00\x00\x00\x01")
    raw = raw_msg(5, new_xid(), A, ia_na_req(1, addr), other)
    expect("RENEW to another server: silence", raw, lambda d: None)
    # A host that is not a PXE client never gets an address.
    raw = raw_msg(1, new_xid(), C, opt(8, b"\x00\x00"), opt(6, struct.pack("!H", 23)),
                  ia_na_req(1))
    expect("non-PXE SOLICIT with an IA_NA: silence", raw, lambda d: None)
    # INFORMATION-REQUEST: the boot file and DNS, no address.
    raw = raw_msg(11, new_xid(), A, opt(6, struct.pack("!HH", 59, 23)), opt(61, b"\x00\x07"))
    expect("INFORMATION-REQUEST: no IA", raw, lambda d: head(7, raw, A) + url + dns)
    # DECLINE of B's address: acknowledged, and B is offered another one.
    raw = edk2(9, B, ia_na_req(1, addr_b), True)
    expect("DECLINE: Success", raw, lambda d: head(7, raw, B) + status(0, "done") + dns)
    raw = edk2(1, B, ia_na_req(1))
    got = exchange(raw)
    addr_b2 = got and leased(got[0])
    ok(addr_b2 is not None and addr_b2 not in (addr, addr_b),
       "after DECLINE, B is offered a third address", "got %s" % addr_b2)
    print("DECLINED=%s" % addr_b)
    # RELEASE of B's new lease (after REQUEST): acknowledged.
    raw = edk2(3, B, ia_na_req(1, addr_b2), True)
    expect("B REQUEST of the third address", raw,
           lambda d: head(7, raw, B) + url + ia_na_ok(1, addr_b2) + dns)
    raw = edk2(8, B, ia_na_req(1, addr_b2), True)
    expect("RELEASE: Success", raw, lambda d: head(7, raw, B) + status(0, "done") + dns)
    print("RELEASED=%s" % addr_b2)
    # Malformed IA_NA (shorter than its 12 fixed bytes): dropped, then still answered.
    bad = raw_msg(1, new_xid(), A, opt(16, struct.pack("!IH", 343, 9) + b"PXEClient"),
                  opt(3, b"\x00\x00\x00\x01"))
    expect("IA_NA of 4 bytes: dropped", bad, lambda d: None)
    raw = edk2(1, A, ia_na_req(1))
    expect("then SOLICIT: answered", raw,
           lambda d: head(2, raw, A) + url + ia_na_ok(1, addr) + opt(7, b"\xff") + dns)


VICTIM = "52:54:00:66:00:77"


def ll_duid(mac):
    return opt(1, b"\x00\x03\x00\x01" + macb(mac))


def forge(which):
    """Issue 11: a DUID-LL naming VICTIM must not make the lease VICTIM's."""
    url = opt(59, TFTP7.encode())
    dns = opt(23, socket.inet_pton(socket.AF_INET6, DNS))
    cid = ll_duid(VICTIM)
    if which == "forge-ok":
        # The victim itself, from its EUI-64 source: its MAC is confirmed.
        raw = edk2(3, cid, ia_na_req(0x77c), True)
        got = exchange(raw)
        ok(got is not None and leased(got[0]) is not None,
           "DUID-LL of %s from its own EUI-64 source: leased %s" % (VICTIM, got and leased(got[0])))
        return
    # From another machine's EUI-64 source: answered, but the lease is that machine's.
    SRC_MAC[cid] = "02:77:00:00:00:66"
    raw = edk2(3, cid, ia_na_req(0x77a), True)
    got = exchange(raw)
    ok(got is not None and leased(got[0]) is not None,
       "DUID-LL of %s from 02:77:00:00:00:66's source: leased %s" % (VICTIM, got and leased(got[0])))
    # From a forged source that no neighbour entry confirms (no reply can reach it).
    l2_request(edk2(3, cid, ia_na_req(0x77b), True), "fe80::dead:beef:1:2")
    ok(True, "DUID-LL of %s from the forged source fe80::dead:beef:1:2: sent" % VICTIM)


def l2_request(raw, src, smac="02:99:00:00:00:01"):
    """Send raw from a source address no host owns, as a spoofer does (scapy, layer 2)."""
    from scapy.all import Ether, IPv6, UDP, Raw, sendp
    sendp(Ether(src=smac, dst="33:33:00:01:00:02") / IPv6(src=src, dst="ff02::1:2", hlim=1) /
          UDP(sport=546, dport=547) / Raw(load=raw), iface=iface, verbose=0)


def flood(which):
    """Issue 11: 70 REQUESTs with fresh DUIDs, from one source or from 70 forged ones."""
    import time
    for n in range(70):
        tag = 0x70 if which == "flood-mac" else 0x71
        cid = opt(1, b"\x00\x04" + bytes([tag] * 14) + struct.pack("!H", n))
        raw = edk2(3, cid, ia_na_req(1), True)
        if which == "flood-mac":
            SRC_MAC[cid] = "02:77:00:00:00:70"
            send(raw)
        else:
            l2_request(raw, "fe80::7070:%x:%x" % (os.getpid() & 0xffff, n + 1))
        time.sleep(0.01)
    time.sleep(0.5)
    ok(True, "%s: 70 REQUESTs sent" % which)


def rebuild(data, addr):
    """A captured client message, naming our server id and the address we offered."""
    out = data[:4]
    for code, body in options(data):
        if code == 2:
            body = SERVER_DUID
        elif code == 3 and addr and len(body) >= 12 + 4 + 24:
            body = body[:16] + socket.inet_pton(socket.AF_INET6, addr) + body[32:]
        out += opt(code, body)
    return out


def replay(pcap):
    from scapy.all import rdpcap, UDP
    msgs = [bytes(p[UDP].payload) for p in rdpcap(pcap) if UDP in p and p[UDP].dport == 547]
    ok([m[0] for m in msgs] == [1, 3, 8], "the capture holds SOLICIT, REQUEST, RELEASE",
       [m[0] for m in msgs])
    iaid = [b[:4] for c, b in options(msgs[0]) if c == 3][0]
    got = exchange(msgs[0])
    addr = got and leased(got[0])
    if not ok(addr is not None and in_pool(addr), "OVMF's SOLICIT: ADVERTISE with a pool address",
              got and got[0].hex()):
        return
    o = dict(options(got[0]))
    ok(got[0][0] == 2 and o[3][:4] == iaid and o[59] == TFTP7.encode() and o[7] == b"\xff" and
       o[1] == dict(options(msgs[0]))[1], "ADVERTISE: its IAID, %s, preference 255, its DUID-LLT"
       % TFTP7, got[0].hex())
    got = exchange(rebuild(msgs[1], addr))
    ok(got is not None and got[0][0] == 7 and leased(got[0]) == addr,
       "OVMF's REQUEST: REPLY with %s" % addr, got and got[0].hex())
    print("LEASED_OVMF=%s" % addr)
    got = exchange(rebuild(msgs[2], addr))
    ok(got is not None and got[0][0] == 7 and dict(options(got[0])).get(13) == b"\x00\x00done",
       "OVMF's RELEASE: REPLY Success", got and got[0].hex())


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
elif suite in ("stateful", "again", "gone", "full", "race-bind", "race-renew"):
    stateful(suite)
elif suite in ("forge", "forge-ok"):
    forge(suite)
elif suite in ("flood-mac", "flood-link"):
    flood(suite)
elif suite == "replay":
    replay(sys.argv[8])
else:
    sys.exit("unknown suite " + suite)
print("1..%d" % ntest)
sys.exit(1 if nfail else 0)
