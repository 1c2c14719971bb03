public import Foundation
internal import HTTPTypes
public import Crypto
internal import SigstoreCrypto
internal import SigstoreVerify
internal import SwiftASN1
public import X509

/// The identity a certificate is issued to.
public enum SignerIdentity: Sendable, Hashable {
    /// An email address (rfc822Name SAN).
    case email(String)
    /// A URI (URI SAN): CI workloads, SPIFFE IDs, URI subjects.
    case uri(String)
}

/// Fulcio's certificate profile (`docs/certificate-specification.md`): ten-minute code-signing leaves with an empty
/// subject, a critical SAN, the OIDC issuer in `1.3.6.1.4.1.57264.1.1` (raw) and `.1.8` (UTF8String), the token
/// subject in `.1.24`, and one embedded SCT from the instance's CT log, signed over the final TBS without the SCT
/// list (the list is then appended as the last extension; no precertificate is needed).
public struct CertificateIssuer: Sendable {
    let keys: InstanceKeys
    /// How long a certificate is valid.
    public var validity: TimeInterval = 600

    /// Creates an issuer over the instance's intermediate CA and CT log.
    public init(keys: InstanceKeys) { self.keys = keys }

    /// The chain returned to clients: leaf, intermediate, root.
    public func issue(
        publicKey: Certificate.PublicKey, identity: SignerIdentity, issuer: String, tokenSubject: String, now: Date
    ) throws -> [Certificate] {
        let san: GeneralName =
            switch identity {
            case .email(let e): .rfc822Name(e)
            case .uri(let u): .uniformResourceIdentifier(u)
            }
        var serialBytes = (0..<20).map { _ in UInt8.random(in: 0...255) }
        serialBytes[0] &= 0x7F  // positive, at most 160 bits
        if serialBytes[0] == 0 { serialBytes[0] = 1 }
        let serial = Certificate.SerialNumber(bytes: serialBytes)
        let notBefore = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let intermediate = keys.fulcioIntermediate
        let base: [Certificate.Extension] = [
            try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true),
            try Certificate.Extension(try ExtendedKeyUsage([.codeSigning]), critical: false),
            try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false),
            try Certificate.Extension(
                AuthorityKeyIdentifier(keyIdentifier: try intermediate.extensions.subjectKeyIdentifier?.keyIdentifier),
                critical: false),
            try Certificate.Extension(SubjectAlternativeNames([san]), critical: true),
            Certificate.Extension(oid: SigstoreOID.issuerV1, critical: false, value: ArraySlice(issuer.utf8)),
            Certificate.Extension(oid: SigstoreOID.issuerV2, critical: false, value: ArraySlice(try der(ASN1UTF8String(issuer)))),
            Certificate.Extension(
                oid: SigstoreOID.fulcio(24), critical: false, value: ArraySlice(try der(ASN1UTF8String(tokenSubject)))),
        ]
        func make(_ extensions: [Certificate.Extension]) throws -> Certificate {
            try Certificate(
                version: .v3, serialNumber: serial, publicKey: publicKey, notValidBefore: notBefore,
                notValidAfter: notBefore.addingTimeInterval(validity), issuer: intermediate.subject,
                subject: DistinguishedName(), signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions(extensions),
                issuerPrivateKey: Certificate.PrivateKey(keys.fulcioIntermediateKey))
        }
        let withoutSCT = try make(base)
        let sct = try signedCertificateTimestamp(
            tbs: Array(withoutSCT.tbsCertificateBytes), issuerSPKI: try der(intermediate.publicKey), now: now)
        let list = u16(sct.count + 2) + u16(sct.count) + sct
        let value = try der(ASN1OctetString(contentBytes: ArraySlice(list)))
        let leaf = try make(base + [Certificate.Extension(oid: SigstoreOID.sctList, critical: false, value: ArraySlice(value))])
        return [leaf, intermediate, keys.fulcioRoot]
    }

    /// An RFC 6962 v1 SCT for a precertificate entry, serialized (TLS encoding).
    func signedCertificateTimestamp(tbs: [UInt8], issuerSPKI: [UInt8], now: Date) throws -> [UInt8] {
        let ms = UInt64(now.timeIntervalSince1970 * 1000)
        let logID = Array(SHA256.hash(data: keys.ctLogKey.publicKey.derRepresentation))
        let unsigned = SignedCertificateTimestamp(
            version: 0, logID: logID, timestamp: ms, extensions: [], hashAlgorithm: 4, signatureAlgorithm: 3, signature: [])
        let signed = unsigned.signedData(issuerKeyHash: Array(SHA256.hash(data: issuerSPKI)), tbsCertificate: tbs)
        let signature = Array(try keys.ctLogKey.signature(for: SHA256.hash(data: signed)).derRepresentation)
        return [0] + logID + withUnsafeBytes(of: ms.bigEndian, Array.init) + [0, 0, 4, 3] + u16(signature.count) + signature
    }
}

func u16(_ n: Int) -> [UInt8] { [UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] }

func der(_ value: some DERSerializable) throws -> [UInt8] {
    var serializer = DER.Serializer()
    try serializer.serialize(value)
    return serializer.serializedBytes
}
