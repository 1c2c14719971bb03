#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import SigstoreCrypto
public import SigstoreModels
internal import SigstoreVerify
import SigstoreCore

/// What a successful blob verification established.
public struct BlobVerificationResult: Sendable, Hashable {
    /// The digest of the artifact that was verified.
    public var artifactDigest: ArtifactDigest?
    /// Whether transparency-log checks were skipped at the caller's request.
    public var transparencyLogSkipped: Bool
}

/// Verifies blob signatures made with a known public key, from a detached signature, a legacy cosign bundle or a
/// Sigstore bundle (message signature or DSSE envelope).
public struct BlobVerifier: Sendable {
    /// The verifier's configuration.
    public struct Configuration: Sendable, Hashable {
        /// Skip the transparency-log requirement (`--insecure-ignore-tlog`).
        public var ignoreTransparencyLog: Bool
        /// Creates a configuration.
        public init(ignoreTransparencyLog: Bool = false) { self.ignoreTransparencyLog = ignoreTransparencyLog }
    }

    /// The trusted public key.
    public var publicKey: PublicKey
    /// The configuration.
    public var configuration: Configuration

    /// Creates a verifier for one key.
    public init(publicKey: PublicKey, configuration: Configuration = .init()) {
        self.publicKey = publicKey
        self.configuration = configuration
    }

    /// Verifies a detached signature (raw bytes) over an artifact.
    @discardableResult
    public func verify(signature: [UInt8], artifact: Artifact) throws -> BlobVerificationResult {
        try requireNoTransparencyLog()
        if publicKey.signsWholeMessage {
            try check { try publicKey.verifySignatureAllowingPrehash(signature, message: try artifact.contents()) }
            return BlobVerificationResult(artifactDigest: nil, transparencyLogSkipped: true)
        }
        let digest = try artifact.digest(publicKey.defaultHashAlgorithm)
        try check { try publicKey.verifySignature(signature, digest: digest) }
        return BlobVerificationResult(artifactDigest: digest, transparencyLogSkipped: true)
    }

    /// Verifies a Sigstore bundle whose signer is identified by a public key, with the bundle verifier
    /// (``BundleVerification``) and no trusted root: log entries can only be skipped (`ignoreTransparencyLog`).
    @discardableResult
    public func verify(bundle: SigstoreBundle, artifact: Artifact) async throws -> BlobVerificationResult {
        let verification = BundleVerification(
            trustMaterial: TrustMaterial(),
            options: .init(publicKey: publicKey, ignoreTransparencyLog: configuration.ignoreTransparencyLog))
        do {
            try await verification.verify(bundle: bundle, artifact: artifact)
        } catch let error as VerificationError {
            throw CosignError(.verificationFailed, error.message)
        }
        var digest: ArtifactDigest?
        if case .digest(let d) = artifact { digest = d }
        return BlobVerificationResult(artifactDigest: digest, transparencyLogSkipped: configuration.ignoreTransparencyLog)
    }

    private func requireNoTransparencyLog() throws {
        if configuration.ignoreTransparencyLog { return }
        throw CosignError(
            .verificationFailed,
            "not enough verified log entries from transparency log: 0 < 1 (the signature was not logged; pass --insecure-ignore-tlog to skip this check)")
    }

    private func check(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as SigstoreCryptoError {
            switch error.code {
            case .invalidSignature, .malformedSignature:
                throw CosignError(.verificationFailed, error.message)
            default:
                throw CosignError(.invalidInput, error.message)
            }
        }
    }
}
