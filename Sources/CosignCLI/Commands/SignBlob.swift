import ArgumentParser
import Cosign
import SigstoreJSON
import SigstoreCore

struct SignBlob: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "sign-blob",
        abstract: "Sign the supplied blob, outputting the base64-encoded signature to stdout.",
        discussion: """
              # keyless, against a signing config and trusted root (e.g. those sigstore-local writes)
              cosign sign-blob --signing-config signing_config.json --trusted-root trusted_root.json \\
                  --identity-token "$TOKEN" --bundle artifact.sigstore.json <FILE>

              # with a key, logged in the transparency log of a signing config
              cosign sign-blob --key cosign.key --signing-config signing_config.json --bundle artifact.sigstore.json <FILE>

              # with a key and no transparency log
              cosign sign-blob --key cosign.key --tlog-upload=false --bundle artifact.sigstore.json <FILE>

              # cosign's legacy outputs: base64 signature on stdout or in a file, legacy bundle
              cosign sign-blob --key cosign.key --tlog-upload=false --new-bundle-format=false \\
                  --output-signature artifact.sig <FILE>

            The blob is a path or - for standard input. Without --key, the signature is keyless: an identity token \
            (--identity-token, SIGSTORE_ID_TOKEN, GitHub Actions, or a browser or device login) gets a short-lived \
            Fulcio certificate for an ephemeral key.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var services: SigningServiceFlags

    @Option(name: .customLong("key"), help: "path to the private key file, KMS URI or Kubernetes Secret")
    var key: String?

    @Flag(name: .customLong("sk"), help: "whether to use a hardware security key")
    var sk = false

    @Option(name: .customLong("certificate"), help: "path to the X.509 certificate in PEM format to include with the signature (signed with --key)")
    var certificate: String?

    @Option(name: .customLong("certificate-chain"), help: "path to a list of CA X.509 certificates in PEM format which will be needed when building the certificate chain for the signing certificate. Must start with the parent intermediate CA certificate of the signing certificate and end with the root certificate")
    var certificateChain: String?

    @Option(name: .customLong("bundle"), help: "write everything required to verify the blob to a FILE")
    var bundle: String?

    @Option(name: .customLong("output-signature"), help: "write the signature to FILE")
    var outputSignature: String?

    @Option(name: .customLong("output"), help: "write the signature to FILE (deprecated: use --output-signature)")
    var output: String?

    @Option(name: .customLong("output-certificate"), help: "write the certificate to FILE")
    var outputCertificate: String?

    @Flag(name: .customLong("b64"), inversion: .prefixedNo, help: "whether to base64 encode the output")
    var b64 = true

    @Flag(name: .customLong("new-bundle-format"), inversion: .prefixedNo, help: "output bundle in new format that contains all verification material")
    var newBundleFormat = true

    @Argument(help: "the blob to sign: a path, or - for standard input")
    var blobs: [String] = []

    func validate() throws {
        guard !blobs.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
        if newBundleFormat && bundle == nil {
            throw ValidationError("must specify --bundle with --new-bundle-format")
        }
    }

    func execute(_ console: Console) async throws {
        if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
        var outputs = BlobSigner.Outputs()
        (outputs.bundle, outputs.signature, outputs.certificate) = (bundle, outputSignature, outputCertificate)
        (outputs.base64, outputs.newBundleFormat) = (b64, newBundleFormat)
        if let output {
            console.warn("the '--output' flag is deprecated and will be removed in the future. Use '--output-signature'")
            outputs.signature = output
        }
        if newBundleFormat {
            if outputs.signature != nil {
                console.warn("--output-signature is deprecated when using --new-bundle-format and will be ignored")
            }
            if outputCertificate != nil {
                console.warn("--output-certificate is deprecated when using --new-bundle-format and will be ignored")
            }
        }
        var options = services.makeConfiguration()
        (options.certificatePath, options.certificateChainPath) = (certificate, certificateChain)
        try await BlobSigner(key: key, options: options, outputs: outputs).sign(blobs, console: console)
    }
}
