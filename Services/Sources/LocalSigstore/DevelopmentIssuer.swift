public import Foundation
internal import HTTPTypes
public import Crypto
public import Hummingbird
internal import JWTKit
internal import SigstoreCrypto
internal import SigstoreModels
internal import Synchronization
public import SigstoreJSON

/// A development OIDC issuer: discovery, JWKS, minted ES256 ID tokens, the authorization-code flow with PKCE (S256)
/// behind a login page, and the device flow. For tests, `autoApprove` skips the login page and approves device codes
/// at once, as `defaultEmail`.
///
/// Not an identity provider: anyone who can reach it can sign in as anyone. Bind it to loopback.
public final class DevelopmentIssuer: Sendable {
    let key: P256.Signing.PrivateKey
    let issuerURL: @Sendable () -> String
    let now: @Sendable () -> Date
    /// Whether the login page and device approval are skipped.
    public let autoApprove: Bool
    /// The identity used when approving automatically.
    public let defaultEmail: String
    /// How long minted tokens are valid.
    public let tokenLifetime: TimeInterval
    private let state = Mutex(FlowState())

    struct AuthorizationCode {
        var clientID: String, redirectURI: String, challenge: String, nonce: String?, email: String, expires: Date
    }

    struct DeviceGrant {
        var clientID: String, userCode: String, email: String?, expires: Date
    }

    /// Most sign-ins (authorization codes and device grants) outstanding at once.
    static let maxPendingGrants = 10_000

    struct FlowState {
        var codes: [String: AuthorizationCode] = [:]
        var devices: [String: DeviceGrant] = [:]
        var lastSweep = Date.distantPast

        /// Drops expired grants (every 10 seconds, or at once when full); false when the outstanding ones still fill
        /// the table.
        mutating func makeRoom(now: Date) -> Bool {
            if now.timeIntervalSince(lastSweep) >= 10 || codes.count + devices.count >= DevelopmentIssuer.maxPendingGrants {
                codes = codes.filter { $0.value.expires > now }
                devices = devices.filter { $0.value.expires > now }
                lastSweep = now
            }
            return codes.count + devices.count < DevelopmentIssuer.maxPendingGrants
        }
    }

    /// Authorization codes and device grants not yet redeemed or expired-and-swept.
    public var pendingGrants: Int { state.withLock { $0.codes.count + $0.devices.count } }

    static var busy: ServiceError { ServiceError(.serviceUnavailable, "too many sign-ins in progress: try again in a few minutes") }

    /// Creates the issuer; `issuerURL` gives its own base URL (known once its port is bound).
    public init(
        key: P256.Signing.PrivateKey, issuerURL: @escaping @Sendable () -> String, autoApprove: Bool = false,
        defaultEmail: String = "developer@sigstore.local", tokenLifetime: TimeInterval = 600,
        now: @escaping @Sendable () -> Date
    ) {
        self.key = key
        self.issuerURL = issuerURL
        self.autoApprove = autoApprove
        self.defaultEmail = defaultEmail
        self.tokenLifetime = tokenLifetime
        self.now = now
    }

    /// The key ID in the JWKS and token headers.
    public var keyID: String { String(Hex.encode(SHA256.hash(data: key.publicKey.derRepresentation)).prefix(16)) }

