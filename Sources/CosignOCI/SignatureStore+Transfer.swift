public import Cosign
import Foundation
public import OCIModels
import OCIRegistry
import SigstoreCore
import SigstoreCrypto
import SigstoreJSON

/// Changing what is stored: `cosign clean`, `copy` and `upload blob`.
extension SignatureStore {
    /// What `cosign clean --type` removes.
    public enum CleanType: String, Sendable, CaseIterable {
        case signature, attestation, sbom, referrer, all

        /// cosign's confirmation prompt for the type.
        public var prompt: String {
            switch self {
            case .signature: "this will remove all signatures from the image"
            case .attestation: "this will remove all attestations from the image"
            case .sbom: "this will remove all SBOMs from the image"
            case .referrer: "this will remove all referrer attestations and/or signatures from the image"
            case .all: "this will remove all signatures, SBOMs and attestations from the image"
            }
        }

        var kinds: [AttachmentKind] {
            switch self {
            case .signature: [.signature]
            case .attestation: [.attestation]
            case .sbom: [.sbom]
            case .all: [.signature, .attestation, .sbom]
            case .referrer: []
            }
        }
    }

    /// `cosign clean`: deletes the legacy images of `type` and (for `referrer` and `all`) the bundle referrers and
    /// the referrers-tag index, in the image's own repository (`COSIGN_REPOSITORY` is not consulted, as in cosign).
    public func clean(_ image: String, type: CleanType, console: Console) async throws {
        let ref = try ImageReference.argument(image)
        var inPlace = options
        inPlace.repositoryOverride = nil
        let store = SignatureStore(client: client, options: inPlace)
        let digest = try await store.resolveImage(ref).digest
        var targets: [ImageReference] = []
        for kind in type.kinds { targets.append(try store.legacyTag(for: ref, digest: digest, kind: kind)) }
        if type == .referrer || type == .all {
            let fallbackTag = ref.withTag(SignatureLayout.tag(for: digest, kind: nil))
            for r in try await store.referrers(of: digest, in: ref) where r.artifactType == CosignMediaType.bundleV03 {
                targets.append(ref.withDigest(r.digest))
            }
            targets.append(fallbackTag)
        } else if !(try await store.referrers(of: digest, in: ref)).isEmpty {
            console.warn("image has referrers, consider using --type referrer")
        }
        for target in targets {
            do {
                if try await store.deleteIfPresent(target) { console.info("Removed \(target.name) from \(image)") }
            } catch let error as OCIError {
                console.info("could not delete \(target.name) from \(image): \(error.message)")
            }
        }
    }

