import Crypto
import Foundation
import Synchronization
@testable import SigstoreTUF

/// A fetcher that records every URL it is asked for, then delegates.
final class RecordingFetcher: Fetcher {
    let base: any Fetcher
    private let log = Mutex<[String]>([])

    init(_ base: any Fetcher) { self.base = base }

    var requests: [String] { log.withLock { $0 } }

    /// The last path components requested (`timestamp.json`, `165.snapshot.json`).
    var requestedNames: [String] { requests.map { $0.split(separator: "/").last.map(String.init) ?? $0 } }

    func reset() { log.withLock { $0.removeAll() } }

    func fetch(_ url: URL, maxLength: Int) async throws -> [UInt8] {
        log.withLock { $0.append(url.absoluteString) }
        return try await base.fetch(url, maxLength: maxLength)
    }
}

/// A mirror that answers every request with an HTML page (a captive portal).
struct HTMLFetcher: Fetcher {
    func fetch(_ url: URL, maxLength: Int) async throws -> [UInt8] {
        Array("<!DOCTYPE html><html><body>Please log in</body></html>".utf8.prefix(maxLength))
    }
}

/// A fresh temporary directory, removed when the returned handle is released.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tuf-tests-\(UUID().uuidString)",
            isDirectory: true
        )
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func subdirectory(_ name: String) throws -> URL {
        let sub = url.appendingPathComponent(name, isDirectory: true)
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        return sub
    }
}

enum Files {
    /// Every regular file under `directory` (relative path → bytes), to compare cache states.
    static func snapshot(_ directory: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            return out
        }
        for case let file as URL in walker {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue
            else {
                continue
            }
            let relative = String(file.path.dropFirst(directory.path.count))
            out[relative] = try? Data(contentsOf: file)
        }
        return out
    }

    /// Copies `source` to `destination` and makes the copy writable (the vectors are read-only).
    static func writableCopy(of source: URL, to destination: URL) throws {
        try FileManager.default.copyItem(at: source, to: destination)
        guard let walker = FileManager.default.enumerator(at: destination, includingPropertiesForKeys: nil) else {
            return
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: destination.path)
        for case let file as URL in walker {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        }
    }

    /// The `signed.version` of the metadata file `file`, nil when absent.
    static func version(_ file: URL) -> Int? {
        guard let data = try? Data(contentsOf: file),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let signed = object["signed"] as? [String: Any]
        else { return nil }
        return signed["version"] as? Int
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

extension URL {
    /// This directory URL with a trailing slash (so relative names append below it).
    var asDirectory: URL {
        absoluteString.hasSuffix("/") ? self : URL(string: absoluteString + "/") ?? self
    }
}