    /// Mints an ID token for `email` (with `email_verified`), or for `subject` alone when `email` is nil.
    public func mint(email: String?, subject: String? = nil, expiresIn: TimeInterval? = nil, audience: String = "sigstore") async throws -> String {
        let issued = now()
        let claims = IdentityClaims(
            issuer: issuerURL(), subject: subject ?? email ?? "developer", audience: audience, issuedAt: issued,
            expires: issued.addingTimeInterval(expiresIn ?? tokenLifetime), email: email)
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PrivateKey(backing: key), kid: JWKIdentifier(string: keyID))
        return try await keys.sign(claims, kid: JWKIdentifier(string: keyID))
    }

    /// The path of the issuer of GitHub-Actions-shaped tokens under the issuer's URL (Fulcio's `github-workflow` type).
    public static let githubPath = "/github"
    /// The path of the issuer of GitLab-CI-shaped tokens (Fulcio's `gitlab-pipeline` type).
    public static let gitlabPath = "/gitlab"

    /// Mints a token with these claims (`iss` is the issuer's URL plus `issuerPath`; `aud`, `iat`, `nbf` and `exp`
    /// are added unless given).
    public func mint(claims: [(String, OrderedJSON)], issuerPath: String = "", expiresIn: TimeInterval? = nil, audience: String = "sigstore") async throws -> String {
        let issued = now()
        var members: [(String, OrderedJSON)] = [("iss", .string(issuerURL() + issuerPath))]
        let given = Set(claims.map(\.0))
        if !given.contains("aud") { members.append(("aud", .string(audience))) }
        members += claims
        let seconds = Int64(issued.timeIntervalSince1970)
        if !given.contains("iat") { members.append(("iat", .number(seconds))) }
        if !given.contains("nbf") { members.append(("nbf", .number(seconds))) }
        if !given.contains("exp") { members.append(("exp", .number(seconds + Int64(expiresIn ?? tokenLifetime)))) }
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PrivateKey(backing: key), kid: JWKIdentifier(string: keyID))
        return try await keys.sign(DynamicClaims(members: members), kid: JWKIdentifier(string: keyID))
    }

    /// The claims of a GitHub Actions OIDC token for `workflow` (`OWNER/REPO/.github/workflows/FILE@REF`), as GitHub
    /// issues them for a run of that workflow; `overrides` replace or (with a nil value) remove claims.
    public static func githubClaims(workflow: String, event: String = "push", sha: String? = nil, overrides: [String: String?] = [:]) throws -> [(String, OrderedJSON)] {
        guard let at = workflow.firstIndex(of: "@") else { throw ServiceError.badRequest("--github-workflow needs OWNER/REPO/.github/workflows/FILE@REF") }
        let path = workflow[..<at], ref = String(workflow[workflow.index(after: at)...])
        let segments = path.split(separator: "/")
        guard segments.count >= 5, segments[2] == ".github", segments[3] == "workflows", !ref.isEmpty else {
            throw ServiceError.badRequest("--github-workflow needs OWNER/REPO/.github/workflows/FILE@REF, got \(workflow)")
        }
        let owner = String(segments[0]), repository = "\(segments[0])/\(segments[1])"
        let commit = sha ?? Hex.encode(Array(SHA256.hash(data: Data(workflow.utf8))).prefix(20))
        func number(_ s: String) -> String { String(Array(SHA256.hash(data: Data(s.utf8))).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % 900_000_000 + 100_000_000) }
        let file = segments.last.map { $0.split(separator: ".").first.map(String.init) ?? String($0) } ?? "workflow"
        var claims: [(String, String)] = [
            ("sub", "repo:\(repository):ref:\(ref)"), ("ref", ref), ("sha", commit), ("repository", repository), ("repository_owner", owner),
            ("repository_owner_id", number(owner)), ("repository_id", number(repository)), ("repository_visibility", "public"),
            ("run_id", number(workflow + commit)), ("run_number", "1"), ("run_attempt", "1"), ("actor", owner), ("actor_id", number(owner)),
            ("workflow", file), ("workflow_ref", workflow), ("workflow_sha", commit), ("job_workflow_ref", workflow), ("job_workflow_sha", commit),
            ("event_name", event), ("ref_type", ref.hasPrefix("refs/tags/") ? "tag" : "branch"), ("runner_environment", "github-hosted"),
        ]
        for (name, value) in overrides {
            claims.removeAll { $0.0 == name }
            if let value { claims.append((name, value)) }
        }
        return claims.map { ($0.0, .string($0.1)) }
    }

    /// The claims of a GitLab CI OIDC token for a pipeline of `project` (`GROUP/PROJECT`) on `ref` (a branch, or
    /// `refs/tags/NAME`); `overrides` replace or remove claims.
    public static func gitlabClaims(project: String, ref: String, overrides: [String: String?] = [:]) throws -> [(String, OrderedJSON)] {
        let parts = project.split(separator: "/")
        guard parts.count >= 2, !ref.isEmpty else { throw ServiceError.badRequest("--gitlab-project needs GROUP/PROJECT and --gitlab-ref a branch or refs/tags/NAME") }
        let tag = ref.hasPrefix("refs/tags/")
        let name = tag ? String(ref.dropFirst("refs/tags/".count)) : ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : ref
        let namespace = parts.dropLast().joined(separator: "/")
        let commit = Hex.encode(Array(SHA256.hash(data: Data((project + ref).utf8))).prefix(20))
        func number(_ s: String) -> String { String(Array(SHA256.hash(data: Data(s.utf8))).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % 900_000_000 + 100_000_000) }
        let fullRef = (tag ? "refs/tags/" : "refs/heads/") + name
        var claims: [(String, String)] = [
            ("sub", "project_path:\(project):ref_type:\(tag ? "tag" : "branch"):ref:\(name)"), ("namespace_id", number(namespace)),
            ("namespace_path", namespace), ("project_id", number(project)), ("project_path", project), ("user_login", String(parts[0])),
            ("pipeline_id", number(project + commit)), ("pipeline_source", "push"), ("job_id", number(project + commit + "job")), ("ref", name),
            ("ref_type", tag ? "tag" : "branch"), ("ref_protected", "true"), ("runner_id", "1"), ("runner_environment", "gitlab-hosted"),
            ("sha", commit), ("project_visibility", "public"), ("ci_config_ref_uri", "gitlab.com/\(project)//.gitlab-ci.yml@\(fullRef)"),
            ("ci_config_sha", commit),
        ]
        for (name, value) in overrides {
            claims.removeAll { $0.0 == name }
            if let value { claims.append((name, value)) }
        }
        return claims.map { ($0.0, .string($0.1)) }
    }

    /// Adds the routes to `router`.
    public func register(on router: some RouterMethods<BasicRequestContext>) {
        let group = router.group().add(middleware: JSONErrorMiddleware<BasicRequestContext>(style: .oauth))
        // The CI issuers: discovery only (their tokens are minted by `sigstore-local token`), the same keys.
        for path in [Self.githubPath, Self.gitlabPath] {
            group.get(RouterPath(path + "/.well-known/openid-configuration")) { _, _ in
                let base = self.issuerURL()
                return Response.json(.object([
                    ("issuer", .string(base + path)), ("jwks_uri", .string(base + "/jwks")),
                    ("response_types_supported", .array([.string("id_token")])),
                    ("subject_types_supported", .array([.string("public")])),
                    ("id_token_signing_alg_values_supported", .array([.string("ES256")])),
                ]))
            }
        }
        group.get("/.well-known/openid-configuration") { _, _ in
            let base = self.issuerURL()
            return Response.json(.object([
                ("issuer", .string(base)), ("authorization_endpoint", .string(base + "/authorize")),
                ("token_endpoint", .string(base + "/token")), ("jwks_uri", .string(base + "/jwks")),
                ("device_authorization_endpoint", .string(base + "/device/code")),
                ("response_types_supported", .array([.string("code")])),
                ("subject_types_supported", .array([.string("public")])),
                ("id_token_signing_alg_values_supported", .array([.string("ES256")])),
                ("code_challenge_methods_supported", .array([.string("S256")])),
                ("grant_types_supported", .array([
                    .string("authorization_code"), .string("urn:ietf:params:oauth:grant-type:device_code"),
                ])),
                ("scopes_supported", .array([.string("openid"), .string("email")])),
                ("claims_supported", .array(["iss", "sub", "aud", "exp", "iat", "email", "email_verified"].map { .string($0) })),
            ]))
        }
        group.get("/jwks") { _, _ in
            let raw = Array(self.key.publicKey.rawRepresentation)
            let jwk = OrderedJSON.object([
                ("kty", .string("EC")), ("crv", .string("P-256")), ("use", .string("sig")), ("alg", .string("ES256")),
                ("kid", .string(self.keyID)), ("x", .string(Self.base64URL(Array(raw[0..<32])))),
                ("y", .string(Self.base64URL(Array(raw[32..<64])))),
            ])
            return Response.json(.object([("keys", .array([jwk]))]))
        }
        group.get("/authorize") { request, _ in
            let q = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { a, _ in a })
            let params = try self.authorizationParameters(q)
            if self.autoApprove { return try self.approve(params, email: self.defaultEmail) }
            return Response.bytes(Array(self.loginPage(params).utf8), contentType: "text/html; charset=utf-8")
        }
        group.post("/authorize") { request, _ in
            var request = request
            let form = Self.form(try await request.bodyBytes(limit: 16 * 1024))
            let params = try self.authorizationParameters(form)
            guard let email = form["email"], IdentityTokenVerifier.isEmailAddress(email) else {
                throw ServiceError.badRequest("enter an email address")
            }
            return try self.approve(params, email: email)
        }
        group.post("/token") { request, _ in
            var request = request
            let form = Self.form(try await request.bodyBytes(limit: 16 * 1024))
            return try await self.token(form)
        }
        group.post("/device/code") { request, _ in
            var request = request
            let form = Self.form(try await request.bodyBytes(limit: 16 * 1024))
            guard let clientID = form["client_id"], !clientID.isEmpty else { throw ServiceError.badRequest("client_id is required") }
            let deviceCode = Self.randomToken()
            let userCode = String(Self.randomToken().prefix(8)).uppercased()
            let grant = DeviceGrant(
                clientID: clientID, userCode: userCode, email: self.autoApprove ? self.defaultEmail : nil,
                expires: self.now().addingTimeInterval(600))
            let now = self.now()
            let stored = self.state.withLock { state -> Bool in
                guard state.makeRoom(now: now) else { return false }
                state.devices[deviceCode] = grant
                return true
            }
            guard stored else { throw Self.busy }
            let base = self.issuerURL()
            return Response.json(.object([
                ("device_code", .string(deviceCode)), ("user_code", .string(userCode)),
                ("verification_uri", .string(base + "/device")),
                ("verification_uri_complete", .string(base + "/device?user_code=" + userCode)),
                ("expires_in", .number(600)), ("interval", .number(1)),
            ]))
        }
        group.get("/device") { request, _ in
            let code = request.uri.queryParameters["user_code"].map(String.init) ?? ""
            let page = """
                <!doctype html><html><head><title>sigstore-local: approve a device</title></head><body>
                <h1>Approve a device sign-in</h1>
                <form method="post" action="/device">
                <label>Code <input name="user_code" value="\(Self.html(code))"></label>
                <label>Email <input name="email" type="email" value="\(Self.html(self.defaultEmail))"></label>
                <button type="submit">Approve</button></form></body></html>
                """
            return Response.bytes(Array(page.utf8), contentType: "text/html; charset=utf-8")
        }
        group.post("/device") { request, _ in
            var request = request
            let form = Self.form(try await request.bodyBytes(limit: 16 * 1024))
            guard let userCode = form["user_code"]?.uppercased(), let email = form["email"], IdentityTokenVerifier.isEmailAddress(email) else {
                throw ServiceError.badRequest("enter the code and an email address")
            }
            let found = self.state.withLock { state -> Bool in
                guard let entry = state.devices.first(where: { $0.value.userCode == userCode }) else { return false }
                state.devices[entry.key]?.email = email
                return true
            }
            guard found else { throw ServiceError.badRequest("unknown or expired code") }
            return Response.bytes(Array("<!doctype html><p>Signed in. You can close this window.</p>".utf8), contentType: "text/html; charset=utf-8")
        }
        group.get("/healthz") { _, _ in Response.json(.object([("status", .string("ok"))])) }
    }

    struct AuthorizationParameters {
        var clientID: String, redirectURI: String, state: String?, challenge: String, nonce: String?
    }

    func authorizationParameters(_ q: [String: String]) throws -> AuthorizationParameters {
        guard q["response_type"] == "code" else { throw ServiceError.badRequest("response_type must be code") }
        guard let clientID = q["client_id"], !clientID.isEmpty else { throw ServiceError.badRequest("client_id is required") }
        guard let redirect = q["redirect_uri"], Self.isAllowedRedirect(redirect) else {
            throw ServiceError.badRequest("redirect_uri must be a loopback http URL or urn:ietf:wg:oauth:2.0:oob")
        }
        guard let challenge = q["code_challenge"], challenge.count >= 43, q["code_challenge_method"] == "S256" else {
            throw ServiceError.badRequest("PKCE is required: code_challenge with code_challenge_method=S256")
        }
        return AuthorizationParameters(clientID: clientID, redirectURI: redirect, state: q["state"], challenge: challenge, nonce: q["nonce"])
    }

    func approve(_ p: AuthorizationParameters, email: String) throws -> Response {
        let code = Self.randomToken()
        let now = now()
        let stored = state.withLock { state -> Bool in
            guard state.makeRoom(now: now) else { return false }
            state.codes[code] = AuthorizationCode(
                clientID: p.clientID, redirectURI: p.redirectURI, challenge: p.challenge, nonce: p.nonce, email: email,
                expires: now.addingTimeInterval(120))
            return true
        }
        guard stored else { throw Self.busy }
        if p.redirectURI == "urn:ietf:wg:oauth:2.0:oob" {
            return Response.bytes(Array("<!doctype html><p>Your code: <code>\(code)</code></p>".utf8), contentType: "text/html; charset=utf-8")
        }
        var location = p.redirectURI + (p.redirectURI.contains("?") ? "&" : "?") + "code=" + code
        if let s = p.state { location += "&state=" + Self.percentEncode(s) }
        return Response(status: .found, headers: [.location: location])
    }

    func token(_ form: [String: String]) async throws -> Response {
        let email: String
        switch form["grant_type"] {
        case "authorization_code":
            guard let code = form["code"], let verifier = form["code_verifier"] else {
                throw ServiceError.badRequest("code and code_verifier are required")
            }
            let grant = state.withLock { $0.codes.removeValue(forKey: code) }
            guard let grant, grant.expires > now() else { throw ServiceError.badRequest("unknown or expired authorization code") }
            guard form["redirect_uri"] == grant.redirectURI, form["client_id"] == nil || form["client_id"] == grant.clientID else {
                throw ServiceError.badRequest("redirect_uri or client_id does not match the authorization request")
            }
            guard Self.base64URL(Array(SHA256.hash(data: Array(verifier.utf8)))) == grant.challenge else {
                throw ServiceError.badRequest("code_verifier does not match the code_challenge")
            }
            email = grant.email
        case "urn:ietf:params:oauth:grant-type:device_code":
            guard let code = form["device_code"] else { throw ServiceError.badRequest("device_code is required") }
            let grant = state.withLock { $0.devices[code] }
            guard let grant, grant.expires > now() else {
                return Response.json(ErrorStyle.oauthError("expired_token", "the device code is unknown or expired"), status: .badRequest)
            }
            guard let approved = grant.email else {
                return Response.json(ErrorStyle.oauthError("authorization_pending", "the user has not approved yet"), status: .badRequest)
            }
            _ = state.withLock { $0.devices.removeValue(forKey: code) }
            email = approved
        default:
            throw ServiceError.badRequest("grant_type must be authorization_code or urn:ietf:params:oauth:grant-type:device_code")
        }
        let idToken = try await mint(email: email)
        // sigstore-python reads the ID token from access_token, Go clients from id_token.
        return Response.json(.object([
            ("access_token", .string(idToken)), ("id_token", .string(idToken)), ("token_type", .string("Bearer")),
            ("expires_in", .number(Int64(tokenLifetime))), ("scope", .string("openid email")),
        ]))
    }

    func loginPage(_ p: AuthorizationParameters) -> String {
        func hidden(_ name: String, _ value: String?) -> String {
            guard let value else { return "" }
            return #"<input type="hidden" name="\#(name)" value="\#(Self.html(value))">"#
        }
        return """
            <!doctype html><html><head><title>sigstore-local: sign in</title></head><body>
            <h1>Sign in to sigstore-local</h1>
            <p>Development issuer: any email is accepted.</p>
            <form method="post" action="/authorize">
            \(hidden("response_type", "code"))\(hidden("client_id", p.clientID))\(hidden("redirect_uri", p.redirectURI))\
            \(hidden("state", p.state))\(hidden("code_challenge", p.challenge))\(hidden("code_challenge_method", "S256"))\
            \(hidden("nonce", p.nonce))
            <label>Email <input id="email" name="email" type="email" value="\(Self.html(defaultEmail))"></label>
            <button id="approve" type="submit">Sign in</button></form></body></html>
            """
    }

    // MARK: - Helpers

    static func isAllowedRedirect(_ uri: String) -> Bool {
        if uri == "urn:ietf:wg:oauth:2.0:oob" { return true }
        guard let components = URLComponents(string: uri), components.scheme == "http", let host = components.host else { return false }
        return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1"
    }

    static func randomToken() -> String {
        base64URL((0..<24).map { _ in UInt8.random(in: 0...255) })
    }

    static func base64URL(_ bytes: [UInt8]) -> String { Base64.encodeURL(bytes) }

    static func html(_ s: String) -> String { Explorer.html(s) }

    static func percentEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// Parses `application/x-www-form-urlencoded`.
    static func form(_ bytes: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        for pair in String(decoding: bytes, as: UTF8.self).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            let key = decode(kv[0])
            if out[key] == nil { out[key] = kv.count > 1 ? decode(kv[1]) : "" }
        }
        return out
    }
}

