#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import Crypto
internal import SigstoreCrypto
internal import SigstoreIssuing
internal import SigstoreJSON
internal import SigstoreVerify

/// The two transparency logs: Rekor v1 entries with an inclusion promise and a proof under an ECDSA checkpoint,
/// Rekor v2 entries with a proof under an Ed25519 checkpoint, each in a small tree of filler leaves.
extension VirtualSigstore {
    /// A tree of `size` leaves with `leaf` at `index` and filler leaves elsewhere; returns the proof and root.
    public static func tree(leaf: [UInt8], index: Int, size: Int) -> (proof: [[UInt8]], root: [UInt8]) {
        var leaves = (0..<size).map { Merkle.leafHash(Array("filler-\($0)".utf8)) }
        leaves[index] = Merkle.leafHash(leaf)
        func mth(_ range: Range<Int>) -> [UInt8] {
            if range.count == 1 { return leaves[range.lowerBound] }
            var k = 1
            while k * 2 < range.count { k *= 2 }
            return Merkle.nodeHash(mth(range.lowerBound..<(range.lowerBound + k)), mth((range.lowerBound + k)..<range.upperBound))
        }
        func path(_ m: Int, _ range: Range<Int>) -> [[UInt8]] {
            if range.count == 1 { return [] }
            var k = 1
            while k * 2 < range.count { k *= 2 }
            let split = range.lowerBound + k
            if m < k { return path(m, range.lowerBound..<split) + [mth(split..<range.upperBound)] }
            return path(m - k, split..<range.upperBound) + [mth(range.lowerBound..<split)]
        }
        return (path(index, 0..<size), mth(0..<size))
    }

    /// The Rekor v1 `hashedrekord` or `dsse` 0.0.1 entry for a signature, as the bundle's JSON.
    func rekorV1Entry(
        leafDER: [UInt8], signature: [UInt8], artifactDigest: [UInt8], envelope: (payload: [UInt8], type: String)?,
        options: Options
    ) throws -> String {
        let f = options.faults
        let pem = Base64.encode(Array(PEMBlock(label: "CERTIFICATE", bytes: leafDER).pemString.utf8))
        let loggedSignature = f.contains(.logEntrySignatureMismatch) ? Array(SHA256.hash(data: signature)) : signature
        let otherDigest = Hex.encode(SHA256.hash(data: Array("x".utf8)))
        let body: OrderedJSON
        let kind: String
        if let envelope {
            kind = "dsse"
            let envelopeJSON = OrderedJSON.object([
                ("payload", .base64(envelope.payload)), ("payloadType", .string(envelope.type)),
                ("signatures", .array([.object([("sig", .base64(signature))])])),
            ]).serialized()
            let payloadHash = f.contains(.logEntryDigestMismatch) ? otherDigest : Hex.encode(SHA256.hash(data: envelope.payload))
            body = .object([
                ("apiVersion", .string("0.0.1")), ("kind", .string(kind)),
                ("spec", .object([
                    ("envelopeHash", Self.hash(Hex.encode(SHA256.hash(data: envelopeJSON)))), ("payloadHash", Self.hash(payloadHash)),
                    ("signatures", .array([.object([("signature", .base64(loggedSignature)), ("verifier", .string(pem))])])),
                ])),
            ])
        } else {
            kind = "hashedrekord"
            let digest = f.contains(.logEntryDigestMismatch) ? otherDigest : Hex.encode(artifactDigest)
            body = .object([
                ("apiVersion", .string("0.0.1")), ("kind", .string(kind)),
                ("spec", .object([
                    ("data", .object([("hash", Self.hash(digest))])),
                    ("signature", .object([("content", .base64(loggedSignature)), ("publicKey", .object([("content", .string(pem))]))])),
                ])),
            ])
        }
        let bodyBytes = body.serialized()
        let (index, size) = (5, 11)
        let logIndex: Int64 = 1_000_000 + Int64(index)
        var integrated = Int64(options.time.timeIntervalSince1970) + 1
        if f.contains(.integratedAfterCertificateExpiry) { integrated += 3600 }
        let logID = LogSigner(key: rekorKey).logID
        let setSigner = LogSigner(key: f.contains(.setFromUntrustedKey) ? rogueKey : rekorKey, logID: logID)
        let set = try setSigner.signedEntryTimestamp(
            body: bodyBytes, integratedTime: f.contains(.setOverOtherTime) ? integrated + 1 : integrated, logIndex: logIndex)
        var (proof, root) = Self.tree(leaf: bodyBytes, index: index, size: size)
        if f.contains(.inclusionProofCorrupted) { proof[1][0] ^= 0xFF }
        var noteSigner = CheckpointSigner.rekorV1(key: rekorKey, host: Self.rekorHost, treeID: Self.rekorTreeID)
        if f.contains(.checkpointFromUntrustedKey) {
            noteSigner = CheckpointSigner(
                origin: noteSigner.origin, keyName: noteSigner.keyName, keyHint: noteSigner.keyHint, key: SigningKey(rogueKey),
                writesTimestamp: true)
        }
        let checkpoint = try noteSigner.sign(
            size: size, rootHash: f.contains(.checkpointRootMismatch) ? Array(SHA256.hash(data: root)) : root,
            at: Date(timeIntervalSince1970: Double(integrated)))
        return Self.entry(
            logIndex: logIndex, logID: logID, kind: kind, version: "0.0.1", integratedTime: integrated, promise: set,
            proofIndex: index, root: root, size: size, proof: proof, checkpoint: checkpoint, body: bodyBytes)
    }

