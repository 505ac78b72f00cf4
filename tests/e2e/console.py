#!/usr/bin/python3
"""console.py: the serial console of an e2e VM (stdlib only).

  console.py --socket S --log LOG --t0 EPOCH [--expect RE --send STR]...

Connects to QEMU's serial chardev (a unix socket, server=on,wait=off),
writes a readable log (ANSI stripped, one line per line, seconds since
QEMU started), and optionally drives the guest: each --expect regular
expression, once seen, is answered by typing its --send string (Python
escapes, e.g. '\\x02' for Ctrl-B). The bios-pxe case types into the
iPXE ROM shell this way. Exits when QEMU closes the socket.
"""
import argparse
import re
import socket
import sys
import time

ANSI_RE = re.compile(rb'\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>cDEHM78]')
# OVMF and the installer's newt UI position the cursor instead of printing newlines.
CURSOR_RE = re.compile(rb'\x1b\[[0-9]*;[0-9]*[Hf]|\x1b\[[0-9]*[Hf]')
# The installer's status bar ("][ Jan 1 12:00 ]"), redrawn every second.
STATUSBAR_RE = re.compile(r'\]\[\s*\w{3}\s+\d+\s+\d\d:\d\d\s*\]\s*$')


def clean(chunk):
    chunk = CURSOR_RE.sub(b'\n', chunk)
    chunk = ANSI_RE.sub(b'', chunk)
    chunk = chunk.replace(b'\r', b'').replace(b'\x08 \x08', b'').replace(b'\x08', b'')
    return bytes(c for c in chunk if c in (9, 10) or 32 <= c < 127 or c >= 128)


def connect(path, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.05)
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--socket', required=True)
    p.add_argument('--log', required=True)
    p.add_argument('--t0', required=True, type=float)
    p.add_argument('--expect', action='append', default=[])
    p.add_argument('--send', action='append', default=[])
    a = p.parse_args()
    steps = list(zip(a.expect, a.send))
    s = connect(a.socket, 20)
    if s is None:
        print('console: cannot connect to %s' % a.socket, file=sys.stderr)
        return 1
    log = open(a.log, 'a', buffering=1, encoding='utf-8', errors='replace')

    def emit(line):
        txt = line.decode('utf-8', 'replace').rstrip()
        if txt.strip() and not STATUSBAR_RE.search(txt):
            log.write('[%8.2f] %s\n' % (time.time() - a.t0, txt))

    pending = carry = b''
    window = ''
    step = 0
    # A lone control key (Ctrl-B for the ROM's shell) is typed again every
    # 0.2 s until the next step's prompt shows: on a loaded host one key
    # can miss the ROM's 2 s banner window (seen in CI), and at the prompt
    # an extra Ctrl-B only moves the cursor.
    again = None
    again_left = 0
    again_at = 0.0
    s.settimeout(0.2)
    while True:
        if again is not None and again_left > 0 and time.time() - again_at >= 0.2:
            s.sendall(again)
            again_left -= 1
            again_at = time.time()
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            break
        if not data:
            break
        data = carry + data
        carry = b''
        # keep an escape sequence cut in two for the next chunk
        i = data.rfind(b'\x1b')
        if i != -1 and len(data) - i < 48 and not ANSI_RE.match(data, i) \
                and not CURSOR_RE.match(data, i):
            carry, data = data[i:], data[:i]
        c = clean(data)
        pending += c
        while b'\n' in pending:
            line, pending = pending.split(b'\n', 1)
            emit(line)
        if len(pending) > 4096:
            emit(pending)
            pending = b''
        if step < len(steps):
            window = (window + c.decode('utf-8', 'replace'))[-20000:]
            pat, payload = steps[step]
            if re.search(pat, window):
                raw = payload.encode().decode('unicode_escape').encode('latin-1')
                log.write('[%8.2f] <<console: saw %r, typing %r>>\n'
                          % (time.time() - a.t0, pat, raw))
                time.sleep(0.3)
                for ch in raw:      # one key at a time: the ROM shell drops fast input
                    s.sendall(bytes([ch]))
                    time.sleep(0.05)
                step += 1
                window = ''
                if len(raw) == 1 and raw[0] < 0x20 and step < len(steps):
                    again, again_left, again_at = raw, 25, time.time()
                else:
                    again = None
    if pending:
        emit(pending)
    return 0


if __name__ == '__main__':
    sys.exit(main())