extension ErrorStyle {
    static func oauthError(_ code: String, _ description: String) -> OrderedJSON {
        .object([("error", .string(code)), ("error_description", .string(description))])
    }
}

/// Claims of any shape, signed in the order given.
struct DynamicClaims: JWTPayload {
    var members: [(String, OrderedJSON)]

    init(members: [(String, OrderedJSON)]) { self.members = members }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws { members = [] }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, value) in members {
            switch value {
            case .string(let s): try container.encode(s, forKey: Key(stringValue: name))
            case .number(let n): try container.encode(n, forKey: Key(stringValue: name))
            case .bool(let b): try container.encode(b, forKey: Key(stringValue: name))
            default: try container.encode(String(decoding: value.serialized(), as: UTF8.self), forKey: Key(stringValue: name))
            }
        }
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Tokens of a data directory's development issuer, minted without the server (for `sigstore-local token`).
public enum DevelopmentTokens {
    /// Mints a token with `claims` for the issuer URL the last `serve` recorded plus `issuerPath`.
    public static func mint(
        dataDirectory: String, claims: [(String, OrderedJSON)], issuerPath: String, expiresIn: TimeInterval, audience: String
    ) async throws -> String {
        try await issuer(dataDirectory).mint(claims: claims, issuerPath: issuerPath, expiresIn: expiresIn, audience: audience)
    }

    static func issuer(_ dataDirectory: String) throws -> DevelopmentIssuer {
        let servicesPath = dataDirectory + "/services.json"
        guard let data = FileManager.default.contents(atPath: servicesPath),
              let json = try? JSONParser.parse(Array(data)), let url = json["oidc"]?.stringValue
        else { throw ServiceError(.notFound, "\(servicesPath) names no OIDC issuer: start `sigstore-local serve --data-dir \(dataDirectory)` first") }
        let keys = try InstanceKeys.loadOrCreate(directory: dataDirectory)
        return DevelopmentIssuer(key: keys.oidcKey, issuerURL: { url }, now: { Date() })
    }

    /// Mints a token with the issuer key in `dataDirectory` for the issuer URL its last `serve` recorded.
    public static func mint(
        dataDirectory: String, email: String?, subject: String?, expiresIn: TimeInterval, audience: String
    ) async throws -> String {
        try await issuer(dataDirectory).mint(email: email, subject: subject, expiresIn: expiresIn, audience: audience)
    }
}
