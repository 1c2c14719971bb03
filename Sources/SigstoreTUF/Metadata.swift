import SigstoreJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SigstoreCore

/// One metadata file as received: its exact bytes, the `signed` value, the canonical bytes signatures cover, and
/// the signatures by keyid.
struct Envelope: Sendable {
    /// The bytes as received; these, never a re-serialization, are what gets stored.
    let raw: [UInt8]
    let signed: OrderedJSON
    /// OLPC canonical JSON of `signed`, unknown fields included.
    let signedBytes: [UInt8]
    /// Signature bytes by keyid; nil for a signature whose `sig` is not hex (it verifies nothing).
    let signatures: [String: [UInt8]?]

    /// Parses `raw`. Signatures that repeat a keyid make the metadata invalid (spec: keyids are unique in
    /// `signatures`), even when a threshold is met.
    /// - Parameter name: The file name, for messages (`"timestamp.json"`).
    init(raw: [UInt8], name: String) throws {
        let document: OrderedJSON
        do {
            document = try JSONParser.parse(raw)
        } catch {
            throw TUFError(.invalidMetadata, "\(name): not valid json: \(error)", underlying: error)
        }
        let top = try JSONObject(document, context: name)
        let signed = try top.required("signed")
        guard case .object = signed else { throw TUFError(.invalidMetadata, "\(name): \"signed\" must be an object") }
        var signatures: [String: [UInt8]?] = [:]
        for item in try top.array("signatures") {
            let signature = try JSONObject(item, context: "\(name) signatures")
            let keyID = try signature.string("keyid")
            let sig = try signature.string("sig")
            guard signatures[keyID] == nil else {
                throw TUFError(.invalidMetadata, "\(name): more than one signature by keyid \(keyID)")
            }
            signatures[keyID] = TextEncoding.bytes(fromHex: sig)
        }
        self.raw = raw
        self.signed = signed
        do {
            self.signedBytes = try CanonicalJSON.encode(signed)
        } catch let error as TUFError {
            throw error.adding(context: name)
        }
        self.signatures = signatures
    }
}

/// The fields every role's `signed` object has.
struct SignedHeader: Sendable {
    let type: String
    let specVersion: String
    let version: Int
    let expires: Date
    /// `expires` as written, for messages.
    let expiresText: String

    /// Reads and checks `_type` (must be `expectedType`), `spec_version` (major version 1, `X.Y` or `X.Y.Z`),
    /// `version` (at least 1) and `expires` (`YYYY-MM-DDTHH:MM:SSZ`).
    init(_ signed: JSONObject, expectedType: String) throws {
        type = try signed.string("_type")
        guard type == expectedType else {
            throw TUFError(.invalidMetadata, "\(signed.context): expected _type \"\(expectedType)\", got \"\(type)\"")
        }
        specVersion = try signed.string("spec_version")
        let parts = specVersion.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else {
            throw TUFError(.invalidMetadata, "\(signed.context): cannot parse spec_version \"\(specVersion)\"")
        }
        guard parts[0] == "1" else {
            throw TUFError(
                .invalidMetadata,
                "\(signed.context): unsupported spec_version \"\(specVersion)\", expected 1.x"
            )
        }
        version = try signed.int("version")
        guard version >= 1 else {
            throw TUFError(.invalidMetadata, "\(signed.context): version must be at least 1, got \(version)")
        }
        expiresText = try signed.string("expires")
        guard let expires = ExpiryDate.parse(expiresText) else {
            throw TUFError(
                .invalidMetadata,
                "\(signed.context): expires \"\(expiresText)\" is not in the form YYYY-MM-DDTHH:MM:SSZ"
            )
        }
        self.expires = expires
    }

    /// Whether the metadata has expired at `now` (expiry is exclusive: at the `expires` instant it has expired).
    func isExpired(at now: Date) -> Bool { now >= expires }
}

/// A `meta` entry of timestamp or snapshot: the version of a metadata file and, optionally, its length and hashes.
struct MetaFile: Sendable {
    let version: Int
    let length: Int?
    let hashes: [(String, String)]?

    init(json: JSONObject) throws {
        version = try json.int("version")
        guard version >= 1 else { throw TUFError(.invalidMetadata, "\(json.context): version must be at least 1") }
        length = try json.optionalInt("length")
        if let length, length < 0 { throw TUFError(.invalidMetadata, "\(json.context): length must not be negative") }
        if json.value("hashes") != nil {
            let hashes = try json.stringMap("hashes")
            guard !hashes.isEmpty else { throw TUFError(.invalidMetadata, "\(json.context): hashes must not be empty") }
            self.hashes = hashes
        } else {
            hashes = nil
        }
    }

