public import Cosign
import Foundation
import OCIModels
import SigstoreCore
import SigstoreJSON
import SigstoreModels

/// `cosign attach signature`: a signature made elsewhere (with its payload, certificate, chain, RFC 3161 timestamp
/// and Rekor bundle) added to an image's legacy `.sig` image, or a Sigstore bundle stored as a referrer.
public struct SignatureAttachment: Sendable {
    /// `--payload` (or `--bundle`): the signed payload, or a Sigstore bundle.
    public var payload: String?
    /// `--signature`: the base64 signature file, or `-` for standard input.
    public var signature: String?
    /// `--certificate`.
    public var certificate: String?
    /// `--certificate-chain`.
    public var certificateChain: String?
    /// `--tsr`: an RFC 3161 timestamp response (DER).
    public var timestampResponse: String?
    /// `--rekor-response`: cosign's legacy bundle whose `rekorBundle` is attached.
    public var rekorResponse: String?

    /// An attachment of nothing yet.
    public init() {}

    /// Attaches to `image`. Local input is read before the registry is contacted.
    public func attach(to image: String, store: SignatureStore, console: Console) async throws {
        let ref = try ImageReference.argument(image)
        if ref.digest == nil { console.warn(ImageReference.tagWarning(image)) }
        let payloadBytes = try payload.map { try FileSystem.readFile($0, limit: 16 << 20) }
        let subject = try await store.resolveImage(ref)
        if let payloadBytes, BundleFormat.isSigstoreBundle(payloadBytes), let bundle = try? SigstoreBundle(jsonData: payloadBytes) {
            guard case .dsseEnvelope(let envelope) = bundle.content else {
                throw CosignError(.invalidInput, "bundle does not have DSSE envelope")
            }
            let predicateType = envelope.statement?.predicateType ?? ""
            try await store.writeBundleReferrer(
                payloadBytes, subject: subject, of: ref.withDigest(subject.digest), predicateType: predicateType, created: console.now())
            return
        }
        guard let signature else { throw CosignError(.invalidInput, "--signature is required unless --payload is a Sigstore bundle") }
        let b64 = signature == "-" ? String(decoding: console.stdin.readAll(), as: UTF8.self) : try FileSystem.readText(signature, limit: 1 << 20)
        guard !b64.isEmpty else { throw CosignError(.invalidInput, "empty signature") }
        var annotations = [CosignAnnotation.signature: b64]
        if let certificate { annotations[CosignAnnotation.certificate] = try FileSystem.readText(certificate, limit: 1 << 20) }
        if let certificateChain { annotations[CosignAnnotation.chain] = try FileSystem.readText(certificateChain, limit: 1 << 20) }
        if let timestampResponse {
            let der = try FileSystem.readFile(timestampResponse, limit: 1 << 20)
            annotations[CosignAnnotation.rfc3161Timestamp] = String(
                decoding: OrderedJSON.object([("SignedRFC3161Timestamp", .string(Base64.encode(der)))]).serialized(escapeHTML: true),
                as: UTF8.self)
        }
        if let rekorResponse {
            let bytes = try FileSystem.readFile(rekorResponse, limit: 1 << 20)
            guard let bundle = (try? JSONParser.parse(bytes))?["rekorBundle"] else {
                throw CosignError(.invalidInput, "--rekor-response \(rekorResponse) has no rekorBundle")
            }
            annotations[CosignAnnotation.bundle] = String(decoding: bundle.sortingKeys.serialized(escapeHTML: true), as: UTF8.self)
        }
        let body: [UInt8]
        if let payloadBytes {
            body = payloadBytes
        } else {
            console.warn("no --payload given: attaching the signature to cosign's generated payload for \(ref.repositoryName)@\(subject.digest)")
            body = SimpleSigningPayload(dockerReference: ref.repositoryName, manifestDigest: subject.digest).jsonBytes()
        }
        let layer = LegacyLayer(payload: body, mediaType: CosignMediaType.simpleSigning, annotations: annotations)
        try await store.appendLegacy(layer, to: try store.legacyTag(for: ref, digest: subject.digest, kind: .signature))
    }
}

