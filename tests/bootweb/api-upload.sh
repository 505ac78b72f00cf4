#!/bin/sh
# api-upload.sh: ISOs over the admin API. A real ISO (xorriso) uploaded
# to /api/v1/images/upload streams to DATADIR/uploads/NAME.iso, equal to
# the file byte for byte, and its import job ends done with the image the
# same as bootctl image import makes; a 1 GiB upload keeps bootweb's RSS
# small (its body never sits in memory); refusals (no credentials, wrong
# role, wrong type, no name, a name taken, over upload.max_bytes, no
# Content-Length) keep nothing. /api/v1/images/import and detect take
# only paths inside the data directory or import_dir. Keep-alive requests
# around a body stay intact. /boot.ipxe's latency while an ISO uploads
# and imports is measured (p99 against idle).
API_SEED=307
. "${top_srcdir:-.}/tests/helpers/lib.sh"
. "${top_srcdir:-.}/tests/helpers/iso-lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-lib.sh"
need_cmd cmp sqlite3
A="Authorization: Bearer $TA"
O="Authorization: Bearer $TO"
V="Authorization: Bearer $TV"
J="Content-Type: application/json"
ISO="Content-Type: application/octet-stream"

# outside the data directory ($T)
OUT=$(mktemp -d /tmp/nbout.XXXXXXXX)
at_exit "rm -rf '$OUT'"
chmod 0755 "$OUT"
iso_tree "$T/src-ubu" casper/vmlinuz=K casper/initrd=B:700 \
    casper/filesystem.squashfs=B:3000 \
    '.disk/info=T:Ubuntu 24.04 LTS "Noble Numbat" - Release amd64 (20240424)'
make_iso "$OUT/ubuntu.iso" "Ubuntu 24.04 LTS amd64" rr "$T/src-ubu"
cp "$OUT/ubuntu.iso" "$T/in-data.iso"
chown -R nobody: "$T"
api_start
PID=$(cat "$T/bootweb.pid")

# wait_job ID STATE: poll /api/v1/jobs/ID until it is not running.
wait_job() {
	local n=0
	while :; do
		api_call 200 GET "/api/v1/jobs/$1" -H "$V"
		python3 -c 'import json, sys
sys.exit(json.load(open(sys.argv[1]))["state"] == "running")' "$T/body" && break
		n=$((n + 1))
		[ $n -lt 300 ] || fail "job $1 still running after 30 s"
		sleep 0.1
	done
	api_json "j['state'] == '$2'"
}

# --- the upload of a real ISO, byte-compared, then imported
api_call 202 POST "/api/v1/images/upload?name=ubu" -H "$A" -H "$ISO" \
    --data-binary @"$OUT/ubuntu.iso"
api_json "j['job']['state'] == 'running' and j['job']['id'] >= 1"
JOB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$T/body")
cmp "$T/uploads/ubu.iso" "$OUT/ubuntu.iso" ||
	fail "the stored upload differs from the ISO sent"
wait_job "$JOB" done
api_json "j['progress'] == 1 and j['image']['name'] == 'ubu' and j['image']['distro'] == 'ubuntu'"
api_call 200 GET /api/v1/images/ubu -H "$V"
api_json "j['iso_path'] == '$T/uploads/ubu.iso' and j['kernel'] == 'ubu/vmlinuz'"
cmp "$T/ubu/vmlinuz" "$T/src-ubu/casper/vmlinuz" || fail "the kernel extracted differs"
[ -z "$(find "$T/uploads" -name '.upload-*')" ] || fail "a temporary upload is left"
db_sql "SELECT detail FROM events WHERE kind = 'image-import'" | grep -q "job $JOB: imported ubu" ||
	fail "no image-import event"
# the same import by bootctl makes the same row
"$BOOTCTL" -f "$CONF" -D "$DB" image import "$T/uploads/ubu.iso" --name ubu-bc >/dev/null ||
	fail "bootctl image import"
