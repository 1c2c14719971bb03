public import SigstoreCrypto
import SigstoreCore

/// Reading and writing cosign key files.
public enum KeyFiles {
    /// A freshly written key pair: the encrypted private key PEM and the public key PEM.
    public struct KeyPair: Sendable {
        /// `cosign.key` contents.
        public var privateKeyPEM: String
        /// `cosign.pub` contents.
        public var publicKeyPEM: String
    }

    /// Encrypts `key` with `password` into cosign's key-file pair.
    public static func keyPair(
        for key: SigningKey, password: [UInt8],
        randomBytes: (Int) -> [UInt8] = EncryptedPrivateKey.systemRandomBytes
    ) throws -> KeyPair {
        let encrypted = try EncryptedPrivateKey(encrypting: key, password: password, randomBytes: randomBytes)
        return KeyPair(privateKeyPEM: try encrypted.pemRepresentation(), publicKeyPEM: key.publicKey.pemRepresentation)
    }

    /// Loads and decrypts an encrypted cosign private key from PEM text.
    public static func loadPrivateKey(pem: String, password: [UInt8]) throws -> SigningKey {
        try EncryptedPrivateKey(pemEncoded: pem).decrypt(password: password)
    }

    /// Loads a public key from PEM text: a `PUBLIC KEY` (PKIX) or `RSA PUBLIC KEY` (PKCS#1) block.
    public static func loadPublicKey(pem: String) throws -> PublicKey {
        do {
            return try PublicKey(pemEncoded: pem)
        } catch let error as SigstoreCryptoError {
            throw CosignError(.invalidInput, error.message)
        }
    }

    /// Parses an unencrypted PEM private key for `import-key-pair`.
    public static func importPrivateKey(pem: String) throws -> SigningKey {
        do {
            return try SigningKey(pemEncoded: pem)
        } catch let error as SigstoreCryptoError {
            throw CosignError(.invalidInput, error.message)
        }
    }
}
