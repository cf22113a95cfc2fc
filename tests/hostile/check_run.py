#!/usr/bin/env python3
"""Checks what `packetd run --once` made of the hostile messages
(tests/hostile/make.py's mail.tsv) and prints one line per check:
"PASS what" or "FAIL what (why)". One call for all: Python starts slowly.

usage: check_run.py WORK HOSTILE
"""
import configparser
import email
import os
import re
import sqlite3
import sys
from email import policy

WORK, H = sys.argv[1], sys.argv[2]
db = sqlite3.connect(os.path.join(WORK, 'spool', 'packetd.db'))
outdir = os.path.join(WORK, 'mailboxes', 'outbox', 'new')
findings = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=None)
findings.read(os.path.join(WORK, 'config', 'findings.ini'), encoding='utf-8')
codes = {}
with open(os.path.join(H, 'archives.tsv'), encoding='utf-8') as f:
    for line in f:
        name, _, code, _ = line.rstrip('\n').split('\t')
        codes[name] = code


def text_of(msg):
    parts = [str(msg['To']), str(msg['Subject'])]
    for p in msg.walk():
        if p.get_content_type() == 'text/plain':
            parts.append(p.get_content())
    return '\n'.join(parts)


# Replies by the Message-ID they answer.
replies = {}
for name in os.listdir(outdir):
    with open(os.path.join(outdir, name), 'rb') as fh:
        m = email.message_from_binary_file(fh, policy=policy.default)
    key = (m['In-Reply-To'] or '').strip()
    replies.setdefault(key, []).append(m)


def result(ok, what, why=''):
    print(('PASS %s' % what) if ok else ('FAIL %s (%s)' % (what, why)))


with open(os.path.join(H, 'mail.tsv'), encoding='utf-8') as f:
    rows = [line.rstrip('\n').split('\t') for line in f]
for name, status, nrep, want, why in rows:
    with open(os.path.join(H, 'mail', name + '.eml'), 'rb') as fh:
        head = email.message_from_binary_file(fh, policy=policy.compat32)
    mid = re.sub(r'\s+', '', head['Message-ID'] or '')
    items = db.execute('SELECT status, detail FROM items WHERE ref = ?', ('new/' + name,)).fetchall()
    label = '%s (%s)' % (name, why)
    if status.startswith('same-as:'):
        result(not items, label + ': not recorded again', 'items %r' % items)
        result(len(replies.get(mid, [])) == 1, label + ': answered once in all',
               '%d replies' % len(replies.get(mid, [])))
        continue
    got = items[0][0] if items else None
    result(got == status, label + ': item ' + status, 'got %r' % got)
    rs = replies.get(mid, [])
    result(len(rs) == int(nrep), label + ': %s repl%s' % (nrep, 'y' if nrep == '1' else 'ies'),
           '%d replies' % len(rs))
    if not rs:
        continue
    r = rs[0]
    result(r['Auto-Submitted'] == 'auto-replied', label + ': reply is Auto-Submitted: auto-replied',
           repr(r['Auto-Submitted']))
    body = text_of(r)
    if want.startswith('!'):
        result(want[1:] not in body, label + ': reply does not contain %r' % want[1:], str(r['To']))
    elif want != '-':
        result(want in body, label + ': reply contains %r' % want, body[:200].replace('\n', ' '))
    if status == 'rejected':
        m = re.search(r'Reason:\n(.{10,})', body)
        result(m is not None, label + ': reply gives the reason', body[-300:].replace('\n', ' '))
        arch = name[len('archive-'):] if name.startswith('archive-') else None
        if arch and codes.get(arch, '-') != '-':
            texts = [findings.get('finding.' + c, 'en').split('{')[0].strip()
                     for c in codes[arch].split('|') if findings.has_section('finding.' + c)]
            result(any(t and t in body for t in texts), label + ': reply explains ' + codes[arch],
                   m.group(1)[:120] if m else '-')