cols="kind, distro, version, arch, cmdline, iso_path, iso_sha256, iso_size"
[ "$(db_sql "SELECT $cols FROM images WHERE name = 'ubu'")" = \
  "$(db_sql "SELECT $cols FROM images WHERE name = 'ubu-bc'")" ] ||
	fail "the API's import and bootctl's differ"
note "upload: stored byte for byte, imported as bootctl imports it"

# --- an uploaded ISO goes with the last image that has it
api_call 200 DELETE /api/v1/images/ubu -H "$A"
[ -e "$T/uploads/ubu.iso" ] || fail "DELETE removed an ISO ubu-bc still has"
"$BOOTCTL" -f "$CONF" -D "$DB" image rm ubu-bc >"$T/out" || fail "image rm ubu-bc"
expect_out "removed $T/uploads/ubu.iso"
[ ! -e "$T/uploads/ubu.iso" ] || fail "image rm left the upload no image has"
# a new upload of the name, then DELETE by the API alone removes it
api_call 202 POST "/api/v1/images/upload?name=ubu" -H "$A" -H "$ISO" \
    --data-binary @"$OUT/ubuntu.iso"
wait_job "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$T/body")" done
api_call 200 DELETE /api/v1/images/ubu -H "$A"
[ ! -e "$T/uploads/ubu.iso" ] || fail "DELETE left the upload of ubu"
[ -d "$T/in-data.iso" ] || [ -e "$T/in-data.iso" ] || fail "in-data.iso went"
# a stale NAME.iso no image has (bootweb stopped mid-import) is replaced
echo stale >"$T/uploads/stale.iso"
chown nobody: "$T/uploads/stale.iso"
api_call 202 POST "/api/v1/images/upload?name=stale" -H "$A" -H "$ISO" \
    --data-binary @"$OUT/ubuntu.iso"
cmp "$T/uploads/stale.iso" "$OUT/ubuntu.iso" || fail "the stale file stayed"
wait_job "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$T/body")" done
# the API's own paths are not image names
for n in upload import detect; do
	api_call 422 POST "/api/v1/images/upload?name=$n" -H "$A" -H "$ISO" \
	    --data-binary @"$OUT/ubuntu.iso"
	grep -q reserved "$T/body" || fail "$n: $(cat "$T/body")"
	"$BOOTCTL" -f "$CONF" -D "$DB" image import "$OUT/ubuntu.iso" \
	    --name "$n" >/dev/null 2>"$T/err" && fail "image import --name $n"
	expect_err "reserved"
	[ ! -e "$T/uploads/$n.iso" ] || fail "a refused $n left a file"
done
note "uploads: removed with their last image (API, bootctl), a stale one replaced, names upload/import/detect refused"

# --- refusals
api_call 401 POST "/api/v1/images/upload?name=x1" -H "$ISO" --data-binary @"$OUT/ubuntu.iso"
api_err unauthorized
api_call 403 POST "/api/v1/images/upload?name=x1" -H "$O" -H "$ISO" --data-binary @"$OUT/ubuntu.iso"
api_err forbidden
api_call 403 POST "/api/v1/images/upload?name=x1" -H "$V" -H "$ISO" --data-binary @"$OUT/ubuntu.iso"
api_call 415 POST "/api/v1/images/upload?name=x1" -H "$A" -H "$J" --data-binary @"$OUT/ubuntu.iso"
api_err unsupported_media_type
api_call 422 POST "/api/v1/images/upload" -H "$A" -H "$ISO" --data-binary @"$OUT/ubuntu.iso"
api_call 422 POST "/api/v1/images/upload?name=../x" -H "$A" -H "$ISO" --data-binary @"$OUT/ubuntu.iso"
api_call 409 POST "/api/v1/images/upload?name=stale" -H "$A" -H "$ISO" --data-binary @"$OUT/ubuntu.iso"
api_err conflict
printf 'CD001' >"$T/small"
api_call 411 POST "/api/v1/images/upload?name=x1" -H "$A" -H "$ISO" -H "Transfer-Encoding: chunked" \
    --data-binary @"$T/small"
