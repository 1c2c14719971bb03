import SigstoreJSON
public import SigstoreSign
import Cosign

extension SignedContent {
    /// The annotations cosign puts on a legacy `.sig` or `.att` layer besides the signature: the certificate and its
    /// chain (empty for Fulcio's leaf-only answer, as cosign writes it), the Rekor bundle and the RFC 3161 timestamp.
    public var legacyAnnotations: [String: String] {
        var annotations: [String: String] = [:]
        if let certificatePEM {
            annotations[CosignAnnotation.certificate] = certificatePEM
            annotations[CosignAnnotation.chain] = ""
        }
        if let rekor = logEntries.first(where: { $0.apiVersion == 1 })?.legacyAnnotation {
            annotations[CosignAnnotation.bundle] = rekor
        }
        if let json = legacyTimestampJSON {
            annotations[CosignAnnotation.rfc3161Timestamp] = String(decoding: json, as: UTF8.self)
        }
        return annotations
    }
}
