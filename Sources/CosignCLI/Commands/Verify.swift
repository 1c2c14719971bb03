import ArgumentParser
import Cosign
import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify
import SigstoreJSON
import SigstoreCore

struct Verify: AsyncParsableCommand {
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

    @OptionGroup var options: ImageVerificationOptions

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

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        let required = try ImageSigning.parseAnnotations(annotations)
        let setup = try options.setup(context, verifying: "signature", annotations: required)
        defer { setup.store.close() }
        for image in images {
            let outcome: ImageVerifier.Outcome
            let name: String
            if options.localImage {
                // A directory written by `cosign save`.
                let local = try ImageVerificationOptions.localImage(image)
                if local.bundles.isEmpty, try local.layout.entry(.signatures) == nil {
                    throw CLIError("no signatures associated with the image saved in \(image)")
                }
                outcome = try await setup.verifier.verify(
                    bundles: local.bundles, digest: local.bundleDigest, legacyDigest: local.legacyDigest, dockerReference: "",
                    legacyLayers: { try local.layout.legacyLayers(.signatures) })
                name = image
            } else {
                let ref = try ImageSupport.parse(image)
                let subject = try await ImageVerificationOptions.subject(ref, store: setup.store)
                outcome = try await setup.verifier.verify(ref, subject: subject)
                name = ref.name
            }
            options.printHeader(name, fromBundles: outcome.fromBundles, keyBased: setup.publicKey != nil, annotations: !required.isEmpty, context: context)
            switch options.output {
            case "text":
                for signature in outcome.signatures {
                    if let result = signature.result, result.certificate != nil {
                        context.info("Certificate subject: \(result.subjectAlternativeName ?? "")")
                        if let issuer = result.issuer, !issuer.isEmpty { context.info("Certificate issuer URL: \(issuer)") }
                    }
                    if case .legacy = signature.source {
                        context.stdout.write(signature.payload + [UInt8(ascii: "\n")])
                    } else {
                        context.stdout.write(signature.output.serialized(escapeHTML: true) + [UInt8(ascii: "\n")])
                    }
                }
            default:
                let array = OrderedJSON.array(outcome.signatures.map { Self.withCertificateDetails($0) })
                context.stdout.write([UInt8(ascii: "\n")] + array.serialized(escapeHTML: true) + [UInt8(ascii: "\n")])
            }
        }
    }

    /// cosign adds the certificate's subject and issuer to `optional` for certificate-signed signatures.
    static func withCertificateDetails(_ signature: ImageVerifier.VerifiedSignature) -> OrderedJSON {
        guard let result = signature.result, result.certificate != nil, case .object(var members) = signature.output else {
            return signature.output
        }
        var optional: [(String, OrderedJSON)] = []
        if let index = members.firstIndex(where: { $0.0 == "optional" }), case .object(let existing) = members[index].1 {
            optional = existing
            members.remove(at: index)
        } else if let index = members.firstIndex(where: { $0.0 == "optional" }) {
            members.remove(at: index)
        }
        optional.removeAll { ["Subject", "Issuer", "1.3.6.1.4.1.57264.1.1"].contains($0.0) }
        optional.append(("Subject", .string(result.subjectAlternativeName ?? "")))
        if let issuer = result.issuer, !issuer.isEmpty {
            optional.append(("Issuer", .string(issuer)))
            optional.append(("1.3.6.1.4.1.57264.1.1", .string(issuer)))
        }
        optional.sort { $0.0 < $1.0 }
        members.append(("optional", .object(optional)))
        return .object(members)
    }
}
