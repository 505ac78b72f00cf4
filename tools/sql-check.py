#!/usr/bin/env python3
"""sql-check.py: prepare every query of libnetboot on both engines.

    tools/sql-check.py BUILDDIR SQLITE-FILE PSQL-CONNINFO

Runs the C preprocessor on each file that holds SQL (libnetboot/db_*.c
but db.c and db_pg.c, auth.c, ident.c), takes each run of adjacent string
literals that starts like a statement, splits DB_SQL("sqlite", "pg")
texts, and prepares the SQLite text on SQLITE-FILE (a database at the
current version: bootctl -D FILE db init) and the PostgreSQL text, ?N as
$N, with PREPARE in a transaction rolled back on PSQL-CONNINFO (a
database with the schema: bootctl -D postgresql://... db init). Texts
built at run time (the multi-row batches of db_client.c and db_event.c)
are left out. Prints each failure; exits 1 if any. Not part of make
check: it needs a compiler, psql and a server (tests/lib/pg-schema.sh
has the server part).
"""
import glob
import os
import re
import sqlite3
import subprocess
import sys

STMT = re.compile(r'^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b', re.I)
TOKENS = re.compile(r'"((?:\\.|[^"\\])*)"|\'(?:\\.|[^\'\\])*\'|(\s+)|([^"\'\s]+)',
                    re.S)
ESCAPES = {'n': '\n', 't': '\t', '\\': '\\', '"': '"', "'": "'"}


def unescape(s):
    """A C string literal's body as its bytes (as text)."""
    out, i = [], 0
    while i < len(s):
        if s[i] != '\\':
            out.append(s[i])
            i += 1
            continue
        n = s[i + 1]
        if n in ESCAPES:
            out.append(ESCAPES[n])
            i += 2
        elif n in '01234567':
            j = i + 1
            while j < len(s) and j < i + 4 and s[j] in '01234567':
                j += 1
            out.append(chr(int(s[i + 1:j], 8)))
            i = j
        elif n == 'x':
            j = i + 2
            while j < len(s) and s[j] in '0123456789abcdefABCDEF':
                j += 1
            out.append(chr(int(s[i + 2:j], 16)))
            i = j
        else:
            out.append(n)
            i += 2
    return ''.join(out)


def queries(builddir, path):
    """(sqlite, pg) texts of the SQL literals of one source file."""
    srcdir = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    cpp = subprocess.run(
        ['cc', '-E', '-DHAVE_CONFIG_H', '-I' + builddir, '-I' + srcdir,
         '-I' + os.path.join(srcdir, 'libnetboot'),
         '-isystem', '/usr/include/bsd', '-DLIBBSD_OVERLAY', path],
        capture_output=True, text=True, check=True).stdout
    # Only the lines of the file itself, not of its headers.
    mine, lines = False, []
    for line in cpp.split('\n'):
        m = re.match(r'# \d+ "([^"]*)"', line)
        if m:
            mine = os.path.abspath(m.group(1)) == os.path.abspath(path)
        elif mine:
            lines.append(line)
    run = None
    for m in TOKENS.finditer('\n'.join(lines) + ' ;'):
        if m.group(0).startswith('"'):
            run = (run or []) + [m.group(1)]
            continue
        if m.group(2) is not None or run is None:
            continue
        text = unescape(''.join(run))
        run = None
        if text.startswith('\x01'):
            lite, pg = text[1:].split('\x00', 1)
        elif STMT.match(text):
            lite = pg = text
        else:
            continue
        if lite.rstrip().endswith('VALUES'):
            continue        # a batch's head, finished at run time
        yield lite, pg


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    builddir, lite_db, conninfo = sys.argv[1:]
    srcdir = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    files = [f for f in sorted(glob.glob(os.path.join(srcdir, 'libnetboot',
                                                      'db_*.c')))
             if os.path.basename(f) not in ('db_pg.c', 'db_schema.c',
                                            'db_schema_pg.c')]
    files += [os.path.join(srcdir, 'libnetboot', f)
              for f in ('auth.c', 'ident.c')]
    lite = sqlite3.connect(lite_db)
    bad = n = 0
    for path in files:
        for q_lite, q_pg in queries(builddir, path):
            n += 1
            name = os.path.basename(path)
            try:
                lite.execute('EXPLAIN ' + q_lite,
                             [None] * max([int(x) for x in
                                        re.findall(r'\?(\d+)', q_lite)] or [0]))
            except sqlite3.Error as e:
                bad += 1
                print('%s: SQLite: %s\n  %s' % (name, e, q_lite))
            sql = 'BEGIN; PREPARE q AS %s; ROLLBACK;' % re.sub(
                r'\?(\d+)', r'$\1', q_pg)
            r = subprocess.run(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
                                '-d', conninfo, '-c', sql],
                               capture_output=True, text=True)
            if r.returncode != 0:
                bad += 1
                print('%s: PostgreSQL: %s\n  %s' % (name, r.stderr.strip(),
                                                    q_pg))
    print('%d queries, %d failures' % (n, bad))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