/// `cosign attach attestation`: Sigstore bundles become referrers; files of DSSE envelopes are appended to the legacy
/// `.att` image. Every file is read and checked before the registry is contacted.
public struct AttestationAttachment: Sendable {
    /// `--attestation` files.
    public var files: [String]

    /// Attaches `files`.
    public init(files: [String]) { self.files = files }

    private enum Attachment {
        case bundle([UInt8], predicateType: String)
        case envelopes([[UInt8]])
    }

    /// Attaches every file to `image`.
    public func attach(to image: String, store: SignatureStore, console: Console) async throws {
        let ref = try ImageReference.argument(image)
        var attachments: [Attachment] = []
        for path in files {
            console.info("Using payload from: \(path)")
            let bytes = try FileSystem.readFile(path, limit: Limits.maxDocumentBytes)
            do {
                attachments.append(try Self.classify(bytes))
            } catch let error as CosignError {
                throw error.adding(context: "attaching payload from \(path)")
            }
        }
        if ref.digest == nil { console.warn(ImageReference.tagWarning(image)) }
        let subject = try await store.resolveImage(ref)
        let digestRef = ref.withDigest(subject.digest)
        for attachment in attachments {
            switch attachment {
            case .bundle(let bytes, let predicateType):
                try await store.writeBundleReferrer(bytes, subject: subject, of: digestRef, predicateType: predicateType, created: console.now())
            case .envelopes(let envelopes):
                let tag = try store.legacyTag(for: ref, digest: subject.digest, kind: .attestation)
                for envelope in envelopes {
                    try await store.appendLegacy(ImageSigning.legacyAttestationLayer(envelopeJSON: envelope, predicateType: nil), to: tag)
                }
            }
        }
    }

    /// A Sigstore bundle with a DSSE envelope over an in-toto statement, else a stream of DSSE envelopes.
    private static func classify(_ bytes: [UInt8]) throws -> Attachment {
        if BundleFormat.isSigstoreBundle(bytes), let bundle = try? SigstoreBundle(jsonData: bytes) {
            guard case .dsseEnvelope(let envelope) = bundle.content else {
                throw CosignError(.invalidInput, "bundle does not have DSSE envelope")
            }
            guard envelope.payloadType == CosignMediaType.inToto else {
                throw CosignError(.invalidInput, "validation error: unsupported media type")
            }
            guard let statement = envelope.statement else {
                throw CosignError(.invalidInput, "validation error: invalid attestation: decoding json")
            }
            return .bundle(bytes, predicateType: statement.predicateType ?? "")
        }
        var envelopes: [[UInt8]] = []
        for document in try JSONStream.split(bytes) {
            let envelope: DSSEEnvelope
            do {
                envelope = try JSONCoding.decode(DSSEEnvelope.self, from: document, what: "DSSE envelope")
            } catch let error as any ReportableError {
                throw CosignError(.invalidInput, error.message, underlying: error)
            }
            guard envelope.payloadType == CosignMediaType.inToto else {
                throw CosignError(.invalidInput, "invalid payloadType \(envelope.payloadType) on envelope. Expected \(CosignMediaType.inToto)")
            }
            guard !envelope.signatures.isEmpty else { throw CosignError(.invalidInput, "could not attach attestation without having signatures") }
            envelopes.append(DSSESigning.legacyJSON(envelope))
        }
        guard !envelopes.isEmpty else { throw CosignError(.invalidInput, "no DSSE envelope found") }
        return .envelopes(envelopes)
    }
}

/// `cosign attach sbom` (deprecated in cosign): the unsigned one-layer `.sbom` image.
public struct SBOMAttachment: Sendable {
    /// `--sbom`: a file, or `-` for standard input.
    public var path: String
    /// The media type (see ``mediaType(type:inputFormat:path:)``).
    public var mediaType: String
    /// `--registry-referrers-mode=oci-1-1`: an OCI 1.1 referrer of the image instead of the `.sbom` tag.
    public var asReferrer = false

