#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Crypto
public import SigstoreCrypto
internal import SigstoreJSON
internal import SigstoreVerify

/// A log's ECDSA P-256 key and the log ID bundles and trusted roots name it by: SHA-256 of the key's
/// `SubjectPublicKeyInfo`, as for Rekor v1 and CT logs. As a CT log it signs SCTs (``SCTSigner``); as a Rekor v1 log
/// it signs inclusion promises.
public struct LogSigner: Sendable {
    /// The log's key (verifiers check SETs and Fulcio's SCTs with ECDSA keys).
    public let key: P256.Signing.PrivateKey
    /// The log ID written into what it signs.
    public let logID: [UInt8]

    /// A signer for the log whose key is `key`. `logID` overrides the ID, only to test verifiers with evidence that
    /// names one log and is signed by another key.
    public init(key: P256.Signing.PrivateKey, logID: [UInt8]? = nil) {
        self.key = key
        self.logID = logID ?? Array(SHA256.hash(data: key.publicKey.derRepresentation))
    }

    /// A Rekor v1 inclusion promise (the signed entry timestamp of a bundle's `inclusionPromise`): the DER ECDSA
    /// signature over the RFC 8785 JSON of body, integrated time, log ID and index (SigstoreVerify's `SignedEntryTimestampPayload`).
    public func signedEntryTimestamp(body: [UInt8], integratedTime: Int64, logIndex: Int64) throws -> [UInt8] {
        let payload = SignedEntryTimestampPayload.bytes(
            body: body, integratedTime: integratedTime, logID: logID, logIndex: logIndex)
        return Array(try key.signature(for: SHA256.hash(data: payload)).derRepresentation)
    }
}

/// Signs transparency-log checkpoints as C2SP signed notes: `origin\nsize\nbase64(root)\n[extra lines]\n`, a blank
/// line, and `— <key name> base64(key hint ‖ signature)\n`.
///
/// Ed25519 keys sign the text; ECDSA keys sign its SHA-256 digest.
public struct CheckpointSigner: Sendable {
    /// The checkpoint's first line.
    public var origin: String
    /// The name on the signature line.
    public var keyName: String
    /// The four bytes before the signature that let verifiers pick the key.
    public var keyHint: [UInt8]
    /// Whether checkpoints carry Rekor v1's `Timestamp: <nanoseconds>` line.
    public var writesTimestamp: Bool
    private let key: SigningKey

    /// A signer with every field given (tests use it to sign as the wrong key, origin or name).
    public init(origin: String, keyName: String, keyHint: [UInt8], key: SigningKey, writesTimestamp: Bool = false) {
        self.origin = origin
        self.keyName = keyName
        self.keyHint = keyHint
        self.key = key
        self.writesTimestamp = writesTimestamp
    }

    /// Rekor v1: origin `<host> - <tree ID>`, key name `<host>`, key hint the first four bytes of the log ID, and a
    /// `Timestamp:` line.
    public static func rekorV1(key: P256.Signing.PrivateKey, host: String, treeID: Int64) -> CheckpointSigner {
        CheckpointSigner(
            origin: "\(host) - \(treeID)", keyName: host, keyHint: Array(SHA256.hash(data: key.publicKey.derRepresentation).prefix(4)),
            key: SigningKey(key), writesTimestamp: true)
    }

    /// Rekor v2 (rekor-tiles): origin and key name `<host>`, key hint the first four bytes of the C2SP key ID.
    public static func rekorV2(key: Curve25519.Signing.PrivateKey, host: String) -> CheckpointSigner {
        let keyID = SignedNote.keyID(name: host, key: PublicKey(key.publicKey))
        return CheckpointSigner(origin: host, keyName: host, keyHint: Array(keyID.prefix(4)), key: SigningKey(key))
    }

    /// The signed note for a tree of `size` entries with root `rootHash`, at `time` (written only by Rekor v1
    /// signers).
    public func sign(size: Int, rootHash: [UInt8], at time: Date) throws -> String {
        var text = "\(origin)\n\(size)\n\(Base64.encode(rootHash))\n"
        if writesTimestamp { text += "Timestamp: \(Int64(time.timeIntervalSince1970 * 1_000_000_000))\n" }
        let signature = try key.signature(forMessage: Array(text.utf8))
        return text + "\n\u{2014} \(keyName) \(Base64.encode(keyHint + signature))\n"
    }
}
