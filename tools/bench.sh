#!/bin/sh
# bench.sh: `make bench`, the one entry point of the benchmarks. Runs every
# tools/bench-*.sh in turn (the boot storm end to end, and each daemon side
# by side with its incumbent), shows and keeps each one's output, then
# prints one table of the ratios they reported, so that a regression is one
# command away. Never part of make check; most benchmarks need root.
#
#   BENCH_ONLY  benchmarks to run, by the name after bench- (default all:
#               "storm pxedhcpd tftpd tftpd-ipv6 bootweb iso tmpl e2e")
#   STORM_N     the storm's machines per run (default 50 here: minutes,
#               not the issue's "100 500 1000", about 20 minutes)
#   BENCH_LOG   where each benchmark's output goes (default a new
#               directory under /tmp, kept and named at the end)
# The other knobs of each benchmark (ROUNDS, BENCH_RATES, PAIRS, ...) pass
# through. A benchmark reports a row of the table by appending to the file
# named by BENCH_SUMMARY a tab-separated line:
#   bench  measure  ours  theirs  ours/theirs  better  goal
# better is "high" or "low"; goal may be empty, or bound the ratio
# ("<=0.80", ">=1.00") or ours ("ours==0"): rows that miss it say MISS. Exit
# status: 1 if a benchmark failed to run (a skip, 77, is not a failure),
# else 0; a ratio that misses its goal is marked, not fatal.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
STORM_N=${STORM_N:-50}
export STORM_N
LOG=${BENCH_LOG:-$(mktemp -d /tmp/nbbench.XXXXXX)}
mkdir -p "$LOG" || exit 1
BENCH_SUMMARY=$LOG/summary.tsv
export BENCH_SUMMARY
: >"$BENCH_SUMMARY"
: >"$LOG/status"

# wanted NAME: whether BENCH_ONLY (if set) names it.
wanted() {
	[ -z "${BENCH_ONLY:-}" ] && return 0
	for w in $BENCH_ONLY; do
		[ "$w" = "$1" ] && return 0
	done
	return 1
}

failed=0
for b in storm pxedhcpd tftpd tftpd-ipv6 bootweb iso tmpl \
    $(cd "$top_srcdir/tools" && ls bench-*.sh | sed 's/^bench-//; s/\.sh$//'); do
	# each once, in the order above, then any new one
	grep -q "^$b " "$LOG/status" && continue
	[ -f "$top_srcdir/tools/bench-$b.sh" ] || continue
	wanted "$b" || continue
	echo "==> bench-$b.sh (output: $LOG/$b.log)"
	start=$(date +%s)
	{ sh "$top_srcdir/tools/bench-$b.sh"; echo $? >"$LOG/$b.rc"; } 2>&1 |
	    tee "$LOG/$b.log"
	rc=$(cat "$LOG/$b.rc")
	secs=$(($(date +%s) - start))
	case $rc in
	0) echo "$b ok, ${secs} s" >>"$LOG/status";;
	77) echo "$b skipped: $(tail -1 "$LOG/$b.log")" >>"$LOG/status";;
	*) echo "$b FAILED (exit $rc), ${secs} s" >>"$LOG/status"; failed=1;;
	esac
done

echo
echo "== make bench: summary (ours / theirs; better: which way is better) =="
awk -F '\t' '
function miss(r, o, g,   v) {
	if (g ~ /^ours/) {
		g = substr(g, 5)
		r = o
	}
	if (g == "" || r == "-") return ""
	v = substr(g, 3) + 0
	if (g ~ /^<=/) return r + 0 <= v ? "ok" : "MISS"
	if (g ~ /^>=/) return r + 0 >= v ? "ok" : "MISS"
	if (g ~ /^==/) return r + 0 == v ? "ok" : "MISS"
	return ""
}
BEGIN {
	printf "%-10s %-40s %11s %11s %7s %-6s %s\n", "bench", "measure",
	    "ours", "theirs", "ratio", "better", "goal"
}
NF >= 6 {
	if ($4 + 0 == 0 && $5 + 0 == 0)
		$5 = "-"	# nothing to compare with
	printf "%-10s %-40s %11s %11s %7s %-6s %s %s\n", $1, $2, $3, $4,
	    $5, $6, $7, miss($5, $3, $7)
}' "$BENCH_SUMMARY"
echo
sed 's/^/  /' "$LOG/status"
echo "logs: $LOG"
exit $failed
