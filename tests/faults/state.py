#!/usr/bin/env python3
"""Prints a canonical summary of a packetd installation's state, and checks
the invariants a crash must never break. Used by tests/e2e/faults.sh and
the soak run to compare a crashed-then-resumed installation with one that
ran without a fault.

usage: state.py WORK...   writes WORK/state.txt for each WORK: summary
                          lines (stable across runs), then one line
                          "BAD ..." per broken invariant (none: consistent)
Several installations in one call: Python starts slowly on small machines.

WORK is a throw-away installation made by tests/lib.sh (config/, spool/,
mailboxes/). Message-IDs and application numbers are not compared: they
may differ between runs; counts, keys and states must not.
"""
import collections
import email
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import kept  # noqa: E402  (tests/kept.py)


def files_in(d):
    if not os.path.isdir(d):
        return []
    return sorted(f for f in os.listdir(d) if not f.startswith('.'))


def state(work, emit):
    spool = os.path.join(work, 'spool')
    db = sqlite3.connect(os.path.join(spool, 'packetd.db'))
    q = lambda sql: db.execute(sql).fetchall()
    outdir = os.path.join(work, 'mailboxes', 'outbox', 'new')
    mails = files_in(outdir)
    # The summary: what a run without a crash must also show.
    for key, status in sorted(q('SELECT key, status FROM items')):
        emit('item', key, status)
    for state, n in sorted(q('SELECT state, count(*) FROM applications GROUP BY state')):
        emit('applications', state, n)
    for kind, state, n in sorted(q('SELECT kind, state, count(*) FROM outbox GROUP BY kind, state')):
        emit('outbox', kind, state, n)
    emit('outbox maildir files', len(mails))
    for sub in ('inbox/new', 'inbox/cur', 'processed/cur', 'rejected/cur'):
        emit('mailbox', sub, len(files_in(os.path.join(work, 'mailboxes', sub))))
    for sub in ('drop', 'processed', 'rejected', 'receipts', 'work'):
        emit('spool', sub, len(files_in(os.path.join(spool, sub))))

    bad = []
    ic = q('PRAGMA integrity_check')
    if ic != [('ok',)]:
        bad.append('integrity_check: %r' % (ic,))
    fk = q('PRAGMA foreign_key_check')
    if fk:
        bad.append('foreign_key_check: %d rows' % len(fk))
    # Every notice delivered, exactly one file per outbox row.
    ids = [r[0] for r in q('SELECT message_id FROM outbox')]
    if len(set(ids)) != len(ids):
        bad.append('outbox: duplicate Message-ID rows')
    for mid, state in q("SELECT message_id, state FROM outbox WHERE state != 'sent'"):
        bad.append('outbox row %s not sent (%s)' % (mid, state))
    names = set(''.join('_' if c in '/:' else c for c in i) for i in ids)
    if set(mails) != names:
        bad.append('outbox maildir: %d files for %d rows (extra %s, missing %s)' % (
            len(mails), len(ids), sorted(set(mails) - names)[:3], sorted(names - set(mails))[:3]))
    # No applicant's message answered twice.
    seen = collections.Counter()
    for f in mails:
        with open(os.path.join(outdir, f), 'rb') as fh:
            m = email.message_from_binary_file(fh)
        if m['In-Reply-To']:
            seen[m['In-Reply-To'].strip()] += 1
    for k, n in seen.items():
        if n > 1:
            bad.append('message %s answered %d times' % (k, n))
    # Each item key once (the table's key is unique; this guards a rename).
    for key, n in q('SELECT key, count(*) FROM items GROUP BY key HAVING count(*) > 1'):
        bad.append('item %s recorded %d times' % (key, n))
    # One application per archive.
    for sha, n in q('SELECT sha256, count(*) FROM application_archives GROUP BY sha256 HAVING count(*) > 1'):
        bad.append('archive %s recorded in %d applications' % (sha[:12], n))
    # Kept documents: every recorded one whole; no two share bytes of a
    # pack unless they are the same document. (A killed group may leave
    # bytes nobody names at a pack's end: never read, so not checked.)
    ranges = collections.defaultdict(set)
    for p, sha in q("SELECT stored_path, sha256 FROM files WHERE coalesce(stored_path, '') <> ''"
                    " AND purged_at IS NULL"):
        st = kept.kept_state(p, sha)
        if st != 'whole':
            bad.append('files: %s recorded but %s' % (p, st))
        m = kept.NAME.match(p)
        if m:
            ranges[m.group(1)].add((int(m.group(2)), int(m.group(3))))
    for pack, rs in ranges.items():
        end = 0
        for off, n in sorted(rs):
            if off < end:
                bad.append('files: %s@%d+%d overlaps another document' % (pack, off, n))
            end = max(end, off + n)
    for root, _, fs in os.walk(os.path.join(spool, 'files')):
        for f in fs:
            bad.append('files: %s kept outside a pack' % os.path.join(root, f))
    # [packetd] scratch, when the installation names one, is WORK/scratch
    for d in (os.path.join(spool, 'work'), os.path.join(work, 'scratch', 'work')):
        if files_in(d):
            bad.append('work folder not cleaned: %s' % files_in(d))
    for sub in ('inbox/new', 'inbox/cur', 'outbox/tmp'):
        left = files_in(os.path.join(work, 'mailboxes', sub))
        if left:
            bad.append('%s not empty: %s' % (sub, left[:3]))
    for line in bad:
        emit('BAD', line)


def main():
    for work in sys.argv[1:]:
        with open(os.path.join(work, 'state.txt'), 'w') as out:
            state(work, lambda *a: out.write(' '.join(str(x) for x in a) + '\n'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
