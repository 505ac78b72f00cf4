#!/bin/sh
# tools/bench-tmpl.sh [BUILDDIR]: the template engine's worst cases
# against its work budget (tools/bench-tmpl.c): best and mean wall time
# of REPEATS (default 20) renders each. No incumbent renders these
# templates, so there is no ratio: the figure to watch is the worst
# best-of time, a few milliseconds at most (libnetboot/tmpl.c says what
# was measured). Not part of make check.
set -u
B=$(cd "${1:-${top_builddir:-.}}" && pwd)
make -C "$B" -s tools/bench-tmpl || exit 1
"$B/tools/bench-tmpl" "${REPEATS:-20}"
