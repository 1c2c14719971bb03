import Foundation
public import SigstoreCrypto
import Crypto
import SigstoreCore
import SigstoreJSON
import SigstoreSign

/// A key in HashiCorp Vault's (or OpenBao's) transit engine: `hashivault://KEY` or `openbao://KEY`. The server is
/// `VAULT_ADDR` (or `BAO_ADDR`), the token `VAULT_TOKEN` (or `BAO_TOKEN`, else `~/.vault-token`), the mount
/// `TRANSIT_SECRET_ENGINE_PATH` (default `transit`); `VAULT_NAMESPACE`, `VAULT_CACERT` and `VAULT_SKIP_VERIFY` are
/// honoured as Vault's own client does. Digests are signed prehashed, with the latest key version.
public struct VaultTransitKey: ManagedKey {
    public static let schemes = ["hashivault://", "openbao://"]
    static let grammar = "kms specification should be in the format hashivault://<key>"

    public let reference: String
    /// The key's name in the transit engine.
    public let name: String

    let address: String
    let token: String
    let mount: String
    let namespace: String?
    let http: ServiceHTTP

    /// Parses `reference` and reads the environment; nothing is sent yet.
    public init(reference: String, environment: [String: String]) throws {
        name = try Self.parse(reference)
        self.reference = reference
        func value(_ names: String...) -> String? {
            for n in names { if let v = environment[n]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty { return v } }
            return nil
        }
        guard let address = value("VAULT_ADDR", "BAO_ADDR") else { throw KMSError(.authentication, "Vault: VAULT_ADDR or BAO_ADDR is not set") }
        self.address = address.hasSuffix("/") ? String(address.dropLast()) : address
        if let token = value("VAULT_TOKEN", "BAO_TOKEN") {
            self.token = token
        } else if let home = environment["HOME"], FileManager.default.fileExists(atPath: "\(home)/.vault-token"),
            let stored = try? FileSystem.readText("\(home)/.vault-token", limit: 64 << 10).trimmingCharacters(in: .whitespacesAndNewlines),
            !stored.isEmpty
        {
            self.token = stored
        } else {
            throw KMSError(.authentication, "Vault: VAULT_TOKEN is not set and ~/.vault-token is missing or empty")
        }
        let mount = value("TRANSIT_SECRET_ENGINE_PATH") ?? "transit"
        self.mount = mount.split(separator: "/").joined(separator: "/")
        namespace = value("VAULT_NAMESPACE")
        let skip = value("VAULT_SKIP_VERIFY").map { ["1", "t", "T", "true", "TRUE", "True"].contains($0) } ?? false
        http = try ProviderHTTP.client(environment, provider: "Vault", caBundleVariable: "VAULT_CACERT", insecure: skip)
    }

    /// The key name in `hashivault://KEY`: word characters, `-` and `.`, starting and ending with a word character.
    public static func parse(_ reference: String) throws -> String {
        guard let scheme = schemes.first(where: { reference.hasPrefix($0) }) else { throw KMSError(.malformedReference, grammar) }
        let name = String(reference.dropFirst(scheme.count))
        func word(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
        guard let first = name.first, let last = name.last, word(first), word(last),
            name.allSatisfy({ word($0) || $0 == "-" || $0 == "." })
        else { throw KMSError(.malformedReference, "invalid vault format \"\(reference)\": \(grammar)") }
        return name
    }

    // MARK: ManagedKey

    public func fetchPublicKey() async throws -> PublicKey {
        let json = try await request("GET", "keys/\(name)", body: nil, doing: "reading key")
        guard let data = json["data"], let latest = data["latest_version"]?.int64Value,
            let entry = data["keys"]?[String(latest)], let text = entry["public_key"]?.stringValue, !text.isEmpty
        else {
            if let type = json["data"]?["type"]?.stringValue {
                throw KMSError(.unsupportedKey, "Vault transit key \(name) is of type \(type): it cannot sign")
            }
            throw KMSError(.provider, "Vault: could not read data from transit key path: /\(mount)/keys/\(name)")
        }
        if json["data"]?["type"]?.stringValue == "ed25519" {
            guard let raw = Base64.decode(text), raw.count == 32 else { throw KMSError(.provider, "Vault: malformed Ed25519 public key for \(name)") }
            return PublicKey(try Curve25519.Signing.PublicKey(rawRepresentation: raw))
        }
        do {
            return try PublicKey(pemEncoded: text)
        } catch let error as any ReportableError {
            throw KMSError(.unsupportedKey, "Vault transit key \(name): \(error.message)")
        }
    }

    public func sign(digest: ArtifactDigest, publicKey: PublicKey) async throws -> [UInt8] {
        let path: String
        switch digest.algorithm {
        case .sha256: path = "sha2-256"
        case .sha384: path = "sha2-384"
        case .sha512: path = "sha2-512"
        }
        let body = OrderedJSON.object([
            ("input", .base64(digest.bytes)), ("prehashed", .bool(true)), ("key_version", .string("0")),
            ("signature_algorithm", .string("pkcs1v15")),
        ])
        let json = try await request("PUT", "sign/\(name)/\(path)", body: body.serialized(), doing: "signing")
        guard let text = json["data"]?["signature"]?.stringValue, let signature = Self.stripVersionPrefix(text) else {
            throw KMSError(.provider, "Vault: transit: response corrupted in-transit")
        }
        return signature
    }

    /// Creates an `ecdsa-p256` transit key (Vault keeps an existing key of that name as it is).
    public func create() async throws -> PublicKey {
        _ = try await request(
            "PUT", "keys/\(name)", body: OrderedJSON.object([("type", .string("ecdsa-p256"))]).serialized(), doing: "creating transit key")
        return try await fetchPublicKey()
    }

    /// `vault:vN:BASE64` → the signature bytes.
    static func stripVersionPrefix(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "vault", parts[1].hasPrefix("v"), parts[1].dropFirst().allSatisfy(\.isNumber),
            parts[1].count > 1
        else { return nil }
        return Base64.decode(String(parts[2]))
    }

    /// One request to `/v1/MOUNT/PATH` with the token. Errors carry Vault's own `errors` list.
    func request(_ method: String, _ path: String, body: [UInt8]?, doing what: String) async throws -> OrderedJSON {
        var headers = [("X-Vault-Token", token), ("X-Vault-Request", "true")]
        if let namespace { headers.append(("X-Vault-Namespace", namespace)) }
        func errors(_ json: OrderedJSON?) -> String { json?["errors"]?.arrayValue?.compactMap(\.stringValue).joined(separator: "; ") ?? "" }
        do {
            return try await ProviderHTTP.exchange(
                http, method, "\(address)/v1/\(mount)/\(path)", headers: headers, body: body, provider: "Vault", context: "Vault: \(what) \(name)",
                detail: { json, status in errors(json).isEmpty ? "HTTP \(status)" : "HTTP \(status): \(errors(json))" },
                // Vault answers 400 for a key that cannot sign (e.g. an aes256-gcm96 key).
                code: { errors($0).contains("signing") || errors($0).contains("does not support") ? .unsupportedKey : .provider })
        } catch let error as KMSError where error.code == .notFound && method == "GET" {
            throw KMSError(.notFound, "Vault: could not read data from transit key path: /\(mount)/keys/\(name)")
        }
    }
}
