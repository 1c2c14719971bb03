#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
internal import SigstoreCrypto
internal import SigstoreCore
internal import SwiftASN1
internal import X509

/// An RFC 3161 timestamp authority's signer: answers a ``TimestampRequest`` with a granted `TimeStampResp` whose
/// token is a CMS `SignedData` over a `TSTInfo`, shaped as sigstore's timestamp-authority writes it.
///
/// The `TSTInfo` carries Sigstore's policy, the request's imprint and nonce as written, a random serial, the time,
/// an accuracy of one second and the authority's name. The signer info names the certificate by issuer and serial,
/// and signs the DER-sorted attributes content type, signing time, message digest and ESS signing-certificate v2
/// (which openssl and rfc3161-client require) with ECDSA P-256 over SHA-256.
public struct TimestampIssuer: Sendable {
    /// The timestamping certificate (see ``IssuingAuthority/timestampingCertificate(subject:publicKey:notValidBefore:notValidAfter:serialNumber:criticalExtendedKeyUsage:)``)
    /// and the key that signs tokens.
    public let authority: IssuingAuthority

    /// An issuer signing tokens as `authority`.
    public init(authority: IssuingAuthority) { self.authority = authority }

    /// The DER `TimeStampResp` granting `request` at `time`.
    ///
    /// - Parameters:
    ///   - request: What to time-stamp.
    ///   - time: The time asserted (`genTime`, whole seconds).
    ///   - serialNumber: The token's serial number; 16 random bytes unless given.
    /// - Throws: ``IssuingError`` when the token cannot be encoded or signed.
    public func response(to request: TimestampRequest, at time: Date, serialNumber: [UInt8]? = nil) throws -> [UInt8] {
        do {
            return try DER.encoding(TimeStampResp(status: PKIStatusInfo(status: 0), timeStampToken: try token(for: request, at: time, serialNumber: serialNumber)))
        } catch let error as IssuingError {
            throw error
        } catch {
            throw IssuingError(.issuingFailed, "cannot issue the timestamp: \(error)", underlying: error)
        }
    }

    private func token(for request: TimestampRequest, at time: Date, serialNumber: [UInt8]?) throws -> ContentInfo {
        let (certificate, privateKey) = (authority.certificate, authority.privateKey)
        var serial = serialNumber ?? (0..<16).map { _ in UInt8.random(in: 0...255) }
        if serialNumber == nil {
            serial[0] &= 0x7F
            serial[0] |= 0x01
        }
        let info = TSTInfo(
            policy: OID.sigstoreTimestampPolicy, messageImprint: request.request.messageImprint,
            serialNumber: IntegerBytes(magnitude: serial), genTime: try GeneralizedTime(time), accuracy: Accuracy(seconds: 1),
            nonce: request.request.nonce, tsa: try RawDER(encoding: GeneralName.directoryName(certificate.subject)))
        let infoDER = try DER.encoding(info)
        let certificateDER = try DER.encoding(certificate)
        let certificateSerial = IntegerBytes(magnitude: certificate.serialNumber.bytes)
        let essCertificate = ESSCertIDv2(
            certHash: Array(SHA256.hash(data: certificateDER)),
            issuerSerial: IssuerSerial(
                issuer: [try RawDER(encoding: GeneralName.directoryName(certificate.issuer))], serialNumber: certificateSerial))
        let attributes = [
            try CMSAttribute(type: OID.contentType, value: OID.tstInfo),
            try CMSAttribute(type: OID.signingTime, value: try UTCTime(time)),
            try CMSAttribute(type: OID.messageDigest, value: ASN1OctetString(contentBytes: ArraySlice(SHA256.hash(data: infoDER)))),
            try CMSAttribute(type: OID.signingCertificateV2, value: SigningCertificateV2(certificates: [essCertificate])),
        ]
        let signature = try privateKey.signature(for: SHA256.hash(data: try SignerInfo.signedBytes(of: attributes)))
        let signer = try SignerInfo(
            issuerAndSerialNumber: IssuerAndSerialNumber(issuer: try RawDER(encoding: certificate.issuer), serialNumber: certificateSerial),
            digestAlgorithm: AlgorithmIdentifier(algorithm: OID.sha256), signedAttributes: attributes,
            signatureAlgorithm: AlgorithmIdentifier(algorithm: OID.ecdsaWithSHA256), signature: Array(signature.derRepresentation))
        let signedData = SignedData(
            version: 3, digestAlgorithms: [AlgorithmIdentifier(algorithm: OID.sha256)],
            encapContentInfo: EncapsulatedContentInfo(contentType: OID.tstInfo, content: infoDER),
            certificates: request.certificateRequested ? [RawDER(certificateDER)] : nil, signerInfos: [signer])
        return try ContentInfo(signedData: signedData)
    }
}
