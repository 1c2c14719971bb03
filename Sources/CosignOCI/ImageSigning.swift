#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import Cosign
public import SigstoreCrypto
import SigstoreModels
public import OCIModels
import SigstoreJSON
import SigstoreCore

/// Signing image digests with a key, in both of cosign's storage formats.
public enum ImageSigning {
    /// The predicate type of cosign v3's image-signature statement.
    public static let signPredicateType = "https://sigstore.dev/cosign/sign/v1"

    /// The in-toto v1 statement cosign v3 signs for an image (`signDigestBundle`): one subject with the digest and the
    /// `-a` annotations (an empty object when none), predicate type ``signPredicateType``, empty predicate. Field order
    /// is protojson's (proto field numbers).
    public static func signStatement(digest: String, annotations: [String: String]) throws -> [UInt8] {
        let parts = digest.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { throw CosignError(.invalidInput, "unable to parse digest \(digest)") }
        let json: OrderedJSON = .object([
            ("_type", .string(InTotoStatement.typeV1)),
            (
                "subject",
                .array([
                    .object([
                        ("digest", .object([(String(parts[0]), .string(String(parts[1])))])),
                        ("annotations", .object(annotations.keys.sorted().map { ($0, .string(annotations[$0]!)) })),
                    ])
                ])
            ),
            ("predicateType", .string(signPredicateType)),
            ("predicate", .object([])),
        ])
        return json.serialized()
    }

    /// A legacy `.att` layer holding `envelopeJSON`, with the empty signature annotation cosign writes and, when given,
    /// the statement's predicate type (`attest` sets it; `attach attestation` does not).
    public static func legacyAttestationLayer(envelopeJSON: [UInt8], predicateType: String?) -> LegacyLayer {
        var annotations = [CosignAnnotation.signature: ""]
        if let predicateType { annotations[CosignAnnotation.predicateType] = predicateType }
        return LegacyLayer(payload: envelopeJSON, mediaType: CosignMediaType.dsseEnvelope, annotations: annotations)
    }

    /// Checks a legacy layer's signature over its payload: the key's hash for ECDSA and RSA, the payload itself for
    /// Ed25519 (pure, or Ed25519ph when the signature was logged).
    public static func checkLegacySignature(_ signature: [UInt8], over payload: [UInt8], key: PublicKey) throws {
        if key.signsWholeMessage {
            try key.verifySignatureAllowingPrehash(signature, message: payload)
        } else {
            try key.verifySignature(signature, digest: key.defaultHashAlgorithm.digest(of: payload))
        }
    }

    /// cosign's duplicate detector for `layer` (`pkg/cosign/remote` `dd.Find`): an existing layer with the same payload
    /// digest and media type, our annotations other than the signature, and a signature `key` accepts over the payload.
    public static func duplicateDetector(for layer: LegacyLayer, key: PublicKey) -> @Sendable (Descriptor) -> Bool {
        let wanted = layer.annotations.filter { $0.key != CosignAnnotation.signature }
        let (digest, mediaType, payload) = (layer.digest, layer.mediaType, layer.payload)
        return { existing in
            guard existing.digest == digest, existing.mediaType == mediaType else { return false }
            let annotations = existing.annotations ?? [:]
            guard wanted.allSatisfy({ annotations[$0.key] == $0.value }), let b64 = annotations[CosignAnnotation.signature],
                let signature = Base64.decode(b64)
            else { return false }
            return (try? checkLegacySignature(signature, over: payload, key: key)) != nil
        }
    }

    /// Parses `-a key=value` flags as cosign does: each value may hold several comma-separated pairs; a value may
    /// contain `=`.
    public static func parseAnnotations(_ flags: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        for flag in flags {
            for pair in flag.split(separator: ",", omittingEmptySubsequences: false) {
                guard let eq = pair.firstIndex(of: "=") else {
                    throw CosignError(.invalidInput, "unable to parse annotation: \(pair)")
                }
                result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
        }
        return result
    }
}
