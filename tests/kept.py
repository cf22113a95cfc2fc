#!/usr/bin/env python3
"""What the spool holds for kept documents (src/spool.h names them
"<spool>/packs/NNNNNN.pack@OFFSET+LENGTH"; an earlier release's name is a
plain file). For the end-to-end tests and tests/faults/state.py.

usage: kept.py STORED [SHA256]   prints one word:
  whole    the bytes hash to SHA256
  other    they do not
  present  (no SHA256 given) bytes are there, not all zeros
  gone     the range reads as zeros (purged), or the plain file is absent
  missing  the pack is absent or shorter than the name says
"""
import hashlib
import os
import re
import sys

NAME = re.compile(r'^(.*)@(\d+)\+(\d+)$')


def kept_bytes(stored):
    """The document's bytes, None when its plain file is absent, or False
    when its pack is absent or too short."""
    m = NAME.match(stored)
    if not m:
        try:
            with open(stored, 'rb') as f:
                return f.read()
        except FileNotFoundError:
            return None
    path, off, n = m.group(1), int(m.group(2)), int(m.group(3))
    try:
        with open(path, 'rb') as f:
            f.seek(off)
            data = f.read(n)
    except FileNotFoundError:
        return False
    return data if len(data) == n else False


def kept_state(stored, sha=None):
    data = kept_bytes(stored)
    if data is None:
        return 'gone'
    if data is False:
        return 'missing'
    if sha:
        return 'whole' if hashlib.sha256(data).hexdigest() == sha else (
            'gone' if data and not data.strip(b'\0') else 'other')
    return 'present' if data.strip(b'\0') or not data else 'gone'


if __name__ == '__main__':
    print(kept_state(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