    /// `cosign copy`: the image (every manifest of an index), its legacy `.sig`/`.att`/`.sbom` images and its bundle
    /// referrers; `only` restricts to `sig`, `att` and `sbom`. Without `force` an existing different destination is
    /// refused.
    public func copy(
        _ source: String, to destination: String, only: Set<String>, force: Bool, platform: String? = nil, console: Console
    ) async throws {
        for part in only where !["sig", "att", "sbom"].contains(part) {
            throw CosignError(.invalidInput, "invalid value for --only: \(part), only the following values are supported: [sig sbom att]")
        }
        let src = try ImageReference.argument(source)
        let dst = try ImageReference.argument(destination)
        var root = try await resolveImage(src)
        if let platform, !platform.isEmpty {
            // `--platform`: the one image of a multi-platform index, with its own signatures (cosign's
            // SignedEntityForPlatform).
            root = try await resolveImage(src.withDigest(try await platformDigest(platform, in: root, of: src)))
        }
        if !force, only.isEmpty, let existing = try await client.manifestDescriptor(dst), existing.digest != root.digest {
            throw CosignError(.invalidInput, "image \"\(dst.name)\" already exists. Use `-f` to overwrite")
        }
        let kinds: [AttachmentKind] = only.isEmpty ? AttachmentKind.allCases : AttachmentKind.allCases.filter { only.contains($0.rawValue) }
        // One walk for the whole copy: a manifest an index repeats, or that an earlier entity's tree held, is copied once.
        let copied = ManifestWalk()
        for entity in try await walk(root, in: src, recursive: true) {
            if only.isEmpty, try copied.firstVisit(entity.digest, under: src.name) {
                console.info("Copying \(src.withDigest(entity.digest).name) to \(dst.withDigest(entity.digest).name)...")
                try await copyManifest(entity.digest, from: src, to: dst, depth: 0, walk: copied)
            }
            for kind in kinds {
                let from = try legacyTag(for: src, digest: entity.digest, kind: kind)
                guard let descriptor = try await client.manifestDescriptor(from) else { continue }
                let to = dst.withTag(SignatureLayout.tag(for: entity.digest, kind: kind, prefix: options.tagPrefix))
                console.info("Copying \(from.name) to \(to.name)...")
                try await copyManifest(descriptor.digest, from: from, to: to)
                let fetched = try await client.manifest(from.withDigest(descriptor.digest))
                try await client.putManifest(fetched.bytes, mediaType: fetched.mediaType, to: to)
            }
            // Sigstore bundle referrers (signatures and attestations) follow the image.
            if only.isEmpty || only.contains("sig") || only.contains("att") {
                let repo = try signatureRepository(for: src)
                for referrer in try await referrers(of: entity.digest, in: repo) {
                    console.info("Copying \(repo.withDigest(referrer.digest).name) to \(dst.withDigest(referrer.digest).name)...")
                    try await copyReferrer(referrer, subject: entity.digest, from: repo, to: dst)
                }
            }
        }
        if only.isEmpty {
            let fetched = try await client.manifest(src.withDigest(root.digest))
            try await client.putManifest(fetched.bytes, mediaType: fetched.mediaType, to: dst)
        }
    }

    /// One file of `cosign upload blob`: its path and platform (`-f FILE[:os/arch[/variant]]`).
    public struct UploadFile: Sendable {
        /// The file.
        public var path: String
        /// The platform, required when several files are uploaded.
        public var platform: Descriptor.Platform?

        /// Parses `-f` values as cosign does: a `:` suffix is a platform unless the whole value names a file.
        public static func parse(_ entry: String) -> UploadFile {
            guard let colon = entry.lastIndex(of: ":"), !FileManager.default.fileExists(atPath: entry) else {
                return UploadFile(path: entry)
            }
            let parts = entry[entry.index(after: colon)...].split(separator: "/", maxSplits: 2).map(String.init)
            return UploadFile(
                path: String(entry[..<colon]),
                platform: Descriptor.Platform(architecture: parts.count > 1 ? parts[1] : "", os: parts.first ?? "", variant: parts.count > 2 ? parts[2] : nil))
        }

        /// A file without a platform.
        public init(path: String, platform: Descriptor.Platform? = nil) {
            self.path = path
            self.platform = platform
        }
    }

