#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import SigstoreCrypto
public import SigstoreModels
public import SigstoreVerify
import SigstoreJSON

/// Verifying a Sigstore bundle the way Go cosign's `verify-blob` / `verify-blob-attestation` do: cosign's flags
/// become sigstore-go verifier options over the project's offline verifier.
public struct BundleVerification: Sendable {
    /// cosign's verification flags.
    public struct Options: Sendable {
        /// `--key`: the signer's public key, for key-signed bundles.
        public var publicKey: PublicKey?
        /// The identity flags, for certificate-signed bundles.
        public var identities: [CertificateIdentity]
        /// `--insecure-ignore-tlog`.
        public var ignoreTransparencyLog: Bool
        /// `--insecure-ignore-sct`.
        public var ignoreSCT: Bool
        /// `--use-signed-timestamps`.
        public var useSignedTimestamps: Bool
        /// `--allow-certificate-chain`.
        public var allowCertificateChain = false
        /// `--sct`: detached SCTs for the signing certificate.
        public var detachedSCTs: [SignedCertificateTimestamp] = []

        /// Creates options.
        public init(
            publicKey: PublicKey? = nil, identities: [CertificateIdentity] = [], ignoreTransparencyLog: Bool = false,
            ignoreSCT: Bool = false, useSignedTimestamps: Bool = false, detachedSCTs: [SignedCertificateTimestamp] = []
        ) {
            self.detachedSCTs = detachedSCTs
            self.publicKey = publicKey
            self.identities = identities
            self.ignoreTransparencyLog = ignoreTransparencyLog
            self.ignoreSCT = ignoreSCT
            self.useSignedTimestamps = useSignedTimestamps
        }
    }

    /// The trust material (an empty root when only a key is trusted).
    public var trustMaterial: TrustMaterial
    /// The flags.
    public var options: Options
    private let now: @Sendable () -> Date

    /// Creates a verification.
    public init(trustMaterial: TrustMaterial, options: Options, now: @escaping @Sendable () -> Date = { Date() }) {
        self.trustMaterial = trustMaterial
        self.options = options
        self.now = now
    }

    /// The verifier configuration cosign would use for this bundle. A certificate-signed bundle whose log entries
    /// are all Rekor v2 (no integrated time) switches to signed timestamps (`rekorV2Bundle` in cosign).
    public func configuration(for bundle: SigstoreBundle) -> VerifierConfiguration {
        let keyBased = options.publicKey != nil
        var signed = options.useSignedTimestamps
        if !options.ignoreTransparencyLog && !keyBased {
            let entries = bundle.verificationMaterial.tlogEntries
            let v2 = entries.contains { ($0.integratedTime?.value ?? 0) == 0 }
            let v1 = entries.contains { ($0.integratedTime?.value ?? 0) != 0 }
            if v2 && !v1 { signed = true }
        }
        var configuration = VerifierConfiguration.cosign(
            keyBased: keyBased, ignoreTransparencyLog: options.ignoreTransparencyLog, ignoreSCT: options.ignoreSCT,
            useSignedTimestamps: signed)
        configuration.allowCertificateChain = options.allowCertificateChain
        if !options.ignoreSCT { configuration.detachedSCTs = options.detachedSCTs }
        return configuration
    }

    /// Verifies a bundle over an artifact given as a file, standard input or a digest.
    @discardableResult
    public func verify(bundle: SigstoreBundle, artifact: Artifact) async throws -> VerificationResult {
        let input: ArtifactInput
        switch artifact {
        case .digest(let d): input = .digest(d)
        case .file, .standardInput:
            // Stream the file through the hashes the verifier needs (constant memory); only pure Ed25519 message
            // signatures need the bytes themselves.
            if let algorithms = Self.neededDigests(bundle, publicKey: options.publicKey) {
                input = .digests(try artifact.digests(algorithms))
            } else {
                input = .data(try artifact.contents())
            }
        }
        return try await verify(bundle: bundle, artifact: input)
    }

    /// The digests of the artifact that verifying `bundle` needs, or nil when it needs the artifact's bytes.
    static func neededDigests(_ bundle: SigstoreBundle, publicKey: PublicKey?) -> [HashAlgorithm]? {
        switch bundle.content {
        case .messageSignature(let m):
            var key = publicKey
            var certificate = false
            if key == nil {
                switch bundle.verificationMaterial.signer {
                case .certificate(let der): key = try? SigningCertificate(der: der.bytes).publicKey()
                case .x509CertificateChain(let chain): key = try? chain.first.map { try SigningCertificate(der: $0.bytes).publicKey() }
                case .publicKey: break
                }
                certificate = true
            }
            guard let key, !key.signsWholeMessage else { return nil }
            var algorithms: [HashAlgorithm] = [key.defaultHashAlgorithm]
            if certificate, key.kind == .ecdsaP384 || key.kind == .ecdsaP521 { algorithms.append(.sha256) }
            if let name = m.messageDigest?.algorithm, let alg = HashAlgorithm(protoName: name) { algorithms.append(alg) }
            return Array(Set(algorithms)).sorted { $0.rawValue < $1.rawValue }
        case .dsseEnvelope(let e):
            let subjects = e.statement?.subject ?? []
            let names = Set(subjects.flatMap { $0?.digest.map { Array($0.keys) } ?? [] })
            let algorithms = HashAlgorithm.allCases.filter { names.contains($0.rawValue) }
            return algorithms.isEmpty ? [.sha256] : algorithms
        }
    }

    /// Verifies a bundle over an artifact input.
    @discardableResult
    public func verify(bundle: SigstoreBundle, artifact: ArtifactInput) async throws -> VerificationResult {
        let verifier = SigstoreVerifier(trustMaterial: trustMaterial, configuration: configuration(for: bundle), now: now)
        let policy: VerificationPolicy
        if let key = options.publicKey {
            policy = VerificationPolicy(artifact: artifact, publicKey: key)
        } else {
            policy = try VerificationPolicy(artifact: artifact, identities: options.identities)
        }
        return try await verifier.verify(bundle, policy: policy)
    }
}
