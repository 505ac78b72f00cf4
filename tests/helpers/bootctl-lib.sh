# tests/helpers/bootctl-lib.sh: what the bootctl tests share, on top of
# tests/helpers/lib.sh. Each test sources it:
#	. "$top_srcdir/tests/helpers/bootctl-lib.sh"
. "$top_srcdir/tests/helpers/lib.sh"
need_cmd sqlite3 jq

[ -x "$BOOTCTL" ] || fail "$BOOTCTL is not built"

# bc ARGS...: bootctl on the test database.
bc() { "$BOOTCTL" -D "$DB" "$@"; }

# ok ARGS...: bootctl succeeds (exit 0); output in $T/out and $T/err.
ok() { expect_rc 0 "$BOOTCTL" -D "$DB" "$@"; }

# refused RC TEXT ARGS...: bootctl exits RC with TEXT on stderr and leaves
# every table as it was (db_dump before and after).
refused() {
	local want=$1 text=$2
	shift 2
	db_dump >"$T/before"
	expect_rc "$want" "$BOOTCTL" -D "$DB" "$@"
	expect_err "$text"
	[ -s "$T/out" ] && fail "'bootctl $*' failed but printed on stdout: $(cat "$T/out")"
	db_dump >"$T/after"
	cmp -s "$T/before" "$T/after" ||
		fail "'bootctl $*' failed yet changed the database: $(diff "$T/before" "$T/after")"
}

# usage TEXT ARGS...: a usage error (exit 2) naming TEXT, nothing written.
usage() { local text=$1; shift; refused 2 "$text" "$@"; }
# error TEXT ARGS...: a runtime error (exit 1) naming TEXT, nothing written.
error() { local text=$1; shift; refused 1 "$text" "$@"; }

# json_ok: stdout of the last command is valid JSON (jq parses it).
json_ok() { jq -e . "$T/out" >/dev/null || fail "not valid JSON: $(cat "$T/out")"; }
# json_is FILTER WANT: jq -r FILTER on the last stdout prints WANT.
json_is() {
	local got
	got=$(jq -r "$1" "$T/out") || fail "jq '$1' failed on: $(cat "$T/out")"
	[ "$got" = "$2" ] || fail "jq '$1' gave '$got', expected '$2'"
}

# sql QUERY: db_sql QUERY (the older name).
sql() { db_sql "$1"; }

# A fresh database for each test.
"$BOOTCTL" -D "$DB" db init >/dev/null || fail "bootctl db init"
