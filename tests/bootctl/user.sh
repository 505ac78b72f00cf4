#!/bin/sh
# bootctl user add | list | passwd | role | rm and token create | list |
# revoke, offline: the first admin of db init (shown once, never reset),
# passwords stored only as yescrypt hashes that match what was printed,
# the last admin kept, tokens shown once and stored as SHA-256.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"
need_cmd python3 sha256sum

# check_pw USER PASSWORD: the stored hash is yescrypt and matches.
check_pw() {
	db_sql "SELECT hash FROM users WHERE name = '$1'" >"$T/hash"
	grep -q '^\$y\$' "$T/hash" || fail "$1's hash is not yescrypt: $(cat "$T/hash")"
	PW=$2 python3 -W ignore -c 'import crypt, os, sys
h = open(sys.argv[1]).read().strip()
sys.exit(0 if crypt.crypt(os.environ["PW"], h) == h else 1)' "$T/hash" ||
		fail "$1's stored hash does not match the password"
}

# db init on a new database made admin and printed its password once.
NEW=$(db_new new)
expect_rc 0 "$BOOTCTL" -D "$NEW" db init
expect_out "admin user added: admin, password (shown only now): "
pw=$(sed -n 's/^admin user added: admin, password (shown only now): //p' "$T/out")
[ ${#pw} = 24 ] || fail "the admin password has ${#pw} characters, not 24"
DB=$NEW check_pw admin "$pw"
hash1=$(DB=$NEW db_sql "SELECT hash FROM users")
expect_rc 0 "$BOOTCTL" -D "$NEW" db init
grep -q "password" "$T/out" && fail "db init run again printed a password: $(cat "$T/out")"
[ "$(DB=$NEW db_sql "SELECT hash FROM users")" = "$hash1" ] ||
	fail "db init run again changed the admin's password"
[ "$(DB=$NEW db_sql "SELECT count(*) FROM users")" = 1 ] || fail "db init made a second user"

# the test database (bootctl-lib.sh ran db init) has its admin too
ok user list
expect_out "admin"
json_n=$(bc --json user list | jq 'length')
[ "$json_n" = 1 ] || fail "user list --json has $json_n users"

# add with a password from stdin, and with a made-up one
echo "operator password" | ok user add olga --role operator --password-stdin
expect_out "user olga added (operator)"
grep -q "password" "$T/out" && fail "a given password was printed back"
check_pw olga "operator password"
ok --json user add victor
json_is .user victor
pw=$(jq -r .password "$T/out")
check_pw victor "$pw"
[ "$(db_sql "SELECT role FROM users WHERE name = 'victor'")" = viewer ] ||
	fail "a user added without --role after the first is not a viewer"
db_sql "SELECT hash FROM users" | grep -qF "$pw" && fail "a password is stored in clear"

# refused, and nothing written
echo "short" | error "at least 8 characters" user add pat --password-stdin
usage "unknown role 'root'" user add pat --role root
usage "bad user name" user add ../pat
error "exists already" user add olga
error "is the last admin" user rm admin
error "is the last admin" user role admin viewer
error "no user named 'nosuch'" user passwd nosuch
usage "unknown option '--role'" user passwd olga --role admin

# passwd, role, rm
echo "a brand new one" | ok user passwd olga --password-stdin
check_pw olga "a brand new one"
ok user role olga admin
ok user role admin operator
[ "$(db_sql "SELECT role FROM users WHERE name = 'admin'")" = operator ] || fail "role not changed"
ok user role admin admin

# tokens
ok token create olga --role viewer --expires 2h --label "ci runner"
tok=$(sed -n 's/^token 1 of olga (shown only now): //p' "$T/out")
echo "$tok" | grep -Eq '^nbt_[0-9a-f]{64}$' || fail "not a 256-bit token: $tok"
want=$(printf %s "$tok" | sha256sum | cut -d' ' -f1)
[ "$(db_sql "SELECT hash FROM tokens WHERE id = 1")" = "$want" ] ||
	fail "the stored hash is not the token's SHA-256"
db_sql "SELECT * FROM tokens" | grep -qF "${tok#nbt_}" && fail "the token is stored in clear"
exp=$(db_sql "SELECT expires - created FROM tokens WHERE id = 1")
[ "$exp" -ge 7199 ] && [ "$exp" -le 7201 ] || fail "--expires 2h gave $exp s"
ok --json token create victor
json_is .id 2
error "cannot be admin" token create victor --role admin
usage "bad --expires" token create victor --expires 3w
usage "bad --expires" token create victor --expires 0
error "no user named 'nosuch'" token create nosuch
ok token list
expect_out "ci runner"
ok --json token list olga
json_is 'length' 1
json_is '.[0].role' viewer
json_is '.[0].kind' api
ok token revoke 1
error "no token 1" token revoke 1
usage "token id 'x' is invalid" token revoke x
# a user's tokens go with the user
ok user rm victor
[ "$(db_sql "SELECT count(*) FROM tokens")" = 0 ] || fail "victor's token outlived the user"
exit 0
