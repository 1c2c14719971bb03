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
        public var maxAppendAttempts = 10
        /// Downloads in flight at once.
        public var maxConcurrency = 8
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

    /// Resolves `image` to its manifest descriptor (HEAD); a missing image is ``OCIError/Code/notFound``.
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
        guard let (digest, descriptors, _) = try await legacyDescriptors(tag) else { return nil }
        let payloads = try await concurrentMap(descriptors) { d in
            guard d.size <= self.options.maxAttachmentSize else {
                throw OCIError(
                    .registry,
                    "layer \(d.digest) of \(tag) is \(d.size) bytes, larger than the \(self.options.maxAttachmentSize)-byte limit (COSIGN_MAX_ATTACHMENT_SIZE)")
            }
            return try await self.client.blob(tag, digest: d.digest, maxBytes: self.options.maxAttachmentSize)
        }
        let layers = zip(descriptors, payloads).map { d, payload in
            LegacyLayer(payload: payload, mediaType: d.mediaType, annotations: d.annotations ?? [:])
        }
        return LegacyImage(reference: tag, manifestDigest: digest, layers: layers)
    }

    /// Appends `layer` to the legacy image at `tag` (read-modify-write). When `isDuplicate` accepts a layer already
    /// there (cosign's duplicate detector: same payload digest and media type, our annotations present, and the signer's
    /// key verifies its signature), nothing is written. After writing, the tag is read again after a short random
    /// pause; when a concurrent writer replaced the image without our layer, the append is redone (up to
    /// ``Options/maxAppendAttempts`` times). Blobs are uploaded before the manifest that names them.
    ///
    /// - Parameter replacing: layers for which this returns true are dropped (`attest --replace`).
    /// - Parameter created: the image config's creation time (`--record-creation-timestamp`); zero time when nil.
    /// - Returns: whether the layer was added (false when an equivalent one was already there).
    @discardableResult
    public func appendLegacy(
        _ layer: LegacyLayer, to tag: ImageReference, isDuplicate: (@Sendable (Descriptor) -> Bool)? = nil,
        replacing: (@Sendable (Descriptor) -> Bool)? = nil, created: Date? = nil
    ) async throws -> Bool {
        let ours = layer.descriptor
        var uploaded = false
        for attempt in 1...options.maxAppendAttempts {
            let current = try await legacyDescriptors(tag)
            let existing = current?.layers ?? []
            if attempt == 1, let isDuplicate, existing.contains(where: isDuplicate) { return false }
            if existing.contains(where: { Self.sameLayer($0, ours) }) {
                guard attempt > 1 else { return false }
                // Written by an earlier attempt and still there: confirm once more after a pause, as a concurrent
                // writer that read before our write may still replace it.
                try await pause(attempt: attempt)
                if try await legacyDescriptors(tag)?.layers.contains(where: { Self.sameLayer($0, ours) }) == true { return true }
                continue
            }
            if !uploaded {
                try await client.uploadBlob(layer.payload, mediaType: layer.mediaType, to: tag)
                uploaded = true
            }
            var layers = existing.filter { !(replacing?($0) ?? false) }
            layers.append(ours)
            // An existing image keeps its media types (as go-containerregistry's append does).
            try await putLegacy(
                layers, to: tag, docker: current.map { $0.mediaType == MediaType.dockerManifest } ?? options.dockerMediaTypes, created: created)
            try await pause(attempt: attempt)
            if try await legacyDescriptors(tag)?.layers.contains(where: { Self.sameLayer($0, ours) }) == true { return true }
        }
        throw OCIError(
            .registry,
            "could not add the signature to \(tag): concurrent writers kept replacing it (\(options.maxAppendAttempts) attempts)")
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

    private func pause(attempt: Int) async throws {
        let base = 40 * min(attempt, 5)
        try await Task.sleep(for: .milliseconds(Int.random(in: base...(base * 3))))
    }

    // MARK: - Bundle referrers

    /// A bundle stored as a referrer of an image.
    public struct StoredBundle: Sendable {
        /// The referrer manifest's descriptor.
        public var manifest: Descriptor
        /// The bundle layer's descriptor.
        public var layer: Descriptor
        /// The bundle's exact bytes.
        public var bytes: [UInt8]
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

    /// Adds `descriptor` to the referrers-tag index of `subjectDigest` (read-modify-write, re-checked like
    /// ``appendLegacy(_:to:replacing:)``).
    func appendToReferrersTag(_ descriptor: Descriptor, subjectDigest: String, repo: ImageReference) async throws {
        let tag = repo.withTag(SignatureLayout.tag(for: subjectDigest, kind: nil))
        for attempt in 1...options.maxAppendAttempts {
            let existing = try await referrersTagIndex(tag)?.manifests ?? []
            if existing.contains(where: { $0.digest == descriptor.digest }) {
                if attempt == 1 { return }
                try await pause(attempt: attempt)
                if try await referrersTagIndex(tag)?.manifests.contains(where: { $0.digest == descriptor.digest }) == true { return }
                continue
            }
            try await client.putManifest(SignatureLayout.referrersIndex(existing + [descriptor]), mediaType: MediaType.ociIndex, to: tag)
            try await pause(attempt: attempt)
            if try await referrersTagIndex(tag)?.manifests.contains(where: { $0.digest == descriptor.digest }) == true { return }
        }
        throw OCIError(
            .registry, "could not add the referrer to \(tag): concurrent writers kept replacing it (\(options.maxAppendAttempts) attempts)")
    }

    func referrersTagIndex(_ tag: ImageReference) async throws -> ImageIndex? {
        let fetched: RegistryClient.FetchedManifest
        do {
            fetched = try await client.manifest(tag, accept: [MediaType.ociIndex])
        } catch let e as OCIError where e.code == .notFound {
            return nil
        }
        guard let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(fetched.bytes)) else {
            throw OCIError(.malformedDocument, "referrers tag \(tag) is not an OCI index")
        }
        return index
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
        let repo = try signatureRepository(for: image)
        // A referrer whose descriptor names another artifact type is not fetched.
        let descriptors = try await referrers(of: digest, in: repo).filter {
            !MediaType.isIndex($0.mediaType) && ($0.artifactType.map { $0.hasPrefix("application/vnd.dev.sigstore.bundle") } ?? true)
        }
        let found: [StoredBundle?] = try await concurrentMap(descriptors) { d in
            let fetched = try await self.client.manifest(repo.withDigest(d.digest), accept: [MediaType.ociManifest])
            guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(fetched.bytes)), manifest.layers.count == 1,
                let layer = manifest.layers.first, layer.mediaType.hasPrefix("application/vnd.dev.sigstore.bundle"),
                layer.size <= self.options.maxAttachmentSize
            else { return nil }
            let bytes = try await self.client.blob(repo, digest: layer.digest, maxBytes: self.options.maxAttachmentSize)
            guard let bundle = try? SigstoreBundle(jsonData: bytes), bundle.minorVersion >= 3 else { return nil }
            return StoredBundle(manifest: d, layer: layer, bytes: bytes, bundle: bundle, annotations: manifest.annotations ?? [:])
        }
        return found.compactMap { $0 }
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
        try await withThrowingTaskGroup(of: (Int, R).self) { group in
            var results = [R?](repeating: nil, count: items.count)
            var next = 0
            for _ in 0..<min(options.maxConcurrency, items.count) {
                let i = next
                group.addTask { (i, try await body(items[i])) }
                next += 1
            }
            while let (i, r) = try await group.next() {
                results[i] = r
                if next < items.count {
                    let j = next
                    group.addTask { (j, try await body(items[j])) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
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
