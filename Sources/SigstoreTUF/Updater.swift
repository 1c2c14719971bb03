#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import SigstoreCore

/// A TUF client (specification 1.0.x, as python-tuf's ngclient and go-tuf v2 implement it) over one repository and
/// one local metadata cache.
///
/// ```swift
/// let updater = Updater(configuration: .init(
///     metadataDirectory: cache, metadataBaseURL: mirror, targetsBaseURL: mirror.appending(path: "targets/")))
/// try await updater.refresh()
/// guard let target = try await updater.targetInfo(for: "trusted_root.json") else { … }
/// let bytes = try await updater.cachedTarget(target, at: file) ?? updater.download(target: target, to: file)
/// ```
///
/// ``refresh()`` runs the top-level workflow: root rotation one version at a time (each verified root is stored at
/// once, even when the final one turns out to have expired), then timestamp, snapshot and targets, with rollback,
/// freeze and mix-and-match checks against one clock reading. Only metadata that passed every check is stored, as the
/// exact bytes received, atomically. A cached snapshot or targets file still consistent with the new timestamp is
/// reused, so an up-to-date refresh makes one metadata request after probing for the next root: the timestamp.
public actor Updater {
    /// Download size limits and search caps; the defaults are python-tuf's and go-tuf's.
    public struct Limits: Sendable {
        /// Largest `N.root.json` accepted, in bytes.
        public var rootMaxLength = 512_000
        /// Largest `timestamp.json` accepted, in bytes.
        public var timestampMaxLength = 16_384
        /// Largest snapshot accepted when the timestamp gives no length, in bytes.
        public var snapshotMaxLength = 2_000_000
        /// Largest targets metadata accepted when the snapshot gives no length, in bytes.
        public var targetsMaxLength = 5_000_000
        /// Most root versions fetched in one refresh.
        public var maxRootRotations = 256
        /// Most targets roles visited in one target search (the top-level `targets` included).
        public var maxDelegations = 32

        /// The default limits.
        public init() {}
    }

    /// Where the updater reads from and keeps its state, and the policy it applies.
    public struct Configuration: Sendable {
        /// The local metadata cache. It must exist; it holds `root.json` (the trusted root) and every other role
        /// under its non-versioned name.
        public var metadataDirectory: URL
        /// The URL metadata is downloaded from (`N.root.json`, `timestamp.json`, …).
        public var metadataBaseURL: URL
        /// The URL targets are downloaded from; needed by ``Updater/download(target:to:)`` only.
        public var targetsBaseURL: URL?
        /// A root to start from (typically embedded in the program). When the cache also holds a root, the one with
        /// the higher version is used; the bootstrap root is then stored as `root.json` if it is the newer.
        public var bootstrapRoot: [UInt8]?
        /// Size limits and search caps.
        public var limits = Limits()
        /// On consistent-snapshot repositories, download targets as `<dir>/<hash>.<name>` (as Sigstore's CDN serves
        /// them); otherwise by their plain path.
        public var prefixTargetsWithHash = true
        /// The clock, read once at the start of each refresh; every expiry check of that refresh uses the reading.
        public var now: @Sendable () -> Date = { Date() }
        /// Receives one line per step, for debugging (fetches, reuse of cached files, why a cached file was not used).
        public var log: (@Sendable (String) -> Void)?

        /// Creates a configuration with the default limits, the system clock and hash-prefixed target names.
        /// - Parameters:
        ///   - metadataDirectory: The local metadata cache (an existing directory).
        ///   - metadataBaseURL: Where metadata is downloaded from.
        ///   - targetsBaseURL: Where targets are downloaded from.
        ///   - bootstrapRoot: A root to start from when the cache has none or an older one.
        public init(
            metadataDirectory: URL,
            metadataBaseURL: URL,
            targetsBaseURL: URL? = nil,
            bootstrapRoot: [UInt8]? = nil
        ) {
            self.metadataDirectory = metadataDirectory
            self.metadataBaseURL = metadataBaseURL
            self.targetsBaseURL = targetsBaseURL
            self.bootstrapRoot = bootstrapRoot
        }
    }

    /// The configuration this updater was created with.
    public nonisolated let configuration: Configuration
    private let fetcher: any Fetcher
    private let store: MetadataStore
    private var trusted: TrustedMetadataSet?

    /// Creates an updater. Nothing is read or fetched until ``refresh()``.
    /// - Parameters:
    ///   - configuration: Cache, mirror and policy.
    ///   - fetcher: How to download; ``HTTPFetcher`` by default, ``FileFetcher`` for `file://` mirrors.
    public init(configuration: Configuration, fetcher: any Fetcher = HTTPFetcher()) {
        self.configuration = configuration
        self.fetcher = fetcher
        self.store = MetadataStore(directory: configuration.metadataDirectory)
    }

    private func log(_ line: @autoclosure () -> String) {
        configuration.log?(line())
    }

    // MARK: Refresh

    /// Updates the top-level metadata from the repository (spec 5.1–5.6).
    ///
    /// On failure the cache keeps everything verified before the failing step (new roots, and a new timestamp when
    /// the snapshot fails, …) and nothing unverified, so the next refresh starts from a usable state.
    /// - Throws: ``TUFError`` naming the first check that failed.
    public func refresh() async throws {
        trusted = nil
        let now = configuration.now()
        var set = try loadTrustedRoot(now: now)
        try await updateRoot(&set)
        try set.checkFinalRoot()
        try await updateTimestamp(&set)
        try await updateSnapshot(&set)
        _ = try await loadTargets(
            TopLevelRole.targets,
            signers: set.root.signers(for: TopLevelRole.targets),
            delegator: TopLevelRole.root,
            in: &set
        )
        trusted = set
    }

    /// Trusts the cached metadata without any request, as go-tuf's local mode does: the cached (or bootstrap) root,
    /// timestamp, snapshot and targets must all verify and none may have expired at the clock's reading. After this,
    /// ``targetInfo(for:)`` answers from the cache for targets the top-level targets role lists.
    /// - Throws: ``TUFError`` when something is missing, does not verify or has expired; the cache is not changed
    ///   (except that a newer bootstrap root is stored, as ``refresh()`` would).
    public func loadCached() throws {
        trusted = nil
        let limits = configuration.limits
        var set = try loadTrustedRoot(now: configuration.now())
        try set.checkFinalRoot()
        guard let timestamp = store.read(TopLevelRole.timestamp, maxLength: limits.timestampMaxLength) else {
            throw TUFError(.notFound, "no cached timestamp.json")
        }
        _ = try set.updateTimestamp(timestamp)
        try set.checkFinalTimestamp()
        guard let snapshot = store.read(TopLevelRole.snapshot, maxLength: limits.snapshotMaxLength) else {
            throw TUFError(.notFound, "no cached snapshot.json")
        }
        try set.updateSnapshot(snapshot, trusted: true)
        try set.checkFinalSnapshot()
        guard let targets = store.read(TopLevelRole.targets, maxLength: limits.targetsMaxLength) else {
            throw TUFError(.notFound, "no cached targets.json")
        }
        _ = try set.updateTargets(
            targets, role: TopLevelRole.targets, signers: set.root.signers(for: TopLevelRole.targets), delegator: TopLevelRole.root)
        trusted = set
        log("the cached metadata is valid: no request needed")
    }

    private func loadTrustedRoot(now: Date) throws -> TrustedMetadataSet {
        let cached = store.read(TopLevelRole.root, maxLength: configuration.limits.rootMaxLength)
        var cachedSet: TrustedMetadataSet?
        var cachedError: (any Error)?
        if let cached {
            do { cachedSet = try TrustedMetadataSet(root: cached, now: now) } catch { cachedError = error }
        }
        if let bootstrap = configuration.bootstrapRoot {
            let bootstrapSet = try TrustedMetadataSet(root: bootstrap, now: now)
            if let cachedSet, cachedSet.root.header.version >= bootstrapSet.root.header.version { return cachedSet }
            log("using the bootstrap root (version \(bootstrapSet.root.header.version))")
            try store.write(TopLevelRole.root, bootstrap)
            return bootstrapSet
        }
        if let cachedSet { return cachedSet }
        if let error = cachedError as? TUFError { throw error.adding(context: "trusted root") }
        if let cachedError { throw cachedError }
        throw TUFError(
            .invalidConfiguration,
            "no trusted root: \(store.file(for: TopLevelRole.root).path) does not exist and no bootstrap root was given"
        )
    }

    /// Spec 5.3: fetch `N+1.root.json` until the mirror has none (403/404), verifying and storing each.
    private func updateRoot(_ set: inout TrustedMetadataSet) async throws {
        let first = set.root.header.version + 1
        for version in first..<(first + configuration.limits.maxRootRotations) {
            let bytes: [UInt8]
            do {
                bytes = try await fetch(
                    metadataURL("\(version).root.json"),
                    maxLength: configuration.limits.rootMaxLength
                )
            } catch let error as TUFError where error.code == .notFound {
                log("no root version \(version): root version \(version - 1) is the newest")
                return
            }
            try set.updateRoot(bytes, expectedVersion: version)
            try store.write(TopLevelRole.root, bytes)
            log("trusted root version \(version)")
        }
        log("stopped after \(configuration.limits.maxRootRotations) root rotations")
    }

    /// Spec 5.4: the cached timestamp (if it still verifies) is the rollback reference for the downloaded one.
    private func updateTimestamp(_ set: inout TrustedMetadataSet) async throws {
        if let cached = store.read(TopLevelRole.timestamp, maxLength: configuration.limits.timestampMaxLength) {
            do {
                _ = try set.updateTimestamp(cached)
            } catch {
                log("cached timestamp not usable as final: \(error)")
            }
        }
        let bytes = try await fetch(metadataURL("timestamp.json"), maxLength: configuration.limits.timestampMaxLength)
        switch try set.updateTimestamp(bytes) {
        case .unchanged:
            log("timestamp unchanged: keeping the cached one")
        case .updated:
            try store.write(TopLevelRole.timestamp, bytes)
            log("trusted timestamp version \(set.timestamp?.header.version ?? 0)")
        }
    }

    /// Spec 5.5: reuse the cached snapshot when it is the one the timestamp names, else download it; the cached one
    /// is the rollback reference either way.
    private func updateSnapshot(_ set: inout TrustedMetadataSet) async throws {
        try set.checkFinalTimestamp()
        if let cached = store.read(TopLevelRole.snapshot, maxLength: configuration.limits.snapshotMaxLength) {
            do {
                try set.updateSnapshot(cached, trusted: true)
                log("cached snapshot is current: not downloading")
                return
            } catch {
                log("cached snapshot not usable as final: \(error)")
            }
        }
        guard let meta = set.timestamp?.snapshotMeta else { throw TUFError(.repositoryError, "no trusted timestamp") }
        let name = set.root.consistentSnapshot ? "\(meta.version).snapshot.json" : "snapshot.json"
        let bytes = try await fetch(metadataURL(name), maxLength: meta.length ?? configuration.limits.snapshotMaxLength)
        try set.updateSnapshot(bytes, trusted: false)
        try store.write(TopLevelRole.snapshot, bytes)
        log("trusted snapshot version \(meta.version)")
    }

    /// Spec 5.6: targets metadata of `role`, from memory (re-verified against this delegator), from the cache when
    /// it is the version the snapshot names, or downloaded.
    private func loadTargets(
        _ role: String,
        signers: SignerSet,
        delegator: String,
        in set: inout TrustedMetadataSet
    ) async throws -> TargetsMetadata {
        if let loaded = try set.cachedTargets(role, signers: signers, delegator: delegator) { return loaded }
        if let cached = store.read(role, maxLength: configuration.limits.targetsMaxLength) {
            do {
                let metadata = try set.updateTargets(cached, role: role, signers: signers, delegator: delegator)
                log("cached \(role) is current: not downloading")
                return metadata
            } catch {
                log("cached \(role) not usable: \(error)")
            }
        }
        guard let snapshot = set.snapshot else { throw TUFError(.repositoryError, "no trusted snapshot") }
        guard let meta = snapshot.meta["\(role).json"] else {
            throw TUFError(
                .repositoryError,
                "role \"\(role)\" is delegated but snapshot.json version \(snapshot.header.version) does not list it"
            )
        }
        let quoted = TextEncoding.quote(role)
        let name = set.root.consistentSnapshot ? "\(meta.version).\(quoted).json" : "\(quoted).json"
        let bytes = try await fetch(metadataURL(name), maxLength: meta.length ?? configuration.limits.targetsMaxLength)
        let metadata = try set.updateTargets(bytes, role: role, signers: signers, delegator: delegator)
        try store.write(role, bytes)
        log("trusted \(role) version \(meta.version)")
        return metadata
    }

    // MARK: Targets

    /// The trusted description of target `path`, found by a pre-order depth-first search of the delegations (spec
    /// 5.6.7), or nil when no role that may list it does. Refreshes first if this updater has not refreshed yet.
    ///
    /// Delegated metadata is loaded lazily, only for roles whose `paths` or `path_hash_prefixes` cover `path`; a
    /// terminating delegation ends the search; at most ``Limits/maxDelegations`` roles are visited.
    /// - Parameter path: The target path (`trusted_root.json`).
    /// - Throws: ``TUFError`` when the refresh fails or metadata on the search path does not verify.
    public func targetInfo(for path: String) async throws -> TargetFile? {
        if trusted == nil { try await refresh() }
        guard var set = trusted else { throw TUFError(.repositoryError, "no trusted metadata") }
        defer { trusted = set }
        var stack: [(role: String, signers: SignerSet, delegator: String)] = [
            (TopLevelRole.targets, set.root.signers(for: TopLevelRole.targets), TopLevelRole.root)
        ]
        var visited = Set<String>()
        while let (role, signers, delegator) = stack.popLast() {
            if visited.contains(role) { continue }
            guard visited.count < configuration.limits.maxDelegations else {
                log("stopped searching for \(path) after \(visited.count) roles")
                break
            }
            let metadata = try await loadTargets(role, signers: signers, delegator: delegator, in: &set)
            if let target = metadata.targets[path] {
                log("found \(path) in \(role)")
                return target
            }
            visited.insert(role)
            guard let delegations = metadata.delegations else { continue }
            var children: [(role: String, signers: SignerSet, delegator: String)] = []
            for child in delegations.roles(for: path) {
                children.append((child.name, child.signers, role))
                if child.terminating {
                    stack.removeAll()
                    break
                }
            }
            stack.append(contentsOf: children.reversed())
        }
        return nil
    }

    /// The content of `target` stored at `file`, when the file exists and has the target's length and hashes.
    /// - Parameters:
    ///   - target: The trusted description, from ``targetInfo(for:)``.
    ///   - file: Where a previous ``download(target:to:)`` stored it.
    /// - Returns: The verified bytes, or nil when they have to be downloaded.
    public nonisolated func cachedTarget(_ target: TargetFile, at file: URL) -> [UInt8]? {
        guard let bytes = try? FileStore.read(file, maxLength: target.length) else { return nil }
        return (try? target.verify(bytes)) == nil ? nil : bytes
    }

    /// Downloads `target` (at most its length), checks its length and every hash, and stores it atomically at `file`.
    /// On consistent-snapshot repositories it is fetched as `<dir>/<hash>.<name>` unless
    /// ``Configuration/prefixTargetsWithHash`` is off.
    /// - Parameters:
    ///   - target: The trusted description, from ``targetInfo(for:)``.
    ///   - file: Where to store the content; an existing file is replaced only by verified content.
    /// - Returns: The verified bytes.
    /// - Throws: ``TUFError`` when the download or the verification fails; `file` is then left as it was.
    @discardableResult
    public func download(target: TargetFile, to file: URL) async throws -> [UInt8] {
        guard let base = configuration.targetsBaseURL else {
            throw TUFError(.invalidConfiguration, "no targets base url configured")
        }
        if trusted == nil { try await refresh() }
        var path = target.path
        if let set = trusted, set.root.consistentSnapshot, configuration.prefixTargetsWithHash,
            let (_, digest) = target.orderedHashes.first
        {
            let nameStart = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
            path = "\(path[..<nameStart])\(digest).\(path[nameStart...])"
        }
        let bytes = try await fetch(Self.url(base, TextEncoding.quotePath(path)), maxLength: target.length)
        try target.verify(bytes)
        try FileStore.writeAtomically(bytes, to: file)
        log("downloaded \(target.path) to \(file.path)")
        return bytes
    }

    // MARK: Fetching

    private func metadataURL(_ name: String) throws -> URL {
        try Self.url(configuration.metadataBaseURL, name)
    }

    private static func url(_ base: URL, _ relative: String) throws -> URL {
        var text = base.absoluteString
        if !text.hasSuffix("/") { text += "/" }
        guard let url = URL(string: text + relative) else {
            throw TUFError(.invalidConfiguration, "cannot form a url from \(text) and \(relative)")
        }
        return url
    }

    private func fetch(_ url: URL, maxLength: Int) async throws -> [UInt8] {
        log("fetching \(url.absoluteString) (at most \(maxLength) bytes)")
        return try await fetcher.fetch(url, maxLength: maxLength)
    }
}
