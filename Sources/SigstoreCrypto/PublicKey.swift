#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Crypto
import _CryptoExtras
import SwiftASN1
import SigstoreCore

/// A public key of one of the algorithms cosign supports: ECDSA P-256/P-384/P-521, RSA (PKCS#1 v1.5) and Ed25519.
public struct PublicKey: Sendable {
    enum Backing: Sendable {
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case p521(P521.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }
    let backing: Backing
    /// The `SubjectPublicKeyInfo` an ECDSA key was parsed from, which is what re-encoding it would give: encoding
    /// the key anew converts its point to affine coordinates, a field inversion on every call.
    let spki: [UInt8]?

    init(backing: Backing, spki: [UInt8]? = nil) {
        self.backing = backing
        self.spki = spki
    }

    /// Wraps an ECDSA P-256 key.
    public init(_ key: P256.Signing.PublicKey) { self.init(backing: .p256(key)) }

    /// Wraps an Ed25519 key.
    public init(_ key: Curve25519.Signing.PublicKey) { self.init(backing: .ed25519(key)) }

    /// A P-256 key already parsed from `spki` (a certificate's, by swift-certificates), which the caller vouches for:
    /// its point is not decoded a second time.
    package init(_ key: P256.Signing.PublicKey, spki: [UInt8]) { self.init(backing: .p256(key), spki: spki) }

    /// A P-384 key already parsed from `spki`, as for P-256.
    package init(_ key: P384.Signing.PublicKey, spki: [UInt8]) { self.init(backing: .p384(key), spki: spki) }

