#!/usr/bin/env python3
"""The webmail benchmark's IMAP side (bench/webmail.sh): the "first page" and a body search over IMAP.

usage: webmail_imap.py HOST PORT USER PASSWORD WORD EXPECTED WARMUPS REPETITIONS BUDGET_SECONDS OUTPUT.json

One implicit-TLS connection logs in once (not timed); then, each with warm-up runs and then repetitions
bounded in count and in time (at least 3), wall clock around the commands:
  first page, FETCH:  SELECT INBOX + FETCH of the newest 50 by sequence number (ENVELOPE), what any server answers;
  first page, SORT:   SELECT INBOX + UID SORT (REVERSE ARRIVAL) + UID FETCH of the first 50 (ENVELOPE), where the
                      server announces SORT (RFC 5256);
  search BODY:        SELECT INBOX + UID SEARCH BODY <word>, checked to find EXPECTED messages.
Writes {operation: {"samples": [ms, ...], "note": "..."}} to OUTPUT.json.
"""
import imaplib
import json
import ssl
import sys
import time

host, port, user, password, word = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
expected, warmups, repetitions, budget = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]), float(sys.argv[9])
output = sys.argv[10]

context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
imap = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=600)


def ok(result):
    typ, data = result
    if typ != 'OK':
        raise SystemExit(f'unexpected answer: {result}')
    return data


ok(imap.login(user, password))


def select():
    return int(ok(imap.select('INBOX', readonly=True))[0])


def page_fetch():
    exists = select()
    data = ok(imap.fetch(f'{max(1, exists - 49)}:{exists}', '(ENVELOPE)'))
    envelopes = [d for d in data if isinstance(d, tuple) or (isinstance(d, bytes) and b'ENVELOPE' in d)]
    assert len(envelopes) == min(50, exists), (len(envelopes), exists)


def page_sort():
    select()
    uids = ok(imap.uid('SORT', '(REVERSE ARRIVAL)', 'UTF-8', 'ALL'))[0].split()[:50]
    data = ok(imap.uid('FETCH', b','.join(uids).decode(), '(ENVELOPE)'))
    assert len([d for d in data if d is not None]) >= len(uids)


def search():
    select()
    found = ok(imap.uid('SEARCH', 'BODY', word))[0].split()
    assert len(found) == expected, f'{word}: {len(found)} found, {expected} expected'


def measure(run):
    for _ in range(warmups):
        run()
    samples = []
    start = time.monotonic()
    while len(samples) < repetitions and (len(samples) < 3 or time.monotonic() - start < budget):
        t = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t) * 1000)
    note = '' if len(samples) == repetitions else f'stopped at the {budget:.0f}-second bound'
    return {'samples': samples, 'note': note}


capabilities = ok(imap.capability())[0].decode().upper().split()
results = {'first page: SELECT + FETCH newest 50 ENVELOPE': measure(page_fetch)}
if 'SORT' in capabilities:
    results['first page: SELECT + UID SORT (REVERSE ARRIVAL) + UID FETCH 50 ENVELOPE'] = measure(page_sort)
results[f'search: SELECT + UID SEARCH BODY (rare word, {expected} hits)'] = measure(search)
imap.logout()
with open(output, 'w') as f:
    json.dump(results, f)
