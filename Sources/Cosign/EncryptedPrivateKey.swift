import CSodium
import Crypto
public import SigstoreCrypto
import SigstoreModels
import SigstoreJSON
import SigstoreCore

/// cosign's encrypted private key file (`cosign.key`): a PEM block whose body is JSON describing scrypt parameters,
/// a NaCl secretbox nonce and the ciphertext of the PKCS#8 DER private key
/// (secure-systems-lab `encrypted` format, as `cosign generate-key-pair` writes it).
public struct EncryptedPrivateKey: Sendable, Hashable {
    /// The PEM label cosign writes.
    public static let sigstoreLabel = "ENCRYPTED SIGSTORE PRIVATE KEY"
    /// The older PEM label cosign still reads.
    public static let cosignLabel = "ENCRYPTED COSIGN PRIVATE KEY"

    /// scrypt cost parameters.
    public struct ScryptParameters: Sendable, Hashable {
        public var n: Int
        public var r: Int
        public var p: Int
        /// The parameters cosign writes: N=65536, r=8, p=1.
        public static let cosignDefault = ScryptParameters(n: 65536, r: 8, p: 1)
        /// Whether cosign would accept these parameters when decrypting (N ∈ {2^15, 2^16, 2^17}, r=8, p=1).
        public var isAccepted: Bool { [32768, 65536, 131072].contains(n) && r == 8 && p == 1 }
    }

    /// The scrypt parameters.
    public var scrypt: ScryptParameters
    /// The 32-byte scrypt salt.
    public var salt: [UInt8]
    /// The 24-byte secretbox nonce.
    public var nonce: [UInt8]
    /// The secretbox ciphertext (16-byte tag followed by the encrypted PKCS#8 DER).
    public var ciphertext: [UInt8]

    /// Encrypts a key with a password, as `cosign generate-key-pair` does.
    ///
    /// - Parameters:
    ///   - key: the private key; its PKCS#8 DER encoding is encrypted.
    ///   - password: the password; an empty password still encrypts.
    ///   - parameters: scrypt costs (cosign's by default).
    ///   - randomBytes: the source of salt and nonce (injectable for tests).
    public init(
        encrypting key: SigningKey, password: [UInt8], parameters: ScryptParameters = .cosignDefault,
        randomBytes: (Int) -> [UInt8] = EncryptedPrivateKey.systemRandomBytes
    ) throws {
        scrypt = parameters
        salt = randomBytes(32)
        nonce = randomBytes(24)
        let secretKey = try Self.deriveKey(password: password, salt: salt, parameters: parameters)
        ciphertext = try Self.seal(Array(key.pkcs8DERRepresentation), key: secretKey, nonce: nonce)
    }

    /// Parses the PEM text of an encrypted key file (either label).
    public init(pemEncoded text: String) throws {
        let block: PEMBlock
        do {
            block = try PEMBlock.parseFirst(text)
        } catch {
            throw CosignError(.keyFile, "malformed private key: no PEM block found")
        }
        guard block.label == Self.sigstoreLabel || block.label == Self.cosignLabel else {
            throw CosignError(.keyFile, "unsupported pem type: \(block.label)")
        }
        try self.init(jsonData: block.bytes)
    }

    /// Parses the JSON body of the PEM block.
    public init(jsonData: [UInt8]) throws {
        let file: FileJSON
        do {
            file = try JSONCoding.decode(FileJSON.self, from: jsonData, what: "encrypted private key")
        } catch let error as any ReportableError {
            throw CosignError(.keyFile, error.message)
        }
        guard file.kdf.name == "scrypt" else {
            throw CosignError(.keyFile, "unsupported key derivation function \"\(file.kdf.name)\" (expected scrypt)")
        }
        guard file.cipher.name == "nacl/secretbox" else {
            throw CosignError(.keyFile, "unsupported cipher \"\(file.cipher.name)\" (expected nacl/secretbox)")
        }
        let parameters = ScryptParameters(n: file.kdf.params.N, r: file.kdf.params.r, p: file.kdf.params.p)
        guard parameters.isAccepted else {
            throw CosignError(
                .keyFile,
                "unsupported scrypt parameters N=\(parameters.n) r=\(parameters.r) p=\(parameters.p) (accepted: N of 32768, 65536 or 131072 with r=8, p=1)")
        }
        guard file.cipher.nonce.bytes.count == 24 else {
            throw CosignError(.keyFile, "malformed encrypted private key: nonce must be 24 bytes")
        }
        guard file.ciphertext.bytes.count > 16 else {
            throw CosignError(.keyFile, "malformed encrypted private key: ciphertext too short")
        }
        scrypt = parameters
        salt = file.kdf.salt.bytes
        nonce = file.cipher.nonce.bytes
        ciphertext = file.ciphertext.bytes
    }