    /// Throws unless `bytes` matches the length and every hash listed (when listed).
    func verify(_ bytes: [UInt8], what: String) throws {
        try Digests.verify(bytes, length: length, hashes: hashes ?? [], what: what)
    }
}

/// The names of the four top-level roles; delegated roles may not use them.
enum TopLevelRole {
    static let root = "root"
    static let timestamp = "timestamp"
    static let snapshot = "snapshot"
    static let targets = "targets"
    static let all: Set<String> = [root, timestamp, snapshot, targets]
}

/// Verified-shape root metadata.
struct RootMetadata: Sendable {
    let envelope: Envelope
    let header: SignedHeader
    let keys: [String: PublicKey]
    let roles: [String: RoleKeyIDs]
    let consistentSnapshot: Bool

    init(envelope: Envelope, name: String = "root.json") throws {
        let signed = try JSONObject(envelope.signed, context: name)
        header = try SignedHeader(signed, expectedType: TopLevelRole.root)
        var keys: [String: PublicKey] = [:]
        for (keyID, value) in try signed.object("keys").members {
            keys[keyID] = try PublicKey(json: JSONObject(value, context: "\(name) keys \(keyID)"))
        }
        var roles: [String: RoleKeyIDs] = [:]
        for (role, value) in try signed.object("roles").members {
            roles[role] = try RoleKeyIDs(json: JSONObject(value, context: "\(name) roles \(role)"))
        }
        guard Set(roles.keys) == TopLevelRole.all else {
            throw TUFError(
                .invalidMetadata,
                "\(name): roles must be exactly root, timestamp, snapshot and targets, got "
                    + roles.keys.sorted().joined(separator: ", ")
            )
        }
        consistentSnapshot = try signed.optionalBool("consistent_snapshot") ?? false
        self.envelope = envelope
        self.keys = keys
        self.roles = roles
    }

    /// The keys and threshold of top-level role `role`.
    func signers(for role: String) -> SignerSet {
        SignerSet(keys: keys, role: roles[role] ?? RoleKeyIDs(keyIDs: [], threshold: 1))
    }
}

/// Verified-shape timestamp metadata.
struct TimestampMetadata: Sendable {
    let envelope: Envelope
    let header: SignedHeader
    let snapshotMeta: MetaFile

    init(envelope: Envelope) throws {
        let signed = try JSONObject(envelope.signed, context: "timestamp.json")
        header = try SignedHeader(signed, expectedType: TopLevelRole.timestamp)
        let meta = try signed.object("meta")
        snapshotMeta = try MetaFile(json: meta.object("snapshot.json"))
        self.envelope = envelope
    }
}

/// Verified-shape snapshot metadata.
struct SnapshotMetadata: Sendable {
    let envelope: Envelope
    let header: SignedHeader
    /// `meta` by file name (`targets.json`, `<role>.json`; legacy non-role entries are kept and ignored).
    let meta: [String: MetaFile]

    init(envelope: Envelope) throws {
        let signed = try JSONObject(envelope.signed, context: "snapshot.json")
        header = try SignedHeader(signed, expectedType: TopLevelRole.snapshot)
        var meta: [String: MetaFile] = [:]
        for (name, value) in try signed.object("meta").members {
            meta[name] = try MetaFile(json: JSONObject(value, context: "snapshot.json meta \(name)"))
        }
        self.meta = meta
        self.envelope = envelope
    }
}

/// Verified-shape targets metadata (top-level or delegated).
struct TargetsMetadata: Sendable {
    let envelope: Envelope
    let header: SignedHeader
    let targets: [String: TargetFile]
    let delegations: Delegations?

    init(envelope: Envelope, role: String) throws {
        let name = "\(role).json"
        let signed = try JSONObject(envelope.signed, context: name)
        header = try SignedHeader(signed, expectedType: TopLevelRole.targets)
        var targets: [String: TargetFile] = [:]
        for (path, value) in try signed.object("targets").members {
            targets[path] = try TargetFile(path: path, json: JSONObject(value, context: "\(name) targets \(path)"))
        }
        self.targets = targets
        delegations = try signed.optionalObject("delegations").map { try Delegations(json: $0) }
        self.envelope = envelope
    }
}
