internal import Foundation
internal import SigstoreModels
internal import Crypto
internal import NIOCore
internal import NIOHTTP1
internal import NIOPosix
internal import SigstoreCrypto
internal import Synchronization
import SigstoreJSON
import SigstoreCore

/// The interactive OIDC flows cosign offers when no token is at hand: the authorization-code flow with PKCE and a
/// loopback redirect listener (a browser), and the device flow.
public struct OAuthFlow: Sendable {
    /// The issuer's base URL.
    public var issuer: String
    /// `--oidc-client-id`.
    public var clientID: String
    /// `--oidc-client-secret-file`'s content, if any.
    public var clientSecret: String?
    /// `--oidc-redirect-url`: a fixed redirect URL; by default `http://localhost:<free port>/auth/callback`.
    public var redirectURL: String?
    /// Where progress lines go (stderr).
    public var print: @Sendable (String) -> Void
    /// Where the device flow's lines go (stdout, as in sigstore's Go client).
    public var printOut: @Sendable (String) -> Void
    /// Reads a line typed by the user (the out-of-band code).
    public var readLine: @Sendable () -> String?
    /// Opens a URL in a browser; false when no browser could be started.
    public var openBrowser: @Sendable (String) -> Bool
    /// How long to wait for the user.
    public var timeout: Duration = .seconds(300)

    /// Creates a flow.
    public init(
        issuer: String, clientID: String = "sigstore", clientSecret: String? = nil, redirectURL: String? = nil,
        print: @escaping @Sendable (String) -> Void, printOut: @escaping @Sendable (String) -> Void = { Swift.print($0) },
        readLine: @escaping @Sendable () -> String? = { Swift.readLine() },
        openBrowser: @escaping @Sendable (String) -> Bool = OAuthFlow.systemBrowser
    ) {
        self.printOut = printOut
        self.readLine = readLine
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.redirectURL = redirectURL
        self.print = print
        self.openBrowser = openBrowser
    }

    struct Discovery {
        var authorizationEndpoint: String
        var tokenEndpoint: String
        var deviceEndpoint: String?
    }

    func discover(_ http: ServiceHTTP) async throws -> Discovery {
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        let response = try await http.send("GET", base + "/.well-known/openid-configuration", service: "OIDC issuer")
        struct Document: Decodable {
            var authorization_endpoint: String
            var token_endpoint: String
            var device_authorization_endpoint: String?
        }
        guard response.status == 200, let document = try? JSONDecoder().decode(Document.self, from: Data(response.body)) else {
            throw SigningError(.identityToken, "OIDC discovery at \(base) failed (HTTP \(response.status))")
        }
        return Discovery(
            authorizationEndpoint: document.authorization_endpoint, tokenEndpoint: document.token_endpoint,
            deviceEndpoint: document.device_authorization_endpoint)
    }

