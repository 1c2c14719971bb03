#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import SigstoreCore

/// Downloads metadata and targets for the ``Updater``.
///
/// Implementations must read at most `maxLength` bytes (an endless-data attack must not exhaust memory) and must
/// report failures as ``TUFError``: ``TUFErrorCode/notFound`` when the mirror says the file does not exist (HTTP 403
/// or 404, a missing file) — the root rotation walk stops there — ``TUFErrorCode/tooLarge`` when the content is
/// longer than `maxLength`, and ``TUFErrorCode/downloadFailed`` for anything else.
public protocol Fetcher: Sendable {
    /// The full content at `url`.
    /// - Parameters:
    ///   - url: What to download.
    ///   - maxLength: The most bytes accepted.
    /// - Returns: The bytes, at most `maxLength` of them.
    /// - Throws: ``TUFError`` with code ``TUFErrorCode/notFound``, ``TUFErrorCode/tooLarge`` or
    ///   ``TUFErrorCode/downloadFailed``.
    func fetch(_ url: URL, maxLength: Int) async throws -> [UInt8]
}

/// A ``Fetcher`` for `file://` mirrors (a repository on disk, laid out as it is served), reading at most
/// `maxLength` bytes of each file.
public struct FileFetcher: Fetcher {
    /// Creates a fetcher for `file://` URLs.
    public init() {}

    /// Reads the file `url` names, failing with ``TUFErrorCode/notFound`` when it does not exist and
    /// ``TUFErrorCode/tooLarge`` when it is longer than `maxLength`.
    public func fetch(_ url: URL, maxLength: Int) async throws -> [UInt8] {
        guard url.isFileURL else {
            throw TUFError(.invalidConfiguration, "\(url.absoluteString): FileFetcher reads file:// urls only")
        }
        let bytes: [UInt8]?
        do {
            bytes = try FileStore.read(url, maxLength: maxLength)
        } catch let error as TUFError where error.code == .tooLarge {
            throw TUFError(.tooLarge, "\(url.absoluteString): larger than \(maxLength) bytes")
        } catch {
            throw TUFError(.downloadFailed, "\(url.absoluteString): \(error)", underlying: error)
        }
        guard let bytes else { throw TUFError(.notFound, "\(url.absoluteString): not found") }
        return bytes
    }
}
