# tests/helpers/api-lib.sh: sourced by tests/bootweb/api-*.sh after
# tests/helpers/lib.sh: a database with an admin, an operator and a
# viewer and a token each
# ($TA, $TO, $TV), bootweb with its admin plane on $AU, and api_call to
# ask it: api_call EXPECTED_STATUS METHOD PATH [curl args...] keeps the
# body in $T/body and the headers in $T/hdr and fails on another status.
need_root
need_cmd curl python3 sqlite3

PORT=$((20000 + ($$ + ${API_SEED:-0}) % 20000))
APORT=$((PORT + 1))
BU=http://127.0.0.1:$PORT
AU=http://127.0.0.1:$APORT
mkdir -p "$T/ipxe"
CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe")
bc() { "$BOOTCTL" -f "$CONF" -D "$DB" "$@" || fail "bootctl $*: exit $?"; }
bc db init >"$T/init.out"
ADMINPW=$(sed -n 's/.*password (shown only now): //p' "$T/init.out")
[ -n "$ADMINPW" ] || fail "no admin password from db init: $(cat "$T/init.out")"
printf 'operator-pw-1\n' | bc user add op --role operator --password-stdin >/dev/null
printf 'viewer-pw-1\n' | bc user add vw --role viewer --password-stdin >/dev/null
tok() { bc token create "$@" | sed -n 's/.*(shown only now): //p'; }
TA=$(tok admin)
TO=$(tok op)
TV=$(tok vw)
[ -n "$TA" ] && [ -n "$TO" ] && [ -n "$TV" ] || fail "no tokens"
chown -R nobody: "$T"

api_start() {
	start_bg bootweb "$BOOTWEB" -dv -f "$CONF" -l 127.0.0.1 -p $PORT \
	    -P $APORT
	wait_for 5 curl -sf -o /dev/null "$AU/api/v1/health" ||
		fail "bootweb did not start: $(cat "$T/bootweb.log")"
}

api_call() {
	local want=$1 method=$2 path=$3 got
	shift 3
	got=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' \
	    -X "$method" "$@" "$AU$path") || fail "curl $method $path"
	[ "$got" = "$want" ] ||
		fail "$method $path: $got, expected $want: $(cat "$T/body")"
}
# api_json EXPR: a Python expression on the last body (as j) is true.
api_json() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/body" "$1" ||
		fail "body fails '$1': $(cat "$T/body")"
}
# api_err STATUS CODE: the last body is the error document with CODE.
api_err() { api_json "j['error']['code'] == '$1' and j['error']['message']"; }
