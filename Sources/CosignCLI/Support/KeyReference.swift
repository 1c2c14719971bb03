import Cosign
import SigstoreCrypto
import SigstoreCore

/// Resolves `--key` references: a file path or `env://VAR`; other cosign schemes are refused clearly.
enum KeyReference {
    static let unsupportedSchemes = ["k8s://", "gitlab://", "github://", "pkcs11:", "awskms://", "gcpkms://", "azurekms://", "hashivault://"]

    /// The PEM text a `--key` value refers to.
    static func pemText(_ reference: String, context: CommandContext) throws -> String {
        if reference.hasPrefix("env://") {
            let name = String(reference.dropFirst("env://".count))
            guard let value = context.environment[name], !value.isEmpty else {
                throw CLIError("environment variable \(name) named by --key \(reference) is not set")
            }
            return value
        }
        if let scheme = unsupportedSchemes.first(where: { reference.hasPrefix($0) }) {
            throw CLIError("key reference scheme \"\(scheme)\" is not supported yet: use a key file or env://VAR")
        }
        if reference.hasPrefix("http://") || reference.hasPrefix("https://") {
            throw CLIError("loading keys from URLs is not supported yet: download the key and pass its path")
        }
        let text = try FileSystem.readText(reference, limit: 1 << 20)
        guard !text.isEmpty else { throw CLIError("key file \(reference) is empty") }
        return text
    }

    /// Loads and decrypts an encrypted cosign private key named by `--key`.
    static func signingKey(_ reference: String, context: CommandContext) throws -> SigningKey {
        let pem = try pemText(reference, context: context)
        let encrypted = try EncryptedPrivateKey(pemEncoded: pem)
        let password = try Prompts.password(confirm: false, context: context)
        return try encrypted.decrypt(password: password)
    }

    /// Reads the key file and the password now (so their errors come first), and decrypts in the background: scrypt
    /// takes about 0.1–0.2 s of one core, which the caller overlaps with reading its input.
    static func signingKeyTask(_ reference: String, context: CommandContext) throws -> Task<SigningKey, any Error> {
        let encrypted = try EncryptedPrivateKey(pemEncoded: try pemText(reference, context: context))
        let password = try Prompts.password(confirm: false, context: context)
        return Task { try encrypted.decrypt(password: password) }
    }

    /// Loads the public key named by `--key`: a public key PEM, or an encrypted private key (whose public half is
    /// used, after asking for its password).
    static func publicKey(_ reference: String, context: CommandContext) throws -> PublicKey {
        let pem = try pemText(reference, context: context)
        if pem.contains("-----BEGIN \(EncryptedPrivateKey.sigstoreLabel)-----")
            || pem.contains("-----BEGIN \(EncryptedPrivateKey.cosignLabel)-----")
        {
            return try signingKey(reference, context: context).publicKey
        }
        return try KeyFiles.loadPublicKey(pem: pem)
    }
}
