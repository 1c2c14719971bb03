import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SigstoreCore

/// Bounded reads and atomic writes of local files (metadata cache and downloaded targets).
enum FileStore {
    /// The contents of `file`, or nil when it does not exist.
    /// - Throws: ``TUFErrorCode/tooLarge`` when the file is longer than `maxLength`, ``TUFErrorCode/storageError``
    ///   when it cannot be read.
    static func read(_ file: URL, maxLength: Int) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: file)
        } catch {
            throw TUFError(.storageError, "cannot read \(file.path): \(error.localizedDescription)", underlying: error)
        }
        defer { try? handle.close() }
        let data: Data?
        do {
            data = try handle.read(upToCount: maxLength + 1)
        } catch {
            throw TUFError(.storageError, "cannot read \(file.path): \(error.localizedDescription)", underlying: error)
        }
        let bytes = data.map { Array($0) } ?? []
        guard bytes.count <= maxLength else {
            throw TUFError(.tooLarge, "\(file.path) is larger than \(maxLength) bytes")
        }
        return bytes
    }

    /// Writes `bytes` to `file` atomically: a temporary file in the same directory (whose name does not end in
    /// `.json`), flushed to disk, then renamed over `file`. Readers see the old or the new content, never a mix.
    static func writeAtomically(_ bytes: [UInt8], to file: URL) throws {
        let directory = file.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(UUID().uuidString).tmp")
        func failure(_ what: String) -> TUFError {
            TUFError(.storageError, "cannot write \(file.path): \(what) failed: \(String(cString: strerror(errno)))")
        }
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("open") }
        var written = 0
        let ok = bytes.withUnsafeBytes { buffer -> Bool in
            guard let base = buffer.baseAddress else { return true }
            while written < buffer.count {
                let result = write(descriptor, base + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += result
            }
            return true
        }
        guard ok, fsync(descriptor) == 0 else {
            let error = failure("write")
            close(descriptor)
            unlink(temporary.path)
            throw error
        }
        close(descriptor)
        guard rename(temporary.path, file.path) == 0 else {
            let error = failure("rename")
            unlink(temporary.path)
            throw error
        }
    }
}

/// The local metadata cache: one file per role under non-versioned names (`root.json`, `timestamp.json`,
/// `snapshot.json`, `targets.json`, and `<quoted role>.json` for delegated roles, quoted like Python's
/// `quote(name, safe="")` so no role name can leave the directory or collide with another).
struct MetadataStore: Sendable {
    let directory: URL

    func file(for role: String) -> URL {
        directory.appendingPathComponent("\(TextEncoding.quote(role)).json", isDirectory: false)
    }

    /// The stored bytes of `role`, nil when absent or unreadable (a cache problem makes the client download again).
    func read(_ role: String, maxLength: Int) -> [UInt8]? {
        try? FileStore.read(file(for: role), maxLength: maxLength)
    }

    /// Stores the exact bytes received for `role`, atomically.
    func write(_ role: String, _ bytes: [UInt8]) throws {
        try FileStore.writeAtomically(bytes, to: file(for: role))
    }
}
