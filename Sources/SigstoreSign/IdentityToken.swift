public import Foundation
internal import SigstoreModels
internal import SigstoreCrypto
import SigstoreJSON
import SigstoreCore

/// An OIDC identity token and the claims a signer needs. The raw token is never part of a description or an error.
public struct IdentityToken: Sendable, CustomStringConvertible {
    /// The compact JWT.
    public let rawValue: String
    /// `iss`.
    public let issuer: String
    /// `sub`.
    public let subject: String
    /// `email`, when present.
    public let email: String?
    /// `email_verified`.
    public let emailVerified: Bool
    /// `exp`, when present.
    public let expiry: Date?
    /// `aud`, as a list.
    public let audiences: [String]
    /// `nonce`, when present.
    public let nonce: String?

    /// Parses the claims of a compact JWT (the signature is Fulcio's to check).
    public init(_ raw: String) throws {
        let token = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64.decode(String(parts[1])),
            let claims = try? JSONDecoder().decode(Claims.self, from: Data(payload))
        else {
            throw SigningError(.identityToken, "the identity token is not a JWT (three base64url parts with a JSON payload)")
        }
        guard let iss = claims.iss, !iss.isEmpty else {
            throw SigningError(.identityToken, "the identity token has no issuer (iss)")
        }
        rawValue = token
        issuer = iss
        subject = claims.sub ?? ""
        email = claims.email
        emailVerified = claims.emailVerified?.value ?? false
        expiry = claims.exp.map { Date(timeIntervalSince1970: $0) }
        nonce = claims.nonce
        audiences = claims.aud?.values ?? []
    }

    /// The claims read from the payload; any other claim is ignored.
    private struct Claims: Decodable {
        var iss: String?
        var sub: String?
        var email: String?
        var emailVerified: BoolOrString?
        var exp: Double?
        var nonce: String?
        var aud: StringOrList?

        enum CodingKeys: String, CodingKey {
            case iss, sub, email, exp, nonce, aud
            case emailVerified = "email_verified"
        }
    }

    /// `email_verified`: a boolean, or (some issuers) the string `"true"`.
    private struct BoolOrString: Decodable {
        var value: Bool
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                value = flag
            } else {
                value = (try? container.decode(String.self)) == "true"
            }
        }
    }

    /// `aud`: one audience or a list of them.
    private struct StringOrList: Decodable {
        var values: [String]
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) {
                values = [one]
            } else {
                values = (try? container.decode([String].self)) ?? []
            }
        }
    }

    /// What the proof of possession signs, as sigstore's Go clients choose it: the email when the token has one,
    /// otherwise the subject.
    public var principal: String {
        if let email, !email.isEmpty { return email }
        return subject
    }

    /// Refuses a token that has expired at `time`.
    public func checkNotExpired(at time: Date) throws {
        if let expiry, expiry <= time {
            throw SigningError(
                .identityToken,
                "the identity token expired at \(ISO8601DateFormatter().string(from: expiry)): get a new one")
        }
    }

    public var description: String { "IdentityToken(iss: \(issuer), principal: \(principal))" }

}

/// Where an identity token comes from, in Go cosign's order: the flag (a token or a file holding one), then the
/// ambient providers (GitHub Actions, `SIGSTORE_ID_TOKEN`, the filesystem path), then an interactive flow.
public enum IdentityTokenSource {
    /// The file cosign's filesystem provider reads.
    public static let defaultTokenPath = "/var/run/sigstore/cosign/oidc-token"

    /// `--identity-token`: a file's content when the value names a readable file, else the value itself.
    public static func explicit(_ value: String) throws -> IdentityToken {
        if FileManager.default.isReadableFile(atPath: value), let data = FileManager.default.contents(atPath: value) {
            return try IdentityToken(String(decoding: data, as: UTF8.self))
        }
        return try IdentityToken(value)
    }

    /// The first ambient provider that is enabled: GitHub Actions when `ACTIONS_ID_TOKEN_REQUEST_URL` and
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN` are set, then `SIGSTORE_ID_TOKEN`, then the token file. Nil when none is.
    public static func ambient(
        environment: [String: String], http: ServiceHTTP, audience: String = "sigstore", tokenPath: String = defaultTokenPath
    ) async throws -> IdentityToken? {
        if let url = environment["ACTIONS_ID_TOKEN_REQUEST_URL"], !url.isEmpty,
            let requestToken = environment["ACTIONS_ID_TOKEN_REQUEST_TOKEN"], !requestToken.isEmpty
        {
            return try await gitHubActions(url: url, requestToken: requestToken, audience: audience, http: http)
        }
        if let value = environment["SIGSTORE_ID_TOKEN"], !value.isEmpty {
            return try IdentityToken(value)
        }
        if FileManager.default.isReadableFile(atPath: tokenPath), let data = FileManager.default.contents(atPath: tokenPath) {
            return try IdentityToken(String(decoding: data, as: UTF8.self))
        }
        return nil
    }

    /// `--oidc-provider NAME`: that provider, whether or not it looks enabled.
    public static func named(
        _ name: String, environment: [String: String], http: ServiceHTTP, audience: String = "sigstore", tokenPath: String = defaultTokenPath
    ) async throws -> IdentityToken {
        switch name {
        case "github-actions":
            return try await gitHubActions(
                url: environment["ACTIONS_ID_TOKEN_REQUEST_URL"] ?? "", requestToken: environment["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] ?? "",
                audience: audience, http: http)
        case "envvar":
            return try IdentityToken(environment["SIGSTORE_ID_TOKEN"] ?? "")
        case "filesystem":
            guard let data = FileManager.default.contents(atPath: tokenPath) else {
                throw SigningError(.identityToken, "the filesystem provider found no token at \(tokenPath)")
            }
            return try IdentityToken(String(decoding: data, as: UTF8.self))
        case "buildkite-agent", "google-workload-identity", "google-impersonate", "spiffe":
            throw SigningError(.identityToken, "the \(name) provider is not supported yet")
        default:
            throw SigningError(.identityToken, "\(name) is not a valid provider")
        }
    }

    /// GitHub Actions' OIDC provider: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=sigstore` with the request token
    /// as a bearer token; the answer's `value` is the JWT.
    public static func gitHubActions(url: String, requestToken: String, audience: String, http: ServiceHTTP) async throws -> IdentityToken {
        let separator = url.contains("?") ? "&" : "?"
        let full = url + separator + "audience=" + (audience.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? audience)
        let response = try await http.send(
            "GET", full, headers: [("Authorization", "bearer " + requestToken), ("Accept", "application/json")],
            service: "GitHub Actions OIDC provider")
        guard response.status == 200 else {
            throw SigningError(
                .identityToken, "GitHub Actions OIDC provider answered HTTP \(response.status): \(response.serviceMessage)")
        }
        struct Answer: Decodable { var value: String }
        guard let value = try? JSONDecoder().decode(Answer.self, from: Data(response.body)).value else {
            throw SigningError(.identityToken, "GitHub Actions OIDC provider: the answer has no token (value)")
        }
        return try IdentityToken(value)
    }
}
