#!/bin/sh
# grub.sh: Secure Boot's files over TFTP (netboot(7) SECURE BOOT).
# grub/grub.cfg is made for the peer recognised from evidence (its
# neighbour entry here): the image of its next_boot install with the
# rendered command line and the unattended URL under a fresh token; a
# one-time next_boot local is served once (exit) and then cleared; a peer
# nobody vouches for gets the menu without any token. What a client
# reported (its inventory) stays inside one single-quoted GRUB word: the
# file is read back with GRUB's quoting rules and holds only the commands
# tftpd writes. shimx64.efi and grubx64.efi are Debian's signed files.
. "$top_srcdir/tests/helpers/tftpd-lib.sh"
need_cmd curl sqlite3
[ -x "$BOOTCTL" ] || fail "$BOOTCTL is not built"

MAC=52:54:00:12:34:57
ns_new cli NS2
ip link add tv0 netns "$NS" type veth peer name tv1 netns "$NS2" || fail "cannot create a veth pair"
nsx ip addr add 10.77.9.1/24 dev tv0
nsx ip link set tv0 up
ip -n "$NS2" link set tv1 address $MAC
ip -n "$NS2" addr add 10.77.9.2/24 dev tv1
ip -n "$NS2" link set tv1 up
nsx2() { ip netns exec "$NS2" "$@"; }

# the image below the data directory ($T, beside the database)
mkdir -p "$T/images/di"
head -c 3000 /dev/urandom >"$T/images/di/linux"
head -c 5000 /dev/urandom >"$T/images/di/initrd.gz"
TFTPD_ADDR=0.0.0.0 tftpd_start "http_port = 8080" "$ROOT" "$T"

bc() { "$BOOTCTL" -D "$DB" "$@" >"$T/bc.out" 2>&1 || fail "bootctl $*: $(cat "$T/bc.out")"; }
printf 'd-i debian-installer/locale string en_US\n' >"$T/preseed"
bc template add pre --kind preseed --file "$T/preseed"
bc image add di --kernel "$T/images/di/linux" --initrd "$T/images/di/initrd.gz" \
    --cmdline 'console=ttyS0 serial={{client.inventory.serial}}'
bc client add $MAC --hostname node1 --image di --template pre
bc client next-boot $MAC install
# what a client reports through iPXE's /boot, hostile: quotes, $, ;, a newline
EVIL="x'; reboot; echo \"\$prefix\"; linux /evil
menuentry pwn { exit }"
db_sql "UPDATE clients SET inventory = json_object('serial', '$(printf '%s' "$EVIL" | sed "s/'/''/g")') WHERE mac = '$MAC'"

O=$T/out
mkdir "$O"
get() {	# get NS-RUNNER HOST FILE OUT
	$1 curl -sS --max-time 20 -o "$4" "tftp://$2/$3" 2>"$T/curl.err" ||
		fail "curl $2/$3: $(cat "$T/curl.err"); $(tail -2 "$T/tftpd.log")"
}
# gcheck FILE: GRUB's lexer over FILE (quotes, escapes, comments): every
# command is one tftpd writes; prints one line per word, "CMD|word|word"
gcheck() {
	$PY - "$1" <<'PY'
import sys
text = open(sys.argv[1]).read()
cmds, words, w, i, inword = [], [], '', 0, False
def end_word():
    global w, inword
    if inword:
        words.append(w)
    w, inword = '', False
def end_cmd():
    end_word()
    if words:
        cmds.append(list(words))
    del words[:]
while i < len(text):
    c = text[i]
    if c == "'":
        j = text.index("'", i + 1)
        w += text[i + 1:j]; inword = True; i = j + 1; continue
    if c == '"':
        j = i + 1
        while text[j] != '"':
            j += 2 if text[j] == '\\' else 1
        w += text[i + 1:j]; inword = True; i = j + 1; continue
    if c == '\\':
        w += text[i + 1]; inword = True; i += 2; continue
    if c == '#' and not inword:
        i = text.index('\n', i); continue
    if c in ' \t':
        end_word()
    elif c in '\n;':
        end_cmd()
    elif c in '{}':
        end_word(); words.append(c); end_cmd()
    else:
        w += c; inword = True
    i += 1
end_cmd()
ok = {'menuentry', 'echo', 'linux', 'initrd', 'exit', 'set', 'sleep', '}'}
for c in cmds:
    if c[0] not in ok:
        print('BAD command: %r' % c); sys.exit(1)
    print('|'.join(c))
PY
}

# 1. next_boot install: the image, its signed kernel and initrd by TFTP path,
# the inventory in one word, the preseed under a fresh token
get nsx2 10.77.9.1 grub/grub.cfg "$O/g1"
gcheck "$O/g1" >"$O/g1.cmds" || fail "grub.cfg: $(cat "$O/g1.cmds"); file: $(cat "$O/g1")"
# the value escaped for a kernel command line (bootctl.8: one parameter),
# then one GRUB word per parameter: the quote, $, ;, the newline and the
# braces stay inside the one word of the one linux command
grep -q "^linux|/images/di/linux|console=ttyS0|serial=x'; reboot; echo \$prefix; linux /evil menuentry pwn { exit }|auto=true|priority=critical|url=http://10.77.9.1:8080/t/525400123457[0-9a-f]\{40\}/pre$" "$O/g1.cmds" ||
	fail "the linux line: $(grep '^linux' "$O/g1.cmds"); file: $(cat "$O/g1")"
