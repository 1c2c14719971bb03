#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Crypto
public import X509
internal import SwiftASN1

/// An authority that issues: a certificate and the ECDSA P-256 key it certifies. As a certificate authority it issues
/// certificates; with a timestamping certificate it signs RFC 3161 tokens (``TimestampIssuer``).
///
/// One place for the CA profiles of a Sigstore deployment: self-signed roots, intermediates that issue code-signing
/// leaves, and RFC 3161 timestamping certificates. Every CA certificate has critical basic constraints and key
/// usage, a subject key identifier and, when issued by another CA, that CA's key identifier.
public struct IssuingAuthority: Sendable {
    /// The authority's certificate.
    public let certificate: Certificate
    /// The key its certificate certifies.
    public let privateKey: P256.Signing.PrivateKey

    /// An authority from an existing certificate and its key.
    public init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// A self-signed root CA without a path-length limit.
    ///
    /// - Parameters:
    ///   - subject: The root's name (also its issuer's).
    ///   - key: The root's key.
    ///   - notValidBefore: The start of its validity.
    ///   - notValidAfter: The end of its validity.
    /// - Throws: When swift-certificates cannot build or sign the certificate.
    public static func root(
        subject: DistinguishedName, key: P256.Signing.PrivateKey = P256.Signing.PrivateKey(), notValidBefore: Date,
        notValidAfter: Date
    ) throws -> IssuingAuthority {
        let certificate = try Self.caCertificate(
            subject: subject, publicKey: Certificate.PublicKey(key.publicKey), issuer: nil, issuerKey: key,
            notValidBefore: notValidBefore, notValidAfter: notValidAfter, maxPathLength: nil, extendedKeyUsage: [])
        return IssuingAuthority(certificate: certificate, privateKey: key)
    }

    /// An intermediate CA issued by this one.
    ///
    /// - Parameters:
    ///   - subject: The intermediate's name.
    ///   - key: The intermediate's key.
    ///   - notValidBefore: The start of its validity.
    ///   - notValidAfter: The end of its validity.
    ///   - maxPathLength: How many CAs may follow it (0: it issues leaves only).
    ///   - extendedKeyUsage: The uses it may issue for; Fulcio's intermediate carries code signing.
    /// - Throws: When swift-certificates cannot build or sign the certificate.
    public func intermediate(
        subject: DistinguishedName, key: P256.Signing.PrivateKey = P256.Signing.PrivateKey(), notValidBefore: Date,
        notValidAfter: Date, maxPathLength: Int? = 0, extendedKeyUsage: [ExtendedKeyUsage.Usage] = [.codeSigning]
    ) throws -> IssuingAuthority {
        let certificate = try Self.caCertificate(
            subject: subject, publicKey: Certificate.PublicKey(key.publicKey), issuer: self.certificate,
            issuerKey: privateKey, notValidBefore: notValidBefore, notValidAfter: notValidAfter,
            maxPathLength: maxPathLength, extendedKeyUsage: extendedKeyUsage)
        return IssuingAuthority(certificate: certificate, privateKey: key)
    }

