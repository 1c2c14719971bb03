public import Foundation
internal import Crypto
internal import AsyncHTTPClient
internal import Hummingbird
internal import HummingbirdTLS
internal import HummingbirdCore
internal import NIOSSL
internal import HTTPTypes
public import Logging
internal import UnixSignals
internal import NIOCore
internal import ServiceLifecycle
internal import SigstoreCore
internal import SigstoreCrypto
internal import SigstoreModels
internal import SigstoreVerify
internal import Synchronization
internal import TransparencyLog
internal import X509
import SigstoreJSON

/// The whole local Sigstore: each service on its own port of one address, one database, trust material written to
/// the data directory once every service listens and published through the instance's TUF repository.
///
/// Ports and the address chosen at the first start are remembered in the data directory (``RememberedAddresses``), so
/// a restarted stack comes back at the same URLs; a remembered port that is taken is an error, never a silent move.
public enum LocalStack {
    /// A service of the stack.
    public enum Service: String, CaseIterable, Sendable, Hashable {
        case oidc, fulcio, rekor
        case rekorV2 = "rekor-v2"
        case tsa
        /// The TUF repository of the trust material (``TrustRepository``).
        case tuf
    }

    /// How to run the stack.
    public struct Configuration: Sendable {
        /// Where keys, the SQLite database and trust files live.
        public var dataDirectory: String
        /// The address every service binds (and names in its URLs); nil for the one remembered in the data
        /// directory, else `127.0.0.1`.
        public var address: String?
        /// Fixed ports, overriding the remembered ones; a service with neither gets a free port.
        public var ports: [Service: Int] = [:]
        /// One listener on this port for every service, each under the path prefix of its name (`/fulcio`, `/rekor`,
        /// …; Fulcio's API also at the root, for clients that resolve its absolute paths against the base URL). Nil:
        /// the one remembered, else a port per service.
        public var port: Int?
        /// The address clients reach the services at when it is not this process's own: a load balancer in front
        /// of several replicas (`https://sigstore.example.com`). Needs ``port`` (one listener): every service is named
        /// `<publicURL>/<service>` in tokens, certificates, trust files and the ready line, and the logs' checkpoints
        /// name its host as their origin, so that every replica signs and publishes the same.
        public var publicURL: String?
        /// The services to run.
        public var services = Set(Service.allCases)
        /// A `postgres://` URL; SQLite in the data directory when nil.
        public var database: String?
        /// Whether the development issuer skips its login page and approves device codes at once.
        public var autoApprove = false
        /// The identity of automatic approvals.
        public var defaultEmail = "developer@sigstore.local"
        /// OIDC issuers Fulcio trusts besides the development issuer (email identities).
        public var trustedIssuers: [String] = []
        /// Fulcio's issuer configuration (`--issuer-config`); the development issuer's three issuers (email at its
        /// URL, GitHub Actions at `/github`, GitLab CI at `/gitlab`) and `trustedIssuers` are added unless it names them.
        public var issuerConfiguration = IssuerConfiguration()
        /// TLS for every listener (HTTPS URLs); plain HTTP when nil.
        public var tls: ServerTLSSource?
        /// Request log level.
        public var logLevel: Logger.Level = .info
        /// How long a connection may stay silent, between requests or within one, before it is closed (a client
        /// that opens connections and sends nothing, or half a body, does not hold them).
        public var idleTimeout: Duration = .seconds(30)
        /// The most connections all services hold together; past it the longest-quiet connection is closed to make
        /// room for a new one. Lowered to what the process's open-file limit allows.
        public var maxConnections = 4096

        /// Creates a configuration for `dataDirectory`.
        public init(dataDirectory: String) { self.dataDirectory = dataDirectory }
    }

    /// What the stack announces once it listens.
    public struct Endpoints: Sendable {
        /// Base URL of every running service.
        public var urls: [Service: String]
        /// Paths of the trust files written.
        public var trustedRoot: String, signingConfig: String, trustConfig: String
        /// The newest root of the TUF repository, for clients to bootstrap from (nil when `tuf` does not run).
        public var tufRoot: String?
        /// The CA that issued the listeners' TLS certificate, for clients to trust (`--tls self-signed`).
        public var tlsCA: String?

