import Crypto
import Foundation
import SigstoreCore
import SigstoreCrypto
import Testing

@Suite("Ed25519ph: libsodium's signer, and the check over a SHA-512 digest")
struct Ed25519phTests {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    // RFC 8032 §7.3, the Ed25519ph test vector.
    static let seed = hex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
    static let publicKey = hex("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf")
    static let message = hex("616263")
    static let signature = hex(
        "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41"
            + "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406")

    static func sha512(_ bytes: [UInt8]) -> [UInt8] { Array(SHA512.hash(data: bytes)) }

    @Test("RFC 8032's Ed25519ph vector: the signature libsodium makes, checked over the message and over its digest")
    func rfc8032Vector() throws {
        #expect(try Ed25519ph.signature(seed: Self.seed, message: Self.message) == Self.signature)
        #expect(Ed25519ph.isValidSignature(Self.signature, message: Self.message, publicKey: Self.publicKey))
        #expect(Ed25519ph.isValidSignature(Self.signature, sha512Digest: Self.sha512(Self.message), publicKey: Self.publicKey))
        let key = try PublicKey(Curve25519.Signing.PublicKey(rawRepresentation: Self.publicKey))
        try key.verifySignature(Self.signature, digest: ArtifactDigest(algorithm: .sha512, bytes: Self.sha512(Self.message)))
        try key.verifySignatureAllowingPrehash(Self.signature, message: Self.message)
        // Not pure Ed25519: the domain prefix separates the two.
        #expect(throws: SigstoreCryptoError.self) { try key.verifySignature(Self.signature, message: Self.message) }
    }

    @Test("the digest check refuses every changed byte of signature, digest and key, and a non-canonical S")
    func refusals() throws {
        let digest = Self.sha512(Self.message)
        for i in 0..<64 {
            var changed = Self.signature
            changed[i] ^= 0x01
            #expect(!Ed25519ph.isValidSignature(changed, sha512Digest: digest, publicKey: Self.publicKey), "signature byte \(i)")
            var otherDigest = digest
            otherDigest[i] ^= 0x80
            #expect(!Ed25519ph.isValidSignature(Self.signature, sha512Digest: otherDigest, publicKey: Self.publicKey), "digest byte \(i)")
        }
        for i in 0..<32 {
            var key = Self.publicKey
            key[i] ^= 0x04
            #expect(!Ed25519ph.isValidSignature(Self.signature, sha512Digest: digest, publicKey: key), "key byte \(i)")
        }
        // S + L names the same scalar; RFC 8032 (and libsodium) require S < L.
        let order: [UInt8] = Self.hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        var s = Array(Self.signature[32..<64])
        var carry = 0
        for i in 0..<32 {
            let sum = Int(s[i]) + Int(order[i]) + carry
            s[i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        #expect(carry == 0)
        #expect(!Ed25519ph.isValidSignature(Array(Self.signature[0..<32]) + s, sha512Digest: digest, publicKey: Self.publicKey))
        // The identity as key, and short inputs.
        var identity = [UInt8](repeating: 0, count: 32)
        identity[0] = 1
        #expect(!Ed25519ph.isValidSignature(Self.signature, sha512Digest: digest, publicKey: identity))
        #expect(!Ed25519ph.isValidSignature(Array(Self.signature.dropLast()), sha512Digest: digest, publicKey: Self.publicKey))
        #expect(!Ed25519ph.isValidSignature(Self.signature, sha512Digest: Array(digest.dropLast()), publicKey: Self.publicKey))
    }

    @Test("random keys and messages: libsodium's check over the message and ours over the digest agree; pure Ed25519 does not pass as Ed25519ph")
    func agreement() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<64 {
            let key = Curve25519.Signing.PrivateKey()
            let message = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let raw = Array(key.publicKey.rawRepresentation)
            let ph = try Ed25519ph.signature(seed: Array(key.rawRepresentation), message: message)
            #expect(Ed25519ph.isValidSignature(ph, message: message, publicKey: raw), "round \(round)")
            #expect(Ed25519ph.isValidSignature(ph, sha512Digest: Self.sha512(message), publicKey: raw), "round \(round)")
            let pure = Array(try key.signature(for: message))
            #expect(!Ed25519ph.isValidSignature(pure, sha512Digest: Self.sha512(message), publicKey: raw), "round \(round)")
            #expect(!Ed25519ph.isValidSignature(pure, message: message, publicKey: raw), "round \(round)")
            // SigningKey signs Ed25519ph for a log and pure Ed25519 otherwise; the public key accepts both for a message.
            let signing = SigningKey(key)
            #expect(try signing.prehashedSignature(forMessage: message) == ph)
            try signing.publicKey.verifySignatureAllowingPrehash(pure, message: message)
            try signing.publicKey.verifySignatureAllowingPrehash(ph, message: message)
        }
    }

    @Test("an Ed25519 key checks only SHA-512 digests")
    func otherDigests() throws {
        let key = try PublicKey(Curve25519.Signing.PublicKey(rawRepresentation: Self.publicKey))
        let error = #expect(throws: SigstoreCryptoError.self) {
            try key.verifySignature(Self.signature, digest: ArtifactDigest(algorithm: .sha256, bytes: Array(SHA256.hash(data: Self.message))))
        }
        #expect(error?.message.contains("SHA-512") == true || error?.message.contains("sha512") == true, "\(String(describing: error))")
    }
}
