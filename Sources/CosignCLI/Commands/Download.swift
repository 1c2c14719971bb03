import ArgumentParser
import Cosign
import CosignOCI
import OCIModels

struct Download: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download", abstract: "Provides utilities for downloading artifacts and attached artifacts in a registry",
        subcommands: [DownloadSignature.self, DownloadAttestation.self, DownloadSBOM.self])
}

struct DownloadSignature: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "signature", abstract: "Download signatures from the supplied container image",
        discussion: "Prints one JSON document per line: each Sigstore bundle stored as a referrer, else each legacy signature.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Argument(help: "the image") var image: String

    func execute(_ console: Console) async throws {
        let ref = try ImageReference.argument(image)
        let documents = try await registry.withStore(console) { store in try await store.downloadSignatures(ref) }
        for document in documents { console.stdout.write(document + [UInt8(ascii: "\n")]) }
    }
}

struct DownloadAttestation: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "attestation", abstract: "Download in-toto attestations from the supplied container image",
        discussion: """
            Prints one JSON document per line: each Sigstore bundle stored as a referrer, then each DSSE envelope of the
            legacy sha256-<hex>.att image.

              cosign download attestation --predicate-type slsaprovenance1 <IMAGE>
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("predicate-type"), help: "download attestation with matching predicateType")
    var predicateType: String?

    @Option(name: .customLong("platform"), help: "download attestation for a specific platform image (os/arch[/variant])")
    var platform: String?

    @Argument(help: "the image") var image: String

    func execute(_ console: Console) async throws {
        let ref = try ImageReference.argument(image)
        let documents = try await registry.withStore(console) { store in
            try await store.downloadAttestations(ref, predicateType: predicateType, platform: platform)
        }
        for document in documents { console.stdout.write(document + [UInt8(ascii: "\n")]) }
    }
}

/// cosign's deprecation notice for SBOM attachments (`options.SBOMAttachmentDeprecation`).
let sbomAttachmentDeprecation =
    "WARNING: SBOM attachments are deprecated and support will be removed in a Cosign release soon after 2024-02-22 (see https://github.com/sigstore/cosign/issues/2755). Instead, please use SBOM attestations."

struct DownloadSBOM: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "sbom", abstract: "DEPRECATED: Download SBOMs from the supplied container image",
        discussion: """
            Writes the SBOM attached with `cosign attach sbom` to standard output (its media type on standard error).

              cosign download sbom <IMAGE>
              cosign download sbom --platform linux/arm64 <IMAGE INDEX>
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("platform"), help: "download SBOM for a specific platform image (os/arch[/variant])")
    var platform: String?

    @Argument(help: "the image") var image: String

    func execute(_ console: Console) async throws {
        console.info(sbomAttachmentDeprecation)
        console.warn(
            "Downloading SBOMs this way does not ensure its authenticity. If you want to ensure a tamper-proof SBOM, download it using 'cosign download attestation <image uri>'.")
        let ref = try ImageReference.argument(image)
        let layer = try await registry.withStore(console) { store in
            try await store.downloadSBOM(ref, platform: platform, hint: console.info)
        }
        console.info("Found SBOM of media type: \(layer.mediaType)")
        console.stdout.write(layer.payload)
    }
}
