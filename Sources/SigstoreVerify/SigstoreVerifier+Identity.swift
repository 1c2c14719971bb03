#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import SigstoreCore

/// The identity policy (sigstore-go `certificate_identity.go`): the certificate's SAN, OIDC issuer and requested
/// Fulcio extensions must match one of the expected identities.
extension SigstoreVerifier {
    static func checkIdentity(_ leaf: SigningCertificate, identities: [CertificateIdentity]) throws {
        guard !identities.isEmpty else {
            throw VerificationError(.identity, "the policy names no expected certificate identity (VerificationPolicy.identities is empty)")
        }
        let san = leaf.subjectAlternativeName
        let issuer = leaf.issuer
        var reasons: [String] = []
        for identity in identities {
            guard let san, identity.subjectAlternativeName.matches(san) else {
                reasons.append("expected identity \(identity.subjectAlternativeName), got \"\(san ?? "")\"")
                continue
            }
            guard let issuer, identity.issuer.matches(issuer) else {
                reasons.append("expected issuer \(identity.issuer), got \"\(issuer ?? "")\"")
                continue
            }
            var extOK = true
            for (arc, expected) in identity.extensions.sorted(by: { $0.key < $1.key }) {
                let actual = leaf.rawExtension(SigstoreOID.fulcio(arc))
                if actual != expected {
                    reasons.append("expected certificate extension 1.3.6.1.4.1.57264.1.\(arc) \"\(expected)\", got \"\(actual ?? "")\"")
                    extOK = false
                    break
                }
            }
            if extOK { return }
        }
        throw VerificationError(.identity, "none of the expected identities matched what was in the certificate: " + reasons.joined(separator: "; "))
    }
}
