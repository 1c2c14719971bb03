import Crypto
import SigstoreJSON
public import Foundation
import SigstoreCore

/// Writes a signed TUF repository into a directory laid out as Sigstore's CDN serves one: `N.root.json`,
/// `timestamp.json`, `V.snapshot.json`, `V.<role>.json` and `targets/<dir>/<sha256>.<name>` (with consistent
/// snapshots; without them `snapshot.json`, `<role>.json` and `targets/<path>`).
///
/// The writer keeps the repository state in memory; ``init(resuming:keys:previousRootKeys:now:)`` reads it back from a
/// directory written before, so a long-lived publisher can stop and start without new versions. Each ``publish()``
/// signs a new version of every role whose content changed or whose expiry is less than half its validity period away,
/// a new snapshot when any targets role changed, and always a new timestamp; ``publishChanges()`` does the same but
/// re-signs the timestamp only when the snapshot changed or the timestamp is due. A new root is signed by the previous
/// root's keys as well as its own, so clients can follow a key rotation.
///
/// ```swift
/// var writer = try RepositoryWriter(directory: dir, keys: .init(root: .init([rootKey]), timestamp: .init([online]),
///                                   snapshot: .init([online]), targets: .init([online])))
/// writer.setTarget("trusted_root.json", content: bytes)
/// try writer.publish()
/// ```
public struct RepositoryWriter: Sendable {
    /// The keys of one role and how many of them must sign.
    public struct RoleKeys: Sendable {
        /// The keys; all of them sign each new version.
        public var keys: [RepositoryKey]
        /// Signatures required.
        public var threshold: Int

        /// Creates a key set.
        /// - Parameters:
        ///   - keys: The role's keys.
        ///   - threshold: Signatures required (at most `keys.count`).
        public init(_ keys: [RepositoryKey], threshold: Int = 1) {
            self.keys = keys
            self.threshold = threshold
        }
    }

    /// The keys of the four top-level roles.
    public struct TopLevelKeys: Sendable {
        /// Keys of the root role.
        public var root: RoleKeys
        /// Keys of the timestamp role.
        public var timestamp: RoleKeys
        /// Keys of the snapshot role.
        public var snapshot: RoleKeys
        /// Keys of the top-level targets role.
        public var targets: RoleKeys

        /// Groups the keys of the four roles.
        public init(root: RoleKeys, timestamp: RoleKeys, snapshot: RoleKeys, targets: RoleKeys) {
            self.root = root
            self.timestamp = timestamp
            self.snapshot = snapshot
            self.targets = targets
        }
    }

    /// How long each new version of a role stays valid.
    public struct ValidityPeriods: Sendable {
        /// Validity of a new root version.
        public var root: Duration = .seconds(365 * 86_400)
        /// Validity of new targets metadata (top-level and delegated).
        public var targets: Duration = .seconds(90 * 86_400)
        /// Validity of a new snapshot.
        public var snapshot: Duration = .seconds(7 * 86_400)
        /// Validity of a new timestamp.
        public var timestamp: Duration = .seconds(86_400)

        /// The default periods: root one year, targets 90 days, snapshot 7 days, timestamp one day.
        public init() {}
    }

    /// A delegation from a targets role to a named role.
    public struct Delegation: Sendable {
        /// Which target paths the delegation covers.
        public enum Paths: Sendable {
            /// Glob patterns matched per `/`-separated segment (`releases/*/*.zip`).
            case patterns([String])
            /// Prefixes of the hex SHA-256 of the target path (hashed bins).
            case hashPrefixes([String])
        }

        /// The delegated role's name (no `/`, not `.` or `..`, not a top-level role name).
        public var name: String
        /// The role that delegates (`targets` or another delegated role).
        public var delegator: String
        /// The keys that sign the delegated role.
        public var keys: RoleKeys
        /// The target paths delegated.
        public var paths: Paths
        /// Whether the search stops at this delegation.
        public var terminating: Bool

        /// Creates a delegation.
        public init(
            name: String,
            delegator: String = "targets",
            keys: RoleKeys,
            paths: Paths,
            terminating: Bool = false
        ) {
            self.name = name
            self.delegator = delegator
            self.keys = keys
            self.paths = paths
            self.terminating = terminating
        }
    }

