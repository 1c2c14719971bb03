import Foundation
import SigstoreCrypto
import Testing
import SigstoreCore

@Suite("Keys and signatures")
struct KeyTests {
    static let kinds: [KeyKind] = [.ecdsaP256, .ecdsaP384, .ecdsaP521, .rsa(bits: 2048), .ed25519]

    @Test("sign and verify a message", arguments: kinds)
    func roundTrip(kind: KeyKind) throws {
        let key = try SigningKey.generate(kind)
        let message = Array("hello, sigstore".utf8)
        let signature = try key.signature(forMessage: message)
        try key.publicKey.verifySignature(signature, message: message)
        #expect(throws: SigstoreCryptoError.self) {
            try key.publicKey.verifySignature(signature, message: Array("hello, sigstorE".utf8))
        }
    }

    @Test("PKCS#8 and PKIX encodings round-trip", arguments: kinds)
    func encodings(kind: KeyKind) throws {
        let key = try SigningKey.generate(kind)
        let reparsed = try SigningKey(pkcs8DER: key.pkcs8DERRepresentation)
        #expect(reparsed.publicKey.derRepresentation == key.publicKey.derRepresentation)
        let pem = key.publicKey.pemRepresentation
        #expect(pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(pem.hasSuffix("-----END PUBLIC KEY-----\n"))
        let publicKey = try PublicKey(pemEncoded: pem)
        #expect(publicKey.kind == kind)
        #expect(publicKey.derRepresentation == key.publicKey.derRepresentation)
    }

    @Test("hash per key kind follows cosign")
    func hashes() {
        #expect(KeyKind.ecdsaP256.defaultHashAlgorithm == .sha256)
        #expect(KeyKind.ecdsaP384.defaultHashAlgorithm == .sha384)
        #expect(KeyKind.ecdsaP521.defaultHashAlgorithm == .sha512)
        #expect(KeyKind.rsa(bits: 4096).defaultHashAlgorithm == .sha256)
    }

    @Test("a digest given as text verifies like a computed one", arguments: [KeyKind.ecdsaP256, .ecdsaP384, .rsa(bits: 2048)])
    func parsedDigest(kind: KeyKind) throws {
        let key = try SigningKey.generate(kind)
        let digest = kind.defaultHashAlgorithm.digest(of: Array("artifact".utf8))
        let signature = try key.signature(forDigest: digest)
        let parsed = try ArtifactDigest(parsing: digest.description)
        try key.publicKey.verifySignature(signature, digest: parsed)
    }

    @Test("malformed digests are refused", arguments: ["sha256", "md5:00", "sha256:zz", "sha256:abcd", "sha384:" + String(repeating: "0", count: 64)])
    func badDigest(text: String) {
        #expect(throws: SigstoreCryptoError.self) { try ArtifactDigest(parsing: text) }
    }

    @Test("malformed PEM and DER are refused with a message")
    func malformed() throws {
        #expect(throws: SigstoreCryptoError.self) { try PublicKey(pemEncoded: "not pem") }
        #expect(throws: SigstoreCryptoError.self) {
            try PublicKey(pemEncoded: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
        }
        #expect(throws: SigstoreCryptoError.self) { try SigningKey(pkcs8DER: [0x30, 0x03, 0x02, 0x01, 0x00]) }
        let key = try SigningKey.generate(.ecdsaP256)
        let certificatePEM = PEMBlock(label: "CERTIFICATE", bytes: key.publicKey.derRepresentation).pemString
        do {
            _ = try PublicKey(pemEncoded: certificatePEM)
            Issue.record("a CERTIFICATE block was accepted as a public key")
        } catch let error as SigstoreCryptoError {
            #expect(error.message.contains("CERTIFICATE"))
        }
    }

    @Test("truncated signatures are refused")
    func truncated() throws {
        let key = try SigningKey.generate(.ecdsaP256)
        let digest = HashAlgorithm.sha256.digest(of: Array("x".utf8))
        let signature = try key.signature(forDigest: digest)
        #expect(throws: SigstoreCryptoError.self) {
            try key.publicKey.verifySignature(Array(signature.dropLast(5)), digest: digest)
        }
    }

    @Test("hex and streaming hashing agree with known vectors")
    func hashing() {
        #expect(HashAlgorithm.sha256.digest(of: Array("abc".utf8)).hex
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var hasher = HashAlgorithm.sha256.makeHasher()
        hasher.update(Array("a".utf8))
        hasher.update(Array("bc".utf8))
        #expect(hasher.finalize() == HashAlgorithm.sha256.digest(of: Array("abc".utf8)))
    }
}
