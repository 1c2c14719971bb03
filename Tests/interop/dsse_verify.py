#!/usr/bin/env python3
"""Verifies a DSSE envelope with securesystemslib (an independent DSSE implementation), given a PEM public key.

usage: dsse_verify.py ENVELOPE_OR_BUNDLE.json PUBLIC_KEY.pem [EXPECTED_SUBJECT_SHA256]

ENVELOPE_OR_BUNDLE is a DSSE envelope, or a Sigstore bundle whose dsseEnvelope is checked. securesystemslib
computes the pre-authentication encoding itself and checks the signature with the key; the in-toto statement
it carries must name EXPECTED_SUBJECT_SHA256 when given. Prints "OK <predicateType>" and exits 0 on success.
"""
import json
import sys

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey


def main() -> int:
    document = json.load(open(sys.argv[1]))
    envelope_dict = document.get("dsseEnvelope", document)
    with open(sys.argv[2], "rb") as f:
        key = SSlibKey.from_crypto(load_pem_public_key(f.read()))
    # securesystemslib only considers signatures whose keyid equals the key's own id (its issue #416: not what the
    # DSSE spec requires); cosign writes no key id, so the signatures are labelled with this key's id.
    for signature in envelope_dict["signatures"]:
        signature["keyid"] = key.keyid
    envelope = Envelope.from_dict(envelope_dict)
    envelope.verify([key], 1)
    statement = json.loads(envelope.payload)
    if len(sys.argv) > 3:
        digests = [s.get("digest", {}).get("sha256") for s in statement.get("subject", [])]
        if sys.argv[3] not in digests:
            print(f"subject digest {sys.argv[3]} not in {digests}", file=sys.stderr)
            return 1
    print("OK", statement.get("predicateType"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
