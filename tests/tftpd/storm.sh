#!/bin/sh
# storm.sh: 100 curl clients at once fetch 1 MiB each, all complete
# and whole; then, with max_transfers = 4, 12 clients at once still all
# complete (the requests over the limit are dropped, the clients ask again)
# and no more than 4 transfers ever ran at once.
. "$top_srcdir/tests/helpers/tftpd-lib.sh"
need_cmd curl sqlite3

mkfile 1m 1048576
# All 100 come from 127.0.0.1: lift the cap of transfers to one address.
tftpd_start "[tftpd]
max_transfers_per_address = 1000"

O=$T/out
mkdir "$O"
i=0
start=$(date +%s.%N)
while [ $i -lt 100 ]; do
	case $((i % 3)) in
	0) bs=512;; 1) bs=1468;; 2) bs=8192;;
	esac
	nsx curl -s --max-time 60 --tftp-blksize $bs -o "$O/c$i" tftp://127.0.0.1/1m &
	pids="${pids:-} $!"
	i=$((i + 1))
done
wait $pids	# not a bare wait: that would wait for tftpd too
end=$(date +%s.%N)
want=$(sum "$ROOT/1m")
bad=0
for f in "$O"/c*; do [ "$(sum "$f")" = "$want" ] || bad=$((bad + 1)); done
[ "$(ls "$O" | wc -l)" = 100 ] || fail "only $(ls "$O" | wc -l) of 100 files arrived"
[ $bad = 0 ] || fail "$bad of 100 copies differ"
[ "$(events tftp-done | grep -c '^1m: 1048576 bytes')" = 100 ] || fail "not 100 tftp-done events"
note "100 concurrent curl clients (blksize 512/1468/8192): all 100 complete in $(echo "$end - $start" | bc) s"
grep 'VmHWM' "/proc/$(tftpd_pid)/status" | sed 's/^/# tftpd peak RSS: /'
alive

# Bounded concurrency: max_transfers = 4.
kill "$(tftpd_pid)"
wait_for 5 sh -c "! kill -0 $(tftpd_pid) 2>/dev/null" || fail "tftpd did not stop"
mv "$T/tftpd.log" "$T/tftpd1.log"
tftpd_start "[tftpd]
max_transfers = 4"
rm -f "$O"/*
sleep 0.3
last=$(db_sql "SELECT ifnull(max(id), 0) FROM events")
i=0
while [ $i -lt 12 ]; do
	TFTPD_CLIENT_TIMEOUT=0.3 nsx $CLIENT get 127.0.0.1 69 1m "$O/p$i" blksize 512 >"$T/p$i.out" &
	pids2="${pids2:-} $!"
	i=$((i + 1))
done
wait $pids2
for i in 0 1 2 3 4 5 6 7 8 9 10 11; do
	same "$ROOT/1m" "$O/p$i" "client $i of 12 with max_transfers 4: $(cat "$T/p$i.out")"
done
log_has "busy (max_transfers 4)" || fail "no request was ever over the limit"
# Replay start and end events in order: never more than 4 running.
sleep 0.3
db_sql "SELECT kind FROM events WHERE id > $last AND daemon = 'tftpd' ORDER BY id" |
    awk '/start/ {n++; if (n > max) max = n} /done|error/ {n--} END {print max + 0}' >"$T/max"
[ "$(cat "$T/max")" -ge 2 ] && [ "$(cat "$T/max")" -le 4 ] || fail "$(cat "$T/max") transfers ran at once with max_transfers 4"
note "max_transfers 4: 12 clients all complete, at most $(cat "$T/max") at once, the rest asked again"
alive
