public import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import _SigstoreHTTP
import NIOSSL

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import SigstoreCore

/// A ``Fetcher`` over AsyncHTTPClient.
///
/// Only `200 OK` is a success; 403 and 404 are ``TUFErrorCode/notFound``. The body is read in chunks and the
/// request abandoned as soon as it passes `maxLength` (or when `Content-Length` already says it would), and each
/// request has a deadline, against endless-data and slow-retrieval attacks.
public struct HTTPFetcher: Fetcher {
    /// The client requests go through.
    public let client: HTTPClient
    /// The `User-Agent` header sent.
    public var userAgent: String
    /// The longest a whole request, body included, may take.
    public var timeout: Duration

    /// Creates a fetcher.
    /// - Parameters:
    ///   - client: The client to use. By default a process-wide client that needs no shutdown: it follows at most 5
    ///     redirects, does not decompress, and fails at once when a connection is refused (instead of retrying until
    ///     the deadline, as `HTTPClient.shared` does).
    ///   - userAgent: The `User-Agent` header to send.
    ///   - timeout: The deadline of each request.
    public init(client: HTTPClient? = nil, userAgent: String = "swift-cosign-tuf/1", timeout: Duration = .seconds(30)) {
        self.client = client ?? Self.defaultClient
        self.userAgent = userAgent
        self.timeout = timeout
    }

    /// Never shut down: it lives as long as the process, like `HTTPClient.shared`.
    private static let defaultClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: SystemTrust.environmentRoots.map { SystemTrust.applying($0, to: TLSConfiguration.makeClientConfiguration()) },
            redirectConfiguration: .follow(max: 5, allowCycles: false),
            timeout: .init(connect: .seconds(10), read: .seconds(30))
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// GETs `url`, reading at most `maxLength` bytes of the body before the deadline.
    public func fetch(_ url: URL, maxLength: Int) async throws -> [UInt8] {
        let address = url.absoluteString
        var request = HTTPClientRequest(url: address)
        request.headers.replaceOrAdd(name: "User-Agent", value: userAgent)
        let seconds = timeout.components.seconds
        let deadline = TimeAmount.seconds(seconds) + .nanoseconds(timeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await client.execute(request, timeout: deadline)
            switch response.status.code {
            case 200:
                break
            case 403, 404:
                throw TUFError(.notFound, "\(address): not found (http \(response.status.code))")
            default:
                throw TUFError(.downloadFailed, "\(address): http status \(response.status.code)")
            }
            if let declared = response.headers.first(name: "Content-Length").flatMap(Int.init), declared > maxLength {
                throw TUFError(.tooLarge, "\(address): content-length \(declared) is larger than \(maxLength) bytes")
            }
            var bytes: [UInt8] = []
            for try await chunk in response.body {
                guard bytes.count + chunk.readableBytes <= maxLength else {
                    throw TUFError(.tooLarge, "\(address): larger than \(maxLength) bytes")
                }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
            return bytes
        } catch let error as TUFError {
            throw error
        } catch {
            let reason = RetryingExchange.describe(error)
            throw TUFError(.downloadFailed, "\(address): \(reason)", underlying: error)
        }
    }
}
