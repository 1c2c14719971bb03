import SigstoreCore

/// A private key that signs, wherever it lives: in memory (``SigningKey``), in a key management service or on a
/// PKCS#11 token. Every command that takes `--key` signs through this protocol, so a key is a key.
///
/// Signatures use the key's own algorithm: ECDSA returns ASN.1 DER, RSA PKCS#1 v1.5, Ed25519 64 raw bytes. Digests
/// are computed with ``KeyKind/defaultHashAlgorithm`` of ``publicKey``.
public protocol Signer: Sendable {
    /// The public half, as the key's holder reports it.
    var publicKey: PublicKey { get }

    /// Signs a precomputed digest (ECDSA, RSA). Keys that sign whole messages (Ed25519) refuse.
    func signature(forDigest digest: ArtifactDigest) async throws -> [UInt8]

    /// Signs a whole message: pure Ed25519, or hash-then-sign with the key's hash for the other kinds.
    func signature(forMessage message: [UInt8]) async throws -> [UInt8]

    /// Signs a whole message so that a transparency log can check it against its digest: Ed25519ph for Ed25519 keys,
    /// hash-then-sign for the other kinds. The default refuses Ed25519 and hashes then signs otherwise.
    func prehashedSignature(forMessage message: [UInt8]) async throws -> [UInt8]
}

extension Signer {
    /// The key kind.
    public var kind: KeyKind { publicKey.kind }

    /// Whether this key signs whole messages (pure Ed25519) rather than digests.
    public var signsWholeMessage: Bool { publicKey.signsWholeMessage }

    /// Hash-then-sign with the key's hash: what a signer whose key signs digests answers for a whole message.
    public func hashingThenSigning(_ message: [UInt8]) async throws -> [UInt8] {
        guard !signsWholeMessage else {
            throw SigstoreCryptoError(.unsupportedKey, "this \(kind) key cannot sign whole messages")
        }
        return try await signature(forDigest: kind.defaultHashAlgorithm.digest(of: message))
    }
}

extension Signer {
    /// Hash-then-sign; keys that cannot sign a digest of a whole message (Ed25519 away from memory) refuse.
    public func prehashedSignature(forMessage message: [UInt8]) async throws -> [UInt8] {
        guard !signsWholeMessage else {
            throw SigstoreCryptoError(.unsupportedKey, "this \(kind) key cannot sign Ed25519ph, which a transparency log needs")
        }
        return try await signature(forDigest: kind.defaultHashAlgorithm.digest(of: message))
    }
}

extension SigningKey: Signer {
    /// Ed25519ph or hash-then-sign, as the protocol asks.
    public func prehashedSignature(forMessage message: [UInt8]) throws -> [UInt8] {
        try prehashedSignature(forMessage: message[...])
    }

    /// Signs a whole message, as the protocol asks.
    public func signature(forMessage message: [UInt8]) throws -> [UInt8] {
        try signature(forMessage: message[...])
    }
}
