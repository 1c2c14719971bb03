import ArgumentParser
import Cosign
import CosignOCI
import SigstoreJSON

struct Verify: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signature on the supplied container image",
        discussion: """
            Verify signature and annotations on an image by checking the claims against the transparency log.

              # verify a key-signed image (Sigstore bundle referrers first, then the legacy .sig tag)
              cosign verify --key cosign.pub --insecure-ignore-tlog <IMAGE>

              # require annotations
              cosign verify --key cosign.pub --insecure-ignore-tlog -a tag=v1 <IMAGE>

              # keyless, with a trusted root
              cosign verify --trusted-root trusted_root.json --certificate-identity user@example.com \\
                  --certificate-oidc-issuer https://issuer.example <IMAGE>

            Exit status: 10 no signatures found, 11 image not found, 12 no matching signatures (legacy
            signatures), 1 otherwise.
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var options: ImageVerificationFlags

    @Option(name: [.customShort("a"), .customLong("annotations")], help: "extra key=value pairs to sign")
    var annotations: [String] = []

    @Argument(help: "the images to verify")
    var images: [String] = []

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
        guard ["json", "text"].contains(options.output) else {
            throw ValidationError("invalid --output \(options.output): allowed values are json, text")
        }
        guard options.maxWorkers > 0 else { throw ValidationError("--max-workers must be positive") }
    }

    func execute(_ console: Console) async throws {
        let required = try ImageSigning.parseAnnotations(annotations)
        try await options.withVerifier(console, verifying: "signature", annotations: required) { verifier, keyBased in
            for image in images {
                let (outcome, name) = try await verifier.verifySignatures(of: image, localImage: options.localImage)
                options.printHeader(name, fromBundles: outcome.fromBundles, keyBased: keyBased, annotations: !required.isEmpty, console: console)
                if options.output == "text" {
                    for signature in outcome.signatures {
                        VerificationReport.certificateLines(signature.result).forEach(console.info)
                        if case .legacy = signature.source {
                            console.stdout.write(signature.payload + [UInt8(ascii: "\n")])
                        } else {
                            console.stdout.write(signature.output.serialized(escapeHTML: true) + [UInt8(ascii: "\n")])
                        }
                    }
                } else {
                    let array = OrderedJSON.array(outcome.signatures.map(VerificationReport.json))
                    console.stdout.write([UInt8(ascii: "\n")] + array.serialized(escapeHTML: true) + [UInt8(ascii: "\n")])
                }
            }
        }
    }
}