    /// The JSON body, byte for byte in the field order cosign writes.
    public func jsonData() -> [UInt8] {
        OrderedJSON.object([
            ("kdf", .object([
                ("name", .string("scrypt")),
                ("params", .object([("N", .number(Int64(scrypt.n))), ("r", .number(Int64(scrypt.r))), ("p", .number(Int64(scrypt.p)))])),
                ("salt", .string(Base64.encode(salt))),
            ])),
            ("cipher", .object([("name", .string("nacl/secretbox")), ("nonce", .string(Base64.encode(nonce)))])),
            ("ciphertext", .string(Base64.encode(ciphertext))),
        ]).serialized()
    }

    /// The PEM text of the key file, with the label cosign writes.
    public func pemRepresentation() throws -> String {
        PEMBlock(label: Self.sigstoreLabel, bytes: jsonData()).pemString
    }

    /// Decrypts the key.
    ///
    /// - Throws: ``CosignErrorCode/wrongPassword`` when the password is wrong (or the file was altered), and
    ///   ``CosignErrorCode/keyFile`` when the decrypted bytes are not a supported PKCS#8 key.
    public func decrypt(password: [UInt8]) throws -> SigningKey {
        let secretKey = try Self.deriveKey(password: password, salt: salt, parameters: scrypt)
        guard let plaintext = Self.open(ciphertext, key: secretKey, nonce: nonce) else {
            throw CosignError(.wrongPassword, "decrypt: encrypted: decryption failed (wrong password or damaged key file)")
        }
        do {
            return try SigningKey(pkcs8DER: plaintext)
        } catch let error as SigstoreCryptoError {
            throw CosignError(.keyFile, "parsing private key: \(error.message)")
        }
    }

    /// Random bytes from the operating system's CSPRNG.
    public static func systemRandomBytes(_ count: Int) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }

    static func deriveKey(password: [UInt8], salt: [UInt8], parameters: ScryptParameters) throws -> [UInt8] {
        // libsodium's scrypt (SIMD Salsa20/8): about two thirds of the time of BoringSSL's portable one here, at
        // cosign's N=65536, r=8, p=1.
        guard sodium_init() >= 0, parameters.n > 1, parameters.r > 0, parameters.p > 0,
            let r = UInt32(exactly: parameters.r), let p = UInt32(exactly: parameters.p)
        else { throw CosignError(.keyFile, "deriving the key encryption key with scrypt failed: invalid parameters") }
        var key = [UInt8](repeating: 0, count: 32)
        let rc = crypto_pwhash_scryptsalsa208sha256_ll(
            password, password.count, salt, salt.count, UInt64(parameters.n), r, p, &key, key.count)
        guard rc == 0 else { throw CosignError(.keyFile, "deriving the key encryption key with scrypt failed") }
        return key
    }

    static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8]) throws -> [UInt8] {
        guard sodium_init() >= 0 else { throw CosignError(.keyFile, "libsodium failed to initialise") }
        var out = [UInt8](repeating: 0, count: plaintext.count + Int(crypto_secretbox_MACBYTES))
        let rc = crypto_secretbox_easy(&out, plaintext, UInt64(plaintext.count), nonce, key)
        guard rc == 0 else { throw CosignError(.keyFile, "encrypting the private key failed") }
        return out
    }

    static func open(_ ciphertext: [UInt8], key: [UInt8], nonce: [UInt8]) -> [UInt8]? {
        guard sodium_init() >= 0, ciphertext.count >= Int(crypto_secretbox_MACBYTES) else { return nil }
        var out = [UInt8](repeating: 0, count: ciphertext.count - Int(crypto_secretbox_MACBYTES))
        let rc = crypto_secretbox_open_easy(&out, ciphertext, UInt64(ciphertext.count), nonce, key)
        return rc == 0 ? out : nil
    }
}

/// The JSON layout of the PEM body, in the field order of secure-systems-lab's Go structs.
private struct FileJSON: Decodable {
    struct KDF: Decodable {
        struct Params: Decodable {
            var N: Int
            var r: Int
            var p: Int
        }
        var name: String
        var params: Params
        var salt: Base64Bytes
    }
    struct Cipher: Decodable {
        var name: String
        var nonce: Base64Bytes
    }
    var kdf: KDF
    var cipher: Cipher
    var ciphertext: Base64Bytes
}
