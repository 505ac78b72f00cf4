#!/bin/sh
# api-openapi.sh: GET /api/v1/openapi.json against the route table that
# bootweb logs with -v: every admin route (but the catch-all) and each of
# its methods is documented, every documented operation is taken by a
# route with that method (bw_match's rule: the first route whose path
# matches decides the pattern); bootweb(8)'s ADMIN API section lists
# every documented path; and every documented operation with a role
# answers 401 without credentials and 403 to the role below its own.
API_SEED=307
. "${top_srcdir:-.}/tests/helpers/lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-lib.sh"
api_start
api_call 200 GET /api/v1/openapi.json -H "Authorization: Bearer $TV"
cp "$T/body" "$T/openapi.json"
sed -n 's/.*route: admin \([A-Z, ]*\) \(\/.*\)$/\1|\2/p' "$T/bootweb.log" \
    >"$T/routes"
[ "$(wc -l <"$T/routes")" -ge 10 ] || fail "routes: $(cat "$T/routes")"
python3 - "$T/routes" "$T/openapi.json" "${top_srcdir:-.}/man/bootweb.8" <<'PYEOF' ||
import json, re, sys
rows = []
for line in open(sys.argv[1]):
    methods, pattern = line.rstrip("\n").split("|")
    prefix = pattern.endswith("*")
    rows.append((set(methods.split(", ")), pattern.rstrip("*")[1:], prefix))
doc = json.load(open(sys.argv[2]))
man = open(sys.argv[3]).read().replace("\\&", "").replace("\\-", "-")
bad = 0

def match(path):
    """The first pattern that takes path, and the methods of its rows."""
    first = None
    methods = set()
    for ms, p, prefix in rows:
        ok = path.startswith(p) if prefix else path == p
        if not ok:
            continue
        if first is None:
            first = (p, prefix)
        if (p, prefix) == first:
            methods |= ms
    return first, methods

documented = set()
for path, ops in doc["paths"].items():
    probe = re.sub(r"\{[^}]*\}", "x", path)[1:]
    first, methods = match(probe)
    for m in ops:
        if first is None or first == ("", True) or m.upper() not in methods:
            print("FAIL: documented %s %s: no route takes it" % (m, path))
            bad += 1
        documented.add((first, m.upper()))
    if path not in man:
        print("FAIL: %s is not in bootweb.8" % path)
        bad += 1
for ms, p, prefix in rows:
    if p == "" and prefix:
        continue
    # the web UI's files (www.c; bootweb.8 WEB UI) are not the API
    if (p == "" and not prefix) or p.startswith("ui/"):
        continue
    for m in ms - {"HEAD"}:
        if ((p, prefix), m) not in documented:
            print("FAIL: route %s /%s%s is not documented" %
                (m, p, "*" if prefix else ""))
            bad += 1
print("# %d paths documented, %d routes" % (len(doc["paths"]), len(rows)))
sys.exit(1 if bad else 0)
PYEOF
	fail "openapi.json and the routes differ (see above)"
note "openapi.json documents every admin route, and only those"

# 401 and 403 for every documented operation, from its x-role.
python3 - "$T/openapi.json" "$APORT" "$TV" "$TO" <<'PYEOF' ||
import http.client, json, re, sys
doc = json.load(open(sys.argv[1]))
port, tv, to = int(sys.argv[2]), sys.argv[3], sys.argv[4]
below = {"operator": tv, "admin": to}
bad = n = 0

def ask(method, path, token):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    body = b"{}" if method in ("POST", "PUT", "PATCH") else None
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data

for path, ops in doc["paths"].items():
    probe = re.sub(r"\{[^}]*\}", "x", path)
    for m, op in ops.items():
        role = op.get("x-role")
        if role is None:
            continue
        tries = [(None, 401)]
        if role in below:
            tries.append((below[role], 403))
        for tok, want in tries:
            n += 1
            got, data = ask(m.upper(), probe, tok)
            if path != "/metrics" and got == want:
                err = json.loads(data).get("error", {})
                if not err.get("code") or not err.get("message"):
                    print("FAIL: %s %s: %d without an error document" %
                        (m, probe, got))
                    bad += 1
            if got != want:
                print("FAIL: %s %s as %s: %d, want %d" %
                    (m, probe, "nobody" if tok is None else
                    "viewer" if tok == tv else "operator", got, want))
                bad += 1
print("# %d requests without credentials or with a role too low" % n)
sys.exit(1 if bad else 0)
PYEOF
	fail "credentials and roles (see above)"
note "each operation: 401 without credentials, 403 for the role below"
