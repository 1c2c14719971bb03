import ArgumentParser
import Cosign
import CosignOCI

struct Attach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach", abstract: "Provides utilities for attaching artifacts to other artifacts in a registry",
        subcommands: [AttachSignature.self, AttachAttestation.self, AttachSBOM.self])
}

struct AttachSignature: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "signature", abstract: "Attach signatures to the supplied container image",
        discussion: """
              cosign attach signature --payload payload.json --signature payload.sig <IMAGE>
              cosign attach signature --payload image.sigstore.json <IMAGE>   # a Sigstore bundle becomes a referrer
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("signature"), help: "path to the base64 signature, or - for standard input")
    var signature: String?

    @Option(name: [.customLong("payload"), .customLong("bundle")], help: "path to the payload covered by the signature, or a Sigstore bundle")
    var payload: String?

    @Option(name: .customLong("certificate"), help: "path to the X.509 certificate in PEM format to include in the OCI Signature")
    var certificate: String?

    @Option(name: .customLong("certificate-chain"), help: "path to a list of CA X.509 certificates in PEM format")
    var certificateChain: String?

    @Option(name: .customLong("tsr"), help: "path to the RFC3161 timestamp response (DER)")
    var tsr: String?

    @Option(name: .customLong("rekor-response"), help: "path to the legacy cosign bundle whose rekorBundle is attached")
    var rekorResponse: String?

    @Argument(help: "the image") var image: String

    func execute(_ console: Console) async throws {
        var attachment = SignatureAttachment()
        (attachment.payload, attachment.signature, attachment.certificate) = (payload, signature, certificate)
        (attachment.certificateChain, attachment.timestampResponse, attachment.rekorResponse) = (certificateChain, tsr, rekorResponse)
        try await registry.withStore(console) { store in try await attachment.attach(to: image, store: store, console: console) }
    }
}

struct AttachAttestation: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "attestation", abstract: "Attach attestation to the supplied container image",
        discussion: """
              cosign attach attestation --attestation attestation.dsse.json <IMAGE>
              cosign attach attestation --attestation attestation.sigstore.json <IMAGE>   # a Sigstore bundle becomes a referrer

            A file holding DSSE envelopes (one or more JSON documents) is appended to the legacy sha256-<hex>.att image.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("attestation"), help: "path to the attestation envelope")
    var attestations: [String] = []

    @Argument(help: "the image") var images: [String] = []

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
    }

    func execute(_ console: Console) async throws {
        let attachment = AttestationAttachment(files: attestations)
        try await registry.withStore(console) { store in try await attachment.attach(to: images[0], store: store, console: console) }
    }
}

struct AttachSBOM: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "sbom", abstract: "DEPRECATED: Attach sbom to the supplied container image",
        discussion: """
            Attach sbom to the supplied container image: a one-layer image under the sha256-<hex>.sbom tag, replacing any
            earlier one. The SBOM is not signed; `cosign attest --predicate FILE --type spdxjson` signs it.

              cosign attach sbom --sbom sbom.spdx.json <IMAGE>
              cosign attach sbom --sbom bom.xml --type cyclonedx <IMAGE>
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("sbom"), help: "path to the sbom, or {-} for stdin")
    var sbom: String?

    @Option(name: .customLong("type"), help: "type of sbom (spdx|cyclonedx|syft)")
    var type = "spdx"

    @Option(name: .customLong("input-format"), help: "type of sbom input format (json|xml|text)")
    var inputFormat = ""

    @OptionGroup var referrersMode: ReferrersModeOption

    @Argument(help: "the image") var image: String

    func execute(_ console: Console) async throws {
        console.info(sbomAttachmentDeprecation)
        guard let sbom, !sbom.isEmpty else { throw CLIError("required flag(s) \"sbom\" not set") }
        let mediaType = try SBOMAttachment.mediaType(type: type, inputFormat: inputFormat, path: sbom)
        console.warn("Attaching SBOMs this way does not sign them. To sign them, use 'cosign attest --predicate \(sbom) --key <key path>'.")
        var attachment = SBOMAttachment(path: sbom, mediaType: mediaType)
        attachment.asReferrer = try referrersMode.usesOCI11(console)
        try await registry.withStore(console) { store in try await attachment.attach(to: image, store: store, console: console) }
    }
}
