internal import AsyncHTTPClient
internal import Crypto
#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
public import Foundation
#endif
internal import NIOCore
internal import NIOHTTP1
internal import NIOSSL
public import OCIModels
internal import Synchronization
import SigstoreCore
import _SigstoreHTTP

/// Credentials for one registry.
public struct RegistryCredentials: Sendable, Hashable {
    /// User name (or `<token>` with an identity token).
    public var username: String
    /// Password or token. Never printed.
    public var password: String

    /// Whether ``password`` is a registry bearer token sent as is (`--registry-token`), not a password.
    public var isRegistryToken = false

    /// Creates credentials.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// A registry bearer token, sent as `Authorization: Bearer <token>` (`--registry-token`).
    public init(registryToken: String) {
        self.username = ""
        self.password = registryToken
        self.isRegistryToken = true
    }
}

/// Where credentials come from, per registry host.
public protocol CredentialProvider: Sendable {
    /// Credentials for `registry`, or nil for anonymous access.
    func credentials(for registry: String) throws -> RegistryCredentials?
}

/// A fixed map of credentials (tests, `--registry-username/--registry-password`).
public struct StaticCredentials: CredentialProvider {
    let map: [String: RegistryCredentials]
    /// Creates a provider.
    public init(_ map: [String: RegistryCredentials] = [:]) { self.map = map }
    public func credentials(for registry: String) throws -> RegistryCredentials? { map[registry] }
}

/// An OCI distribution client: manifests, blobs, tags, referrers; anonymous, basic and bearer-token authentication
/// with token reuse; retries with jittered exponential backoff on 429, 5xx and connection errors (honouring
/// `Retry-After`).
public final class RegistryClient: Sendable {
    /// Transport settings.
    public struct Configuration: Sendable {
        /// Use plain HTTP for every registry (`--allow-http-registry`).
        public var allowHTTP = false
        /// Skip TLS certificate verification (`--allow-insecure-registry`).
        public var allowInsecureTLS = false
        /// Extra trusted CA certificates, PEM.
        public var caCertificatesPEM: String?
        /// The client certificate (PEM, leaf first) and its private key (PEM) for registries that ask for one
        /// (mutual TLS: `--registry-client-cert`, `--registry-client-key`).
        public var clientCertificatePEM: String?, clientKeyPEM: String?
        /// The name the registry's TLS certificate is checked against, and sent as SNI, when it is not the host
        /// connected to (`--registry-server-name`, Go's `tls.Config.ServerName`).
        public var serverName: String?
        /// Attempts per request, including the first.
        public var maxAttempts = 4
        /// First backoff delay; doubles each retry, with jitter.
        public var baseDelay: Duration = .milliseconds(200)
        /// Longest wait honoured from `Retry-After` or backoff.
        public var maxDelay: Duration = .seconds(10)
        /// Per-request timeout.
        public var timeout: Duration = .seconds(120)
        /// How long one connection attempt may take.
        public var connectTimeout: Duration = .seconds(5)
        /// `User-Agent` header.
        public var userAgent = "swift-cosign"
        /// Told how far each streamed blob transfer (download, upload, copy of a blob larger than one piece) has got.
        public var progress: (@Sendable (BlobProgress) -> Void)?
        /// Creates a configuration.
        public init() {}
    }

    /// A fetched manifest or index.
    public struct FetchedManifest: Sendable {
        /// The exact bytes the registry returned.
        public var bytes: [UInt8]
        /// Its media type.
        public var mediaType: String
        /// `sha256:<hex>` of the bytes.
        public var digest: String
    }

    private let http: HTTPClient
    private let configuration: Configuration
    private let credentials: any CredentialProvider
    private let tokens = Mutex<[String: String]>([:])
    private let requestCounter = Atomic<Int>(0)

