import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import SigstoreModels
import Testing
import SigstoreJSON

/// The development issuer's browser and device flows, health, restart and shutdown (the TSA against openssl is in
/// RouterTests, in process).
@Suite("sigstore-local services", .serialized)
struct ServiceTests {
    /// A client that shows redirects instead of following them.
    static let noRedirects = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    static func form(_ url: String, _ fields: [String: String], client: HTTPClient = noRedirects) async throws -> HTTP.Reply {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return HTTP.Reply(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    static func get(_ url: String) async throws -> HTTP.Reply {
        let response = try await noRedirects.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return HTTP.Reply(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Base64.encode(bytes).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Asks Fulcio for a certificate with `token`, proving possession over `email`.
    static func certificate(_ stack: StackProcess, token: String, email: String) async throws -> HTTP.Reply {
        let key = P256.Signing.PrivateKey()
        let proof = try key.signature(for: SHA256.hash(data: Array(email.utf8))).derRepresentation
        let pem = key.publicKey.pemRepresentation.replacingOccurrences(of: "\n", with: "\\n")
        return try await HTTP.post(
            stack["fulcio"] + "/api/v2/signingCert",
            json: #"{"credentials":{"oidcIdentityToken":"\#(token)"},"publicKeyRequest":{"publicKey":{"content":"\#(pem)"},"proofOfPossession":"\#(Base64.encode(Array(proof)))"}}"#)
    }

    @Test("authorization code with PKCE through the login page, then the device flow; the tokens get Fulcio certificates")
    func oidcFlows() async throws {
        let tmp = try TemporaryDirectory()
        let stack = try StackProcess(dataDirectory: tmp.path + "/data")
        defer { stack.stop() }
        let oidc = stack["oidc"]
        let discovery = try #require(try await HTTP.get(oidc + "/.well-known/openid-configuration").json)
        #expect(discovery["issuer"]?.string == oidc)
        #expect(discovery["code_challenge_methods_supported"]?.array.first?.string == "S256")
        #expect(discovery["device_authorization_endpoint"]?.string == oidc + "/device/code")
        #expect(try await HTTP.get(oidc + "/jwks").json?["keys"]?.array.count == 1)

        let verifier = Self.base64URL((0..<32).map { _ in UInt8.random(in: 0...255) })
        let challenge = Self.base64URL(Array(SHA256.hash(data: Array(verifier.utf8))))
        let redirect = "http://localhost:53111/auth/callback"
        let page = try await Self.get(
            oidc + "/authorize?response_type=code&client_id=sigstore&scope=openid%20email&state=st4te&nonce=n0nce"
                + "&code_challenge=\(challenge)&code_challenge_method=S256&redirect_uri=" + redirect.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        #expect(page.status == 200 && page.text.contains("<form method=\"post\" action=\"/authorize\">"))
        // Without PKCE the request is refused.
        let noPKCE = try await Self.get(oidc + "/authorize?response_type=code&client_id=sigstore&redirect_uri=" + redirect)
        #expect(noPKCE.status == 400 && noPKCE.json?["error"]?.string == "invalid_request")

        let approved = try await Self.form(oidc + "/authorize", [
            "response_type": "code", "client_id": "sigstore", "redirect_uri": redirect, "state": "st4te",
            "code_challenge": challenge, "code_challenge_method": "S256", "email": "bob@example.com",
        ])
        #expect(approved.status == 302)
        let location = try #require(approved.headers.first(name: "Location"))
        #expect(location.hasPrefix(redirect + "?code=") && location.hasSuffix("&state=st4te"))
        let code = String(location.dropFirst((redirect + "?code=").count).prefix { $0 != "&" })

        let wrong = try await Self.form(oidc + "/token", [
            "grant_type": "authorization_code", "code": code, "code_verifier": verifier + "x", "redirect_uri": redirect,
        ])
        #expect(wrong.status == 400, "a wrong verifier is refused")
        // The code was spent by the failed attempt: redeem a fresh one.
        let again = try await Self.form(oidc + "/authorize", [
            "response_type": "code", "client_id": "sigstore", "redirect_uri": redirect, "code_challenge": challenge,
            "code_challenge_method": "S256", "email": "bob@example.com",
        ])
        let code2 = String(try #require(again.headers.first(name: "Location")).split(separator: "=")[1].prefix { $0 != "&" })
        let tokens = try await Self.form(oidc + "/token", [
            "grant_type": "authorization_code", "code": code2, "code_verifier": verifier, "redirect_uri": redirect,
            "client_id": "sigstore",
        ])
        #expect(tokens.status == 200, "\(tokens.text)")
        let idToken = try #require(tokens.json?["id_token"]?.string)
        #expect(tokens.json?["access_token"]?.string == idToken)
        #expect(try await Self.certificate(stack, token: idToken, email: "bob@example.com").status == 200)

        // Device flow.
        let device = try #require(try await Self.form(oidc + "/device/code", ["client_id": "sigstore", "scope": "openid email"]).json)
        let deviceCode = try #require(device["device_code"]?.string)
        let userCode = try #require(device["user_code"]?.string)
        let pending = try await Self.form(oidc + "/token", ["grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": deviceCode])
        #expect(pending.status == 400 && pending.json?["error"]?.string == "authorization_pending")
        #expect(try await Self.get(oidc + "/device?user_code=" + userCode).status == 200)
        #expect(try await Self.form(oidc + "/device", ["user_code": userCode, "email": "carol@example.com"]).status == 200)
        let granted = try await Self.form(oidc + "/token", ["grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": deviceCode])
        #expect(granted.status == 200)
        let deviceToken = try #require(granted.json?["id_token"]?.string)
        #expect(try await Self.certificate(stack, token: deviceToken, email: "carol@example.com").status == 200)
    }

    @Test("--auto-approve redirects at once")
    func autoApprove() async throws {
        let tmp = try TemporaryDirectory()
        let stack = try StackProcess(dataDirectory: tmp.path + "/data", arguments: ["--auto-approve", "--default-email", "ci@example.com"])
        defer { stack.stop() }
        let challenge = Self.base64URL(Array(SHA256.hash(data: Array("v".utf8))))
        let reply = try await Self.get(
            stack["oidc"] + "/authorize?response_type=code&client_id=sigstore&code_challenge=\(challenge)&code_challenge_method=S256"
                + "&redirect_uri=http://127.0.0.1:4000/cb")
        #expect(reply.status == 302)
        #expect(reply.headers.first(name: "Location")?.hasPrefix("http://127.0.0.1:4000/cb?code=") == true)
    }

    @Test("health endpoints, keys kept across restarts, graceful SIGTERM shutdown")
    func lifecycle() async throws {
        let tmp = try TemporaryDirectory()
        let data = tmp.path + "/data"
        var firstRoot: OrderedJSON?
        do {
            let stack = try StackProcess(dataDirectory: data, arguments: ["--log-format", "json", "--log-level", "debug"])
            for service in ["oidc", "fulcio", "rekor", "rekor-v2", "tsa"] {
                let health = try await HTTP.get(stack[service] + "/healthz")
                #expect(health.status == 200 && health.json?["status"]?.string == "ok", "\(service) health")
            }
            firstRoot = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: data + "/trusted_root.json"))))
            let mode = try FileManager.default.attributesOfItem(atPath: data + "/keys/rekor.key.pem")[.posixPermissions] as? Int
            #expect(mode == 0o600, "private keys are mode 0600")
            stack.stop(signal: SIGTERM)
            #expect(stack.process.terminationStatus == 0, "SIGTERM shuts down cleanly: \(stack.stderr)")
            // Structured logs: every line is a JSON object; requests are logged with their path.
            let lines = stack.stderr.split(separator: "\n")
            #expect(!lines.isEmpty && lines.allSatisfy { (try? JSONParser.parse(Array($0.utf8)))?["level"] != nil }, "\(stack.stderr.prefix(500))")
            #expect(stack.stderr.contains("/healthz"))
        }
        let stack = try StackProcess(dataDirectory: data, arguments: ["--services", "rekor,tsa"])
        defer { stack.stop() }
        #expect(stack.urls["fulcio"] == nil && stack.urls["rekor"] != nil, "only the chosen services run")
        let root = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: data + "/trusted_root.json"))))
        let key = { (r: OrderedJSON?) in r?["tlogs"]?.array.first?["publicKey"]?["rawBytes"]?.string }
        #expect(key(root) != nil && key(root) == key(firstRoot), "the Rekor key survives a restart")
        #expect(root["certificateAuthorities"]?.array.isEmpty == true)
    }
}
