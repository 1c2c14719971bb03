public import Foundation
import SigstoreCore
import SigstoreJSON

/// The targets of one TUF repository (Sigstore's `trusted_root.json` and `signing_config.v0.2.json`), verified through
/// TUF and cached in sigstore-go's layout (``CacheLayout``), so that Go cosign, sigstore-go and this client share one
/// cache (`~/.sigstore/root` by default).
///
/// Within ``cacheValidity`` after the last online refresh, a cache whose metadata all verifies and has not expired
/// answers with no request at all. Past it, the metadata is refreshed first (root rotation, timestamp, snapshot,
/// targets). When the mirror cannot be reached, a cache that still verifies is used and ``warn`` told.
public struct TUFClient: Sendable {
    /// How long after a refresh the cache is used without asking the mirror, unless configured otherwise (24 hours,
    /// as in sigstore-go).
    public static let defaultCacheValidity: Duration = .seconds(24 * 3600)

    /// Where the cache is, and for which mirror.
    public var layout: CacheLayout
    /// The root to start from (one embedded in the program), or nil for the `root.json` already in the cache.
    public var bootstrapRoot: [UInt8]?
    /// Use the cache only, never the network.
    public var offline = false
    /// How long after a refresh the cache is used without asking the mirror; zero refreshes on every call.
    public var cacheValidity = TUFClient.defaultCacheValidity
    /// Receives warnings (a refresh that failed while the cache is still valid).
    public var warn: @Sendable (String) -> Void = { _ in }
    /// The clock expiry is checked against.
    public var now: @Sendable () -> Date = { Date() }
    /// How metadata and targets are downloaded; nil for HTTP (``HTTPFetcher``), or the file system for `file://`
    /// mirrors.
    public var fetcher: (any Fetcher)?
    /// The User-Agent of HTTP requests.
    public var userAgent = "swift-cosign"

    /// A client for one of Sigstore's repositories, starting from the root this build embeds.
    /// - Parameters:
    ///   - repository: The public-good instance (the default) or staging.
    ///   - cacheRoot: The cache directory; by default `~/.sigstore/root`, the one Go cosign and sigstore-go use.
    public init(_ repository: SigstoreRepository = .publicGood, cacheRoot: String? = nil) {
        self.init(mirror: repository.mirror, root: repository.embeddedRoot, cacheRoot: cacheRoot)
    }

    /// A client for any TUF repository that serves Sigstore's targets (a private deployment, sigstore-local's).
    /// - Parameters:
    ///   - mirror: The repository's URL (`https://…` or `file:///…`).
    ///   - root: Its initial `root.json`, obtained out of band; nil to start from the cache's.
    ///   - cacheRoot: The cache directory; by default `~/.sigstore/root`.
    public init(mirror: String, root: [UInt8]?, cacheRoot: String? = nil) {
        layout = CacheLayout(root: cacheRoot ?? Self.defaultCacheRoot, mirror: mirror)
        bootstrapRoot = root
    }

    /// `~/.sigstore/root`.
    public static var defaultCacheRoot: String { "\(NSHomeDirectory())/.sigstore/root" }

    /// The verified content of target `name`: from a valid cache without any request, else after refreshing the
    /// metadata and downloading it.
    /// - Throws: ``TUFError``: the repository cannot be reached and no valid cache exists, metadata does not verify,
    ///   or the repository has no such target.
    public func target(_ name: String) async throws -> [UInt8] {
        try FileSystem.makeDirectory(layout.targetsDirectory, mode: 0o700)
        let updater = try makeUpdater()
        let file = URL(fileURLWithPath: layout.targetFile(name))
        // Within the validity (or offline), a cache that verifies answers with no request (go-tuf's local mode).
        if offline || isFresh, let bytes = await cached(name, updater: updater, file: file) { return bytes }
        guard !offline else {
            throw TUFError(.notFound, "the cache in \(layout.metadataDirectory) holds no valid, unexpired \(name) and the client is offline")
        }
        do {
            try await updater.refresh()
        } catch let error as TUFError where error.code == .downloadFailed {
            // The mirror cannot be reached: a cache that still verifies is good until its metadata expires.
            guard let bytes = await cached(name, updater: updater, file: file) else { throw error }
            warn("could not refresh the TUF metadata from \(layout.mirror) (\(error.message)); using the cached \(name)")
            return bytes
        }
        try recordRefresh()
        guard let info = try await updater.targetInfo(for: name) else {
            throw TUFError(.targetNotFound, "the repository has no target \(name)")
        }
        if let bytes = updater.cachedTarget(info, at: file) { return bytes }
        return try await updater.download(target: info, to: file)
    }

    /// The target from a cache that verifies with no request, or nil.
    private func cached(_ name: String, updater: Updater, file: URL) async -> [UInt8]? {
        guard (try? await updater.loadCached()) != nil, let info = try? await updater.targetInfo(for: name) else { return nil }
        return updater.cachedTarget(info, at: file)
    }

    /// Whether the last online refresh (sigstore-go's record) is within the cache validity.
    public var isFresh: Bool {
        guard cacheValidity > .zero, let bytes = try? FileSystem.readFile(layout.lastRefreshFile, limit: 4096) else { return false }
        struct Record: Decodable { var lastTimestamp: String }
        guard let record = try? JSONCoding.decode(Record.self, from: bytes, what: "last refresh"),
            let last = (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(record.lastTimestamp))
                ?? (try? Date.ISO8601FormatStyle().parse(record.lastTimestamp))
        else { return false }
        let age = now().timeIntervalSince(last)
        return age >= 0 && age < Double(cacheValidity.components.seconds)
    }

    private func makeUpdater() throws -> Updater {
        guard let base = URL(string: layout.mirror), base.scheme != nil else {
            throw TUFError(.invalidConfiguration, "the TUF mirror \(layout.mirror) is not a URL")
        }
        var configuration = Updater.Configuration(
            metadataDirectory: URL(fileURLWithPath: layout.metadataDirectory), metadataBaseURL: base,
            targetsBaseURL: base.appendingPathComponent("targets"), bootstrapRoot: bootstrapRoot)
        configuration.now = now
        let fetcher: any Fetcher = fetcher ?? (base.isFileURL ? FileFetcher() : HTTPFetcher(userAgent: userAgent))
        return Updater(configuration: configuration, fetcher: fetcher)
    }

    /// sigstore-go's `<cache>/<URLToPath(mirror)>.json` after an online refresh.
    private func recordRefresh() throws {
        let stamp = OrderedJSON.object([("lastTimestamp", .string(now().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))))])
        try FileSystem.writeAtomically(stamp.serialized(), to: layout.lastRefreshFile, mode: 0o600)
    }
}