    /// Parses a PKIX `SubjectPublicKeyInfo`.
    public init(derEncoded bytes: [UInt8]) throws {
        let spki: SubjectPublicKeyInfo
        do {
            spki = try SubjectPublicKeyInfo(derEncoded: bytes)
        } catch {
            throw SigstoreCryptoError(.malformedKey, "malformed public key: not a PKIX SubjectPublicKeyInfo")
        }
        do {
            switch try KeyAlgorithm(spki.algorithm, what: "public key") {
            // swift-crypto takes only the uncompressed point form under swift-asn1's strict DER, so `bytes` are the
            // canonical encoding of the key.
            case .p256: self.init(backing: .p256(try P256.Signing.PublicKey(derRepresentation: bytes)), spki: bytes)
            case .p384: self.init(backing: .p384(try P384.Signing.PublicKey(derRepresentation: bytes)), spki: bytes)
            case .p521: self.init(backing: .p521(try P521.Signing.PublicKey(derRepresentation: bytes)), spki: bytes)
            case .rsa:
                let key = try _RSA.Signing.PublicKey(unsafeDERRepresentation: bytes)
                try Self.checkRSASize(key.keySizeInBits)
                self.init(backing: .rsa(key))
            case .ed25519:
                self.init(backing: .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: spki.keyBytes)))
            }
        } catch let error as SigstoreCryptoError {
            throw error
        } catch {
            throw SigstoreCryptoError(.malformedKey, "malformed public key: \(error)")
        }
    }

    /// Parses a PEM public key: `PUBLIC KEY` (PKIX) or `RSA PUBLIC KEY` (PKCS#1).
    public init(pemEncoded text: String) throws {
        let block = try PEMBlock.parseFirst(text)
        switch block.label {
        case "PUBLIC KEY":
            try self.init(derEncoded: block.bytes)
        case "RSA PUBLIC KEY":
            try self.init(pkcs1RSA: block.bytes)
        default:
            throw SigstoreCryptoError(
                .malformedPEM, "PEM block \"\(block.label)\" is not a public key (expected \"PUBLIC KEY\")")
        }
    }

    /// Parses a PKCS#1 `RSAPublicKey` (as trusted roots carry with key details `PKCS1_RSA_PKCS1V5`).
    public init(pkcs1RSA der: [UInt8]) throws {
        let key: _RSA.Signing.PublicKey
        do {
            key = try _RSA.Signing.PublicKey(unsafeDERRepresentation: der)
        } catch {
            throw SigstoreCryptoError(.malformedKey, "malformed RSA public key: \(error)")
        }
        try Self.checkRSASize(key.keySizeInBits)
        self.init(backing: .rsa(key))
    }

    /// An RSA public key from its modulus and public exponent (big-endian), as JWKs and PKCS#11 tokens give them.
    public init(rsaModulus modulus: [UInt8], exponent: [UInt8]) throws {
        let key: _RSA.Signing.PublicKey
        do {
            key = try _RSA.Signing.PublicKey(n: modulus, e: exponent)
        } catch {
            throw SigstoreCryptoError(.malformedKey, "malformed RSA public key: \(error)")
        }
        try Self.checkRSASize(key.keySizeInBits)
        self.init(backing: .rsa(key))
    }

    static func checkRSASize(_ bits: Int) throws {
        guard [2048, 3072, 4096].contains(bits) else {
            throw SigstoreCryptoError(.unsupportedKey, "unsupported RSA key size \(bits) bits (supported: 2048, 3072, 4096)")
        }
    }

    /// The PKIX `SubjectPublicKeyInfo` DER encoding.
    public var derRepresentation: [UInt8] {
        if let spki { return spki }
        return switch backing {
        case .p256(let k): Array(k.derRepresentation)
        case .p384(let k): Array(k.derRepresentation)
        case .p521(let k): Array(k.derRepresentation)
        case .rsa(let k): Array(k.derRepresentation)
        case .ed25519(let k): Ed25519DER.spkiPrefix + Array(k.rawRepresentation)
        }
    }

    /// The `PUBLIC KEY` PEM text, as cosign writes `cosign.pub`.
    public var pemRepresentation: String {
        PEMBlock(label: "PUBLIC KEY", bytes: derRepresentation).pemString
    }

    /// The algorithm family and size, e.g. `ECDSA P-256`.
    public var algorithmDescription: String {
        switch backing {
        case .p256: "ECDSA P-256"
        case .p384: "ECDSA P-384"
        case .p521: "ECDSA P-521"
        case .rsa(let k): "RSA \(k.keySizeInBits)"
        case .ed25519: "Ed25519"
        }
    }

    /// The key kind.
    public var kind: KeyKind {
        switch backing {
        case .p256: .ecdsaP256
        case .p384: .ecdsaP384
        case .p521: .ecdsaP521
        case .rsa(let k): .rsa(bits: k.keySizeInBits)
        case .ed25519: .ed25519
        }
    }

    /// The hash cosign uses with this key for digests it signs (P-384 → SHA-384, P-521 → SHA-512, otherwise SHA-256).
    public var defaultHashAlgorithm: HashAlgorithm { kind.defaultHashAlgorithm }

    /// Whether signatures of this key are computed over the message itself rather than over a digest (pure Ed25519).
    public var signsWholeMessage: Bool { kind == .ed25519 }

    /// Checks a signature over a precomputed digest (ECDSA, RSA PKCS#1 v1.5).
    ///
    /// - Throws: ``SigstoreCryptoError`` (`.invalidSignature`) when it does not verify, or
    ///   (`.malformedSignature`) when the bytes cannot be a signature for this key.
    public func verifySignature(_ signature: [UInt8], digest: ArtifactDigest) throws {
        let valid: Bool
        switch backing {
        case .p256(let k):
            let sig = try Self.ecdsaSignature(P256.Signing.ECDSASignature.self, signature)
            valid = try digest.withConcrete { k.isValidSignature(sig, for: $0) }
        case .p384(let k):
            let sig = try Self.ecdsaSignature(P384.Signing.ECDSASignature.self, signature)
            valid = try digest.withConcrete { k.isValidSignature(sig, for: $0) }
        case .p521(let k):
            let sig = try Self.ecdsaSignature(P521.Signing.ECDSASignature.self, signature)
            valid = try digest.withConcrete { k.isValidSignature(sig, for: $0) }
        case .rsa(let k):
            let sig = _RSA.Signing.RSASignature(rawRepresentation: signature)
            valid = try digest.withConcrete { k.isValidSignature(sig, for: $0, padding: .insecurePKCS1v1_5) }
        case .ed25519(let k):
            // A digest with an Ed25519 key is Ed25519ph, as Rekor checks hashedrekord entries; only SHA-512 pairs with it.
            guard digest.algorithm == .sha512 else {
                throw SigstoreCryptoError(
                    .unsupportedKey, "an Ed25519 key signs a SHA-512 digest (Ed25519ph), not a \(digest.algorithm.rawValue) digest")
            }
            guard signature.count == 64 else {
                throw SigstoreCryptoError(.malformedSignature, "Ed25519 signature must be 64 bytes, got \(signature.count)")
            }
            valid = Ed25519ph.isValidSignature(signature, sha512Digest: digest.bytes, publicKey: Array(k.rawRepresentation))
        }
        guard valid else { throw SigstoreCryptoError(.invalidSignature, "invalid signature when validating ASN.1 encoded signature") }
    }

    /// Checks a signature over a whole message: pure Ed25519, or hash-then-verify for the other key types.
    public func verifySignature(_ signature: [UInt8], message: some DataProtocol) throws {
        switch backing {
        case .ed25519(let k):
            guard signature.count == 64 else {
                throw SigstoreCryptoError(.malformedSignature, "Ed25519 signature must be 64 bytes, got \(signature.count)")
            }
            guard k.isValidSignature(signature, for: message) else {
                throw SigstoreCryptoError(.invalidSignature, "invalid Ed25519 signature")
            }
        default:
            try verifySignature(signature, digest: defaultHashAlgorithm.digest(of: message))
        }
    }

    /// Checks a signature over a whole message as ``verifySignature(_:message:)`` does, accepting for an Ed25519 key
    /// an Ed25519ph signature too: cosign signs Ed25519ph when the signature goes to a transparency log and pure
    /// Ed25519 when it does not. The two are domain-separated, so neither can stand in for the other.
    public func verifySignatureAllowingPrehash(_ signature: [UInt8], message: some DataProtocol) throws {
        guard case .ed25519(let k) = backing else { return try verifySignature(signature, message: message) }
        guard signature.count == 64 else {
            throw SigstoreCryptoError(.malformedSignature, "Ed25519 signature must be 64 bytes, got \(signature.count)")
        }
        guard k.isValidSignature(signature, for: message)
            || Ed25519ph.isValidSignature(signature, message: message, publicKey: Array(k.rawRepresentation))
        else {
            throw SigstoreCryptoError(.invalidSignature, "invalid Ed25519 signature")
        }
    }

    private static func ecdsaSignature<S: ECDSASignatureDER>(_: S.Type, _ bytes: [UInt8]) throws -> S {
        do {
            return try S(derRepresentation: bytes)
        } catch {
            throw SigstoreCryptoError(.malformedSignature, "signature is not a DER-encoded ECDSA signature")
        }
    }
}