# a chunked body past the admin plane's body limit: evhttp's own 413
api_call 413 POST "/api/v1/images/upload?name=x1" -H "$A" -H "$ISO" -H "Transfer-Encoding: chunked" \
    --data-binary @"$OUT/ubuntu.iso"
api_call 405 GET "/api/v1/images/upload" -H "$A"
bc settings set upload.max_bytes 100000 >/dev/null
api_call 413 POST "/api/v1/images/upload?name=x1" -H "$A" -H "$ISO" --data-binary @"$OUT/ubuntu.iso"
api_err payload_too_large
bc settings unset upload.max_bytes >/dev/null
[ -z "$(ls -A "$T/uploads" | grep -v '^stale.iso$')" ] || fail "a refused upload left $(ls -A "$T/uploads")"
kill -0 "$PID" || fail "bootweb died"
note "upload refusals: 401, 403 (operator, viewer), 415, 422, 409, 411, 405, 413; nothing kept"

# --- a client that goes mid-body leaves nothing
python3 - "$APORT" "$TA" <<'PY' || fail "the cut upload"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(("POST /api/v1/images/upload?name=cut HTTP/1.1\r\nHost: x\r\n"
    "Authorization: Bearer %s\r\nContent-Type: application/octet-stream\r\n"
    "Content-Length: 10000000\r\n\r\n" % sys.argv[2]).encode())
s.sendall(b"\0" * 1000000)
time.sleep(0.5)
s.close()
PY
wait_for 5 sh -c "! ls -A '$T/uploads' | grep -q '^\.upload-cut'" ||
	fail "a cut upload left $(ls -A "$T/uploads")"
[ ! -e "$T/uploads/cut.iso" ] || fail "a cut upload was kept"
grep -q "upload of cut from .*: the connection closed during the upload" "$T/bootweb.log" ||
	fail "no log line for the cut upload"
kill -0 "$PID" || fail "bootweb died"
note "an upload cut mid-body: its file removed, a log line"

# --- keep-alive: bodies before and after an upload on one connection stay whole
python3 - "$APORT" "$TA" "$OUT/ubuntu.iso" "$T" <<'PY' || fail "keep-alive sequence"
import http.client, json, sys
port, tok, iso, t = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
h = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
for i in range(3):
    c.request("POST", "/api/v1/images/detect", json.dumps({"path": t + "/in-data.iso"}), h)
    r = c.getresponse(); b = json.loads(r.read())
    assert r.status == 200 and b["family"] == "ubuntu", (r.status, b)
    c.request("GET", "/api/v1/jobs", headers=h)
    r = c.getresponse(); b = json.loads(r.read())
    assert r.status == 200 and len(b["jobs"]) >= 1, (r.status, b)
data = open(iso, "rb").read()
# refused with its whole body sent (no Expect): dropped, the connection kept
c.request("POST", "/api/v1/images/upload?name=ka", data, h)
r = c.getresponse(); b = json.loads(r.read())
assert r.status == 415 and r.getheader("Connection") != "close", (r.status, b)
h["Content-Type"] = "application/octet-stream"
c.request("POST", "/api/v1/images/upload?name=ka", data, h)
r = c.getresponse(); b = json.loads(r.read())
assert r.status == 202, (r.status, b)
c.request("GET", "/api/v1/jobs/%d" % b["job"]["id"], headers=h)
r = c.getresponse(); b = json.loads(r.read())
assert r.status == 200 and b["name"] == "ka", (r.status, b)
c.request("POST", "/api/v1/images/upload?name=ka2", data, h)
r = c.getresponse(); b = json.loads(r.read())
assert r.status == 202, (r.status, b)
PY
cmp "$T/uploads/ka.iso" "$OUT/ubuntu.iso" || fail "the keep-alive upload differs"
note "keep-alive: detect and jobs three times, a refused upload, two uploads and a job, on one connection"

