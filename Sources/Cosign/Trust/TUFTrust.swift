public import Foundation
import SigstoreCore
import SigstoreCrypto
import SigstoreJSON
public import SigstoreTUF

/// Sigstore's trust material over TUF, as Go cosign v3 gets it when no `--trusted-root` or `--signing-config` is
/// given: the public-good repository (or the mirror `cosign initialize` chose, or `TUF_MIRROR`), cached in `TUF_ROOT`
/// (default `~/.sigstore/root`) in sigstore-go's layout so that both share the cache.
///
/// Within the cache validity (`TUF_CACHE_VALIDITY`, a Go duration, 24h by default) after the last refresh, a cache
/// whose metadata all verifies and has not expired is used with no request at all. Past it, the metadata is refreshed
/// from the mirror first (the TUF workflow: root rotation, timestamp, snapshot, targets), so a new trusted root reaches
/// clients within the validity without `cosign initialize`; `TUF_CACHE_VALIDITY=0` refreshes on every command, as Go
/// cosign does. When the mirror cannot be reached, a still-valid cache is used with a warning.
public struct TUFTrust: Sendable {
    /// How long after a refresh the cache is used without asking the mirror, unless `TUF_CACHE_VALIDITY` says otherwise.
    public static let defaultCacheValidity = TUFClient.defaultCacheValidity
    /// Where the cache is, and for which mirror.
    public var layout: CacheLayout
    /// The root to start from: the embedded one for Sigstore's repositories, `TUF_ROOT_JSON`, or nil for the cached
    /// `root.json`.
    public var bootstrapRoot: [UInt8]?
    /// Use the cache only, never the network (`--offline`).
    public var offline = false
    /// How long after a refresh the cache is used without asking the mirror.
    public var cacheValidity = TUFTrust.defaultCacheValidity
    /// Receives warnings (a refresh that failed while the cache is still valid).
    public var warn: @Sendable (String) -> Void = { _ in }
    /// The clock expiry is checked against.
    public var now: @Sendable () -> Date
    /// How metadata and targets are downloaded; by default HTTP, or the file system for `file://` mirrors.
    public var fetcher: (any Fetcher)?

    /// The trust `environment` describes, as Go cosign's `setTUFOpts` reads it: `TUF_ROOT`, then `TUF_MIRROR` or the
    /// `remote.json` left by `cosign initialize`, then the root (embedded for Sigstore's own repositories,
    /// `TUF_ROOT_JSON`, or the cached `root.json`).
    public init(environment: [String: String], offline: Bool = false, now: @escaping @Sendable () -> Date = { Date() }) throws {
        let cacheRoot = Self.cacheRoot(environment)
        var mirror = SigstoreRepository.publicGood.mirror
        if let override = environment["TUF_MIRROR"], !override.isEmpty {
            mirror = override
        } else if let remote = try? FileSystem.readFile(CacheLayout(root: cacheRoot, mirror: "").remoteFile, limit: 1 << 16) {
            struct Remote: Decodable { var mirror: String? }
            guard let decoded = try? JSONCoding.decode(Remote.self, from: remote, what: "remote.json") else {
                throw CosignError(.invalidInput, "\(cacheRoot)/remote.json is not the JSON cosign initialize writes: run cosign initialize again")
            }
            if let chosen = decoded.mirror, !chosen.isEmpty { mirror = chosen }
        }
        layout = CacheLayout(root: cacheRoot, mirror: mirror)
        if let repository = SigstoreRepository(mirror: mirror) {
            bootstrapRoot = repository.embeddedRoot
        } else if let path = environment["TUF_ROOT_JSON"], !path.isEmpty {
            bootstrapRoot = try FileSystem.readFile(path, limit: 512_000)
        } else {
            bootstrapRoot = nil
            guard FileSystem.exists("\(layout.metadataDirectory)/root.json") else {
                throw CosignError(
                    .invalidInput,
                    "no trusted root.json for the TUF mirror \(mirror): run cosign initialize --mirror \(mirror) --root ROOT.json, or pass --trusted-root")
            }
        }
        if let text = environment["TUF_CACHE_VALIDITY"], !text.isEmpty {
            guard let validity = GoDuration.parse(text) else {
                throw CosignError(.invalidInput, "TUF_CACHE_VALIDITY \"\(text)\" is not a duration such as 24h, 30m or 0")
            }
            cacheValidity = validity
        }
        self.offline = offline
        self.now = now
    }

    /// The cache root `environment` names: `TUF_ROOT`, else `$HOME/.sigstore/root`.
    public static func cacheRoot(_ environment: [String: String]) -> String {
        if let root = environment["TUF_ROOT"], !root.isEmpty { return root }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return "\(home)/.sigstore/root"
    }

    /// The verified content of target `name` (`trusted_root.json`, `signing_config.v0.2.json`): from a valid cache
    /// without any request, else after refreshing the metadata and downloading it.
    /// - Throws: ``CosignError`` with one line that names the mirror and the ways out.
    public func target(_ name: String) async throws -> [UInt8] {
        do {
            return try await fetchTarget(name)
        } catch let error as any ReportableError {
            throw CosignError(
                .invalidInput,
                "getting \(name) from the TUF repository at \(layout.mirror): \(error.message) (pass --trusted-root and --signing-config, or run cosign initialize --mirror URL --root FILE)",
                underlying: error)
        }
    }

    private func fetchTarget(_ name: String) async throws -> [UInt8] {
        var client = TUFClient(mirror: layout.mirror, root: bootstrapRoot, cacheRoot: layout.root)
        client.offline = offline
        client.cacheValidity = cacheValidity
        client.warn = warn
        client.now = now
        client.fetcher = fetcher
        client.userAgent = "swift-cosign/\(BuildInfo.version)"
        do {
            return try await client.target(name)
        } catch let error as TUFError where offline && error.code == .notFound {
            throw TUFError(.notFound, "the cache in \(layout.metadataDirectory) holds no valid, unexpired \(name) and --offline forbids a refresh")
        }
    }
}
