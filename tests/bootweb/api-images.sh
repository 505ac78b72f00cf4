#!/bin/sh
# api-images.sh: images written over the admin API (POST as bootctl image
# add, PATCH as image set, DELETE as image rm: 409 for the default image
# or one in use), the files of an imported ISO (GET /images/NAME/files,
# paged), /api/v1/files (list, add, show, delete as bootctl file), and
# POST /templates/NAME/render ({"text"}, or 422 naming the template's
# line). Each route: status, body, 401, 403, bad JSON, 413, 415; and the
# same rows as bootctl makes.
API_SEED=223
. "${top_srcdir:-.}/tests/helpers/lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-checks.sh"
mkdir -p "$T/k"
echo kernel >"$T/k/vmlinuz"
echo initrd >"$T/k/initrd"
echo initrd2 >"$T/k/initrd2"
echo local >"$T/local.txt"
chown -R nobody: "$T"
printf 'host {{client.hostname}} {{vars.role}}\n' >"$T/raw"
bc template add t-raw --kind raw --file "$T/raw" >/dev/null
# bootctl template add refuses a broken template: one made by hand.
db_sql "INSERT INTO templates (name, kind, body, updated)
    VALUES ('t-bad', 'raw', 'line one
{{#client.mac}}
never closed
', 0)" || fail "cannot add t-bad"
M1=52:54:00:00:06:01
bc client add $M1 --name c1 --hostname c1-h --var role=web >/dev/null
api_start
A="Authorization: Bearer $TA"
O="Authorization: Bearer $TO"
V="Authorization: Bearer $TV"
img() {	# img NAME: the images row as bootctl image show --json has it
	db_sql "SELECT name, kind, kernel, initrds, cmdline, template
	    FROM images WHERE name = '$1'"
}

# POST /images: bootctl image add.
api_denied POST /api/v1/images "$O"
api_bad_bodies POST /api/v1/images "$A"
# The boot plane has read the images before the write...
got=$(curl -s -o /dev/null -w '%{http_code}' "$BU/image/deb/kernel")
[ "$got" = 404 ] || fail "image/deb/kernel before the image exists: $got"
api_call 201 POST /api/v1/images -H "$A" -H "$J" -d "{\"name\":\"deb\",
    \"kernel\":\"$T/k/vmlinuz\",\"initrds\":[\"$T/k/initrd\"],
    \"cmdline\":\"auto=true\",\"template\":\"t-raw\"}"
api_json "j['name'] == 'deb' and j['kind'] == 'linux' and j['initrds'] == ['$T/k/initrd'] and j['template'] == 't-raw'"
# ...and serves the new one after it.
got=$(curl -s -o /dev/null -w '%{http_code}' "$BU/image/deb/kernel")
[ "$got" = 200 ] || fail "image/deb/kernel after POST /images: $got"
grep -qi '^ETag: "' "$T/hdr" || fail "no ETag"
ETAG=$(sed -n 's/^ETag: *\("[^"]*"\).*/\1/ip' "$T/hdr")
api_call 409 POST /api/v1/images -H "$A" -H "$J" -d "{\"name\":\"deb\",
    \"kernel\":\"$T/k/vmlinuz\",\"initrds\":[\"$T/k/initrd\"]}"
api_err conflict
for body in '{"name":"x","initrds":["/k/initrd"]}' \
    "{\"name\":\"x\",\"kernel\":\"$T/k/vmlinuz\"}" \
    "{\"name\":\"x\",\"kernel\":\"$T/k/nosuch\",\"initrds\":[\"$T/k/initrd\"]}" \
    "{\"name\":\"x\",\"kernel\":\"../etc/passwd\",\"initrds\":[\"$T/k/initrd\"]}" \
    "{\"name\":\"x\",\"kernel\":\"$T/k\",\"initrds\":[\"$T/k/initrd\"]}" \
    "{\"name\":\"a/b\",\"kernel\":\"$T/k/vmlinuz\",\"initrds\":[\"$T/k/initrd\"]}" \
    "{\"name\":\"x\",\"kind\":\"disk\",\"kernel\":\"$T/k/vmlinuz\"}" \
    "{\"name\":\"x\",\"kernel\":\"$T/k/vmlinuz\",\"initrds\":\"$T/k/initrd\"}" \
    "{\"name\":\"x\",\"kernel\":\"$T/k/vmlinuz\",\"initrds\":[\"$T/k/initrd\"],\"template\":\"nosuch\"}" \
    "{\"name\":\"x\",\"kernel\":\"$T/k/vmlinuz\",\"initrds\":[\"$T/k/initrd\"],\"colour\":\"red\"}"; do
	api_call 422 POST /api/v1/images -H "$A" -H "$J" -d "$body"
	api_err invalid
done
[ -z "$(img x)" ] || fail "a refused image was stored"
api_call 201 POST /api/v1/images -H "$A" -H "$J" -d "{\"name\":\"memtest\",\"kind\":\"tool\",\"kernel\":\"$T/k/vmlinuz\"}"
note "POST /images: 201 with an ETag, 409, 422 for what bootctl refuses"

# The same image by bootctl: the same row.
bc image add deb2 --kernel "$T/k/vmlinuz" --initrd "$T/k/initrd" --cmdline auto=true --template t-raw >/dev/null
[ "$(img deb | cut -d'|' -f2-)" = "$(img deb2 | cut -d'|' -f2-)" ] ||
	fail "POST '$(img deb)' and image add '$(img deb2)' differ"

# PATCH /images/NAME: bootctl image set.
api_denied PATCH /api/v1/images/deb "$O"
api_bad_bodies PATCH /api/v1/images/deb "$A"
api_call 200 PATCH /api/v1/images/deb -H "$A" -H "$J" -H "If-Match: $ETAG" \
    -d "{\"initrds\":[\"$T/k/initrd\",\"$T/k/initrd2\"],\"cmdline\":\"quiet\",\"template\":null}"
api_json "j['initrds'] == ['$T/k/initrd', '$T/k/initrd2'] and j['cmdline'] == 'quiet' and j['template'] is None"
api_call 412 PATCH /api/v1/images/deb -H "$A" -H "$J" -H "If-Match: $ETAG" -d '{"cmdline":"lost"}'
api_err precondition_failed
api_call 422 PATCH /api/v1/images/deb -H "$A" -H "$J" -d "{\"kernel\":\"$T/k/nosuch\"}"
api_call 422 PATCH /api/v1/images/deb -H "$A" -H "$J" -d '{"name":"other"}'
api_call 404 PATCH /api/v1/images/nosuch -H "$A" -H "$J" -d '{"cmdline":"x"}'
api_err not_found
bc image set deb2 --initrd "$T/k/initrd" --initrd "$T/k/initrd2" --cmdline quiet --template '' >/dev/null
[ "$(img deb | cut -d'|' -f2-)" = "$(img deb2 | cut -d'|' -f2-)" ] ||
	fail "PATCH '$(img deb)' and image set '$(img deb2)' differ"
[ "$(img deb | cut -d'|' -f5)" = quiet ] || fail "PATCH not stored: $(img deb)"
note "PATCH /images/NAME: If-Match, 412, 422, 404; the same row as image set"

# DELETE: 409 for the default image and for one a client boots.
api_denied DELETE /api/v1/images/deb2 "$O"
bc settings set default_image deb2 >/dev/null
api_call 409 DELETE /api/v1/images/deb2 -H "$A"
api_err conflict
api_json "'default_image' in j['error']['message']"
expect_rc 1 "$BOOTCTL" -f "$CONF" -D "$DB" image rm deb2
bc settings unset default_image >/dev/null
bc client assign c1 deb2 >/dev/null
api_call 409 DELETE /api/v1/images/deb2 -H "$A"
bc client assign c1 '' >/dev/null
api_call 412 DELETE /api/v1/images/deb2 -H "$A" -H 'If-Match: "0000000000000000"'
api_call 200 DELETE /api/v1/images/deb2 -H "$A"
api_json "j['name'] == 'deb2' and j['deleted']"
[ -z "$(img deb2)" ] || fail "deb2 still there"
api_call 404 DELETE /api/v1/images/deb2 -H "$A"
api_call 404 DELETE /api/v1/images/deb/files -H "$A"
note "DELETE /images/NAME: 409 for default_image or in use, 412, 404"

# The files of an imported ISO (rows as image import writes them).
db_sql "UPDATE images SET iso_path = '/srv/x.iso' WHERE name = 'deb';
    INSERT INTO iso_files (image, path, start, size) VALUES
    ('deb', 'install/vmlinuz', 4096, 100), ('deb', 'install/initrd.gz', 8192, 200),
    ('deb', 'README', 2048, 10)" || fail "cannot add iso_files"
api_call 200 GET /api/v1/images/deb/files -H "$V"
api_json "j['image'] == 'deb' and [f['path'] for f in j['files']] == ['README', 'install/initrd.gz', 'install/vmlinuz'] and j['files'][0]['size'] == 10 and j['total'] == 3 and not j['more']"
api_call 200 GET "/api/v1/images/deb/files?limit=1&offset=1" -H "$V"
api_json "[f['path'] for f in j['files']] == ['install/initrd.gz'] and j['more']"
bc --json image files deb >"$T/files.bc"
python3 -c 'import json, sys
sys.exit(0 if [f["path"] for f in json.load(open(sys.argv[1]))] == ["README", "install/initrd.gz", "install/vmlinuz"] else 1)' "$T/files.bc" ||
	fail "image files: $(cat "$T/files.bc")"
api_call 200 GET /api/v1/images/memtest/files -H "$V"
api_json "j['files'] == [] and j['total'] == 0"
api_call 404 GET /api/v1/images/nosuch/files -H "$V"
api_call 404 GET /api/v1/images/deb/other -H "$V"
api_call 400 GET "/api/v1/images/deb/files?limit=0" -H "$V"
api_call 200 GET /api/v1/images/deb -H "$V"
api_json "j['name'] == 'deb'"
api_denied GET /api/v1/images/deb/files
note "GET /images/NAME/files: paged, as bootctl image files"

# /api/v1/files: bootctl file add | list | rm.
api_denied POST /api/v1/files "$O"
api_bad_bodies POST /api/v1/files "$A"
api_call 201 POST /api/v1/files -H "$A" -H "$J" -d '{"path":"/menu.ipxe","content":"#!ipxe\necho hi\n"}'
api_json "j['path'] == 'menu.ipxe' and j['mac'] is None and j['kind'] == 'content' and j['content'] == '#!ipxe\necho hi\n' and j['id'] > 0"
FID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body")
api_call 201 POST /api/v1/files -H "$A" -H "$J" -d "{\"path\":\"menu.ipxe\",\"mac\":\"$M1\",\"template\":\"t-raw\"}"
api_json "j['mac'] == '$M1' and j['template'] == 't-raw'"
api_call 201 POST /api/v1/files -H "$A" -H "$J" -d '{"path":"deb/","url":"http://mirror.invalid/deb/","prefix":true}'
api_json "j['prefix'] and j['url'] == 'http://mirror.invalid/deb/'"
api_call 201 POST /api/v1/files -H "$A" -H "$J" -d "{\"path\":\"l.txt\",\"local\":\"$T/local.txt\"}"
api_json "j['local'] == '$T/local.txt'"
api_call 409 POST /api/v1/files -H "$A" -H "$J" -d '{"path":"menu.ipxe","content":"again"}'
api_err conflict
for body in '{"path":"x"}' '{"path":"x","content":"a","url":"http://a/"}' \
    '{"path":"../etc/passwd","content":"a"}' '{"content":"a"}' \
    '{"path":"x","url":"ftp://a/"}' '{"path":"x/","url":"http://a/b"}' \
    '{"path":"x/","url":"http://a/b/"}' '{"path":"x","url":"http://a/b/","prefix":true}' \
    '{"path":"x","local":"/nonexistent/file"}' "{\"path\":\"x\",\"local\":\"$T\"}" \
    '{"path":"x","template":"nosuch"}' '{"path":"x","mac":"zz","content":"a"}' \
    '{"path":"x","mac":"52:54:00:00:06:99","content":"a"}' \
    '{"path":"x","content":"a","colour":"red"}' '{"path":"x","content":"a","prefix":"yes"}'; do
	api_call 422 POST /api/v1/files -H "$A" -H "$J" -d "$body"
	api_err invalid
done
# PUT /files/ID: the source replaced, the id kept (bootctl file set).
api_denied PUT "/api/v1/files/$FID" "$O"
api_bad_bodies PUT "/api/v1/files/$FID" "$A"
api_call 200 PUT "/api/v1/files/$FID" -H "$A" -H "$J" -d '{"template":"t-raw"}'
api_json "j['id'] == $FID and j['kind'] == 'template' and j['template'] == 't-raw' and 'content' not in j"
api_call 200 PUT "/api/v1/files/$FID" -H "$A" -H "$J" -d '{"path":"menu.ipxe","mac":null,"content":"#!ipxe\necho hi\n"}'
api_json "j['id'] == $FID and j['content'] == '#!ipxe\necho hi\n'"
api_call 422 PUT "/api/v1/files/$FID" -H "$A" -H "$J" -d '{"path":"other","content":"x"}'
api_call 422 PUT "/api/v1/files/$FID" -H "$A" -H "$J" -d "{\"mac\":\"$M1\",\"content\":\"x\"}"
api_call 422 PUT "/api/v1/files/$FID" -H "$A" -H "$J" -d '{"template":"nosuch"}'
api_call 422 PUT "/api/v1/files/$FID" -H "$A" -H "$J" -d '{"url":"ftp://a/b/"}'
api_call 422 PUT "/api/v1/files/$FID" -H "$A" -H "$J" -d '{}'
api_call 404 PUT /api/v1/files/999999 -H "$A" -H "$J" -d '{"content":"x"}'
[ "$(db_sql "SELECT kind || ':' || hex(content) FROM files WHERE id = $FID")" = \
    "content:$(printf '#!ipxe\necho hi\n' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ] ||
	fail "a refused PUT changed the file"
api_call 200 GET /api/v1/files -H "$V"
api_json "sorted(f['path'] for f in j['files']) == ['deb/', 'l.txt', 'menu.ipxe', 'menu.ipxe']"
api_call 200 GET "/api/v1/files?mac=$M1" -H "$V"
api_json "[f['template'] for f in j['files']] == ['t-raw']"
api_call 400 GET "/api/v1/files?mac=zz" -H "$V"
api_call 200 GET "/api/v1/files/$FID" -H "$V"
api_json "j['id'] == $FID and j['path'] == 'menu.ipxe' and j['mac'] is None"
api_call 404 GET /api/v1/files/999999 -H "$V"
api_call 404 GET /api/v1/files/abc -H "$V"
api_denied GET /api/v1/files
api_denied DELETE "/api/v1/files/$FID" "$O"
# The same rows as bootctl file add.
db_sql "SELECT path, mac, kind, content, template, local, url FROM files ORDER BY id" >"$T/files.api"
db_sql "DELETE FROM files"
printf '#!ipxe\necho hi\n' >"$T/menu"
bc file add /menu.ipxe --global --content-file "$T/menu" >/dev/null
bc file add menu.ipxe --mac $M1 --template t-raw >/dev/null
bc file add deb/ --global --url http://mirror.invalid/deb/ --prefix >/dev/null
bc file add l.txt --global --local "$T/local.txt" >/dev/null
db_sql "SELECT path, mac, kind, content, template, local, url FROM files ORDER BY id" >"$T/files.bc"
cmp -s "$T/files.api" "$T/files.bc" || fail "files: API $(cat "$T/files.api"), bootctl $(cat "$T/files.bc")"
# bootctl file set makes the row PUT makes.
bc file set menu.ipxe --global --template t-raw >/dev/null
db_sql "SELECT path, mac, kind, content, template FROM files WHERE path = 'menu.ipxe' ORDER BY id" >"$T/set.bc"
bc file set menu.ipxe --global --content-file "$T/menu" >/dev/null
api_call 200 PUT "/api/v1/files/$(db_sql "SELECT id FROM files WHERE path = 'menu.ipxe' AND mac IS NULL")" \
    -H "$A" -H "$J" -d '{"template":"t-raw"}'
db_sql "SELECT path, mac, kind, content, template FROM files WHERE path = 'menu.ipxe' ORDER BY id" >"$T/set.api"
cmp -s "$T/set.bc" "$T/set.api" ||
	fail "file set: bootctl $(cat "$T/set.bc"), API $(cat "$T/set.api")"
grep -q '|template||t-raw$' "$T/set.api" || fail "file set changed nothing: $(cat "$T/set.api")"
FID=$(db_sql "SELECT id FROM files WHERE mac IS NULL AND path = 'menu.ipxe'")
api_call 200 DELETE "/api/v1/files/$FID" -H "$A"
api_json "j['deleted'] and j['path'] == 'menu.ipxe'"
api_call 404 DELETE "/api/v1/files/$FID" -H "$A"
[ "$(db_sql "SELECT count(*) FROM files WHERE path = 'menu.ipxe'")" = 1 ] ||
	fail "DELETE took the client's file too"
note "/files: add, set (the same rows as bootctl), list, ?mac=, show, delete; 409, 422"

# POST /templates/NAME/render: {"text"} as bootctl template render.
api_denied POST /api/v1/templates/t-raw/render
api_bad_bodies POST /api/v1/templates/t-raw/render "$V"
api_call 200 POST /api/v1/templates/t-raw/render -H "$V" -H "$J" -d "{\"mac\":\"$M1\"}"
api_json "j['text'] == 'host c1-h web\n'"
bc template render t-raw --mac $M1 >"$T/render.bc"
python3 -c 'import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["text"] == open(sys.argv[2]).read() else 1)' "$T/body" "$T/render.bc" ||
	fail "render: API $(cat "$T/body"), bootctl $(cat "$T/render.bc")"
api_call 422 POST /api/v1/templates/t-bad/render -H "$V" -H "$J" -d "{\"mac\":\"$M1\"}"
api_json "j['error']['code'] == 'invalid' and j['error']['line'] == 2 and 'line 2' in j['error']['message']"
api_call 404 POST /api/v1/templates/nosuch/render -H "$V" -H "$J" -d "{\"mac\":\"$M1\"}"
api_err not_found
api_call 422 POST /api/v1/templates/t-raw/render -H "$V" -H "$J" -d '{"mac":"52:54:00:00:06:99"}'
api_err invalid
api_call 422 POST /api/v1/templates/t-raw/render -H "$V" -H "$J" -d '{"mac":"zz"}'
api_call 422 POST /api/v1/templates/t-raw/render -H "$V" -H "$J" -d '{}'
api_call 422 POST /api/v1/templates/t-raw/render -H "$V" -H "$J" -d "{\"mac\":\"$M1\",\"body\":\"x\"}"
api_call 404 POST /api/v1/templates/t-raw/other -H "$V" -H "$J" -d "{\"mac\":\"$M1\"}"
api_call 404 POST /api/v1/templates/t-raw -H "$A" -H "$J" -d '{}'
printf 'url {{server_url}}\n' >"$T/url"
bc template add t-url --kind raw --file "$T/url" >/dev/null
api_call 200 POST /api/v1/templates/t-url/render -H "$V" -H "$J" -d "{\"mac\":\"$M1\",\"server\":\"http://boot.example:8080/\"}"
api_json "j['text'] == 'url http://boot.example:8080\n'"
api_call 422 POST /api/v1/templates/t-url/render -H "$V" -H "$J" -d "{\"mac\":\"$M1\",\"server\":\"ftp://x\"}"
note "POST /templates/NAME/render: the text as bootctl renders it; 422 with the line"
