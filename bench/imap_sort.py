#!/usr/bin/python3
"""SORT and THREAD over a whole folder, Appliance and Dovecot in the same run (bench/imap.sh sort).

usage: imap_sort.py [--after-new-mail] USER PASSWORD WARMUPS REPETITIONS BUDGET_SECONDS NAME:PORT:PID [NAME:PORT:PID ...]

For each server, one implicit-TLS connection logs in and EXAMINEs INBOX (not timed). Then, for each operation,
WARMUPS untimed runs (Dovecot builds its sort and thread indexes on first use, Appliance warms its JIT and the
SQLite page cache), then REPETITIONS timed ones, bounded by BUDGET_SECONDS per operation (at least 3 runs):
wall clock from the command sent to its tagged OK read in full, and the serving process's CPU time (user +
system, from /proc/PID/stat) over the same span. PID is the server's process; for Dovecot it is its master, and
the process measured is the imap child that serves this connection. Every answer is checked to name every
message of the folder once, and both servers must agree on how many there are.
Prints a Markdown table: median wall time (ms), p90, and CPU ms per operation (the mean over the repetitions).

With --after-new-mail, before every run (warm-ups too) a second connection APPENDs one small reply to INBOX and the
measured connection sees it with NOOP (not timed), so that each SORT or THREAD is the first over a changed folder, as
after every new message in a busy office: no server can answer it from what it computed before, and what it keeps
must be brought up to date (Dovecot updates its index and sort and thread data; Appliance summarizes the message and
sorts or threads the folder afresh). The messages added are expunged at the end.
"""
import imaplib
import os
import re
import ssl
import statistics
import sys
import time

OPERATIONS = [
    ("UID SORT (DATE)", ("SORT", "(DATE)", "UTF-8", "ALL")),
    ("UID SORT (FROM)", ("SORT", "(FROM)", "UTF-8", "ALL")),
    ("UID SORT (SUBJECT)", ("SORT", "(SUBJECT)", "UTF-8", "ALL")),
    ("UID SORT (REVERSE ARRIVAL)", ("SORT", "(REVERSE ARRIVAL)", "UTF-8", "ALL")),
    ("UID SORT (SIZE)", ("SORT", "(SIZE)", "UTF-8", "ALL")),
    ("UID THREAD REFERENCES", ("THREAD", "REFERENCES", "UTF-8", "ALL")),
    ("UID THREAD ORDEREDSUBJECT", ("THREAD", "ORDEREDSUBJECT", "UTF-8", "ALL")),
]
# A SORT or THREAD of 100,000 messages is one line of about 600 KB; imaplib's default cap is 1 MB.
imaplib._MAXLINE = 16 * 1024 * 1024
TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        # Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_MS


