import ArgumentParser
import Cosign

struct VerifyBlobAttestation: CosignSubcommand {
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

    @Option(name: .customLong("signature"), help: "path to base64-encoded signature over attestation in DSSE format")
    var signature: String?

    @Option(name: .customLong("bundle"), help: "path to bundle FILE")
    var bundle: String?

    @Option(name: .customLong("certificate"), help: "path to the public certificate")
    var certificate: String?

    @Option(name: .customLong("type"), help: "specify a predicate type (slsaprovenance|slsaprovenance02|slsaprovenance1|link|spdx|spdxjson|cyclonedx|vuln|openvex|custom) or an URI")
    var predicateType = "custom"

    @Flag(name: .customLong("check-claims"), inversion: .prefixedNo, help: "if true, verifies the provided blob's sha256 digest exists as an in-toto subject within the attestation")
    var checkClaims = true

    @Option(name: .customLong("digest"), help: "Digest to use for verifying in-toto subject (instead of providing a blob)")
    var digest: String?

    @Option(name: .customLong("digestAlg"), help: "Digest algorithm to use for verifying in-toto subject (instead of providing a blob)")
    var digestAlg: String?

    @OptionGroup var verification: VerificationFlags

    @Option(name: .customLong("max-workers"), help: "the amount of maximum workers for parallel executions (accepted for compatibility: one blob is verified)")
    var maxWorkers: Int = 10

    @Argument(help: "the blob (optional with --digest)")
    var blob: String?

    func execute(_ console: Console) async throws {
        if signature == nil && bundle == nil {
            throw CLIError("please specify path to the DSSE envelope signature via --signature or --bundle")
        }
        if verification.key == nil && certificate == nil && bundle == nil && !verification.sk {
            throw CLIError(
                "provide a key with --key or --sk, a certificate to verify against with --certificate, or a bundle with --bundle")
        }
        var request = BlobAttestationVerification(options: try verification.makeConfiguration())
        if certificate != nil { throw CLIError("--certificate is not supported yet: verify with --bundle or --key") }
        (request.signature, request.bundle, request.predicateType, request.checkClaims) = (signature, bundle, predicateType, checkClaims)
        (request.digest, request.digestAlgorithm, request.newBundleFormat) = (digest, digestAlg, verification.newBundleFormat)
        try await request.verify(blob: blob, console: console)
    }
}
