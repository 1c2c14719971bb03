public import SigstoreCrypto
public import SigstoreKMS
import SigstorePKCS11
import SigstoreCore
import SigstoreSign

/// Resolves `--key` references: a file path, `env://VAR`, an `http(s)://` URL (public keys), or a managed key
/// (`awskms://`, `hashivault://`, `openbao://`, `gcpkms://`, `azurekms://`, `pkcs11:`); other cosign schemes are refused
/// clearly.
public enum KeyReference {
    /// Reference schemes Go cosign accepts that this build does not support yet.
    public static let unsupportedSchemes = ["k8s://", "gitlab://", "github://"]

    /// Schemes of keys held by a KMS or a token.
    public static let managedSchemes = ["awskms://", "hashivault://", "openbao://", "gcpkms://", "azurekms://", "pkcs11:"]

    /// Whether `reference` names a key held by a KMS or a PKCS#11 token.
    public static func isManaged(_ reference: String) -> Bool { managedSchemes.contains { reference.hasPrefix($0) } }

    /// The managed key `reference` names; nothing is contacted yet. `signing` lets a PKCS#11 token ask for its PIN.
    public static func managedKey(_ reference: String, console: Console, signing: Bool) throws -> any ManagedKey {
        let environment = console.environment
        if reference.hasPrefix(AWSKMSKey.scheme) { return try AWSKMSKey(reference: reference, environment: environment, now: console.now) }
        if VaultTransitKey.schemes.contains(where: { reference.hasPrefix($0) }) {
            return try VaultTransitKey(reference: reference, environment: environment)
        }
        if reference.hasPrefix(GCPKMSKey.scheme) { return try GCPKMSKey(reference: reference, environment: environment, now: console.now) }
        if reference.hasPrefix(AzureKeyVaultKey.scheme) {
            return try AzureKeyVaultKey(reference: reference, environment: environment, now: console.now)
        }
        if reference.hasPrefix("pkcs11:") {
            let ask = signing ? pinPrompt(console) : nil
            return try PKCS11Key(reference: reference, environment: environment, askPIN: ask)
        }
        throw CosignError(.unsupported, "key reference \(reference) names no key provider this build supports")
    }

    /// Asks for a token's PIN on the terminal, without echo; refuses when there is no terminal.
    static func pinPrompt(_ console: Console) -> @Sendable (String) throws -> String {
        { prompt in
            guard console.stdin.isTerminal else {
                throw KMSError(.authentication, "the PKCS#11 token needs a PIN: set COSIGN_PKCS11_PIN or pin-value in the URI")
            }
            console.stderr.write(prompt)
            let pin = console.stdin.readSecretLine() ?? ""
            console.stderr.write("\n")
            return pin
        }
    }

    /// `generate-key-pair --kms REF`: creates the key in its KMS (ECDSA P-256, the providers' default) unless it
    /// exists, and returns its public key.
    public static func createManagedKey(_ reference: String, console: Console) async throws -> PublicKey {
        guard isManaged(reference) else {
            if let scheme = unsupportedSchemes.first(where: { reference.hasPrefix($0) }) {
                throw CosignError(.unsupported, "creating keys in \(scheme) is not supported yet")
            }
            throw CosignError(.invalidInput, "--kms \(reference) is not a KMS key reference (awskms://, hashivault://, openbao://, gcpkms://, azurekms://)")
        }
        return try await managedKey(reference, console: console, signing: true).create()
    }

    /// The public key of the key `public-key --key` names: a managed key's (fetched), or an encrypted key file's (after
    /// its password).
    public static func signerPublicKey(_ reference: String, console: Console) async throws -> PublicKey {
        if isManaged(reference) { return try await managedKey(reference, console: console, signing: false).fetchPublicKey() }
        return try signingKey(reference, console: console).publicKey
    }

    /// The signer `--key` names: a managed key (its public key fetched now), or an encrypted key file decrypted with
    /// the password.
    public static func signer(_ reference: String, console context: Console) async throws -> any Signer {
        if isManaged(reference) {
            return try await ManagedKeySigner.open(managedKey(reference, console: context, signing: true))
        }
        return try signingKey(reference, console: context)
    }

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
    public static func signingKeyTask(_ reference: String, console context: Console) throws -> Task<any Signer, any Error> {
        if isManaged(reference) {
            let key = try managedKey(reference, console: context, signing: true)
            return Task { try await ManagedKeySigner.open(key) }
        }
        let encrypted = try EncryptedPrivateKey(pemEncoded: try pemText(reference, console: context))
        let password = try context.password(confirm: false)
        return Task { try encrypted.decrypt(password: password) }
    }

    /// Whether a `--key` value is an `http://` or `https://` URL.
    public static func isURL(_ reference: String) -> Bool { reference.hasPrefix("http://") || reference.hasPrefix("https://") }

    /// Loads the public key named by `--key`, as ``publicKey(_:console:)`` does, and also from an `http(s)://` URL
    /// (Go cosign's `LoadFileOrURL`: a PEM public key, at most 1 MiB, HTTP 200).
    public static func publicKey(fetching reference: String, console context: Console) async throws -> PublicKey {
        if isManaged(reference) { return try await managedKey(reference, console: context, signing: false).fetchPublicKey() }
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
