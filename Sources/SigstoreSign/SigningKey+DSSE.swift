public import SigstoreCrypto
public import SigstoreModels
import SigstoreVerify

extension Signer {
    /// Signs `payload` over its DSSE pre-authentication encoding and returns the envelope. ECDSA and RSA keys hash the
    /// encoding in pieces, so a payload of tens of megabytes is not copied; Ed25519 keys sign the encoding itself.
    /// A `preAuthenticationDigest` the caller computed is signed as it is when it uses the key's hash.
    public func signedEnvelope(
        payload: [UInt8], payloadType: String, preAuthenticationDigest: ArtifactDigest? = nil
    ) async throws -> DSSEEnvelope {
        let unsigned = DSSEEnvelope(payload: payload, payloadType: payloadType, signatures: [])
        let signature: [UInt8]
        if signsWholeMessage {
            signature = try await self.signature(forMessage: unsigned.preAuthenticationEncoding)
        } else if let preAuthenticationDigest, preAuthenticationDigest.algorithm == kind.defaultHashAlgorithm {
            signature = try await self.signature(forDigest: preAuthenticationDigest)
        } else {
            signature = try await self.signature(forDigest: unsigned.preAuthenticationDigest(kind.defaultHashAlgorithm))
        }
        return DSSEEnvelope(payload: payload, payloadType: payloadType, signatures: [.init(sig: signature)])
    }
}
