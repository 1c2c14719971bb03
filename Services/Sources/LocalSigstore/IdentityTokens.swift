public import Foundation
public import AsyncHTTPClient
internal import HTTPTypes
internal import NIOHTTP1
internal import Crypto
public import JWTKit
internal import NIOCore
public import SigstoreIssuing
internal import SigstoreModels
import SigstoreJSON

/// The claims of an OIDC ID token that Fulcio reads.
public struct IdentityClaims: JWTPayload, Sendable {
    public var iss: IssuerClaim
    public var sub: SubjectClaim
    public var aud: AudienceClaim
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim
    public var nbf: NotBeforeClaim?
    public var email: String?
    public var email_verified: Bool?

    /// Creates claims.
    public init(issuer: String, subject: String, audience: String, issuedAt: Date, expires: Date, email: String?) {
        iss = IssuerClaim(value: issuer)
        sub = SubjectClaim(value: subject)
        aud = AudienceClaim(value: [audience])
        iat = IssuedAtClaim(value: issuedAt)
        exp = ExpirationClaim(value: expires)
        nbf = NotBeforeClaim(value: issuedAt)
        self.email = email
        email_verified = email == nil ? nil : true
    }

    /// Signature checks only; times and audience are checked by ``IdentityTokenVerifier`` against its clock.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A verified token: who signed in, at which issuer, and the claim the proof of possession signs.
public struct VerifiedIdentity: Sendable, Hashable {
    /// The token's issuer (`iss`).
    public var issuer: String
    /// The token's subject (`sub`).
    public var subject: String
    /// The certificate identity.
    public var identity: SignerIdentity
    /// The string a proof of possession must sign: the email for email identities, else the subject.
    public var challenge: String
    /// Fulcio's extensions drawn from the claims of a CI identity (by the last arc of their OID).
    public var claimExtensions: [Int: String] = [:]
}

/// Verifies OIDC ID tokens as Fulcio does: the issuer must be configured (``IssuerConfiguration``), the signature must
/// verify with a key from the issuer's JWKS (found through OIDC discovery), the audience must contain the issuer's
/// client ID, the token must be current; then the issuer's type reads the identity from the claims (a verified email,
/// a URI or SPIFFE subject, a Kubernetes service account, or a CI workflow with Fulcio's extensions).
public actor IdentityTokenVerifier {
    private let configuration: @Sendable () -> IssuerConfiguration
    private let now: @Sendable () -> Date
    private let http: HTTPClient
    private var keys: [String: (collection: JWTKeyCollection, fetched: Date)] = [:]

    /// Creates a verifier trusting the issuers `configuration` names.
    public init(configuration: @escaping @Sendable () -> IssuerConfiguration, http: HTTPClient, now: @escaping @Sendable () -> Date) {
        self.configuration = configuration
        self.http = http
        self.now = now
    }

    /// Verifies `token`; throws a 401 ``ServiceError`` naming the failed check (400 when a CI template cannot be
    /// filled from the claims, as Fulcio answers).
    public func verify(_ token: String) async throws -> VerifiedIdentity {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payloadBytes = Base64.decode(String(parts[1])),
              let payload = try? JSONParser.parse(payloadBytes), let issuerURL = payload["iss"]?.stringValue
        else { throw unauthenticated("the identity token is not a JWT") }
        guard let issuer = configuration().issuer(for: issuerURL) else { throw unauthenticated("the identity token's issuer \(issuerURL) is not trusted") }
        let claims: IdentityClaims
        do {
            claims = try await keyCollection(for: issuerURL, refresh: false).verify(token, as: IdentityClaims.self)
        } catch let error as ServiceError {
            throw error
        } catch {
            // A key rotated since the JWKS was fetched: fetch it again once.
            do {
                claims = try await keyCollection(for: issuerURL, refresh: true).verify(token, as: IdentityClaims.self)
            } catch let error as ServiceError {
                throw error
            } catch {
                throw unauthenticated("the identity token's signature does not verify with the issuer's keys")
            }
        }
        let current = now()
        guard claims.aud.value.contains(issuer.clientID) else { throw unauthenticated("the identity token's audience is not \(issuer.clientID)") }
        guard claims.exp.value > current else { throw unauthenticated("the identity token has expired") }
        if let nbf = claims.nbf, nbf.value > current.addingTimeInterval(60) {
            throw unauthenticated("the identity token is not valid yet")
        }
        guard claims.iat.value <= current.addingTimeInterval(60) else { throw unauthenticated("the identity token was issued in the future") }
        // The payload parsed above is the one whose signature verified.
        return try identity(issuer: issuer, claims: claims, payload: payload)
    }

    /// The certificate identity of verified claims, by the issuer's type.
    func identity(issuer: IssuerConfiguration.Issuer, claims: IdentityClaims, payload: OrderedJSON) throws -> VerifiedIdentity {
        let subject = claims.sub.value
        func challenge() throws -> String {
            guard let value = payload[issuer.challengeClaim].flatMap(Self.claimString) else {
                throw unauthenticated("the identity token has no \(issuer.challengeClaim) claim to prove possession over")
            }
            return value
        }
        switch issuer.type {
        case .email:
            guard let email = claims.email else {
                guard issuer.acceptsURISubject, let colon = subject.firstIndex(of: ":"),
                      subject[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }), subject.index(after: colon) < subject.endIndex
                else { throw unauthenticated("token missing email claim") }
                return VerifiedIdentity(issuer: issuer.issuerURL, subject: subject, identity: .uri(subject), challenge: subject)
            }
            guard issuer.skipEmailVerification || claims.email_verified == true else { throw unauthenticated("the identity token's email is not verified") }
            guard Self.isEmailAddress(email) else { throw unauthenticated("the identity token's email is not an address") }
            return VerifiedIdentity(issuer: issuer.issuerURL, subject: subject, identity: .email(email), challenge: try challenge())
        case .uri:
            guard let domain = issuer.subjectDomain.flatMap({ URLComponents(string: $0) }), let given = URLComponents(string: subject),
                  given.scheme == domain.scheme, given.host == domain.host, !Self.isEmailAddress(subject)
            else { throw unauthenticated("the identity token's subject \(subject) is not a URI under \(issuer.subjectDomain ?? "the subject domain")") }
            return VerifiedIdentity(issuer: issuer.issuerURL, subject: subject, identity: .uri(subject), challenge: try challenge())
        case .username:
            guard !subject.contains("!") else { throw unauthenticated("username cannot contain ! character") }
            guard !Self.isEmailAddress(subject), !subject.isEmpty else { throw unauthenticated("the identity token's subject is not a username") }
            return VerifiedIdentity(
                issuer: issuer.issuerURL, subject: subject, identity: .username("\(subject)!\(issuer.subjectDomain ?? "")"), challenge: try challenge())
        case .spiffe:
            let prefix = "spiffe://\(issuer.spiffeTrustDomain ?? "")/"
            guard subject.hasPrefix(prefix), subject.count > prefix.count else {
                throw unauthenticated("the identity token's subject is not a SPIFFE ID of trust domain \(issuer.spiffeTrustDomain ?? "")")
            }
            return VerifiedIdentity(issuer: issuer.issuerURL, subject: subject, identity: .uri(subject), challenge: try challenge())
        case .kubernetes:
            guard let k8s = payload["kubernetes.io"], let namespace = k8s["namespace"]?.stringValue,
                  let account = k8s["serviceaccount"]?["name"]?.stringValue, !namespace.isEmpty, !account.isEmpty
            else { throw unauthenticated("the identity token has no kubernetes.io namespace and service account") }
            let san = "https://kubernetes.io/namespaces/\(namespace)/serviceaccounts/\(account)"
            return VerifiedIdentity(issuer: issuer.issuerURL, subject: subject, identity: .uri(san), challenge: try challenge())
        case .githubWorkflow, .gitlabPipeline, .ciProvider:
            guard let templates = issuer.ciTemplates else { throw unauthenticated("the issuer \(issuer.issuerURL) has no CI templates") }
            var values: [String: String] = [:]
            for (key, value) in payload.objectMembers ?? [] { if let s = Self.claimString(value) { values[key] = s } }
            if issuer.type != .ciProvider {
                // Fulcio's dedicated principals name the first claim missing.
                for claim in templates.required where values[claim] == nil { throw unauthenticated("missing \(claim) claim in ID token") }
                if issuer.type == .gitlabPipeline, !["branch", "tag"].contains(values["ref_type"] ?? "") {
                    throw unauthenticated("unexpected ref_type: \(values["ref_type"] ?? "")")
                }
            }
            let applied: (san: String, extensions: [Int: String])
            do {
                applied = try templates.apply(to: values)
            } catch {
                throw ServiceError.badRequest("the identity token's claims do not fill the \(issuer.ciProvider ?? issuer.type.rawValue) templates: \(error.message)")
            }
            return VerifiedIdentity(
                issuer: issuer.issuerURL, subject: subject, identity: .uri(applied.san), challenge: try challenge(),
                claimExtensions: applied.extensions)
        }
    }

