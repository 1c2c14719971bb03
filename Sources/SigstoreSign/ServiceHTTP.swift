internal import Foundation
internal import AsyncHTTPClient
internal import NIOCore
internal import NIOHTTP1
internal import NIOSSL
internal import Synchronization
import _SigstoreHTTP
import SigstoreCore

/// The HTTP client the signing services share: one connection pool, bounded bodies, retries with exponential backoff
/// on connection failures, 429 and 5xx, and a count of the requests sent.
public final class ServiceHTTP: Sendable {
    /// Retry and timeout settings.
    public struct Configuration: Sendable {
        /// Attempts per request, including the first.
        public var maxAttempts = 3
        /// First backoff delay; doubles each retry, with jitter.
        public var baseDelay: Duration = .milliseconds(250)
        /// Longest wait between attempts.
        public var maxDelay: Duration = .seconds(5)
        /// Per-request timeout (cosign's `--timeout` default is 3 minutes).
        public var timeout: Duration = .seconds(180)
        /// How long to keep trying to connect.
        public var connectTimeout: Duration = .seconds(5)
        /// `User-Agent` header.
        public var userAgent = "swift-cosign"
        /// Extra trusted CA certificates (PEM), and a client certificate (PEM, leaf first) with its private key (PEM)
        /// for servers that ask for one (cosign's `--timestamp-client-cacert`, `-cert`, `-key`).
        public var caCertificatesPEM: String?, clientCertificatePEM: String?, clientKeyPEM: String?
        /// Skips verifying the server's certificate (`AWS_TLS_INSECURE_SKIP_VERIFY=1`, `VAULT_SKIP_VERIFY`): only for
        /// test servers, as the providers' own clients allow.
        public var insecureSkipVerify = false
        /// The name the server's certificate is checked against, and sent as SNI, when it is not the host connected to
        /// (`--timestamp-server-name`, Go's `tls.Config.ServerName`).
        public var serverName: String?
        /// The CA bundle that replaces the system's (a PEM file, or a directory of them), as Go's `crypto/x509` reads
        /// `SSL_CERT_FILE` and `SSL_CERT_DIR`: a private Sigstore behind a private CA is trusted the same way for Go
        /// cosign and for this one. Defaults to those variables of the process.
        public var systemTrustRoots: String? = SystemTrust.environmentRoots
        /// Creates the defaults.
        public init() {}
    }

