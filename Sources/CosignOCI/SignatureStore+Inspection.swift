import Cosign
import Foundation
public import OCIModels
import OCIRegistry
import SigstoreCore
import SigstoreJSON
import SigstoreModels

/// Reading what is attached to an image: `cosign tree`, `triangulate` and the `download` commands.
extension SignatureStore {
    /// `cosign tree`: the legacy signature, attestation and SBOM images of `ref`, then its bundle referrers, as the
    /// lines cosign prints (empty when nothing is attached).
    /// `includeReferrers` lists the OCI 1.1 referrers too (Go cosign does only with `--registry-referrers-mode=oci-1-1`;
    /// swift-cosign by default, since cosign v3 stores its bundles there).
    public func tree(_ ref: ImageReference, includeReferrers: Bool = true) async throws -> [String] {
        let digest = try await resolveImage(ref).digest
        var lines: [String] = []
        let titles: [(AttachmentKind, String)] = [
            (.signature, "🔐 Signatures for an image tag: "), (.attestation, "💾 Attestations for an image tag: "),
            (.sbom, "📦 SBOMs for an image tag: "),
        ]
        for (kind, title) in titles {
            let tag = try legacyTag(for: ref, digest: digest, kind: kind)
            guard let layers = try await legacyLayerDescriptors(tag), !layers.isEmpty else { continue }
            lines.append("└── \(title)\(tag.name)")
            lines += Self.leaves(layers.map(\.digest))
        }
        let repo = try signatureRepository(for: ref)
        for referrer in includeReferrers ? try await referrers(of: digest, in: repo) : [] {
            let fetched = try await client.manifest(repo.withDigest(referrer.digest), accept: [MediaType.ociManifest])
            guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(fetched.bytes)) else { continue }
            let type = manifest.annotations?[CosignAnnotation.bundlePredicateType] ?? referrer.artifactType ?? manifest.artifactType ?? ""
            guard !type.isEmpty else { continue }
            lines.append("└── 🔗 \(type) artifacts via OCI referrer: \(repo.withDigest(referrer.digest).name)")
            lines += Self.leaves(manifest.layers.map(\.digest))
        }
        return lines
    }

    static func leaves(_ digests: [String]) -> [String] {
        digests.enumerated().map { i, d in "   \(i == digests.count - 1 ? "└──" : "├──") 🍒 \(d)" }
    }

    /// `cosign triangulate`: where cosign stores `kind` for `ref` (nil kind: the image's digest reference in the
    /// signature repository).
    public func triangulate(_ ref: ImageReference, kind: AttachmentKind?) async throws -> String {
        let digest = try await resolveImage(ref).digest
        if let kind { return try legacyTag(for: ref, digest: digest, kind: kind).name }
        return try signatureRepository(for: ref).withDigest(digest).name
    }

    /// `cosign download signature`: one JSON document per line, each bundle stored as a referrer, else each legacy
    /// signature as cosign's `SignedPayload`.
    public func downloadSignatures(_ ref: ImageReference) async throws -> [[UInt8]] {
        let digest = try await resolveImage(ref).digest
        let bundles = try await bundles(of: digest, image: ref)
        if !bundles.isEmpty { return bundles.map { $0.bundle.jsonData() } }
        guard let legacy = try await legacyImage(try legacyTag(for: ref, digest: digest, kind: .signature)), !legacy.layers.isEmpty else {
            throw CosignError(.invalidInput, "\(ref.original): no signatures associated")
        }
        guard legacy.layers.count <= 100 else {
            throw CosignError(.invalidInput, "maximum number of signatures on an image is 100, found \(legacy.layers.count)")
        }
        return legacy.layers.map { Self.signedPayload($0).serialized(escapeHTML: true) }
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

    /// `cosign download attestation`: the bundles stored as referrers of `ref`, then the DSSE envelopes of the legacy
    /// `.att` image (of the `platform` image of an index when given), filtered by predicate type.
    public func downloadAttestations(_ ref: ImageReference, predicateType: String?, platform: String?) async throws -> [[UInt8]] {
        let uri = try (predicateType?.isEmpty == false ? predicateType : nil).map { try PredicateType.validatedURI(for: $0) }
        let top = try await resolveImage(ref)
        // Bundles are listed for the reference given; legacy attestations for the platform's image (as cosign does).
        var digest = top.digest
        if let platform { digest = try await platformDigest(platform, in: top, of: ref) }
        var documents: [[UInt8]] = []
        for stored in try await bundles(of: top.digest, image: ref) {
            if let uri {
                guard case .dsseEnvelope(let envelope) = stored.bundle.content, envelope.payloadType == CosignMediaType.inToto,
                    envelope.statement?.predicateType == uri
                else { continue }
            }
            documents.append(stored.bundle.jsonData())
        }
        let layers = try await legacyImage(try legacyTag(for: ref, digest: digest, kind: .attestation))?.layers ?? []
        guard layers.count <= 100 else {
            throw CosignError(.invalidInput, "maximum number of attestations on an image is 100, found \(layers.count)")
        }
        for layer in layers {
            let envelope: DSSEEnvelope
            do {
                envelope = try JSONCoding.decode(DSSEEnvelope.self, from: layer.payload, what: "attestation")
            } catch let error as any ReportableError {
                throw CosignError(.invalidInput, "unmarshaling payload: \(error.message)", underlying: error)
            }
            if let uri {
                guard let statement = envelope.statement else {
                    throw CosignError(.invalidInput, "unmarshaling statement: layer \(layer.digest) holds no in-toto statement")
                }
                guard statement.predicateType == uri else { continue }
            }
            documents.append(DSSESigning.legacyJSON(envelope))
        }
        if let uri, documents.isEmpty { throw CosignError(.invalidInput, "no attestations with predicate type '\(uri)' found") }
        return documents
    }

    /// `cosign download sbom`: the SBOM attached to `ref` (or to its `platform` image) and its media type. For an
    /// index without one, the error lists the platforms to choose from through `hint`.
    public func downloadSBOM(_ ref: ImageReference, platform: String?, hint: (String) -> Void) async throws -> LegacyLayer {
        let top = try await resolveImage(ref)
        var target = top
        if let platform {
            target = Descriptor(mediaType: MediaType.ociManifest, digest: try await platformDigest(platform, in: top, of: ref), size: 0)
        }
        let tag = try legacyTag(for: ref, digest: target.digest, kind: .sbom)
        if let image = try await legacyImage(tag), let layer = image.layers.first { return layer }
        guard MediaType.isIndex(target.mediaType) else { throw CosignError(.invalidInput, "no sbom attached to reference") }
        if let platforms = try? await platforms(of: ref.withDigest(target.digest)), !platforms.isEmpty {
            hint(
                "\nThis multiarch image does not have an SBOM attached at the index level.\nTry using --platform with one of the following architectures:\n\(platforms.joined(separator: ", "))\n"
            )
        }
        throw CosignError(.invalidInput, "no SBOM found attached to image index")
    }
}
