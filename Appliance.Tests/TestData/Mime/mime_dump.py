"""Independent view of a message for the MIME cross-check (Appliance.Tests/Mime/PythonCrossCheckTests.cs).

Reads one .eml with Python's stdlib email package (policy=email.policy.default) and prints JSON:
  structure  content-type tree: {"type": ..., "parts": [...]}; a message/rfc822 part has its message as its one part
  subject    decoded Subject or null
  from, to   [[display name, addr-spec], ...], groups flattened
  texts      decoded text/* leaves in depth-first order, line breaks as "\n"
  filenames  file names of leaves that have one, in the same order

Run it with /usr/bin/python3 (Debian's), not whatever python3 comes first on PATH.
Two modelling choices are aligned with ours and said here: message/delivery-status is a leaf (Python splits it
into header blocks), raw UTF-8 in headers
(surrogate escapes here) is read as UTF-8, and a text part whose declared charset is unknown or does not fit is read as UTF-8, else Latin-1.
A third: a mailbox without a display name (old-style "user@domain (Real Name)") takes the name Python's own legacy
parser, email.utils.getaddresses, reads from its comment, as Dovecot and c-client do and we do (policy.default says "").
"""
import email.utils
import json
import sys
from email import policy
from email.parser import BytesParser


def children(part):
    if part.get_content_type() == "message/delivery-status" or not part.is_multipart():
        return None
    return part.get_payload()


def tree(part):
    node = {"type": part.get_content_type()}
    kids = children(part)
    if kids is not None:
        node["parts"] = [tree(k) for k in kids]
    return node


def leaves(part):
    kids = children(part)
    if kids is None:
        yield part
    else:
        for k in kids:
            yield from leaves(k)


def text_of(part):
    payload = part.get_payload(decode=True) or b""
    for charset in (part.get_content_charset() or "us-ascii", "utf-8", "latin-1"):
        try:
            text = payload.decode(charset)
            break
        except (LookupError, UnicodeDecodeError):
            continue
    return text.replace("\r\n", "\n")


def unescape(text):
    # Raw 8-bit header bytes (RFC 6532) reach us as surrogate escapes; read them as UTF-8.
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def addresses(msg, legacy, name):
    header = msg[name]
    if header is None:
        return []
    names = {addr: real for real, addr in email.utils.getaddresses(legacy.get_all(name, [])) if real}
    return [[unescape(a.display_name or names.get(a.addr_spec, "")), unescape(a.addr_spec)] for a in header.addresses]


def main(path):
    with open(path, "rb") as f:
        raw = f.read()
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    legacy = BytesParser(policy=policy.compat32).parsebytes(raw)
    parts = list(leaves(msg))
    subject = msg["subject"]
    print(json.dumps({
        "structure": tree(msg),
        "subject": None if subject is None else unescape(str(subject)),
        "from": addresses(msg, legacy, "from"),
        "to": addresses(msg, legacy, "to"),
        "texts": [text_of(p) for p in parts if p.get_content_maintype() == "text"],
        "filenames": [p.get_filename() for p in parts if p.get_filename() is not None],
    }, ensure_ascii=True, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
