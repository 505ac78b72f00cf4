#!/bin/sh
# routes.sh: every route of bootweb's table (bootweb.c routes[],
# logged at start with -v) answers each of its methods, and any other
# method with a 405 whose Allow header lists exactly the route's methods;
# HEAD gets the status GET gets; rows of one pattern count as one route.
# A route added to the table is covered
# without editing this test. An unknown method's 405 is an http-error
# event that names the method.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl python3 sqlite3

PORT=$((20000 + $$ % 12000))
APORT=$((PORT + 1))
U=http://127.0.0.1:$PORT
mkdir -p "$T/ipxe"
head -c 100 /dev/urandom >"$T/ipxe/snponly.efi"
CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe")
$BOOTCTL -D "$DB" db init >/dev/null || fail "db init"
chown -R nobody: "$T"
start_bg bootweb "$BOOTWEB" -dv -f "$CONF" -l 127.0.0.1 -p $PORT -P $APORT
wait_for 5 curl -sf -o /dev/null "$U/snponly.efi" ||
	fail "bootweb did not start: $(cat "$T/bootweb.log")"

sed -n 's/.*route: \(boot\|admin\) \([A-Z, ]*\) \(\/.*\)$/\1|\2|\3/p' \
    "$T/bootweb.log" >"$T/routes"
n=$(wc -l <"$T/routes")
[ "$n" -ge 10 ] || fail "only $n routes logged: $(cat "$T/bootweb.log")"
grep -qx 'boot|GET, HEAD|/boot.ipxe' "$T/routes" ||
	fail "no /boot.ipxe route: $(cat "$T/routes")"
grep -qx 'admin|GET, HEAD|/metrics' "$T/routes" ||
	fail "no /metrics route: $(cat "$T/routes")"

python3 - "$PORT" "$APORT" "$T/routes" <<'EOF' || fail "routes (see above)"
import http.client, sys
port, aport, table = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]
bad = 0

def ask(p, method, path):
    c = http.client.HTTPConnection("127.0.0.1", p, timeout=10)
    body = b"" if method in ("POST", "PUT", "PATCH") else None
    c.request(method, path, body=body)
    r = c.getresponse()
    r.read()
    c.close()
    return r.status, r.getheader("Allow")

# Rows of one pattern (a method each needing its own role) are one route.
ORDER = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE",
    "CONNECT", "PATCH"]
merged = {}
for line in open(table):
    plane, allowed, pattern = line.rstrip("\n").split("|")
    merged.setdefault((plane, pattern), set()).update(allowed.split(", "))
for (plane, pattern), allowed in merged.items():
    allowed = [m for m in ORDER if m in allowed]
    # A prefix route is probed with a path only it can take.
    path = pattern[:-1] + "probe-x" if pattern.endswith("*") else pattern
    p = port if plane == "boot" else aport
    got = {}
    for m in METHODS:
        status, allow = ask(p, m, path)
        got[m] = status
        if m in allowed:
            ok = status != 405 and status < 500
        else:
            ok = status == 405 and allow == ", ".join(allowed)
        print("# %s %s %s: %d%s" % (plane, m, path, status,
            " Allow: %s" % allow if allow else ""))
        if not ok:
            print("FAIL: %s %s %s: %d, Allow %r (route takes %s)" %
                (plane, m, path, status, allow, ", ".join(allowed)))
            bad += 1
    if "HEAD" in allowed and got["HEAD"] != got["GET"]:
        print("FAIL: %s HEAD %s: %d, GET %d" % (plane, path, got["HEAD"],
            got["GET"]))
        bad += 1
sys.exit(1 if bad else 0)
EOF
note "every route answers its methods, 405 and Allow for the others"

got_event() {
	db_sql "SELECT detail FROM events WHERE kind = 'http-error'" |
	    grep -qxF -- "$1"
}
wait_for 5 got_event "405 PUT /boot.ipxe" ||
	fail "no event for PUT: $(db_sql "SELECT detail FROM events")"
note "an unknown method's 405 is an event naming it"
