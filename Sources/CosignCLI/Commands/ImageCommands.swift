import ArgumentParser
import Cosign
import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import SigstoreCrypto
import SigstoreModels
import SigstoreJSON
import SigstoreCore

struct Triangulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triangulate", abstract: "Outputs the located cosign image reference. This is the location where cosign stores the specified artifact type.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("type"), help: "related attachment to triangulate (attestation|sbom|signature|digest)")
    var type: String = "signature"

    @Argument(help: "the image") var image: String

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        let kinds: [String: AttachmentKind?] = ["signature": .signature, "attestation": .attestation, "sbom": .sbom, "digest": nil]
        guard let kind = kinds[type] else { throw CLIError("unknown type \(type): allowed values are signature, attestation, sbom, digest") }
        let ref = try ImageSupport.parse(image)
        let store = try registry.store(context: context)
        defer { store.close() }
        let digest = try await ImageSupport.resolve(ref, store: store).digest
        if let kind {
            context.stdout.line(try store.legacyTag(for: ref, digest: digest, kind: kind).name)
        } else {
            context.stdout.line(try store.signatureRepository(for: ref).withDigest(digest).name)
        }
    }
}

struct Tree: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tree", abstract: "Display supply chain security related artifacts for an image such as signatures, SBOMs and attestations")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Argument(help: "the image") var image: String

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        let ref = try ImageSupport.parse(image)
        let store = try registry.store(context: context)
        defer { store.close() }
        let digest = try await ImageSupport.resolve(ref, store: store).digest
        var lines: [String] = []
        let titles: [(AttachmentKind, String)] = [
            (.signature, "🔐 Signatures for an image tag: "), (.attestation, "💾 Attestations for an image tag: "), (.sbom, "📦 SBOMs for an image tag: "),
        ]
        for (kind, title) in titles {
            let tag = try store.legacyTag(for: ref, digest: digest, kind: kind)
            guard let layers = try await store.legacyLayerDescriptors(tag), !layers.isEmpty else { continue }
            lines.append("└── \(title)\(tag.name)")
            lines += Self.leaves(layers.map(\.digest))
        }
        let repo = try store.signatureRepository(for: ref)
        for referrer in try await store.referrers(of: digest, in: repo) {
            let fetched = try await store.client.manifest(repo.withDigest(referrer.digest), accept: [MediaType.ociManifest])
            guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(fetched.bytes)) else { continue }
            let type = manifest.annotations?[CosignAnnotation.bundlePredicateType] ?? referrer.artifactType ?? manifest.artifactType ?? ""
            guard !type.isEmpty else { continue }
            lines.append("└── 🔗 \(type) artifacts via OCI referrer: \(repo.withDigest(referrer.digest).name)")
            lines += Self.leaves(manifest.layers.map(\.digest))
        }
        if lines.isEmpty {
            context.stdout.write("No Supply Chain Security Related Artifacts found for image \(image),\n start creating one with simply running$ cosign sign <img>")
            return
        }
        context.stdout.line("📦 Supply Chain Security Related artifacts for an image: \(image)")
        for line in lines { context.stdout.line(line) }
    }

    static func leaves(_ digests: [String]) -> [String] {
        digests.enumerated().map { i, d in "   \(i == digests.count - 1 ? "└──" : "├──") 🍒 \(d)" }
    }
}

struct Download: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download", abstract: "Provides utilities for downloading artifacts and attached artifacts in a registry",
        subcommands: [DownloadSignature.self, DownloadAttestation.self, DownloadSBOM.self])
}

