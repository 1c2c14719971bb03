import Crypto
public import SigstoreCrypto
public import SigstoreModels
public import SigstoreJSON
public import SigstoreCore

/// A signature over a blob together with what a bundle needs to describe it.
public struct BlobSignature: Sendable, Hashable {
    /// The raw signature bytes (ASN.1 DER for ECDSA, PKCS#1 v1.5 for RSA, 64 bytes for Ed25519).
    public var signature: [UInt8]
    /// The artifact digest the signature covers (for Ed25519, the SHA-512 of the message, for information).
    public var digest: ArtifactDigest
    /// The public key of the signer.
    public var publicKey: PublicKey

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.signature == rhs.signature && lhs.digest == rhs.digest
            && lhs.publicKey.derRepresentation == rhs.publicKey.derRepresentation
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(signature) }
}

/// Signing blobs with a key, as `cosign sign-blob --key` does.
public enum BlobSigning {
    /// Signs an artifact. ECDSA and RSA keys sign a streamed digest (constant memory); Ed25519 keys sign the whole
    /// message (pure Ed25519, as cosign does when the signature is not logged).
    public static func sign(_ artifact: Artifact, with key: SigningKey) throws -> BlobSignature {
        let publicKey = key.publicKey
        do {
            if key.signsWholeMessage {
                let message = try artifact.contents()
                let signature = try key.signature(forMessage: message)
                return BlobSignature(signature: signature, digest: HashAlgorithm.sha512.digest(of: message), publicKey: publicKey)
            }
            let digest = try artifact.digest(key.kind.defaultHashAlgorithm)
            return BlobSignature(signature: try key.signature(forDigest: digest), digest: digest, publicKey: publicKey)
        } catch let error as SigstoreCryptoError {
            throw CosignError(.invalidInput, "signing \(artifact): \(error.message)")
        }
    }

    /// Signs a digest computed beforehand (for example while the key was being decrypted). The digest must use the
    /// key's hash (``KeyKind/defaultHashAlgorithm``); Ed25519 keys cannot sign digests.
    public static func sign(digest: ArtifactDigest, with key: SigningKey) throws -> BlobSignature {
        guard !key.signsWholeMessage, digest.algorithm == key.kind.defaultHashAlgorithm else {
            throw CosignError(.invalidInput, "a \(key.kind) key cannot sign a precomputed \(digest.algorithm.rawValue) digest")
        }
        do {
            return BlobSignature(signature: try key.signature(forDigest: digest), digest: digest, publicKey: key.publicKey)
        } catch let error as SigstoreCryptoError {
            throw CosignError(.invalidInput, "signing: \(error.message)")
        }
    }

    /// The public-key hint cosign writes into bundles: base64 of the SHA-256 of the PKIX public key.
    public static func publicKeyHint(_ key: PublicKey) -> String {
        Base64.encode(Array(SHA256.hash(data: key.derRepresentation)))
    }

    /// A Sigstore bundle v0.3 for a key-signed blob with no transparency-log entry.
    public static func bundle(for signature: BlobSignature) -> SigstoreBundle {
        SigstoreBundle(
            verificationMaterial: VerificationMaterial(signer: .publicKey(hint: publicKeyHint(signature.publicKey))),
            content: .messageSignature(
                MessageSignature(
                    messageDigest: MessageDigest(algorithm: signature.digest.algorithm.protoName, digest: signature.digest.bytes),
                    signature: signature.signature)))
    }

    /// cosign's legacy bundle for a key-signed blob: the signature and base64 of the public key PEM.
    public static func legacyPayload(for signature: BlobSignature) -> LegacySignedPayload {
        LegacySignedPayload(
            base64Signature: Base64.encode(signature.signature),
            cert: Base64.encode(Array(signature.publicKey.pemRepresentation.utf8)))
    }
}
