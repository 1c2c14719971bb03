public import Foundation
public import SigstoreCrypto
import SigstoreCore
import SigstoreJSON
import SigstoreSign

/// A key in Google Cloud KMS: `gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K[/cryptoKeyVersions/V]`
/// (without a version, the newest enabled one). It speaks Cloud KMS's REST API (v1) at
/// `https://cloudkms.googleapis.com/`, or where `CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS` points (gcloud's
/// override). The access token is `CLOUDSDK_AUTH_ACCESS_TOKEN` / `GOOGLE_OAUTH_ACCESS_TOKEN`, else one exchanged for
/// a JWT signed with the service-account key that `GOOGLE_APPLICATION_CREDENTIALS` names. Digests and signatures carry
/// CRC32C checksums, checked both ways.
public struct GCPKMSKey: ManagedKey {
    public static let scheme = "gcpkms://"
    static let grammar =
        "kms specification should be in the format gcpkms://projects/[PROJECT_ID]/locations/[LOCATION]/keyRings/[KEY_RING]/cryptoKeys/[KEY]/cryptoKeyVersions/[VERSION]"

    public let reference: String
    public let project: String, location: String, keyRing: String, key: String
    /// The version the reference pins, if any.
    public let version: String?

    let environment: [String: String]
    let http: ServiceHTTP
    let base: String
    let token = CachedToken()
    let resolvedVersion = Remembered<String>()
    let now: @Sendable () -> Date

