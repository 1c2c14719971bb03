public import SigstoreCrypto
public import SigstoreModels
import SigstoreVerify

extension Signer {
    /// Signs `payload` over its DSSE pre-authentication encoding and returns the envelope. ECDSA and RSA keys hash the
    /// encoding in pieces, so a payload of tens of megabytes is not copied; Ed25519 keys sign the encoding itself.
    public func signedEnvelope(payload: [UInt8], payloadType: String) async throws -> DSSEEnvelope {
        let unsigned = DSSEEnvelope(payload: payload, payloadType: payloadType, signatures: [])
        let signature =
            signsWholeMessage
            ? try await signature(forMessage: unsigned.preAuthenticationEncoding)
            : try await signature(forDigest: unsigned.preAuthenticationDigest(kind.defaultHashAlgorithm))
        return DSSEEnvelope(payload: payload, payloadType: payloadType, signatures: [.init(sig: signature)])
    }
}
