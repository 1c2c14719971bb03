import ArgumentParser
import Cosign

struct VerifyBlob: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-blob",
        abstract: "Verify a signature on the supplied blob.",
        discussion: """
            Verify a signature on the supplied blob input using the specified key reference.

              cosign verify-blob --key cosign.pub --bundle artifact.sigstore.json --insecure-ignore-tlog <FILE>
              cosign verify-blob --key cosign.pub --signature artifact.sig --insecure-ignore-tlog <FILE>
              cosign verify-blob --key cosign.pub --bundle artifact.sigstore.json --insecure-ignore-tlog sha256:<hex>
              cosign verify-blob --certificate artifact.pem --signature artifact.sig --certificate-identity <ID> --certificate-oidc-issuer <URL> <FILE>
              cosign verify-blob --certificate leaf.pem --signature artifact.sig --ca-roots root.pem --ca-intermediates int.pem \\
                --certificate-identity <ID> --certificate-oidc-issuer <URL> --insecure-ignore-sct <FILE>

            The blob is a path, - for standard input, or (with a Sigstore bundle) sha256:<hex>.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("signature"), help: "signature content or path or remote URL")
    var signature: String?

    @Option(name: .customLong("bundle"), help: "path to bundle FILE")
    var bundle: String?

    @Option(name: .customLong("certificate"), help: "path to the public certificate. The certificate will be verified against the Fulcio roots if the --certificate-chain option is not passed.")
    var certificate: String?

    @OptionGroup var authorities: CertificateAuthorityFlags

    @Option(name: .customLong("rfc3161-timestamp"), help: "path to RFC3161 timestamp FILE")
    var rfc3161Timestamp: String?

    @Option(name: .customLong("timestamp-certificate-chain"), help: "path to PEM-encoded certificate chain file for the RFC3161 timestamp authority. Must contain the root CA certificate. Optionally may contain intermediate CA certificates, and may contain the leaf TSA certificate if not present in the timestamp")
    var timestampCertificateChain: String?

    @Option(name: .customLong("rekor-url"), help: "address of rekor STL server")
    var rekorURL: String?

    @Option(name: .customLong("sct"), help: "path to a detached Signed Certificate Timestamp, formatted as a RFC6962 AddChainResponse struct. If a certificate contains an SCT, verification will check both the detached and embedded SCTs.")
    var sct: String?

    @OptionGroup var verification: VerificationFlags

    @Option(name: .customLong("max-workers"), help: "the amount of maximum workers for parallel executions (accepted for compatibility: one blob is verified)")
    var maxWorkers: Int = 10

    @Argument(help: "the blob: a path, - for standard input, or sha256:<hex> with a Sigstore bundle")
    var blob: String

    func execute(_ console: Console) async throws {
        if [verification.key, certificate, bundle].allSatisfy({ $0 == nil }) && !verification.sk {
            throw CLIError(
                "provide a key with --key or --sk, a certificate to verify against with --certificate, or a bundle with --bundle")
        }
        var request = BlobSignatureVerification(
            options: try verification.makeConfiguration(), signature: signature, bundle: bundle, certificate: certificate)
        request.newBundleFormat = verification.newBundleFormat
        var d = DetachedVerificationInputs()
        (d.certificateChain, d.caRoots, d.caIntermediates) = (authorities.certificateChain, authorities.caRoots, authorities.caIntermediates)
        (d.rfc3161Timestamp, d.timestampCertificateChain, d.sct) = (rfc3161Timestamp, timestampCertificateChain, sct)
        if let rekorURL { d.rekorURL = rekorURL }
        request.detached = d
        let deprecated: [(Bool, String, String)] = [
            (certificate != nil, "certificate", "please use --bundle with --trusted-root to provide the public certificate"),
            (sct != nil, "sct", "a Signed Certificate Timestamp is now provided via a Sigstore bundle"),
            (signature != nil, "signature", "please use --bundle to provide a signature"),
            (rfc3161Timestamp != nil, "rfc3161-timestamp", "please use --bundle to provide the output bundle location, which will include the signed timestamp"),
            (timestampCertificateChain != nil, "timestamp-certificate-chain", "please use --trusted-root to provide the timestamp authority certificate chain"),
            (rekorURL != nil, "rekor-url", "please use --bundle, which includes the Rekor inclusion proof"),
        ]
        for (used, flag, message) in deprecated.prefix(1) where used { console.info("Flag --\(flag) has been deprecated, \(message)") }
        authorities.printDeprecations(console)
        for (used, flag, message) in deprecated.dropFirst() where used { console.info("Flag --\(flag) has been deprecated, \(message)") }
        try await request.verify(blob: blob, console: console)
    }
}
