public import SigstoreSign
import SigstoreCore
import SigstoreCrypto
import SigstoreJSON

extension SignedContent {
    /// cosign's legacy blob bundle (`LocalSignedPayload`) for this signature: base64 signature, base64 certificate or
    /// public key PEM, and the Rekor bundle when the signature was logged in Rekor v1.
    public func legacyPayload() -> LegacySignedPayload {
        let cert = certificatePEM ?? publicKey.pemRepresentation
        // The same Rekor bundle as the legacy layer annotation, read back into cosign's type.
        let rekor = logEntries.lazy.compactMap(\.legacyAnnotation).first.flatMap {
            try? JSONCoding.decode(LegacySignedPayload.RekorBundle.self, from: Array($0.utf8), what: "Rekor bundle")
        }
        return LegacySignedPayload(base64Signature: Base64.encode(signature), cert: Base64.encode(Array(cert.utf8)), rekorBundle: rekor)
    }

    /// cosign's `SignedRFC3161Timestamp` document for the first timestamp, as `--rfc3161-timestamp-bundle` and the
    /// legacy layer annotation hold it.
    public var legacyTimestampJSON: [UInt8]? {
        timestamps.first.map { OrderedJSON.object([("SignedRFC3161Timestamp", .string(Base64.encode($0)))]).serialized() }
    }
}
