public import SigstoreJSON
import SigstoreCore

/// `TransparencyLogEntry` of the Rekor protobuf specs, as carried in bundles.
public struct TransparencyLogEntry: Decodable, Hashable, Sendable {
    /// Index of the entry in the log (global for Rekor v1 shards).
    public var logIndex: Int64String
    /// The log's key id (SHA-256 of its public key for Rekor v1).
    public var logID: Base64Bytes
    /// The entry kind and version, e.g. `hashedrekord` / `0.0.1`.
    public var kind: String
    /// The entry kind's version.
    public var version: String
    /// Seconds since the epoch at which the log integrated the entry; 0 for Rekor v2.
    public var integratedTime: Int64String?
    /// The signed entry timestamp, when present.
    public var signedEntryTimestamp: Base64Bytes?
    /// The inclusion proof, when present.
    public var inclusionProof: InclusionProof?
    /// The canonicalized entry body.
    public var canonicalizedBody: Base64Bytes?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case logIndex, logId, kindVersion, integratedTime, inclusionPromise, inclusionProof, canonicalizedBody
    }
    struct KindVersion: Decodable {
        var kind: String
        var version: String
        enum CodingKeys: String, CodingKey, CaseIterable { case kind, version }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            kind = try c.decode(String.self, forKey: .kind)
            version = try c.decode(String.self, forKey: .version)
        }
    }
    struct Promise: Decodable {
        var signedEntryTimestamp: Base64Bytes
        enum CodingKeys: String, CodingKey, CaseIterable { case signedEntryTimestamp }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            signedEntryTimestamp = try decoder.container(keyedBy: CodingKeys.self)
                .decode(Base64Bytes.self, forKey: .signedEntryTimestamp)
        }
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        logIndex = try c.decodeIfPresent(Int64String.self, forKey: .logIndex) ?? Int64String(0)
        logID = try c.decode(LogIDJSON.self, forKey: .logId).keyId
        let kv = try c.decode(KindVersion.self, forKey: .kindVersion)
        kind = kv.kind
        version = kv.version
        integratedTime = try c.decodeIfPresent(Int64String.self, forKey: .integratedTime)
        signedEntryTimestamp = try c.decodeIfPresent(Promise.self, forKey: .inclusionPromise)?.signedEntryTimestamp
        inclusionProof = try c.decodeIfPresent(InclusionProof.self, forKey: .inclusionProof)
        canonicalizedBody = try c.decodeIfPresent(Base64Bytes.self, forKey: .canonicalizedBody)
    }
}

/// `InclusionProof`: a Merkle audit path and the checkpoint it leads to.
public struct InclusionProof: Decodable, Hashable, Sendable {
    /// The entry's index within this log shard.
    public var logIndex: Int64String
    /// The tree root hash.
    public var rootHash: Base64Bytes
    /// The tree size.
    public var treeSize: Int64String
    /// Audit path hashes, leaf to root.
    public var hashes: [Base64Bytes]
    /// The signed-note checkpoint text.
    public var checkpoint: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case logIndex, rootHash, treeSize, hashes, checkpoint }
    struct Checkpoint: Decodable {
        var envelope: String
        enum CodingKeys: String, CodingKey, CaseIterable { case envelope }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            envelope = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .envelope)
        }
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        logIndex = try c.decodeIfPresent(Int64String.self, forKey: .logIndex) ?? Int64String(0)
        rootHash = try c.decode(Base64Bytes.self, forKey: .rootHash)
        treeSize = try c.decode(Int64String.self, forKey: .treeSize)
        hashes = try c.decodeIfPresent([Base64Bytes].self, forKey: .hashes) ?? []
        guard hashes.count <= 64 else { throw BundleError(.tooLarge, "inclusion proof has more than 64 hashes") }
        checkpoint = try c.decodeIfPresent(Checkpoint.self, forKey: .checkpoint)?.envelope
    }
}

/// `{"keyId": "<base64>"}`, the `LogId` message shared by log entries and trusted roots.
struct LogIDJSON: Decodable {
    var keyId: Base64Bytes
    enum CodingKeys: String, CodingKey, CaseIterable { case keyId }
    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        keyId = try decoder.container(keyedBy: CodingKeys.self).decode(Base64Bytes.self, forKey: .keyId)
    }
}
