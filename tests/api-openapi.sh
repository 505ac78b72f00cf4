#!/bin/sh
# api-openapi.sh: GET /api/v1/openapi.json against the route table that
# bootweb logs with -v: every admin route (but the catch-all) and each of
# its methods is documented, every documented operation is taken by a
# route with that method (bw_match's rule: the first route whose path
# matches decides the pattern); and bootweb(8)'s ADMIN API section lists
# every documented path.
API_SEED=307
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/api-lib.sh"
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
