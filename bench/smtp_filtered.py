#!/usr/bin/python3
"""Helpers of `bench/smtp.sh --filtered`: the sending domain's DNS, its DKIM-signed message, and a user's training.

  prepare DIR                 a DKIM key for sender.example, the zone file and the signed message (LF line ends,
                              as smtp-source -F wants them: it sends each line with CRLF)
  dns ZONE PORTFILE           a loopback DNS responder (UDP, 127.0.0.1, a free port written to PORTFILE) serving ZONE
  train PORT USER PASSWORD N  over plain IMAP: N spam-like messages moved into Junk and N ham-like moved out of it,
                              which teaches the user's Bayes classifier (JunkTraining); creates the folder Reports
  check FILE                  prints what the chain wrote into one delivered message (Authentication-Results, X-Spam-*)

Everything listens on and talks to 127.0.0.1 only. The domains are reserved names (RFC 2606/6761).
"""
import imaplib
import json
import os
import random
import socket
import subprocess
import sys
import time

SENDER_DOMAIN = "sender.example"
SELECTOR = "bench2026"
MTA = "mta.sender.example"
DNSBL_ZONE = "dnsbl.bench.test"

HAM_WORDS = ("meeting agenda quarterly report figures budget review project schedule team minutes invoice "
             "customer delivery contract colleague lunch thursday draft proposal attached slides office "
             "planning revenue forecast holiday calendar approval feedback summary workshop").split()
SPAM_WORDS = ("viagra casino winner lottery prize bitcoin crypto pills cheap replica discount unsubscribe "
              "offer limited urgent congratulations claim million dollars inheritance loan credit bonus "
              "guaranteed miracle weight loss singles dating").split()


