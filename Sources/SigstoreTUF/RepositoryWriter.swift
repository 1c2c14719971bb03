import Crypto
import SigstoreJSON
public import Foundation
import SigstoreCore

/// Writes a signed TUF repository into a directory laid out as Sigstore's CDN serves one: `N.root.json`,
/// `timestamp.json`, `V.snapshot.json`, `V.<role>.json` and `targets/<dir>/<sha256>.<name>` (with consistent
/// snapshots; without them `snapshot.json`, `<role>.json` and `targets/<path>`).
///
/// The writer keeps the repository state in memory. Each ``publish()`` signs a new version of every role whose content
/// changed or whose expiry is less than half its validity period away, a new snapshot when any targets role changed,
/// and always a new timestamp. A new root is signed by the previous root's keys as well as its own, so clients can
/// follow a key rotation.
///
/// ```swift
/// var writer = try RepositoryWriter(directory: dir, roles: .init(root: .init([rootKey]), timestamp: .init([online]),
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
    /// - Throws: ``TUFError/Code/invalidConfiguration`` for an unusable role name or a threshold the keys cannot meet.
    public mutating func addDelegation(_ delegation: Delegation) throws {
        try Self.checkRoleName(delegation.name)
        try Self.check(delegation.keys, role: delegation.name)
        delegations.removeAll { $0.name == delegation.name }
        delegations.append(delegation)
        targetFiles[delegation.name, default: [:]] = targetFiles[delegation.name] ?? [:]
    }

    /// Makes the top-level targets role delegate to succinct hashed bins instead of named roles.
    /// - Throws: ``TUFError/Code/invalidConfiguration`` when `bitLength` is not within 1…16.
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
    /// and timestamp; target files are written under their hash-prefixed names.
    /// - Throws: ``TUFError`` when a key set is unusable, signing fails or a file cannot be written.
    public mutating func publish() throws {
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
            force: true
        )
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
                try FileStore.writeAtomically(content, to: folder.appendingPathComponent(fileName, isDirectory: false))
            }
        }
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
