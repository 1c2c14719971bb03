#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
public import OCIModels
internal import OCIRegistry
internal import SigstoreModels
import SigstoreCore

/// `cosign save` and `cosign load`: an image (or index) with its `.sig` and `.att` images and its Sigstore bundle
/// referrers, to and from an ``OCILayout`` directory.
public struct ImageArchive: Sendable {
    /// The registry side.
    public let store: SignatureStore

    /// An archive over `store`.
    public init(store: SignatureStore) { self.store = store }

    /// Saves `image` into `layout` as cosign does: every referrer with an artifact type (as blobs only), the image or
    /// index with all its manifests and blobs, then the `.sig` and `.att` images; `index.json` lists the image (or
    /// index), the signatures and the attestations, annotated with their ``OCILayout/Kind``. Blobs are streamed to disk.
    public func save(_ image: ImageReference, to layout: OCILayout) async throws {
        let top = try await store.resolve(image)
        try layout.prepare()
        let repo = try store.signatureRepository(for: image)
        for referrer in try await store.referrers(of: top.digest, in: repo) where !(referrer.artifactType ?? "").isEmpty {
            _ = try await saveManifest(referrer.digest, from: repo, to: layout)
        }
        let root = try await saveManifest(top.digest, from: image, to: layout)
        var entries = [try entry(root, kind: MediaType.isIndex(root.mediaType) ? .imageIndex : .image)]
        for (attachment, kind) in [(AttachmentKind.signature, OCILayout.Kind.signatures), (.attestation, .attestations)] {
            let tag = try store.legacyTag(for: image, digest: top.digest, kind: attachment)
            guard let descriptor = try await store.client.manifestDescriptor(tag) else { continue }
            entries.append(try entry(try await saveManifest(descriptor.digest, from: tag, to: layout), kind: kind))
        }
        try layout.writeIndex(entries)
    }

    /// The `index.json` entry for a saved manifest: images carry an artifact type (theirs, else their config's media
    /// type), as go-containerregistry's `partial.Descriptor` gives it.
    func entry(_ fetched: RegistryClient.FetchedManifest, kind: OCILayout.Kind) throws -> Descriptor {
        var artifactType: String?
        if !MediaType.isIndex(fetched.mediaType), let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(fetched.bytes)) {
            artifactType = manifest.artifactType ?? manifest.config.mediaType
        }
        return Descriptor(
            mediaType: fetched.mediaType, digest: fetched.digest, size: Int64(fetched.bytes.count),
            annotations: [OCILayout.kindAnnotation: kind.rawValue], artifactType: artifactType)
    }

    /// Saves a manifest, and first everything it names (index children, config and layers).
    func saveManifest(_ digest: String, from repo: ImageReference, to layout: OCILayout, depth: Int = 0, walk: ManifestWalk = ManifestWalk())
        async throws -> RegistryClient.FetchedManifest
    {
        guard depth < 8 else { throw OCIError(.malformedDocument, "indexes nested more than 8 deep under \(repo.name)") }
        let fetched = try await store.client.manifest(repo.withDigest(digest))
        if MediaType.isIndex(fetched.mediaType) {
            guard let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(fetched.bytes)) else {
                throw OCIError(.malformedDocument, "index \(digest) in \(repo.repositoryName) is not valid JSON")
            }
            for child in index.manifests where try walk.firstVisit(child.digest, under: repo.name) {
                _ = try await saveManifest(child.digest, from: repo, to: layout, depth: depth + 1, walk: walk)
            }
        } else {
            guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(fetched.bytes)) else {
                throw OCIError(.malformedDocument, "manifest \(digest) in \(repo.repositoryName) is not valid JSON")
            }
            for blob in [manifest.config] + manifest.layers where !layout.hasBlob(blob) {
                try await layout.writeBlob(blob) { sink in try await store.client.streamBlob(blob, from: repo, into: sink) }
            }
        }
        try layout.writeBlob(fetched.bytes)
        return fetched
    }

    /// Loads `layout` into `image` as cosign does: the index or image (pushed to `image`'s tag or digest), the
    /// `.sig` and `.att` images to their tags, then every saved bundle referrer of the image (a manifest whose subject
    /// is the image and that carries cosign's predicate-type annotation). Blobs go before the manifests that name them.
    /// Returns the image's digest.
    @discardableResult
    public func load(from layout: OCILayout, to image: ImageReference) async throws -> String {
        let entries = try layout.entries()
        func first(_ kind: OCILayout.Kind) -> Descriptor? { entries.first { $0.annotations?[OCILayout.kindAnnotation] == kind.rawValue } }
        guard let root = first(.imageIndex) ?? first(.image) else {
            throw OCIError(.notFound, "\(layout.path) holds no image: index.json has no \(OCILayout.Kind.image.rawValue) entry")
        }
        if let wanted = image.digest, wanted != root.digest {
            throw OCIError(.digestMismatch, "\(layout.path) holds \(root.digest), not \(wanted)")
        }
        try await pushManifest(root, from: layout, to: image, target: image)
        let digest = root.digest
        for (attachment, kind) in [(AttachmentKind.signature, OCILayout.Kind.signatures), (.attestation, .attestations)] {
            guard let entry = first(kind) else { continue }
            let tag = try store.legacyTag(for: image, digest: digest, kind: attachment)
            try await pushManifest(entry, from: layout, to: tag, target: tag)
        }
        let repo = try store.signatureRepository(for: image)
        for (_, bytes, manifest) in try layout.smallManifests() {
            guard manifest.subject?.digest == digest, !(manifest.annotations?[CosignAnnotation.bundlePredicateType] ?? "").isEmpty
            else { continue }
            for needed in [manifest.config] + manifest.layers { try await uploadBlob(needed, from: layout, to: repo) }
            try await store.putReferrer(bytes, subjectDigest: digest, artifactType: manifest.artifactType, in: repo)
        }
        return digest
    }

    /// Pushes the manifest `descriptor` names (children and blobs first) to `target` in `repo`.
    func pushManifest(
        _ descriptor: Descriptor, from layout: OCILayout, to repo: ImageReference, target: ImageReference, depth: Int = 0,
        walk: ManifestWalk = ManifestWalk()
    ) async throws {
        guard depth < 8 else { throw OCIError(.malformedDocument, "indexes nested more than 8 deep in \(layout.path)") }
        let bytes = try layout.readBlob(descriptor.digest, maxBytes: 16 << 20)
        if MediaType.isIndex(descriptor.mediaType) {
            guard let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(bytes)) else {
                throw OCIError(.malformedDocument, "index \(descriptor.digest) in \(layout.path) is not valid JSON")
            }
            for child in index.manifests where try walk.firstVisit(child.digest, under: layout.path) {
                try await pushManifest(child, from: layout, to: repo, target: repo.withDigest(child.digest), depth: depth + 1, walk: walk)
            }
        } else {
            guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(bytes)) else {
                throw OCIError(.malformedDocument, "manifest \(descriptor.digest) in \(layout.path) is not valid JSON")
            }
            for blob in [manifest.config] + manifest.layers { try await uploadBlob(blob, from: layout, to: repo) }
        }
        _ = try await store.client.putManifest(bytes, mediaType: descriptor.mediaType, to: target)
    }

    /// Uploads a saved blob: in one request when small, else streamed from the file.
    func uploadBlob(_ blob: Descriptor, from layout: OCILayout, to repo: ImageReference) async throws {
        guard layout.hasBlob(blob) else {
            throw OCIError(.notFound, "\(layout.path) lacks blob \(blob.digest) (\(blob.size) bytes)")
        }
        if blob.size <= 1 << 20 {
            try await store.client.uploadBlob(try layout.readBlob(blob.digest, maxBytes: 1 << 20), mediaType: blob.mediaType, to: repo)
            return
        }
        try await store.client.uploadBlob(digest: blob.digest, size: blob.size, mediaType: blob.mediaType, to: repo) {
            let reader = try layout.blobReader(blob)
            return { try reader.next() }
        }
    }
}