    /// An attachment of the SBOM at `path`.
    public init(path: String, mediaType: String) {
        self.path = path
        self.mediaType = mediaType
    }

    /// cosign's media type for `--type` and `--input-format` (`AttachSBOMOptions.MediaType`).
    public static func mediaType(type: String, inputFormat: String, path: String) throws -> String {
        let looksLikeJSON = path.hasSuffix(".json")
        switch type {
        case "cyclonedx":
            guard ["", "xml", "json"].contains(inputFormat) else {
                throw CosignError(.invalidInput, "invalid SBOM input format: \"\(inputFormat)\", expected (json|xml)")
            }
            return inputFormat == "json" || looksLikeJSON ? "application/vnd.cyclonedx+json" : "application/vnd.cyclonedx+xml"
        case "spdx":
            guard ["", "text", "json"].contains(inputFormat) else {
                throw CosignError(.invalidInput, "invalid SBOM input format: \"\(inputFormat)\", expected (json|text)")
            }
            return inputFormat == "json" || looksLikeJSON ? "text/spdx+json" : "text/spdx"
        case "syft":
            guard ["", "json"].contains(inputFormat) else {
                throw CosignError(.invalidInput, "invalid SBOM input format: \"\(inputFormat)\", expected (json)")
            }
            return "application/vnd.syft+json"
        default:
            throw CosignError(.invalidInput, "unknown SBOM type: \"\(type)\", expected (spdx|cyclonedx|syft)")
        }
    }

    /// Attaches the SBOM to `image`, replacing any earlier one.
    public func attach(to image: String, store: SignatureStore, console: Console) async throws {
        let ref = try ImageReference.argument(image)
        let limit = Limits.maxDocumentBytes
        let bytes = path == "-" ? console.stdin.readAll() : try FileSystem.readFile(path, limit: limit)
        guard bytes.count <= limit else { throw CosignError(.invalidInput, "standard input is larger than \(limit) bytes") }
        let subject = try await store.resolveImage(ref)
        let digest = subject.digest
        if asReferrer {
            let referrer = try await store.writeSBOMReferrer(bytes, mediaType: mediaType, subject: subject, of: ref)
            console.info(
                "Uploading SBOM file for [\(ref.name)] to [\(ref.withDigest(referrer.digest).name)] with config.mediaType [\(CosignMediaType.sbomArtifact)] layers[0].mediaType [\(mediaType)].")
            return
        }
        let tag = try store.legacyTag(for: ref, digest: digest, kind: .sbom)
        console.info("Uploading SBOM file for [\(ref.name)] to [\(tag.name)] with mediaType [\(mediaType)].")
        try await store.writeFile(bytes, mediaType: mediaType, to: tag)
    }
}

/// Concatenated JSON documents, as Go's `json.Decoder` reads a stream.
enum JSONStream {
    /// Splits `bytes` into its documents, each validated.
    static func split(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var documents: [[UInt8]] = []
        var start: Int?
        var depth = 0
        var inString = false
        var escaped = false
        for (i, byte) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 0 { start = i }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0, let s = start {
                    documents.append(Array(bytes[s...i]))
                    start = nil
                }
                if depth < 0 { throw CosignError(.invalidInput, "invalid JSON: unexpected '\(Character(UnicodeScalar(byte)))'") }
            case 0x20, 0x09, 0x0A, 0x0D: continue
            default:
                if depth == 0 { throw CosignError(.invalidInput, "invalid JSON: expected a DSSE envelope object") }
            }
        }
        if depth != 0 || inString { throw CosignError(.invalidInput, "invalid JSON: unexpected end of input") }
        for document in documents {
            do {
                try JSONParser.validate(document)
            } catch {
                throw CosignError(.invalidInput, error.message, underlying: error)
            }
        }
        return documents
    }
}
