#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SigstoreCore

/// The metadata trusted during one refresh, and the checks of the TUF client workflow (spec 1.0.x, section 5) that
/// admit new metadata into it. Pure and synchronous: the updater fetches and stores, this decides.
///
/// As in python-tuf's `TrustedMetadataSet`, a timestamp or snapshot can be trusted as an *intermediate* version (signed
/// by the current root, but expired or not the version the newer metadata names): it then still serves as the
/// reference for rollback checks of its successor, and ``checkFinalTimestamp()`` / ``checkFinalSnapshot()`` refuse it
/// as a final state. Metadata signed with rotated-out keys no longer verifies, so it is never loaded, which is the
/// fast-forward recovery of spec 5.3.11.
struct TrustedMetadataSet: Sendable {
    /// The update start time (spec 5.1): every expiry check of this refresh uses it.
    let now: Date
    private(set) var root: RootMetadata
    private(set) var timestamp: TimestampMetadata?
    private(set) var snapshot: SnapshotMetadata?
    /// Targets metadata by role name (`targets` and delegated roles), with the delegator that verified it.
    private(set) var targets: [String: (metadata: TargetsMetadata, delegator: String)] = [:]

    /// Starts from a trusted root (spec 5.2): it must be well formed and signed by a threshold of its own root keys.
    /// Its expiry does not matter here.
    init(root raw: [UInt8], now: Date) throws {
        let root = try RootMetadata(envelope: Envelope(raw: raw, name: "root.json"))
        try root.signers(for: TopLevelRole.root).verify(root.envelope, what: "root.json version \(root.header.version)")
        self.root = root
        self.now = now
    }

    /// Admits the next root of the rotation chain (spec 5.3.4–5.3.8): signed by a threshold of the trusted root's
    /// root keys and of its own, with exactly version `expectedVersion`. Expiry is not checked here (5.3.10 applies to
    /// the final root only).
    mutating func updateRoot(_ raw: [UInt8], expectedVersion: Int) throws {
        guard timestamp == nil else { throw TUFError(.repositoryError, "root cannot be updated after timestamp") }
        let name = "root.json version \(expectedVersion)"
        let new = try RootMetadata(envelope: Envelope(raw: raw, name: "\(expectedVersion).root.json"))
        try root.signers(for: TopLevelRole.root).verify(
            new.envelope,
            what: "\(name) (keys of version \(root.header.version))"
        )
        guard new.header.version == expectedVersion else {
            throw TUFError(
                .badVersion,
                "\(expectedVersion).root.json: expected version \(expectedVersion), got \(new.header.version)"
            )
        }
        try new.signers(for: TopLevelRole.root).verify(new.envelope, what: "\(name) (its own keys)")
        root = new
    }

    /// Spec 5.3.10: the final root must not have expired.
    func checkFinalRoot() throws {
        guard !root.header.isExpired(at: now) else {
            throw TUFError(
                .expiredMetadata,
                "root.json version \(root.header.version) expired at \(root.header.expiresText)"
            )
        }
    }

    /// What ``updateTimestamp(_:)`` did.
    enum TimestampUpdate {
        /// The new timestamp is trusted (and final); store it.
        case updated
        /// The new timestamp has the trusted version: the trusted one is kept and the new one discarded.
        case unchanged
    }

    /// Admits a timestamp (spec 5.4): signed by the root's timestamp keys; not older than the trusted one, and naming
    /// no older snapshot (rollback); then it must not have expired (freeze).
    mutating func updateTimestamp(_ raw: [UInt8]) throws -> TimestampUpdate {
        guard snapshot == nil else { throw TUFError(.repositoryError, "timestamp cannot be updated after snapshot") }
        try checkFinalRoot()
        let new = try TimestampMetadata(envelope: Envelope(raw: raw, name: "timestamp.json"))
        try root.signers(for: TopLevelRole.timestamp).verify(
            new.envelope,
            what: "timestamp.json version \(new.header.version)"
        )
        if let old = timestamp {
            guard new.header.version >= old.header.version else {
                throw TUFError(
                    .rollback,
                    "timestamp.json: version \(new.header.version) is older than trusted version \(old.header.version)"
                )
            }
            if new.header.version == old.header.version { return .unchanged }
            guard new.snapshotMeta.version >= old.snapshotMeta.version else {
                throw TUFError(
                    .rollback,
                    "timestamp.json version \(new.header.version): snapshot version \(new.snapshotMeta.version) is older "
                        + "than trusted snapshot version \(old.snapshotMeta.version)"
                )
            }
        }
        timestamp = new
        try checkFinalTimestamp()
        return .updated
    }