extension OCILayout {
    /// What `verify --local-image` checks in a saved layout: bundles must name the `image` entry's digest (a saved
    /// index has none); legacy signatures and attestations name the index entry's digest, else the image's.
    public func verificationDigests() throws -> (bundles: String?, legacy: String) {
        let image = try entry(.image)
        guard let legacy = try entry(.imageIndex)?.digest ?? image?.digest else {
            throw OCIError(.notFound, "must verify either an image index or image: \(path) holds neither")
        }
        return (image?.digest, legacy)
    }

    /// The Sigstore bundles (v0.3 or later) saved as referrers of `subject`: manifests whose subject is `subject`,
    /// each layer whose media type is a Sigstore bundle's. Unreadable ones are skipped, as cosign skips them.
    public func bundles(subject: String) throws -> [SignatureStore.StoredBundle] {
        var found: [SignatureStore.StoredBundle] = []
        for (digest, bytes, manifest) in try smallManifests() where manifest.subject?.digest == subject {
            for layer in manifest.layers where layer.mediaType.hasPrefix("application/vnd.dev.sigstore.bundle") {
                guard let blob = try? readBlob(layer.digest), let bundle = try? SigstoreBundle(jsonData: blob), bundle.minorVersion >= 3 else {
                    continue
                }
                found.append(
                    SignatureStore.StoredBundle(
                        manifest: Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count)), layer: layer,
                        bundle: bundle, annotations: manifest.annotations ?? [:]))
            }
        }
        return found
    }

    /// The layers of the saved `.sig` or `.att` image, or nil when none was saved.
    public func legacyLayers(_ kind: Kind) throws -> [LegacyLayer]? {
        guard let entry = try entry(kind) else { return nil }
        guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(try readBlob(entry.digest, maxBytes: 16 << 20))) else {
            throw OCIError(.malformedDocument, "\(entry.digest) in \(path) is not an image manifest")
        }
        return try manifest.layers.map { d in
            LegacyLayer(payload: try readBlob(d.digest), mediaType: d.mediaType, annotations: d.annotations ?? [:])
        }
    }
}