    /// An HTTP response.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// Header values by lowercased name (first value).
        public var headers: [String: String]
        /// The body.
        public var body: [UInt8]
    }

    private let http: HTTPClient
    /// The settings.
    public let configuration: Configuration
    private let counter = Atomic<Int>(0)
    private let isShutDown = Atomic<Bool>(false)

    /// Creates a client; call ``shutdown()`` when done.
    /// - Throws: ``SigningError`` when the configuration's certificates or key do not parse.
    public convenience init(tls configuration: Configuration) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let pem = configuration.caCertificatesPEM {
                tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))]
            }
            if let certificates = configuration.clientCertificatePEM, let key = configuration.clientKeyPEM {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificates.utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
            }
        } catch {
            throw SigningError(.configuration, "reading the TLS certificates and key: \(error)")
        }
        if configuration.insecureSkipVerify { tls.certificateVerification = .none }
        self.init(configuration: configuration, tls: tls)
    }

    /// Creates a client; call ``shutdown()`` when done.
    public convenience init(configuration: Configuration = .init()) {
        self.init(configuration: configuration, tls: nil)
    }

    private init(configuration: Configuration, tls: TLSConfiguration?) {
        var tls = tls
        if let roots = configuration.systemTrustRoots {
            tls = SystemTrust.applying(roots, to: tls ?? TLSConfiguration.makeClientConfiguration())
        }
        var config = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .follow(max: 5, allowCycles: false))
        config.timeout.connect = .milliseconds(Int64(configuration.connectTimeout.components.seconds * 1000))
        config.decompression = .disabled
        // A refused connection fails at once; `send` retries with its own backoff instead of the pool retrying until
        // the connect timeout.
        config.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        serverNames = configuration.serverName.map { ServerNameRouter(serverName: $0, configuration: config) }
        self.configuration = configuration
    }

    /// Routes requests when ``Configuration/serverName`` is set.
    private let serverNames: ServerNameRouter?

    deinit {
        guard !isShutDown.exchange(true, ordering: .relaxed) else { return }
        let clients = [http] + (serverNames?.clients ?? [])
        Task { for client in clients { try? await client.shutdown() } }
    }

    /// Closes connections.
    public func shutdown() async {
        guard !isShutDown.exchange(true, ordering: .relaxed) else { return }
        await serverNames?.shutdown()
        try? await http.shutdown()
    }

    /// How many HTTP requests were sent (retries included).
    public var requestCount: Int { counter.load(ordering: .relaxed) }

    /// Sends a request. Connection failures, 429 and 5xx (other than 501) are retried; the last response or error is
    /// returned. `service` names the service in transport errors (e.g. "Fulcio").
    public func send(
        _ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, maxBody: Int = 4 << 20,
        service: String, retry: Bool = true
    ) async throws -> Response {
        var policy = RetryPolicy(maxAttempts: configuration.maxAttempts, baseDelay: configuration.baseDelay, maxDelay: configuration.maxDelay)
        if !retry { policy.maxAttempts = 1 }
        do {
            let (client, routed) = serverNames?.route(url, fallback: http) ?? (http, url)
            let response = try await RetryingExchange.run(
                on: client, policy: policy, timeout: configuration.timeout, maxBody: maxBody, onAttempt: { counter.add(1, ordering: .relaxed) }
            ) {
                var request = HTTPClientRequest(url: routed)
                request.method = HTTPMethod(rawValue: method)
                request.headers.add(name: "User-Agent", value: configuration.userAgent)
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                if let body {
                    request.body = .bytes(ByteBuffer(bytes: body))
                    request.headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
                }
                return request
            }
            var map: [String: String] = [:]
            for header in response.headers where map[header.name.lowercased()] == nil { map[header.name.lowercased()] = header.value }
            return Response(status: response.status, headers: map, body: response.body)
        } catch ExchangeFailure.tooLarge(let limit, let error) {
            throw SigningError(.transport, "\(service): the response from \(Self.redact(url)) is larger than \(limit) bytes: \(error)", underlying: error)
        } catch ExchangeFailure.transport(let attempts, let error) {
            throw SigningError(
                .transport, "\(service) unreachable: \(method) \(Self.redact(url)): \(Self.describe(error)) (after \(attempts) attempts)",
                underlying: error)
        }
    }

    /// The URL without query or user information (which may carry credentials).
    public static func redact(_ url: String) -> String { RetryingExchange.redact(url) }

    /// Runs `body` with a client of its own, shut down afterwards, also on failure.
    public static func withClient<T>(_ body: (ServiceHTTP) async throws -> T) async throws -> T {
        let http = ServiceHTTP()
        do {
            let result = try await body(http)
            await http.shutdown()
            return result
        } catch {
            await http.shutdown()
            throw error
        }
    }

    static func describe(_ error: any Error) -> String { RetryingExchange.describe(error) }
}

extension ServiceHTTP.Response {
    /// The error message a Sigstore service put in its JSON error body (`message` or `error_description`), else the
    /// start of the body.
    var serviceMessage: String {
        struct ErrorBody: Decodable {
            var message: String?
            var errorDescription: String?
            var error: String?
            enum CodingKeys: String, CodingKey {
                case message, error
                case errorDescription = "error_description"
            }
        }
        if let answer = try? JSONDecoder().decode(ErrorBody.self, from: Data(body)) {
            for text in [answer.message, answer.errorDescription, answer.error] {
                if let text, !text.isEmpty { return text }
            }
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "HTTP \(status)" : text
    }
}