        /// The one-line JSON the `serve` command prints: every service's URL by name (`oidc`, `fulcio`, `rekor`,
        /// `rekor-v2`, `tsa`, `tuf`), then `trustedRoot`, `signingConfig`, `trustConfig` and `tufRoot`.
        public var json: String {
            var members: [(String, OrderedJSON)] = Service.allCases.compactMap { s in urls[s].map { (s.rawValue, .string($0)) } }
            members += [
                ("trustedRoot", .string(trustedRoot)), ("signingConfig", .string(signingConfig)),
                ("trustConfig", .string(trustConfig)),
            ]
            if let tufRoot { members.append(("tufRoot", .string(tufRoot))) }
            if let tlsCA { members.append(("tlsCA", .string(tlsCA))) }
            return String(decoding: OrderedJSON.object(members).serialized(), as: UTF8.self)
        }
    }

    /// Runs until cancelled or sent SIGINT/SIGTERM (then shuts down gracefully); calls `onReady` once every service
    /// listens and the trust files are written. `now` is the clock of every service.
    public static func run(
        _ configuration: Configuration, now: @escaping @Sendable () -> Date = { Date() },
        onReady: @escaping @Sendable (Endpoints) async -> Void
    ) async throws {
        var logger = Logger(label: "sigstore-local")
        logger.logLevel = configuration.logLevel
        let dir = configuration.dataDirectory
        do {
            // Owner-only whatever the umask (it holds the log and, in keys/, the private keys); an existing directory keeps
            // its mode.
            if !FileManager.default.fileExists(atPath: dir) {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw InstanceError(.storage, "cannot create \(dir): \(error.localizedDescription)")
        }
        let lock = try DataDirectoryLock(directory: dir, purpose: "starting another server on it")
        defer { withExtendedLifetime(lock) {} }
        let keys = try InstanceKeys.loadOrCreate(directory: dir, now: now())
        let remembered = try RememberedAddresses(directory: dir)
        let host = configuration.address ?? remembered.address ?? "127.0.0.1"
        // One listener when asked for, or when the last run used one and no service port is given now.
        let single: Int? = configuration.port ?? (configuration.ports.isEmpty && host == (remembered.address ?? host) ? remembered.port : nil)
        var ports: [Service: Int] = [:]
        if let single, configuration.port == nil {
            try RememberedAddresses.checkFree(address: host, port: single) {
                "the port \(single) remembered in \(RememberedAddresses.path(dir)) is in use; free it (its URLs are in the tokens, "
                    + "certificates and trust files issued so far) or choose another with --port"
            }
        }
        for service in configuration.services where single == nil {
            if let port = configuration.ports[service] {
                ports[service] = port
            } else if let port = remembered.ports[service], host == (remembered.address ?? host) {
                try RememberedAddresses.checkFree(address: host, port: port) {
                    "the \(service.rawValue) port \(port) remembered in \(RememberedAddresses.path(dir)) is in use; "
                        + "free it (its URL is in the tokens, certificates and trust files issued so far) or move the "
                        + "service with --\(service.rawValue)-port"
                }
                ports[service] = port
            }
        }
        // TLS material before storage: a certificate and key that do not match refuse the start at once.
        let tls = try configuration.tls.map { try ServerTLS.load($0, dataDirectory: dir, host: host, now: now()) }
        // The name the logs sign their checkpoints under (and the Rekor v2 log ID derives from): the public host when
        // replicas stand behind one address, else the address served.
        let publicBase = try configuration.publicURL.map { try Self.publicBase($0, port: single) }
        let origin = publicBase.flatMap { URLComponents(string: $0)?.host } ?? host
        let storage: any LogStorage =
            if let url = configuration.database { try PostgresLogStorage(url: url) } else { try SQLiteLogStorage(path: dir + "/log.sqlite") }
        do {
            try await storage.prepare()
            // Replicas on one database: a replica with other keys would sign checkpoints and entries no one else's
            // trust material verifies.
            try await storage.claim(instance: try keys.birthFingerprint + " " + origin, keys: try keys.publicFingerprint, rotations: keys.rotations)
        } catch {
            try? await storage.close()
            throw error
        }
        let scheme = tls == nil ? "http" : "https"
        let urlHost = host.contains(":") ? "[\(host)]" : host
        let urls = URLRegistry()
        let metrics = StackMetrics()
        let wanted = configuration.services
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls?.clientConfiguration))

