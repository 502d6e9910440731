#!/usr/bin/python3
"""dkimpy (python3-dkim) as the independent DKIM/ARC oracle of Appliance.Tests/Filtering/Dkim.

  verify MSG KEYS                        -> JSON list, one true/false per DKIM-Signature, topmost first
  sign MSG OUT SELECTOR DOMAIN ALG KEY CANON  -> OUT = signature + MSG (ALG rsa-sha256|ed25519-sha256, CANON e.g. relaxed/relaxed)
  arc-sign MSG OUT SELECTOR DOMAIN KEY SRVID  -> OUT = ARC set + MSG
  arc-verify MSG KEYS                    -> the chain validation result (pass, fail, none)

KEYS is a JSON object: DNS name ("sel._domainkey.example.com") -> TXT record text. Keys are given to dkimpy
through its dnsfunc argument; nothing is looked up in real DNS.
"""
import json
import sys

import dkim


def dnsfunc_for(path):
    with open(path) as f:
        table = {k.lower().rstrip('.'): v for k, v in json.load(f).items()}

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode('ascii')
        value = table.get(name.lower().rstrip('.'))
        return value.encode('ascii') if value is not None else None
    return dnsfunc


def verify_one(message, idx, dnsfunc):
    # DKIM.verify raises on some failures (a body hash mismatch) where dkim.verify would say False.
    try:
        return bool(dkim.DKIM(message).verify(idx=idx, dnsfunc=dnsfunc))
    except dkim.DKIMException as e:
        print('signature %d: %s' % (idx, e), file=sys.stderr)
        return False


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def main(argv):
    command = argv[1]
    if command == 'verify':
        message = read(argv[2])
        dnsfunc = dnsfunc_for(argv[3])
        d = dkim.DKIM(message)
        count = sum(1 for name, _ in d.headers if name.lower() == b'dkim-signature')
        print(json.dumps([verify_one(message, i, dnsfunc) for i in range(count)]))
    elif command == 'sign':
        message, out, selector, domain, alg, keyfile, canon = read(argv[2]), argv[3], argv[4], argv[5], argv[6], argv[7], argv[8]
        header, body = canon.split('/')
        signature = dkim.sign(message, selector.encode(), domain.encode(), read(keyfile).strip() if alg.startswith('ed25519') else read(keyfile),
                              signature_algorithm=alg.encode(), canonicalize=(header.encode(), body.encode()),
                              include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
        with open(out, 'wb') as f:
            f.write(signature + message)
    elif command == 'arc-sign':
        message, out, selector, domain, keyfile, srvid = read(argv[2]), argv[3], argv[4], argv[5], argv[6], argv[7]
        headers = dkim.arc_sign(message, selector.encode(), domain.encode(), read(keyfile), srvid.encode(), timestamp=None)
        if not headers:
            raise SystemExit('arc_sign produced no ARC set')
        with open(out, 'wb') as f:
            f.write(b''.join(headers) + message)
    elif command == 'arc-verify':
        cv, _, _ = dkim.arc_verify(read(argv[2]), dnsfunc=dnsfunc_for(argv[3]))
        print(cv.decode('ascii') if isinstance(cv, bytes) else cv)
    else:
        raise SystemExit('unknown command ' + command)


if __name__ == '__main__':
    main(sys.argv)