    /// `cosign upload blob`: each file as a one-layer image (streamed in 8 MiB chunks), and for several files an index
    /// over them. Returns the uploaded image's digest reference when there is one file.
    public func uploadBlobs(
        _ files: [UploadFile], to image: String, contentType: String?, annotations: [String: String], console: Console
    ) async throws -> String? {
        guard !files.isEmpty else { throw CosignError(.invalidInput, "at least one file is required: pass -f FILE") }
        let ref = try ImageReference.argument(image)
        var uploaded: [(Descriptor, Descriptor.Platform?)] = []
        for file in files {
            if files.count > 1 && file.platform == nil {
                throw CosignError(.invalidInput, "each file must include a unique platform, \(file.path) had no platform")
            }
            let digest = try await uploadFileImage(file.path, to: ref, contentType: contentType, annotations: files.count > 1 ? [:] : annotations, single: files.count == 1, console: console)
            uploaded.append((digest, file.platform))
        }
        if uploaded.count == 1 {
            console.info("Uploaded image to:")
            return ref.withDigest(uploaded[0].0.digest).repositoryName + "@" + uploaded[0].0.digest
        }
        let index = OrderedJSON.object(
            [
                ("schemaVersion", .number(2)), ("mediaType", .string(MediaType.ociIndex)),
                (
                    "manifests",
                    .array(
                        uploaded.map { d, p in
                            var platform: [(String, OrderedJSON)] = [("architecture", .string(p?.architecture ?? "")), ("os", .string(p?.os ?? ""))]
                            if let variant = p?.variant { platform.append(("variant", .string(variant))) }
                            return .object([
                                ("mediaType", .string(d.mediaType)), ("size", .number(d.size)), ("digest", .string(d.digest)),
                                ("platform", .object(platform)), ("artifactType", .string(MediaType.ociConfig)),
                            ])
                        })
                ),
            ] + (annotations.isEmpty ? [] : [("annotations", SignatureLayout.sortedJSON(annotations))])
        ).serialized(escapeHTML: true)
        let digest = try await client.putManifest(index, mediaType: MediaType.ociIndex, to: ref)
        console.info("Uploading multi-platform index to \(ref.repositoryName)@\(digest)")
        return nil
    }

    /// Uploads one file as a one-layer OCI image: hashed, then streamed in 8 MiB chunks (memory stays at one chunk).
    private func uploadFileImage(
        _ path: String, to ref: ImageReference, contentType: String?, annotations: [String: String], single: Bool, console: Console
    ) async throws -> Descriptor {
        let fileDigest = try Artifact.file(path: path).digest(.sha256)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CosignError(.io, "opening \(path): no such file or not readable")
        }
        defer { try? handle.close() }
        let size = Int64(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
        let head = try handle.read(upToCount: 512) ?? Data()
        try handle.seek(toOffset: 0)
        let mediaType = contentType ?? Self.detectContentType(Array(head))
        console.info("Uploading file from [\(path)] to [\(ref.name)] with media type [\(mediaType)]")
        let reader = ChunkReader(handle: handle)
        let layer = try await client.uploadBlob(digest: "sha256:\(fileDigest.hex)", size: size, mediaType: mediaType, to: ref) {
            try reader.rewind()
            return { try reader.next() }
        }
        console.info("File [\(path)] is available directly at [\(ref.registry)/v2/\(ref.repository)/blobs/\(layer.digest)]")
        let config = SignatureLayout.legacyConfig(diffIDs: [layer.digest])
        let configDescriptor = try await client.uploadBlob(config, mediaType: MediaType.ociConfig, to: ref)
        let manifest = OrderedJSON.object(
            [
                ("schemaVersion", .number(2)), ("mediaType", .string(MediaType.ociManifest)),
                ("config", SignatureLayout.descriptorJSON(configDescriptor)), ("layers", .array([SignatureLayout.descriptorJSON(layer)])),
            ] + (annotations.isEmpty ? [] : [("annotations", SignatureLayout.sortedJSON(annotations))])
        ).serialized(escapeHTML: true)
        let target = single ? ref : ref.withDigest(SignatureLayout.sha256(manifest))
        let digest = try await client.putManifest(manifest, mediaType: MediaType.ociManifest, to: target)
        return Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(manifest.count), artifactType: MediaType.ociConfig)
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

/// Reads a file in 1 MiB pieces for streamed uploads (one upload at a time).
final class ChunkReader: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    init(handle: FileHandle) { self.handle = handle }
    /// The next piece; empty at the end.
    func next() throws -> [UInt8] { try lock.withLock { Array(try handle.read(upToCount: 1 << 20) ?? Data()) } }
    /// Back to the first byte, for an upload started over.
    func rewind() throws { try lock.withLock { try handle.seek(toOffset: 0) } }
}
