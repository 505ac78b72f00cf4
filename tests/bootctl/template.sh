#!/bin/sh
# bootctl template add | edit | show | list | rm: bodies stored and shown
# byte for byte, from a file or standard input; every kind; every error.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"

# A body with no final newline, tabs, UTF-8 and mustache must come back exactly.
printf 'd-i netcfg/get_hostname string {{client.hostname}}\n\td-i  x  \n# caf\303\251\n{{#vars.extra}}{{.}}{{/vars.extra}}' >"$T/pre.cfg"
ok template add pre --kind preseed --file "$T/pre.cfg"
expect_out "added template pre"
ok template show pre
cmp "$T/out" "$T/pre.cfg" || fail "show does not print the body exactly"

# Every kind, the last one from standard input.
n=0
for k in kickstart autoinstall cloud-init autounattend autoyast ipxe raw; do
	n=$((n + 1))
	printf 'body of %s\n' "$k" >"$T/b$n"
	ok template add "t-$k" --kind "$k" --file "$T/b$n"
done
printf '#!ipxe\nchain http://x/\n' | "$BOOTCTL" -D "$DB" template add stdin --kind ipxe --file - >/dev/null ||
	fail "template add --file - failed"
ok template show stdin
printf '#!ipxe\nchain http://x/\n' | cmp - "$T/out" || fail "stdin body differs"

ok template list
head -1 "$T/out" | grep -q '^NAME  *KIND  *SIZE  *UPDATED$' || fail "list header: $(head -1 "$T/out")"
[ "$(wc -l <"$T/out")" = 10 ] || fail "list: $(cat "$T/out")"
grep -q "^pre  *preseed  *$(wc -c <"$T/pre.cfg") " "$T/out" || fail "list size of pre: $(cat "$T/out")"
ok template list --json
json_ok
json_is 'length' 9
json_is '.[0] | keys | join(",")' kind,name,size,updated
json_is '[.[].kind] | sort | join(",")' autoinstall,autounattend,autoyast,cloud-init,ipxe,ipxe,kickstart,preseed,raw
ok template show pre --json
json_ok
json_is 'keys | join(",")' body,kind,name,size,updated
jq -j .body "$T/out" | cmp - "$T/pre.cfg" || fail "--json body differs"

# edit replaces the body (and the kind if asked), from a file or stdin.
printf 'new body\n' >"$T/new"
ok template edit pre --file "$T/new"
expect_out "changed template pre"
ok template show pre
cmp "$T/out" "$T/new" || fail "edit did not replace the body"
printf 'kind changed\n' | "$BOOTCTL" -D "$DB" template edit pre --kind raw --file - >/dev/null || fail "edit from stdin"
[ "$(db_sql "SELECT kind || ':' || body FROM templates WHERE name = 'pre'")" = "raw:kind changed" ] ||
	fail "edit --kind: $(db_sql "SELECT kind, body FROM templates WHERE name = 'pre'")"

# Usage errors.
usage "unknown template kind 'jumpstart'" template add x --kind jumpstart --file "$T/new"
usage "--kind is required" template add x --file "$T/new"
usage "--file is required" template add x --kind raw
usage "--file is required" template edit pre
usage "missing argument" template add --kind raw --file "$T/new"
usage "unexpected argument 'y'" template add x y --kind raw --file "$T/new"
usage "bad template name 'a b'" template add 'a b' --kind raw --file "$T/new"
usage "unknown option '--body'" template add x --kind raw --body hi
usage "option '--file' needs a value" template add x --kind raw --file
usage "unknown template kind 'x'" template edit pre --kind x --file "$T/new"
usage "missing argument" template show
usage "unknown command 'template frob'" template frob x

# Runtime errors.
error "$T/none: No such file or directory" template add x --kind raw --file "$T/none"
error "$T/none: No such file or directory" template edit pre --file "$T/none"
printf 'a\000b' >"$T/nul"
error "has NUL bytes" template add x --kind raw --file "$T/nul"
printf 'a\nb {{client.hostname\n' >"$T/open"
error "$T/open: line 2: unterminated tag" template add x --kind raw --file "$T/open"
error "$T/open: line 2: unterminated tag" template edit pre --file "$T/open"
printf '{{#vars}}\nx\n' >"$T/open"
error "$T/open: line 1: unclosed section 'vars'" template add x --kind raw --file "$T/open"
error "template 'pre' exists already" template add pre --kind raw --file "$T/new"
error "no template named 'nope'" template show nope
error "no template named 'nope'" template edit nope --file "$T/new"
error "no template named 'nope'" template rm nope
ok client add 52:54:00:00:00:01 --template t-raw
error "template 't-raw' is used by 1 client" template rm t-raw
ok file add x.cfg --global --template t-ipxe
error "template 't-ipxe' is used by 1 client, image or file" template rm t-ipxe

# render's server URL is bootweb's: server_address, else [bootweb]'s
# listen address if it is one address, else 127.0.0.1; [bootweb] port
# (bootweb never reads the global http_port); IPv6 in brackets.
printf '{{server_url}}\n' >"$T/url"
ok template add t-url --kind raw --file "$T/url"
ok client add 52:54:00:00:00:09
url() {
	printf '%b' "$1" >"$T/url.conf"
	ok -f "$T/url.conf" template render t-url --mac 52:54:00:00:00:09
	[ "$(cat "$T/out")" = "$2" ] || fail "server URL for '$1': $(cat "$T/out"), want $2"
}
url 'http_port = 9000\n' http://127.0.0.1:8080
url '[bootweb]\nport = 8123\nlisten = ::\n' http://127.0.0.1:8123
url '[bootweb]\nlisten = fd00::5\n' 'http://[fd00::5]:8080'
url '[bootweb]\nlisten = ::ffff:10.0.0.7\n' http://10.0.0.7:8080
ok settings set server_address 10.0.0.2
url '[bootweb]\nlisten = fd00::5\n' http://10.0.0.2:8080
ok settings unset server_address

ok template rm pre
expect_out "removed template pre"
[ "$(db_sql "SELECT count(*) FROM templates WHERE name = 'pre'")" = 0 ] || fail "template rm"
exit 0