    /// An RFC 3161 timestamping certificate: digital signature only, and exactly `id-kp-timeStamping`, critical
    /// (RFC 3161 §2.3; sigstore-go and rfc3161-client check both).
    ///
    /// - Parameters:
    ///   - subject: The authority's name.
    ///   - publicKey: The key that signs tokens.
    ///   - notValidBefore: The start of its validity.
    ///   - notValidAfter: The end of its validity.
    ///   - serialNumber: The serial number; random unless given.
    ///   - criticalExtendedKeyUsage: Whether the EKU is critical; `false` only to test that verifiers refuse it.
    /// - Throws: When swift-certificates cannot build or sign the certificate.
    public func timestampingCertificate(
        subject: DistinguishedName, publicKey: P256.Signing.PublicKey, notValidBefore: Date, notValidAfter: Date,
        serialNumber: Certificate.SerialNumber = Certificate.SerialNumber(), criticalExtendedKeyUsage: Bool = true
    ) throws -> Certificate {
        let key = Certificate.PublicKey(publicKey)
        return try Certificate(
            version: .v3, serialNumber: serialNumber, publicKey: key, notValidBefore: notValidBefore,
            notValidAfter: notValidAfter, issuer: certificate.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions([
                try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true),
                try Certificate.Extension(try ExtendedKeyUsage([.timeStamping]), critical: criticalExtendedKeyUsage),
                try Certificate.Extension(SubjectKeyIdentifier(hash: key), critical: false),
                try authorityKeyIdentifier(),
            ]),
            issuerPrivateKey: Certificate.PrivateKey(privateKey))
    }

    /// A TLS server certificate for `hosts` (IP addresses become IP SANs, other names DNS SANs): digital signature,
    /// `id-kp-serverAuth`.
    public func serverCertificate(
        hosts: [String], publicKey: P256.Signing.PublicKey, notValidBefore: Date, notValidAfter: Date
    ) throws -> Certificate {
        let key = Certificate.PublicKey(publicKey)
        let names: [GeneralName] = hosts.map { host in
            if let v4 = IPv4Address(host) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(v4.bytes))) }
            if let v6 = IPv6Address(host) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(v6.bytes))) }
            return .dnsName(host)
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key, notValidBefore: notValidBefore,
            notValidAfter: notValidAfter, issuer: certificate.subject, subject: try DistinguishedName { CommonName(hosts.first ?? "localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions([
                try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true),
                try Certificate.Extension(try ExtendedKeyUsage([.serverAuth]), critical: false),
                try Certificate.Extension(SubjectAlternativeNames(names), critical: false),
                try Certificate.Extension(SubjectKeyIdentifier(hash: key), critical: false),
                try authorityKeyIdentifier(),
            ]),
            issuerPrivateKey: Certificate.PrivateKey(privateKey))
    }

    /// The authority key identifier extension of certificates this authority issues.
    func authorityKeyIdentifier() throws -> Certificate.Extension {
        let keyIdentifier =
            try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
        return try Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: keyIdentifier), critical: false)
    }

    private static func caCertificate(
        subject: DistinguishedName, publicKey: Certificate.PublicKey, issuer: Certificate?,
        issuerKey: P256.Signing.PrivateKey, notValidBefore: Date, notValidAfter: Date, maxPathLength: Int?,
        extendedKeyUsage: [ExtendedKeyUsage.Usage]
    ) throws -> Certificate {
        var extensions: [Certificate.Extension] = [
            try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: maxPathLength), critical: true),
            try Certificate.Extension(KeyUsage(keyCertSign: true, cRLSign: true), critical: true),
            try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false),
        ]
        if let issuer {
            extensions.append(try IssuingAuthority(certificate: issuer, privateKey: issuerKey).authorityKeyIdentifier())
        }
        if !extendedKeyUsage.isEmpty {
            extensions.append(try Certificate.Extension(try ExtendedKeyUsage(extendedKeyUsage), critical: false))
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey, notValidBefore: notValidBefore,
            notValidAfter: notValidAfter, issuer: issuer?.subject ?? subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: try Certificate.Extensions(extensions),
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
    }
}

/// A dotted-quad IPv4 address.
struct IPv4Address {
    let bytes: [UInt8]
    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        self.bytes = bytes
    }
}

/// An IPv6 address in its text forms (with `::`), without a zone.
struct IPv6Address {
    let bytes: [UInt8]
    init?(_ text: String) {
        guard text.contains(":"), !text.contains("%") else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]), let tail = halves.count == 2 ? groups(halves[1]) : [] else { return nil }
        let all: [UInt16]
        if halves.count == 2 {
            guard head.count + tail.count < 8 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            all = head
        }
        bytes = all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
