#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
public import SigstoreCrypto
public import SwiftASN1
public import X509
import SigstoreCore

/// Sigstore's certificate extension OIDs (`1.3.6.1.4.1.57264.1.*`).
public enum SigstoreOID {
    /// `1.3.6.1.4.1.57264.1.<n>`.
    public static func fulcio(_ n: UInt) -> ASN1ObjectIdentifier { [1, 3, 6, 1, 4, 1, 57264, 1, n] }
    /// OIDC issuer, raw bytes (deprecated).
    public static let issuerV1 = fulcio(1)
    /// OIDC issuer, DER UTF8String.
    public static let issuerV2 = fulcio(8)
    /// The OtherName SAN type for username identities.
    public static let otherNameSAN = fulcio(7)
    /// The embedded SCT list of RFC 6962.
    public static let sctList: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 11129, 2, 4, 2]
    /// The CT precertificate-signing EKU.
    public static let precertificateSigning: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 11129, 2, 4, 4]
}

/// A signing certificate with what the verifier reads from it.
public struct SigningCertificate: Sendable, Hashable {
    /// The parsed certificate.
    public var certificate: Certificate
    /// Its DER encoding.
    public var der: [UInt8]

    /// Parses a DER certificate.
    public init(der: [UInt8]) throws {
        guard !der.isEmpty else { throw VerificationError(.bundle, "bundle certificate is empty") }
        do {
            certificate = try Certificate(derEncoded: der)
        } catch {
            throw VerificationError(.certificate, "bundle certificate is not a valid X.509 certificate")
        }
        self.der = der
    }

    /// The certificate's public key, as the signature verifier uses it.
    public func publicKey() throws -> SigstoreCrypto.PublicKey {
        do {
            return try SigstoreCrypto.PublicKey(derEncoded: certificate.publicKey.spkiDER)
        } catch {
            throw VerificationError(.certificate, "unsupported public key in signing certificate: \(error)")
        }
    }

    /// The identity sigstore-go summarizes: the first URI SAN, else the first email, else the Fulcio OtherName.
    public var subjectAlternativeName: String? {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return nil }
        var email: String?
        var other: String?
        for name in names {
            switch name {
            case .uniformResourceIdentifier(let uri): return uri
            case .rfc822Name(let e): if email == nil { email = e }
            case .otherName(let o) where o.typeID == SigstoreOID.otherNameSAN:
                if other == nil, let v = o.value, let s = try? ASN1UTF8String(asn1Any: v) { other = String(s) }
            default: continue
            }
        }
        return email ?? other
    }

    /// The OIDC issuer: the DER UTF8String extension `.1.8`, else the raw `.1.1`.
    public var issuer: String? {
        if let v2 = certificate.extensions[oid: SigstoreOID.issuerV2],
            let s = try? ASN1UTF8String(derEncoded: v2.value)
        {
            return String(s)
        }
        return rawExtension(SigstoreOID.issuerV1)
    }

    /// A deprecated raw-bytes Sigstore extension (`.1.1`–`.1.6`) as text.
    public func rawExtension(_ oid: ASN1ObjectIdentifier) -> String? {
        certificate.extensions[oid: oid].map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// Whether the certificate is valid at `time` (bounds inclusive).
    public func isValid(at time: Date) -> Bool {
        certificate.notValidBefore <= time && time <= certificate.notValidAfter
    }
}

extension Certificate.PublicKey {
    /// The PKIX `SubjectPublicKeyInfo` DER.
    var spkiDER: [UInt8] {
        var s = DER.Serializer()
        // Serializing a parsed key cannot fail.
        try? s.serialize(self)
        return s.serializedBytes
    }
}

/// Fulcio's leaf profile for chain building: a code-signing EKU, and the critical SAN that identity policies check.
struct CodeSigningPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.extendedKeyUsage,
    ]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        for (index, cert) in chain.enumerated() {
            let eku: ExtendedKeyUsage?
            do { eku = try cert.extensions.extendedKeyUsage } catch {
                return .failsToMeetPolicy(reason: "malformed extended key usage")
            }
            guard let eku else {
                if index == 0 { return .failsToMeetPolicy(reason: "leaf certificate has no extended key usage") }
                continue
            }
            if !(eku.contains(.codeSigning) || eku.contains(.any)) {
                return .failsToMeetPolicy(reason: "certificate's extended key usage does not permit code signing")
            }
        }
        return .meetsPolicy
    }
}

/// RFC 3161 TSA chain profile: the leaf must carry a critical EKU of exactly id-kp-timeStamping; intermediates with an
/// EKU must permit it.
struct TimeStampingPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        for (index, cert) in chain.enumerated() {
            let ext = cert.extensions[oid: .X509ExtensionID.extendedKeyUsage]
            guard let ext else {
                if index == 0 { return .failsToMeetPolicy(reason: "timestamp certificate has no extended key usage") }
                continue
            }
            guard let eku = try? ExtendedKeyUsage(ext) else { return .failsToMeetPolicy(reason: "malformed extended key usage") }
            if index == 0 {
                guard ext.critical, eku.count == 1, eku.contains(.timeStamping) else {
                    return .failsToMeetPolicy(
                        reason: "timestamp certificate must have a critical extended key usage of timeStamping only")
                }
            } else if !(eku.contains(.timeStamping) || eku.contains(.any)) {
                return .failsToMeetPolicy(reason: "intermediate certificate does not permit timestamping")
            }
        }
        return .meetsPolicy
    }
}