def prepare(folder):
    """Key, zone and message; the message is about 4 KiB, multipart/alternative, signed relaxed/relaxed."""
    import dkim
    os.makedirs(folder, exist_ok=True)
    key_path = os.path.join(folder, "dkim.key")
    subprocess.run(["openssl", "genrsa", "-out", key_path, "2048"], check=True, capture_output=True)
    public = subprocess.run(["openssl", "rsa", "-in", key_path, "-pubout", "-outform", "DER"],
                            check=True, capture_output=True).stdout
    import base64
    p = base64.b64encode(public).decode()
    zone = {
        # name -> type -> list of values; names under a "*." entry answer for any label below it
        SENDER_DOMAIN: {"MX": ["10 mx.sender.example."], "TXT": ["v=spf1 ip4:127.0.0.0/8 -all"], "A": ["127.0.0.1"]},
        "mx.sender.example": {"A": ["127.0.0.1"]},
        MTA: {"A": ["127.0.0.1"], "TXT": ["v=spf1 a -all"]},
        f"{SELECTOR}._domainkey.{SENDER_DOMAIN}": {"TXT": [f"v=DKIM1; k=rsa; p={p}"]},
        f"_dmarc.{SENDER_DOMAIN}": {"TXT": [f"v=DMARC1; p=reject; rua=mailto:dmarc-reports@{SENDER_DOMAIN}; adkim=r; aspf=r"]},
        "1.0.0.127.in-addr.arpa": {"PTR": [MTA + "."]},
        "example.com": {"MX": ["10 mail.example.com."], "A": ["127.0.0.1"]},
        "mail.example.com": {"A": ["127.0.0.1"]},
        # the DNS list: its zone exists, 127.0.0.1 is not listed (NXDOMAIN), as for most clients of a real server
        DNSBL_ZONE: {"TXT": ["bench list"]},
        "2.0.0.127." + DNSBL_ZONE: {"A": ["127.0.0.2"], "TXT": ["listed: the test address"]},
    }
    with open(os.path.join(folder, "zone.json"), "w") as f:
        json.dump(zone, f, indent=1)
    rnd = random.Random(12)
    text_lines = []
    while sum(len(l) + 2 for l in text_lines) < 1500:
        text_lines.append(" ".join(rnd.choice(HAM_WORDS) for _ in range(11)).capitalize() + ".")
    text = "\r\n".join(text_lines)
    html = "\r\n".join(f"<p>{l}</p>" for l in text_lines)
    message = (
        f"From: Anna Weber <anna@{SENDER_DOMAIN}>\r\n"
        "To: Bob <bob@example.com>\r\n"
        "Subject: Quarterly report: figures for Thursday's meeting\r\n"
        "Date: Thu, 03 Dec 2026 10:15:00 +0100\r\n"
        f"Message-ID: <20261203101500.4711@{SENDER_DOMAIN}>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="=_bench_boundary"\r\n'
        "\r\n"
        "--=_bench_boundary\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"Hello Bob,\r\n\r\n{text}\r\n\r\nBest regards,\r\nAnna\r\n"
        "--=_bench_boundary\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"<html><body><p>Hello Bob,</p>\r\n{html}\r\n<p>Best regards,<br>Anna</p></body></html>\r\n"
        "--=_bench_boundary--\r\n"
    ).encode()
    with open(key_path, "rb") as f:
        private = f.read()
    signature = dkim.sign(message, SELECTOR.encode(), SENDER_DOMAIN.encode(), private,
                          canonicalize=(b"relaxed", b"relaxed"),
                          include_headers=[b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"])
    signed = signature + message
    # smtp-source -F appends CRLF to each line it reads: the file has bare LF.
    with open(os.path.join(folder, "message.eml"), "wb") as f:
        f.write(signed.replace(b"\r\n", b"\n"))
    # Self-check with dkimpy against the zone's key, so a broken fixture is not measured as a "fail".
    def dnsfunc(name, timeout=5):
        name = name.decode().rstrip(".")
        return "".join(zone.get(name, {}).get("TXT", [""])).encode()
    assert dkim.verify(signed, dnsfunc=dnsfunc), "the bench message's own DKIM signature does not verify"
    print(f"{len(signed)} bytes, signed by {SENDER_DOMAIN} (s={SELECTOR})")


def serve(zone_path, port_path):
    """Answers from the zone; each distinct question is built once with dnspython, then only its id is patched."""
    import dns.message
    import dns.name
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.rrset
    with open(zone_path) as f:
        zone = {name.lower().rstrip("."): records for name, records in json.load(f).items()}
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    with open(port_path + ".tmp", "w") as f:
        f.write(str(sock.getsockname()[1]))
    os.replace(port_path + ".tmp", port_path)
    cache = {}

    def build(data):
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        kind = dns.rdatatype.to_text(question.rdtype)
        records = zone.get(name)
        if records is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        if not records or not records.get(kind):
            # As a real authoritative server (and a DNSBL) does: a negative answer carries its zone's SOA, whose MINIMUM
            # tells resolvers how long they may keep it (RFC 2308 §3).
            apex = dns.name.from_text(".".join(name.split(".")[-2:]))
            response.authority.append(dns.rrset.from_text(apex, 300, dns.rdataclass.IN, "SOA", f"ns.{apex} hostmaster.{apex} 1 3600 600 86400 300"))
        if records is not None:
            for value in records.get(kind, []):
                if kind == "TXT":
                    chunks = [value[i:i + 255] for i in range(0, len(value), 255)]
                    value = " ".join('"' + c.replace('"', '\\"') + '"' for c in chunks)
                response.answer.append(dns.rrset.from_text(question.name, 300, dns.rdataclass.IN, kind, value))
        return response.to_wire()

    while True:
        data, address = sock.recvfrom(4096)
        try:
            i = 12
            while data[i] != 0:
                i += data[i] + 1
            key = data[12:i + 5]
            wire = cache.get(key)
            if wire is None:
                wire = cache[key] = build(data)
            sock.sendto(data[:2] + wire[2:], address)
        except Exception as e:  # a malformed query is dropped: the bench's own client never sends one
            print(f"dns: {e!r}", file=sys.stderr)


def corpus_message(kind, n, rnd):
    words = SPAM_WORDS if kind == "spam" else HAM_WORDS
    body = "\r\n".join(" ".join(rnd.choice(words) for _ in range(12)) for _ in range(15))
    sender = f"promo{n}@deals{n % 17}.invalid" if kind == "spam" else f"colleague{n % 9}@partner.example"
    subject = " ".join(rnd.choice(words) for _ in range(4))
    return (f"From: {sender}\r\nTo: bob@example.com\r\nSubject: {subject}\r\n"
            f"Date: Wed, 02 Dec 2026 09:{n % 60:02d}:00 +0000\r\nMessage-ID: <{kind}-{n}@corpus.invalid>\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def train(port, user, password, count):
    rnd = random.Random(7)
    imap = imaplib.IMAP4("127.0.0.1", int(port))
    imap.login(user, password)
    for folder in ("Reports", "Training"):
        imap.create(folder)
    # ham: appended into Junk, then moved out of it (anywhere but Trash) = "not spam"
    for n in range(count):
        imap.append("Junk", None, None, corpus_message("ham", n, rnd))
    imap.select("Junk")
    typ, data = imap.uid("MOVE", "1:*", "Training")
    assert typ == "OK", data
    # spam: appended elsewhere, then moved into Junk = "spam"
    for n in range(count):
        imap.append("Training", None, None, corpus_message("spam", n, rnd))
    imap.select("Training")
    typ, ids = imap.uid("SEARCH", "HEADER", "Message-ID", "spam-")
    assert typ == "OK", ids
    uids = ids[0].decode().split()
    typ, data = imap.uid("MOVE", ",".join(uids), "Junk")
    assert typ == "OK", data
    imap.logout()


def check(path):
    with open(path, "rb") as f:
        head = f.read().split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    fields, current = [], None
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and current is not None:
            fields[-1] += " " + line.strip()
        else:
            fields.append(line)
            current = line
    for field in fields:
        if field.lower().startswith(("authentication-results:", "x-spam-status:", "x-spam-score:", "x-virus-status:")):
            print("  " + field)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "prepare":
        prepare(*args)
    elif command == "dns":
        serve(*args)
    elif command == "train":
        train(*args[:3], int(args[3]))
    elif command == "check":
        check(*args)
    else:
        sys.exit(__doc__)
