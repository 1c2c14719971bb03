import SwiftASN1
import SigstoreCore

/// The key algorithms a PKIX or PKCS#8 `AlgorithmIdentifier` can name that this module supports.
enum KeyAlgorithm {
    case p256, p384, p521, rsa, ed25519

    /// Maps an algorithm identifier to a supported algorithm, or throws ``SigstoreCryptoError/Code/unsupportedKey``.
    init(_ identifier: AlgorithmIdentifier, what: String) throws {
        switch identifier.algorithm {
        case OID.ecPublicKey:
            switch identifier.namedCurve {
            case OID.p256: self = .p256
            case OID.p384: self = .p384
            case OID.p521: self = .p521
            case let curve:
                throw SigstoreCryptoError(
                    .unsupportedKey,
                    "unsupported elliptic curve \(curve.map { String(describing: $0) } ?? "(none)") (supported: P-256, P-384, P-521)")
            }
        case OID.rsaEncryption: self = .rsa
        case OID.ed25519: self = .ed25519
        default:
            throw SigstoreCryptoError(.unsupportedKey, "unsupported \(what) algorithm \(identifier.algorithm)")
        }
    }
}

/// A PKIX `SubjectPublicKeyInfo` split into its algorithm and key bits.
struct SubjectPublicKeyInfo {
    var algorithm: AlgorithmIdentifier
    var keyBytes: [UInt8]

    init(derEncoded bytes: [UInt8]) throws {
        let root = try DER.parse(bytes)
        self = try DER.sequence(root, identifier: .sequence) { nodes in
            guard let algNode = nodes.next() else {
                throw ASN1Error.invalidASN1Object(reason: "missing algorithm")
            }
            let algorithm = try AlgorithmIdentifier(derEncoded: algNode)
            let bits = try ASN1BitString(derEncoded: &nodes)
            return SubjectPublicKeyInfo(algorithm: algorithm, keyBytes: Array(bits.bytes))
        }
    }

    private init(algorithm: AlgorithmIdentifier, keyBytes: [UInt8]) {
        self.algorithm = algorithm
        self.keyBytes = keyBytes
    }
}

/// A PKCS#8 `PrivateKeyInfo` (RFC 5208 / RFC 5958 v1 and v2), split into its algorithm and the inner key octets.
struct PKCS8PrivateKeyInfo {
    var algorithm: AlgorithmIdentifier
    var privateKey: [UInt8]

    init(derEncoded bytes: [UInt8]) throws {
        let root = try DER.parse(bytes)
        self = try DER.sequence(root, identifier: .sequence) { nodes in
            let version = try Int(derEncoded: &nodes)
            guard version == 0 || version == 1 else {
                throw ASN1Error.invalidASN1Object(reason: "unsupported PKCS#8 version \(version)")
            }
            guard let algNode = nodes.next() else {
                throw ASN1Error.invalidASN1Object(reason: "missing algorithm")
            }
            let algorithm = try AlgorithmIdentifier(derEncoded: algNode)
            let key = try ASN1OctetString(derEncoded: &nodes)
            // Optional attributes [0] and public key [1] may follow; they are not needed.
            while nodes.next() != nil {}
            return PKCS8PrivateKeyInfo(algorithm: algorithm, privateKey: Array(key.bytes))
        }
    }

    private init(algorithm: AlgorithmIdentifier, privateKey: [UInt8]) {
        self.algorithm = algorithm
        self.privateKey = privateKey
    }
}

/// Fixed DER prefixes for Ed25519 keys (RFC 8410), which have no parameters and fixed lengths.
enum Ed25519DER {
    /// `SubjectPublicKeyInfo` up to the 32 key bytes.
    static let spkiPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]
    /// PKCS#8 v1 `PrivateKeyInfo` up to the 32 seed bytes, as Go's `x509.MarshalPKCS8PrivateKey` writes it.
    static let pkcs8Prefix: [UInt8] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    /// Extracts the 32-byte seed from the inner `CurvePrivateKey ::= OCTET STRING`.
    static func seed(fromCurvePrivateKey bytes: [UInt8]) throws -> [UInt8] {
        let inner = try ASN1OctetString(derEncoded: bytes)
        guard inner.bytes.count == 32 else {
            throw ASN1Error.invalidASN1Object(reason: "Ed25519 private key must be 32 bytes")
        }
        return Array(inner.bytes)
    }
}
