import ArgumentParser
import Cosign
import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import SigstoreModels
import SigstoreCore

/// cosign's deprecation notice for SBOM attachments (`options.SBOMAttachmentDeprecation`).
let sbomAttachmentDeprecation =
    "WARNING: SBOM attachments are deprecated and support will be removed in a Cosign release soon after 2024-02-22 (see https://github.com/sigstore/cosign/issues/2755). Instead, please use SBOM attestations."

struct AttachSBOM: AsyncParsableCommand {
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

    @Option(name: .customLong("registry-referrers-mode"), help: "mode for fetching references from the registry. allowed: legacy, oci-1-1")
    var registryReferrersMode = ""

    @Argument(help: "the image") var image: String

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    /// cosign's media type for `--type` and `--input-format` (`AttachSBOMOptions.MediaType`).
    static func mediaType(type: String, inputFormat: String, path: String) throws -> String {
        let looksLikeJSON = path.hasSuffix(".json")
        switch type {
        case "cyclonedx":
            guard ["", "xml", "json"].contains(inputFormat) else {
                throw CLIError("invalid SBOM input format: \"\(inputFormat)\", expected (json|xml)")
            }
            return inputFormat == "json" || looksLikeJSON ? "application/vnd.cyclonedx+json" : "application/vnd.cyclonedx+xml"
        case "spdx":
            guard ["", "text", "json"].contains(inputFormat) else {
                throw CLIError("invalid SBOM input format: \"\(inputFormat)\", expected (json|text)")
            }
            return inputFormat == "json" || looksLikeJSON ? "text/spdx+json" : "text/spdx"
        case "syft":
            guard ["", "json"].contains(inputFormat) else { throw CLIError("invalid SBOM input format: \"\(inputFormat)\", expected (json)") }
            return "application/vnd.syft+json"
        default:
            throw CLIError("unknown SBOM type: \"\(type)\", expected (spdx|cyclonedx|syft)")
        }
    }

    private func execute(_ context: CommandContext) async throws {
        context.info(sbomAttachmentDeprecation)
        guard let sbom, !sbom.isEmpty else { throw CLIError("required flag(s) \"sbom\" not set") }
        let mediaType = try Self.mediaType(type: type, inputFormat: inputFormat, path: sbom)
        context.warn("Attaching SBOMs this way does not sign them. To sign them, use 'cosign attest --predicate \(sbom) --key <key path>'.")
        if !registryReferrersMode.isEmpty && registryReferrersMode != "legacy" {
            throw CLIError("--registry-referrers-mode=\(registryReferrersMode) is not supported yet")
        }
        let ref = try ImageSupport.parse(image)
        let limit = Limits.maxDocumentBytes
        let bytes = sbom == "-" ? context.stdin.readAll() : try FileSystem.readFile(sbom, limit: limit)
        guard bytes.count <= limit else { throw CLIError("standard input is larger than \(limit) bytes") }
        let store = try registry.store(context: context)
        defer { store.close() }
        let digest = try await ImageSupport.resolve(ref, store: store).digest
        let tag = try store.legacyTag(for: ref, digest: digest, kind: .sbom)
        context.info("Uploading SBOM file for [\(ref.name)] to [\(tag.name)] with mediaType [\(mediaType)].")
        try await store.writeFile(bytes, mediaType: mediaType, to: tag)
    }
}

struct DownloadSBOM: AsyncParsableCommand {
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

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        context.info(sbomAttachmentDeprecation)
        context.warn(
            "Downloading SBOMs this way does not ensure its authenticity. If you want to ensure a tamper-proof SBOM, download it using 'cosign download attestation <image uri>'.")
        let ref = try ImageSupport.parse(image)
        let store = try registry.store(context: context)
        defer { store.close() }
        let top = try await ImageSupport.resolve(ref, store: store)
        var target = top
        if let platform {
            let digest = try await ImageSupport.platformDigest(platform, in: top, of: ref, store: store)
            target = Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: 0)
        }
        let tag = try store.legacyTag(for: ref, digest: target.digest, kind: .sbom)
        guard let image = try await store.legacyImage(tag), let layer = image.layers.first else {
            guard MediaType.isIndex(target.mediaType) else { throw CLIError("no sbom attached to reference") }
            if let platforms = try? await Self.platforms(of: ref.withDigest(target.digest), store: store), !platforms.isEmpty {
                context.info(
                    "\nThis multiarch image does not have an SBOM attached at the index level.\nTry using --platform with one of the following architectures:\n\(platforms.joined(separator: ", "))\n")
            }
            throw CLIError("no SBOM found attached to image index")
        }
        context.info("Found SBOM of media type: \(layer.mediaType)")
        context.stdout.write(layer.payload)
    }

    /// The `os/arch[/variant]` of each image in the index `ref` names.
    static func platforms(of ref: ImageReference, store: SignatureStore) async throws -> [String] {
        try await ImageSupport.index(ref, store: store).manifests.compactMap { entry in
            entry.platform.map { p in [p.os, p.architecture, p.variant].compactMap { $0 }.joined(separator: "/") }
        }
    }
}