    /// The Rekor v2 `hashedrekord` 0.0.2 entry for a canonical body, as the bundle's JSON.
    func rekorV2Entry(body: [UInt8], options: Options) throws -> String {
        let f = options.faults
        let (index, size) = (2, 7)
        var (proof, root) = Self.tree(leaf: body, index: index, size: size)
        if f.contains(.inclusionProofCorrupted) { proof[0][0] ^= 0xFF }
        if f.contains(.checkpointRootMismatch) { root = Array(SHA256.hash(data: root)) }
        var noteSigner = CheckpointSigner.rekorV2(key: rekorV2Key, host: Self.rekorV2Host)
        if f.contains(.checkpointWrongOrigin) { noteSigner.origin = "rekor-v2.other.test" }
        if f.contains(.checkpointFromUntrustedKey) {
            noteSigner = CheckpointSigner(
                origin: noteSigner.origin, keyName: noteSigner.keyName, keyHint: noteSigner.keyHint,
                key: SigningKey(Curve25519.Signing.PrivateKey()))
        }
        let checkpoint = try noteSigner.sign(size: size, rootHash: root, at: options.time)
        let logID = SignedNote.keyID(name: Self.rekorV2Host, key: PublicKey(rekorV2Key.publicKey))
        return Self.entry(
            logIndex: Int64(index), logID: logID, kind: "hashedrekord", version: "0.0.2", integratedTime: 0, promise: nil,
            proofIndex: index, root: root, size: size, proof: proof, checkpoint: checkpoint, body: body)
    }

    private static func hash(_ hex: String) -> OrderedJSON {
        .object([("algorithm", .string("sha256")), ("value", .string(hex))])
    }

    private static func entry(
        logIndex: Int64, logID: [UInt8], kind: String, version: String, integratedTime: Int64, promise: [UInt8]?,
        proofIndex: Int, root: [UInt8], size: Int, proof: [[UInt8]], checkpoint: String, body: [UInt8]
    ) -> String {
        let entry = OrderedJSON.object([
            ("logIndex", .string(String(logIndex))), ("logId", .object([("keyId", .base64(logID))])),
            ("kindVersion", .object([("kind", .string(kind)), ("version", .string(version))])),
            ("integratedTime", .string(String(integratedTime))),
            ("inclusionPromise", promise.map { .object([("signedEntryTimestamp", .base64($0))]) } ?? .null),
            ("inclusionProof", .object([
                ("logIndex", .string(String(proofIndex))), ("rootHash", .base64(root)), ("treeSize", .string(String(size))),
                ("hashes", .array(proof.map { .base64($0) })), ("checkpoint", .object([("envelope", .string(checkpoint))])),
            ])),
            ("canonicalizedBody", .base64(body)),
        ])
        return String(decoding: entry.serialized(), as: UTF8.self)
    }
}