    public init(reference: String, environment: [String: String], now: @escaping @Sendable () -> Date = { Date() }) throws {
        (project, location, keyRing, key, version) = try Self.parse(reference)
        self.reference = reference
        self.environment = environment
        self.now = now
        var base = environment["CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://cloudkms.googleapis.com/"
        if !base.hasSuffix("/") { base += "/" }
        if !base.hasSuffix("v1/") { base += "v1/" }
        self.base = base
        http = try ProviderHTTP.client(environment, provider: "GCP KMS")
    }

    /// The reference's parts; a version may be written `cryptoKeyVersions/V` or `versions/V`.
    public static func parse(_ reference: String) throws -> (String, String, String, String, String?) {
        guard reference.hasPrefix(scheme) else { throw KMSError(.malformedReference, grammar) }
        let parts = reference.dropFirst(scheme.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 8 || parts.count == 10, parts[0] == "projects", parts[2] == "locations", parts[4] == "keyRings", parts[6] == "cryptoKeys",
            [1, 3, 5, 7].allSatisfy({ !parts[$0].isEmpty })
        else { throw KMSError(.malformedReference, "invalid gcpkms format \"\(reference)\": \(grammar)") }
        var version: String?
        if parts.count == 10 {
            guard parts[8] == "cryptoKeyVersions" || parts[8] == "versions", !parts[9].isEmpty else {
                throw KMSError(.malformedReference, "invalid gcpkms format \"\(reference)\": \(grammar)")
            }
            version = parts[9]
        }
        return (parts[1], parts[3], parts[5], parts[7], version)
    }

    var keyRingName: String { "projects/\(project)/locations/\(location)/keyRings/\(keyRing)" }
    var keyName: String { "\(keyRingName)/cryptoKeys/\(key)" }

    // MARK: ManagedKey

    public func fetchPublicKey() async throws -> PublicKey {
        let versionName = try await resolveVersion()
        let json = try await call("GET", "\(versionName)/publicKey", doing: "getting public key")
        guard let pem = json["pem"]?.stringValue else { throw KMSError(.provider, "GCP KMS: \(versionName) returned no public key") }
        if let crc = json["pemCrc32c"]?.stringValue, UInt32(crc) != CRC32C.checksum(Array(pem.utf8)) {
            throw KMSError(.provider, "GCP KMS: GetPublicKey: response corrupted in-transit")
        }
        let algorithm = json["algorithm"]?.stringValue ?? ""
        let key: PublicKey
        do {
            key = try PublicKey(pemEncoded: pem)
        } catch let error as any ReportableError {
            throw KMSError(.unsupportedKey, "GCP KMS key \(versionName): \(error.message)")
        }
        try Self.check(algorithm: algorithm, for: key, name: versionName)
        return key
    }

    public func sign(digest: ArtifactDigest, publicKey: PublicKey) async throws -> [UInt8] {
        let versionName = try await resolveVersion()
        let field: String
        switch digest.algorithm {
        case .sha256: field = "sha256"
        case .sha384: field = "sha384"
        case .sha512: field = "sha512"
        }
        let body = OrderedJSON.object([
            ("digest", .object([(field, .base64(digest.bytes))])), ("digestCrc32c", .string(String(CRC32C.checksum(digest.bytes)))),
        ])
        let json = try await call("POST", "\(versionName):asymmetricSign", body: body.serialized(), doing: "calling GCP AsymmetricSign")
        guard json["verifiedDigestCrc32c"]?.boolValue == true else { throw KMSError(.provider, "GCP KMS: AsymmetricSign: request corrupted in-transit") }
        guard let b64 = json["signature"]?.stringValue, let signature = Base64.decode(b64), !signature.isEmpty,
            let crc = json["signatureCrc32c"]?.stringValue, UInt32(crc) == CRC32C.checksum(signature)
        else { throw KMSError(.provider, "GCP KMS: AsymmetricSign: response corrupted in-transit") }
        return signature
    }

    /// Creates the key ring (unless it exists) and an `EC_SIGN_P256_SHA256` signing key (unless it exists).
    public func create() async throws -> PublicKey {
        do {
            _ = try await call("GET", keyRingName, doing: "getting key ring")
        } catch let error as KMSError where error.code == .notFound {
            let ringBody = OrderedJSON.object([]).serialized()
            _ = try await call(
                "POST", "projects/\(project)/locations/\(location)/keyRings?keyRingId=\(keyRing)", body: ringBody, doing: "creating key ring")
        }
        do {
            _ = try await call("GET", keyName, doing: "getting crypto key")
        } catch let error as KMSError where error.code == .notFound {
            let keyBody = OrderedJSON.object([
                ("purpose", .string("ASYMMETRIC_SIGN")), ("versionTemplate", .object([("algorithm", .string("EC_SIGN_P256_SHA256"))])),
            ])
            _ = try await call("POST", "\(keyRingName)/cryptoKeys?cryptoKeyId=\(key)", body: keyBody.serialized(), doing: "creating crypto key")
        }
        return try await fetchPublicKey()
    }

    /// Checks the key's algorithm is one cosign's verifiers check: ECDSA with the curve's hash, RSA PKCS#1 v1.5 with
    /// SHA-256.
    static func check(algorithm: String, for key: PublicKey, name: String) throws {
        let expected: Set<String>
        switch key.kind {
        case .ecdsaP256: expected = ["EC_SIGN_P256_SHA256"]
        case .ecdsaP384: expected = ["EC_SIGN_P384_SHA384"]
        case .rsa: expected = ["RSA_SIGN_PKCS1_2048_SHA256", "RSA_SIGN_PKCS1_3072_SHA256", "RSA_SIGN_PKCS1_4096_SHA256"]
        default: expected = []
        }
        guard expected.contains(algorithm) else {
            throw KMSError(.unsupportedKey, "GCP KMS key \(name) has algorithm \(algorithm.isEmpty ? "(none)" : algorithm), which cosign does not sign with")
        }
    }

    /// The version named by the reference, else the newest enabled version of an ASYMMETRIC_SIGN key.
    func resolveVersion() async throws -> String {
        if let version { return "\(keyName)/cryptoKeyVersions/\(version)" }
        return try await resolvedVersion.get { try await newestEnabledVersion() }
    }

    func newestEnabledVersion() async throws -> String {
        let key = try await call("GET", keyName, doing: "getting crypto key")
        guard key["purpose"]?.stringValue == "ASYMMETRIC_SIGN" else {
            throw KMSError(.unsupportedKey, "GCP KMS key \(keyName): specified key cannot be used to sign")
        }
        let list = try await call(
            "GET", "\(keyName)/cryptoKeyVersions?filter=state%3DENABLED&orderBy=name%20desc", doing: "listing key versions")
        guard let name = list["cryptoKeyVersions"]?.arrayValue?.first?["name"]?.stringValue else {
            throw KMSError(.notFound, "GCP KMS: unable to find an enabled key version of \(keyName)")
        }
        return name
    }

    // MARK: Transport

    func accessToken() async throws -> String {
        for variable in ["CLOUDSDK_AUTH_ACCESS_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN"] {
            if let token = environment[variable], !token.isEmpty { return token }
        }
        guard let path = environment["GOOGLE_APPLICATION_CREDENTIALS"], !path.isEmpty else {
            throw KMSError(
                .authentication, "GCP KMS: no credentials: set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or GOOGLE_OAUTH_ACCESS_TOKEN")
        }
        return try await token.get(now: now()) { try await GoogleServiceAccount(path: path).accessToken(http: http, now: now()) }
    }

    func call(_ method: String, _ path: String, body: [UInt8]? = nil, doing what: String) async throws -> OrderedJSON {
        let bearer = try await accessToken()
        return try await ProviderHTTP.exchange(
            http, method, base + path, headers: [("Authorization", "Bearer \(bearer)")], body: body, provider: "GCP KMS", context: "GCP KMS: \(what)",
            detail: { ProviderHTTP.errorObject($0, status: $1, codeKey: "status") },
            code: { $0?["error"]?["status"]?.stringValue == "FAILED_PRECONDITION" ? .unsupportedKey : .provider })
    }
}

/// A Google service-account key file (`"type": "service_account"`): its key signs the JWT that
/// `token_uri` exchanges for an access token (RFC 7523).
struct GoogleServiceAccount {
    let email: String
    let key: SigningKey
    let tokenURI: String

    init(path: String) throws {
        let json: OrderedJSON
        do {
            json = try JSONParser.parse(Array(try FileSystem.readText(path, limit: 1 << 20).utf8))
        } catch let error as any ReportableError {
            throw KMSError(.authentication, "GOOGLE_APPLICATION_CREDENTIALS \(path): \(error.message)")
        }
        guard json["type"]?.stringValue == "service_account", let email = json["client_email"]?.stringValue,
            let pem = json["private_key"]?.stringValue
        else { throw KMSError(.authentication, "GOOGLE_APPLICATION_CREDENTIALS \(path) is not a service-account key file") }
        do {
            key = try SigningKey(pemEncoded: pem)
        } catch {
            throw KMSError(.authentication, "GOOGLE_APPLICATION_CREDENTIALS \(path): its private key does not parse")
        }
        guard case .rsa = key.kind else { throw KMSError(.authentication, "GOOGLE_APPLICATION_CREDENTIALS \(path): the key is not RSA") }
        self.email = email
        tokenURI = json["token_uri"]?.stringValue ?? "https://oauth2.googleapis.com/token"
    }

    func accessToken(http: ServiceHTTP, now: Date) async throws -> (String, TimeInterval) {
        let issued = Int64(now.timeIntervalSince1970)
        let header = Base64.encodeURL(OrderedJSON.object([("alg", .string("RS256")), ("typ", .string("JWT"))]).serialized())
        let claims = Base64.encodeURL(
            OrderedJSON.object([
                ("iss", .string(email)), ("scope", .string("https://www.googleapis.com/auth/cloudkms")), ("aud", .string(tokenURI)),
                ("iat", .number(issued)), ("exp", .number(issued + 3600)),
            ]).serialized())
        let signature = try key.signature(forMessage: Array("\(header).\(claims)".utf8))
        let assertion = "\(header).\(claims).\(Base64.encodeURL(signature))"
        let body = ProviderHTTP.form([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)])
        let response: ServiceHTTP.Response
        do {
            response = try await http.send(
                "POST", tokenURI, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: body, maxBody: 1 << 20, service: "Google OAuth")
        } catch let error as any ReportableError {
            throw KMSError(.unavailable, "GCP KMS: getting an access token: \(error.message)")
        }
        let json = try? JSONParser.parse(response.body)
        guard response.status == 200, let token = json?["access_token"]?.stringValue else {
            let reason = json?["error_description"]?.stringValue ?? json?["error"]?.stringValue ?? "HTTP \(response.status)"
            throw KMSError(.authentication, "GCP KMS: the token endpoint refused the service account \(email): \(reason)")
        }
        return (token, TimeInterval(json?["expires_in"]?.int64Value ?? 3600))
    }
}
