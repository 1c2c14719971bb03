public import SigstoreCrypto
import SigstoreModels
import SigstoreJSON
import SigstoreCore
public import SigstoreSign

/// Signing blobs with a key, as `cosign sign-blob --key` does.
public enum BlobSigning {
    /// Signs an artifact. ECDSA and RSA keys sign a streamed digest (constant memory); Ed25519 keys sign the whole
    /// message (pure Ed25519, as cosign does when the signature is not logged).
    public static func sign(_ artifact: Artifact, with key: any Signer) async throws -> SignedContent {
        let publicKey = key.publicKey
        do {
            if key.signsWholeMessage {
                let message = try artifact.contents()
                let signature = try await key.signature(forMessage: Array(message))
                return SignedContent(signature: signature, digest: HashAlgorithm.sha512.digest(of: message), publicKey: publicKey)
            }
            let digest = try artifact.digest(key.kind.defaultHashAlgorithm)
            return SignedContent(signature: try await key.signature(forDigest: digest), digest: digest, publicKey: publicKey)
        } catch let error as SigstoreCryptoError {
            throw CosignError(.invalidInput, "signing \(artifact): \(error.message)")
        }
    }

    /// Signs a digest computed beforehand (for example while the key was being decrypted). The digest must use the
    /// key's hash (`KeyKind.defaultHashAlgorithm`); Ed25519 keys cannot sign digests.
    public static func sign(digest: ArtifactDigest, with key: any Signer) async throws -> SignedContent {
        guard !key.signsWholeMessage, digest.algorithm == key.kind.defaultHashAlgorithm else {
            throw CosignError(.invalidInput, "a \(key.kind) key cannot sign a precomputed \(digest.algorithm.rawValue) digest")
        }
        do {
            return SignedContent(signature: try await key.signature(forDigest: digest), digest: digest, publicKey: key.publicKey)
        } catch let error as SigstoreCryptoError {
            throw CosignError(.invalidInput, "signing: \(error.message)")
        }
    }
}
