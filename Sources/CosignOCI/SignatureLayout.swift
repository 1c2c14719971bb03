#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
public import OCIModels
import SigstoreModels
internal import SigstoreCrypto
public import SigstoreJSON

/// Media types, annotation keys and document shapes of cosign's two ways of storing signatures in a registry
/// (cosign-spec §8): legacy `sha256-<hex>.sig|.att|.sbom` tag images, and Sigstore bundles as OCI 1.1 referrers.
public enum CosignMediaType {
    /// A simple-signing payload layer of a `.sig` image.
    public static let simpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json"
    /// A DSSE envelope layer of an `.att` image.
    public static let dsseEnvelope = "application/vnd.dsse.envelope.v1+json"
    /// A Sigstore bundle v0.3 layer of a referrer (also the referrer's `artifactType`).
    public static let bundleV03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
    /// The in-toto statement payload type of DSSE envelopes.
    public static let inToto = "application/vnd.in-toto+json"
    /// The `artifactType` of a legacy signature image stored as an OCI 1.1 referrer
    /// (`sign --new-bundle-format=false --registry-referrers-mode=oci-1-1`), also its config's media type.
    public static let signatureArtifact = "application/vnd.dev.cosign.artifact.sig.v1+json"
    /// The `artifactType` of an SBOM attached as a referrer (`attach sbom --registry-referrers-mode=oci-1-1`).
    public static let sbomArtifact = "application/vnd.dev.cosign.artifact.sbom.v1+json"
}

/// Annotation keys cosign puts on signature layers and referrer manifests.
public enum CosignAnnotation {
    /// Base64 signature over the layer (empty for attestations).
    public static let signature = "dev.cosignproject.cosign/signature"
    /// Signing certificate, PEM.
    public static let certificate = "dev.sigstore.cosign/certificate"
    /// Certificate chain, PEM.
    public static let chain = "dev.sigstore.cosign/chain"
    /// Legacy Rekor bundle JSON.
    public static let bundle = "dev.sigstore.cosign/bundle"
    /// RFC 3161 timestamp JSON.
    public static let rfc3161Timestamp = "dev.sigstore.cosign/rfc3161timestamp"
    /// Predicate type of an attestation layer.
    public static let predicateType = "predicateType"
    /// The referrer's creation time (RFC 3339, UTC).
    public static let created = "org.opencontainers.image.created"
    /// What a bundle referrer holds (`dsse-envelope`).
    public static let bundleContent = "dev.sigstore.bundle.content"
    /// The predicate type of a bundle referrer's statement.
    public static let bundlePredicateType = "dev.sigstore.bundle.predicateType"
}

/// The kind of attachment stored under a legacy tag.
public enum AttachmentKind: String, Sendable, CaseIterable {
    case signature = "sig"
    case attestation = "att"
    case sbom = "sbom"
}

/// One layer of a legacy signature/attestation image: the payload bytes and the layer descriptor's metadata.
public struct LegacyLayer: Sendable, Hashable {
    /// The layer bytes: a simple-signing payload or a DSSE envelope.
    public var payload: [UInt8]
    /// The layer media type.
    public var mediaType: String
    /// The descriptor annotations (signature, certificate, chain, bundle, timestamp, predicate type).
    public var annotations: [String: String]

    /// Creates a layer.
    public init(payload: [UInt8], mediaType: String, annotations: [String: String]) {
        self.payload = payload
        self.mediaType = mediaType
        self.annotations = annotations
    }

    /// `sha256:<hex>` of the payload.
    public var digest: String { SignatureLayout.sha256(payload) }

    /// The layer's descriptor.
    public var descriptor: Descriptor {
        Descriptor(mediaType: mediaType, digest: digest, size: Int64(payload.count), annotations: annotations.isEmpty ? nil : annotations)
    }

    /// The base64 signature annotation.
    public var base64Signature: String? { annotations[CosignAnnotation.signature] }
}

/// Builds and reads the documents of both layouts byte for byte as cosign (go-containerregistry) writes them.
public enum SignatureLayout {
    /// The digest-derived tag: `[prefix]sha256-<hex>.<suffix>` (`suffix` nil for the bare `sha256-<hex>` tag).
    public static func tag(for digest: String, kind: AttachmentKind?, prefix: String = "") -> String {
        let base = prefix + String(digest.map { $0 == ":" ? "-" : $0 })
        guard let kind else { return base }
        return base + "." + kind.rawValue
    }

