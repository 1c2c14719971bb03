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

            The blob is a path, - for standard input, or (with a Sigstore bundle) sha256:<hex>.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("signature"), help: "signature content or path or remote URL")
    var signature: String?

    @Option(name: .customLong("bundle"), help: "path to bundle FILE")
    var bundle: String?

    @Option(name: .customLong("certificate"), help: "path to the public certificate")
    var certificate: String?

    @OptionGroup var verification: VerificationFlags

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
        try await request.verify(blob: blob, console: console)
    }
}