    /// The trusted timestamp must exist and not have expired.
    func checkFinalTimestamp() throws {
        guard let timestamp else { throw TUFError(.repositoryError, "no trusted timestamp") }
        guard !timestamp.header.isExpired(at: now) else {
            throw TUFError(.expiredMetadata, "timestamp.json expired at \(timestamp.header.expiresText)")
        }
    }

    /// Admits a snapshot (spec 5.5): length and hashes from the timestamp first (skipped for a locally stored copy,
    /// `trusted`, which was checked when it was downloaded), then the root's snapshot keys, then no targets role of
    /// the trusted snapshot may disappear or go back in version. It becomes final only if it has the version the
    /// timestamp names and has not expired.
    mutating func updateSnapshot(_ raw: [UInt8], trusted: Bool) throws {
        guard let timestamp else { throw TUFError(.repositoryError, "snapshot cannot be loaded before timestamp") }
        guard targets.isEmpty else { throw TUFError(.repositoryError, "snapshot cannot be updated after targets") }
        try checkFinalTimestamp()
        if !trusted { try timestamp.snapshotMeta.verify(raw, what: "snapshot.json") }
        let new = try SnapshotMetadata(envelope: Envelope(raw: raw, name: "snapshot.json"))
        let name = "snapshot.json version \(new.header.version)"
        try root.signers(for: TopLevelRole.snapshot).verify(new.envelope, what: name)
        if let old = snapshot {
            for (file, oldMeta) in old.meta.sorted(by: { $0.key < $1.key }) {
                guard let newMeta = new.meta[file] else {
                    throw TUFError(
                        .rollback,
                        "\(name): \(file) is missing, trusted version \(old.header.version) lists it"
                    )
                }
                guard newMeta.version >= oldMeta.version else {
                    throw TUFError(
                        .rollback,
                        "\(name): \(file) version \(newMeta.version) is older than trusted version \(oldMeta.version)"
                    )
                }
            }
        }
        snapshot = new
        try checkFinalSnapshot()
    }

    /// The trusted snapshot must exist, have the version the timestamp names and not have expired.
    func checkFinalSnapshot() throws {
        guard let snapshot, let timestamp else { throw TUFError(.repositoryError, "no trusted snapshot") }
        guard !snapshot.header.isExpired(at: now) else {
            throw TUFError(.expiredMetadata, "snapshot.json expired at \(snapshot.header.expiresText)")
        }
        guard snapshot.header.version == timestamp.snapshotMeta.version else {
            throw TUFError(
                .badVersion,
                "snapshot.json: expected version \(timestamp.snapshotMeta.version) (from timestamp.json), "
                    + "got \(snapshot.header.version)"
            )
        }
    }

    /// Admits targets metadata for `role` (spec 5.6, and 5.6.7 for delegated roles): listed in the snapshot, matching
    /// its length and hashes, signed by a threshold of `signers` (the delegator's keys for the role), with the
    /// version the snapshot names, not expired.
    /// - Parameter delegator: The delegating role (`root` for `targets`), remembered for re-verification.
    mutating func updateTargets(
        _ raw: [UInt8],
        role: String,
        signers: SignerSet,
        delegator: String
    ) throws -> TargetsMetadata {
        try checkFinalSnapshot()
        guard let snapshot else { throw TUFError(.repositoryError, "no trusted snapshot") }
        let file = "\(role).json"
        guard let meta = snapshot.meta[file] else {
            throw TUFError(.repositoryError, "snapshot.json version \(snapshot.header.version) does not list \(file)")
        }
        try meta.verify(raw, what: file)
        let new = try TargetsMetadata(envelope: Envelope(raw: raw, name: file), role: role)
        try signers.verify(new.envelope, what: "\(file) version \(new.header.version)")
        guard new.header.version == meta.version else {
            throw TUFError(
                .badVersion,
                "\(file): expected version \(meta.version) (from snapshot.json), got \(new.header.version)"
            )
        }
        guard !new.header.isExpired(at: now) else {
            throw TUFError(.expiredMetadata, "\(file) expired at \(new.header.expiresText)")
        }
        targets[role] = (new, delegator)
        return new
    }

    /// The already trusted metadata of `role`, re-verified when it is now reached through another delegator: a role
    /// never inherits trust from an earlier search path (a "diamond" delegation).
    func cachedTargets(_ role: String, signers: SignerSet, delegator: String) throws -> TargetsMetadata? {
        guard let (metadata, verifiedBy) = targets[role] else { return nil }
        if verifiedBy != delegator {
            try signers.verify(
                metadata.envelope,
                what: "\(role).json version \(metadata.header.version) (delegated by \(delegator))"
            )
        }
        return metadata
    }
}
