public import SigstoreCrypto
public import SigstoreModels
internal import SigstoreVerify
import SigstoreSign
import SigstoreJSON
import SigstoreCore

/// Signing in-toto statements into DSSE envelopes with a key, and the two forms cosign writes them in.
public enum DSSESigning {
    /// Signs `payload` over its DSSE pre-authentication encoding (see `SigningKey.signedEnvelope`).
    public static func envelope(
        payload: [UInt8], payloadType: String = AttestationStatement.payloadType, key: any Signer
    ) async throws -> DSSEEnvelope {
        do {
            return try await key.signedEnvelope(payload: payload, payloadType: payloadType)
        } catch let error as SigstoreCryptoError {
            throw CosignError(.invalidInput, "signing: \(error.message)", underlying: error)
        }
    }

    /// The envelope as cosign's legacy writers serialise it (go-securesystemslib `dsse.Envelope`): `payloadType`,
    /// `payload`, then `signatures` with an always-present `keyid`.
    public static func legacyJSON(_ envelope: DSSEEnvelope) -> [UInt8] {
        OrderedJSON.object([
            ("payloadType", .string(envelope.payloadType)), ("payload", envelope.payload.orderedJSON),
            ("signatures", .array(envelope.signatures.map { .object([("keyid", .string($0.keyid ?? "")), ("sig", $0.sig.orderedJSON)]) })),
        ]).serialized()
    }
}
