#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import OCIModels
public import OCIRegistry
public import SigstoreModels
import SigstoreCore
import Synchronization

/// Where and how cosign's signatures of images are stored in a registry, and the read-modify-write appends that keep
/// concurrent writers from losing each other's signatures.
public struct SignatureStore: Sendable {
    /// Storage options (`COSIGN_REPOSITORY`, `--attachment-tag-prefix`, `COSIGN_DOCKER_MEDIA_TYPES`…).
    public struct Options: Sendable {
        /// Store and look up signatures in this repository (`registry/repository`) instead of the image's.
        public var repositoryOverride: String?
        /// Prefix of legacy tags.
        public var tagPrefix = ""
        /// Docker schema 2 media types for legacy signature images.
        public var dockerMediaTypes = false
        /// Largest attachment (layer or bundle) downloaded, in bytes (`COSIGN_MAX_ATTACHMENT_SIZE`, default 128 MiB).
        public var maxAttachmentSize = 128 << 20
        /// Most layers read from a legacy tag image.
        public var maxLayers = 1000
        /// Most referrers of one image considered: past it, discovery stops with an error rather than fetch them all.
        public var maxReferrers = 1000
        /// Write attempts when a concurrent writer dropped our entry.
        public var maxAppendAttempts = 20
        /// The least time an append watches its tag, unchanged and holding its entry, before it counts as kept (it also
        /// grows to four times the append's own read-to-write time): a writer that read the tag before our write has
        /// written by then, and a write that dropped our entry is seen and redone.
        public var appendQuietPeriod: Duration = .milliseconds(200)
        /// The longest an append keeps watching a tag that other writers keep changing, once its entry is there.
        public var appendWatchLimit: Duration = .seconds(30)
        /// Downloads in flight at once.
        public var maxConcurrency = 8
        /// Declared bytes of attachments downloaded at once while verifying; a larger attachment is downloaded alone,
        /// so memory holds about one large attachment however many there are.
        public var inFlightBytes: Int64 = 32 << 20
        /// Creates default options.
        public init() {}
    }

    /// The registry client; commands go through the store's operations, never around them.
    let client: RegistryClient
    /// The options.
    public let options: Options

    /// Creates a store.
    public init(client: RegistryClient, options: Options = .init()) {
        self.client = client
        self.options = options
    }

    /// Shuts the client down in the background (commands end right after).
    public func close() {
        let client = self.client
        Task { try? await client.shutdown() }
    }

    // MARK: - Locations

    /// The repository that holds signatures of images in `image`'s repository.
    public func signatureRepository(for image: ImageReference) throws -> ImageReference {
        guard let override = options.repositoryOverride else { return image }
        return try image.inRepository(override)
    }

    /// The legacy tag reference for `digest` of `image`.
    public func legacyTag(for image: ImageReference, digest: String, kind: AttachmentKind) throws -> ImageReference {
        try signatureRepository(for: image).withTag(SignatureLayout.tag(for: digest, kind: kind, prefix: options.tagPrefix))
    }

    /// Resolves `image` to its manifest descriptor (HEAD); a missing image is an `OCIError` with code `.notFound`.
    public func resolve(_ image: ImageReference) async throws -> Descriptor {
        guard let descriptor = try await client.manifestDescriptor(image) else {
            throw OCIError(.notFound, "image \(image) not found")
        }
        return descriptor
    }

    // MARK: - Legacy tag images

    /// A legacy signature image: its manifest digest and layers (payloads downloaded and digest-checked).
    public struct LegacyImage: Sendable {
        /// The tag reference it was read from.
        public var reference: ImageReference
        /// Digest of its manifest.
        public var manifestDigest: String
        /// Its layers.
        public var layers: [LegacyLayer]
    }

