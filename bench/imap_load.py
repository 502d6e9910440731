#!/usr/bin/python3
"""IMAP load for bench/imap.sh: idle TLS connections and FETCH timings, against one server.

  imap_load.py idle  HOST PORT USER PASSWORD N PID SMTPPORT [compress]
                                                  -> memory per idle connection, IDLE fan-out; with "compress"
                                                     each connection turns on COMPRESS=DEFLATE after LOGIN
  imap_load.py fill  HOST PORT USER PASSWORD N SIZE           -> APPEND N messages of SIZE bytes
  imap_load.py fetch HOST PORT USER PASSWORD                  -> FETCH ENVELOPE / BODY[] of the whole INBOX

Everything is bounded: connection attempts, waits and the whole run have time limits.
"""
import asyncio, imaplib, smtplib, ssl, sys, time, zlib

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx

class Deflated:
    """RFC 4978 from the client's side: zlib's raw deflate both ways, a sync flush after each command."""
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        # A small window for what the client sends (the server inflates any window); 32 KiB to read the server.
        self.out = zlib.compressobj(6, zlib.DEFLATED, -9, 1)
        self.inflate = zlib.decompressobj(-15)
        self.plain = b""
    def write(self, data):
        self.writer.write(self.out.compress(data) + self.out.flush(zlib.Z_SYNC_FLUSH))
    async def drain(self):
        await self.writer.drain()
    async def readline(self):
        while b"\n" not in self.plain:
            chunk = await self.reader.read(16384)
            if not chunk:
                line, self.plain = self.plain, b""
                return line
            self.plain += self.inflate.decompress(chunk)
        line, _, self.plain = self.plain.partition(b"\n")
        return line + b"\n"

async def idle_client(host, port, user, password, ctx, ready, delivered, results, index, compress=False):
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port, ssl=ctx), 120)
    await reader.readline()  # greeting
    async def command(tag, text):
        writer.write(f"{tag} {text}\r\n".encode())
        await writer.drain()
        while True:
            line = await asyncio.wait_for(reader.readline(), 120)
            if not line:
                raise ConnectionError("closed")
            if line.startswith(tag.encode() + b" "):
                if not line.startswith(tag.encode() + b" OK"):
                    raise ConnectionError(line.decode(errors="replace"))
                return
    await command("a", f'LOGIN "{user}" "{password}"')
    if compress:
        await command("z", "COMPRESS DEFLATE")
        reader = writer = Deflated(reader, writer)
    await command("b", "SELECT INBOX")
    writer.write(b"c IDLE\r\n")
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), 120)
    if not line.startswith(b"+"):
        raise ConnectionError("no IDLE continuation")
    ready.release()
    await delivered.wait()
    try:
        while True:
            line = await asyncio.wait_for(reader.readline(), 60)
            if line.endswith(b" EXISTS\r\n"):
                results[index] = True
                break
    except asyncio.TimeoutError:
        results[index] = False
    writer.write(b"DONE\r\n")
    await writer.drain()
    (writer.writer if compress else writer).close()

async def idle(host, port, user, password, n, pid, smtp_port, compress=False):
    ctx = context()
    before = rss_kib(pid)
    ready = asyncio.Semaphore(0)
    delivered = asyncio.Event()
    results = [None] * n
    tasks = []
    started = time.monotonic()
    # Opened in waves so that handshakes do not pile up beyond what two cores can do.
    wave = 200
    opened = 0
    for start in range(0, n, wave):
        for i in range(start, min(n, start + wave)):
            tasks.append(asyncio.create_task(idle_client(host, port, user, password, ctx, ready, delivered, results, i, compress)))
        for _ in range(start, min(n, start + wave)):
            await asyncio.wait_for(ready.acquire(), 300)
            opened += 1
    setup = time.monotonic() - started
    await asyncio.sleep(2)
    after = rss_kib(pid)
    t0 = time.monotonic()
    s = smtplib.SMTP(host, smtp_port, timeout=60)
    s.sendmail("bench@bench.example", [user], b"Subject: to every idle session\r\n\r\nhello\r\n")
    s.quit()
    delivered.set()
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 600)
    fanout = time.monotonic() - t0
    got = sum(1 for r in results if r)
    print(f"idle connections{' with COMPRESS=DEFLATE' if compress else ''}: {opened} opened in {setup:.1f} s")
    print(f"server RSS: {before} KiB before, {after} KiB with them open: {(after - before) / max(opened, 1):.1f} KiB per idle connection")
    print(f"delivery seen by {got} of {opened} IDLE sessions within {fanout:.1f} s")

def fill(host, port, user, password, n, size):
    """APPENDs n messages of about size bytes, the same on every server."""
    m = imaplib.IMAP4_SSL(host, port, ssl_context=context())
    m.login(user, password)
    filler = ("x" * 76 + "\r\n") * max(1, size // 78)
    for i in range(n):
        message = (f"From: Sender {i} <sender{i}@bench.example>\r\nTo: {user}\r\nSubject: message {i}\r\n"
                   f"Date: Sat, 28 Nov 2026 10:{i // 60 % 60:02d}:{i % 60:02d} +0000\r\nMessage-ID: <{i}@bench.example>\r\n"
                   f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{filler}").encode()
        typ, _ = m.append("INBOX", None, None, message)
        assert typ == "OK"
    m.logout()

def fetch(host, port, user, password):
    m = imaplib.IMAP4_SSL(host, port, ssl_context=context())
    m.login(user, password)
    typ, data = m.select("INBOX", readonly=True)
    count = int(data[0])
    timings = {}
    for name, items in (("ENVELOPE", "(ENVELOPE)"), ("BODY[]", "(BODY.PEEK[])")):
        runs = []
        for _ in range(5):
            t0 = time.monotonic()
            typ, data = m.fetch(f"1:{count}", items)
            runs.append((time.monotonic() - t0) * 1000)
            assert typ == "OK"
        timings[name] = sorted(runs)[len(runs) // 2]
    m.logout()
    print(f"FETCH 1:{count} ENVELOPE: {timings['ENVELOPE']:.1f} ms (median of 5)")
    print(f"FETCH 1:{count} BODY[]: {timings['BODY[]']:.1f} ms (median of 5)")

if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "idle":
        host, port, user, password, n, pid, smtp_port = sys.argv[2:9]
        compress = sys.argv[9:10] == ["compress"]
        asyncio.run(asyncio.wait_for(idle(host, int(port), user, password, int(n), int(pid), int(smtp_port), compress), 1800))
    elif mode == "fill":
        host, port, user, password, n, size = sys.argv[2:8]
        fill(host, int(port), user, password, int(n), int(size))
    else:
        host, port, user, password = sys.argv[2:6]
        fetch(host, int(port), user, password)
