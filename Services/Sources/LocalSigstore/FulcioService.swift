public import Foundation
internal import HTTPTypes
internal import Crypto
public import Hummingbird
internal import SigstoreCrypto
internal import SigstoreIssuing
internal import SigstoreModels
internal import SwiftASN1
internal import X509
import SigstoreJSON

/// Fulcio's HTTP API v2: `POST /api/v2/signingCert`, `GET /api/v2/trustBundle`, `GET /api/v2/configuration`.
public struct FulcioService: Sendable {
    let keys: InstanceKeys
    let tokens: IdentityTokenVerifier
    let issuers: @Sendable () -> IssuerConfiguration
    let now: @Sendable () -> Date
    /// The largest request body accepted.
    public var maxBodySize = 64 * 1024
    /// Where issued certificates are counted.
    public var metrics: StackMetrics?

    /// Creates the service over the instance's intermediate CA and CT log.
    public init(keys: InstanceKeys, tokens: IdentityTokenVerifier, issuers: @escaping @Sendable () -> IssuerConfiguration, now: @escaping @Sendable () -> Date) {
        self.keys = keys
        self.tokens = tokens
        self.issuers = issuers
        self.now = now
    }

    /// Adds the routes to `router`.
    public func register(on router: some RouterMethods<BasicRequestContext>) {
        let group = router.group().add(middleware: JSONErrorMiddleware<BasicRequestContext>(style: .grpcGateway))
        group.post("/api/v2/signingCert") { request, _ in
            var request = request
            return try await signingCertificate(&request)
        }
        group.get("/api/v2/trustBundle") { _, _ in
            let chain = try [keys.fulcioIntermediate, keys.fulcioRoot].map { OrderedJSON.string(try $0.serializeAsPEM().pemString + "\n") }
            return Response.json(.object([("chains", .array([.object([("certificates", .array(chain))])]))]))
        }
        group.get("/api/v2/configuration") { _, _ in
            // Fulcio's ConfigurationResponse: exact issuers, then the wildcard ones.
            let configuration = issuers()
            var list: [OrderedJSON] = []
            for issuer in configuration.issuers.keys.sorted().compactMap({ configuration.issuers[$0] }) {
                var members: [(String, OrderedJSON)] = [
                    ("issuerUrl", .string(issuer.issuerURL)), ("audience", .string(issuer.clientID)), ("challengeClaim", .string(issuer.challengeClaim)),
                ]
                if let domain = issuer.spiffeTrustDomain { members.append(("spiffeTrustDomain", .string(domain))) }
                list.append(.object(members))
            }
            for (pattern, issuer) in configuration.metaIssuers {
                list.append(.object([
                    ("wildcardIssuerUrl", .string(pattern)), ("audience", .string(issuer.clientID)), ("challengeClaim", .string(issuer.challengeClaim)),
                ]))
            }
            return Response.json(.object([("issuers", .array(list))]))
        }
        group.get("/healthz") { _, _ in Response.json(.object([("status", .string("ok"))])) }
    }

    func signingCertificate(_ request: inout Request) async throws -> Response {
        let body = try await request.jsonObject(limit: maxBodySize)
        try body.onlyKeys(["credentials", "publicKeyRequest", "certificateSigningRequest"], in: "signingCert request")
        var token = body["credentials"]?["oidcIdentityToken"]?.stringValue
        if token == nil, let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        guard let token, !token.isEmpty else {
            throw ServiceError(.unauthorized, "no identity token: send credentials.oidcIdentityToken or an Authorization: Bearer header")
        }
        let publicKey: Certificate.PublicKey
        let keyRequest = body["publicKeyRequest"]
        let csrField = body["certificateSigningRequest"]?.stringValue
        switch (keyRequest, csrField) {
        case (.some, .some), (nil, nil):
            throw ServiceError.badRequest("send exactly one of publicKeyRequest and certificateSigningRequest")
        case (let keyRequest?, nil):
            // The token is verified before the proof, which signs a claim of it.
            let identity = try await tokens.verify(token)
            publicKey = try Self.publicKey(from: keyRequest, challenge: identity.challenge)
            return try respond(publicKey: publicKey, identity: identity)
        case (nil, let csr?):
            let identity = try await tokens.verify(token)
            publicKey = try Self.publicKey(fromCSR: csr)
            return try respond(publicKey: publicKey, identity: identity)
        }
    }

