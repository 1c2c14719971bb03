import ArgumentParser
import Cosign
import CosignOCI
import SigstoreCore

struct Sign: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign the supplied container image.",
        discussion: """
              # keyless: an identity token, a Fulcio certificate, a Rekor entry (services from a signing config)
              cosign sign --signing-config signing_config.json --trusted-root trusted_root.json \\
                  --identity-token "$TOKEN" <IMAGE DIGEST>

              # sign a container image with a key pair, storing a Sigstore bundle as an OCI 1.1 referrer
              cosign sign --key cosign.key --tlog-upload=false <IMAGE DIGEST>

              # sign an index and every image in it
              cosign sign --key cosign.key --tlog-upload=false -r <IMAGE DIGEST>

              # cosign's legacy layout: a sha256-<hex>.sig image with simple-signing payloads
              cosign sign --key cosign.key --tlog-upload=false --new-bundle-format=false <IMAGE DIGEST>

              # sign with annotations
              cosign sign --key cosign.key --tlog-upload=false -a key1=value1 -a key2=value2 <IMAGE DIGEST>

            Without --key the signature is keyless. Legacy .sig images with keyless signatures need \
            --use-signing-config=false and the service URLs (--fulcio-url, --rekor-url, --oidc-issuer), as in cosign.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var services: SigningServiceFlags
    @OptionGroup var signer: SigningKeyFlags

    @Option(name: [.customShort("a"), .customLong("annotations")], help: "extra key=value pairs to sign")
    var annotations: [String] = []

    @Flag(name: [.customShort("r"), .customLong("recursive")], help: "if a multi-arch image is specified, additionally sign each discrete image")
    var recursive = false

    @Flag(name: .customLong("upload"), inversion: .prefixedNo, help: "whether to upload the signature")
    var upload = true

    @Option(name: .customLong("bundle"), help: "write everything required to verify the image to a FILE (new bundle format only)")
    var bundle: String?

    @Option(name: .customLong("output-signature"), help: "write the signature to FILE")
    var outputSignature: String?

    @Option(name: .customLong("output-payload"), help: "write the signed payload to FILE")
    var outputPayload: String?

    @Option(name: .customLong("output-certificate"), help: "write the certificate to FILE")
    var outputCertificate: String?

    @Option(name: .customLong("payload"), help: "path to a payload file to use rather than generating one")
    var payload: String?

    @Option(name: .customLong("sign-container-identity"), help: "manually set the .critical.docker-reference field for the signed identity, which is useful when image proxies are being used where the pull reference should match the signature")
    var signContainerIdentities: [String] = []

    @Flag(name: .customLong("record-creation-timestamp"), help: "set the createdAt timestamp in the signature artifact to the time it was created; by default, cosign sets this to the zero value")
    var recordCreationTimestamp = false

    @Flag(name: .customLong("new-bundle-format"), inversion: .prefixedNo, help: "store a Sigstore bundle as an OCI referrer rather than a legacy .sig image")
    var newBundleFormat = true

    @OptionGroup var referrersMode: ReferrersModeOption

    @OptionGroup var registry: RegistryOptions

    @Argument(help: "the images to sign")
    var images: [String] = []

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
        if newBundleFormat && !upload && bundle == nil {
            throw ValidationError("must enable upload to the OCI registry or specify a local --bundle path with --new-bundle-format")
        }
    }

    func execute(_ console: Console) async throws {
        let key = try signer.keyReference()
        var options = ImageSigner.Options()
        // As in Go cosign, the mode matters only for legacy signatures: bundles are always referrers.
        options.legacyAsReferrer = try referrersMode.usesOCI11(console) && !newBundleFormat
        options.annotations = try ImageSigning.parseAnnotations(annotations)
        (options.recursive, options.upload, options.bundle, options.newBundleFormat) = (recursive, upload, bundle, newBundleFormat)
        (options.outputSignature, options.outputPayload, options.outputCertificate) = (outputSignature, outputPayload, outputCertificate)
        (options.containerIdentities, options.recordCreationTimestamp) = (signContainerIdentities, recordCreationTimestamp)
        var signer = ImageSigner(key: key, signing: signer.signingOptions(services), options: options)
        try signer.validate()
        signer.options.payload = try payload.map { path in
            console.info("Using payload from: \(path)")
            return try FileSystem.readFile(path, limit: 16 << 20)
        }
        try await registry.withStore(console) { store in try await signer.sign(images, in: store, console: console) }
    }
}