    /// The layer descriptors of the legacy image at `tag`, or nil when the tag does not exist.
    func legacyDescriptors(_ tag: ImageReference) async throws -> (digest: String, layers: [Descriptor], mediaType: String)? {
        let fetched: RegistryClient.FetchedManifest
        do {
            fetched = try await client.manifest(tag, accept: [MediaType.ociManifest, MediaType.dockerManifest])
        } catch let e as OCIError where e.code == .notFound {
            return nil
        }
        guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(fetched.bytes)) else {
            throw OCIError(.malformedDocument, "\(tag) is not an image manifest")
        }
        guard manifest.layers.count <= options.maxLayers else {
            throw OCIError(.malformedDocument, "\(tag) has \(manifest.layers.count) layers, more than the limit of \(options.maxLayers)")
        }
        return (fetched.digest, manifest.layers, fetched.mediaType)
    }

    /// The layer descriptors of the legacy image at `tag` (payloads not downloaded), or nil when the tag does not exist.
    public func legacyLayerDescriptors(_ tag: ImageReference) async throws -> [Descriptor]? {
        try await legacyDescriptors(tag)?.layers
    }

    /// Reads the legacy image at `tag` with every layer's payload, or nil when the tag does not exist.
    public func legacyImage(_ tag: ImageReference) async throws -> LegacyImage? {
        guard let (digest, list) = try await legacyLayerList(tag) else { return nil }
        return LegacyImage(reference: tag, manifestDigest: digest, layers: try await list.map { $0 })
    }

    /// The layers of the legacy image at `tag`, each downloaded only when used (nil when the tag does not exist), and
    /// the image's manifest digest.
    public func legacyLayerList(_ tag: ImageReference) async throws -> (manifestDigest: String, layers: AttachmentList<LegacyLayer>)? {
        guard let (digest, descriptors, _) = try await legacyDescriptors(tag) else { return nil }
        let limit = options.maxAttachmentSize
        let list = AttachmentList(sizes: descriptors.map(\.size), options: options) { i in
            let d = descriptors[i]
            guard d.size <= limit else {
                throw OCIError(
                    .registry, "layer \(d.digest) of \(tag) is \(d.size) bytes, larger than the \(limit)-byte limit (COSIGN_MAX_ATTACHMENT_SIZE)")
            }
            let payload = try await self.client.blob(tag, digest: d.digest, maxBytes: limit)
            return LegacyLayer(payload: payload, mediaType: d.mediaType, annotations: d.annotations ?? [:])
        }
        return (digest, list)
    }

    /// Appends `layer` to the legacy image at `tag` (read-modify-write). When `isDuplicate` accepts a layer already
    /// there (cosign's duplicate detector: same payload digest and media type, our annotations present, and the signer's
    /// key verifies its signature), nothing is written. After writing, the tag is watched until it is seen to keep our
    /// layer; when a concurrent writer replaced the image without it, the append is redone (up to
    /// ``Options/maxAppendAttempts`` writes). Blobs are uploaded before the manifest that names them.
    ///
    /// - Parameter layer: the signature layer to add.
    /// - Parameter tag: the legacy signature image's tag (`sha256-<hex>.sig`).
    /// - Parameter isDuplicate: accepts a layer already there as equivalent to `layer`; nil treats none as a duplicate.
    /// - Parameter replacing: layers for which this returns true are dropped (`attest --replace`).
    /// - Parameter created: the image config's creation time (`--record-creation-timestamp`); zero time when nil.
    /// - Returns: whether the layer was added (false when an equivalent one was already there).
    @discardableResult
    public func appendLegacy(
        _ layer: LegacyLayer, to tag: ImageReference, isDuplicate: (@Sendable (Descriptor) -> Bool)? = nil,
        replacing: (@Sendable (Descriptor) -> Bool)? = nil, created: Date? = nil
    ) async throws -> Bool {
        let ours = layer.descriptor
        let uploaded = Mutex(false)
        return try await confirmedAppend(
            ours, to: tag, what: "the signature",
            read: {
                try await self.legacyDescriptors(tag).map { AppendTarget(digest: $0.digest, entries: $0.layers, mediaType: $0.mediaType) }
            },
            alreadyThere: { existing in existing.contains { Self.sameLayer($0, ours) } || (isDuplicate.map { existing.contains(where: $0) } ?? false) },
            keep: { !(replacing?($0) ?? false) },
            write: { current, layers in
                if !uploaded.withLock({ $0 }) {
                    try await self.client.uploadBlob(layer.payload, mediaType: layer.mediaType, to: tag)
                    uploaded.withLock { $0 = true }
                }
                // An existing image keeps its media types (as go-containerregistry's append does).
                try await self.putLegacy(
                    layers, to: tag, docker: current.map { $0.mediaType == MediaType.dockerManifest } ?? self.options.dockerMediaTypes,
                    created: created)
            })
    }

    /// What an append reads from its tag: the manifest's digest, its entries (layers or index entries) and media type.
    struct AppendTarget: Sendable {
        var digest: String
        var entries: [Descriptor]
        var mediaType: String
    }

    /// The read-modify-write both storage schemes use, which registries cannot make atomic. After writing, the append
    /// watches the tag until it has stayed unchanged, with our entry, for a quiet period longer than any writer's
    /// read-to-write time (``Options/appendQuietPeriod``, at least four times ours): a concurrent writer that read the
    /// tag before our write has written by then, and if it dropped our entry, the entry is written again. Every write
    /// also puts back entries this append saw earlier that a concurrent writer dropped, so signers repair each other.
    ///
    /// - Parameter alreadyThere: on the first read, whether an equivalent entry is there already (nothing is written).
    /// - Parameter keep: entries for which this returns false are dropped (`attest --replace`).
    /// - Returns: whether the entry was added.
    func confirmedAppend(
        _ ours: Descriptor, to tag: ImageReference, what: String,
        read: @Sendable () async throws -> AppendTarget?,
        alreadyThere: ([Descriptor]) -> Bool,
        keep: (Descriptor) -> Bool,
        write: @Sendable (AppendTarget?, [Descriptor]) async throws -> Void
    ) async throws -> Bool {
        let clock = ContinuousClock()
        var seen: [Descriptor] = []
        var writes = 0
        var quiet = options.appendQuietPeriod
        var unchangedSince: (digest: String, at: ContinuousClock.Instant)?
        var watchingSince: ContinuousClock.Instant?
        var backedOff = false
        while true {
            let readAt = clock.now
            let current = try await read()
            let entries = current?.entries ?? []
            if writes == 0, alreadyThere(entries) { return false }
            for e in entries where !Self.sameLayer(e, ours) && !seen.contains(where: { Self.sameLayer($0, e) }) { seen.append(e) }
            if let current, entries.contains(where: { Self.sameLayer($0, ours) }) {
                if let since = unchangedSince, since.digest == current.digest {
                    if clock.now - since.at >= quiet { return true }
                } else {
                    unchangedSince = (current.digest, readAt)
                }
                let watching = watchingSince ?? readAt
                watchingSince = watching
                if clock.now - watching >= options.appendWatchLimit { return true }
                try await Task.sleep(for: quiet / 2 + .milliseconds(Int.random(in: 0...20)))
                continue
            }
            if writes > 0 && !backedOff {
                // Our write was lost to a concurrent one: back off (longer each time, randomly, to spread the writers
                // that collided), then read afresh, so the next write merges what they wrote meanwhile.
                backedOff = true
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...min(2000, 25 << min(writes, 7)))))
                continue
            }
            backedOff = false
            guard writes < options.maxAppendAttempts else {
                throw OCIError(
                    .registry, "could not add \(what) to \(tag): concurrent writers kept replacing it (\(options.maxAppendAttempts) attempts)")
            }
            let restored = seen.filter { e in keep(e) && !entries.contains(where: { Self.sameLayer($0, e) }) }
            try await write(current, entries.filter(keep) + restored + [ours])
            writes += 1
            quiet = max(quiet, (clock.now - readAt) * 4)
            unchangedSince = nil
            watchingSince = nil
        }
    }

    /// Replaces whatever `tag` names with a one-layer image holding `payload` (cosign's `static.NewFile`, as
    /// `attach sbom` writes it: OCI media types, no annotations): the layer and config blobs first, then the manifest.
    public func writeFile(_ payload: [UInt8], mediaType: String, to tag: ImageReference) async throws {
        try await client.uploadBlob(payload, mediaType: mediaType, to: tag)
        let layer = Descriptor(mediaType: mediaType, digest: SignatureLayout.sha256(payload), size: Int64(payload.count))
        try await putLegacy([layer], to: tag, docker: false)
    }

    /// Writes a legacy image of `layers` (their blobs must exist in the repository) to `tag`: config blob first, then
    /// the manifest.
    func putLegacy(_ layers: [Descriptor], to tag: ImageReference, docker: Bool, created: Date? = nil) async throws {
        let config = SignatureLayout.legacyConfig(diffIDs: layers.map(\.digest), created: created)
        let configType = docker ? MediaType.dockerConfig : MediaType.ociConfig
        try await client.uploadBlob(config, mediaType: configType, to: tag)
        let manifest = SignatureLayout.legacyManifest(layers: layers, config: config, dockerMediaTypes: docker)
        try await client.putManifest(manifest, mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest, to: tag)
    }

    static func sameLayer(_ a: Descriptor, _ b: Descriptor) -> Bool {
        a.digest == b.digest && a.mediaType == b.mediaType && (a.annotations ?? [:]) == (b.annotations ?? [:])
    }

    // MARK: - Legacy signatures as referrers (oci-1-1)

    /// Stores a legacy signature as Go cosign does with `--registry-referrers-mode=oci-1-1`: the layers of the
    /// `.sig` image (if any) and `layer` (unless `isDuplicate` accepts one already there) become one signature image,
    /// pushed by digest as a referrer of `subject` (blobs and config first; listed in the referrers-tag index where the
    /// registry has no referrers API). The `.sig` tag itself is not written. Returns the referrer's descriptor.
    @discardableResult
    public func writeLegacyReferrer(
        _ layer: LegacyLayer, subject: Descriptor, of image: ImageReference, isDuplicate: (@Sendable (Descriptor) -> Bool)? = nil,
        created: Date? = nil
    ) async throws -> Descriptor {
        let repo = image
        let tag = try legacyTag(for: image, digest: subject.digest, kind: .signature)
        var layers = try await legacyDescriptors(tag)?.layers ?? []
        if !layers.contains(where: { Self.sameLayer($0, layer.descriptor) }) && !(isDuplicate.map { layers.contains(where: $0) } ?? false) {
            try await client.uploadBlob(layer.payload, mediaType: layer.mediaType, to: repo)
            layers.append(layer.descriptor)
        }
        if tag.repositoryName != repo.repositoryName {
            // The `.sig` image lives in COSIGN_REPOSITORY; its blobs are needed beside the referrer.
            for existing in layers where existing.digest != layer.descriptor.digest {
                try await client.uploadBlob(try await client.blob(tag, digest: existing.digest, maxBytes: options.maxAttachmentSize), mediaType: existing.mediaType, to: repo)
            }
        }
        let config = SignatureLayout.legacyConfig(diffIDs: layers.map(\.digest), created: created)
        let manifest = SignatureLayout.legacyReferrerManifest(layers: layers, config: config, subject: subject)
        return try await putImageReferrer(manifest, config: config, artifactType: CosignMediaType.signatureArtifact, subject: subject, in: repo)
    }

    /// Uploads `config` (its media type is `artifactType`, as go-containerregistry's image writer does), then
    /// `manifest` as a referrer of `subject`; returns the manifest's descriptor.
    private func putImageReferrer(
        _ manifest: [UInt8], config: [UInt8], artifactType: String, subject: Descriptor, in repo: ImageReference
    ) async throws -> Descriptor {
        try await client.uploadBlob(config, mediaType: artifactType, to: repo)
        try await putReferrer(manifest, subjectDigest: subject.digest, artifactType: artifactType, in: repo)
        return Descriptor(
            mediaType: MediaType.ociManifest, digest: SignatureLayout.sha256(manifest), size: Int64(manifest.count), artifactType: artifactType)
    }

    /// Stores an SBOM as a referrer of `subject` (Go cosign's `attach sbom` with `--registry-referrers-mode=oci-1-1`):
    /// the SBOM blob and the image config first, then the manifest by digest. Returns the referrer's descriptor.
    @discardableResult
    public func writeSBOMReferrer(_ sbom: [UInt8], mediaType: String, subject: Descriptor, of image: ImageReference) async throws -> Descriptor {
        try await client.uploadBlob(sbom, mediaType: mediaType, to: image)
        let layer = Descriptor(mediaType: mediaType, digest: SignatureLayout.sha256(sbom), size: Int64(sbom.count))
        let config = SignatureLayout.legacyConfig(diffIDs: [layer.digest])
        let manifest = SignatureLayout.sbomReferrerManifest(sbom: layer, config: config, subject: subject)
        return try await putImageReferrer(manifest, config: config, artifactType: CosignMediaType.sbomArtifact, subject: subject, in: image)
    }

    /// The signature layers of every legacy signature image stored as a referrer of `digest` (artifact type
    /// ``CosignMediaType/signatureArtifact``), each downloaded only when used; the same layer in several referrers
    /// counts once. Go cosign reads only the last such referrer (`--experimental-oci11`); every one is a candidate here,
    /// and each must verify on its own.
    public func legacyReferrerLayers(of digest: String, image: ImageReference) async throws -> AttachmentList<LegacyLayer> {
        let repo = image
        var descriptors: [Descriptor] = []
        for referrer in try await referrers(of: digest, in: repo) where referrer.artifactType == CosignMediaType.signatureArtifact {
            let fetched = try await client.manifest(repo.withDigest(referrer.digest), accept: [MediaType.ociManifest])
            guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(fetched.bytes)) else {
                throw OCIError(.malformedDocument, "referrer \(referrer.digest) of \(digest) is not an image manifest")
            }
            guard manifest.layers.count <= options.maxLayers else {
                throw OCIError(.malformedDocument, "referrer \(referrer.digest) has \(manifest.layers.count) layers, more than the limit of \(options.maxLayers)")
            }
            for layer in manifest.layers where !descriptors.contains(where: { Self.sameLayer($0, layer) }) { descriptors.append(layer) }
        }
        let limit = options.maxAttachmentSize
        let found = descriptors
        return AttachmentList(sizes: found.map(\.size), options: options) { i in
            let d = found[i]
            guard d.size <= limit else {
                throw OCIError(.registry, "layer \(d.digest) is \(d.size) bytes, larger than the \(limit)-byte limit (COSIGN_MAX_ATTACHMENT_SIZE)")
            }
            return LegacyLayer(payload: try await self.client.blob(repo, digest: d.digest, maxBytes: limit), mediaType: d.mediaType, annotations: d.annotations ?? [:])
        }
    }

    // MARK: - Bundle referrers

    /// A bundle stored as a referrer of an image.
    public struct StoredBundle: Sendable {
        /// The referrer manifest's descriptor.
        public var manifest: Descriptor
        /// The bundle layer's descriptor.
        public var layer: Descriptor
        /// The parsed bundle.
        public var bundle: SigstoreBundle
        /// The referrer manifest's annotations.
        public var annotations: [String: String]
    }

    /// Pushes `bundle` as a referrer of `subject` (a manifest of `image`) as cosign v3 does: the bundle blob and the
    /// empty config, then the referrer manifest by digest; where the registry has no referrers API, the referrer is
    /// also appended to the `sha256-<hex>` referrers-tag index. Returns the referrer manifest's descriptor.
    @discardableResult
    public func writeBundleReferrer(
        _ bundle: [UInt8], subject: Descriptor, of image: ImageReference, predicateType: String, created: Date
    ) async throws -> Descriptor {
        let repo = try signatureRepository(for: image)
        try await client.uploadBlob(bundle, mediaType: CosignMediaType.bundleV03, to: repo)
        try await client.uploadBlob(SignatureLayout.emptyConfig, mediaType: MediaType.ociConfig, to: repo)
        let manifest = SignatureLayout.bundleReferrerManifest(bundle: bundle, subject: subject, predicateType: predicateType, created: created)
        let digest = SignatureLayout.sha256(manifest)
        try await client.putManifest(manifest, mediaType: MediaType.ociManifest, to: repo.withDigest(digest))
        let descriptor = Descriptor(
            mediaType: MediaType.ociManifest, digest: digest, size: Int64(manifest.count), artifactType: CosignMediaType.bundleV03)
        if try await client.referrers(repo, digest: subject.digest) == nil {
            try await appendToReferrersTag(descriptor, subjectDigest: subject.digest, repo: repo)
        }
        return descriptor
    }

    /// Adds `descriptor` to the referrers-tag index of `subjectDigest` (read-modify-write, confirmed like
    /// ``appendLegacy(_:to:isDuplicate:replacing:created:)``).
    func appendToReferrersTag(_ descriptor: Descriptor, subjectDigest: String, repo: ImageReference) async throws {
        let tag = repo.withTag(SignatureLayout.tag(for: subjectDigest, kind: nil))
        _ = try await confirmedAppend(
            descriptor, to: tag, what: "the referrer",
            read: { try await self.referrersTag(tag).map { AppendTarget(digest: $0.digest, entries: $0.index.manifests, mediaType: MediaType.ociIndex) } },
            alreadyThere: { $0.contains { $0.digest == descriptor.digest } },
            keep: { _ in true },
            write: { _, entries in
                try await self.client.putManifest(SignatureLayout.referrersIndex(entries), mediaType: MediaType.ociIndex, to: tag)
            })
    }

    func referrersTagIndex(_ tag: ImageReference) async throws -> ImageIndex? {
        try await referrersTag(tag)?.index
    }

    func referrersTag(_ tag: ImageReference) async throws -> (digest: String, index: ImageIndex)? {
        let fetched: RegistryClient.FetchedManifest
        do {
            fetched = try await client.manifest(tag, accept: [MediaType.ociIndex])
        } catch let e as OCIError where e.code == .notFound {
            return nil
        }
        guard let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(fetched.bytes)) else {
            throw OCIError(.malformedDocument, "referrers tag \(tag) is not an OCI index")
        }
        return (fetched.digest, index)
    }

    /// The referrers of `digest` in `repo`: from the referrers API, else from the referrers tag.
    /// More than ``Options/maxReferrers`` is an error: nobody attaches that many, and fetching them would take hours.
    public func referrers(of digest: String, in repo: ImageReference) async throws -> [Descriptor] {
        let found: [Descriptor]
        if let index = try await client.referrers(repo, digest: digest) {
            found = index.manifests
        } else {
            found = try await referrersTagIndex(repo.withTag(SignatureLayout.tag(for: digest, kind: nil)))?.manifests ?? []
        }
        guard found.count <= options.maxReferrers else {
            throw OCIError(
                .malformedDocument,
                "\(repo.repositoryName)@\(digest) has \(found.count) referrers, more than the \(options.maxReferrers) cosign considers")
        }
        return found
    }

    /// Every Sigstore bundle stored as a referrer of `digest` (cosign's discovery: no artifact-type filter; a referrer
    /// counts when it has exactly one layer whose media type starts with `application/vnd.dev.sigstore.bundle` and
    /// that layer parses as a bundle of version 0.3 or later). Other referrers are skipped.
    public func bundles(of digest: String, image: ImageReference) async throws -> [StoredBundle] {
        try await bundleList(of: digest, image: image).map { $0 }
    }

    /// The bundle referrers of `digest` (as ``bundles(of:image:)`` finds them), each bundle downloaded only when used:
    /// the referrer manifests are read first, so the bundles' sizes are known before any is downloaded.
    public func bundleList(of digest: String, image: ImageReference) async throws -> AttachmentList<StoredBundle> {
        let repo = try signatureRepository(for: image)
        // A referrer whose descriptor names another artifact type is not fetched.
        let descriptors = try await referrers(of: digest, in: repo).filter {
            !MediaType.isIndex($0.mediaType) && ($0.artifactType.map { $0.hasPrefix("application/vnd.dev.sigstore.bundle") } ?? true)
        }
        let limit = options.maxAttachmentSize
        let candidates: [(Descriptor, Descriptor, [String: String])?] = try await concurrentMap(descriptors) { d in
            let fetched = try await self.client.manifest(repo.withDigest(d.digest), accept: [MediaType.ociManifest])
            guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(fetched.bytes)), manifest.layers.count == 1,
                let layer = manifest.layers.first, layer.mediaType.hasPrefix("application/vnd.dev.sigstore.bundle"), layer.size <= limit
            else { return nil }
            return (d, layer, manifest.annotations ?? [:])
        }
        let found = candidates.compactMap { $0 }
        return AttachmentList(sizes: found.map(\.1.size), options: options) { i in
            let (d, layer, annotations) = found[i]
            // The downloaded bytes are released once parsed: what verifies is the parsed bundle.
            var parsed: SigstoreBundle?
            do {
                let bytes = try await self.client.blob(repo, digest: layer.digest, maxBytes: limit)
                parsed = try? SigstoreBundle(jsonData: bytes)
            }
            guard let bundle = parsed, bundle.minorVersion >= 3 else { return nil }
            return StoredBundle(manifest: d, layer: layer, bundle: bundle, annotations: annotations)
        }
    }

    // MARK: - Deleting and copying

    /// Deletes the manifest `ref` names (a tag is resolved to its digest first, as the distribution API deletes by
    /// digest). Returns false when there was nothing to delete.
    @discardableResult
    public func deleteIfPresent(_ ref: ImageReference) async throws -> Bool {
        guard let descriptor = try await client.manifestDescriptor(ref) else { return false }
        do {
            try await client.deleteManifest(ref.withDigest(descriptor.digest))
        } catch let e as OCIError where e.code == .notFound {
            return false
        }
        return true
    }

    /// Copies the manifest `digest` (and, for an index, every manifest below it) with its blobs from `source` to
    /// `destination`'s repository: blobs first, then the manifest by digest. Returns the copied manifest's descriptor.
    @discardableResult
    public func copyManifest(_ digest: String, from source: ImageReference, to destination: ImageReference) async throws -> Descriptor {
        try await copyManifest(digest, from: source, to: destination, depth: 0, walk: ManifestWalk())
    }

    @discardableResult
    func copyManifest(_ digest: String, from source: ImageReference, to destination: ImageReference, depth: Int, walk: ManifestWalk) async throws
        -> Descriptor
    {
        let fetched = try await client.manifest(source.withDigest(digest))
        if MediaType.isIndex(fetched.mediaType) {
            guard depth < 8, let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(fetched.bytes)) else {
                throw OCIError(.malformedDocument, "\(source.repositoryName)@\(digest) is not a valid image index")
            }
            for child in index.manifests where try walk.firstVisit(child.digest, under: source.name) {
                try await copyManifest(child.digest, from: source, to: destination, depth: depth + 1, walk: walk)
            }
        } else {
            guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(fetched.bytes)) else {
                throw OCIError(.malformedDocument, "\(source.repositoryName)@\(digest) is not a valid image manifest")
            }
            let blobs = [manifest.config] + manifest.layers
            _ = try await concurrentMap(blobs) { blob in
                try await self.client.copyBlob(blob, from: source, to: destination)
                return true
            }
        }
        try await client.putManifest(fetched.bytes, mediaType: fetched.mediaType, to: destination.withDigest(digest))
        return Descriptor(mediaType: fetched.mediaType, digest: digest, size: Int64(fetched.bytes.count))
    }

    /// Copies a referrer manifest of `subject` (with its blobs) from `source` to `destination`, and lists it in the
    /// destination's referrers-tag index when that registry has no referrers API.
    /// Pushes a referrer manifest (its blobs must be in `repo`) by digest, and adds it to the referrers-tag index of
    /// `subjectDigest` where the registry has no referrers API.
    public func putReferrer(_ manifest: [UInt8], subjectDigest: String, artifactType: String?, in repo: ImageReference) async throws {
        let digest = SignatureLayout.sha256(manifest)
        try await client.putManifest(manifest, mediaType: MediaType.ociManifest, to: repo.withDigest(digest))
        if try await client.referrers(repo, digest: subjectDigest) == nil {
            let entry = Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(manifest.count), artifactType: artifactType)
            try await appendToReferrersTag(entry, subjectDigest: subjectDigest, repo: repo)
        }
    }

    public func copyReferrer(_ referrer: Descriptor, subject: String, from source: ImageReference, to destination: ImageReference) async throws {
        let copied = try await copyManifest(referrer.digest, from: source, to: destination)
        if try await client.referrers(destination, digest: subject) == nil {
            var entry = copied
            entry.artifactType = referrer.artifactType
            try await appendToReferrersTag(entry, subjectDigest: subject, repo: destination)
        }
    }

    // MARK: - Helpers

    /// Maps with at most ``Options/maxConcurrency`` operations in flight; results in input order.
    func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R] {
        try await AttachmentList(sizes: items.map { _ in 0 }, options: options) { items[$0] }.map(body)
    }
}

