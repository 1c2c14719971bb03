#!/usr/bin/env python3
"""moto's AWS KMS on loopback for swift-cosign's awskms:// tests, with MessageType=DIGEST honoured.

    python3 moto_kms.py -H 127.0.0.1 -p PORT [-c CERT -k KEY]      (moto_server's flags)

moto (5.x) hashes the message of Sign/Verify again even when MessageType is DIGEST, so a signature over a
precomputed digest (what cosign sends) would be over SHA-256(digest). AWS signs the digest as given; this wrapper
makes moto do the same, for ECDSA and RSA keys, and leaves RAW messages alone.
"""
import sys
import threading

from cryptography.hazmat.primitives.asymmetric import ec, utils
from moto.kms import responses, utils as kms_utils
from moto.server import main

local = threading.local()


def digest_mode(operation):
    original = getattr(responses.KmsResponse, operation)

    def wrapper(self):
        local.digest = self._get_param("MessageType") == "DIGEST"
        try:
            return original(self)
        finally:
            local.digest = False

    setattr(responses.KmsResponse, operation, wrapper)


def prehashed_ecdsa():
    cls = kms_utils.ECDSAPrivateKey
    sign, verify = cls.sign, cls.verify

    def hash_of(self, algorithm):
        kms_utils.validate_signing_algorithm(algorithm, self.valid_signing_algorithms)
        return self._ECDSAPrivateKey__hash_algorithm(algorithm)

    def new_sign(self, message, algorithm):
        if not getattr(local, "digest", False):
            return sign(self, message, algorithm)
        return self.private_key.sign(message, ec.ECDSA(utils.Prehashed(hash_of(self, algorithm))))

    def new_verify(self, message, signature, algorithm):
        if not getattr(local, "digest", False):
            return verify(self, message, signature, algorithm)
        try:
            self.private_key.public_key().verify(signature, message, ec.ECDSA(utils.Prehashed(hash_of(self, algorithm))))
            return True
        except Exception:
            return False

    cls.sign, cls.verify = new_sign, new_verify


def prehashed_rsa():
    cls = kms_utils.RSAPrivateKey
    sign, verify = cls.sign, cls.verify

    def new_sign(self, message, algorithm):
        if not getattr(local, "digest", False):
            return sign(self, message, algorithm)
        padding, hash_algorithm = self._RSAPrivateKey__padding_and_hash_algorithm(algorithm)
        return self.private_key.sign(message, padding, utils.Prehashed(hash_algorithm))

    def new_verify(self, message, signature, algorithm):
        if not getattr(local, "digest", False):
            return verify(self, message, signature, algorithm)
        padding, hash_algorithm = self._RSAPrivateKey__padding_and_hash_algorithm(algorithm)
        try:
            self.private_key.public_key().verify(signature, message, padding, utils.Prehashed(hash_algorithm))
            return True
        except Exception:
            return False

    cls.sign, cls.verify = new_sign, new_verify


digest_mode("sign")
digest_mode("verify")
prehashed_ecdsa()
prehashed_rsa()

if __name__ == "__main__":
    main(sys.argv[1:])
