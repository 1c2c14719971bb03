#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
public import SigstoreVerify
internal import SwiftASN1
internal import SigstoreCrypto
public import X509

/// Something that promises to log a precertificate: a CT log, or a stand-in that tests a verifier.
public protocol SCTSigner: Sendable {
    /// A v1 SCT for a precertificate entry (RFC 6962 §3.2).
    ///
    /// - Parameters:
    ///   - tbsCertificate: The DER TBSCertificate without the SCT-list extension.
    ///   - issuerKeyHash: SHA-256 of the issuing CA's `SubjectPublicKeyInfo`.
    ///   - time: The time the log promises inclusion by.
    func signedCertificateTimestamp(
        tbsCertificate: [UInt8], issuerKeyHash: [UInt8], at time: Date
    ) throws -> SignedCertificateTimestamp
}

extension LogSigner: SCTSigner {
    /// A v1 precertificate SCT, ECDSA P-256 over SHA-256, as Fulcio's CT log writes it.
    public func signedCertificateTimestamp(
        tbsCertificate: [UInt8], issuerKeyHash: [UInt8], at time: Date
    ) throws -> SignedCertificateTimestamp {
        var sct = SignedCertificateTimestamp(
            version: 0, logID: logID, timestamp: UInt64(time.timeIntervalSince1970 * 1000), extensions: [],
            hashAlgorithm: 4, signatureAlgorithm: 3, signature: [])
        let signed = sct.signedData(issuerKeyHash: issuerKeyHash, tbsCertificate: tbsCertificate)
        sct.signature = Array(try key.signature(for: SHA256.hash(data: signed)).derRepresentation)
        return sct
    }
}

extension SignedCertificateTimestamp {
    /// The TLS encoding of the SCT (RFC 6962 §3.2 `SignedCertificateTimestamp`), as an SCT list carries it.
    public var tlsEncoding: [UInt8] {
        var out: [UInt8] = [version] + logID + withUnsafeBytes(of: timestamp.bigEndian, Array.init)
        out += UInt16(extensions.count).bigEndianBytes + extensions
        out += [hashAlgorithm, signatureAlgorithm] + UInt16(signature.count).bigEndianBytes + signature
        return out
    }

    /// The embedded SCT-list extension (`1.3.6.1.4.1.11129.2.4.2`): an OCTET STRING holding the TLS
    /// `SignedCertificateTimestampList`.
    public static func listExtension(_ scts: [SignedCertificateTimestamp]) throws -> Certificate.Extension {
        let items = scts.flatMap { UInt16($0.tlsEncoding.count).bigEndianBytes + $0.tlsEncoding }
        let list = UInt16(items.count).bigEndianBytes + items
        return Certificate.Extension(
            oid: SigstoreOID.sctList, critical: false, value: try DER.encoding(ASN1OctetString(contentBytes: list[...]))[...])
    }
}

extension UInt16 {
    /// The two big-endian bytes of the value.
    var bigEndianBytes: [UInt8] { [UInt8(self >> 8), UInt8(self & 0xFF)] }
}
