import ArgumentParser
import Cosign
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify
import SigstoreJSON
import SigstoreCore

struct VerifyBlobAttestation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-blob-attestation",
        abstract: "Verify an attestation on the supplied blob",
        discussion: """
            Verify an attestation on the supplied blob input using the specified key reference.

              cosign verify-blob-attestation --bundle attestation.sigstore.json --trusted-root trusted_root.json \\
                --certificate-identity user@example.com --certificate-oidc-issuer https://issuer.example --type slsaprovenance1 <FILE>
              cosign verify-blob-attestation --key cosign.pub --signature attestation.dsse.json --type spdxjson --insecure-ignore-tlog <FILE>
              cosign verify-blob-attestation --key cosign.pub --signature attestation.dsse.json --insecure-ignore-tlog --digest <hex> --digestAlg sha256
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("key"), help: "path to the public key file, KMS URI or Kubernetes Secret")
    var key: String?

    @Flag(name: .customLong("sk"), help: "whether to use a hardware security key")
    var sk = false

    @Option(name: .customLong("signature"), help: "path to base64-encoded signature over attestation in DSSE format")
    var signature: String?

    @Option(name: .customLong("bundle"), help: "path to bundle FILE")
    var bundle: String?

    @Option(name: .customLong("certificate"), help: "path to the public certificate")
    var certificate: String?

    @OptionGroup var identity: CertificateIdentityOptions

    @Option(name: .customLong("type"), help: "specify a predicate type (slsaprovenance|slsaprovenance02|slsaprovenance1|link|spdx|spdxjson|cyclonedx|vuln|openvex|custom) or an URI")
    var predicateType = "custom"

    @Flag(name: .customLong("check-claims"), inversion: .prefixedNo, help: "if true, verifies the provided blob's sha256 digest exists as an in-toto subject within the attestation")
    var checkClaims = true

    @Option(name: .customLong("digest"), help: "Digest to use for verifying in-toto subject (instead of providing a blob)")
    var digest: String?

    @Option(name: .customLong("digestAlg"), help: "Digest algorithm to use for verifying in-toto subject (instead of providing a blob)")
    var digestAlg: String?

    @OptionGroup var verification: BundleVerificationFlags

    @Flag(name: .customLong("new-bundle-format"), inversion: .prefixedNo, help: "expect the signature in a Sigstore bundle")
    var newBundleFormat = true

    @Argument(help: "the blob (optional with --digest)")
    var blob: String?

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        if signature == nil && bundle == nil {
            throw CLIError("please specify path to the DSSE envelope signature via --signature or --bundle")
        }
        if key == nil && certificate == nil && bundle == nil && !sk {
            throw CLIError(
                "provide a key with --key or --sk, a certificate to verify against with --certificate, or a bundle with --bundle")
        }
        if key != nil && (identity.certificateIdentity != nil || identity.certificateIdentityRegexp != nil) {
            throw CLIError("--key and --certificate-identity/--certificate-identity-regexp cannot be used together")
        }
        if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
        if certificate != nil { throw CLIError("--certificate is not supported yet: verify with --bundle or --key") }
        verification.warnIfIgnoringLog(context, for: "blob attestation")
        let publicKey = try key.map { try KeyReference.publicKey($0, context: context) }
        let artifact = try claimedArtifact()

        var legacyEnvelope: [UInt8]?
        if let bundle {
            let bytes = try FileSystem.readFile(bundle, limit: Limits.maxDocumentBytes)
            if newBundleFormat && BundleFormat.isSigstoreBundle(bytes) {
                let parsed = try SigstoreBundle(jsonData: bytes)
                guard case .dsseEnvelope(let envelope) = parsed.content else {
                    throw CLIError("bundle does not contain a DSSE envelope")
                }
                let bundleVerification = try verification.make(
                    publicKey: publicKey, identity: identity, ignoreTransparencyLog: verification.insecureIgnoreTlog)
                if let artifact {
                    try await bundleVerification.verify(bundle: parsed, artifact: artifact)
                } else {
                    try await bundleVerification.verify(bundle: parsed, artifact: ArtifactInput.none)
                }
                try AttestationChecks.checkPredicateType(envelope, type: predicateType)
                context.info("Verified OK")
                return
            }
            // cosign's legacy bundle (`attest-blob --new-bundle-format=false --bundle`): base64 of the envelope JSON.
            let legacy = try LegacySignedPayload(jsonData: bytes)
            guard let envelope = Base64.decode(legacy.base64Signature) else {
                throw CLIError("legacy bundle \(bundle): base64Signature is not base64")
            }
            if legacy.rekorBundle != nil && !verification.insecureIgnoreTlog {
                throw CLIError(
                    "verifying the transparency-log entry of a legacy attestation bundle is not supported yet: pass --insecure-ignore-tlog, or use a Sigstore bundle")
            }
            legacyEnvelope = envelope
        }
        if verification.trustedRoot != nil { throw CLIError("--trusted-root only supported with --new-bundle-format") }
        guard let publicKey else {
            throw CLIError("certificate-based verification of legacy attestations is not supported yet: pass --key")
        }
        guard verification.insecureIgnoreTlog else {
            throw CLIError(
                "verifying a legacy attestation against the transparency log is not supported yet: pass --insecure-ignore-tlog, or use a Sigstore bundle with --bundle and --trusted-root")
        }
        let envelopeBytes: [UInt8]
        if let legacyEnvelope {
            envelopeBytes = legacyEnvelope
        } else if let signature {
            envelopeBytes = try FileSystem.readFile(signature, limit: Limits.maxDocumentBytes)
        } else {
            throw CLIError("please specify path to the DSSE envelope signature via --signature or --bundle")
        }
        let envelope = try JSONCoding.decode(DSSEEnvelope.self, from: envelopeBytes, what: "DSSE envelope \(signature ?? bundle ?? "")")
        try AttestationChecks.verifyEnvelope(envelope, publicKey: publicKey)
        if checkClaims, let artifact {
            let d: ArtifactDigest
            if case .digest(let given) = artifact { d = given } else { d = try artifact.digest(try hashAlgorithm()) }
            try AttestationChecks.checkSubject(envelope, digest: d)
        }
        try AttestationChecks.checkPredicateType(envelope, type: predicateType)
        context.info("Verified OK")
    }

    private func hashAlgorithm() throws -> HashAlgorithm {
        guard let digestAlg, !digestAlg.isEmpty else { return .sha256 }
        guard let alg = HashAlgorithm(rawValue: digestAlg) else {
            throw CLIError("unsupported --digestAlg \"\(digestAlg)\"; supported values are sha256, sha384, sha512")
        }
        return alg
    }

    /// The artifact whose digest must be an in-toto subject: the blob, else `--digest`/`--digestAlg`; nil without
    /// claims checking.
    private func claimedArtifact() throws -> Artifact? {
        guard checkClaims else { return nil }
        if let blob {
            if digest != nil { CommandContext.current.warn("Ignoring provided --digest in favor of provided blob") }
            return try Artifact.parse(blob, allowDigest: false)
        }
        guard let digest, !digest.isEmpty else {
            throw CLIError("provide the blob, or its digest with --digest and --digestAlg")
        }
        let alg = try hashAlgorithm()
        guard let bytes = Hex.decode(digest) else { throw CLIError("unable to decode provided digest: not hex") }
        do {
            return .digest(try ArtifactDigest(algorithm: alg, bytes: bytes))
        } catch let e as SigstoreCryptoError {
            throw CLIError("invalid --digest: \(e.message)")
        }
    }
}
