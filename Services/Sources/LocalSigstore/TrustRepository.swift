public import Foundation
internal import Crypto
internal import HTTPTypes
public import Hummingbird
internal import NIOCore
internal import SigstoreCore
public import SigstoreTUF
import SigstoreJSON

/// The instance's TUF repository, laid out as Sigstore's CDN serves one: `DATA/tuf/repository/` holds `N.root.json`,
/// `timestamp.json`, `V.snapshot.json`, `V.targets.json` and `targets/<sha256>.<name>`, with two targets,
/// `trusted_root.json` and `signing_config.v0.2.json` (the bytes of the data directory's `trusted_root.json` and
/// `signing_config.json`). `DATA/tuf/root.json` is a copy of the newest root, for clients to bootstrap from.
///
/// The keys (`keys/tuf-root.key.pem`, `keys/tuf-targets.key.pem` and the online `keys/tuf-online.key.pem` that signs
/// snapshot and timestamp; P-256, mode 0600) are made with the repository. ``publish()`` publishes only what is due:
/// new targets (with snapshot and timestamp) when a trust file changed, a new timestamp when it is half expired, and
/// nothing otherwise, so a restart adds no versions.
public actor TrustRepository {
    /// The targets, by target name, and the data directory file each is read from.
    public static let targets = [("trusted_root.json", "trusted_root.json"), ("signing_config.v0.2.json", "signing_config.json")]

    /// How long new versions are valid: the timestamp a day (re-signed when half of it is left), the rest a year.
    public static var validity: RepositoryWriter.ValidityPeriods {
        var periods = RepositoryWriter.ValidityPeriods()
        periods.root = .seconds(365 * 86_400)
        periods.targets = .seconds(365 * 86_400)
        periods.snapshot = .seconds(365 * 86_400)
        periods.timestamp = .seconds(86_400)
        return periods
    }

    /// The served directory (`DATA/tuf/repository`).
    public nonisolated let repositoryDirectory: String
    /// The newest root, for clients to start from (`DATA/tuf/root.json`).
    public nonisolated let rootFile: String
    private let dataDirectory: String
    private var writer: RepositoryWriter

    /// Opens the repository of `dataDirectory`, creating its keys and directory when there are none, or resuming the
    /// one written before.
    /// - Parameter now: The clock that dates new versions.
    public init(dataDirectory: String, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.dataDirectory = dataDirectory
        repositoryDirectory = dataDirectory + "/tuf/repository"
        rootFile = dataDirectory + "/tuf/root.json"
        let keys = try Self.loadOrCreateKeys(dataDirectory + "/keys")
        let directory = URL(fileURLWithPath: repositoryDirectory, isDirectory: true)
        do {
            if FileManager.default.fileExists(atPath: repositoryDirectory + "/1.root.json") {
                writer = try RepositoryWriter(resuming: directory, keys: keys, now: now)
            } else {
                writer = try RepositoryWriter(directory: directory, keys: keys, now: now)
            }
        } catch let error as TUFError {
            throw InstanceError(.repository, "the tuf repository in \(repositoryDirectory) cannot be continued: \(error.message)")
        }
        writer.validity = Self.validity
    }

    /// Publishes what is due (see the type's description) from the trust files now in the data directory, and keeps
    /// ``rootFile`` equal to the newest root.
    /// - Returns: The roles given a new version; empty when nothing was due.
    @discardableResult
    public func publish() throws -> [String] {
        for (name, file) in Self.targets {
            let path = dataDirectory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else {
                throw InstanceError(.repository, "cannot read \(path), a target of the tuf repository")
            }
            writer.setTarget(name, content: Array(data))
        }
        let published: [String]
        do {
            published = try writer.publishChanges()
        } catch let error as TUFError {
            throw InstanceError(.repository, "cannot publish the tuf repository in \(repositoryDirectory): \(error.message)")
        }
        if let root = writer.rootDocument, FileManager.default.contents(atPath: rootFile).map(Array.init) != root {
            try writeAtomically(rootFile, root, mode: 0o644)
        }
        return published
    }

    /// The version last published of `role` (`root`, `timestamp`, `snapshot`, `targets`).
    public func version(of role: String) -> Int? { writer.version(of: role) }

    /// When something becomes due without changes (the timestamp, usually).
    public var nextRefresh: Date? { writer.nextRefresh }

    /// Publishes whenever something becomes due, until cancelled; `log` hears of each publication and failure (a
    /// failure is retried a minute later).
    public func keepFresh(now: @escaping @Sendable () -> Date, log: @escaping @Sendable (String) -> Void) async {
        while !Task.isCancelled {
            let wait = nextRefresh.map { $0.timeIntervalSince(now()) } ?? 3600
            // At most an hour between checks, so a clock that jumps is noticed; at least a second.
            let seconds = min(max(wait, 1), 3600)
            do {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            } catch {
                return
            }
            do {
                let roles = try publish()
                if !roles.isEmpty { log("published \(roles.joined(separator: ", "))") }
            } catch {
                log("publishing failed: \(error)")
                try? await Task.sleep(for: .seconds(60))
            }
        }
    }

    // MARK: - Keys

    private static func loadOrCreateKeys(_ keys: String) throws -> RepositoryWriter.TopLevelKeys {
        do {
            try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw InstanceError(.storage, "cannot create \(keys): \(error.localizedDescription)")
        }
        func key(_ name: String) throws -> RepositoryKey {
            let path = keys + "/" + name
            if let data = FileManager.default.contents(atPath: path) {
                guard let key = try? P256.Signing.PrivateKey(pemRepresentation: String(decoding: data, as: UTF8.self)) else {
                    throw InstanceError(.corrupt, "\(path) is not a P-256 private key")
                }
                return RepositoryKey(key)
            }
            let key = P256.Signing.PrivateKey()
            try InstanceKeys.writeSecret(path, key.pemRepresentation)
            return RepositoryKey(key)
        }
        let online = try key("tuf-online.key.pem")
        return .init(
            root: .init([try key("tuf-root.key.pem")]), timestamp: .init([online]), snapshot: .init([online]),
            targets: .init([try key("tuf-targets.key.pem")]))
    }

    // MARK: - Serving

    /// Serves `directory` as Sigstore's CDN does: metadata at `/<N>.root.json`, `/timestamp.json`,
    /// `/<V>.snapshot.json`, `/<V>.targets.json`, targets at `/targets/<sha256>.<name>`; anything else is a 404.
    public static func register(serving directory: String, on router: some RouterMethods<BasicRequestContext>) {
        let group = router.group().add(middleware: JSONErrorMiddleware<BasicRequestContext>(style: .rekor))
        group.get("/healthz") { _, _ in Response.json(.object([("status", .string("ok"))])) }
        group.get("/targets/:file") { _, context in
            let name = context.parameters.get("file") ?? ""
            guard isTargetFileName(name) else { throw ServiceError(.notFound, "no target \(name)") }
            return try file(directory + "/targets/" + name, name: name, contentType: "application/octet-stream")
        }
        group.get("/:file") { _, context in
            let name = context.parameters.get("file") ?? ""
            guard isMetadataFileName(name) else { throw ServiceError(.notFound, "no metadata \(name)") }
            return try file(directory + "/" + name, name: name, contentType: "application/json")
        }
    }

    /// `N.root.json`, `timestamp.json`, `V.snapshot.json` or `V.targets.json`.
    static func isMetadataFileName(_ name: String) -> Bool {
        if name == "timestamp.json" { return true }
        for role in ["root", "snapshot", "targets"] where name.hasSuffix(".\(role).json") {
            let version = name.dropLast(role.count + 6)
            return !version.isEmpty && version.count <= 18 && version.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return false
    }

    /// `<64 hex>.<name>` with a plain file name.
    static func isTargetFileName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return false }
        return parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    private static func file(_ path: String, name: String, contentType: String) throws -> Response {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)), data.count <= 16 << 20 else {
            throw ServiceError(.notFound, "no file \(name)")
        }
        return Response(
            status: .ok, headers: [.contentType: contentType, .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
