#!/bin/bash
# `make run`: the whole job on the embedded default — the sample emails are
# delivered into the Maildir mailboxes/inbox, the sample batches dropped into
# spool/drop, and one cycle of `packetd run` processes them; notices land in
# mailboxes/outbox. Running it again processes nothing twice: the messages
# are recognised by Message-ID and the batches by their SHA-256.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
packetd=${1:-build/packetd}
conf=config/packetd.conf
for d in mailboxes/inbox mailboxes/outbox; do mkdir -p "$d/new" "$d/cur" "$d/tmp"; done
mkdir -p spool/drop
for f in samples/mail/*.eml; do
	n="sample.$(basename "$f" .eml)"
	cp "$f" "mailboxes/inbox/tmp/$n" && mv "mailboxes/inbox/tmp/$n" "mailboxes/inbox/new/$n"
done
for f in samples/batches/*.zip; do
	[ -f "$f" ] || continue
	cp "$f" spool/drop/
	# A drop is taken once it has stopped changing; these are complete copies.
	touch -d '1 minute ago' "spool/drop/$(basename "$f")"
done
"$packetd" -c "$conf" run --once
echo
echo "applications (packetd list):"
"$packetd" -c "$conf" list
echo
echo "notices written to mailboxes/outbox/new: $(find mailboxes/outbox/new -type f ! -name '.*' | wc -l)"
echo "receipts in spool/receipts: $(find spool/receipts -type f 2>/dev/null | wc -l)"