    /// A TAP 15 succinct hashed-bin delegation from the top-level targets role: `2^bitLength` bins named
    /// `<namePrefix>-<hex>`, all signed by the same keys.
    public struct SuccinctDelegation: Sendable {
        /// The keys that sign every bin.
        public var keys: RoleKeys
        /// Bits of the path hash that pick the bin (1…32; the writer publishes every bin, so keep it small).
        public var bitLength: Int
        /// The bin name prefix.
        public var namePrefix: String

        /// Creates a succinct delegation.
        public init(keys: RoleKeys, bitLength: Int, namePrefix: String) {
            self.keys = keys
            self.bitLength = bitLength
            self.namePrefix = namePrefix
        }
    }

    private struct Published: Sendable {
        var version: Int
        /// Canonical bytes of the role-specific fields, to tell whether a role changed.
        var content: [UInt8]
        var expires: Date
        /// The whole file as written, for the length and hashes in snapshot and timestamp.
        var bytes: [UInt8]
    }

    /// Where the repository is written.
    public let directory: URL
    /// The keys of the top-level roles. Changing them publishes a new root with the next ``publish()``.
    public var keys: TopLevelKeys
    /// Whether the repository uses consistent snapshots (versioned metadata and hash-prefixed targets).
    public var consistentSnapshot: Bool
    /// Whether `timestamp` and `snapshot` list the length and SHA-256 of the files they describe.
    public var listsMetaHashes = false
    /// Validity periods of new versions.
    public var validity = ValidityPeriods()
    /// The clock that dates new versions.
    public var now: @Sendable () -> Date

    private var targetFiles: [String: [String: [UInt8]]] = [TopLevelRole.targets: [:]]
    private var delegations: [Delegation] = []
    private var succinct: SuccinctDelegation?
    private var published: [String: Published] = [:]
    private var publishedRootKeys: [RepositoryKey] = []

    /// Creates a writer for an empty repository in `directory` (created if needed).
    /// - Parameters:
    ///   - directory: Where to write.
    ///   - keys: The top-level keys.
    ///   - consistentSnapshot: Whether to use consistent snapshots (Sigstore does).
    ///   - now: The clock.
    public init(
        directory: URL,
        keys: TopLevelKeys,
        consistentSnapshot: Bool = true,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.directory = directory
        self.keys = keys
        self.consistentSnapshot = consistentSnapshot
        self.now = now
        try Self.createDirectory(directory)
    }