struct DownloadSignature: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signature", abstract: "Download signatures from the supplied container image",
        discussion: "Prints one JSON document per line: each Sigstore bundle stored as a referrer, else each legacy signature.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Argument(help: "the image") var image: String

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        let ref = try ImageSupport.parse(image)
        let store = try registry.store(context: context)
        defer { store.close() }
        let digest = try await ImageSupport.resolve(ref, store: store).digest
        let bundles = try await store.bundles(of: digest, image: ref)
        if !bundles.isEmpty {
            for stored in bundles { context.stdout.write(stored.bundle.jsonData() + [UInt8(ascii: "\n")]) }
            return
        }
        guard let legacy = try await store.legacyImage(try store.legacyTag(for: ref, digest: digest, kind: .signature)), !legacy.layers.isEmpty else {
            throw CLIError("\(image): no signatures associated")
        }
        guard legacy.layers.count <= 100 else {
            throw CLIError("maximum number of signatures on an image is 100, found \(legacy.layers.count)")
        }
        for layer in legacy.layers {
            context.stdout.write(Self.signedPayload(layer).serialized(escapeHTML: true) + [UInt8(ascii: "\n")])
        }
    }

    /// cosign's `SignedPayload` line. The certificate and chain are given as PEM (cosign dumps Go's x509 structure).
    static func signedPayload(_ layer: LegacyLayer) -> OrderedJSON {
        func json(_ key: String) -> OrderedJSON {
            guard let text = layer.annotations[key], let value = try? JSONParser.parse(Array(text.utf8)) else { return .null }
            return value.sortingKeys
        }
        func string(_ key: String) -> OrderedJSON { layer.annotations[key].map { .string($0) } ?? .null }
        return .object([
            ("Base64Signature", .string(layer.base64Signature ?? "")),
            ("Payload", .string(Base64.encode(layer.payload))),
            ("Cert", string(CosignAnnotation.certificate)),
            ("Chain", string(CosignAnnotation.chain)),
            ("Bundle", json(CosignAnnotation.bundle)),
            ("RFC3161Timestamp", json(CosignAnnotation.rfc3161Timestamp)),
        ])
    }
}

struct Clean: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clean", abstract: "Remove all signatures from an image.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("type"), help: "a type of clean: <signature|attestation|sbom|referrer|all> (default: all)")
    var type: String = "all"

    @Flag(name: [.customShort("f"), .customLong("force")], help: "do not prompt for confirmation")
    var force = false

    @Argument(help: "the image") var image: String

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        let prompts = [
            "signature": "this will remove all signatures from the image", "attestation": "this will remove all attestations from the image",
            "sbom": "this will remove all SBOMs from the image",
            "referrer": "this will remove all referrer attestations and/or signatures from the image",
            "all": "this will remove all signatures, SBOMs and attestations from the image",
        ]
        guard let prompt = prompts[type] else { throw CLIError("invalid --type \(type): allowed values are signature, attestation, sbom, referrer, all") }
        let ref = try ImageSupport.parse(image)
        if !force {
            context.warn(prompt)
            try Prompts.confirmContinue(context: context)
        }
        // cosign's clean works in the image's repository (COSIGN_REPOSITORY is not consulted).
        var options = try registry.storeOptions(context: context)
        options.repositoryOverride = nil
        let store = SignatureStore(client: try registry.client(context: context), options: options)
        defer { store.close() }
        let digest = try await ImageSupport.resolve(ref, store: store).digest
        var targets: [ImageReference] = []
        let kinds: [AttachmentKind] = switch type {
        case "signature": [.signature]
        case "attestation": [.attestation]
        case "sbom": [.sbom]
        case "all": [.signature, .attestation, .sbom]
        default: []
        }
        for kind in kinds { targets.append(try store.legacyTag(for: ref, digest: digest, kind: kind)) }
        if type == "referrer" || type == "all" {
            let fallbackTag = ref.withTag(SignatureLayout.tag(for: digest, kind: nil))
            let referrers = try await store.referrers(of: digest, in: ref)
            for r in referrers where r.artifactType == CosignMediaType.bundleV03 { targets.append(ref.withDigest(r.digest)) }
            targets.append(fallbackTag)
        } else if !(try await store.referrers(of: digest, in: ref)).isEmpty {
            context.warn("image has referrers, consider using --type referrer")
        }
        for target in targets {
            do {
                if try await store.deleteIfPresent(target) { context.info("Removed \(target.name) from \(image)") }
            } catch let e as OCIError {
                context.info("could not delete \(target.name) from \(image): \(e.message)")
            }
        }
    }
}

struct Attach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach", abstract: "Provides utilities for attaching artifacts to other artifacts in a registry", subcommands: [AttachSignature.self, AttachAttestation.self, AttachSBOM.self])
}

