public import Foundation
public import SigstoreCrypto
import SigstoreCore
import SigstoreJSON
import SigstoreSign

/// A key in AWS KMS: `awskms://[ENDPOINT]/KEY`, where KEY is a key id (`1234abcd-…`, `mrk-…`), a key ARN, an alias
/// (`alias/Name`) or an alias ARN, and ENDPOINT (optional) is `host[:port]` of an HTTPS endpoint. Credentials and
/// region come from the environment as the AWS SDKs read them; `AWS_CA_BUNDLE` adds trusted CAs and
/// `AWS_TLS_INSECURE_SKIP_VERIFY=1` turns certificate checks off. Digests are signed with `MessageType=DIGEST`.
public struct AWSKMSKey: ManagedKey {
    public static let scheme = "awskms://"
    static let grammar = "kms specification should be in the format awskms://[ENDPOINT]/[ID/ALIAS/ARN] (endpoint optional)"

    public let reference: String
    /// `host[:port]` from the reference, if any.
    public let endpoint: String?
    /// The `KeyId` every request names (id, ARN, alias or alias ARN, as given).
    public let keyID: String
    /// `alias/Name` when the reference names an alias.
    public let alias: String?

    let environment: [String: String]
    let http: ServiceHTTP
    let now: @Sendable () -> Date

    /// Parses `reference` and prepares a client; nothing is sent yet.
    public init(reference: String, environment: [String: String], now: @escaping @Sendable () -> Date = { Date() }) throws {
        let parsed = try Self.parse(reference)
        self.reference = reference
        (endpoint, keyID, alias) = parsed
        self.environment = environment
        self.now = now
        http = try ProviderHTTP.client(
            environment, provider: "AWS KMS", caBundleVariable: "AWS_CA_BUNDLE", insecure: environment["AWS_TLS_INSECURE_SKIP_VERIFY"] == "1")
    }

    /// Splits a reference into endpoint, key id and alias, with Go cosign's grammar.
    public static func parse(_ reference: String) throws -> (endpoint: String?, keyID: String, alias: String?) {
        guard reference.hasPrefix(scheme) else { throw KMSError(.malformedReference, grammar) }
        let rest = reference.dropFirst(scheme.count)
        guard let slash = rest.firstIndex(of: "/") else { throw KMSError(.malformedReference, "invalid awskms format \"\(reference)\": \(grammar)") }
        let host = String(rest[..<slash])
        let key = String(rest[rest.index(after: slash)...])
        let endpoint = host.isEmpty ? nil : host
        if isKeyID(key) { return (endpoint, key, nil) }
        if key.hasPrefix("alias/") && key.count > "alias/".count { return (endpoint, key, key) }
        if let tail = arnResource(key) {
            if tail.hasPrefix("key/"), isKeyID(String(tail.dropFirst(4))) { return (endpoint, key, nil) }
            if tail.hasPrefix("alias/") && tail.count > "alias/".count { return (endpoint, key, String(tail)) }
        }
        throw KMSError(.malformedReference, "invalid awskms format \"\(reference)\": \(grammar)")
    }

    /// `m?r?k?-?` then a UUID whose dashes are optional (`[A-Fa-f0-9]{8}-?…{12}`), as Go's `uuidRE`.
    static func isKeyID(_ text: String) -> Bool {
        var s = Substring(text)
        for prefix in ["m", "r", "k", "-"] where s.hasPrefix(prefix) { s = s.dropFirst() }
        for (index, length) in [8, 4, 4, 4, 12].enumerated() {
            if index > 0, s.hasPrefix("-") { s = s.dropFirst() }
            let group = s.prefix(length)
            guard group.count == length, group.allSatisfy(\.isHexDigit) else { return false }
            s = s.dropFirst(length)
        }
        return s.isEmpty
    }

