#!/bin/sh
# lossy.sh: through tools/udprelay, which drops, duplicates, reorders
# and delays packets both ways (the kernel here has no netem), transfers
# still complete whole, lockstep and windowed, with curl, atftp and
# tftp-hpa. On a clean path, a client that sends every ACK twice gets every
# block exactly once: duplicate ACKs never trigger a resend (Sorcerer's
# Apprentice), with or without a window.
. "$top_srcdir/tests/helpers/tftpd-lib.sh"
need_cmd curl atftp tftp
[ -x "$RELAY" ] || fail "$RELAY is not built (make check builds it)"

mkfile 1m 1048576
mkfile 300k 307200
# atftp re-ACKs a repeated block only once, then waits for its own timeout
# (5 s by default) before it ACKs again: 1 s, as on a LAN, keeps this short.
tftpd_start

# Two relays: 2% loss, 2% reordered, 100 us delay each way; the second one
# also duplicates 2% of the packets. atftp goes through the first only,
# which spares the option handshake: atftp aborts on a second OACK
# ("unexpected OACK"), a bug of its own, whether the relay duplicated it or
# tftpd resent it because the ACK 0 was lost. The python client and curl
# see the full treatment, handshake included.
start_bg relay ip netns exec "$NS" "$RELAY" -F 2 -L 2 -R 2 -D 100 -S 7 -T 150 \
    127.0.0.1:7000 127.0.0.1:69
start_bg relay2 ip netns exec "$NS" "$RELAY" -L 2 -U 2 -R 2 -D 100 -S 8 -T 150 \
    127.0.0.1:7001 127.0.0.1:69
sleep 0.3

O=$T/out
mkdir "$O"
nsx atftp --tftp-timeout 1 -g -r 300k -l "$O/a1" --option "blksize 1024" 127.0.0.1 7000 \
    >"$T/a.out" 2>&1 || fail "atftp lockstep through the relay: $(cat "$T/a.out")"
same "$ROOT/300k" "$O/a1" "atftp lockstep, lossy"
nsx atftp --tftp-timeout 1 -g -r 1m -l "$O/a8" --option "blksize 1024" --option "windowsize 8" \
    127.0.0.1 7000 >"$T/a.out" 2>&1 || fail "atftp windowsize 8 through the relay: $(cat "$T/a.out")"
same "$ROOT/1m" "$O/a8" "atftp windowsize 8, lossy"
nsx atftp --tftp-timeout 1 -g -r 1m -l "$O/a32" --option "blksize 1468" --option "windowsize 32" \
    127.0.0.1 7000 >"$T/a.out" 2>&1 || fail "atftp windowsize 32 through the relay: $(cat "$T/a.out")"
same "$ROOT/1m" "$O/a32" "atftp windowsize 32, lossy"
nsx curl -sS --max-time 100 -o "$O/c" "tftp://127.0.0.1:7001/300k" ||
	fail "curl through the relay: $(tail -3 "$T/tftpd.log")"
same "$ROOT/300k" "$O/c" "curl lockstep, lossy"
nsx tftp 127.0.0.1 7001 -m binary -c get 300k "$O/h" >"$T/h.out" 2>&1
same "$ROOT/300k" "$O/h" "tftp-hpa lockstep, lossy"
nsx $CLIENT get 127.0.0.1 7001 1m "$O/p16" blksize 1024 windowsize 16 >"$T/p.out" ||
	fail "python client windowsize 16 through the relay: $(cat "$T/p.out")"
same "$ROOT/1m" "$O/p16" "python client windowsize 16, lossy"

kill "$(cat "$T/relay.pid")" "$(cat "$T/relay2.pid")"
wait_for 5 grep -q 'udprelay:' "$T/relay.log" || fail "the relay did not report"
wait_for 5 grep -q 'udprelay:' "$T/relay2.log" || fail "the second relay did not report"
note "$(cat "$T/relay.log")"
note "$(cat "$T/relay2.log")"
dropped=$(cat "$T/relay.log" "$T/relay2.log" | sed -n 's/.* \([0-9]*\) dropped.*/\1/p' |
    awk '{s += $1} END {print s + 0}')
duped=$(sed -n 's/.* \([0-9]*\) duplicated.*/\1/p' "$T/relay2.log")
[ "$dropped" -gt 40 ] && [ "${duped:-0}" -gt 10 ] ||
	fail "the relays dropped $dropped and duplicated ${duped:-0} packets: the test proves nothing"
retr=$(sed -n 's/.* \([0-9]*\) retransmits$/\1/p' "$T/tftpd.log" | awk '{s += $1} END {print s + 0}')
[ "$retr" -gt 0 ] || fail "tftpd never retransmitted"
note "6 transfers complete through loss, duplication and reordering; tftpd retransmitted $retr times"

# Sorcerer's Apprentice: every ACK twice, and not one DATA block twice.
for w in 1 4; do
	nsx $CLIENT get 127.0.0.1 69 1m "$O/sas$w" --dup-acks blksize 512 windowsize $w tsize 0 >"$T/p.out" ||
		fail "dup-ACK client, window $w: $(cat "$T/p.out")"
	same "$ROOT/1m" "$O/sas$w" "dup-ACK client, window $w"
	# A block may come twice only because tftpd's timer fired (a busy machine
	# delays the client); with the Sorcerer's Apprentice bug nearly all would.
	sleep 0.2
	rtx=$(grep "sent 1m to .*windowsize=$w, " "$T/tftpd.log" | tail -1 | sed -n 's/.* \([0-9]*\) retransmits$/\1/p')
	set -- $(cat "$T/p.out")
	[ "$2" = 2049 ] && [ "$6" = 1 ] && [ "$4" -le "${rtx:-0}" ] ||
		fail "window $w, every ACK sent twice: $(cat "$T/p.out"), $rtx retransmits by timeout"
	note "window $w, every ACK sent twice: $4 blocks came twice, $rtx timer retransmits"
done
alive