def dovecot_imap_child(master):
    """The imap process under this Dovecot master (one connection is open, so there is one)."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        parent = int(text.rsplit(")", 1)[1].split()[1])
        if parent == master and name == "imap":
            children.append(int(entry))
    if len(children) != 1:
        raise SystemExit(f"expected one imap process under Dovecot's master {master}, found {children}")
    return children[0]


def connect(port, user, password):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    imap = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=context, timeout=600)
    typ, _ = imap.login(user, password)
    assert typ == "OK"
    typ, data = imap.select("INBOX", readonly=True)
    assert typ == "OK", data
    return imap, int(data[0])


ADDED_MARK = "X-Bench-Added: imap_sort"


def add_message(adder, serial):
    """One small reply to an earlier bench message, appended by the second connection."""
    text = (f"From: Bench <bench@example.com>\r\nTo: bob@example.com\r\nSubject: Re: bench {serial}\r\n"
            f"Date: Thu, 3 Dec 2026 12:00:00 +0000\r\nMessage-ID: <added-{serial}@bench.example>\r\n"
            f"References: <added-{serial - 1}@bench.example>\r\n{ADDED_MARK}\r\n\r\nnew mail {serial}\r\n")
    typ, data = adder.append("INBOX", None, None, text.encode())
    if typ != "OK":
        raise SystemExit(f"APPEND: {typ} {data}")


def remove_added(adder):
    adder.select("INBOX")
    typ, data = adder.uid("SEARCH", "HEADER", "X-Bench-Added", "imap_sort")
    uids = data[0].split() if typ == "OK" and data and data[0] else []
    if uids:
        adder.uid("STORE", b",".join(uids).decode(), "+FLAGS.SILENT", "(\\Deleted)")
        adder.expunge()
    return len(uids)


def run(imap, command, exists):
    typ, data = imap.uid(*command)
    if typ != "OK":
        raise SystemExit(f"{command}: {typ} {data}")
    text = b" ".join(d for d in data if isinstance(d, bytes))
    numbers = re.findall(rb"\d+", text)
    if len(numbers) != exists or len(set(numbers)) != exists:
        raise SystemExit(f"{command}: {len(numbers)} numbers ({len(set(numbers))} distinct) for {exists} messages")


def measure(imap, pid, command, state, warmups, repetitions, budget):
    """state: [exists, adder connection or None, serial of the last message added]."""
    def prepare():
        if state[1] is not None:
            state[2] += 1
            add_message(state[1], state[2])
            imap.noop()
            state[0] += 1
        return state[0]

    for _ in range(warmups):
        run(imap, command, prepare())
    walls, cpu = [], 0.0
    start = time.monotonic()
    while len(walls) < repetitions and (len(walls) < 3 or time.monotonic() - start < budget):
        exists = prepare()
        before = cpu_ms(pid)
        t = time.perf_counter()
        run(imap, command, exists)
        walls.append((time.perf_counter() - t) * 1000)
        cpu += cpu_ms(pid) - before
    walls.sort()
    p90 = walls[min(len(walls) - 1, int(round(0.9 * (len(walls) - 1))))]
    return statistics.median(walls), p90, cpu / len(walls), len(walls)


def main():
    args = sys.argv[1:]
    after_new_mail = bool(args) and args[0] == "--after-new-mail"
    if after_new_mail:
        args = args[1:]
    user, password = args[0], args[1]
    warmups, repetitions, budget = int(args[2]), int(args[3]), float(args[4])
    servers = []
    states = {}
    for spec in args[5:]:
        name, port, pid = spec.split(":")
        imap, exists = connect(int(port), user, password)
        pid = int(pid)
        if name.lower().startswith("dovecot"):
            pid = dovecot_imap_child(pid)
        adder = None
        if after_new_mail:
            # Logged in after the measured connection, so that Dovecot's measured imap process is found first.
            adder = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=imap.ssl_context, timeout=600)
            adder.login(user, password)
            removed = remove_added(adder)
            if removed:
                imap.noop()
                exists -= removed
        states[name] = [exists, adder, 0]
        servers.append((name, imap, pid, exists))
    counts = {name: exists for name, _, _, exists in servers}
    if len(set(counts.values())) != 1:
        raise SystemExit(f"the servers hold different folders: {counts}")
    exists = servers[0][3]
    results = {}
    for label, command in OPERATIONS:
        for name, imap, pid, _ in servers:
            results[(label, name)] = measure(imap, pid, command, states[name], warmups, repetitions, budget)
            median, p90, cpu, n = results[(label, name)]
            print(f"  {label}, {name}: {median:.1f} ms (p90 {p90:.1f}), CPU {cpu:.1f} ms, n={n}", file=sys.stderr)
    names = [name for name, _, _, _ in servers]
    when = ", each the first after one new message" if after_new_mail else ""
    print(f"\n{exists:,} messages in INBOX{when}; median wall ms (p90) · server CPU ms per operation\n")
    print("| operation | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, _ in OPERATIONS:
        cells = []
        for name in names:
            median, p90, cpu, n = results[(label, name)]
            cells.append(f"{median:,.1f} ({p90:,.1f}) · CPU {cpu:,.1f}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    for name, imap, _, _ in servers:
        imap.logout()
        if states[name][1] is not None:
            remove_added(states[name][1])
            states[name][1].logout()


main()