/// The ECDSA signature types of swift-crypto, which share a DER initializer.
protocol ECDSASignatureDER { init<D: DataProtocol>(derRepresentation: D) throws }
extension P256.Signing.ECDSASignature: ECDSASignatureDER {}
extension P384.Signing.ECDSASignature: ECDSASignatureDER {}
extension P521.Signing.ECDSASignature: ECDSASignatureDER {}

/// The family and size of a key.
public enum KeyKind: Hashable, Sendable, CustomStringConvertible {
    case ecdsaP256, ecdsaP384, ecdsaP521
    case rsa(bits: Int)
    case ed25519

    /// The hash cosign pairs with this key kind.
    public var defaultHashAlgorithm: HashAlgorithm {
        switch self {
        case .ecdsaP384: .sha384
        case .ecdsaP521: .sha512
        case .ed25519: .sha512
        case .ecdsaP256, .rsa: .sha256
        }
    }

    public var description: String {
        switch self {
        case .ecdsaP256: "ECDSA P-256"
        case .ecdsaP384: "ECDSA P-384"
        case .ecdsaP521: "ECDSA P-521"
        case .rsa(let bits): "RSA \(bits)"
        case .ed25519: "Ed25519"
        }
    }
}

extension ArtifactDigest {
    /// Rebuilds swift-crypto's concrete digest value from raw bytes, so digests that were not computed here (a
    /// `sha256:<hex>` given on the command line) can be verified. The result is checked byte for byte.
    func withConcrete<R>(_ body: (any Digest) throws -> R) throws -> R {
        switch algorithm {
        case .sha256: try body(try concrete() as SHA256Digest)
        case .sha384: try body(try concrete() as SHA384Digest)
        case .sha512: try body(try concrete() as SHA512Digest)
        }
    }

    func concrete<D: Digest>() throws -> D {
        guard D.byteCount == bytes.count, MemoryLayout<D>.size == bytes.count else {
            throw SigstoreCryptoError(.malformedDigest, "a \(bytes.count)-byte digest cannot be used as a \(D.byteCount)-byte digest")
        }
        let value = bytes.withUnsafeBytes { raw -> D in
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<D>.size, alignment: MemoryLayout<D>.alignment)
            defer { buffer.deallocate() }
            buffer.copyMemory(from: raw.baseAddress!, byteCount: raw.count)
            return buffer.load(as: D.self)
        }
        guard value.elementsEqual(bytes) else {
            throw SigstoreCryptoError(.malformedDigest, "internal error: digest reconstruction mismatch")
        }
        return value
    }
}