struct AttachSignature: AsyncParsableCommand {
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

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        let ref = try ImageSupport.parse(image)
        if ref.digest == nil { context.warn(ImageSupport.tagWarning(image)) }
        // Local input is read before the registry is contacted.
        let payloadBytes = try payload.map { try FileSystem.readFile($0, limit: 16 << 20) }
        let store = try registry.store(context: context)
        defer { store.close() }
        let subject = try await ImageSupport.resolve(ref, store: store)
        if let payloadBytes, BundleFormat.isSigstoreBundle(payloadBytes), let bundle = try? SigstoreBundle(jsonData: payloadBytes) {
            guard case .dsseEnvelope(let envelope) = bundle.content else { throw CLIError("bundle does not have DSSE envelope") }
            let predicateType = InTotoStatement(payload: envelope.payload.bytes)?.predicateType ?? ""
            try await store.writeBundleReferrer(payloadBytes, subject: subject, of: ref.withDigest(subject.digest), predicateType: predicateType, created: context.now())
            return
        }
        guard let signature else { throw CLIError("--signature is required unless --payload is a Sigstore bundle") }
        let b64 = signature == "-" ? String(decoding: context.stdin.readAll(), as: UTF8.self) : try FileSystem.readText(signature, limit: 1 << 20)
        guard !b64.isEmpty else { throw CLIError("empty signature") }
        var annotations = [CosignAnnotation.signature: b64]
        if let certificate { annotations[CosignAnnotation.certificate] = try FileSystem.readText(certificate, limit: 1 << 20) }
        if let certificateChain { annotations[CosignAnnotation.chain] = try FileSystem.readText(certificateChain, limit: 1 << 20) }
        if let tsr {
            let der = try FileSystem.readFile(tsr, limit: 1 << 20)
            annotations[CosignAnnotation.rfc3161Timestamp] = String(
                decoding: OrderedJSON.object([("SignedRFC3161Timestamp", .string(Base64.encode(der)))]).serialized(escapeHTML: true), as: UTF8.self)
        }
        if let rekorResponse {
            let bytes = try FileSystem.readFile(rekorResponse, limit: 1 << 20)
            guard let bundle = (try? JSONParser.parse(bytes))?["rekorBundle"] else {
                throw CLIError("--rekor-response \(rekorResponse) has no rekorBundle")
            }
            annotations[CosignAnnotation.bundle] = String(decoding: bundle.sortingKeys.serialized(escapeHTML: true), as: UTF8.self)
        }
        let body: [UInt8]
        if let payloadBytes {
            body = payloadBytes
        } else {
            context.warn("no --payload given: attaching the signature to cosign's generated payload for \(ref.repositoryName)@\(subject.digest)")
            body = SimpleSigningPayload(dockerReference: ref.repositoryName, manifestDigest: subject.digest).jsonBytes()
        }
        let layer = LegacyLayer(payload: body, mediaType: CosignMediaType.simpleSigning, annotations: annotations)
        try await store.appendLegacy(layer, to: try store.legacyTag(for: ref, digest: subject.digest, kind: .signature))
    }
}

struct Upload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload", abstract: "Provides utilities for uploading artifacts to a registry", subcommands: [UploadBlob.self])
}