    /// Creates a client. Call ``shutdown()`` when done.
    public init(configuration: Configuration = .init(), credentials: any CredentialProvider = StaticCredentials()) throws {
        var tls = SystemTrust.applying(SystemTrust.environmentRoots, to: TLSConfiguration.makeClientConfiguration())
        if configuration.allowInsecureTLS {
            tls.certificateVerification = .none
        } else if let pem = configuration.caCertificatesPEM {
            do {
                let extra = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
                tls.additionalTrustRoots = [.certificates(extra)]
            } catch {
                throw OCIError(.transport, "reading the registry CA certificates: \(error)")
            }
        }
        if let certificates = configuration.clientCertificatePEM, let key = configuration.clientKeyPEM {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificates.utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
            } catch {
                throw OCIError(.transport, "reading the registry client certificate and key: \(error)")
            }
        }
        var httpConfig = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .follow(max: 5, allowCycles: false))
        httpConfig.decompression = .disabled
        // A refused connection fails the attempt at once; the retry policy decides about another one. (Left on,
        // AsyncHTTPClient retries the connection itself until the connect timeout, so an unreachable registry took
        // the whole timeout to report.)
        httpConfig.connectionPool.retryConnectionEstablishment = false
        // A stream that stalls this long ends (streamed downloads have no overall deadline).
        httpConfig.timeout.read = Self.timeAmount(configuration.timeout)
        httpConfig.timeout.connect = Self.timeAmount(configuration.connectTimeout)
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
        self.serverNames = configuration.serverName.map { ServerNameRouter(serverName: $0, configuration: httpConfig) }
        self.configuration = configuration
        self.credentials = credentials
    }

    /// Routes requests when ``Configuration/serverName`` is set.
    private let serverNames: ServerNameRouter?

    private func route(_ url: String) -> (HTTPClient, String) { serverNames?.route(url, fallback: http) ?? (http, url) }

    private let isShutDown = Atomic<Bool>(false)

    /// Closes connections. A client that is dropped without this shuts down in the background.
    public func shutdown() async throws {
        guard !isShutDown.exchange(true, ordering: .relaxed) else { return }
        await serverNames?.shutdown()
        try await http.shutdown()
    }

    deinit {
        guard !isShutDown.exchange(true, ordering: .relaxed) else { return }
        // AsyncHTTPClient traps when a client is released without shutting down: keep it alive until it has.
        let clients = [http] + (serverNames?.clients ?? [])
        Task { for client in clients { try? await client.shutdown() } }
    }

    /// How many HTTP requests this client has sent (token requests included).
    public var requestCount: Int { requestCounter.load(ordering: .relaxed) }

    // MARK: - Manifests

    /// Fetches a manifest or index by tag or digest; a digest reference is checked against the bytes.
    public func manifest(_ ref: ImageReference, accept: [String] = MediaType.manifestTypes) async throws -> FetchedManifest {
        let response = try await send(
            .GET, ref, path: "manifests/\(ref.identifierString)", headers: [("Accept", accept.joined(separator: ", "))],
            action: "pull")
        try response.expect([200], what: "manifest \(ref)")
        let digest = Self.sha256(response.body)
        if let expected = ref.digest, expected != digest {
            throw OCIError(.digestMismatch, "manifest \(ref) has digest \(digest), not \(expected)")
        }
        let type = response.headers.first(name: "Content-Type")?.split(separator: ";").first.map(String.init) ?? MediaType.ociManifest
        return FetchedManifest(bytes: response.body, mediaType: type, digest: digest)
    }

    /// The descriptor of a manifest (HEAD), or nil when the registry does not have it.
    public func manifestDescriptor(_ ref: ImageReference, accept: [String] = MediaType.manifestTypes) async throws -> Descriptor? {
        let response = try await send(
            .HEAD, ref, path: "manifests/\(ref.identifierString)", headers: [("Accept", accept.joined(separator: ", "))],
            action: "pull")
        if response.status == 404 { return nil }
        try response.expect([200], what: "manifest \(ref)")
        guard let digest = response.headers.first(name: "Docker-Content-Digest") else {
            // Some registries omit the header on HEAD: fall back to GET.
            let m = try await manifest(ref, accept: accept)
            return Descriptor(mediaType: m.mediaType, digest: m.digest, size: Int64(m.bytes.count))
        }
        let size = response.headers.first(name: "Content-Length").flatMap(Int64.init) ?? 0
        let type = response.headers.first(name: "Content-Type")?.split(separator: ";").first.map(String.init) ?? MediaType.ociManifest
        return Descriptor(mediaType: type, digest: digest, size: size)
    }

    /// Stores a manifest under a tag or its digest; returns its digest.
    @discardableResult
    public func putManifest(_ bytes: [UInt8], mediaType: String, to ref: ImageReference) async throws -> String {
        let response = try await send(
            .PUT, ref, path: "manifests/\(ref.identifierString)", headers: [("Content-Type", mediaType)], body: bytes,
            action: "pull,push")
        try response.expect([200, 201, 202], what: "storing manifest \(ref)")
        return Self.sha256(bytes)
    }

    /// Deletes a manifest by digest.
    public func deleteManifest(_ ref: ImageReference) async throws {
        let response = try await send(.DELETE, ref, path: "manifests/\(ref.identifierString)", action: "delete")
        try response.expect([200, 202], what: "deleting manifest \(ref)")
    }

    // MARK: - Blobs

    /// Whether the repository has a blob.
    public func blobExists(_ repo: ImageReference, digest: String) async throws -> Bool {
        let response = try await send(.HEAD, repo, path: "blobs/\(digest)", action: "pull")
        if response.status == 404 { return false }
        try response.expect([200], what: "blob \(digest)")
        return true
    }

    /// Downloads a blob and checks its digest.
    public func blob(_ repo: ImageReference, digest: String, maxBytes: Int = 256 << 20) async throws -> [UInt8] {
        let response = try await send(.GET, repo, path: "blobs/\(digest)", action: "pull", maxBody: maxBytes)
        try response.expect([200], what: "blob \(digest)")
        let actual = Self.sha256(response.body)
        guard actual == digest else {
            throw OCIError(.digestMismatch, "blob \(digest) from \(repo.repositoryName) has digest \(actual) (truncated or corrupted download)")
        }
        return response.body
    }

    /// Uploads a blob unless the repository has it already; returns its descriptor.
    @discardableResult
    public func uploadBlob(_ bytes: [UInt8], mediaType: String, to repo: ImageReference) async throws -> Descriptor {
        let digest = Self.sha256(bytes)
        let descriptor = Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
        if try await blobExists(repo, digest: digest) { return descriptor }
        // Monolithic: the whole blob in the closing PUT.
        try await finishUpload(at: try await startUpload(to: repo), in: repo, digest: digest, body: bytes)
        return descriptor
    }

    /// Uploads a blob of known digest and size as it is read, so memory stays at about one piece whatever the blob's
    /// size: `POST`, one `PATCH` whose body is read from the reader `open` returns (empty at the end), then
    /// `PUT ?digest=`. An upload that fails is started over, with a new session and a new reader from `open`, within
    /// the retry policy's attempts. Nothing is sent when the repository has the blob; the registry refuses bytes that
    /// do not match `digest`.
    @discardableResult
    public func uploadBlob(
        digest: String, size: Int64, mediaType: String, to repo: ImageReference,
        open: @escaping @Sendable () throws -> @Sendable () throws -> [UInt8]
    ) async throws -> Descriptor {
        let descriptor = Descriptor(mediaType: mediaType, digest: digest, size: size)
        if try await blobExists(repo, digest: digest) { return descriptor }
        try await startingOver(what: "uploading blob \(digest) to \(repo.repositoryName)") {
            let next = try open()
            let counted = ByteCount()
            let progress = self.configuration.progress
            let pieces = PullSequence(next: next).map { piece -> ByteBuffer in
                let done = counted.add(piece.readableBytes)
                progress?(BlobProgress(digest: digest, done: done, total: size))
                return piece
            }
            try await self.streamedUpload(to: repo, digest: digest, size: size, body: pieces) {
                guard counted.total == size else {
                    throw OCIError(.registry, "blob \(digest) changed while it was uploaded: read \(counted.total) bytes, expected \(size)")
                }
            }
        }
        return descriptor
    }

    /// Copies a blob between repositories (same or different registries) without holding it in memory: one streamed
    /// `GET` feeds one streamed `PATCH`, and the bytes are hashed on the way; a blob whose bytes do not match `digest`
    /// is never committed (the closing `PUT` is not sent). A copy that fails is started over within the retry
    /// policy's attempts. Nothing is sent when the destination has the blob.
    public func copyBlob(_ blob: Descriptor, from source: ImageReference, to destination: ImageReference, chunkSize: Int = 1 << 20) async throws {
        if try await blobExists(destination, digest: blob.digest) { return }
        if blob.size <= Int64(chunkSize) {
            let bytes = try await self.blob(source, digest: blob.digest, maxBytes: chunkSize)
            try await uploadBlob(bytes, mediaType: blob.mediaType, to: destination)
            return
        }
        let url = "\(try await baseURL(source))/v2/\(source.repository)/blobs/\(blob.digest)"
        try await startingOver(what: "copying blob \(blob.digest) to \(destination.repositoryName)") {
            try await self.streamedGET(source, url: url, headers: [], action: "pull") { status, body in
                guard status == 200 else { return false }
                let hasher = StreamHasher()
                let progress = self.configuration.progress
                let hashed = body.map { piece -> ByteBuffer in
                    let done = hasher.update(piece)
                    progress?(BlobProgress(digest: blob.digest, done: done, total: blob.size))
                    return piece
                }
                try await self.streamedUpload(to: destination, digest: blob.digest, size: blob.size, body: hashed) {
                    let (actual, count) = hasher.result()
                    guard count == blob.size, actual == blob.digest else {
                        throw OCIError(
                            .digestMismatch,
                            "blob \(blob.digest) from \(source.repositoryName) has digest \(actual) and \(count) bytes (truncated or corrupted download)")
                    }
                }
                return true
            }
        }
    }

    /// Reads a blob with one streamed `GET` (a small one in one piece), handing `sink` pieces of about `chunkSize`
    /// bytes and hashing on the way: memory stays at about one piece whatever the blob's size. A download cut short is
    /// resumed where it stopped (`Range: bytes=N-`; from a registry that ignores the range, the bytes already seen are
    /// skipped), up to the retry policy's attempts. Throws when the bytes do not match the descriptor's digest and
    /// size, after `sink` has seen them, so the caller must not commit what it wrote until this returns.
    public func streamBlob(
        _ blob: Descriptor, from repo: ImageReference, chunkSize: Int = 1 << 20, into sink: ([UInt8]) throws -> Void
    ) async throws {
        if blob.size <= Int64(chunkSize) {
            let bytes = try await self.blob(repo, digest: blob.digest, maxBytes: chunkSize)
            guard bytes.count == Int(blob.size) else {
                throw OCIError(.digestMismatch, "blob \(blob.digest) is \(bytes.count) bytes, expected \(blob.size)")
            }
            try sink(bytes)
            return
        }
        var hasher = SHA256()
        var offset: Int64 = 0
        var piece: [UInt8] = []
        piece.reserveCapacity(chunkSize)
        var interruptions = 0
        var lastFailure = ""
        let url = "\(try await baseURL(repo))/v2/\(repo.repository)/blobs/\(blob.digest)"
        while offset < blob.size {
            if interruptions > 0 {
                guard interruptions < configuration.maxAttempts else {
                    throw OCIError(
                        .transport, "GET \(Self.redact(url)): interrupted \(interruptions) times, at byte \(offset) of \(blob.size): \(lastFailure)")
                }
                try await Task.sleep(for: retryPolicy.delay(afterAttempt: interruptions))
            }
            let resumeAt = offset
            do {
                try await streamedGET(repo, url: url, headers: resumeAt > 0 ? [("Range", "bytes=\(resumeAt)-")] : [], action: "pull") { status, body in
                    guard status == 200 || (resumeAt > 0 && status == 206) else { return false }
                    // A 200 answer to a ranged request starts again from the first byte.
                    var skip = status == 200 ? resumeAt : 0
                    for try await var chunk in body {
                        if skip > 0 {
                            let skipped = min(Int64(chunk.readableBytes), skip)
                            chunk.moveReaderIndex(forwardBy: Int(skipped))
                            skip -= skipped
                        }
                        guard Int64(chunk.readableBytes) <= blob.size - offset else {
                            throw OCIError(.digestMismatch, "blob \(blob.digest) from \(repo.repositoryName) is longer than \(blob.size) bytes")
                        }
                        chunk.withUnsafeReadableBytes { bytes in
                            hasher.update(bufferPointer: bytes)
                            piece.append(contentsOf: bytes)
                        }
                        offset += Int64(chunk.readableBytes)
                        configuration.progress?(BlobProgress(digest: blob.digest, done: offset, total: blob.size))
                        if piece.count >= chunkSize {
                            do { try sink(piece) } catch { throw SinkFailure(error: error) }
                            piece.removeAll(keepingCapacity: true)
                        }
                    }
                    return true
                }
                if offset < blob.size { lastFailure = "the body ended early" }
            } catch let failure as SinkFailure {
                throw failure.error
            } catch let error as OCIError {
                // Refused, unauthorized, not found, too long: the exchange itself said no (it retried what it could).
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // The body stream broke off.
                lastFailure = Self.describeTransport(error)
            }
            if offset < blob.size { interruptions += 1 }
        }
        if !piece.isEmpty { try sink(piece) }
        let actual = "sha256:" + hexString(hasher.finalize())
        guard actual == blob.digest else {
            throw OCIError(.digestMismatch, "blob \(blob.digest) from \(repo.repositoryName) has digest \(actual) (truncated or corrupted download)")
        }
    }

    /// `POST` to open an upload session; returns its location.
    private func startUpload(to repo: ImageReference) async throws -> String {
        let start = try await send(.POST, repo, path: "blobs/uploads/", headers: [("Content-Length", "0")], action: "pull,push")
        try start.expect([202], what: "starting a blob upload to \(repo.repositoryName)")
        guard let location = start.headers.first(name: "Location") else {
            throw OCIError(.registry, "registry did not say where to upload the blob (no Location header)")
        }
        return location
    }

    /// The closing `PUT ?digest=` of an upload session, with the remaining bytes (all of them for a monolithic upload).
    private func finishUpload(at location: String, in repo: ImageReference, digest: String, body: [UInt8]) async throws {
        let url = try await resolve(location, against: repo)
        let separator = url.contains("?") ? "&" : "?"
        let put = try await send(
            .PUT, repo, url: url + separator + "digest=\(digest)", headers: [("Content-Type", "application/octet-stream")], body: body,
            action: "pull,push")
        try put.expect([201, 204], what: "uploading blob \(digest)")
    }

    /// One upload session: `POST`, one `PATCH` carrying all `size` bytes of `body` as they are read (with its
    /// `Content-Range`, the distribution API's chunked upload in a single chunk), then `beforeCommit`, then the closing
    /// `PUT ?digest=`.
    private func streamedUpload<Body: AsyncSequence & Sendable>(
        to repo: ImageReference, digest: String, size: Int64, body: Body, beforeCommit: () throws -> Void
    ) async throws where Body.Element == ByteBuffer {
        let location = try await resolve(try await startUpload(to: repo), against: repo)
        let (client, routed) = route(location)
        var request = HTTPClientRequest(url: routed)
        request.method = .PATCH
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.headers.add(name: "Content-Range", value: "0-\(size - 1)")
        if let authorization = cachedAuthorization(repo, action: "pull,push") {
            request.headers.add(name: "Authorization", value: authorization)
        }
        request.body = .stream(body, length: .known(size))
        requestCounter.add(1, ordering: .relaxed)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .distantFuture)
        } catch let error as OCIError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw StreamInterrupted(reason: "PATCH \(Self.redact(location)): \(Self.describeTransport(error))")
        }
        let answer = (try? await RetryingExchange.collect(response, upTo: 1 << 16)) ?? []
        let patch = Response(status: Int(response.status.code), headers: response.headers, body: answer)
        if RetryPolicy.isRetryable(status: patch.status) {
            throw StreamInterrupted(reason: "PATCH \(Self.redact(location)): HTTP \(patch.status)")
        }
        try patch.expect([202], what: "uploading blob \(digest)")
        try beforeCommit()
        try await finishUpload(at: patch.headers.first(name: "Location") ?? location, in: repo, digest: digest, body: [])
    }

    /// Why a streamed transfer broke off: worth starting over.
    private struct StreamInterrupted: Error { var reason: String }

    /// Runs `transfer`, starting it over after an interruption (a body stream that broke off, a 429 or 5xx answer to
    /// the streamed request), within the retry policy's attempts.
    private func startingOver(what: String, _ transfer: () async throws -> Void) async throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await transfer()
            } catch let interrupted as StreamInterrupted {
                guard attempt < configuration.maxAttempts else {
                    throw OCIError(.transport, "\(what): \(interrupted.reason) (after \(attempt) attempts)")
                }
            } catch let error as OCIError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // The downloaded body broke off while it was being sent on.
                guard attempt < configuration.maxAttempts else {
                    throw Self.transportError("\(what): \(Self.describeTransport(error)) (after \(attempt) attempts)", underlying: error)
                }
            }
            try await Task.sleep(for: retryPolicy.delay(afterAttempt: attempt))
        }
    }

    // MARK: - Tags and referrers

    /// Every tag of the repository, following `Link` pagination.
    public func tags(_ repo: ImageReference) async throws -> [String] {
        struct Page: Decodable { var tags: [String]? }
        var all: [String] = []
        var url = "\(try await baseURL(repo))/v2/\(repo.repository)/tags/list"
        for _ in 0..<1000 {
            let response = try await send(.GET, repo, url: url, action: "pull")
            if response.status == 404 { return all }
            try response.expect([200], what: "listing tags of \(repo.repositoryName)")
            guard let page = try? JSONDecoder().decode(Page.self, from: Data(response.body)) else {
                throw OCIError(.malformedDocument, "tag list of \(repo.repositoryName) is not valid JSON")
            }
            all += page.tags ?? []
            guard let link = response.headers.first(name: "Link"), let next = Self.nextLink(link) else { return all }
            url = try await resolve(next, against: repo)
        }
        return all
    }

    /// The referrers of a manifest through the OCI 1.1 referrers API, or nil when the registry has no such API
    /// (callers then use the `sha256-<hex>` referrers tag).
    public func referrers(_ repo: ImageReference, digest: String, artifactType: String? = nil) async throws -> ImageIndex? {
        var path = "referrers/\(digest)"
        if let artifactType { path += "?artifactType=\(artifactType)" }
        let response = try await send(.GET, repo, path: path, headers: [("Accept", MediaType.ociIndex)], action: "pull")
        if response.status == 404 || response.status == 400 || response.status == 405 { return nil }
        try response.expect([200], what: "referrers of \(digest)")
        guard let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(response.body)) else {
            throw OCIError(.malformedDocument, "referrers response for \(digest) is not an OCI index")
        }
        return index
    }

    // MARK: - Requests

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        func expect(_ codes: [Int], what: String) throws {
            guard !codes.contains(status) else { return }
            let detail = RegistryClient.errorDetail(body)
            switch status {
            case 401, 403: throw OCIError(.unauthorized, "\(what): unauthorized (HTTP \(status))\(detail)")
            case 404: throw OCIError(.notFound, "\(what): not found (HTTP 404)\(detail)")
            default: throw OCIError(.registry, "\(what): HTTP \(status)\(detail)")
            }
        }
    }

    private let schemes = Mutex<[String: String]>([:])

    /// `scheme://host` for a registry. As go-containerregistry's ping: HTTPS first; registries that may use plain HTTP
    /// (localhost, loopback, private networks, or `--allow-http-registry`) fall back to HTTP when HTTPS does not answer
    /// with 200 or 401. The answer is remembered per registry.
    func baseURL(_ ref: ImageReference) async throws -> String {
        let host = ref.registry == ImageReference.dockerHub ? "registry-1.docker.io" : ref.registry
        if let known = schemes.withLock({ $0[ref.registry] }) { return "\(known)://\(host)" }
        guard configuration.allowHTTP || ref.defaultScheme == "http" else { return "https://\(host)" }
        let reasons = Mutex<[String]>([])
        let remedies = Mutex<[Remedy]>([])
        // Both schemes are probed at once (one port speaks only one of them): a TLS handshake against a plain-HTTP
        // port is retried by the connection pool until the connect timeout, so probing in turn would cost seconds.
        let scheme: String? = await withTaskGroup(of: (String, String?, Remedy?).self) { group in
            for scheme in configuration.allowHTTP ? ["http", "https"] : ["https", "http"] {
                group.addTask {
                    do {
                        let response = try await self.sendWithRetries(
                            .GET, url: "\(scheme)://\(host)/v2/", headers: [], authorization: nil, body: nil, maxBody: 1 << 16, attempts: 1)
                        if response.status == 200 || response.status == 401 { return (scheme, nil, nil) }
                        return (scheme, "\(scheme): HTTP \(response.status)", nil)
                    } catch let e as OCIError {
                        return (scheme, "\(scheme): \(e.message)", e.remedy)
                    } catch {
                        return (scheme, "\(scheme): \(error)", nil)
                    }
                }
            }
            var found: String?
            while let (scheme, failure, remedy) = await group.next() {
                if let remedy { remedies.withLock { $0.append(remedy) } }
                if let failure {
                    reasons.withLock { $0.append(failure) }
                } else {
                    found = scheme
                    group.cancelAll()
                    break
                }
            }
            return found
        }
        if let scheme {
            schemes.withLock { $0[ref.registry] = scheme }
            return "\(scheme)://\(host)"
        }
        let failures = reasons.withLock { $0.sorted() }
        throw OCIError(
            .transport, "cannot reach registry \(ref.registry): \(failures.joined(separator: "; "))", remedy: remedies.withLock { $0.first })
    }

    private func resolve(_ location: String, against ref: ImageReference) async throws -> String {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        guard location.hasPrefix("/") else { throw OCIError(.registry, "registry returned a relative Location \"\(location)\"") }
        return try await baseURL(ref) + location
    }

    private func send(
        _ method: HTTPMethod, _ ref: ImageReference, path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        action: String, maxBody: Int = 16 << 20
    ) async throws -> Response {
        try await send(
            method, ref, url: "\(try await baseURL(ref))/v2/\(ref.repository)/\(path)", headers: headers, body: body,
            action: action, maxBody: maxBody)
    }

    /// Sends a request, answering authentication challenges and retrying transient failures.
    private func send(
        _ method: HTTPMethod, _ ref: ImageReference, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        action: String, maxBody: Int = 16 << 20
    ) async throws -> Response {
        let tokenKey = "\(ref.registry)|\(ref.repository)|\(action)"
        var authorization = cachedAuthorization(ref, action: action)
        var challenged = false
        while true {
            let response = try await sendWithRetries(method, url: url, headers: headers, authorization: authorization, body: body, maxBody: maxBody)
            guard response.status == 401, !challenged else { return response }
            challenged = true
            guard let challenge = response.headers.first(name: "WWW-Authenticate").map(Challenge.init) else { return response }
            authorization = try await authorize(challenge, ref: ref, action: action)
            if let authorization { tokens.withLock { $0[tokenKey] = authorization } } else { return response }
        }
    }

    private func sendWithRetries(
        _ method: HTTPMethod, url: String, headers: [(String, String)], authorization: String?, body: [UInt8]?, maxBody: Int,
        attempts: Int? = nil
    ) async throws -> Response {
        var policy = retryPolicy
        if let attempts { policy.maxAttempts = attempts }
        do {
            let (client, routed) = route(url)
            let response = try await RetryingExchange.run(
                on: client, policy: policy, timeout: configuration.timeout, maxBody: method == .HEAD ? 0 : maxBody,
                onAttempt: { requestCounter.add(1, ordering: .relaxed) }
            ) {
                var request = HTTPClientRequest(url: routed)
                request.method = method
                request.headers.add(name: "User-Agent", value: configuration.userAgent)
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                if let authorization { request.headers.add(name: "Authorization", value: authorization) }
                if let body {
                    request.body = .bytes(ByteBuffer(bytes: body))
                    request.headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
                }
                return request
            }
            return Response(status: response.status, headers: response.headers, body: response.body)
        } catch ExchangeFailure.tooLarge(let limit, let error) {
            throw OCIError(.registry, "response from \(Self.redact(url)) is larger than \(limit) bytes: \(error)", underlying: error)
        } catch ExchangeFailure.transport(let attempts, let error) {
            throw Self.transportError("\(method) \(Self.redact(url)): \(Self.describeTransport(error)) (after \(attempts) attempts)", underlying: error)
        }
    }

    /// An error of the consumer of a streamed body, kept apart from the stream's own failures (which are retried).
    private struct SinkFailure: Error { var error: any Error }

    /// The authorization remembered for `action` on `ref`'s repository; a push token also grants pull, so it is
    /// reused rather than asking for another.
    private func cachedAuthorization(_ ref: ImageReference, action: String) -> String? {
        let repository = "\(ref.registry)|\(ref.repository)|"
        return tokens.withLock { $0[repository + action] ?? (action == "pull" ? $0[repository + "pull,push"] : nil) }
    }

    /// `duration` as NIO's time amount.
    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// The retry policy of this client's requests.
    private var retryPolicy: RetryPolicy {
        RetryPolicy(maxAttempts: configuration.maxAttempts, baseDelay: configuration.baseDelay, maxDelay: configuration.maxDelay)
    }

    /// A `GET` whose body `consume` reads as it arrives (nothing is collected, so there is no bound), after answering an
    /// authentication challenge and retrying 429 and 5xx answers as ``send`` does. `consume` gets the status and the
    /// body and returns false for a status it does not take, which is then thrown as ``Response/expect(_:what:)`` would.
    /// The request has no overall deadline; the client's read timeout ends a stream that stalls.
    private func streamedGET(
        _ ref: ImageReference, url: String, headers: [(String, String)], action: String,
        consume: (Int, HTTPClientResponse.Body) async throws -> Bool
    ) async throws {
        let tokenKey = "\(ref.registry)|\(ref.repository)|\(action)"
        var authorization = cachedAuthorization(ref, action: action)
        var challenged = false
        var attempt = 0
        let (client, routed) = route(url)
        while true {
            attempt += 1
            requestCounter.add(1, ordering: .relaxed)
            var request = HTTPClientRequest(url: routed)
            request.method = .GET
            request.headers.add(name: "User-Agent", value: configuration.userAgent)
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, deadline: .distantFuture)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                guard attempt < configuration.maxAttempts else {
                    throw Self.transportError("GET \(Self.redact(url)): \(Self.describeTransport(error)) (after \(attempt) attempts)", underlying: error)
                }
                try await Task.sleep(for: retryPolicy.delay(afterAttempt: attempt))
                continue
            }
            let status = Int(response.status.code)
            if status == 401, !challenged, let challenge = response.headers.first(name: "WWW-Authenticate").map(Challenge.init) {
                _ = try? await RetryingExchange.collect(response, upTo: 1 << 16)
                challenged = true
                authorization = try await authorize(challenge, ref: ref, action: action)
                guard let authorization else { throw OCIError(.unauthorized, "GET \(Self.redact(url)): unauthorized (HTTP 401)") }
                tokens.withLock { $0[tokenKey] = authorization }
                continue
            }
            if RetryPolicy.isRetryable(status: status) && attempt < configuration.maxAttempts {
                _ = try? await RetryingExchange.collect(response, upTo: 1 << 16)
                try await Task.sleep(for: retryPolicy.delay(afterAttempt: attempt, retryAfter: response.headers.first(name: "Retry-After")))
                continue
            }
            if try await consume(status, response.body) { return }
            let body = (try? await RetryingExchange.collect(response, upTo: 1 << 16)) ?? []
            try Response(status: status, headers: response.headers, body: body).expect([200], what: "GET \(Self.redact(url))")
        }
    }

    /// Answers a challenge: Basic with the stored credentials, or Bearer by fetching a token.
    private func authorize(_ challenge: Challenge, ref: ImageReference, action: String) async throws -> String? {
        let creds = try credentials.credentials(for: ref.registry)
        if let creds, creds.isRegistryToken { return "Bearer \(creds.password)" }
        switch challenge.scheme {
        case "basic":
            guard let creds else {
                throw OCIError(.unauthorized, "\(ref.registry) requires credentials: run cosign login or configure ~/.docker/config.json")
            }
            return "Basic " + Data("\(creds.username):\(creds.password)".utf8).base64EncodedString()
        case "bearer":
            guard let realm = challenge.parameters["realm"] else {
                throw OCIError(.unauthorized, "\(ref.registry) sent a bearer challenge without a realm")
            }
            // Credentials that travel over HTTPS to the registry never go in clear text to its token server.
            if creds != nil, realm.lowercased().hasPrefix("http://"), try await baseURL(ref).hasPrefix("https://") {
                throw OCIError(
                    .unauthorized,
                    "\(ref.registry) (HTTPS) names a plain-HTTP token realm \(Self.redact(realm)): refusing to send its credentials unencrypted")
            }
            var query: [String] = []
            if let service = challenge.parameters["service"] { query.append("service=\(Self.percentEncode(service))") }
            let scope = "repository:\(ref.repository):\(action)"
            query.append("scope=\(Self.percentEncode(scope))")
            let url = realm + (realm.contains("?") ? "&" : "?") + query.joined(separator: "&")
            let basic = creds.map { "Basic " + Data("\($0.username):\($0.password)".utf8).base64EncodedString() }
            let response = try await sendWithRetries(.GET, url: url, headers: [], authorization: basic, body: nil, maxBody: 1 << 20)
            guard response.status == 200 else {
                if response.status == 401 || response.status == 403 {
                    throw OCIError(.unauthorized, "token server for \(ref.registry) refused the credentials (HTTP \(response.status))")
                }
                throw OCIError(.registry, "token server for \(ref.registry): HTTP \(response.status)")
            }
            struct Token: Decodable {
                var token: String?
                var access_token: String?
            }
            guard let token = try? JSONDecoder().decode(Token.self, from: Data(response.body)),
                let value = token.token ?? token.access_token, !value.isEmpty
            else {
                throw OCIError(.registry, "token server for \(ref.registry) returned no token")
            }
            return "Bearer \(value)"
        default:
            return nil
        }
    }

    // MARK: - Helpers

    /// A transport failure; an untrusted TLS certificate carries the ``Remedy/registryTrust`` remedy.
    static func transportError(_ message: String, underlying: any Error) -> OCIError {
        let untrusted = "\(underlying)".contains("CERTIFICATE_VERIFY_FAILED")
        return OCIError(.transport, message, underlying: underlying, remedy: untrusted ? .registryTrust : nil)
    }

    /// A short description of a connection-level failure.
    static func describeTransport(_ error: any Error) -> String {
        let text = "\(error)"
        for (needle, summary) in [
            ("Connection refused", "connection refused"), ("connectTimeout", "connection timed out"),
            ("readTimeout", "timed out waiting for the response"), ("deadlineExceeded", "request timed out"),
            ("remoteConnectionClosed", "the registry closed the connection"), ("Connection reset", "connection reset by the registry"),
            ("CERTIFICATE_VERIFY_FAILED", "the registry's TLS certificate is not trusted"),
            ("handshakeFailed", "TLS handshake failed"),
        ] where text.contains(needle) {
            return summary
        }
        return text
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        "sha256:" + hexString(SHA256.hash(data: bytes))
    }

    static func errorDetail(_ body: [UInt8]) -> String {
        struct Errors: Decodable {
            struct Item: Decodable {
                var code: String?
                var message: String?
            }
            var errors: [Item]?
        }
        guard let e = try? JSONDecoder().decode(Errors.self, from: Data(body)), let first = e.errors?.first else { return "" }
        return ": " + [first.code, first.message].compactMap { $0 }.joined(separator: ": ")
    }

    static func nextLink(_ header: String) -> String? {
        // `<url>; rel="next"`
        for part in header.split(separator: ",") where part.contains("rel=\"next\"") {
            guard let open = part.firstIndex(of: "<"), let close = part.firstIndex(of: ">") else { continue }
            return String(part[part.index(after: open)..<close])
        }
        return nil
    }

    static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || "-._~".utf8.contains(b) {
                out.append(Character(UnicodeScalar(b)))
            } else {
                out += "%" + String(b >> 4, radix: 16, uppercase: true) + String(b & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// A URL without its query (upload URLs carry state; nothing secret, but long).
    static func redact(_ url: String) -> String { String(url.split(separator: "?").first ?? "") }
}

/// A `WWW-Authenticate` challenge.
struct Challenge {
    var scheme: String
    var parameters: [String: String]

    init(_ header: String) {
        let trimmed = header.trimmedSpaces
        let space = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        scheme = trimmed[..<space].lowercased()
        var params: [String: String] = [:]
        var rest = trimmed[space...].drop { $0 == " " }
        while !rest.isEmpty {
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = rest[..<eq].trimmedSpaces.lowercased()
            rest = rest[rest.index(after: eq)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let c = rest.first, c != "\"" {
                    if c == "\\" { rest = rest.dropFirst() }
                    if let d = rest.first { value.append(d) }
                    rest = rest.dropFirst()
                }
                rest = rest.dropFirst()
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmedSpaces
                rest = rest[end...]
            }
            params[key] = value
            rest = rest.drop { $0 == "," || $0 == " " }
        }
        parameters = params
    }
}

/// Lowercase hex.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmedSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// The pieces a reader hands over (empty at the end), as the byte buffers a streamed request body takes.
private struct PullSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let next: @Sendable () throws -> [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        let next: @Sendable () throws -> [UInt8]
        mutating func next() async throws -> ByteBuffer? {
            let piece = try next()
            return piece.isEmpty ? nil : ByteBuffer(bytes: piece)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(next: next) }
}

/// A byte count shared with a streamed body's transform.
private final class ByteCount: Sendable {
    private let count = Atomic<Int64>(0)
    /// Adds `bytes`; returns the new total.
    @discardableResult
    func add(_ bytes: Int) -> Int64 { count.add(Int64(bytes), ordering: .relaxed).newValue }
    var total: Int64 { count.load(ordering: .relaxed) }
}

/// SHA-256 and length of the bytes a streamed body passes on.
private final class StreamHasher: Sendable {
    private let state = Mutex((SHA256(), Int64(0)))
    /// Hashes `piece`; returns the byte count so far.
    func update(_ piece: ByteBuffer) -> Int64 {
        state.withLock { state in
            piece.withUnsafeReadableBytes { state.0.update(bufferPointer: $0) }
            state.1 += Int64(piece.readableBytes)
            return state.1
        }
    }
    /// `sha256:<hex>` and the byte count so far.
    func result() -> (digest: String, count: Int64) {
        state.withLock { ("sha256:" + hexString($0.0.finalize()), $0.1) }
    }
}

/// How far a streamed blob transfer has got.
public struct BlobProgress: Sendable, Equatable {
    /// `sha256:<hex>` of the blob.
    public var digest: String
    /// Bytes moved so far (a transfer started over begins again from 0).
    public var done: Int64
    /// The blob's size.
    public var total: Int64
    /// Creates a report.
    public init(digest: String, done: Int64, total: Int64) {
        self.digest = digest
        self.done = done
        self.total = total
    }
}
