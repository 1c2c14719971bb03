"""In-process verification throughput of sigstore-python (PyPI `sigstore`) on the CPython release bundles of the
shared vectors: the same bundles, digests and identities as bench/Sources/verify-throughput. Prints one JSON line.

    python3 bench/verify_peer.py VECTORS_DIR [SECONDS]
"""
import json
import sys
import time
from pathlib import Path

from sigstore.hashes import Hashed
from sigstore.models import Bundle
from sigstore.verify import Verifier, policy
from sigstore_models.common.v1 import HashAlgorithm

vectors = Path(sys.argv[1])
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
cases = []
for line in (vectors / "cases.tsv").read_text().splitlines():
    f = line.split("\t")
    if len(f) > 9 and f[0].startswith("cpython/") and f[2] == "pass" and f[9].endswith("public-good-production.json"):
        digest = bytes.fromhex(f[5].split(":", 1)[1])
        cases.append(((vectors / f[4]).read_text(), Hashed(algorithm=HashAlgorithm.SHA2_256, digest=digest),
                      policy.Identity(identity=f[6], issuer=f[7])))
verifier = Verifier.production(offline=True)


def one_round():
    for text, hashed, pol in cases:
        verifier.verify_artifact(hashed, Bundle.from_json(text), pol)
    return len(cases)


one_round()  # warm-up
start = time.perf_counter()
done = 0
while time.perf_counter() - start < seconds:
    done += one_round()
elapsed = time.perf_counter() - start
print(json.dumps({"concurrency": 1, "bundles": done, "seconds": elapsed, "bundles_per_second": done / elapsed}))