    private func respond(publicKey: Certificate.PublicKey, identity: VerifiedIdentity) throws -> Response {
        // Fulcio's profile: ten-minute leaves with one SCT from the instance's CT log, returned with their chain.
        let issuer = CodeSigningCertificateIssuer(authority: keys.fulcioAuthority, ctLog: LogSigner(key: keys.ctLogKey))
        let leaf = try issuer.issue(
            publicKey: publicKey, identity: identity.identity, oidcIssuer: identity.issuer, tokenSubject: identity.subject,
            claimExtensions: identity.claimExtensions, at: now())
        let pems = try [leaf, keys.fulcioIntermediate, keys.fulcioRoot].map { OrderedJSON.string(try $0.serializeAsPEM().pemString + "\n") }
        metrics?.certificateIssued()
        return Response.json(.object([("signedCertificateEmbeddedSct", .object([("chain", .object([("certificates", .array(pems))]))]))]))
    }

    /// The key of a `publicKeyRequest`, after its proof of possession over `challenge` verifies.
    static func publicKey(from request: OrderedJSON, challenge: String) throws -> Certificate.PublicKey {
        try request.onlyKeys(["publicKey", "proofOfPossession"], in: "publicKeyRequest")
        guard let content = request["publicKey"]?["content"]?.stringValue, !content.isEmpty else {
            throw ServiceError.badRequest("publicKeyRequest.publicKey.content is missing")
        }
        let key: SigstoreCrypto.PublicKey
        do {
            if content.contains("-----BEGIN") {
                key = try SigstoreCrypto.PublicKey(pemEncoded: content)
            } else if let der = Base64.decode(content) {
                key = try SigstoreCrypto.PublicKey(derEncoded: der)
            } else {
                throw ServiceError.badRequest("publicKeyRequest.publicKey.content is neither PEM nor base64 DER")
            }
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError.badRequest("publicKeyRequest.publicKey.content is not a supported public key: \(error)")
        }
        try checkKeyPolicy(key)
        guard let proof = request["proofOfPossession"]?.stringValue, let signature = Base64.decode(proof), !signature.isEmpty else {
            throw ServiceError.badRequest("publicKeyRequest.proofOfPossession is missing or not base64")
        }
        do {
            try key.verifySignature(signature, message: Array(challenge.utf8))
        } catch {
            throw ServiceError.badRequest("the proof of possession does not verify: it must sign the token's email or subject with the submitted key")
        }
        return try Certificate.PublicKey(derEncoded: key.derRepresentation)
    }

    /// The key of a PKCS#10 request (base64 of PEM or DER) whose self-signature verifies.
    static func publicKey(fromCSR field: String) throws -> Certificate.PublicKey {
        guard let decoded = Base64.decode(field) else { throw ServiceError.badRequest("certificateSigningRequest is not base64") }
        let csr: CertificateSigningRequest
        do {
            if let text = String(bytes: decoded, encoding: .utf8), text.contains("-----BEGIN") {
                csr = try CertificateSigningRequest(pemEncoded: text)
            } else {
                csr = try CertificateSigningRequest(derEncoded: decoded)
            }
        } catch {
            throw ServiceError.badRequest("certificateSigningRequest is not a PKCS#10 request: \(error)")
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw ServiceError.badRequest("the certificate signing request's signature does not verify with its key")
        }
        let key = try SigstoreCrypto.PublicKey(derEncoded: try der(csr.publicKey))
        try checkKeyPolicy(key)
        return csr.publicKey
    }

    /// ECDSA P-256/384/521, RSA 2048–4096 and Ed25519, as Fulcio allows.
    static func checkKeyPolicy(_ key: SigstoreCrypto.PublicKey) throws {
        if case .rsa(let bits) = key.kind, bits < 2048 || bits > 4096 {
            throw ServiceError.badRequest("RSA keys must have 2048 to 4096 bits, not \(bits)")
        }
    }
}