struct UploadBlob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blob", abstract: "Upload one or more blobs to the supplied container image address.",
        discussion: """
              cosign upload blob -f foo <IMAGE>
              cosign upload blob -f foo:darwin/amd64 -f bar:linux/arm64 <IMAGE>
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: [.customShort("f"), .customLong("files")], help: "<filepath>:[platform/arch]")
    var files: [String] = []

    @Option(name: .customLong("ct"), help: "content type to set")
    var contentType: String?

    @Option(name: [.customShort("a"), .customLong("annotation")], help: "annotations to set")
    var annotations: [String] = []

    @Argument(help: "the image address") var image: String

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        let entries = files.flatMap { $0.split(separator: ",").map(String.init) }
        guard !entries.isEmpty else { throw CLIError("at least one file is required: pass -f FILE") }
        let ref = try ImageSupport.parse(image)
        let annotationMap = try ImageSigning.parseAnnotations(annotations)
        let store = try registry.store(context: context)
        defer { store.close() }
        var uploaded: [(Descriptor, Descriptor.Platform?)] = []
        for entry in entries {
            var path = entry
            var platform: Descriptor.Platform?
            if let colon = entry.lastIndex(of: ":"), !FileManager.default.fileExists(atPath: entry) {
                path = String(entry[..<colon])
                let parts = entry[entry.index(after: colon)...].split(separator: "/", maxSplits: 2).map(String.init)
                platform = Descriptor.Platform(architecture: parts.count > 1 ? parts[1] : "", os: parts.first ?? "", variant: parts.count > 2 ? parts[2] : nil)
            }
            if entries.count > 1 && platform == nil { throw CLIError("each file must include a unique platform, \(path) had no platform") }
            // The file is hashed, then streamed in 8 MiB chunks (memory stays at one chunk).
            let fileDigest = try Artifact.file(path: path).digest(.sha256)
            guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("opening \(path): no such file or not readable") }
            defer { try? handle.close() }
            let size = Int64(try handle.seekToEnd())
            try handle.seek(toOffset: 0)
            let head = try handle.read(upToCount: 512) ?? Data()
            try handle.seek(toOffset: 0)
            let mediaType = contentType ?? Self.detectContentType(Array(head))
            context.info("Uploading file from [\(path)] to [\(ref.name)] with media type [\(mediaType)]")
            let reader = ChunkReader(handle: handle)
            let layer = try await store.client.uploadBlob(
                digest: "sha256:\(fileDigest.hex)", size: size, mediaType: mediaType, to: ref, nextChunk: { try reader.next() })
            context.info("File [\(path)] is available directly at [\(ref.registry)/v2/\(ref.repository)/blobs/\(layer.digest)]")
            let config = SignatureLayout.legacyConfig(diffIDs: [layer.digest])
            let configDescriptor = try await store.client.uploadBlob(config, mediaType: MediaType.ociConfig, to: ref)
            let manifest = OrderedJSON.object(
                [
                    ("schemaVersion", .number(2)), ("mediaType", .string(MediaType.ociManifest)),
                    ("config", SignatureLayout.descriptorJSON(configDescriptor)), ("layers", .array([SignatureLayout.descriptorJSON(layer)])),
                ] + (annotationMap.isEmpty || entries.count > 1 ? [] : [("annotations", SignatureLayout.sortedJSON(annotationMap))])
            ).serialized(escapeHTML: true)
            let target = entries.count > 1 ? ref.withDigest(SignatureLayout.sha256(manifest)) : ref
            let digest = try await store.client.putManifest(manifest, mediaType: MediaType.ociManifest, to: target)
            uploaded.append((Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(manifest.count), artifactType: MediaType.ociConfig), platform))
        }
        if uploaded.count == 1 {
            context.info("Uploaded image to:")
            context.stdout.line(ref.withDigest(uploaded[0].0.digest).repositoryName + "@" + uploaded[0].0.digest)
            return
        }
        let index = OrderedJSON.object(
            [
                ("schemaVersion", .number(2)), ("mediaType", .string(MediaType.ociIndex)),
                (
                    "manifests",
                    .array(
                        uploaded.map { d, p in
                            .object([
                                ("mediaType", .string(d.mediaType)), ("size", .number(d.size)), ("digest", .string(d.digest)),
                                ("platform", .object([("architecture", .string(p?.architecture ?? "")), ("os", .string(p?.os ?? ""))] + (p?.variant.map { [("variant", .string($0))] } ?? []))),
                                ("artifactType", .string(MediaType.ociConfig)),
                            ])
                        })
                ),
            ] + (annotationMap.isEmpty ? [] : [("annotations", SignatureLayout.sortedJSON(annotationMap))])
        ).serialized(escapeHTML: true)
        let digest = try await store.client.putManifest(index, mediaType: MediaType.ociIndex, to: ref)
        context.info("Uploading multi-platform index to \(ref.repositoryName)@\(digest)")
    }

    /// A subset of Go's `http.DetectContentType`: text when the bytes are printable UTF-8, else octet-stream.
    static func detectContentType(_ bytes: [UInt8]) -> String {
        let sample = bytes.prefix(512)
        if sample.starts(with: [0x1f, 0x8b, 0x08]) { return "application/x-gzip" }
        if sample.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        if sample.starts(with: [0x50, 0x4b, 0x03, 0x04]) { return "application/zip" }
        let binary = sample.contains { $0 < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d, 0x1b].contains($0) }
        return binary ? "application/octet-stream" : "text/plain"
    }
}

struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy", abstract: "Copy the supplied container image and signatures.",
        discussion: """
              cosign copy example.com/src:latest example.com/dest:latest

            Copies the image (every manifest of an index), its legacy .sig/.att/.sbom images and its Sigstore bundle
            referrers. Unlike Go cosign, bundles stored as referrers are copied too, and no sha256-<hex> tag is written
            for the image itself (that tag name is the referrers fallback index).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("only"), help: "custom string array to only copy specific items, this flag is comma delimited. ex: --only=sig,att,sbom")
    var only: [String] = []

    @Flag(name: .customLong("sig-only"), help: "[DEPRECATED] only copy the image signature")
    var sigOnly = false

    @Flag(name: [.customShort("f"), .customLong("force")], help: "overwrite destination image(s), if necessary")
    var force = false

    @Argument(help: "source image") var source: String
    @Argument(help: "destination image") var destination: String

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        var parts = Set(only.flatMap { $0.split(separator: ",").map(String.init) })
        if sigOnly {
            context.stderr.write("--sig-only is deprecated, use --only=sig instead")
            parts.insert("sig")
        }
        for part in parts where !["sig", "att", "sbom"].contains(part) {
            throw CLIError("invalid value for --only: \(part), only the following values are supported: [sig sbom att]")
        }
        let src = try ImageSupport.parse(source)
        let dst = try ImageSupport.parse(destination)
        let store = try registry.store(context: context)
        defer { store.close() }
        let root = try await ImageSupport.resolve(src, store: store)
        if !force, parts.isEmpty, let existing = try await store.client.manifestDescriptor(dst), existing.digest != root.digest {
            throw CLIError("image \"\(dst.name)\" already exists. Use `-f` to overwrite")
        }
        let kinds: [AttachmentKind] = parts.isEmpty ? AttachmentKind.allCases : AttachmentKind.allCases.filter { parts.contains($0.rawValue) }
        for entity in try await ImageSupport.walk(root, in: src, recursive: true, client: store.client) {
            if parts.isEmpty {
                context.info("Copying \(src.withDigest(entity.digest).name) to \(dst.withDigest(entity.digest).name)...")
                try await store.copyManifest(entity.digest, from: src, to: dst)
            }
            for kind in kinds {
                let from = try store.legacyTag(for: src, digest: entity.digest, kind: kind)
                guard let descriptor = try await store.client.manifestDescriptor(from) else { continue }
                let to = dst.withTag(SignatureLayout.tag(for: entity.digest, kind: kind, prefix: store.options.tagPrefix))
                context.info("Copying \(from.name) to \(to.name)...")
                try await store.copyManifest(descriptor.digest, from: from, to: to)
                let fetched = try await store.client.manifest(from.withDigest(descriptor.digest))
                try await store.client.putManifest(fetched.bytes, mediaType: fetched.mediaType, to: to)
            }
            // Sigstore bundle referrers (signatures and attestations) follow the image.
            if parts.isEmpty || parts.contains("sig") || parts.contains("att") {
                let repo = try store.signatureRepository(for: src)
                for referrer in try await store.referrers(of: entity.digest, in: repo) {
                    context.info("Copying \(repo.withDigest(referrer.digest).name) to \(dst.withDigest(referrer.digest).name)...")
                    try await store.copyReferrer(referrer, subject: entity.digest, from: repo, to: dst)
                }
            }
        }
        if parts.isEmpty {
            let fetched = try await store.client.manifest(src.withDigest(root.digest))
            try await store.client.putManifest(fetched.bytes, mediaType: fetched.mediaType, to: dst)
        }
    }
}

/// Reads a file in 8 MiB chunks for streamed uploads.
final class ChunkReader: @unchecked Sendable {
    private let handle: FileHandle
    init(handle: FileHandle) { self.handle = handle }
    func next() throws -> [UInt8] { Array(try handle.read(upToCount: 8 << 20) ?? Data()) }
}
