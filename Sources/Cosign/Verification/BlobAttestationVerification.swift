import SigstoreCore
import SigstoreCrypto
import SigstoreJSON
import SigstoreModels
import SigstoreVerify

/// `cosign verify-blob-attestation`: a DSSE bundle, cosign's legacy attestation bundle or a DSSE envelope file,
/// checked against a blob (or a digest): the signature, the in-toto subject and the predicate type.
public struct BlobAttestationVerification: Sendable {
    /// The key or identity, trusted root and relaxed checks.
    public var options: VerificationOptions
    /// `--signature`: a DSSE envelope file.
    public var signature: String?
    /// `--bundle`.
    public var bundle: String?
    /// `--type`.
    public var predicateType = "custom"
    /// `--check-claims`: the blob's digest must be an in-toto subject.
    public var checkClaims = true
    /// `--digest`, instead of a blob.
    public var digest: String?
    /// `--digestAlg`.
    public var digestAlgorithm: String?
    /// `--new-bundle-format`.
    public var newBundleFormat = true

    /// Creates a verification.
    public init(options: VerificationOptions) { self.options = options }

    /// Verifies the attestation about `blob`, printing `Verified OK`.
    public func verify(blob: String?, console: Console) async throws {
        if signature == nil && bundle == nil {
            throw CosignError(.invalidInput, "please specify path to the DSSE envelope signature via --signature or --bundle")
        }
        if options.key == nil && bundle == nil {
            throw CosignError(
                .invalidInput, "provide a key with --key or --sk, a certificate to verify against with --certificate, or a bundle with --bundle")
        }
        try options.checkKeyOrIdentity()
        options.warnIfIgnoringLog(console, for: "blob attestation")
        let publicKey = try await options.publicKey(console: console)
        let artifact = try claimedArtifact(blob, console: console)
        var legacyEnvelope: [UInt8]?
        if let bundle {
            let bytes = try FileSystem.readFile(bundle, limit: Limits.maxDocumentBytes)
            if newBundleFormat && BundleFormat.isSigstoreBundle(bytes) {
                // The bundle's buffer becomes the decoded payload: a large predicate is in memory once.
                let parsed = try SigstoreBundle(ownedJSON: consume bytes)
                try await verify(sigstoreBundle: parsed, artifact: artifact, publicKey: publicKey, console: console)
                console.info("Verified OK")
                return
            }
            legacyEnvelope = try legacyBundleEnvelope(bytes, path: bundle)
        }
        if options.trustedRootPath != nil { throw CosignError(.invalidInput, "--trusted-root only supported with --new-bundle-format") }
        guard let publicKey else {
            throw CosignError(.unsupported, "certificate-based verification of legacy attestations is not supported yet: pass --key")
        }
        guard options.ignoreTransparencyLog else {
            throw CosignError(
                .unsupported,
                "verifying a legacy attestation against the transparency log is not supported yet: pass --insecure-ignore-tlog, or use a Sigstore bundle with --bundle and --trusted-root")
        }
        let envelopeBytes: [UInt8]
        if let legacyEnvelope {
            envelopeBytes = legacyEnvelope
        } else if let signature {
            envelopeBytes = try FileSystem.readFile(signature, limit: Limits.maxDocumentBytes)
        } else {
            throw CosignError(.invalidInput, "please specify path to the DSSE envelope signature via --signature or --bundle")
        }
        let envelope = try JSONCoding.decode(DSSEEnvelope.self, from: envelopeBytes, what: "DSSE envelope \(signature ?? bundle ?? "")")
        try AttestationChecks.verifyEnvelope(envelope, publicKey: publicKey)
        if checkClaims, let artifact {
            let d: ArtifactDigest
            if case .digest(let given) = artifact { d = given } else { d = try artifact.digest(try hashAlgorithm()) }
            try AttestationChecks.checkSubject(envelope, digest: d)
        }
        try AttestationChecks.checkPredicateType(envelope, type: predicateType)
        console.info("Verified OK")
    }

    private func verify(sigstoreBundle parsed: SigstoreBundle, artifact: Artifact?, publicKey: PublicKey?, console: Console) async throws {
        guard case .dsseEnvelope(let envelope) = parsed.content else {
            throw CosignError(.invalidInput, "bundle does not contain a DSSE envelope")
        }
        let verification = try await options.bundleVerification(publicKey: publicKey, console: console)
        if let artifact {
            try await verification.verify(bundle: parsed, artifact: artifact)
        } else {
            try await verification.verify(bundle: parsed, artifact: ArtifactInput.none)
        }
        try AttestationChecks.checkPredicateType(envelope, type: predicateType)
    }

    /// cosign's legacy bundle (`attest-blob --new-bundle-format=false --bundle`): base64 of the envelope JSON.
    private func legacyBundleEnvelope(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        let legacy = try LegacySignedPayload(jsonData: bytes)
        guard let envelope = Base64.decode(legacy.base64Signature) else {
            throw CosignError(.invalidInput, "legacy bundle \(path): base64Signature is not base64")
        }
        if legacy.rekorBundle != nil && !options.ignoreTransparencyLog {
            throw CosignError(
                .unsupported,
                "verifying the transparency-log entry of a legacy attestation bundle is not supported yet: pass --insecure-ignore-tlog, or use a Sigstore bundle")
        }
        return envelope
    }

    private func hashAlgorithm() throws -> HashAlgorithm {
        guard let digestAlgorithm, !digestAlgorithm.isEmpty else { return .sha256 }
        guard let algorithm = HashAlgorithm(rawValue: digestAlgorithm) else {
            throw CosignError(.invalidInput, "unsupported --digestAlg \"\(digestAlgorithm)\"; supported values are sha256, sha384, sha512")
        }
        return algorithm
    }

    /// The artifact whose digest must be an in-toto subject: the blob, else `--digest`/`--digestAlg`; nil without
    /// claims checking.
    private func claimedArtifact(_ blob: String?, console: Console) throws -> Artifact? {
        guard checkClaims else { return nil }
        if let blob {
            if digest != nil { console.warn("Ignoring provided --digest in favor of provided blob") }
            return try Artifact.parse(blob, allowDigest: false)
        }
        guard let digest, !digest.isEmpty else {
            throw CosignError(.invalidInput, "provide the blob, or its digest with --digest and --digestAlg")
        }
        let algorithm = try hashAlgorithm()
        guard let bytes = Hex.decode(digest) else { throw CosignError(.invalidInput, "unable to decode provided digest: not hex") }
        do {
            return .digest(try ArtifactDigest(algorithm: algorithm, bytes: bytes))
        } catch let error as SigstoreCryptoError {
            throw CosignError(.invalidInput, "invalid --digest: \(error.message)", underlying: error)
        }
    }
}
