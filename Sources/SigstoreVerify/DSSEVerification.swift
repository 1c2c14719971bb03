public import SigstoreCrypto
public import SigstoreModels
import SigstoreJSON

extension DSSEEnvelope {
    /// The digest of the pre-authentication encoding, hashed in pieces (the payload is not copied).
    public func preAuthenticationDigest(_ algorithm: HashAlgorithm) -> ArtifactDigest {
        var hasher = algorithm.makeHasher()
        hasher.update(Self.preAuthenticationHeader(payloadType: payloadType, payloadLength: payload.bytes.count))
        payload.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize()
    }
}

extension PublicKey {
    /// Checks a DSSE signature: over the PAE digest with the key's hash, or over the PAE itself for Ed25519.
    public func verifyDSSESignature(_ signature: [UInt8], envelope: DSSEEnvelope) throws {
        if signsWholeMessage {
            try verifySignature(signature, message: envelope.preAuthenticationEncoding)
        } else {
            try verifySignature(signature, digest: envelope.preAuthenticationDigest(defaultHashAlgorithm))
        }
    }
}
