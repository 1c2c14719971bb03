#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Crypto
import _CryptoExtras
import SwiftASN1
import SigstoreCore

/// A private key that can sign for cosign: ECDSA P-256/P-384/P-521, RSA 2048/3072/4096 (PKCS#1 v1.5) or Ed25519.
///
/// The key material never appears in `description` or in errors.
public struct SigningKey: Sendable, CustomStringConvertible {
    enum Backing: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case p521(P521.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }
    let backing: Backing

    /// Generates a new ECDSA P-256 key, the algorithm of `cosign generate-key-pair`.
    public static func generateP256() -> SigningKey { SigningKey(backing: .p256(P256.Signing.PrivateKey())) }

    /// Generates a new key of the given kind (RSA sizes 2048, 3072, 4096).
    public static func generate(_ kind: KeyKind) throws -> SigningKey {
        switch kind {
        case .ecdsaP256: return SigningKey(backing: .p256(P256.Signing.PrivateKey()))
        case .ecdsaP384: return SigningKey(backing: .p384(P384.Signing.PrivateKey()))
        case .ecdsaP521: return SigningKey(backing: .p521(P521.Signing.PrivateKey()))
        case .ed25519: return SigningKey(backing: .ed25519(Curve25519.Signing.PrivateKey()))
        case .rsa(let bits):
            try PublicKey.checkRSASize(bits)
            return SigningKey(backing: .rsa(try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits))))
        }
    }

    init(backing: Backing) { self.backing = backing }

    /// Wraps an ECDSA P-256 key.
    public init(_ key: P256.Signing.PrivateKey) { self.init(backing: .p256(key)) }

    /// Wraps an Ed25519 key.
    public init(_ key: Curve25519.Signing.PrivateKey) { self.init(backing: .ed25519(key)) }

    /// Parses a PKCS#8 `PrivateKeyInfo` (the only encoding cosign stores inside its encrypted key files).
    public init(pkcs8DER bytes: [UInt8]) throws {
        let info: PKCS8PrivateKeyInfo
        do {
            info = try PKCS8PrivateKeyInfo(derEncoded: bytes)
        } catch {
            throw SigstoreCryptoError(.malformedKey, "private key is not PKCS#8 encoded")
        }
        do {
            switch try KeyAlgorithm(info.algorithm, what: "private key") {
            case .p256: self.init(backing: .p256(try P256.Signing.PrivateKey(derRepresentation: bytes)))
            case .p384: self.init(backing: .p384(try P384.Signing.PrivateKey(derRepresentation: bytes)))
            case .p521: self.init(backing: .p521(try P521.Signing.PrivateKey(derRepresentation: bytes)))
            case .rsa:
                let key = try _RSA.Signing.PrivateKey(unsafeDERRepresentation: bytes)
                try PublicKey.checkRSASize(key.keySizeInBits)
                self.init(backing: .rsa(key))
            case .ed25519:
                let seed = try Ed25519DER.seed(fromCurvePrivateKey: info.privateKey)
                self.init(backing: .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: seed)))
            }
        } catch let error as SigstoreCryptoError {
            throw error
        } catch {
            throw SigstoreCryptoError(.malformedKey, "malformed private key")
        }
    }

    /// Parses an unencrypted PEM private key as `cosign import-key-pair` accepts it: `PRIVATE KEY` (PKCS#8: RSA,
    /// ECDSA, Ed25519), `EC PRIVATE KEY` (SEC 1) or `RSA PRIVATE KEY` (PKCS#1).
    public init(pemEncoded text: String) throws {
        let block = try PEMBlock.parseFirst(text)
        switch block.label {
        case "PRIVATE KEY":
            try self.init(pkcs8DER: block.bytes)
        case "EC PRIVATE KEY":
            if let k = try? P256.Signing.PrivateKey(derRepresentation: block.bytes) {
                self.init(backing: .p256(k))
            } else if let k = try? P384.Signing.PrivateKey(derRepresentation: block.bytes) {
                self.init(backing: .p384(k))
            } else if let k = try? P521.Signing.PrivateKey(derRepresentation: block.bytes) {
                self.init(backing: .p521(k))
            } else {
                throw SigstoreCryptoError(.malformedKey, "malformed or unsupported EC private key (supported curves: P-256, P-384, P-521)")
            }
        case "RSA PRIVATE KEY":
            let key: _RSA.Signing.PrivateKey
            do {
                key = try _RSA.Signing.PrivateKey(unsafeDERRepresentation: block.bytes)
            } catch {
                throw SigstoreCryptoError(.malformedKey, "malformed RSA private key")
            }
            try PublicKey.checkRSASize(key.keySizeInBits)
            self.init(backing: .rsa(key))
        case "ENCRYPTED PRIVATE KEY":
            throw SigstoreCryptoError(
                .unsupportedKey, "encrypted PKCS#8 private keys are not supported: decrypt the key first (e.g. openssl pkcs8)")
        default:
            throw SigstoreCryptoError(
                .malformedPEM,
                "unsupported PEM block \"\(block.label)\" (expected PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)")
        }
    }

    /// The PKCS#8 DER encoding of the key (what cosign encrypts into `cosign.key`).
    public var pkcs8DERRepresentation: [UInt8] {
        switch backing {
        case .p256(let k): Array(k.derRepresentation)
        case .p384(let k): Array(k.derRepresentation)
        case .p521(let k): Array(k.derRepresentation)
        case .rsa(let k): Array(k.pkcs8DERRepresentation)
        case .ed25519(let k): Ed25519DER.pkcs8Prefix + Array(k.rawRepresentation)
        }
    }

    /// The matching public key.
    public var publicKey: PublicKey {
        switch backing {
        case .p256(let k): PublicKey(backing: .p256(k.publicKey))
        case .p384(let k): PublicKey(backing: .p384(k.publicKey))
        case .p521(let k): PublicKey(backing: .p521(k.publicKey))
        case .rsa(let k): PublicKey(backing: .rsa(k.publicKey))
        case .ed25519(let k): PublicKey(backing: .ed25519(k.publicKey))
        }
    }

    /// The key kind.
    public var kind: KeyKind { publicKey.kind }

    /// Whether this key signs whole messages (pure Ed25519) rather than digests.
    public var signsWholeMessage: Bool { kind == .ed25519 }

    /// Signs a precomputed digest: ECDSA returns an ASN.1 DER signature, RSA a PKCS#1 v1.5 signature.
    public func signature(forDigest digest: ArtifactDigest) throws -> [UInt8] {
        do {
            switch backing {
            case .p256(let k): return try digest.withConcrete { Array(try k.signature(for: $0).derRepresentation) }
            case .p384(let k): return try digest.withConcrete { Array(try k.signature(for: $0).derRepresentation) }
            case .p521(let k): return try digest.withConcrete { Array(try k.signature(for: $0).derRepresentation) }
            case .rsa(let k):
                return try digest.withConcrete { Array(try k.signature(for: $0, padding: .insecurePKCS1v1_5).rawRepresentation) }
            case .ed25519:
                throw SigstoreCryptoError(.unsupportedKey, "Ed25519 keys sign the whole message, not a digest")
            }
        } catch let error as SigstoreCryptoError {
            throw error
        } catch {
            throw SigstoreCryptoError(.signingFailed, "signing failed: \(error)")
        }
    }

    /// Signs a whole message: pure Ed25519, or hash-then-sign with the key's default hash for the other kinds.
    public func signature(forMessage message: some DataProtocol) throws -> [UInt8] {
        switch backing {
        case .ed25519(let k):
            do {
                return Array(try k.signature(for: message))
            } catch {
                throw SigstoreCryptoError(.signingFailed, "signing failed: \(error)")
            }
        default:
            return try signature(forDigest: kind.defaultHashAlgorithm.digest(of: message))
        }
    }

    /// Signs the message's digest, as a hashedrekord entry records it: Ed25519ph (over SHA-512) for an Ed25519 key,
    /// hash-then-sign with the key's default hash for the other kinds.
    public func prehashedSignature(forMessage message: some DataProtocol) throws -> [UInt8] {
        switch backing {
        case .ed25519(let k):
            return try Ed25519ph.signature(seed: Array(k.rawRepresentation), message: message)
        default:
            return try signature(forDigest: kind.defaultHashAlgorithm.digest(of: message))
        }
    }

    public var description: String { "SigningKey(\(kind))" }
}