    /// Opens `$BROWSER` if set, else the first of `xdg-open`, `x-www-browser`, `www-browser` found on `PATH` (the
    /// openers Go's pkg/browser tries), in the background.
    public static let systemBrowser: @Sendable (String) -> Bool = { url in
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let browser = environment["BROWSER"], !browser.isEmpty { candidates.append(browser) }
        candidates += ["xdg-open", "x-www-browser", "www-browser"]
        for candidate in candidates {
            let path: String
            if candidate.contains("/") {
                path = candidate
            } else {
                guard let found = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
                    .map({ "\($0)/\(candidate)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) })
                else { continue }
                path = found
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = [url]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.standardError
            do {
                try process.run()
                return true
            } catch {
                continue
            }
        }
        return false
    }

    // MARK: - Authorization code + PKCE

    /// Runs the browser flow: a loopback listener for the redirect, the browser (or the printed link), the code
    /// exchange, and the ID token.
    public func browser(http: ServiceHTTP) async throws -> IdentityToken {
        let discovery = try await discover(http)
        let verifier = Self.randomToken(32)
        let challenge = Base64.encodeURL(Array(SHA256.hash(data: Array(verifier.utf8))))
        let state = Self.randomToken(16)
        let nonce = Self.randomToken(16)
        func authorizeURL(_ redirect: String) throws -> String {
            var components = URLComponents(string: discovery.authorizationEndpoint)
            let existing = components?.queryItems ?? []
            components?.queryItems = existing + [
                URLQueryItem(name: "access_type", value: "online"), URLQueryItem(name: "client_id", value: clientID),
                URLQueryItem(name: "code_challenge", value: challenge), URLQueryItem(name: "code_challenge_method", value: "S256"),
                URLQueryItem(name: "nonce", value: nonce), URLQueryItem(name: "redirect_uri", value: redirect),
                URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "scope", value: "openid email"),
                URLQueryItem(name: "state", value: state),
            ]
            guard let url = components?.url?.absoluteString else {
                throw SigningError(.configuration, "bad authorization endpoint \(discovery.authorizationEndpoint)")
            }
            return url
        }
        func redeem(_ code: String, redirect: String) async throws -> IdentityToken {
            var form = [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect), ("client_id", clientID),
                ("code_verifier", verifier), ("nonce", nonce),
            ]
            if let clientSecret { form.append(("client_secret", clientSecret)) }
            let token = try await exchange(form, endpoint: discovery.tokenEndpoint, http: http).get()
            if let claimed = token.nonce, claimed != nonce {
                throw SigningError(.identityToken, "the ID token's nonce does not match value sent")
            }
            return token
        }
        let listener = try await CallbackListener.start(redirectURL: redirectURL)
        let query: [String: String]
        do {
            let url = try authorizeURL(listener.redirectURL)
            guard openBrowser(url) else {
                await listener.close()
                print("error opening browser: no browser could be started")
                return try await outOfBand(authorizeURL("urn:ietf:wg:oauth:2.0:oob")) { try await redeem($0, redirect: "urn:ietf:wg:oauth:2.0:oob") }
            }
            print("Your browser will now be opened to:\n\(url)")
            query = try await listener.waitForCallback(timeout: timeout)
            await listener.close()
        } catch {
            await listener.close()
            throw error
        }
        if let error = query["error"] {
            throw SigningError(.identityToken, "the OIDC issuer refused the login: \(error) \(query["error_description"] ?? "")")
        }
        guard query["state"] == state else {
            throw SigningError(.identityToken, "invalid state token in the OIDC callback")
        }
        guard let code = query["code"], !code.isEmpty else {
            throw SigningError(.identityToken, "the OIDC callback has no authorization code")
        }
        return try await redeem(code, redirect: listener.redirectURL)
    }

    /// The out-of-band flow: the user opens the link, logs in, and types the code shown.
    func outOfBand(_ url: String, redeem: (String) async throws -> IdentityToken) async throws -> IdentityToken {
        print("Go to the following link in a browser:\n\n\t \(url)")
        print("Enter verification code: ")
        guard let code = readLine()?.trimmingCharacters(in: .whitespacesAndNewlines), !code.isEmpty else {
            throw SigningError(.identityToken, "no verification code was entered")
        }
        return try await redeem(code)
    }

    enum Exchange {
        case token(IdentityToken)
        case pending(String)
        func get() throws -> IdentityToken {
            switch self {
            case .token(let t): return t
            case .pending(let e): throw SigningError(.identityToken, "the OIDC issuer did not issue a token: \(e)")
            }
        }
    }

    func exchange(_ form: [(String, String)], endpoint: String, http: ServiceHTTP) async throws -> Exchange {
        let response = try await http.send(
            "POST", endpoint, headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(Self.formEncode(form).utf8), service: "OIDC issuer")
        struct Answer: Decodable {
            var id_token: String?
            var error: String?
            var error_description: String?
        }
        let answer = (try? JSONDecoder().decode(Answer.self, from: Data(response.body))) ?? Answer()
        guard response.status == 200 else {
            let error = answer.error ?? "HTTP \(response.status)"
            if ["authorization_pending", "slow_down"].contains(error) { return .pending(error) }
            let description = answer.error_description.map { ": " + $0 } ?? ""
            throw SigningError(.identityToken, "the OIDC token endpoint refused: \(error)\(description)")
        }
        guard let idToken = answer.id_token, !idToken.isEmpty else {
            throw SigningError(.identityToken, "the OIDC token endpoint answered without an id_token")
        }
        return .token(try IdentityToken(idToken))
    }

    // MARK: - Device flow

    /// Runs the device flow: prints the code and URL, then polls the token endpoint until the user approves.
    public func device(http: ServiceHTTP, sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) async throws -> IdentityToken {
        let discovery = try await discover(http)
        guard let endpoint = discovery.deviceEndpoint else {
            throw SigningError(.identityToken, "the OIDC issuer \(issuer) does not offer the device flow")
        }
        var form = [("client_id", clientID), ("scope", "openid email")]
        if let clientSecret { form.append(("client_secret", clientSecret)) }
        let response = try await http.send(
            "POST", endpoint, headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(Self.formEncode(form).utf8), service: "OIDC issuer")
        struct Authorization: Decodable {
            var device_code: String
            var user_code: String
            var verification_uri: String?
            var verification_url: String?
            var verification_uri_complete: String?
            var expires_in: Double?
            var interval: Int?
        }
        guard response.status == 200, let authorization = try? JSONDecoder().decode(Authorization.self, from: Data(response.body)),
            let uri = authorization.verification_uri ?? authorization.verification_url
        else {
            throw SigningError(.identityToken, "the OIDC device authorization request failed: \(response.serviceMessage)")
        }
        let (deviceCode, userCode) = (authorization.device_code, authorization.user_code)
        let expiresIn = authorization.expires_in ?? 300
        printOut("Enter the verification code \(userCode) in your browser at: \(authorization.verification_uri_complete ?? uri)")
        printOut("Code will be valid for \(Int(expiresIn)) seconds")
        let interval = Duration.seconds(max(1, authorization.interval ?? 5))
        let deadline = ContinuousClock.now + .seconds(expiresIn)
        var poll = [("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", deviceCode), ("client_id", clientID)]
        if let clientSecret { poll.append(("client_secret", clientSecret)) }
        while ContinuousClock.now < deadline {
            switch try await exchange(poll, endpoint: discovery.tokenEndpoint, http: http) {
            case .token(let token):
                printOut("Token received!")
                return token
            case .pending(let why):
                try await sleep(why == "slow_down" ? interval + .seconds(10) : interval)
            }
        }
        throw SigningError(.identityToken, "the device code expired before the login was approved")
    }

    // MARK: - Helpers

    static func randomToken(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64.encodeURL((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }


    static func formEncode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
    }
}

/// The loopback HTTP listener that receives the OAuth redirect.
final class CallbackListener: Sendable {
    let channel: any Channel
    let redirectURL: String
    let path: String
    private let result: Mutex<(query: [String: String]?, waiter: CheckedContinuation<[String: String], any Error>?)> = Mutex((nil, nil))

    private init(channel: any Channel, redirectURL: String, path: String) {
        self.channel = channel
        self.redirectURL = redirectURL
        self.path = path
    }

    static func start(redirectURL fixed: String?) async throws -> CallbackListener {
        var host = "localhost"
        var port = 0
        var path = "/auth/callback"
        if let fixed {
            guard let components = URLComponents(string: fixed), components.scheme == "http", let h = components.host else {
                throw SigningError(.configuration, "the OAuth redirect URL must be an http URL on this machine, got \(fixed)", remedy: .redirectURL)
            }
            host = h
            port = components.port ?? 80
            if !components.path.isEmpty { path = components.path }
        }
        let bindHost = host == "localhost" ? "127.0.0.1" : host
        let box = Mutex<CallbackListener?>(nil)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 16)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { child in
                    child.pipeline.configureHTTPServerPipeline().flatMap {
                        child.pipeline.addHandler(CallbackHandler { box.withLock { $0 } })
                    }
                }
                .bind(host: bindHost, port: port).get()
        } catch {
            throw SigningError(.configuration, "cannot listen for the OIDC redirect on \(bindHost):\(port): \(error)")
        }
        let actualPort = channel.localAddress?.port ?? port
        let url = fixed ?? "http://\(host):\(actualPort)\(path)"
        let listener = CallbackListener(channel: channel, redirectURL: url, path: path)
        box.withLock { $0 = listener }
        return listener
    }