    /// A claim as Fulcio's templates print it: strings as they are, whole numbers without a fraction, booleans.
    static func claimString(_ value: OrderedJSON) -> String? {
        switch value {
        case .string(let s): return s
        case .number(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .raw(let text): return text
        default: return nil
        }
    }

    private func keyCollection(for issuer: String, refresh: Bool) async throws -> JWTKeyCollection {
        if !refresh, let cached = keys[issuer], now().timeIntervalSince(cached.fetched) < 300 { return cached.collection }
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        let discovery = try await fetchJSON(base + "/.well-known/openid-configuration", what: "OIDC discovery")
        guard discovery["issuer"]?.stringValue == issuer, let jwksURI = discovery["jwks_uri"]?.stringValue else {
            throw unauthenticated("the OIDC discovery document of \(issuer) does not name this issuer and a jwks_uri")
        }
        let jwks = try await fetchBytes(jwksURI, what: "JWKS")
        let collection = JWTKeyCollection()
        do {
            try await collection.add(jwksJSON: String(decoding: jwks, as: UTF8.self))
        } catch {
            throw unauthenticated("the JWKS of \(issuer) cannot be read: \(error)")
        }
        keys[issuer] = (collection, now())
        return collection
    }

    private func fetchJSON(_ url: String, what: String) async throws -> OrderedJSON {
        let bytes = try await fetchBytes(url, what: what)
        guard let json = try? JSONParser.parse(bytes) else { throw unauthenticated("the \(what) at \(url) is not JSON") }
        return json
    }

    private func fetchBytes(_ url: String, what: String) async throws -> [UInt8] {
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await http.execute(request, timeout: .seconds(10))
            guard response.status == .ok else { throw ServiceError(.unauthorized, "the \(what) at \(url) answered \(response.status.code)") }
            let body = try await response.body.collect(upTo: 1 << 20)
            return Array(body.readableBytesView)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw unauthenticated("cannot fetch the \(what) at \(url): \(error)")
        }
    }

    private func unauthenticated(_ message: String) -> ServiceError { ServiceError(.unauthorized, message) }

    /// One `@`, a local part, a dotted domain, and printable ASCII only: no space, control character (a newline would
    /// reach the certificate's SAN) or non-ASCII letter (refused here with 401, not failed later with 500).
    static func isEmailAddress(_ s: String) -> Bool {
        guard s.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else { return false }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return false }
        let domain = parts[1]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".") && !domain.contains("..")
    }
}