        @Sendable func url(_ s: Service) -> String { urls.get(s) }
        let idle = configuration.idleTimeout
        let governor = ConnectionGovernor(limit: configuration.maxConnections)
        var applications: [(Service, any ServiceLifecycle.Service)] = []
        var registrations: [(Service, @Sendable (RouterGroup<BasicRequestContext>) -> Void)] = []
        var explorerLogs: [Explorer.Log] = []
        func makeApplication(port: Int, register: (Router<BasicRequestContext>) -> Void, onRunning: @escaping @Sendable (Int) -> Void, label: String)
            throws -> Application<RouterResponder<BasicRequestContext>>
        {
            let router = Router()
            router.add(middleware: LogRequestsMiddleware(.debug))
            register(router)
            var serviceLogger = logger
            serviceLogger[metadataKey: "service"] = "\(label)"
            let http1 = HTTPServerBuilder.http1(
                configuration: .init(
                    additionalChannelHandlers: [governor.handler()], idleTimeout: .nanoseconds(Int64(idle.components.seconds) * 1_000_000_000)))
            return Application(
                router: router,
                server: try tls.map { try .tls(http1, tlsConfiguration: $0.configuration) } ?? http1,
                configuration: .init(address: .hostname(host, port: port), serverName: "sigstore-local", backlog: 1024),
                onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
                logger: serviceLogger)
        }
        func application(_ service: Service, _ register: @escaping @Sendable (RouterGroup<BasicRequestContext>) -> Void) {
            registrations.append((service, register))
        }

        if wanted.contains(.oidc) {
            let issuer = DevelopmentIssuer(
                key: keys.oidcKey, issuerURL: { url(.oidc) }, autoApprove: configuration.autoApprove,
                defaultEmail: configuration.defaultEmail, now: now)
            application(.oidc) { issuer.register(on: $0) }
        }
        if wanted.contains(.fulcio) {
            let base = configuration.issuerConfiguration
            let extra = configuration.trustedIssuers
            let development = wanted.contains(.oidc)
            @Sendable func issuers() -> IssuerConfiguration {
                var all = base
                if development {
                    var email = IssuerConfiguration.Issuer(issuerURL: url(.oidc), type: .email)
                    email.acceptsURISubject = true
                    all.addDefault(email)
                    all.addDefault(.init(issuerURL: url(.oidc) + DevelopmentIssuer.githubPath, type: .githubWorkflow))
                    all.addDefault(.init(issuerURL: url(.oidc) + DevelopmentIssuer.gitlabPath, type: .gitlabPipeline))
                }
                for url in extra { all.addDefault(.init(issuerURL: url, type: .email)) }
                return all
            }
            let tokens = IdentityTokenVerifier(configuration: issuers, http: http, now: now)
            var service = FulcioService(keys: keys, tokens: tokens, issuers: issuers, now: now)
            service.metrics = metrics
            let fulcio = service
            application(.fulcio) { fulcio.register(on: $0) }
        }
        if wanted.contains(.rekor) {
            let log = try await TransparencyLog(
                name: keys.rekorLogName, storage: storage,
                signCheckpoint: RekorV1Service.checkpointSigner(key: keys.rekorKey, host: origin, treeID: keys.rekorTreeID, now: now),
                now: { Int64(now().timeIntervalSince1970) },
                onBatch: { metrics.batchCommitted(log: "rekor", entries: $0.entries, treeSize: $0.treeSize, commit: $0.commitDuration) })
            metrics.treeSize(log: "rekor", await log.size)
            explorerLogs.append(Explorer.Log(name: "rekor", title: "Rekor v1", log: log, treeID: keys.rekorTreeID))
            let rekor = RekorV1Service(log: log, key: keys.rekorKey, treeID: keys.rekorTreeID)
            application(.rekor) { rekor.register(on: $0) }
        }
        if wanted.contains(.rekorV2) {
            let log = try await TransparencyLog(
                name: "rekor-v2", storage: storage, signCheckpoint: RekorV2Service.checkpointSigner(key: keys.rekorV2Key, host: origin),
                now: { 0 },
                onBatch: { metrics.batchCommitted(log: "rekor-v2", entries: $0.entries, treeSize: $0.treeSize, commit: $0.commitDuration) })
            metrics.treeSize(log: "rekor-v2", await log.size)
            explorerLogs.append(Explorer.Log(name: "rekor-v2", title: "Rekor v2", log: log, treeID: nil))
            let rekor = RekorV2Service(log: log, key: keys.rekorV2Key, host: origin)
            application(.rekorV2) { rekor.register(on: $0) }
        }
        if wanted.contains(.tsa) {
            var authority = TimestampAuthority(keys: keys, now: now)
            authority.metrics = metrics
            let tsa = authority
            application(.tsa) { tsa.register(on: $0) }
        }
        let repository = wanted.contains(.tuf) ? try TrustRepository(dataDirectory: dir, now: now) : nil
        if let repository {
            let served = repository.repositoryDirectory
            application(.tuf) { TrustRepository.register(serving: served, on: $0) }
        }

