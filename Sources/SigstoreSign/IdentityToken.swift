public import Foundation
internal import SigstoreModels
internal import SigstoreCrypto

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
        guard parts.count == 3, let payload = Self.base64URLDecode(String(parts[1])),
            let claims = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any]
        else {
            throw SigningError(.identityToken, "the identity token is not a JWT (three base64url parts with a JSON payload)")
        }
        guard let iss = claims["iss"] as? String, !iss.isEmpty else {
            throw SigningError(.identityToken, "the identity token has no issuer (iss)")
        }
        rawValue = token
        issuer = iss
        subject = claims["sub"] as? String ?? ""
        email = claims["email"] as? String
        emailVerified = (claims["email_verified"] as? Bool) ?? ((claims["email_verified"] as? String) == "true")
        expiry = (claims["exp"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
        nonce = claims["nonce"] as? String
        if let list = claims["aud"] as? [String] {
            audiences = list
        } else {
            audiences = (claims["aud"] as? String).map { [$0] } ?? []
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

    static func base64URLDecode(_ text: String) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Base64.decode(s)
    }
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
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let value = object["value"] as? String
        else {
            throw SigningError(.identityToken, "GitHub Actions OIDC provider: the answer has no token (value)")
        }
        return try IdentityToken(value)
    }
}
