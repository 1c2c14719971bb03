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
    func verifySCTs(_ leaf: SigningCertificate, chain: [Certificate]) throws {
        guard chain.count >= 2 else { throw VerificationError(.certificateTransparency, "certificate chain has no issuer for SCT verification") }
        guard let ext = leaf.certificate.extensions[oid: SigstoreOID.sctList] else {
            throw VerificationError(
                .certificateTransparency, "only able to verify 0 SCT entries; unable to meet threshold of \(configuration.signedCertificateTimestampThreshold)")
        }
        let scts = try SignedCertificateTimestamp.parseList(extensionValue: ext.value)
        let tbs: [UInt8]
        do {
            guard let t = try Self.tbsCertificate(leaf.der, removingExtension: SigstoreOID.sctList) else {
                throw VerificationError(.certificateTransparency, "certificate has no SCT list")
            }
            tbs = t
        } catch let e as VerificationError { throw e } catch {
            throw VerificationError(.certificateTransparency, "cannot rebuild the precertificate: \(error)")
        }
        let issuerKeyHash = HashAlgorithm.sha256.digest(of: chain[1].publicKey.spkiDER).bytes
        var verified = Set<String>()
        for sct in scts {
            let id = Hex.encode(sct.logID)
            if verified.contains(id) { continue }
            guard let log = trustMaterial.ctLogs[id] else { continue }
            if let validFor = log.validFor {
                if let s = validFor.start, sct.date < s { continue }
                if let e = validFor.end, sct.date > e { continue }
            }
            if sct.verify(signedData: sct.signedData(issuerKeyHash: issuerKeyHash, tbsCertificate: tbs), key: log.key) {
                verified.insert(id)
            }
        }
        guard verified.count >= configuration.signedCertificateTimestampThreshold else {
            throw VerificationError(
                .certificateTransparency,
                "only able to verify \(verified.count) SCT entries; unable to meet threshold of \(configuration.signedCertificateTimestampThreshold)")
        }
    }

    /// The TBSCertificate of `certificateDER` with the extension `oid` removed (RFC 6962 §3.3: the data an embedded
    /// SCT signs), re-encoded with swift-asn1. Nil when the certificate has no such extension.
    static func tbsCertificate(_ certificateDER: [UInt8], removingExtension oid: ASN1ObjectIdentifier) throws -> [UInt8]? {
        let certificate = try DER.parse(certificateDER)
        guard case .constructed(let certificateParts) = certificate.content, let tbs = certificateParts.first(where: { _ in true }),
            case .constructed(let tbsParts) = tbs.content
        else { throw ASN1Error.invalidASN1Object(reason: "not a certificate") }
        let extensionsTag = ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific)
        var removed = false
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            for part in tbsParts {
                guard part.identifier == extensionsTag, case .constructed(let wrapped) = part.content,
                    let sequence = wrapped.first(where: { _ in true }), case .constructed(let extensions) = sequence.content
                else {
                    coder.serialize(part)
                    continue
                }
                try coder.appendConstructedNode(identifier: extensionsTag) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        for field in extensions {
                            guard case .constructed(let fields) = field.content, let first = fields.first(where: { _ in true }) else {
                                throw ASN1Error.invalidASN1Object(reason: "malformed extension")
                            }
                            if try ASN1ObjectIdentifier(derEncoded: first) == oid {
                                removed = true
                            } else {
                                coder.serialize(field)
                            }
                        }
                    }
                }
            }
        }
        return removed ? coder.serializedBytes : nil
    }
}