# --- import and detect of files on the server, confined
api_call 202 POST /api/v1/images/import -H "$A" -H "$J" -d "{\"path\":\"$T/in-data.iso\",\"name\":\"imp\"}"
wait_job "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$T/body")" done
api_call 403 POST /api/v1/images/import -H "$A" -H "$J" -d "{\"path\":\"$T/../${OUT#/tmp/}/ubuntu.iso\",\"name\":\"o\"}"
api_call 403 POST /api/v1/images/import -H "$A" -H "$J" -d "{\"path\":\"$OUT/ubuntu.iso\"}"
api_call 403 POST /api/v1/images/import -H "$A" -H "$J" -d '{"path":"/etc/passwd"}'
api_err forbidden
ln -s "$OUT/ubuntu.iso" "$T/link.iso"
api_call 403 POST /api/v1/images/import -H "$A" -H "$J" -d "{\"path\":\"$T/link.iso\"}"
api_call 403 POST /api/v1/images/import -H "$A" -H "$J" -d "{\"path\":\"$T/../etc/passwd\"}"
cp "$T/in-data.iso" "$T/.hidden.iso"
api_call 403 POST /api/v1/images/import -H "$A" -H "$J" -d "{\"path\":\"$T/.hidden.iso\"}"
# the database file itself (SQLite's: a PostgreSQL one is no file here)
[ "$NB_TEST_DB" = sqlite ] &&
	api_call 403 POST /api/v1/images/detect -H "$A" -H "$J" -d "{\"path\":\"$DB\"}"
api_call 404 POST /api/v1/images/import -H "$A" -H "$J" -d "{\"path\":\"$T/nosuch.iso\"}"
api_call 422 POST /api/v1/images/import -H "$A" -H "$J" -d '{"path":"rel.iso"}'
api_call 422 POST /api/v1/images/import -H "$A" -H "$J" -d "{\"path\":\"$T/in-data.iso\",\"name\":\"a/b\"}"
api_call 409 POST /api/v1/images/import -H "$A" -H "$J" -d "{\"path\":\"$T/in-data.iso\",\"name\":\"imp\"}"
api_call 400 POST /api/v1/images/import -H "$A" -H "$J" -d '{"path":'
api_call 415 POST /api/v1/images/import -H "$A" -H "Content-Type: text/plain" -d '{}'
head -c 40000 /dev/zero | tr '\0' ' ' >"$T/big.json"
api_call 413 POST /api/v1/images/import -H "$A" -H "$J" --data-binary @"$T/big.json"
api_call 403 POST /api/v1/images/import -H "$O" -H "$J" -d "{\"path\":\"$T/in-data.iso\"}"
api_call 401 POST /api/v1/images/detect -H "$J" -d "{\"path\":\"$T/in-data.iso\"}"
api_call 200 POST /api/v1/images/detect -H "$A" -H "$J" -d "{\"path\":\"$T/in-data.iso\"}"
api_json "j['family'] == 'ubuntu' and j['kind'] == 'linux'"
# import_dir widens where paths may lie
api_call 404 GET /api/v1/jobs/999 -H "$V"
api_err not_found
api_call 401 GET /api/v1/jobs
api_call 200 GET /api/v1/jobs -H "$V"
api_json "len(j['jobs']) >= 3 and j['jobs'][0]['id'] > j['jobs'][-1]['id']"
note "import and detect: confined to the data directory (links, .., dot-files, the database refused)"

