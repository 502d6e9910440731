#!/usr/bin/python3
"""An RFC 4978 client over Python's zlib (raw deflate, wbits -15), written for the tests, not the server.

  imap_compress_client.py session HOST IMAP SMTP USER PASSWORD starttls|tls|plain  -> the whole good path
  imap_compress_client.py garbage HOST IMAP USER PASSWORD starttls|tls|plain       -> garbage after COMPRESS
(tls: implicit TLS, as on port 993; plain: no TLS at all, for a reference server that allows it)

Prints "PASS ..." lines; any failed check raises, so the exit code is not 0.
"""
import smtplib, socket, ssl, sys, time, zlib


class Client:
    def __init__(self, host, port, security):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = socket.create_connection((host, port), timeout=20)
        if security == "tls":
            self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.plain = b""
        self.out = None
        self.inflate = None
        self.raw_in = 0
        self.greeting = self.line()
        if security == "starttls":
            self.ok("s", "STARTTLS")
            self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")

    def send(self, data):
        if self.out is not None:
            data = self.out.compress(data) + self.out.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("server closed")
        self.raw_in += len(chunk)
        self.plain += self.inflate.decompress(chunk) if self.inflate is not None else chunk

    def line(self):
        """One response line; a literal at its end is read whole and kept inline."""
        while b"\r\n" not in self.plain:
            self.fill()
        line, _, self.plain = self.plain.partition(b"\r\n")
        if line.endswith(b"}") and b"{" in line:
            size = int(line[line.rindex(b"{") + 1:-1])
            while len(self.plain) < size:
                self.fill()
            literal, self.plain = self.plain[:size], self.plain[size:]
            return line + b"\r\n" + literal + self.line()
        return line

    def command(self, tag, text):
        self.send(f"{tag} {text}\r\n".encode())
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line.startswith(tag.encode() + b" "):
                return lines

    def ok(self, tag, text):
        lines = self.command(tag, text)
        assert lines[-1].startswith(tag.encode() + b" OK"), lines
        return lines

    def compress(self):
        self.ok("z", "COMPRESS DEFLATE")
        assert self.plain == b"", "bytes after the OK before compression"
        self.out = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.inflate = zlib.decompressobj(-15)


def session(host, imap, smtp, user, password, security):
    c = Client(host, imap, security)
    pre = c.command("p1", "COMPRESS DEFLATE")
    assert pre[-1].startswith(b"p1 BAD"), pre
    caps = c.ok("a1", f'LOGIN "{user}" "{password}"')[-1]
    assert b"COMPRESS=DEFLATE" in caps, caps
    assert c.command("a2", "COMPRESS LZ4")[-1].startswith(b"a2 BAD"), "unknown algorithm"
    c.compress()
    caps = c.ok("a3", "CAPABILITY")
    assert b"IMAP4rev1" in caps[0] and b"COMPRESS=DEFLATE" not in caps[0], caps
    again = c.command("a4", "COMPRESS DEFLATE")[-1]
    assert again.startswith(b"a4 NO [COMPRESSIONACTIVE]"), again
    print("PASS compress: BAD before login and for LZ4, OK, then NO [COMPRESSIONACTIVE]")

    body = ("The quick brown fox jumps over the lazy dog, again and again.\r\n" * 2000).encode()
    message = b"From: alice@elsewhere.example\r\nTo: " + user.encode() + b"\r\nSubject: compressed\r\n\r\n" + body
    c.send(f"a5 APPEND INBOX {{{len(message)}}}\r\n".encode())
    assert c.line().startswith(b"+"), "no continuation"
    c.send(message + b"\r\n")
    while not (line := c.line()).startswith(b"a5 "):
        pass
    assert line.startswith(b"a5 OK"), line
    selected = c.ok("a6", "SELECT INBOX")
    assert any(l.endswith(b" EXISTS") for l in selected), selected
    before = c.raw_in
    fetched = c.ok("a7", "FETCH 1 (BODY.PEEK[])")
    got = fetched[0]
    assert got.endswith(message + b")"), got[:200]
    wire = c.raw_in - before
    assert wire * 20 < len(message), f"{len(message)} bytes came as {wire} on the wire"
    print(f"PASS fetch: {len(message)} bytes of message in {wire} bytes on the wire")

    c.send(b"a8 IDLE\r\n")
    assert c.line().startswith(b"+"), "no IDLE continuation"
    s = smtplib.SMTP(host, smtp, timeout=20)
    s.sendmail("bob@elsewhere.example", [user], b"Subject: while idle\r\n\r\nhello\r\n")
    s.quit()
    deadline = time.monotonic() + 15
    while not c.line().endswith(b" EXISTS"):
        assert time.monotonic() < deadline, "no EXISTS during IDLE"
    c.send(b"DONE\r\n")
    while not (line := c.line()).startswith(b"a8 "):
        pass
    assert line.startswith(b"a8 OK"), line
    print("PASS idle: EXISTS for a delivery, DONE, OK")
    bye = c.command("a9", "LOGOUT")
    assert bye[0].startswith(b"* BYE") and bye[-1].startswith(b"a9 OK"), bye
    print("PASS logout")


def garbage(host, imap, user, password, security):
    c = Client(host, imap, security)
    c.ok("a1", f'LOGIN "{user}" "{password}"')
    c.compress()
    c.out = None  # what follows is not deflate at all
    c.send(bytes([0x07, 0xFF, 0x13, 0x37]) * 64)
    try:
        while True:
            c.fill()
    except EOFError:
        pass
    except (ConnectionResetError, ssl.SSLError):
        pass
    print("PASS garbage: connection closed")
    again = Client(host, imap, security)
    assert again.greeting.startswith(b"* OK"), again.greeting
    again.ok("b1", f'LOGIN "{user}" "{password}"')
    print("PASS garbage: the server still serves")


if __name__ == "__main__":
    if sys.argv[1] == "session":
        host, imap, smtp, user, password = sys.argv[2:7]
        session(host, int(imap), int(smtp), user, password, sys.argv[7])
    else:
        host, imap, user, password = sys.argv[2:6]
        garbage(host, int(imap), user, password, sys.argv[6])