        let explorer = Explorer(logs: explorerLogs)
        if let single {
            // Every service under its name; Fulcio's API at the root too (sigstore-python joins its absolute paths to
            // the Fulcio URL, dropping a path prefix).
            let served = registrations
            let app = try makeApplication(
                port: single,
                register: { router in
                    router.get("/metrics") { _, _ in Response.bytes(metrics.text(), contentType: "text/plain; version=0.0.4; charset=utf-8") }
                    if !explorer.logs.isEmpty { explorer.register(on: router.group().add(middleware: MetricsMiddleware<BasicRequestContext>(metrics: metrics, service: "explorer"))) }
                    for (service, register) in served {
                        let counted = MetricsMiddleware<BasicRequestContext>(metrics: metrics, service: service.rawValue)
                        register(router.group(RouterPath(service.rawValue)).add(middleware: counted))
                        if service == .fulcio { register(router.group().add(middleware: counted)) }
                    }
                    if !served.contains(where: { $0.0 == .fulcio }) {
                        router.get("/healthz") { _, _ in Response.json(.object([("status", .string("ok"))])) }
                    }
                },
                onRunning: { port in
                    for (service, _) in served { urls.set(service, "\(publicBase ?? "\(scheme)://\(urlHost):\(port)")/\(service.rawValue)") }
                },
                label: "all")
            applications.append((.fulcio, app))
        } else {
            for (service, register) in registrations {
                let app = try makeApplication(
                    port: ports[service] ?? 0,
                    register: { router in
                        router.get("/metrics") { _, _ in Response.bytes(metrics.text(), contentType: "text/plain; version=0.0.4; charset=utf-8") }
                        register(router.group().add(middleware: MetricsMiddleware<BasicRequestContext>(metrics: metrics, service: service.rawValue)))
                        // Per-service listeners: the explorer lives on Rekor v1's (or else Rekor v2's).
                        if service == (explorer.logs.contains { $0.name == "rekor" } ? .rekor : .rekorV2) {
                            explorer.register(on: router.group().add(middleware: MetricsMiddleware<BasicRequestContext>(metrics: metrics, service: "explorer")))
                        }
                    },
                    onRunning: { port in urls.set(service, "\(scheme)://\(urlHost):\(port)") }, label: service.rawValue)
                applications.append((service, app))
            }
        }

        let group = ServiceGroup(
            configuration: .init(
                services: applications.map { .init(service: $0.1) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        let expected = Set(registrations.map(\.0))
        let readyLogger = logger
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    while Set(urls.all.keys) != expected {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    let all = urls.all
                    var endpoints = try TrustFiles.write(keys: keys, urls: all, host: origin, directory: dir)
                    var addresses = remembered
                    addresses.address = host
                    if single != nil {
                        addresses.ports = [:]
                        addresses.port = URLComponents(string: all.values.first ?? "")?.port
                    } else {
                        addresses.port = nil
                        for (service, url) in all {
                            if let port = URLComponents(string: url)?.port { addresses.ports[service] = port }
                        }
                    }
                    if addresses != remembered { try addresses.write(directory: dir) }
                    if let repository {
                        let roles = try await repository.publish()
                        if !roles.isEmpty { readyLogger.info("tuf repository published", metadata: ["roles": "\(roles)"]) }
                        endpoints.tufRoot = repository.rootFile
                    }
                    endpoints.tlsCA = tls?.caPath
                    readyLogger.info("ready", metadata: ["endpoints": "\(endpoints.json)"])
                    await onReady(endpoints)
                    // The timestamp is re-signed while serving, well before it expires.
                    await repository?.keepFresh(now: now) { readyLogger.info("tuf repository: \($0)") }
                    // Without a TUF repository (`--services` without tuf) this task still must not end: the first task to
                    // end stops the stack.
                    while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
                }
                // The group runs until shutdown (or a failure); the refresh task then ends with it.
                try await tasks.next()
                tasks.cancelAll()
            }
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            try? await http.shutdown()
            try? await storage.close()
            throw InstanceError(.portInUse, "a port of \(host) is in use: \(error)")
        } catch {
            try? await http.shutdown()
            try? await storage.close()
            throw error
        }
        try? await http.shutdown()
        try? await storage.close()
    }
}

/// The base URL of each service, known once it listens.
extension LocalStack {
    /// `publicURL` without a trailing slash, after checking it is an http(s) URL with a host and no query, and that
    /// the stack runs one listener.
    static func publicBase(_ publicURL: String, port: Int?) throws -> String {
        guard port != nil else {
            throw InstanceError(.configuration, "--public-url names every service under one address: it needs --port (one listener)")
        }
        let components = URLComponents(string: publicURL)
        guard components?.user == nil, components?.password == nil else {
            // Not echoed: what stands before the host may be a credential.
            throw InstanceError(.configuration, "--public-url must not carry a user name or password")
        }
        guard let components, ["http", "https"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty, components.query == nil, components.fragment == nil
        else {
            throw InstanceError(.configuration, "--public-url must be an http(s) URL such as https://sigstore.example.com, got \(publicURL)")
        }
        return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }
}

final class URLRegistry: Sendable {
    private let urls = Mutex<[LocalStack.Service: String]>([:])

    func get(_ service: LocalStack.Service) -> String { urls.withLock { $0[service] } ?? "" }
    func set(_ service: LocalStack.Service, _ url: String) { urls.withLock { $0[service] = url } }
    var all: [LocalStack.Service: String] { urls.withLock { $0 } }
}

/// `trusted_root.json` (v0.1), `signing_config.json` (v0.2) and `trust_config.json` (the ClientTrustConfig of
/// sigstore-python's `--trust-config`) for a running stack.
public enum TrustFiles {
    /// Builds and writes the three files atomically; returns where they are.
    static func write(keys: InstanceKeys, urls: [LocalStack.Service: String], host: String, directory: String) throws -> LocalStack.Endpoints {
        let root = try trustedRoot(keys: keys, urls: urls, host: host)
        let signing = signingConfig(keys: keys, urls: urls)
        let trust = OrderedJSON.object([
            ("mediaType", .string("application/vnd.dev.sigstore.clienttrustconfig.v0.1+json")), ("trustedRoot", root),
            ("signingConfig", signing),
        ])
        let paths = (directory + "/trusted_root.json", directory + "/signing_config.json", directory + "/trust_config.json")
        try writeAtomically(paths.0, root.indented("  ") + [0x0A], mode: 0o644)
        try writeAtomically(paths.1, signing.indented("  ") + [0x0A], mode: 0o644)
        try writeAtomically(paths.2, trust.indented("  ") + [0x0A], mode: 0o644)
        let state = OrderedJSON.object(LocalStack.Service.allCases.compactMap { s in urls[s].map { (s.rawValue, .string($0)) } })
        try writeAtomically(directory + "/services.json", state.serialized() + [0x0A], mode: 0o644)
        return LocalStack.Endpoints(urls: urls, trustedRoot: paths.0, signingConfig: paths.1, trustConfig: paths.2)
    }

    static func validFor(_ keys: InstanceKeys) -> OrderedJSON { .object([("start", .string(rfc3339(keys.created)))]) }

    /// The trusted root of the running services: for each authority its retired generations (oldest first, each
    /// valid until it was rotated) and then the current one (valid from its rotation, or from the instance's creation).
    static func trustedRoot(keys: InstanceKeys, urls: [LocalStack.Service: String], host: String) throws -> OrderedJSON {
        typealias Authority = InstanceKeys.Authority
        func current(_ authority: Authority) -> TimeRange { TimeRange(start: keys.validFrom(authority), end: nil) }
        func retired(_ authority: Authority) -> [InstanceKeys.RetiredMaterial] { keys.retired.filter { $0.authority == authority } }
        func log(_ url: String, _ der: [UInt8], _ details: String, _ id: [UInt8], _ window: TimeRange) -> TransparencyLogInstance {
            TransparencyLogInstance(
                baseURL: url, publicKey: PublicKeyMaterial(rawBytes: der, keyDetails: details, validFor: window), logID: id)
        }
        func ca(_ name: String, _ uri: String, _ chain: [[UInt8]], _ window: TimeRange) -> CertificateAuthority {
            CertificateAuthority(organization: "sigstore-local", commonName: name, uri: uri, certificateChain: chain, validFor: window)
        }
        func sha256(_ der: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: der)) }
        func ed25519KeyID(_ der: [UInt8]) throws -> [UInt8] {
            let key = try SigstoreCrypto.PublicKey(derEncoded: der)
            return SignedNote.keyID(name: host, key: key)
        }
        var root = TrustedRoot()
        if let url = urls[.rekor] {
            for old in retired(.rekor) {
                guard let der = old.publicKey else { continue }
                root.tlogs.append(log(url, der, "PKIX_ECDSA_P256_SHA_256", sha256(der), TimeRange(start: old.start, end: old.end)))
            }
            let der = SigstoreCrypto.PublicKey(keys.rekorKey.publicKey).derRepresentation
            root.tlogs.append(log(url, der, "PKIX_ECDSA_P256_SHA_256", sha256(der), current(.rekor)))
        }
        if let url = urls[.rekorV2] {
            for old in retired(.rekorV2) {
                guard let der = old.publicKey else { continue }
                root.tlogs.append(log(url, der, "PKIX_ED25519", try ed25519KeyID(der), TimeRange(start: old.start, end: old.end)))
            }
            root.tlogs.append(log(
                url, SigstoreCrypto.PublicKey(keys.rekorV2Key.publicKey).derRepresentation, "PKIX_ED25519",
                RekorV2Service.keyID(key: keys.rekorV2Key.publicKey, host: host), current(.rekorV2)))
        }
        if let url = urls[.fulcio] {
            for old in retired(.fulcio) {
                root.certificateAuthorities.append(ca("sigstore-local", url, old.chain, TimeRange(start: old.start, end: old.end)))
            }
            root.certificateAuthorities.append(
                ca("sigstore-local", url, [try der(keys.fulcioIntermediate), try der(keys.fulcioRoot)], current(.fulcio)))
            for old in retired(.ctlog) {
                guard let der = old.publicKey else { continue }
                root.ctlogs.append(log(url + "/ct", der, "PKIX_ECDSA_P256_SHA_256", sha256(der), TimeRange(start: old.start, end: old.end)))
            }
            let der = SigstoreCrypto.PublicKey(keys.ctLogKey.publicKey).derRepresentation
            root.ctlogs.append(log(url + "/ct", der, "PKIX_ECDSA_P256_SHA_256", sha256(der), current(.ctlog)))
        }
        if let url = urls[.tsa] {
            for old in retired(.tsa) {
                root.timestampAuthorities.append(
                    ca("sigstore-local-tsa", url + "/api/v1/timestamp", old.chain, TimeRange(start: old.start, end: old.end)))
            }
            root.timestampAuthorities.append(
                ca("sigstore-local-tsa", url + "/api/v1/timestamp", [try der(keys.tsaCertificate), try der(keys.tsaRoot)], current(.tsa)))
        }
        return root.orderedJSON
    }

    static func signingConfig(keys: InstanceKeys, urls: [LocalStack.Service: String]) -> OrderedJSON {
        func service(_ url: String, _ version: Int64) -> OrderedJSON {
            .object([
                ("url", .string(url)), ("majorApiVersion", .number(version)), ("validFor", validFor(keys)),
                ("operator", .string("sigstore.local")),
            ])
        }
        var tlogs: [OrderedJSON] = []
        if let url = urls[.rekorV2] { tlogs.append(service(url, 2)) }
        if let url = urls[.rekor] { tlogs.append(service(url, 1)) }
        return .object([
            ("mediaType", .string("application/vnd.dev.sigstore.signingconfig.v0.2+json")),
            ("caUrls", .array(urls[.fulcio].map { [service($0, 1)] } ?? [])),
            ("oidcUrls", .array(urls[.oidc].map { [service($0, 1)] } ?? [])),
            ("rekorTlogUrls", .array(tlogs)),
            ("rekorTlogConfig", .object([("selector", .string("ANY"))])),
            ("tsaUrls", .array(urls[.tsa].map { [service($0 + "/api/v1/timestamp", 1)] } ?? [])),
            ("tsaConfig", .object([("selector", .string("ANY"))])),
        ])
    }
}
