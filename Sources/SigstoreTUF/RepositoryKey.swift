public import Crypto
import SigstoreJSON
import SigstoreCore

/// A private key that signs repository metadata for ``RepositoryWriter``.
///
/// ECDSA P-256 keys are published as keytype `ecdsa`, scheme `ecdsa-sha2-nistp256` with a PEM SPKI public key (as
/// Sigstore's root-signing does); Ed25519 keys as `ed25519`/`ed25519` with a hex public key. The keyid is the SHA-256
/// of the canonical JSON of the public key object, as securesystemslib computes it.
public struct RepositoryKey: Sendable {
    private enum Backing: Sendable {
        case p256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    private let backing: Backing

    /// The key's TUF keyid.
    public let keyID: String

    /// The public key object as it appears in `keys` of root or delegations metadata.
    let publicKeyJSON: OrderedJSON

    /// Wraps an ECDSA P-256 key.
    /// - Parameter key: The private key.
    public init(_ key: P256.Signing.PrivateKey) {
        self.init(
            backing: .p256(key),
            keyType: "ecdsa",
            scheme: "ecdsa-sha2-nistp256",
            material: key.publicKey.pemRepresentation
        )
    }

    /// Wraps an Ed25519 key.
    /// - Parameter key: The private key.
    public init(_ key: Curve25519.Signing.PrivateKey) {
        self.init(
            backing: .ed25519(key),
            keyType: "ed25519",
            scheme: "ed25519",
            material: TextEncoding.hex(key.publicKey.rawRepresentation)
        )
    }

    private init(backing: Backing, keyType: String, scheme: String, material: String) {
        self.backing = backing
        let json = OrderedJSON.object([
            ("keytype", .string(keyType)),
            ("keyval", .object([("public", .string(material))])),
            ("scheme", .string(scheme)),
        ])
        publicKeyJSON = json
        // Strings and objects only: canonical encoding cannot fail here.
        let canonical = (try? CanonicalJSON.encode(json)) ?? []
        keyID = TextEncoding.hex(SHA256.hash(data: canonical))
    }

    /// Signs `message` (the canonical bytes of a `signed` value).
    func signature(for message: [UInt8]) throws -> [UInt8] {
        do {
            switch backing {
            case .p256(let key): return Array(try key.signature(for: message).derRepresentation)
            case .ed25519(let key): return Array(try key.signature(for: message))
            }
        } catch {
            throw TUFError(.signingFailed, "signing with key \(keyID) failed: \(error)", underlying: error)
        }
    }
}
