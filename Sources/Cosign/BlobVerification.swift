#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import SigstoreCrypto
public import SigstoreModels

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
        try requireNoTransparencyLog(entries: 0)
        if publicKey.signsWholeMessage {
            try check { try publicKey.verifySignature(signature, message: try artifact.contents()) }
            return BlobVerificationResult(artifactDigest: nil, transparencyLogSkipped: true)
        }
        let digest = try artifact.digest(publicKey.defaultHashAlgorithm)
        try check { try publicKey.verifySignature(signature, digest: digest) }
        return BlobVerificationResult(artifactDigest: digest, transparencyLogSkipped: true)
    }

    /// Verifies a Sigstore bundle whose signer is identified by a public key.
    @discardableResult
    public func verify(bundle: SigstoreBundle, artifact: Artifact) throws -> BlobVerificationResult {
        switch bundle.verificationMaterial.signer {
        case .publicKey: break
        case .certificate, .x509CertificateChain:
            throw CosignError(
                .unsupported,
                "bundle is signed with a certificate: verifying certificate-based bundles with --key is not supported yet")
        }
        try requireNoTransparencyLog(entries: bundle.verificationMaterial.tlogEntries.count)
        switch bundle.content {
        case .messageSignature(let message):
            return try verify(messageSignature: message, artifact: artifact)
        case .dsseEnvelope(let envelope):
            return try verify(envelope: envelope, artifact: artifact)
        }
    }

    private func verify(messageSignature message: MessageSignature, artifact: Artifact) throws -> BlobVerificationResult {
        let signature = message.signature.bytes
        guard !signature.isEmpty else { throw CosignError(.verificationFailed, "bundle has an empty signature") }
        var expected: ArtifactDigest?
        if let md = message.messageDigest {
            guard let algorithm = HashAlgorithm(protoName: md.algorithm) else {
                throw CosignError(.verificationFailed, "unsupported message digest algorithm \"\(md.algorithm)\" in bundle")
            }
            do {
                expected = try ArtifactDigest(algorithm: algorithm, bytes: md.digest.bytes)
            } catch let error as SigstoreCryptoError {
                throw CosignError(.verificationFailed, "bundle message digest: \(error.message)")
            }
        }
        if publicKey.signsWholeMessage {
            let contents = try artifact.contents()
            if let expected {
                let actual = expected.algorithm.digest(of: contents)
                try compare(expected: expected, actual: actual)
            }
            try check { try publicKey.verifySignature(signature, message: contents) }
            return BlobVerificationResult(artifactDigest: nil, transparencyLogSkipped: configuration.ignoreTransparencyLog)
        }
        let algorithm = expected?.algorithm ?? publicKey.defaultHashAlgorithm
        if case .digest(let given) = artifact, given.algorithm != algorithm {
            throw CosignError(
                .verificationFailed,
                "artifact digest algorithm mismatch: bundle uses \(algorithm.rawValue), got \(given.algorithm.rawValue)")
        }
        let actual = try artifact.digest(algorithm)
        if let expected { try compare(expected: expected, actual: actual) }
        try check { try publicKey.verifySignature(signature, digest: actual) }
        return BlobVerificationResult(artifactDigest: actual, transparencyLogSkipped: configuration.ignoreTransparencyLog)
    }

    private func verify(envelope: DSSEEnvelope, artifact: Artifact) throws -> BlobVerificationResult {
        guard envelope.signatures.count == 1 else {
            throw CosignError(.verificationFailed, "DSSE envelope must have exactly one signature, has \(envelope.signatures.count)")
        }
        try check { try publicKey.verifySignature(envelope.signatures[0].sig.bytes, message: envelope.preAuthenticationEncoding) }
        guard envelope.payloadType == "application/vnd.in-toto+json" else {
            throw CosignError(.verificationFailed, "unsupported DSSE payload type \"\(envelope.payloadType)\"")
        }
        let statement: MinimalStatement
        do {
            statement = try JSONDecoder().decode(MinimalStatement.self, from: Data(envelope.payload.bytes))
        } catch {
            throw CosignError(.verificationFailed, "DSSE payload is not an in-toto statement")
        }
        let actual = try artifact.digest(.sha256)
        let matches = statement.subject.contains { $0.digest["sha256"]?.lowercased() == actual.hex }
        guard matches else {
            throw CosignError(
                .verificationFailed, "no in-toto statement subject matches the artifact digest \(actual)")
        }
        return BlobVerificationResult(artifactDigest: actual, transparencyLogSkipped: configuration.ignoreTransparencyLog)
    }

    private func requireNoTransparencyLog(entries: Int) throws {
        if configuration.ignoreTransparencyLog { return }
        if entries == 0 {
            throw CosignError(
                .verificationFailed,
                "not enough verified log entries from transparency log: 0 < 1 (the signature was not logged; pass --insecure-ignore-tlog to skip this check)")
        }
        throw CosignError(
            .unsupported,
            "bundle has \(entries) transparency log entr\(entries == 1 ? "y" : "ies"), and verifying them is not supported yet: pass --insecure-ignore-tlog to skip the log check")
    }

    private func compare(expected: ArtifactDigest, actual: ArtifactDigest) throws {
        guard expected == actual else {
            throw CosignError(
                .verificationFailed, "artifact digest mismatch: bundle has \(expected), artifact is \(actual)")
        }
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

/// The parts of an in-toto statement needed to match an artifact.
private struct MinimalStatement: Decodable {
    struct Subject: Decodable {
        var digest: [String: String]
    }
    var subject: [Subject]
}