/// One walk of an index tree (`save`, `copy`, `load`): each manifest is visited once however often indexes repeat it,
/// and the walk stops with an error past ``limit`` distinct manifests.
final class ManifestWalk: Sendable {
    /// The most distinct manifests a walk visits (a multi-platform image has tens).
    static let limit = 10_000
    private let seen = Mutex<Set<String>>([])

    /// Whether `digest` is new to this walk (so the caller visits it); throws past the limit.
    func firstVisit(_ digest: String, under name: String) throws -> Bool {
        try seen.withLock { seen in
            guard seen.insert(digest).inserted else { return false }
            guard seen.count <= Self.limit else {
                throw OCIError(.malformedDocument, "the index tree of \(name) names more than \(Self.limit) manifests")
            }
            return true
        }
    }
}

/// Attachments of an image (legacy layers, bundles) downloaded only while they are used: at most
/// ``SignatureStore/Options/maxConcurrency`` at once and at most ``SignatureStore/Options/inFlightBytes`` of their
/// declared sizes (a larger one alone), each released once `map`'s body is done with it. A verifier keeps what
/// verified and drops the rest, so memory holds about one large attachment however many an attacker attaches.
public struct AttachmentList<Item: Sendable>: Sendable {
    let sizes: [Int64]
    let maxConcurrency: Int
    let inFlightBytes: Int64
    let load: @Sendable (Int) async throws -> Item?

