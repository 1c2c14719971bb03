import Crypto
import SigstoreCore
public import SigstoreCrypto

/// A key held by a key management service: it reports its public key, signs digests remotely and, for
/// `generate-key-pair --kms`, can be created.
public protocol ManagedKey: Sendable {
    /// The reference as the user gave it (safe to show: references carry no secrets, except PKCS#11's `pin-value`,
    /// which its provider strips).
    var reference: String { get }
    /// Fetches the public key (one remote call).
    func fetchPublicKey() async throws -> PublicKey
    /// Signs `digest` with the key whose public half is `publicKey` (one remote call).
    func sign(digest: ArtifactDigest, publicKey: PublicKey) async throws -> [UInt8]
    /// Creates the key with the provider's default algorithm (ECDSA P-256) unless it exists, and returns its public
    /// key.
    func create() async throws -> PublicKey
}

/// A `Signer` (SigstoreCrypto) over a ``ManagedKey``: the public key is fetched once, when the signer is opened; each signature
/// costs one remote call, over a digest computed locally (the artifact never leaves the machine).
public struct ManagedKeySigner: Signer {
    /// The key.
    public let key: any ManagedKey
    public let publicKey: PublicKey

    /// Opens `key`: fetches its public key and checks that cosign can sign with it.
    public static func open(_ key: any ManagedKey) async throws -> ManagedKeySigner {
        let publicKey = try await key.fetchPublicKey()
        return ManagedKeySigner(key: key, publicKey: publicKey)
    }

    /// A signer for a key whose public half is already known.
    public init(key: any ManagedKey, publicKey: PublicKey) {
        self.key = key
        self.publicKey = publicKey
    }

    public func signature(forDigest digest: ArtifactDigest) async throws -> [UInt8] {
        guard !publicKey.signsWholeMessage else {
            throw KMSError(.unsupportedKey, "\(key.reference): an Ed25519 key signs whole messages, which cosign does not send to a KMS")
        }
        guard digest.algorithm == publicKey.defaultHashAlgorithm else {
            throw KMSError(
                .unsupportedKey, "\(key.reference): a \(publicKey.kind) key signs \(publicKey.defaultHashAlgorithm.rawValue) digests, not \(digest.algorithm.rawValue)")
        }
        let signature = try await key.sign(digest: digest, publicKey: publicKey)
        // A provider that signs with another key, or returns garbage, is caught here rather than by a verifier later.
        do {
            try publicKey.verifySignature(signature, digest: digest)
        } catch {
            throw KMSError(.provider, "\(key.reference): the signature the provider returned does not verify with the key's public key")
        }
        return signature
    }

    public func signature(forMessage message: [UInt8]) async throws -> [UInt8] { try await hashingThenSigning(message) }
}

/// ECDSA signatures that KMSs and tokens return as r‖s (JOSE, PKCS#11), re-encoded as the ASN.1 DER cosign writes.
public enum RawECDSASignature {
    /// The DER form of `raw` for a key of `kind`, or nil when `kind` is not ECDSA or `raw` is not r‖s of its size.
    public static func der(_ raw: [UInt8], kind: KeyKind) -> [UInt8]? {
        switch kind {
        case .ecdsaP256: (try? P256.Signing.ECDSASignature(rawRepresentation: raw)).map { Array($0.derRepresentation) }
        case .ecdsaP384: (try? P384.Signing.ECDSASignature(rawRepresentation: raw)).map { Array($0.derRepresentation) }
        case .ecdsaP521: (try? P521.Signing.ECDSASignature(rawRepresentation: raw)).map { Array($0.derRepresentation) }
        default: nil
        }
    }
}
