public import Foundation
import SigstoreJSON
internal import SigstoreCore

/// `sigstore-local rotate`: replaces one authority's key in a stopped instance and publishes the result.
///
/// The data directory must hold an instance a `serve` has run on, and no `serve` may hold it (``DataDirectoryLock``).
/// The authority's new generation is made and committed (``InstanceKeys/rotated(_:at:directory:)``); then the trust
/// files are rewritten for the URLs of the last `serve` (`services.json`), the retired key kept with `validFor.end`
/// set to the rotation time and the new one valid from then; then the TUF repository publishes a new targets version
/// (with snapshot and timestamp). The next `serve` finds everything published and adds no version.
public enum Rotation {
    /// What a rotation did.
    public struct Outcome: Sendable {
        /// The authority rotated.
        public var authority: InstanceKeys.Authority
        /// Its new generation.
        public var generation: Int
        /// When the old key stopped and the new one started being valid.
        public var at: Date
        /// The rewritten trusted root.
        public var trustedRoot: String
        /// The TUF targets version now published (nil when the instance has no TUF repository).
        public var tufTargetsVersion: Int?

        /// One JSON line: `{"authority","generation","validFrom","trustedRoot","tufTargetsVersion"}`.
        public var json: String {
            var members: [(String, OrderedJSON)] = [
                ("authority", .string(authority.rawValue)), ("generation", .number(Int64(generation))),
                ("validFrom", .string(rfc3339(at))), ("trustedRoot", .string(trustedRoot)),
            ]
            if let tufTargetsVersion { members.append(("tufTargetsVersion", .number(Int64(tufTargetsVersion)))) }
            return String(decoding: OrderedJSON.object(members).serialized(), as: UTF8.self)
        }
    }

    /// Rotates `authority`'s key in the instance at `dataDirectory` at `now`.
    /// - Throws: ``InstanceError``: `notADataDirectory` when the directory holds no instance a `serve` ran on,
    ///   `serverRunning` when a `serve` holds it; the directory is then unchanged.
    public static func rotate(
        _ authority: InstanceKeys.Authority, dataDirectory dir: String, now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> Outcome {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InstanceError(.notADataDirectory, "\(dir) does not exist: give the --data-dir of a sigstore-local instance")
        }
        let manifest = dir + "/keys/instance.json", servicesFile = dir + "/services.json"
        for path in [manifest, servicesFile] where !FileManager.default.fileExists(atPath: path) {
            throw InstanceError(
                .notADataDirectory,
                "\(dir) is not a sigstore-local data directory (no \(path)): run `sigstore-local serve --data-dir \(dir)` once first")
        }
        let lock = try DataDirectoryLock(directory: dir, purpose: "rotating keys (rotate works on a stopped instance)")
        defer { withExtendedLifetime(lock) {} }
        let urls = try Self.lastURLs(servicesFile)
        let remembered = try RememberedAddresses(directory: dir)
        let host = remembered.address ?? urls.values.first.flatMap { URL(string: $0)?.host } ?? "127.0.0.1"
        // Everything is read (and the TUF repository checked) before anything is written.
        let keys = try InstanceKeys.load(directory: dir)
        let repository = urls[.tuf] != nil ? try TrustRepository(dataDirectory: dir, now: now) : nil
        let rotated = try keys.rotated(authority, at: now(), directory: dir)
        let endpoints = try TrustFiles.write(keys: rotated, urls: urls, host: host, directory: dir)
        var version: Int?
        if let repository {
            try await repository.publish()
            version = await repository.version(of: "targets")
        }
        return Outcome(
            authority: authority, generation: rotated.generation(of: authority), at: rotated.validFrom(authority),
            trustedRoot: endpoints.trustedRoot, tufTargetsVersion: version)
    }

    /// The service URLs the last `serve` wrote (`services.json`).
    static func lastURLs(_ path: String) throws -> [LocalStack.Service: String] {
        guard let data = FileManager.default.contents(atPath: path), let json = try? JSONParser.parse(Array(data)), case .object = json
        else { throw InstanceError(.corrupt, "\(path) is malformed: not a json object") }
        var urls: [LocalStack.Service: String] = [:]
        for service in LocalStack.Service.allCases {
            if let url = json[service.rawValue]?.stringValue { urls[service] = url }
        }
        return urls
    }
}