    /// Resumes the repository a writer left in `directory`: the newest root, the timestamp, the snapshot it lists and
    /// the targets the snapshot lists are read back with the target files they describe, and every signature is
    /// checked, so the next ``publishChanges()`` publishes only what changed since.
    ///
    /// Only repositories without delegated roles can be resumed (``addDelegation(_:)`` state is not read back).
    /// - Parameters:
    ///   - directory: A directory a ``RepositoryWriter`` published into.
    ///   - keys: The top-level keys from now on; when they differ from the published root's, the next publish signs
    ///     a new root.
    ///   - previousRootKeys: Keys of the published root's root role that are no longer in `keys.root`, so the new
    ///     root is signed by a threshold of the old root's keys too.
    ///   - now: The clock.
    /// - Throws: ``TUFErrorCode/notFound`` when `directory` holds no root; ``TUFError`` when the files are not a
    ///   repository the writer can continue (unreadable, unsigned, delegations, a target file missing or altered, or
    ///   not enough of the published root's keys given to sign its successor).
    public init(
        resuming directory: URL,
        keys: TopLevelKeys,
        previousRootKeys: [RepositoryKey] = [],
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.directory = directory
        self.keys = keys
        self.now = now
        let rootVersion = try Self.newestRootVersion(in: directory)
        let root = try RootMetadata(
            envelope: Self.readEnvelope(directory, "\(rootVersion).root.json", maxLength: 512_000),
            name: "\(rootVersion).root.json"
        )
        guard root.header.version == rootVersion else {
            throw TUFError(.badVersion, "\(rootVersion).root.json: holds version \(root.header.version)")
        }
        try root.signers(for: TopLevelRole.root).verify(root.envelope, what: "\(rootVersion).root.json")
        consistentSnapshot = root.consistentSnapshot
        published[TopLevelRole.root] = try Self.published(root.envelope, header: root.header)

        let timestamp = try TimestampMetadata(envelope: Self.readEnvelope(directory, "timestamp.json", maxLength: 16_384))
        try root.signers(for: TopLevelRole.timestamp).verify(timestamp.envelope, what: "timestamp.json")
        published[TopLevelRole.timestamp] = try Self.published(timestamp.envelope, header: timestamp.header)
        listsMetaHashes = timestamp.snapshotMeta.hashes != nil

        let snapshotVersion = timestamp.snapshotMeta.version
        let snapshotName = consistentSnapshot ? "\(snapshotVersion).snapshot.json" : "snapshot.json"
        let snapshot = try SnapshotMetadata(envelope: Self.readEnvelope(directory, snapshotName, maxLength: 2_000_000))
        try root.signers(for: TopLevelRole.snapshot).verify(snapshot.envelope, what: snapshotName)
        guard snapshot.header.version == snapshotVersion else {
            throw TUFError(.badVersion, "\(snapshotName): holds version \(snapshot.header.version)")
        }
        try timestamp.snapshotMeta.verify(snapshot.envelope.raw, what: snapshotName)
        published[TopLevelRole.snapshot] = try Self.published(snapshot.envelope, header: snapshot.header)

        guard Set(snapshot.meta.keys) == ["targets.json"], let targetsMeta = snapshot.meta["targets.json"] else {
            throw TUFError(
                .invalidConfiguration,
                "\(snapshotName): lists \(snapshot.meta.keys.sorted().joined(separator: ", ")); only a repository "
                    + "without delegated roles can be resumed"
            )
        }
        let targetsName = consistentSnapshot ? "\(targetsMeta.version).targets.json" : "targets.json"
        let targets = try TargetsMetadata(
            envelope: Self.readEnvelope(directory, targetsName, maxLength: 5_000_000),
            role: TopLevelRole.targets
        )
        try root.signers(for: TopLevelRole.targets).verify(targets.envelope, what: targetsName)
        guard targets.header.version == targetsMeta.version, targets.delegations == nil else {
            throw TUFError(
                .invalidConfiguration,
                "\(targetsName): version \(targets.header.version) with\(targets.delegations == nil ? "out" : "") "
                    + "delegations; expected version \(targetsMeta.version) without"
            )
        }
        try targetsMeta.verify(targets.envelope.raw, what: targetsName)
        published[TopLevelRole.targets] = try Self.published(targets.envelope, header: targets.header)
        var files: [String: [UInt8]] = [:]
        for (path, target) in targets.targets {
            let digest = target.hashes["sha256"]
            if consistentSnapshot, digest == nil {
                throw TUFError(.invalidConfiguration, "target \(path) of \(targetsName) lists no sha256")
            }
            let file = try Self.targetFileURL(directory, path: path, digest: consistentSnapshot ? digest : nil)
            guard let bytes = try FileStore.read(file, maxLength: target.length) else {
                throw TUFError(.notFound, "target \(path) of \(targetsName) is missing at \(file.path)")
            }
            try target.verify(bytes)
            files[path] = bytes
        }
        targetFiles = [TopLevelRole.targets: files]

        // The successor of the published root must be signed by a threshold of its root keys.
        let rootRole = root.signers(for: TopLevelRole.root).role
        var seen = Set<String>()
        publishedRootKeys = (keys.root.keys + previousRootKeys).filter {
            rootRole.keyIDs.contains($0.keyID) && seen.insert($0.keyID).inserted
        }
        guard publishedRootKeys.count >= rootRole.threshold else {
            throw TUFError(
                .invalidConfiguration,
                "\(rootVersion).root.json needs \(rootRole.threshold) of its root keys to sign its successor; "
                    + "\(publishedRootKeys.count) given"
            )
        }
    }