    init(sizes: [Int64], options: SignatureStore.Options, load: @escaping @Sendable (Int) async throws -> Item?) {
        self.sizes = sizes
        self.maxConcurrency = max(1, options.maxConcurrency)
        self.inFlightBytes = options.inFlightBytes
        self.load = load
    }

    /// A list of attachments already in memory.
    public init(loaded items: [Item]) {
        sizes = items.map { _ in 0 }
        maxConcurrency = 1
        inFlightBytes = 0
        load = { items[$0] }
    }

    /// How many attachments there are (some may turn out unusable when loaded).
    public var count: Int { sizes.count }

    /// This list followed by `other` (the stricter of the two download limits applies).
    public func appending(_ other: AttachmentList<Item>) -> AttachmentList<Item> {
        let (first, firstLoad, secondLoad) = (sizes.count, load, other.load)
        return AttachmentList(
            sizes: sizes + other.sizes, maxConcurrency: min(maxConcurrency, other.maxConcurrency),
            inFlightBytes: min(inFlightBytes, other.inFlightBytes),
            load: { i in i < first ? try await firstLoad(i) : try await secondLoad(i - first) })
    }

    private init(sizes: [Int64], maxConcurrency: Int, inFlightBytes: Int64, load: @escaping @Sendable (Int) async throws -> Item?) {
        self.sizes = sizes
        self.maxConcurrency = maxConcurrency
        self.inFlightBytes = inFlightBytes
        self.load = load
    }

    /// Loads each attachment and hands it to `body`; returns the results for those that loaded, in order. An error
    /// loading one (other than its being unusable) ends the whole map.
    public func map<R: Sendable>(_ body: @escaping @Sendable (Item) async throws -> R) async throws -> [R] {
        try await withThrowingTaskGroup(of: (Int, R?).self) { group in
            var results = [R?](repeating: nil, count: sizes.count)
            var next = 0
            var running = 0
            var inFlight: Int64 = 0
            while next < sizes.count || running > 0 {
                while next < sizes.count, running == 0 || (running < maxConcurrency && inFlight + sizes[next] <= inFlightBytes) {
                    let i = next
                    group.addTask {
                        guard let item = try await load(i) else { return (i, nil) }
                        return (i, try await body(item))
                    }
                    running += 1
                    inFlight += sizes[i]
                    next += 1
                }
                guard let (i, r) = try await group.next() else { break }
                results[i] = r
                running -= 1
                inFlight -= sizes[i]
            }
            return results.compactMap { $0 }
        }
    }
}

extension Result where Failure == any Error {
    /// The outcome of an asynchronous throwing `body`.
    init(asyncCatching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