    // MARK: Legacy tag images

    /// The config blob of a legacy signature image: go-containerregistry's empty image with one history entry and
    /// diff ID per layer (uncompressed, so diff ID = layer digest), zero creation time unless `created` is given
    /// (`--record-creation-timestamp`, go-containerregistry's `mutate.CreatedAt`: history entries keep zero times).
    public static func legacyConfig(diffIDs: [String], created: Date? = nil) -> [UInt8] {
        let zeroTime = OrderedJSON.string("0001-01-01T00:00:00Z")
        let json: OrderedJSON = .object([
            ("architecture", .string("")),
            ("created", created.map { .string(goRFC3339Nano($0)) } ?? zeroTime),
            ("history", .array(diffIDs.map { _ in .object([("created", zeroTime)]) })),
            ("os", .string("")),
            ("rootfs", .object([("type", .string("layers")), ("diff_ids", .array(diffIDs.map { .string($0) }))])),
            ("config", .object([])),
        ])
        return json.serialized(escapeHTML: true)
    }

    /// The manifest of a legacy signature image over `layers` (whose config is ``legacyConfig(diffIDs:created:)``).
    public static func legacyManifest(layers: [Descriptor], config: [UInt8], dockerMediaTypes: Bool = false) -> [UInt8] {
        let manifestType = dockerMediaTypes ? MediaType.dockerManifest : MediaType.ociManifest
        let configType = dockerMediaTypes ? MediaType.dockerConfig : MediaType.ociConfig
        let json: OrderedJSON = .object([
            ("schemaVersion", .number(2)),
            ("mediaType", .string(manifestType)),
            ("config", descriptor(mediaType: configType, size: config.count, digest: sha256(config))),
            (
                "layers",
                .array(
                    layers.map {
                        descriptor(mediaType: $0.mediaType, size: Int($0.size), digest: $0.digest, annotations: $0.annotations)
                    })
            ),
        ])
        return json.serialized(escapeHTML: true)
    }

    /// A legacy signature image stored as an OCI 1.1 referrer of `subject`, as Go cosign's
    /// `WriteSignaturesExperimentalOCI` writes it: the `.sig` image's manifest with its config's media type replaced by
    /// the signature artifact type, the subject, and (Go cosign v3.1.2) a top-level `artifactType`.
    public static func legacyReferrerManifest(layers: [Descriptor], config: [UInt8], subject: Descriptor) -> [UInt8] {
        let json: OrderedJSON = .object([
            ("schemaVersion", .number(2)),
            ("mediaType", .string(MediaType.ociManifest)),
            ("config", descriptor(mediaType: CosignMediaType.signatureArtifact, size: config.count, digest: sha256(config))),
            (
                "layers",
                .array(layers.map { descriptor(mediaType: $0.mediaType, size: Int($0.size), digest: $0.digest, annotations: $0.annotations) })
            ),
            ("subject", descriptor(mediaType: subject.mediaType, size: Int(subject.size), digest: subject.digest)),
            ("artifactType", .string(CosignMediaType.signatureArtifact)),
        ])
        return json.serialized(escapeHTML: true)
    }

    /// An SBOM stored as an OCI 1.1 referrer of `subject` (Go cosign's `attach sbom` in oci-1-1 mode): go-containerregistry's
    /// empty image with the SBOM artifact type as config media type and one layer.
    public static func sbomReferrerManifest(sbom: Descriptor, config: [UInt8], subject: Descriptor) -> [UInt8] {
        let json: OrderedJSON = .object([
            ("schemaVersion", .number(2)),
            ("mediaType", .string(MediaType.ociManifest)),
            ("config", descriptor(mediaType: CosignMediaType.sbomArtifact, size: config.count, digest: sha256(config))),
            ("layers", .array([descriptor(mediaType: sbom.mediaType, size: Int(sbom.size), digest: sbom.digest)])),
            ("subject", descriptor(mediaType: subject.mediaType, size: Int(subject.size), digest: subject.digest)),
        ])
        return json.serialized(escapeHTML: true)
    }