    /// The resource after `arn:(aws|aws-us-gov|aws-cn):kms:REGION:ACCOUNT12:`.
    static func arnResource(_ key: String) -> Substring? {
        let parts = key.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", ["aws", "aws-us-gov", "aws-cn"].contains(parts[1]), parts[2] == "kms",
            !parts[3].isEmpty, parts[3].allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }),
            parts[4].count == 12, parts[4].allSatisfy(\.isNumber)
        else { return nil }
        return parts[5]
    }

    // MARK: ManagedKey

    public func fetchPublicKey() async throws -> PublicKey {
        let response = try await call("GetPublicKey", [("KeyId", .string(keyID))], doing: "getting public key")
        if let usage = response["KeyUsage"]?.stringValue, usage != "SIGN_VERIFY" {
            throw KMSError(.unsupportedKey, "AWS KMS key \(keyID) has usage \(usage): it cannot sign")
        }
        guard let b64 = response["PublicKey"]?.stringValue, let der = Base64.decode(b64) else {
            throw KMSError(.provider, "AWS KMS: GetPublicKey for \(keyID) returned no public key")
        }
        let key: PublicKey
        do {
            key = try PublicKey(derEncoded: der)
        } catch let error as any ReportableError {
            throw KMSError(.unsupportedKey, "AWS KMS key \(keyID): \(error.message)")
        }
        let algorithms = response["SigningAlgorithms"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let wanted = try Self.signingAlgorithm(for: key)
        if !algorithms.isEmpty && !algorithms.contains(wanted) {
            throw KMSError(.unsupportedKey, "AWS KMS key \(keyID) does not offer \(wanted) (it offers \(algorithms.joined(separator: ", ")))")
        }
        return key
    }

    public func sign(digest: ArtifactDigest, publicKey: PublicKey) async throws -> [UInt8] {
        let response = try await call(
            "Sign",
            [
                ("KeyId", .string(keyID)), ("Message", .base64(digest.bytes)), ("MessageType", .string("DIGEST")),
                ("SigningAlgorithm", .string(try Self.signingAlgorithm(for: publicKey))),
            ], doing: "signing with kms")
        guard let b64 = response["Signature"]?.stringValue, let signature = Base64.decode(b64), !signature.isEmpty else {
            throw KMSError(.provider, "AWS KMS: Sign with \(keyID) returned no signature")
        }
        return signature
    }

    /// Creates an ECDSA P-256 signing key and the alias the reference names; an existing key is used as it is.
    public func create() async throws -> PublicKey {
        guard let alias else { throw KMSError(.malformedReference, "\(reference): must use alias key format to create a key") }
        do {
            return try await fetchPublicKey()
        } catch let error as KMSError where error.code == .notFound {}
        let created = try await call(
            "CreateKey",
            [("KeySpec", .string("ECC_NIST_P256")), ("KeyUsage", .string("SIGN_VERIFY")), ("Description", .string("Created by Sigstore"))],
            doing: "creating key")
        guard let id = created["KeyMetadata"]?["KeyId"]?.stringValue else {
            throw KMSError(.provider, "AWS KMS: CreateKey returned no key id")
        }
        _ = try await call("CreateAlias", [("AliasName", .string(alias)), ("TargetKeyId", .string(id))], doing: "creating alias \"\(alias)\"")
        return try await fetchPublicKey()
    }

    /// The algorithm for the key: ECDSA with the curve's hash, RSA PKCS#1 v1.5 with SHA-256 (what cosign's verifiers
    /// check for an RSA key).
    static func signingAlgorithm(for key: PublicKey) throws -> String {
        switch key.kind {
        case .ecdsaP256: return "ECDSA_SHA_256"
        case .ecdsaP384: return "ECDSA_SHA_384"
        case .ecdsaP521: return "ECDSA_SHA_512"
        case .rsa: return "RSASSA_PKCS1_V1_5_SHA_256"
        case .ed25519: throw KMSError(.unsupportedKey, "AWS KMS: Ed25519 keys are not supported")
        }
    }

    // MARK: Transport

    /// The service URL: `https://ENDPOINT`, else `AWS_ENDPOINT_URL_KMS`/`AWS_ENDPOINT_URL`, else the regional endpoint.
    func serviceURL(region: String) -> String {
        if let endpoint { return "https://\(endpoint)" }
        for name in ["AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL"] {
            if let url = environment[name], !url.isEmpty { return url.hasSuffix("/") ? String(url.dropLast()) : url }
        }
        return "https://kms.\(region).amazonaws.com"
    }

    /// One KMS operation: JSON 1.1 over `POST /`, signed with SigV4. Throttling (`ThrottlingException`, 429, 5xx) is
    /// retried with backoff; what persists is reported with the provider's words.
    func call(_ operation: String, _ members: [(String, OrderedJSON)], doing what: String) async throws -> OrderedJSON {
        guard let region = try AWSCredentials.region(environment: environment) else {
            throw KMSError(.authentication, "AWS KMS: no region: set AWS_REGION or AWS_DEFAULT_REGION")
        }
        let credentials = try AWSCredentials.resolve(environment: environment)
        let base = serviceURL(region: region)
        guard let url = URL(string: base + "/"), let host = url.host else {
            throw KMSError(.malformedReference, "AWS KMS endpoint \(base) is not a URL")
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let body = OrderedJSON.object(members).serialized()
        let signer = SigV4Signer(credentials: credentials, region: region, service: "kms")
        let attempts = max(1, http.configuration.maxAttempts)
        for attempt in 1...attempts {
            var headers = [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "TrentService.\(operation)"), ("Host", hostHeader)]
            headers += signer.authorization(method: "POST", path: url.path.isEmpty ? "/" : url.path, headers: headers, body: body, date: now())
            let response: ServiceHTTP.Response
            do {
                response = try await http.send("POST", base + "/", headers: headers, body: body, maxBody: 1 << 20, service: "AWS KMS")
            } catch let error as any ReportableError {
                throw KMSError(.unavailable, "AWS KMS: \(what) \(keyID): \(error.message)")
            }
            let json = try? JSONParser.parse(response.body)
            if response.status == 200, let json { return json }
            let type = (json?["__type"]?.stringValue ?? "").split(separator: "#").last.map(String.init) ?? ""
            let message = json?["message"]?.stringValue ?? json?["Message"]?.stringValue ?? ""
            if type == "ThrottlingException" || type == "KMSInternalException", attempt < attempts {
                try await Task.sleep(for: .milliseconds(250 << (attempt - 1)))
                continue
            }
            let detail = type.isEmpty ? "HTTP \(response.status)" : type
            let text = "AWS KMS: \(what) \(keyID): \(detail)\(message.isEmpty ? "" : ": \(message)")"
            switch type {
            case "NotFoundException": throw KMSError(.notFound, text)
            case "UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException", "ExpiredTokenException",
                "IncompleteSignature", "MissingAuthenticationToken":
                throw KMSError(.authentication, text)
            case "ThrottlingException", "KMSInternalException", "DependencyTimeoutException": throw KMSError(.unavailable, text)
            case "UnsupportedOperationException", "InvalidKeyUsageException", "KMSInvalidStateException", "DisabledException":
                throw KMSError(.unsupportedKey, text)
            default:
                throw KMSError(response.status == 429 || response.status >= 500 ? .unavailable : .provider, text)
            }
        }
        throw KMSError(.unavailable, "AWS KMS: \(what) \(keyID): no answer")
    }
}
