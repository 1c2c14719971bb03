public import SigstoreCrypto
public import SigstoreModels
import SigstoreVerify

extension SigningKey {
    /// Signs `payload` over its DSSE pre-authentication encoding and returns the envelope. ECDSA and RSA keys hash the
    /// encoding in pieces, so a payload of tens of megabytes is not copied; Ed25519 keys sign the encoding itself.
    public func signedEnvelope(payload: [UInt8], payloadType: String) throws -> DSSEEnvelope {
        let unsigned = DSSEEnvelope(payload: payload, payloadType: payloadType, signatures: [])
        let signature =
            signsWholeMessage
            ? try signature(forMessage: unsigned.preAuthenticationEncoding)
            : try signature(forDigest: unsigned.preAuthenticationDigest(kind.defaultHashAlgorithm))
        return DSSEEnvelope(payload: payload, payloadType: payloadType, signatures: [.init(sig: signature)])
    }
}
