#!/bin/sh
# dist-conf.sh: the example config (dist/netboot.conf, made from
# netboot.conf.in by the build) names the config file and the database
# that this build's programs use when nothing else is said: configure's
# sysconfdir and localstatedir, not paths written by hand.
. "$top_srcdir/tests/helpers/lib.sh"

conf=$top_builddir/dist/netboot.conf
[ -f "$conf" ] || fail "$conf is not built"
[ -x "$BOOTCTL" ] || fail "$BOOTCTL is not built"
grep -q '@[a-z]*@' "$conf" && fail "left unsubstituted: $(grep '@[a-z]*@' "$conf")"
db=$(sed -n 's/^# database = //p' "$conf")
path=$(sed -n '1s/^# \([^:]*\): .*/\1/p' "$conf")
[ -n "$db" ] && [ -n "$path" ] || fail "no database or path line: $(head -5 "$conf")"
# The defaults are string constants in the binary (NB_DB_DEFAULT,
# NB_CONF_DEFAULT): each must be there whole.
tr '\0' '\n' <"$BOOTCTL" >"$T/strings"
grep -qxF "$db" "$T/strings" || fail "bootctl's default database is not $db"
grep -qxF "$path" "$T/strings" || fail "bootctl's default config is not $path"
note "dist/netboot.conf: $path, database $db, as built"
exit 0
