import Crypto
public import Foundation
import SigstoreCore
import SigstoreCrypto
public import SigstoreTUF

extension TUFTrust {
    /// What `cosign initialize` is given.
    public struct InitializeOptions: Sendable {
        /// `--mirror`: an HTTP(S) URL or `file:///DIR` (air-gap); the public-good CDN by default.
        public var mirror: String?
        /// `--root`: the initial root.json (a file or an HTTP(S) URL); embedded for Sigstore's repositories.
        public var root: String?
        /// `--root-checksum`: `[sha256:|sha512:]<hex>` of the root.
        public var rootChecksum: String?
        /// `--staging`: Sigstore's staging repository with its embedded root.
        public var staging = false
        /// Options for the public-good repository.
        public init() {}
    }

    /// `cosign initialize`: replaces the cache with a fresh one for the mirror, as Go cosign does (`remote.json`,
    /// then the metadata, `signing_config.v0.2.json` and `trusted_root.json`). The new cache is built beside the old
    /// one and swapped in only when complete: any failure leaves the old cache as it was.
    public static func initialize(
        _ options: InitializeOptions, environment: [String: String], now: @escaping @Sendable () -> Date = { Date() },
        fetcher: (any Fetcher)? = nil, console: Console
    ) async throws {
        let mirror = options.staging ? SigstoreRepository.staging.mirror : (options.mirror ?? SigstoreRepository.publicGood.mirror)
        let root: [UInt8]
        if let reference = options.root, !reference.isEmpty {
            root = try await loadRoot(reference, checksum: options.rootChecksum, console: console)
        } else if let repository = SigstoreRepository(mirror: mirror) {
            root = repository.embeddedRoot
        } else {
            throw CosignError(.invalidInput, "the TUF mirror \(mirror) is not one of Sigstore's: pass its initial root with --root (and --root-checksum)")
        }
        let cacheRoot = cacheRoot(environment)
        let staging = "\(cacheRoot).initialize-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: staging) }
        var trust = TUFTrust(layout: CacheLayout(root: staging, mirror: mirror), bootstrapRoot: root, now: now, fetcher: fetcher)
        trust.offline = false
        try FileSystem.makeDirectory(staging, mode: 0o700)
        let remote = try JSONEncoder().encode(["mirror": mirror])
        try FileSystem.writeAtomically(Array(remote), to: trust.layout.remoteFile, mode: 0o600)
        _ = try await trust.target("trusted_root.json")
        do {
            _ = try await trust.target("signing_config.v0.2.json")
        } catch let error as CosignError {
            console.warn(
                "Could not fetch signing_config.v0.2.json from the TUF mirror (encountered error: \(error.message)). It is recommended to use a signing config file rather than provide service URLs when signing.")
        }
        try swapDirectory(staging, into: cacheRoot)
    }

    /// Replaces `destination` with `source` (the old one is removed only after the new one is in place).
    private static func swapDirectory(_ source: String, into destination: String) throws {
        let manager = FileManager.default
        let parent = (destination as NSString).deletingLastPathComponent
        if !parent.isEmpty { try FileSystem.makeDirectory(parent) }
        let old = "\(destination).old-\(UUID().uuidString)"
        do {
            if manager.fileExists(atPath: destination) { try manager.moveItem(atPath: destination, toPath: old) }
            try manager.moveItem(atPath: source, toPath: destination)
        } catch {
            if manager.fileExists(atPath: old) && !manager.fileExists(atPath: destination) { try? manager.moveItem(atPath: old, toPath: destination) }
            throw CosignError(.io, "replacing the TUF cache \(destination): \(error)", underlying: error)
        }
        try? manager.removeItem(atPath: old)
    }

    /// The initial root: a file, or an HTTP(S) URL (cosign's deprecation warning when no checksum is given), checked
    /// against `checksum` (`[sha256:|sha512:]<hex>`, as cosign's `LoadFileOrURLWithChecksum` reads it).
    static func loadRoot(_ reference: String, checksum: String?, console: Console) async throws -> [UInt8] {
        let bytes: [UInt8]
        if reference.hasPrefix("http://") || reference.hasPrefix("https://") {
            if (checksum ?? "").isEmpty {
                console.info(
                    "WARNING: Fetching initial root from URL without providing its checksum is deprecated and will be disallowed in a future Cosign release. Please provide the initial root checksum via the --root-checksum argument.")
            }
            guard let url = URL(string: reference) else { throw CosignError(.invalidInput, "--root \(reference) is not a URL") }
            do {
                bytes = try await HTTPFetcher().fetch(url, maxLength: 512_000)
            } catch let error as any ReportableError {
                throw CosignError(.invalidInput, "fetching the initial root \(reference): \(error.message)", underlying: error)
            }
        } else {
            bytes = try FileSystem.readFile(reference, limit: 512_000)
        }
        guard let checksum, !checksum.isEmpty else { return bytes }
        let parts = checksum.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw CosignError(.invalidInput, "wrong checksum input format, must have at most 1 colon: \(checksum)")
        }
        let algorithm = parts.count == 2 ? String(parts[0]) : "sha256"
        let expected = String(parts[parts.count - 1]).lowercased()
        let actual: String
        switch algorithm {
        case "sha256": actual = Hex.encode(Array(SHA256.hash(data: bytes)))
        case "sha512": actual = Hex.encode(Array(SHA512.hash(data: bytes)))
        default: throw CosignError(.invalidInput, "unsupported checksum algorithm: \(algorithm)")
        }
        guard actual == expected else {
            throw CosignError(.invalidInput, "incorrect checksum for file \(reference): expected \(expected) but got \(actual)")
        }
        return bytes
    }

    /// A trust over `layout` (for `initialize`).
    init(layout: CacheLayout, bootstrapRoot: [UInt8]?, now: @escaping @Sendable () -> Date, fetcher: (any Fetcher)?) {
        self.layout = layout
        self.bootstrapRoot = bootstrapRoot
        self.now = now
        self.fetcher = fetcher
    }
}
