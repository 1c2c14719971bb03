#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import SigstoreCrypto
internal import SwiftASN1
internal import X509
internal import SigstoreModels
internal import SigstoreCore

/// Signed certificate timestamps (sigstore-go `sct.go`): the embedded SCTs of trusted CT logs, each verified over
/// the precertificate rebuilt from the leaf (RFC 6962 §3.2).
extension SigstoreVerifier {
    func verifySCTs(_ leaf: SigningCertificate, chain: VerifiedChain) throws {
        var verified = Set<String>()
        // Detached SCTs (`--sct`): each over the leaf as an X.509 entry, and each must verify.
        for sct in configuration.detachedSCTs {
            let id = Hex.encode(sct.logID)
            guard let log = trustMaterial.ctLogs[id] else {
                throw VerificationError(
                    .certificateTransparency, "the detached SCT names CT log \(id), which the trusted root does not have")
            }
            if let validFor = log.validFor, !validFor.contains(sct.date) {
                throw VerificationError(.certificateTransparency, "the detached SCT's time \(sct.date) is outside CT log \(id)'s validity")
            }
            guard sct.verify(signedData: sct.signedData(x509Certificate: leaf.der), key: log.key) else {
                throw VerificationError(.certificateTransparency, "the detached SCT does not verify over the certificate with CT log \(id)'s key")
            }
            verified.insert(id)
        }
        let embedded = leaf.certificate.extensions[oid: SigstoreOID.sctList]
        if let ext = embedded {
            guard chain.certificates.count >= 2 else { throw VerificationError(.certificateTransparency, "certificate chain has no issuer for SCT verification") }
            let scts = try SignedCertificateTimestamp.parseList(extensionValue: ext.value)
            let tbs: [UInt8]
            do {
                guard let t = try CertificateBytes.tbsCertificate(leaf.der, removingExtension: SigstoreOID.sctList) else {
                    throw VerificationError(.certificateTransparency, "certificate has no SCT list")
                }
                tbs = t
            } catch let e as VerificationError { throw e } catch {
                throw VerificationError(.certificateTransparency, "cannot rebuild the precertificate: \(error)")
            }
            let issuerKeyHash = chain.issuingKeyHash
            var embeddedVerified = 0
            for sct in scts {
                let id = Hex.encode(sct.logID)
                guard let log = trustMaterial.ctLogs[id] else { continue }
                if let validFor = log.validFor {
                    if let s = validFor.start, sct.date < s { continue }
                    if let e = validFor.end, sct.date > e { continue }
                }
                if sct.verify(signedData: sct.signedData(issuerKeyHash: issuerKeyHash, tbsCertificate: tbs), key: log.key) {
                    embeddedVerified += 1
                    verified.insert(id)
                }
            }
            // With a detached SCT beside them, the embedded SCTs must still hold one that verifies (both are checked).
            if !configuration.detachedSCTs.isEmpty && embeddedVerified == 0 && !scts.isEmpty {
                throw VerificationError(.certificateTransparency, "the certificate's embedded SCTs do not verify with a trusted CT log")
            }
        } else if configuration.detachedSCTs.isEmpty {
            throw VerificationError(
                .certificateTransparency,
                "certificate does not include required embedded SCT and no detached SCT was set (only able to verify 0 SCT entries; unable to meet threshold of \(configuration.signedCertificateTimestampThreshold))")
        }
        guard verified.count >= configuration.signedCertificateTimestampThreshold else {
            throw VerificationError(
                .certificateTransparency,
                "only able to verify \(verified.count) SCT entries; unable to meet threshold of \(configuration.signedCertificateTimestampThreshold)")
        }
    }
}
