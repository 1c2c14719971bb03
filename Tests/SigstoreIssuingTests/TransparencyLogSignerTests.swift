import Crypto
import Foundation
import SigstoreCrypto
import SigstoreIssuing
import SigstoreJSON
import SigstoreVerify
import Testing

/// LogSigner and CheckpointSigner: promises and signed notes the verifier's parsers accept.
@Suite("Transparency-log signers")
struct TransparencyLogSignerTests {
    @Test("a signed entry timestamp verifies with the log key over the canonical payload, and only over it")
    func signedEntryTimestamp() throws {
        let key = P256.Signing.PrivateKey()
        let signer = LogSigner(key: key)
        #expect(signer.logID == Array(SHA256.hash(data: key.publicKey.derRepresentation)))
        let body = Array(#"{"kind":"hashedrekord"}"#.utf8)
        let set = try signer.signedEntryTimestamp(body: body, integratedTime: 1_750_000_000, logIndex: 12)
        let logKey = PublicKey(key.publicKey)
        func payload(_ time: Int64, _ index: Int64) -> ArtifactDigest {
            HashAlgorithm.sha256.digest(of: SignedEntryTimestampPayload.bytes(body: body, integratedTime: time, logID: signer.logID, logIndex: index))
        }
        try logKey.verifySignature(set, digest: payload(1_750_000_000, 12))
        #expect(throws: (any Error).self) { try logKey.verifySignature(set, digest: payload(1_750_000_001, 12)) }
        #expect(throws: (any Error).self) { try logKey.verifySignature(set, digest: payload(1_750_000_000, 13)) }
    }

    @Test("a Rekor v1 checkpoint: origin with the tree ID, a Timestamp line, an ECDSA signature under the log ID's hint")
    func rekorV1() throws {
        let key = P256.Signing.PrivateKey()
        let root = [UInt8](repeating: 3, count: 32)
        let text = try CheckpointSigner.rekorV1(key: key, host: "rekor.test", treeID: 42).sign(size: 9, rootHash: root, at: signingTime)
        let note = try SignedNote(text)
        let checkpoint = try Checkpoint(text: note.text)
        #expect(checkpoint.origin == "rekor.test - 42" && checkpoint.rekorV1Host == "rekor.test")
        #expect(checkpoint.size == 9 && checkpoint.rootHash == root)
        #expect(checkpoint.otherContent == ["Timestamp: 1750000000000000000"])
        let hint = Array(SHA256.hash(data: key.publicKey.derRepresentation).prefix(4))
        #expect(note.isSigned(by: PublicKey(key.publicKey), keyHint: hint, name: "rekor.test"))
        #expect(!note.isSigned(by: PublicKey(P256.Signing.PrivateKey().publicKey), keyHint: hint, name: "rekor.test"))
    }

    @Test("a Rekor v2 checkpoint: origin and key name are the host, Ed25519 over the text, the C2SP key ID's hint")
    func rekorV2() throws {
        let key = Curve25519.Signing.PrivateKey()
        let text = try CheckpointSigner.rekorV2(key: key, host: "log.test").sign(size: 1, rootHash: [UInt8](repeating: 1, count: 32), at: signingTime)
        let note = try SignedNote(text)
        let checkpoint = try Checkpoint(text: note.text)
        #expect(checkpoint.origin == "log.test" && !checkpoint.isRekorV1 && checkpoint.otherContent.isEmpty)
        let publicKey = PublicKey(key.publicKey)
        let hint = Array(SignedNote.keyID(name: "log.test", key: publicKey).prefix(4))
        #expect(note.isSigned(by: publicKey, keyHint: hint, name: "log.test"))
        #expect(!note.isSigned(by: publicKey, keyHint: hint, name: "other.test"))
    }
}
