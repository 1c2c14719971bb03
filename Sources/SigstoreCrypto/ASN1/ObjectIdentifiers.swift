package import SwiftASN1

/// The object identifiers the package reads and writes: key algorithms, digests, signatures, CMS and RFC 3161.
package enum OID {
    // Key algorithms and curves (RFC 5480, RFC 8410).
    package static let ecPublicKey: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    package static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    package static let ed25519: ASN1ObjectIdentifier = [1, 3, 101, 112]
    package static let p256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 3, 1, 7]
    package static let p384: ASN1ObjectIdentifier = [1, 3, 132, 0, 34]
    package static let p521: ASN1ObjectIdentifier = [1, 3, 132, 0, 35]

    // Digests (RFC 5754).
    package static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
    package static let sha384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]
    package static let sha512: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 3]

    // Signature algorithms (RFC 5758, RFC 8017).
    package static let ecdsaWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
    package static let ecdsaWithSHA384: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 3]
    package static let ecdsaWithSHA512: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 4]
    package static let sha256WithRSAEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 11]
    package static let sha384WithRSAEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 12]
    package static let sha512WithRSAEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 13]

    // CMS content types and attributes (RFC 5652, RFC 5035).
    package static let signedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 2]
    package static let contentType: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 3]
    package static let messageDigest: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 4]
    package static let signingTime: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 5]
    package static let signingCertificateV2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 47]

    // RFC 3161.
    package static let tstInfo: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 1, 4]
    /// The policy Sigstore's timestamp authorities write into every token.
    package static let sigstoreTimestampPolicy: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 2]
}

extension HashAlgorithm {
    /// The digest algorithm an OID names, or nil for digests this package does not support.
    package init?(oid: ASN1ObjectIdentifier) {
        switch oid {
        case OID.sha256: self = .sha256
        case OID.sha384: self = .sha384
        case OID.sha512: self = .sha512
        default: return nil
        }
    }

    /// The algorithm's OID (RFC 5754).
    package var oid: ASN1ObjectIdentifier {
        switch self {
        case .sha256: OID.sha256
        case .sha384: OID.sha384
        case .sha512: OID.sha512
        }
    }
}