    /// The version of the newest `N.root.json` in `directory`.
    private static func newestRootVersion(in directory: URL) throws -> Int {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw TUFError(.notFound, "no repository at \(directory.path): \(error.localizedDescription)", underlying: error)
        }
        let versions = names.compactMap { name -> Int? in
            guard name.hasSuffix(".root.json") else { return nil }
            return Int(name.dropLast(".root.json".count)).flatMap { $0 >= 1 ? $0 : nil }
        }
        guard let newest = versions.max() else {
            throw TUFError(.notFound, "no N.root.json in \(directory.path)")
        }
        return newest
    }

    private static func readEnvelope(_ directory: URL, _ name: String, maxLength: Int) throws -> Envelope {
        guard let bytes = try FileStore.read(directory.appendingPathComponent(name, isDirectory: false), maxLength: maxLength)
        else {
            throw TUFError(.notFound, "\(name) is missing in \(directory.path)")
        }
        return try Envelope(raw: bytes, name: name)
    }

    /// What a published file contributes to the writer's state: its role-specific fields, version, expiry and bytes.
    private static func published(_ envelope: Envelope, header: SignedHeader) throws -> Published {
        guard case .object(let members) = envelope.signed else {
            throw TUFError(.invalidMetadata, "\"signed\" must be an object")
        }
        let body = members.filter { !["_type", "expires", "spec_version", "version"].contains($0.0) }
        return Published(
            version: header.version,
            content: try CanonicalJSON.encode(.object(body)),
            expires: header.expires,
            bytes: envelope.raw
        )
    }

    /// Adds or replaces target `path` with `content` in targets role `role`.
    /// - Parameters:
    ///   - path: The target path (`trusted_root.json`, `dir/file`).
    ///   - content: The bytes.
    ///   - role: `targets` or a delegated role (a succinct bin when ``binName(for:)`` names it).
    public mutating func setTarget(_ path: String, content: [UInt8], role: String = "targets") {
        targetFiles[role, default: [:]][path] = content
    }

    /// Removes target `path` from role `role`.
    public mutating func removeTarget(_ path: String, role: String = "targets") {
        targetFiles[role]?[path] = nil
    }

    /// Adds a delegation (or replaces one with the same name).
    /// - Throws: ``TUFErrorCode/invalidConfiguration`` for an unusable role name or a threshold the keys cannot meet.
    public mutating func addDelegation(_ delegation: Delegation) throws {
        try Self.checkRoleName(delegation.name)
        try Self.check(delegation.keys, role: delegation.name)
        delegations.removeAll { $0.name == delegation.name }
        delegations.append(delegation)
        targetFiles[delegation.name, default: [:]] = targetFiles[delegation.name] ?? [:]
    }

    /// Makes the top-level targets role delegate to succinct hashed bins instead of named roles.
    /// - Throws: ``TUFErrorCode/invalidConfiguration`` when `bitLength` is not within 1…16.
    public mutating func setSuccinctDelegation(_ delegation: SuccinctDelegation) throws {
        guard (1...16).contains(delegation.bitLength) else {
            throw TUFError(
                .invalidConfiguration,
                "succinct bit length must be within 1...16, got \(delegation.bitLength)"
            )
        }
        try Self.check(delegation.keys, role: "succinct bins")
        succinct = delegation
    }

    /// The succinct bin target `path` belongs in (nil without a succinct delegation).
    public func binName(for path: String) -> String? {
        succinctRoles?.roleName(for: path)
    }

    private var succinctRoles: SuccinctRoles? {
        succinct.map {
            SuccinctRoles(
                keys: RoleKeyIDs(keyIDs: $0.keys.keys.map(\.keyID), threshold: $0.keys.threshold),
                bitLength: $0.bitLength,
                namePrefix: $0.namePrefix
            )
        }
    }

    /// The version last published of `role` (`root`, `timestamp`, `snapshot`, `targets` or a delegated role).
    public func version(of role: String) -> Int? { published[role]?.version }

    // MARK: Publishing

    /// Signs and writes the next repository state: changed (or soon expiring) roles get a new version, then snapshot
    /// and always a new timestamp; target files are written under their hash-prefixed names.
    /// - Returns: The roles given a new version (`timestamp` always among them).
    /// - Throws: ``TUFError`` when a key set is unusable, signing fails or a file cannot be written.
    @discardableResult
    public mutating func publish() throws -> [String] {
        try publish(forcingTimestamp: true)
    }

    /// Publishes only what is due: roles whose content changed or whose expiry is less than half their validity
    /// period away, the snapshot when a targets role changed, and the timestamp when the snapshot changed or the
    /// timestamp itself is due. With nothing due nothing is written, so calling it often (or on every start) never
    /// adds versions needlessly.
    /// - Returns: The roles given a new version; empty when nothing was due.
    /// - Throws: ``TUFError`` when a key set is unusable, signing fails or a file cannot be written.
    @discardableResult
    public mutating func publishChanges() throws -> [String] {
        try publish(forcingTimestamp: false)
    }

    /// When the next version becomes due even without changes: the earliest time a published role passes half its
    /// validity period (nil before the first publish). A publisher calls ``publishChanges()`` by then.
    public var nextRefresh: Date? {
        let periods: [(String, Duration)] = [
            (TopLevelRole.root, validity.root), (TopLevelRole.timestamp, validity.timestamp),
            (TopLevelRole.snapshot, validity.snapshot),
        ] + targetsRoleNames().map { ($0, validity.targets) }
        return periods.compactMap { role, period in
            published[role].map { $0.expires.addingTimeInterval(-TimeInterval(period.components.seconds) / 2) }
        }.min()
    }

    /// The bytes of the newest root as written (`N.root.json`), for clients to bootstrap from; nil before the first
    /// publish.
    public var rootDocument: [UInt8]? { published[TopLevelRole.root]?.bytes }

    private mutating func publish(forcingTimestamp: Bool) throws -> [String] {
        let before = published.mapValues(\.version)
        let now = now()
        for (role, set) in [
            ("root", keys.root), ("timestamp", keys.timestamp), ("snapshot", keys.snapshot), ("targets", keys.targets),
        ] {
            try Self.check(set, role: role)
        }
        try publishRoot(now: now)
        var targetsChanged = false
        for role in targetsRoleNames() {
            let signed = try targetsSigned(role: role)
            if try publishIfNeeded(
                role,
                body: signed,
                type: "targets",
                period: validity.targets,
                signers: signingKeys(for: role),
                now: now
            ) {
                targetsChanged = true
            }
        }
        try writeTargetFiles()
        var meta: [(String, OrderedJSON)] = []
        for role in targetsRoleNames() {
            meta.append(("\(role).json", try metaFile(role)))
        }
        let snapshotBody: [(String, OrderedJSON)] = [("meta", .object(meta))]
        let snapshotForced = targetsChanged && published["snapshot"] != nil
        _ = try publishIfNeeded(
            "snapshot",
            body: snapshotBody,
            type: "snapshot",
            period: validity.snapshot,
            signers: keys.snapshot.keys,
            now: now,
            force: snapshotForced
        )
        let timestampBody: [(String, OrderedJSON)] = [("meta", .object([("snapshot.json", try metaFile("snapshot"))]))]
        _ = try publishIfNeeded(
            "timestamp",
            body: timestampBody,
            type: "timestamp",
            period: validity.timestamp,
            signers: keys.timestamp.keys,
            now: now,
            force: forcingTimestamp
        )
        return published.filter { before[$0.key] != $0.value.version }.keys.sorted()
    }

    private func targetsRoleNames() -> [String] {
        var names = [TopLevelRole.targets] + delegations.map(\.name)
        if let succinct, let roles = succinctRoles {
            names += (0..<(1 << succinct.bitLength)).map { roles.binName($0) }
        }
        return names
    }

    private func signingKeys(for role: String) -> [RepositoryKey] {
        if role == TopLevelRole.targets { return keys.targets.keys }
        if let delegation = delegations.first(where: { $0.name == role }) { return delegation.keys.keys }
        return succinct?.keys.keys ?? []
    }

    private mutating func publishRoot(now: Date) throws {
        var keyObjects: [(String, OrderedJSON)] = []
        var seen = Set<String>()
        let sets = [keys.root, keys.timestamp, keys.snapshot, keys.targets]
        for key in sets.flatMap(\.keys) where seen.insert(key.keyID).inserted {
            keyObjects.append((key.keyID, key.publicKeyJSON))
        }
        let roles: [(String, OrderedJSON)] = zip(["root", "timestamp", "snapshot", "targets"], sets).map { name, set in
            (name, Self.roleJSON(set))
        }
        let body: [(String, OrderedJSON)] = [
            ("consistent_snapshot", .bool(consistentSnapshot)),
            ("keys", .object(keyObjects)),
            ("roles", .object(roles)),
        ]
        var signers = keys.root.keys
        for key in publishedRootKeys where !signers.contains(where: { $0.keyID == key.keyID }) { signers.append(key) }
        if try publishIfNeeded("root", body: body, type: "root", period: validity.root, signers: signers, now: now) {
            publishedRootKeys = keys.root.keys
        }
    }

    private static func roleJSON(_ set: RoleKeys) -> OrderedJSON {
        .object([("keyids", .array(set.keys.map { .string($0.keyID) })), ("threshold", .number(Int64(set.threshold)))])
    }

    private func targetsSigned(role: String) throws -> [(String, OrderedJSON)] {
        var targets: [(String, OrderedJSON)] = []
        for (path, content) in (targetFiles[role] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let digest = TextEncoding.hex(SHA256.hash(data: content))
            targets.append(
                (
                    path,
                    .object([
                        ("hashes", .object([("sha256", .string(digest))])), ("length", .number(Int64(content.count))),
                    ])
                )
            )
        }
        var body: [(String, OrderedJSON)] = [("targets", .object(targets))]
        let children = delegations.filter { $0.delegator == role }
        if role == TopLevelRole.targets, let succinct {
            let keyObjects = succinct.keys.keys.map { ($0.keyID, $0.publicKeyJSON) }
            body.append(
                (
                    "delegations",
                    .object([
                        ("keys", .object(keyObjects)),
                        (
                            "succinct_roles",
                            .object([
                                ("bit_length", .number(Int64(succinct.bitLength))),
                                ("keyids", .array(succinct.keys.keys.map { .string($0.keyID) })),
                                ("name_prefix", .string(succinct.namePrefix)),
                                ("threshold", .number(Int64(succinct.keys.threshold))),
                            ])
                        ),
                    ])
                )
            )
        } else if !children.isEmpty {
            var keyObjects: [(String, OrderedJSON)] = []
            var seen = Set<String>()
            for key in children.flatMap(\.keys.keys) where seen.insert(key.keyID).inserted {
                keyObjects.append((key.keyID, key.publicKeyJSON))
            }
            let roles: [OrderedJSON] = children.map { child in
                var members: [(String, OrderedJSON)] = [
                    ("keyids", .array(child.keys.keys.map { .string($0.keyID) })),
                    ("name", .string(child.name)),
                ]
                switch child.paths {
                case .patterns(let patterns): members.append(("paths", .array(patterns.map { .string($0) })))
                case .hashPrefixes(let prefixes):
                    members.append(("path_hash_prefixes", .array(prefixes.map { .string($0) })))
                }
                members.append(("terminating", .bool(child.terminating)))
                members.append(("threshold", .number(Int64(child.keys.threshold))))
                return .object(members)
            }
            body.append(("delegations", .object([("keys", .object(keyObjects)), ("roles", .array(roles))])))
        }
        return body
    }

    /// Signs and writes a new version of `role` when its body changed, it was never published, its expiry is less
    /// than half a period away, or `force` is set. Returns whether it did.
    private mutating func publishIfNeeded(
        _ role: String,
        body: [(String, OrderedJSON)],
        type: String,
        period: Duration,
        signers: [RepositoryKey],
        now: Date,
        force: Bool = false
    ) throws -> Bool {
        let content = try CanonicalJSON.encode(.object(body))
        let seconds = TimeInterval(period.components.seconds)
        if let previous = published[role], !force, previous.content == content,
            previous.expires.timeIntervalSince(now) > seconds / 2
        {
            return false
        }
        let version = (published[role]?.version ?? 0) + 1
        let expires = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + seconds).rounded(.down))
        let signed = OrderedJSON.object(
            [
                ("_type", .string(type)), ("expires", .string(ExpiryDate.format(expires))),
                ("spec_version", .string("1.0.31")),
                ("version", .number(Int64(version))),
            ] + body
        )
        let signedBytes = try CanonicalJSON.encode(signed)
        var signatures: [OrderedJSON] = []
        for key in signers {
            let signature = try key.signature(for: signedBytes)
            signatures.append(.object([("keyid", .string(key.keyID)), ("sig", .string(TextEncoding.hex(signature)))]))
        }
        let document = try CanonicalJSON.document(.object([("signatures", .array(signatures)), ("signed", signed)]))
        let name: String
        if role == TopLevelRole.root {
            name = "\(version).root.json"
        } else if role == TopLevelRole.timestamp || !consistentSnapshot {
            name = "\(role).json"
        } else {
            name = "\(version).\(role).json"
        }
        try FileStore.writeAtomically(document, to: directory.appendingPathComponent(name, isDirectory: false))
        published[role] = Published(version: version, content: content, expires: expires, bytes: document)
        return true
    }

    private func metaFile(_ role: String) throws -> OrderedJSON {
        guard let version = published[role]?.version, let bytes = published[role]?.bytes else {
            throw TUFError(.invalidConfiguration, "role \(role) was not published")
        }
        var members: [(String, OrderedJSON)] = []
        if listsMetaHashes {
            members.append(("hashes", .object([("sha256", .string(TextEncoding.hex(SHA256.hash(data: bytes))))])))
            members.append(("length", .number(Int64(bytes.count))))
        }
        members.append(("version", .number(Int64(version))))
        return .object(members)
    }

    private func writeTargetFiles() throws {
        let targetsDirectory = directory.appendingPathComponent("targets", isDirectory: true)
        for (_, files) in targetFiles {
            for (path, content) in files {
                var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                guard let name = parts.popLast(), !name.isEmpty,
                    !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
                    name != ".", name != ".."
                else {
                    throw TUFError(.invalidConfiguration, "target path \"\(path)\" cannot be written as a file")
                }
                let folder = parts.reduce(targetsDirectory) { $0.appendingPathComponent($1, isDirectory: true) }
                try Self.createDirectory(folder)
                let fileName = consistentSnapshot ? "\(TextEncoding.hex(SHA256.hash(data: content))).\(name)" : name
                let file = folder.appendingPathComponent(fileName, isDirectory: false)
                // Unchanged files are not rewritten, so a publish with nothing due writes nothing.
                if (try? FileStore.read(file, maxLength: content.count)) == content { continue }
                try FileStore.writeAtomically(content, to: file)
            }
        }
    }

    /// Where a resumed repository keeps target `path`: `targets/<dir>/<sha256>.<name>` with consistent snapshots.
    private static func targetFileURL(_ directory: URL, path: String, digest: String?) throws -> URL {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let name = parts.popLast(), !name.isEmpty, name != ".", name != "..",
            !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
        else {
            throw TUFError(.invalidMetadata, "target path \"\(path)\" cannot be read as a file")
        }
        let folder = (["targets"] + parts).reduce(directory) { $0.appendingPathComponent($1, isDirectory: true) }
        return folder.appendingPathComponent(digest.map { "\($0).\(name)" } ?? name, isDirectory: false)
    }

    private static func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw TUFError(.storageError, "cannot create \(url.path): \(error.localizedDescription)", underlying: error)
        }
    }

    private static func checkRoleName(_ name: String) throws {
        guard !name.isEmpty, !TopLevelRole.all.contains(name), !name.contains("/"), name != ".", name != ".." else {
            throw TUFError(.invalidConfiguration, "\"\(name)\" cannot be a delegated role name")
        }
    }

    private static func check(_ set: RoleKeys, role: String) throws {
        guard set.threshold >= 1, set.threshold <= set.keys.count else {
            throw TUFError(
                .invalidConfiguration,
                "\(role): threshold \(set.threshold) cannot be met by \(set.keys.count) keys"
            )
        }
    }
}
