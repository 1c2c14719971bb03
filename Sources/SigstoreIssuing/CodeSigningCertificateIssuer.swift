#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
internal import SigstoreCrypto
internal import SigstoreCore
internal import SigstoreVerify
internal import SwiftASN1
public import X509

/// Fulcio's certificate profile (`docs/certificate-specification.md`): short-lived code-signing leaves with an empty
/// subject, a critical SAN, the OIDC issuer in `1.3.6.1.4.1.57264.1.1` (raw) and `.1.8` (UTF8String), optionally the
/// token subject in `.1.24`, and one embedded SCT.
///
/// The SCT is signed over the final TBSCertificate without the SCT list, which is then appended as the last
/// extension: the precertificate RFC 6962 describes, without issuing it separately.
public struct CodeSigningCertificateIssuer: Sendable {
    /// The intermediate CA that issues leaves.
    public var authority: IssuingAuthority
    /// The CT log that embeds an SCT in every leaf; no SCT when nil.
    public var ctLog: (any SCTSigner)?
    /// How long a certificate is valid (Fulcio: ten minutes).
    public var validity: TimeInterval = 600
    /// Whether leaves carry the code-signing EKU; `false` only to test that verifiers refuse such a leaf.
    public var includesCodeSigningUsage = true

    /// Creates an issuer.
    public init(authority: IssuingAuthority, ctLog: (any SCTSigner)?) {
        self.authority = authority
        self.ctLog = ctLog
    }

    /// Issues a leaf for `publicKey`, valid from `time` (rounded down to the second) for ``validity``.
    ///
    /// - Parameters:
    ///   - publicKey: The signer's key.
    ///   - identity: The SAN.
    ///   - oidcIssuer: The OIDC issuer that vouched for the identity.
    ///   - tokenSubject: The identity token's `sub` claim, written into `.1.24` when given.
    ///   - claimExtensions: Fulcio's extensions drawn from token claims (CI identities), by the last arc of their OID
    ///     under `1.3.6.1.4.1.57264.1`: 2–6 (GitHub's deprecated ones) as raw bytes, 9–23 as DER UTF8Strings, in
    ///     Fulcio's order; empty values are left out, as Fulcio does.
    ///   - time: When the certificate is issued.
    /// - Returns: The leaf certificate.
    /// - Throws: When swift-certificates or the CT log fails.
    public func issue(
        publicKey: Certificate.PublicKey, identity: SignerIdentity, oidcIssuer: String, tokenSubject: String? = nil,
        claimExtensions: [Int: String] = [:], at time: Date
    ) throws -> Certificate {
        let claims = claimExtensions.filter { !$0.value.isEmpty }
        guard claims.keys.allSatisfy({ (2...6).contains($0) || (9...23).contains($0) }) else {
            throw IssuingError(.issuingFailed, "claim extensions use the arcs 2–6 and 9–23 of 1.3.6.1.4.1.57264.1")
        }
        let san: GeneralName =
            switch identity {
            case .email(let e): .rfc822Name(e)
            case .uri(let u): .uniformResourceIdentifier(u)
            case .username(let name):
                .otherName(GeneralName.OtherName(typeID: SigstoreOID.otherNameSAN, value: try ASN1Any(erasing: ASN1UTF8String(name))))
            }
        var serialBytes = (0..<20).map { _ in UInt8.random(in: 0...255) }
        serialBytes[0] &= 0x7F  // positive, at most 160 bits
        if serialBytes[0] == 0 { serialBytes[0] = 1 }
        let serial = Certificate.SerialNumber(bytes: serialBytes)
        let notBefore = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
        let issuerCertificate = authority.certificate
        var extensions: [Certificate.Extension] = [try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true)]
        if includesCodeSigningUsage {
            extensions.append(try Certificate.Extension(try ExtendedKeyUsage([.codeSigning]), critical: false))
        }
        extensions += [
            try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false),
            try authority.authorityKeyIdentifier(),
            try Certificate.Extension(SubjectAlternativeNames([san]), critical: true),
            Certificate.Extension(oid: SigstoreOID.issuerV1, critical: false, value: ArraySlice(oidcIssuer.utf8)),
        ]
        for arc in claims.keys.sorted() where arc <= 6 {
            extensions.append(Certificate.Extension(oid: SigstoreOID.fulcio(UInt(arc)), critical: false, value: ArraySlice(claims[arc]!.utf8)))
        }
        extensions.append(
            Certificate.Extension(oid: SigstoreOID.issuerV2, critical: false, value: try DER.encoding(ASN1UTF8String(oidcIssuer))[...]))
        for arc in claims.keys.sorted() where arc >= 9 {
            extensions.append(
                Certificate.Extension(oid: SigstoreOID.fulcio(UInt(arc)), critical: false, value: try DER.encoding(ASN1UTF8String(claims[arc]!))[...]))
        }
        if let tokenSubject {
            extensions.append(
                Certificate.Extension(
                    oid: SigstoreOID.fulcio(24), critical: false, value: try DER.encoding(ASN1UTF8String(tokenSubject))[...]))
        }
        func make(_ extensions: [Certificate.Extension]) throws -> Certificate {
            try Certificate(
                version: .v3, serialNumber: serial, publicKey: publicKey, notValidBefore: notBefore,
                notValidAfter: notBefore.addingTimeInterval(validity), issuer: issuerCertificate.subject,
                subject: DistinguishedName(), signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions(extensions),
                issuerPrivateKey: Certificate.PrivateKey(authority.privateKey))
        }
        guard let ctLog else { return try make(extensions) }
        let precertificate = try make(extensions)
        let issuerKeyHash = HashAlgorithm.sha256.digest(of: try DER.encoding(issuerCertificate.publicKey)).bytes
        let sct = try ctLog.signedCertificateTimestamp(
            tbsCertificate: Array(precertificate.tbsCertificateBytes), issuerKeyHash: issuerKeyHash, at: time)
        return try make(extensions + [try SignedCertificateTimestamp.listExtension([sct])])
    }
}