    func deliver(_ query: [String: String]) {
        let waiter = result.withLock { state -> CheckedContinuation<[String: String], any Error>? in
            guard state.query == nil else { return nil }
            state.query = query
            let w = state.waiter
            state.waiter = nil
            return w
        }
        waiter?.resume(returning: query)
    }

    func waitForCallback(timeout: Duration) async throws -> [String: String] {
        try await withThrowingTaskGroup(of: [String: String].self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { continuation in
                    let ready = self.result.withLock { state -> [String: String]? in
                        if let q = state.query { return q }
                        state.waiter = continuation
                        return nil
                    }
                    if let ready { continuation.resume(returning: ready) }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SigningError(.identityToken, "no OIDC redirect arrived within \(timeout.components.seconds) s")
            }
            defer { group.cancelAll() }
            let first = try await group.next()!
            return first
        }
    }

    func close() async {
        try? await channel.close()
        let waiter = result.withLock { state -> CheckedContinuation<[String: String], any Error>? in
            let w = state.waiter
            state.waiter = nil
            return w
        }
        waiter?.resume(throwing: SigningError(.identityToken, "the OIDC redirect listener closed"))
    }
}

final class CallbackHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let listener: @Sendable () -> CallbackListener?
    private var uri: String?

    init(listener: @escaping @Sendable () -> CallbackListener?) { self.listener = listener }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): uri = head.uri
        case .body: break
        case .end:
            let components = URLComponents(string: "http://localhost" + (uri ?? "/"))
            var status = HTTPResponseStatus.notFound
            var text = "Not found"
            if let listener = listener(), components?.path == listener.path {
                var query: [String: String] = [:]
                for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
                listener.deliver(query)
                status = .ok
                text = query["code"] != nil
                    ? "<html><body><h1>Sigstore Auth Successful</h1><p>You may now close this page.</p></body></html>"
                    : "<html><body><h1>Sigstore Auth Failed</h1></body></html>"
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
            headers.add(name: "Content-Length", value: String(text.utf8.count))
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
            let channel = context.channel
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
