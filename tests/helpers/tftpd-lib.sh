# tests/helpers/tftpd-lib.sh: what the tftpd tests share, on top of
# tests/helpers/lib.sh.
# Each test runs tftpd in a network namespace of its own ($NS), on port 69
# of its loopback, as root with test_config (it drops to nobody).
. "$top_srcdir/tests/helpers/lib.sh"
need_root
need_cmd python3
[ -x "$TFTPD" ] || fail "$TFTPD is not built"
# The system python: a pyenv shim costs 200 ms a call.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# ns_new NAME VAR: a namespace (netns_new) in VAR, deleted at cleanup (NB_NETNS
# set by netns_new inside $(...) is lost with the subshell).
ns_new() {
	local ns
	ns=$(netns_new "$1") || exit 1
	NB_NETNS="$NB_NETNS $ns"
	eval "$2=\$ns"
}
ns_new tftp NS
ROOT=$T/root
mkdir -p "$ROOT"
CLIENT="$PY $top_srcdir/tests/helpers/tftpd-client.py"
RELAY=$top_builddir/tools/udprelay

# nsx CMD...: run CMD inside the test's namespace.
nsx() { ip netns exec "$NS" "$@"; }

# mkfile NAME SIZE: a file of SIZE random bytes under the root.
mkfile() { head -c "$2" /dev/urandom >"$ROOT/$1"; }

# mktext NAME SIZE: a file of SIZE "x" bytes under the root (a stable repr).
mktext() { head -c "$2" /dev/zero | tr '\0' x >"$ROOT/$1"; }

# sum FILE: its SHA-256.
sum() { sha256sum <"$1" | cut -d' ' -f1; }

# same A B WHAT: the two files have the same checksum, or fail naming WHAT.
same() {
	[ -f "$2" ] || fail "$3: no output file"
	[ "$(sum "$1")" = "$(sum "$2")" ] || fail "$3: checksum differs ($(wc -c <"$2") bytes, want $(wc -c <"$1"))"
}

# tftpd_start [CONF-LINES] [OPERANDS...]: start tftpd -d in the namespace,
# serving $ROOT unless operands are given; wait until it listens.
tftpd_start() {
	local extra=${1:-}
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] || set -- "$ROOT"
	CONF=$(test_config "$extra")
	chmod -R a+rX "$ROOT"
	start_bg tftpd ip netns exec "$NS" "$TFTPD" -d -v -f "$CONF" -l "${TFTPD_ADDR:-127.0.0.1}" \
	    -p "${TFTPD_PORT:-69}" "$@"
	wait_for 5 grep -q 'tftpd: started' "$T/tftpd.log" ||
		fail "tftpd did not start: $(cat "$T/tftpd.log")"
}

# tftpd_pid: the PID of the tftpd started last (ip netns exec execs it).
tftpd_pid() { cat "$T/tftpd.pid"; }

# log_has TEXT: the daemon's log contains TEXT.
log_has() { grep -qF -- "$1" "$T/tftpd.log"; }

# events KIND: the detail of every event of that kind, once the queue is flushed.
events() {
	sleep 0.3
	db_sql "SELECT detail FROM events WHERE daemon = 'tftpd' AND kind = '$1' ORDER BY id"
}

# alive: the daemon still runs.
alive() { kill -0 "$(tftpd_pid)" 2>/dev/null || fail "tftpd died: $(tail -5 "$T/tftpd.log")"; }