[ "$(grep -c '^linux' "$O/g1.cmds")" = 1 ] || fail "more than one linux command"
grep -qx 'initrd|/images/di/initrd.gz' "$O/g1.cmds" || fail "no initrd line: $(cat "$O/g1")"
grep -qx 'set|default=img-di' "$O/g1.cmds" || fail "not the image by default: $(cat "$O/g1")"
grep -qx 'set|timeout=0' "$O/g1.cmds" || fail "the image waits: $(cat "$O/g1")"
grep -q '^menuentry|pwn' "$O/g1.cmds" && fail "the inventory added a menu entry"
[ "$(grep -c '^menuentry' "$O/g1.cmds")" = 2 ] || fail "want 2 entries (di, local): $(cat "$O/g1")"
tok1=$(grep -o '/t/[0-9a-f]*/' "$O/g1" | head -1)
# the kernel and initrd as GRUB asks for them (leading /), from the data directory
get nsx2 10.77.9.1 /images/di/linux "$O/k"; cmp -s "$O/k" "$T/images/di/linux" || fail "kernel differs"
[ "$(events tftp-grub-cfg | tail -1)" = "image di (next_boot install)" ] ||
	fail "tftp-grub-cfg event: $(events tftp-grub-cfg)"
[ "$(db_sql "SELECT mac FROM events WHERE kind = 'tftp-grub-cfg'")" = $MAC ] ||
	fail "the grub.cfg event names no MAC"
note "next_boot install: image di, the inventory one quoted kernel parameter, token URL"

# a second fetch is a new boot: a new token, the install still pending (until /done)
get nsx2 10.77.9.1 grub/grub.cfg "$O/g2"
tok2=$(grep -o '/t/[0-9a-f]*/' "$O/g2" | head -1)
[ -n "$tok2" ] && [ "$tok1" != "$tok2" ] || fail "the token did not change: $tok1 $tok2"
# the request path is not a claim: a per-MAC name gets nothing of the client
nsx2 curl -s --max-time 10 -o "$O/x" "tftp://10.77.9.1/grub/grub.cfg-01-52-54-00-12-34-57" &&
	fail "a per-MAC grub.cfg name was served"

# 2. next_boot local: exit once, then the menu
bc client next-boot $MAC local
get nsx2 10.77.9.1 grub/grub.cfg "$O/g3"
gcheck "$O/g3" >"$O/g3.cmds" || fail "grub.cfg: $(cat "$O/g3.cmds")"
[ "$(cut -d'|' -f1 "$O/g3.cmds" | tr '\n' ' ')" = "echo exit " ] || fail "local: $(cat "$O/g3")"
sleep 0.3
get nsx2 10.77.9.1 grub/grub.cfg "$O/g4"
grep -q "^set default='local'" "$O/g4" || fail "after next_boot local, not the menu: $(cat "$O/g4")"
grep -q "^set timeout=10" "$O/g4" || fail "the menu's timeout: $(cat "$O/g4")"
note "next_boot local: exit once, then the menu (menu.timeout)"

# 3. a peer nobody vouches for (loopback, no static ip): the menu, no token
get nsx 127.0.0.1 grub/grub.cfg "$O/g5"
grep -q '^# netboot: unverified peer: ' "$O/g5" || fail "anonymous: $(head -2 "$O/g5")"
grep -q '/t/' "$O/g5" && fail "a token went to an unverified peer"
gcheck "$O/g5" >/dev/null || fail "anonymous grub.cfg does not parse"
note "unverified peer: the menu, no token"
# a default_image that does not exist: the menu, not GRUB's first entry
db_sql "INSERT INTO settings (key, value) VALUES ('default_action', 'image'), ('default_image', 'nosuch') ON CONFLICT (key) DO UPDATE SET value = excluded.value"
get nsx 127.0.0.1 grub/grub.cfg "$O/g6"
grep -q '^# netboot: unverified peer: image nosuch is missing' "$O/g6" &&
	grep -q "^set default='local'" "$O/g6" || fail "missing default_image: $(cat "$O/g6")"

# 4. Debian's signed shim and GRUB under the names shim uses
for f in shimx64.efi:/usr/lib/shim/shimx64.efi.signed \
    grubx64.efi:/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed; do
	[ -r "${f#*:}" ] || { note "${f#*:} is not installed: ${f%%:*} not checked"; continue; }
	get nsx2 10.77.9.1 "${f%%:*}" "$O/${f%%:*}"
	same "${f#*:}" "$O/${f%%:*}" "${f%%:*}"
done
[ -r /usr/lib/shim/shimx64.efi.signed ] && { events tftp-shim | grep -q 'shimx64.efi' ||
	fail "no tftp-shim event"; }
alive