    /// A descriptor in go-containerregistry's field order (`mediaType`, `size`, `digest`, `annotations`, `artifactType`).
    static func descriptor(
        mediaType: String, size: Int, digest: String, annotations: [String: String]? = nil, artifactType: String? = nil
    ) -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [("mediaType", .string(mediaType)), ("size", .number(Int64(size))), ("digest", .string(digest))]
        if let annotations, !annotations.isEmpty { members.append(("annotations", sortedObject(annotations))) }
        if let artifactType, !artifactType.isEmpty { members.append(("artifactType", .string(artifactType))) }
        return .object(members)
    }

    /// A descriptor as go-containerregistry writes it.
    public static func descriptorJSON(_ d: Descriptor) -> OrderedJSON {
        descriptor(mediaType: d.mediaType, size: Int(d.size), digest: d.digest, annotations: d.annotations, artifactType: d.artifactType)
    }

    /// A string map as Go writes it: keys sorted.
    public static func sortedJSON(_ map: [String: String]) -> OrderedJSON { sortedObject(map) }

    static func sortedObject(_ map: [String: String]) -> OrderedJSON {
        .object(map.keys.sorted().map { ($0, .string(map[$0]!)) })
    }

    // MARK: Bundle referrers

    /// The empty config blob of referrer manifests.
    public static let emptyConfig: [UInt8] = Array("{}".utf8)

    /// The referrer manifest cosign v3 writes for a bundle (`WriteAttestationNewBundleFormat`): empty config with the
    /// artifact type, one bundle layer, `subject`, the creation time, content and predicate-type annotations, and the
    /// manifest-level `artifactType` last.
    public static func bundleReferrerManifest(bundle: [UInt8], subject: Descriptor, predicateType: String, created: Date) -> [UInt8] {
        let annotations = [
            CosignAnnotation.created: rfc3339(created),
            CosignAnnotation.bundleContent: "dsse-envelope",
            CosignAnnotation.bundlePredicateType: predicateType,
        ]
        let json: OrderedJSON = .object([
            ("schemaVersion", .number(2)),
            ("mediaType", .string(MediaType.ociManifest)),
            (
                "config",
                descriptor(mediaType: MediaType.ociEmpty, size: emptyConfig.count, digest: sha256(emptyConfig), artifactType: CosignMediaType.bundleV03)
            ),
            ("layers", .array([descriptor(mediaType: CosignMediaType.bundleV03, size: bundle.count, digest: sha256(bundle))])),
            ("annotations", sortedObject(annotations)),
            ("subject", descriptor(mediaType: subject.mediaType, size: Int(subject.size), digest: subject.digest)),
            ("artifactType", .string(CosignMediaType.bundleV03)),
        ])
        return json.serialized(escapeHTML: true)
    }

    /// The referrers-tag index (go-containerregistry's fallback when the registry has no referrers API): `manifests`
    /// are `{mediaType, size, digest, artifactType}` (plus annotations when the referrer has them), sorted by digest.
    public static func referrersIndex(_ manifests: [Descriptor]) -> [UInt8] {
        var unique: [String: Descriptor] = [:]
        for m in manifests { unique[m.digest] = m }
        let sorted = unique.values.sorted { $0.digest < $1.digest }
        let json: OrderedJSON = .object([
            ("schemaVersion", .number(2)),
            ("mediaType", .string(MediaType.ociIndex)),
            (
                "manifests",
                .array(
                    sorted.map {
                        descriptor(mediaType: $0.mediaType, size: Int($0.size), digest: $0.digest, annotations: $0.annotations, artifactType: $0.artifactType)
                    })
            ),
        ])
        return json.serialized(escapeHTML: true)
    }

    // MARK: Helpers

    /// `sha256:<hex>` of `bytes`.
    public static func sha256(_ bytes: some Sequence<UInt8>) -> String {
        "sha256:" + Hex.encode(Array(SHA256.hash(data: Array(bytes))))
    }

    /// Go's `time.RFC3339Nano` in UTC: fraction digits without trailing zeros (microsecond precision here).
    public static func goRFC3339Nano(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        var micros = Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded())
        var whole = Date(timeIntervalSince1970: seconds)
        if micros == 1_000_000 {
            micros = 0
            whole = Date(timeIntervalSince1970: seconds + 1)
        }
        let base = String(whole.formatted(Date.ISO8601FormatStyle()).dropLast())
        guard micros > 0 else { return base + "Z" }
        var fraction = String(micros)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return base + "." + fraction + "Z"
    }

    /// Go's `time.RFC3339` in UTC, whole seconds (`2026-11-30T21:52:00Z`).
    public static func rfc3339(_ date: Date) -> String {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).formatted(Date.ISO8601FormatStyle())
    }
}
