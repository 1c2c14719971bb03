public import SigstoreCrypto
import SigstoreCore
import SigstoreSign

/// Resolves `--key` references: a file path or `env://VAR`; other cosign schemes are refused clearly.
public enum KeyReference {
    /// Reference schemes Go cosign accepts that this build does not support yet.
    public static let unsupportedSchemes = ["k8s://", "gitlab://", "github://", "pkcs11:", "awskms://", "gcpkms://", "azurekms://", "hashivault://"]

    /// The PEM text a `--key` value refers to.
    public static func pemText(_ reference: String, console context: Console) throws -> String {
        if reference.hasPrefix("env://") {
            let name = String(reference.dropFirst("env://".count))
            guard let value = context.environment[name], !value.isEmpty else {
                throw CosignError(.keyFile, "environment variable \(name) named by --key \(reference) is not set")
            }
            return value
        }
        if let scheme = unsupportedSchemes.first(where: { reference.hasPrefix($0) }) {
            throw CosignError(.unsupported, "key reference scheme \"\(scheme)\" is not supported yet: use a key file or env://VAR")
        }
        if isURL(reference) {
            throw CosignError(.unsupported, "a signing key cannot be loaded from a URL: download it and pass its path")
        }
        let text = try FileSystem.readText(reference, limit: 1 << 20)
        guard !text.isEmpty else { throw CosignError(.keyFile, "key file \(reference) is empty") }
        return text
    }

    /// Loads and decrypts an encrypted cosign private key named by `--key`.
    public static func signingKey(_ reference: String, console context: Console) throws -> SigningKey {
        let pem = try pemText(reference, console: context)
        let encrypted = try EncryptedPrivateKey(pemEncoded: pem)
        let password = try context.password(confirm: false)
        return try encrypted.decrypt(password: password)
    }

    /// Reads the key file and the password now (so their errors come first), and decrypts in the background: scrypt
    /// takes about 0.1–0.2 s of one core, which the caller overlaps with reading its input.
    public static func signingKeyTask(_ reference: String, console context: Console) throws -> Task<SigningKey, any Error> {
        let encrypted = try EncryptedPrivateKey(pemEncoded: try pemText(reference, console: context))
        let password = try context.password(confirm: false)
        return Task { try encrypted.decrypt(password: password) }
    }

    /// Whether a `--key` value is an `http://` or `https://` URL.
    public static func isURL(_ reference: String) -> Bool { reference.hasPrefix("http://") || reference.hasPrefix("https://") }

    /// Loads the public key named by `--key`, as ``publicKey(_:console:)`` does, and also from an `http(s)://` URL
    /// (Go cosign's `LoadFileOrURL`: a PEM public key, at most 1 MiB, HTTP 200).
    public static func publicKey(fetching reference: String, console context: Console) async throws -> PublicKey {
        guard isURL(reference) else { return try publicKey(reference, console: context) }
        let response = try await ServiceHTTP.withClient { http in
            try await http.send("GET", reference, maxBody: 1 << 20, service: "key server")
        }
        // The URL may carry credentials: errors name it without them.
        let shown = ServiceHTTP.redact(reference)
        guard response.status == 200 else {
            throw CosignError(.keyFile, "fetching the key \(shown): HTTP \(response.status)")
        }
        do {
            return try KeyFiles.loadPublicKey(pem: String(decoding: response.body, as: UTF8.self))
        } catch let error as any ReportableError {
            throw CosignError(.keyFile, "the key at \(shown): \(error.message)", underlying: error)
        }
    }

    /// Loads the public key named by `--key`: a public key PEM, or an encrypted private key (whose public half is
    /// used, after asking for its password).
    public static func publicKey(_ reference: String, console context: Console) throws -> PublicKey {
        let pem = try pemText(reference, console: context)
        if pem.contains("-----BEGIN \(EncryptedPrivateKey.sigstoreLabel)-----")
            || pem.contains("-----BEGIN \(EncryptedPrivateKey.cosignLabel)-----")
        {
            return try signingKey(reference, console: context).publicKey
        }
        return try KeyFiles.loadPublicKey(pem: pem)
    }
}
