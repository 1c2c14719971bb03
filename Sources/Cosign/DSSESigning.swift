public import SigstoreCrypto
public import SigstoreModels
internal import SigstoreVerify
public import SigstoreJSON
public import SigstoreCore

/// Signing in-toto statements into DSSE envelopes with a key, and the two forms cosign writes them in.
public enum DSSESigning {
    /// Signs `payload` over its DSSE pre-authentication encoding. ECDSA and RSA keys hash the encoding in pieces, so
    /// a payload of tens of megabytes is not copied; Ed25519 keys sign the encoding itself.
    public static func envelope(
        payload: [UInt8], payloadType: String = AttestationStatement.payloadType, key: SigningKey
    ) throws -> DSSEEnvelope {
        let unsigned = DSSEEnvelope(payload: payload, payloadType: payloadType, signatures: [])
        let signature: [UInt8]
        do {
            if key.signsWholeMessage {
                signature = try key.signature(forMessage: unsigned.preAuthenticationEncoding)
            } else {
                signature = try key.signature(forDigest: unsigned.preAuthenticationDigest(key.kind.defaultHashAlgorithm))
            }
        } catch let error as SigstoreCryptoError {
            throw CosignError(.invalidInput, "signing: \(error.message)")
        }
        return DSSEEnvelope(payload: payload, payloadType: payloadType, signatures: [.init(sig: signature)])
    }

    /// A Sigstore bundle v0.3 holding `envelope`, identified by the signer's public-key hint (no log entry).
    public static func bundle(_ envelope: DSSEEnvelope, publicKey: PublicKey) -> SigstoreBundle {
        SigstoreBundle(
            verificationMaterial: VerificationMaterial(signer: .publicKey(hint: BlobSigning.publicKeyHint(publicKey))),
            content: .dsseEnvelope(envelope))
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
