import Crypto
import _CryptoExtras
import SigstoreJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SigstoreCore

/// A public key as TUF metadata lists it (`keytype`, `scheme`, `keyval.public`), with its verifier when the type is
/// one this client supports.
///
/// Supported: `ecdsa`/`ecdsa-sha2-nistp256` with scheme `ecdsa-sha2-nistp256` (PEM SPKI P-256, DER signatures; Sigstore
/// uses both keytypes), `ecdsa` with `ecdsa-sha2-nistp384`, `ed25519`/`ed25519` (64 hex digits, raw signatures), and
/// `rsa` with `rsassa-pss-sha256|384|512` or `rsa-pkcs1v15-sha256|384|512` (PEM). A key of another type, or whose
/// material does not load, is kept but verifies nothing: metadata listing it stays readable, as in python-tuf.
/// Keyids are not recomputed or enforced (real Sigstore roots list keys under ids that are not their hashes).
struct PublicKey: Sendable {
    enum Verifier: Sendable {
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey, pss: Bool, hash: RSAHash)
    }

    enum RSAHash: Sendable { case sha256, sha384, sha512 }

    let keyType: String
    let scheme: String
    let verifier: Verifier?
    /// The key material in a normal form, so one key listed under two keyids counts once toward a threshold.
    let identity: [UInt8]?

    /// Reads a key object of `keys` (root or delegations).
    init(json: JSONObject) throws {
        keyType = try json.string("keytype")
        scheme = try json.string("scheme")
        let material = try json.object("keyval").string("public")
        (verifier, identity) = Self.load(keyType: keyType, scheme: scheme, material: material)
    }

    private static func load(keyType: String, scheme: String, material: String) -> (Verifier?, [UInt8]?) {
        switch (keyType, scheme) {
        case ("ecdsa", "ecdsa-sha2-nistp256"), ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"):
            guard let key = try? P256.Signing.PublicKey(pemRepresentation: material) else { return (nil, nil) }
            return (.p256(key), Array(key.derRepresentation))
        case ("ecdsa", "ecdsa-sha2-nistp384"), ("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"):
            guard let key = try? P384.Signing.PublicKey(pemRepresentation: material) else { return (nil, nil) }
            return (.p384(key), Array(key.derRepresentation))
        case ("ed25519", "ed25519"):
            guard let raw = TextEncoding.bytes(fromHex: material),
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
            else { return (nil, nil) }
            return (.ed25519(key), Array("ed25519:".utf8) + Array(key.rawRepresentation))
        case ("rsa", _):
            let schemes: [String: (Bool, RSAHash)] = [
                "rsassa-pss-sha256": (true, .sha256), "rsassa-pss-sha384": (true, .sha384),
                "rsassa-pss-sha512": (true, .sha512), "rsa-pkcs1v15-sha256": (false, .sha256),
                "rsa-pkcs1v15-sha384": (false, .sha384), "rsa-pkcs1v15-sha512": (false, .sha512),
            ]
            guard let (pss, hash) = schemes[scheme],
                let key = try? _RSA.Signing.PublicKey(pemRepresentation: material)
            else { return (nil, nil) }
            return (.rsa(key, pss: pss, hash: hash), Array(key.derRepresentation))
        default:
            return (nil, nil)
        }
    }

    /// Whether `signature` is a valid signature by this key over `message`. Malformed signatures are simply invalid.
    func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let verifier, !signature.isEmpty else { return false }
        switch verifier {
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message)
        case .p384(let key):
            guard let parsed = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message)
        case .ed25519(let key):
            return key.isValidSignature(signature, for: message)
        case .rsa(let key, let pss, let hash):
            let parsed = _RSA.Signing.RSASignature(rawRepresentation: signature)
            // swift-crypto's PSS verifies with salt length = digest length, which is what securesystemslib and
            // go-tuf sign with; it has no "auto" salt length.
            let padding: _RSA.Signing.Padding = pss ? .PSS : .insecurePKCS1v1_5
            switch hash {
            case .sha256: return key.isValidSignature(parsed, for: SHA256.hash(data: message), padding: padding)
            case .sha384: return key.isValidSignature(parsed, for: SHA384.hash(data: message), padding: padding)
            case .sha512: return key.isValidSignature(parsed, for: SHA512.hash(data: message), padding: padding)
            }
        }
    }
}

/// The keyids and threshold a delegator gives a role.
struct RoleKeyIDs: Sendable {
    let keyIDs: [String]
    let threshold: Int

    /// Reads a role object (`keyids`, `threshold`); keyids must be unique and the threshold at least 1.
    init(json: JSONObject) throws {
        keyIDs = try json.stringArray("keyids")
        threshold = try json.int("threshold")
        guard Set(keyIDs).count == keyIDs.count else {
            throw TUFError(.invalidMetadata, "\(json.context): keyids are not unique")
        }
        guard threshold >= 1 else {
            throw TUFError(.invalidMetadata, "\(json.context): threshold must be at least 1, got \(threshold)")
        }
    }

    init(keyIDs: [String], threshold: Int) {
        self.keyIDs = keyIDs
        self.threshold = threshold
    }
}

/// Who may sign a role: the delegator's keys and the role's keyids and threshold.
struct SignerSet: Sendable {
    let keys: [String: PublicKey]
    let role: RoleKeyIDs

    /// How many distinct keys of the role signed `envelope` validly. Signatures from keyids outside the role, empty or
    /// malformed signatures and keys of unsupported types are skipped; one key listed under several keyids counts once.
    func validSignatureCount(_ envelope: Envelope) -> Int {
        var signers = Set<[UInt8]>()
        for keyID in role.keyIDs {
            guard let key = keys[keyID], let identity = key.identity,
                let signature = envelope.signatures[keyID], let bytes = signature
            else { continue }
            if key.isValidSignature(bytes, for: envelope.signedBytes) { signers.insert(identity) }
        }
        return signers.count
    }

    /// Throws unless a threshold of the role's keys signed `envelope`.
    /// - Parameter what: Names the metadata in the message (`"root.json version 3"`).
    func verify(_ envelope: Envelope, what: String) throws {
        let count = validSignatureCount(envelope)
        guard count >= role.threshold else {
            throw TUFError(.unsignedMetadata, "\(what): signed by \(count) of \(role.threshold) required keys")
        }
    }
}
