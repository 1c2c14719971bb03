import Crypto
public import Foundation
public import SigstoreCrypto
import SigstoreCore
import SigstoreJSON
import SigstoreSign

/// A key in Azure Key Vault: `azurekms://VAULT_HOST/KEY[/VERSION]`, spoken to at `https://VAULT_HOST/` (REST API
/// 7.4). The token comes from Microsoft Entra ID with client credentials: `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and
/// `AZURE_CLIENT_SECRET` (or a workload-identity assertion in `AZURE_FEDERATED_TOKEN_FILE`), at
/// `AZURE_AUTHORITY_HOST` (default `https://login.microsoftonline.com/`). Elliptic-curve signatures come back as
/// r‖s and are returned as DER.
public struct AzureKeyVaultKey: ManagedKey {
    public static let scheme = "azurekms://"
    static let grammar = "kms specification should be in the format azurekms://[VAULT_NAME][VAULT_URL]/[KEY_NAME]/[VERSION (optional)]"

    public let reference: String
    /// The vault's host (`name.vault.azure.net`), the key's name, and the pinned version if any.
    public let vault: String, name: String, version: String?

    let environment: [String: String]
    let http: ServiceHTTP
    let token = CachedToken()
    /// The version whose public key was fetched: signatures are made with it.
    let fetchedVersion = Remembered<String>()
    let now: @Sendable () -> Date
    static let apiVersion = "7.4"

    public init(reference: String, environment: [String: String], now: @escaping @Sendable () -> Date = { Date() }) throws {
        (vault, name, version) = try Self.parse(reference)
        self.reference = reference
        self.environment = environment
        self.now = now
        http = try ProviderHTTP.client(environment, provider: "Azure Key Vault")
    }

