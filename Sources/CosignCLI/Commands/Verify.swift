import ArgumentParser
import Cosign
import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify

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

    @Option(name: .customLong("key"), help: "path to the public key file, KMS URI or Kubernetes Secret")
    var key: String?

    @Flag(name: .customLong("sk"), help: "whether to use a hardware security key")
    var sk = false

    @OptionGroup var identity: CertificateIdentityOptions

    @OptionGroup var verification: BundleVerificationFlags

    @Option(name: [.customShort("a"), .customLong("annotations")], help: "extra key=value pairs to sign")
    var annotations: [String] = []

    @Flag(name: .customLong("check-claims"), inversion: .prefixedNo, help: "whether to check the claims found")
    var checkClaims = true

    @Option(name: [.customShort("o"), .customLong("output")], help: "output format for the signing image information (json|text)")
    var output: String = "json"

    @Option(name: .customLong("local-image"), help: "whether the specified image is a path to an image saved locally via 'cosign save'")
    var localImage: String?

    @Option(name: .customLong("max-workers"), help: "the amount of maximum workers for parallel executions")
    var maxWorkers: Int = 10

    @Flag(name: .customLong("private-infrastructure"), help: "skip transparency log verification when verifying artifacts in a privately deployed infrastructure (deprecated)")
    var privateInfrastructure = false

    @Flag(name: .customLong("offline"), help: "only allow offline verification (deprecated)")
    var offline = false

    @Flag(name: .customLong("new-bundle-format"), inversion: .prefixedNo, help: "look for Sigstore bundle referrers first (deprecated)")
    var newBundleFormat = true

    @OptionGroup var registry: RegistryOptions

    @Argument(help: "the images to verify")
    var images: [String] = []

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
        guard ["json", "text"].contains(output) else { throw ValidationError("invalid --output \(output): allowed values are json, text") }
        guard maxWorkers > 0 else { throw ValidationError("--max-workers must be positive") }
    }

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
        if localImage != nil { throw CLIError("--local-image is not supported yet") }
        if key != nil && (identity.certificateIdentity != nil || identity.certificateIdentityRegexp != nil) {
            throw CLIError("--key and --certificate-identity/--certificate-identity-regexp cannot be used together")
        }
        let ignoreTlog = verification.insecureIgnoreTlog || privateInfrastructure
        verification.warnIfIgnoringLog(context, for: "signature")
        let publicKey = try key.map { try KeyReference.publicKey($0, context: context) }
        let bundleVerification = try verification.make(publicKey: publicKey, identity: identity, ignoreTransparencyLog: ignoreTlog)
        let required = try ImageSigning.parseAnnotations(annotations)

        var storeOptions = try registry.storeOptions(context: context)
        storeOptions.maxConcurrency = maxWorkers
        let store = SignatureStore(client: try registry.client(context: context), options: storeOptions)
        defer { store.close() }
        let verifier = ImageVerifier(
            store: store,
            options: .init(
                bundle: bundleVerification.options, trustMaterial: bundleVerification.trustMaterial, annotations: required,
                checkClaims: checkClaims))

        for image in images {
            let ref = try ImageSupport.parse(image)
            let subject: Descriptor
            do {
                subject = try await store.resolve(ref)
            } catch let e as OCIError where e.code == .notFound {
                throw ImageVerificationError(.imageTagNotFound, "image tag not found: \(ref.name): manifest unknown")
            }
            let outcome = try await verifier.verify(ref, subject: subject)
            printHeader(ref, fromBundles: outcome.fromBundles, keyBased: publicKey != nil, annotations: !required.isEmpty, context: context)
            switch output {
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

    /// cosign's `PrintVerificationHeader`.
    private func printHeader(_ ref: ImageReference, fromBundles: Bool, keyBased: Bool, annotations: Bool, context: CommandContext) {
        context.info("\nVerification for \(ref.name) --")
        context.info("The following checks were performed on each of these signatures:")
        if checkClaims {
            if annotations { context.info("  - The specified annotations were verified.") }
            context.info("  - The cosign claims were validated")
        }
        if fromBundles { context.info("  - Existence of the claims in the transparency log was verified offline") }
        if keyBased {
            context.info("  - The signatures were verified against the specified public key")
        } else {
            context.info("  - The code-signing certificate was verified using trusted certificate authority certificates")
        }
    }
}
