#!/bin/sh
# limits.sh: the limits that hold under attack (issue 11), each
# attack replayed from other loopback addresses of the test's namespace:
# 1. A client-chosen timeout over timeout_max (10) is left out of the OACK
#    (RFC 2349 allows no other value), so "timeout 255" cannot make tftpd
#    wait up to 255 s between resends; timeout 10 is still echoed.
# 2. A 22-byte RRQ from a source that never answers draws the first DATA
#    block at most 1 + retries_silent (2) times, within 5 s, and nothing
#    after: bytes sent / bytes received is printed (before: 9 blocks over
#    40 s, 211 times the request; with timeout 255, OACKs for 255 s).
# 3. 55 silent RRQs with timeout 255 from one address, max_transfers = 50:
#    max_transfers_per_address (8) keeps slots free, so another client's
#    first RRQ is answered at once (before: dropped as busy for minutes).
. "$top_srcdir/tests/helpers/tftpd-lib.sh"

mktext undionly.kpxe 65536
tftpd_start "[tftpd]
max_transfers = 50"

# 1. The OACK for timeout options: byte for byte.
first() { nsx $CLIENT oack 127.0.0.1 69 undionly.kpxe "$@" | sed -n 1p; }
got=$(first timeout 255)
case "$got" in "b'\\x00\\x03\\x00\\x01"*) ;; *) fail "timeout 255: expected DATA 1 (option left out), got $(echo "$got" | cut -c1-60)";; esac
got=$(first blksize 1024 timeout 255)
[ "$got" = "b'\\x00\\x06blksize\\x001024\\x00'" ] || fail "blksize 1024 timeout 255: got $got"
got=$(first timeout 10)
[ "$got" = "b'\\x00\\x06timeout\\x0010\\x00'" ] || fail "timeout 10: got $got"
note "timeout 255 left out of the OACK, timeout 10 echoed"

# 2 and 3, replayed by one python script; it prints what it measured.
nsx $PY - <<'PY' >"$T/attack" 2>&1 || fail "attacks: $(cat "$T/attack"); log: $(tail -5 "$T/tftpd.log")"
import select, socket, time

SRV = ("127.0.0.1", 69)

def sock(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    return s

def rrq(name, *kv):
    p = b"\x00\x01" + name + b"\x00octet\x00"
    for k, v in zip(kv[0::2], kv[1::2]):
        p += k + b"\x00" + v + b"\x00"
    return p

# 2. Silent sources: a 22-byte RRQ, and one asking for timeout 255.
plain = rrq(b"undionly.kpxe")
assert len(plain) == 22, len(plain)
slow = rrq(b"undionly.kpxe", b"blksize", b"1024", b"timeout", b"255")
silent = {sock("127.0.0.5"): [plain, []], sock("127.0.0.6"): [slow, []]}
t0 = time.monotonic()
for s, (pkt, got) in silent.items():
    s.sendto(pkt, SRV)

# 3. 55 silent RRQs with timeout 255 from 127.0.0.7, then another client.
flood = [sock("127.0.0.7") for _ in range(55)]
for s in flood:
    s.sendto(slow, SRV)
time.sleep(0.2)
probe = sock("127.0.0.1")
probe.sendto(rrq(b"undionly.kpxe", b"blksize", b"1024"), SRV)
r, _, _ = select.select([probe], [], [], 1.0)
if not r:
    raise SystemExit("FAIL: another client's RRQ got no answer in 1 s after 55 "
        "RRQs from one address")
data, addr = probe.recvfrom(70000)
probe.sendto(b"\x00\x05\x00\x00done\x00", addr)
answered = sum(1 for s in flood if select.select([s], [], [], 0)[0])
print("# 55 RRQs from one address: %d answered; another client answered in %.3f s"
    % (answered, time.monotonic() - t0 - 0.2))
if answered > 8:
    raise SystemExit("FAIL: %d transfers to one address, max 8" % answered)

# Listen to the silent sources for 12 s.
while time.monotonic() - t0 < 12:
    r, _, _ = select.select(list(silent), [], [], 0.2)
    for s in r:
        d, a = s.recvfrom(70000)
        silent[s][1].append((time.monotonic() - t0, len(d)))
for s, (pkt, got) in silent.items():
    n, b = len(got), sum(x[1] for x in got)
    print("# %d-byte RRQ (%s) from a silent source: %d replies, %d bytes (%.1fx), "
        "the last after %.1f s" % (len(pkt), "timeout 255" if pkt is slow else "no options",
        n, b, b / len(pkt), got[-1][0] if got else 0))
    if n == 0:
        raise SystemExit("FAIL: no reply at all to a silent source")
    if n > 3:
        raise SystemExit("FAIL: %d replies to a source that never answered" % n)
    if got[-1][0] > 5:
        raise SystemExit("FAIL: still resending to a silent source after %.1f s" % got[-1][0])
PY
cat "$T/attack"
log_has "max_transfers_per_address" || fail "no log line for the per-address cap"
log_has "no answer from the client (retries_silent)" || fail "no silent transfer ended"
alive
exit 0