kill "$PID"; sleep 0.5
# what a bootweb stopped mid-upload leaves goes at the next start
echo partial >"$T/uploads/.upload-cut-AAAAAA"
chown nobody: "$T/uploads/.upload-cut-AAAAAA"
CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe
import_dir = $OUT")
chown -R nobody: "$T"
api_start
PID=$(cat "$T/bootweb.pid")
api_call 200 POST /api/v1/images/detect -H "$A" -H "$J" -d "{\"path\":\"$OUT/ubuntu.iso\"}"
api_call 200 POST /api/v1/images/detect -H "$A" -H "$J" -d "{\"path\":\"$T/link.iso\"}"
[ ! -e "$T/uploads/.upload-cut-AAAAAA" ] || fail "a stale upload survived a start"
note "import_dir: its ISOs (and links into it) may be imported; a stale upload removed at start"

# --- a 1 GiB upload: bootweb's RSS stays small
truncate -s 1G "$OUT/sparse.iso"
hwm() { awk '/^VmHWM:/ { print $2 }' /proc/$PID/status; }
rss0=$(hwm)
api_call 202 POST "/api/v1/images/upload?name=sparse" -H "$A" -H "$ISO" \
    -T "$OUT/sparse.iso"
rss1=$(hwm)
wait_job "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$T/body")" failed
[ ! -e "$T/uploads/sparse.iso" ] || fail "a failed import kept its upload"
secs=$(sed -n 's/.*upload of sparse from .* bytes in \([0-9.]*\) s$/\1/p' "$T/bootweb.log")
note "1 GiB upload in $secs s: bootweb's peak RSS $rss0 kB before, $rss1 kB after"
[ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -lt 32768 ] || fail "a 1 GiB upload grew bootweb's RSS by $((rss1 - rss0)) kB"
kill -0 "$PID" || fail "bootweb died"

# --- /boot.ipxe while a 400 MiB ISO uploads and imports: p99 against idle
mkdir -p "$OUT/src-big/casper"
cp -r "$T/src-ubu/." "$OUT/src-big/"
truncate -s 400M "$OUT/src-big/casper/filesystem.squashfs"
make_iso "$OUT/big.iso" "Ubuntu 24.04 LTS amd64" rr "$OUT/src-big"
rm -rf "$OUT/src-big"
cat >"$T/lat.py" <<'PY'
import http.client, os, sys, time
port, stop, out, most = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
lat, t0 = [], time.monotonic()
while time.monotonic() - t0 < most and not os.path.exists(stop):
    s = time.monotonic()
    c.request("GET", "/boot.ipxe")
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
    lat.append(time.monotonic() - s)
    time.sleep(0.005)
lat.sort()
p99 = lat[int(len(lat) * 0.99)] * 1000
open(out, "w").write("%d %.2f %.2f\n" % (len(lat), lat[len(lat) // 2] * 1000, p99))
PY
python3 "$T/lat.py" "$PORT" "$T/nostop" "$T/idle" 3 || fail "idle latency"
python3 "$T/lat.py" "$PORT" "$T/stop" "$T/busy" 120 &
LAT=$!
# the uploader stands for a remote client: it gets no CPU before bootweb
got=$(nice -n 19 curl -s -o "$T/body" -w '%{http_code}' -X POST -H "$A" \
    -H "$ISO" -T "$OUT/big.iso" "$AU/api/v1/images/upload?name=big")
[ "$got" = 202 ] || fail "the 400 MiB upload: $got $(cat "$T/body")"
JOB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$T/body")
wait_job "$JOB" done
touch "$T/stop"
wait "$LAT" || fail "latency while importing"
read -r n0 med0 p0 <"$T/idle"
read -r n1 med1 p1 <"$T/busy"
note "/boot.ipxe idle: $n0 requests, median $med0 ms, p99 $p0 ms"
note "/boot.ipxe during a 400 MiB upload and import: $n1 requests, median $med1 ms, p99 $p1 ms"
python3 -c "import sys; sys.exit(0 if $p1 < 200 else 1)" ||
	fail "/boot.ipxe p99 $p1 ms while importing"
cmp "$T/uploads/big.iso" "$OUT/big.iso" || fail "the 400 MiB upload differs"
