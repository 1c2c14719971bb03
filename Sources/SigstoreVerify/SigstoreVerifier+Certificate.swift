#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
@_spi(FixedExpiryValidationTime) internal import X509
internal import SigstoreModels
internal import SigstoreCore

/// The signing certificate: valid at every verified time and chained to a trusted certificate authority under
/// Fulcio's profile (code signing, critical SAN); then its SCTs (SigstoreVerifier+SCT.swift).
extension SigstoreVerifier {
    /// Checks the chain at every verified time, then the SCTs against the first chain built.
    func verifyCertificate(_ leaf: SigningCertificate, at times: [VerificationResult.VerifiedTime]) async throws {
        var firstChain: VerifiedChain?
        for t in times {
            let chain = try await verifyCertificateChain(leaf, at: t.time)
            if firstChain == nil { firstChain = chain }
        }
        if configuration.signedCertificateTimestampThreshold > 0 {
            guard let chain = firstChain else {
                throw VerificationError(.certificate, "no verified time to check the certificate chain at")
            }
            try verifySCTs(leaf, chain: chain)
        }
    }

    /// Checks a freshly issued signing certificate before a signer uses it: it chains to a trusted certificate
    /// authority at `time`, and it carries enough SCTs from trusted CT logs (the configured threshold).
    public func verifySigningCertificate(_ leaf: SigningCertificate, at time: Date) async throws {
        let chain = try await verifyCertificateChain(leaf, at: time)
        if configuration.signedCertificateTimestampThreshold > 0 { try verifySCTs(leaf, chain: chain) }
    }

    /// A chain from a leaf to a trusted root, and the issuer key hash of its certificate authority.
    struct VerifiedChain {
        var certificates: [Certificate]
        var issuingKeyHash: [UInt8]
    }

    func verifyCertificateChain(_ leaf: SigningCertificate, at time: Date) async throws -> VerifiedChain {
        guard leaf.isValid(at: time) else {
            throw VerificationError(
                .certificate,
                "certificate is not valid at the verified time \(time) (valid \(leaf.certificate.notValidBefore) – \(leaf.certificate.notValidAfter))")
        }
        var reasons: [String] = []
        for ca in trustMaterial.certificateAuthorities {
            if let validFor = ca.validFor, !validFor.contains(time) { continue }
            guard ca.chainVerified else {
                reasons.append("certificate authority \(ca.uri) has an invalid certificate chain")
                continue
            }
            // The CA's own chain was verified when the trust material was loaded, so the certificate that issues
            // leaves serves as the anchor; the certificates above it must still be valid at this time.
            guard ca.upperCertificates.allSatisfy({ $0.notValidBefore <= time && time <= $0.notValidAfter }) else {
                reasons.append("certificate authority \(ca.uri) is not valid at \(time)")
                continue
            }
            var verifier = Verifier(rootCertificates: CertificateStore([ca.issuingCertificate])) {
                RFC5280Policy(fixedExpiryValidationTime: time)
                CodeSigningPolicy()
            }
            switch await verifier.validate(leaf: leaf.certificate, intermediates: CertificateStore()) {
            case .validCertificate(let chain):
                return VerifiedChain(certificates: Array(chain) + ca.upperCertificates, issuingKeyHash: ca.issuingKeyHash)
            case .couldNotValidate(let failures):
                reasons += failures.map { String($0.policyFailureReason.description.prefix(160)) }
            }
        }
        let why = reasons.isEmpty ? "no chain to a trusted root" : Array(Set(reasons)).sorted().joined(separator: "; ")
        throw VerificationError(
            .certificate, "certificate does not chain to a trusted certificate authority at \(time): \(why)")
    }
}
