#!/bin/sh
# bootctl file add | set | list | rm: per-client and global virtual files of
# each source kind; exactly one scope and one source; every error.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"

ok client add 52:54:00:00:00:01
ok client add 52:54:00:00:00:02
printf '#!ipxe\necho hi\n' >"$T/t"
ok template add menu --kind ipxe --file "$T/t"
printf 'binary\000\001\377data' >"$T/blob"
printf 'plain text\n' >"$T/text"
echo local >"$T/local.bin"

ok file add pxelinux.cfg/default --global --content-file "$T/text"
expect_out "added file pxelinux.cfg/default for all clients"
ok file add /boot/blob.bin --mac 52-54-00-00-00-01 --content-file "$T/blob"
expect_out "added file boot/blob.bin for 52:54:00:00:00:01"
ok file add menu.ipxe --mac 5254.0000.0002 --template menu
ok file add tools/local.bin --global --local "$T/local.bin"
ok file add upstream.iso --global --url https://mirror.example.org/x.iso
printf 'from stdin' | "$BOOTCTL" -D "$DB" file add stdin.txt --global --content-file - >/dev/null ||
	fail "file add --content-file - failed"
# The same path may exist globally and per client: the client's wins when served.
ok file add pxelinux.cfg/default --mac 52:54:00:00:00:02 --content-file "$T/blob"

# Contents are stored byte for byte, binary too.
db_sql "SELECT hex(content) FROM files WHERE path = 'boot/blob.bin'" |
	python3 -c 'import sys
sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))' >"$T/got"
cmp "$T/got" "$T/blob" || fail "binary content not stored exactly"
[ "$(db_sql "SELECT hex(content) FROM files WHERE path = 'stdin.txt'")" = \
    "$(printf 'from stdin' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ] ||
	fail "stdin content: $(db_sql "SELECT content FROM files WHERE path = 'stdin.txt'")"
[ "$(db_sql "SELECT local FROM files WHERE path = 'tools/local.bin'")" = "$T/local.bin" ] || fail "local path"
# A relative --local is stored absolute.
(cd "$T" && "$BOOTCTL" -D "$DB" file add rel.bin --global --local local.bin >/dev/null) ||
	fail "file add with a relative --local"
[ "$(db_sql "SELECT local FROM files WHERE path = 'rel.bin'")" = "$T/local.bin" ] || fail "relative --local not made absolute"

ok file list
head -1 "$T/out" | grep -q '^PATH  *FOR  *KIND  *SOURCE  *UPDATED$' || fail "list header: $(head -1 "$T/out")"
[ "$(wc -l <"$T/out")" = 9 ] || fail "list: $(cat "$T/out")"
grep -q '^upstream.iso  *global  *url  *https://mirror.example.org/x.iso ' "$T/out" || fail "list url row: $(cat "$T/out")"
grep -q '^boot/blob.bin  *52:54:00:00:00:01  *content  *13 bytes ' "$T/out" || fail "list content row: $(cat "$T/out")"
ok file list --mac 52:54:00:00:00:01
[ "$(wc -l <"$T/out")" = 2 ] || fail "list --mac: $(cat "$T/out")"
ok file list --json
json_ok
json_is length 8
json_is '[.[] | select(.path == "upstream.iso")][0] | keys | join(",")' id,kind,mac,path,prefix,updated,url
json_is '[.[] | select(.path == "menu.ipxe")][0] | keys | join(",")' id,kind,mac,path,template,updated
json_is '[.[] | select(.path == "tools/local.bin")][0] | keys | join(",")' id,kind,local,mac,path,updated
json_is '[.[] | select(.path == "stdin.txt")][0] | keys | join(",")' content,id,kind,mac,path,size,updated
json_is '[.[] | select(.path == "stdin.txt")][0].content' "from stdin"
json_is '[.[] | select(.path == "menu.ipxe")][0].mac' 52:54:00:00:00:02
ok file list --mac 52:54:00:00:00:02 --json
json_is '[.[].path] | join(",")' menu.ipxe,pxelinux.cfg/default

# Usage errors.
usage "give exactly one of --mac MAC, --global" file add x --content-file "$T/text"
usage "give exactly one of --mac MAC, --global" file add x --global --mac 52:54:00:00:00:01 --content-file "$T/text"
usage "give exactly one of --content-file, --template, --local, --url" file add x --global
usage "give exactly one of --content-file, --template, --local, --url" file add x --global --template menu --url http://a/
usage "'52:54' is neither a MAC address nor a client name" file add x --mac 52:54 --content-file "$T/text"
usage "bad url 'ftp://a/b'" file add x --global --url ftp://a/b
usage "bad path '../etc/passwd'" file add ../etc/passwd --global --content-file "$T/text"
usage "bad path 'a/./b'" file add a/./b --global --content-file "$T/text"
usage "bad path '/'" file add / --global --content-file "$T/text"
usage "missing argument" file add --global --content-file "$T/text"
usage "unknown option '--global'" file rm x --global
usage "unknown option '--url'" file list --url http://a/
error "no client named 'bad'" file list --mac bad
error "no client named 'bad'" file rm x --mac bad
usage "unexpected argument 'y'" file rm x y

# Runtime errors.
error "$T/none: No such file or directory" file add x --global --content-file "$T/none"
error "$T/none: No such file or directory" file add x --global --local "$T/none"
error "$T: not a regular file" file add x --global --local "$T"
error "no client 52:54:00:00:00:09" file add x --mac 52:54:00:00:00:09 --content-file "$T/text"
error "no template named 'nope'" file add x --global --template nope
error "file pxelinux.cfg/default exists already for all clients" file add pxelinux.cfg/default --global --url http://a/
error "no file menu.ipxe for all clients" file rm menu.ipxe
error "no file upstream.iso for 52:54:00:00:00:01" file rm upstream.iso --mac 52:54:00:00:00:01

ok file rm menu.ipxe --mac 52:54:00:00:00:02
expect_out "removed file menu.ipxe for 52:54:00:00:00:02"
ok file rm /upstream.iso
[ "$(db_sql "SELECT count(*) FROM files WHERE path IN ('menu.ipxe', 'upstream.iso')")" = 0 ] || fail "file rm"

# --prefix: one entry maps PATH/ to URL/; both end in /, and only a prefix does.
ok file add debian/ --global --url http://mirror.example.org/debian/ --prefix
expect_out "added file debian/ for all clients"
ok file list --json
json_is '[.[] | select(.path == "debian/")][0].prefix' true
usage "a path ending in / needs prefix" file add deb2/ --global --url http://m/d/
usage "a path ending in / needs prefix" file add deb2 --global --url http://m/d/ --prefix
usage "prefix needs a url ending in /" file add deb2/ --global --url http://m/d --prefix
usage "prefix needs a url ending in /" file add deb2/ --global --template menu --prefix

# file set: the source replaced, the id and the path kept.
ok file set debian/ --global --url http://mirror.example.org/other/ --prefix
expect_out "changed file debian/ for all clients"
id=$(db_sql "SELECT id FROM files WHERE path = 'debian/'")
printf 'hello\n' >"$T/hello"
usage "prefix needs a url ending in /" file set debian/ --global --content-file "$T/hello" --prefix
usage "a path ending in / needs prefix" file set debian/ --global --content-file "$T/hello"
usage "give exactly one of --mac MAC, --global" file set debian/ --url http://a/ --prefix
error "no file nothere for all clients" file set nothere --global --content-file "$T/hello"
ok file add plain.txt --global --content-file "$T/hello"
pid=$(db_sql "SELECT id FROM files WHERE path = 'plain.txt'")
ok file set plain.txt --global --url http://mirror.example.org/plain.txt
[ "$(db_sql "SELECT id || kind || CASE WHEN content IS NULL THEN '-' ELSE '+' END || url FROM files WHERE path = 'plain.txt'")" = \
    "${pid}url-http://mirror.example.org/plain.txt" ] ||
	fail "file set: $(db_sql "SELECT * FROM files WHERE path = 'plain.txt'")"
error "no template named 'nope'" file set plain.txt --global --template nope
[ "$(db_sql "SELECT id FROM files WHERE path = 'debian/'")" = "$id" ] || fail "file set changed the id"
[ "$(db_sql "SELECT url FROM files WHERE path = 'debian/'")" = http://mirror.example.org/other/ ] ||
	fail "file set: $(db_sql "SELECT url FROM files WHERE path = 'debian/'")"
ok file rm debian/
expect_out "removed file debian/ for all clients"
exit 0