    /// `^azurekms://([^/]+)/([^/]+)(/[a-z0-9]*)?$`, Go cosign's grammar.
    public static func parse(_ reference: String) throws -> (String, String, String?) {
        guard reference.hasPrefix(scheme) else { throw KMSError(.malformedReference, grammar) }
        let parts = reference.dropFirst(scheme.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
            parts.count == 2 || parts[2].allSatisfy({ ($0.isASCII && $0.isLowercase) || $0.isNumber })
        else { throw KMSError(.malformedReference, "invalid azurekms format \"\(reference)\": \(grammar)") }
        return (parts[0], parts[1], parts.count == 3 && !parts[2].isEmpty ? parts[2] : nil)
    }

    // MARK: ManagedKey

    public func fetchPublicKey() async throws -> PublicKey {
        let path = version.map { "keys/\(name)/\($0)" } ?? "keys/\(name)"
        let json = try await call("GET", path, doing: "public key")
        guard let jwk = json["key"] else { throw KMSError(.provider, "Azure Key Vault: key \(name) has no JWK") }
        if let kid = jwk["kid"]?.stringValue, let last = kid.split(separator: "/").last { fetchedVersion.set(String(last)) }
        let operations = jwk["key_ops"]?.arrayValue?.compactMap(\.stringValue)
        if let operations, !operations.contains("sign") {
            throw KMSError(.unsupportedKey, "Azure Key Vault key \(name) does not allow the sign operation")
        }
        return try Self.publicKey(jwk, name: name)
    }

    public func sign(digest: ArtifactDigest, publicKey: PublicKey) async throws -> [UInt8] {
        let algorithm: String
        switch (publicKey.kind, digest.algorithm) {
        case (.ecdsaP256, .sha256): algorithm = "ES256"
        case (.ecdsaP384, .sha384): algorithm = "ES384"
        case (.ecdsaP521, .sha512): algorithm = "ES512"
        case (.rsa, .sha256): algorithm = "RS256"
        default: throw KMSError(.unsupportedKey, "Azure Key Vault: a \(publicKey.kind) key cannot sign a \(digest.algorithm.rawValue) digest")
        }
        // Sign with the version whose public key was fetched (the key id names it).
        let pinned: String
        if let version {
            pinned = version
        } else {
            if fetchedVersion.current == nil { _ = try await fetchPublicKey() }
            guard let known = fetchedVersion.current else { throw KMSError(.provider, "Azure Key Vault: key \(name) has no key id") }
            pinned = known
        }
        let body = OrderedJSON.object([("alg", .string(algorithm)), ("value", .string(Base64.encodeURL(digest.bytes)))])
        let json = try await call("POST", "keys/\(name)/\(pinned)/sign", body: body.serialized(), doing: "signing the payload")
        guard let value = json["value"]?.stringValue, let raw = ProviderHTTP.base64URLDecode(value), !raw.isEmpty else {
            throw KMSError(.provider, "Azure Key Vault: the sign response has no signature")
        }
        guard case .rsa = publicKey.kind else {
            guard let der = RawECDSASignature.der(raw, kind: publicKey.kind) else {
                throw KMSError(.provider, "Azure Key Vault: the signature is not r‖s for the key's curve (\(raw.count) bytes)")
            }
            return der
        }
        return raw
    }

    /// Creates an EC P-256 key for signing unless one exists.
    public func create() async throws -> PublicKey {
        do {
            return try await fetchPublicKey()
        } catch let error as KMSError where error.code == .notFound {}
        let body = OrderedJSON.object([
            ("kty", .string("EC")), ("crv", .string("P-256")), ("key_ops", .array([.string("sign"), .string("verify")])),
            ("attributes", .object([("enabled", .bool(true))])), ("tags", .object([("use", .string("sigstore"))])),
        ])
        _ = try await call("POST", "keys/\(name)/create", body: body.serialized(), doing: "creating key")
        return try await fetchPublicKey()
    }

    /// The public key of a JWK (`EC`/`EC-HSM` with `crv`, `x`, `y`; `RSA`/`RSA-HSM` with `n`, `e`).
    static func publicKey(_ jwk: OrderedJSON, name: String) throws -> PublicKey {
        func field(_ key: String) throws -> [UInt8] {
            guard let text = jwk[key]?.stringValue, let bytes = ProviderHTTP.base64URLDecode(text) else {
                throw KMSError(.provider, "Azure Key Vault: key \(name)'s JWK lacks \(key)")
            }
            return bytes
        }
        do {
            switch jwk["kty"]?.stringValue ?? "" {
            case "EC", "EC-HSM":
                let point = [0x04] + (try field("x")) + (try field("y"))
                switch jwk["crv"]?.stringValue ?? "" {
                case "P-256": return try PublicKey(derEncoded: Array(P256.Signing.PublicKey(x963Representation: point).derRepresentation))
                case "P-384": return try PublicKey(derEncoded: Array(P384.Signing.PublicKey(x963Representation: point).derRepresentation))
                case "P-521": return try PublicKey(derEncoded: Array(P521.Signing.PublicKey(x963Representation: point).derRepresentation))
                case let curve: throw KMSError(.unsupportedKey, "Azure Key Vault key \(name) is on curve \(curve), which cosign does not sign with")
                }
            case "RSA", "RSA-HSM":
                return try PublicKey(rsaModulus: try field("n"), exponent: try field("e"))
            case let type:
                throw KMSError(.unsupportedKey, "Azure Key Vault key \(name) is of type \(type.isEmpty ? "(none)" : type): it cannot sign")
            }
        } catch let error as KMSError {
            throw error
        } catch let error as any ReportableError {
            throw KMSError(.unsupportedKey, "Azure Key Vault key \(name): \(error.message)")
        } catch {
            throw KMSError(.provider, "Azure Key Vault key \(name): its JWK does not parse")
        }
    }

    // MARK: Transport

    func accessToken() async throws -> String {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let tenant = value("AZURE_TENANT_ID"), let client = value("AZURE_CLIENT_ID") else {
            throw KMSError(.authentication, "Azure Key Vault: no credentials: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET")
        }
        var form = [("grant_type", "client_credentials"), ("client_id", client), ("scope", "https://vault.azure.net/.default")]
        if let secret = value("AZURE_CLIENT_SECRET") {
            form.append(("client_secret", secret))
        } else if let file = value("AZURE_FEDERATED_TOKEN_FILE") {
            let assertion: String
            do {
                assertion = try FileSystem.readText(file, limit: 64 << 10).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch let error as any ReportableError {
                throw KMSError(.authentication, "AZURE_FEDERATED_TOKEN_FILE: \(error.message)")
            }
            form += [("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", assertion)]
        } else {
            throw KMSError(.authentication, "Azure Key Vault: no credentials: set AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE")
        }
        var authority = value("AZURE_AUTHORITY_HOST") ?? "https://login.microsoftonline.com/"
        if !authority.hasSuffix("/") { authority += "/" }
        let url = "\(authority)\(tenant)/oauth2/v2.0/token"
        return try await token.get(now: now()) {
            let response: ServiceHTTP.Response
            do {
                response = try await http.send(
                    "POST", url, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: ProviderHTTP.form(form), maxBody: 1 << 20,
                    service: "Microsoft Entra ID")
            } catch let error as any ReportableError {
                throw KMSError(.unavailable, "Azure Key Vault: getting an access token: \(error.message)")
            }
            let json = try? JSONParser.parse(response.body)
            guard response.status == 200, let token = json?["access_token"]?.stringValue else {
                let reason = json?["error_description"]?.stringValue ?? json?["error"]?.stringValue ?? "HTTP \(response.status)"
                throw KMSError(.authentication, "Azure Key Vault: Entra ID refused client \(client): \(reason)")
            }
            return (token, TimeInterval(json?["expires_in"]?.int64Value ?? 3600))
        }
    }

    func call(_ method: String, _ path: String, body: [UInt8]? = nil, doing what: String) async throws -> OrderedJSON {
        let bearer = try await accessToken()
        return try await ProviderHTTP.exchange(
            http, method, "https://\(vault)/\(path)?api-version=\(Self.apiVersion)", headers: [("Authorization", "Bearer \(bearer)")], body: body,
            provider: "Azure Key Vault", context: "Azure Key Vault: \(what) \(name)",
            detail: { ProviderHTTP.errorObject($0, status: $1, codeKey: "code") })
    }
}
