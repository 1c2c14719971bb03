#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import Cosign
public import SigstoreCrypto
public import SigstoreModels

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

    /// A Sigstore bundle v0.3 holding a DSSE envelope over `payload`, signed with `key` and identified by its
    /// public-key hint (no transparency-log entry or timestamp).
    public static func dsseBundle(payload: [UInt8], payloadType: String = CosignMediaType.inToto, key: SigningKey) throws -> SigstoreBundle {
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: payloadType, payload: payload)
        let signature: [UInt8]
        do {
            signature = try key.signature(forMessage: pae)
        } catch let error as SigstoreCryptoError {
            throw CosignError(.invalidInput, "signing: \(error.message)")
        }
        return SigstoreBundle(
            verificationMaterial: VerificationMaterial(signer: .publicKey(hint: BlobSigning.publicKeyHint(key.publicKey))),
            content: .dsseEnvelope(DSSEEnvelope(payload: payload, payloadType: payloadType, signatures: [.init(sig: signature)])))
    }

    /// A legacy `.sig` layer: the simple-signing payload and its base64 signature annotation. ECDSA and RSA keys sign
    /// the payload's digest with the key's hash; Ed25519 keys sign the payload itself.
    public static func legacySignatureLayer(payload: [UInt8], key: SigningKey) throws -> LegacyLayer {
        let signature: [UInt8]
        do {
            signature = try key.signature(forMessage: payload)
        } catch let error as SigstoreCryptoError {
            throw CosignError(.invalidInput, "signing: \(error.message)")
        }
        return LegacyLayer(
            payload: payload, mediaType: CosignMediaType.simpleSigning,
            annotations: [CosignAnnotation.signature: Base64.encode(signature)])
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
