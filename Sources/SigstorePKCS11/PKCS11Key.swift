import Foundation
import CPKCS11
import Crypto
public import SigstoreCrypto
public import SigstoreKMS
import SigstoreCore
import Synchronization

/// A key pair on a PKCS#11 token, named by a ``PKCS11URI`` (`pkcs11:token=…;object=…?module-path=…`). The PIN is
/// the URI's `pin-value`, else `COSIGN_PKCS11_PIN`, else asked for (only when signing, and only when the token needs a
/// login). Digests are signed on the token: `CKM_ECDSA` (r‖s, returned as DER) or `CKM_RSA_PKCS` over a DigestInfo.
public final class PKCS11Key: ManagedKey, @unchecked Sendable {
    /// The parsed URI.
    public let uri: PKCS11URI
    /// The reference without its PIN.
    public var reference: String { uri.description }

    let environment: [String: String]
    let askPIN: (@Sendable (_ prompt: String) throws -> String)?
    private let opened = Mutex<Opened?>(nil)

    struct Opened {
        let session: PKCS11Session
        let privateKey: CK_OBJECT_HANDLE
        let publicKey: PublicKey
    }

    /// Parses `reference`. `askPIN` (given for signing) asks for the PIN when the URI and environment have none and the
    /// token needs a login; the prompt names the key and the token.
    public init(reference: String, environment: [String: String], askPIN: (@Sendable (_ prompt: String) throws -> String)? = nil) throws {
        do {
            uri = try PKCS11URI(parsing: reference, environment: environment)
        } catch let error as KMSError {
            throw KMSError(error.code, "parsing pkcs11 uri: \(error.message)")
        }
        self.environment = environment
        self.askPIN = askPIN
    }

    public func fetchPublicKey() async throws -> PublicKey { try open().publicKey }

    public func sign(digest: ArtifactDigest, publicKey: PublicKey) async throws -> [UInt8] {
        let opened = try open()
        do {
            switch publicKey.kind {
            case .ecdsaP256, .ecdsaP384, .ecdsaP521:
                let raw = try opened.session.sign(digest.bytes, key: opened.privateKey, mechanism: CK_MECHANISM_TYPE(CKM_ECDSA))
                guard let der = RawECDSASignature.der(raw, kind: publicKey.kind) else {
                    throw KMSError(.provider, "DSA signature length is invalid from token (\(raw.count) bytes)")
                }
                return der
            case .rsa:
                let info = Self.digestInfoPrefix(digest.algorithm) + digest.bytes
                return try opened.session.sign(info, key: opened.privateKey, mechanism: CK_MECHANISM_TYPE(CKM_RSA_PKCS))
            case .ed25519:
                throw KMSError(.unsupportedKey, "\(reference): Ed25519 token keys are not supported")
            }
        } catch let error as KMSError {
            throw KMSError(error.code, "PKCS#11 key \(reference): \(error.message)")
        }
    }

    public func create() async throws -> PublicKey {
        throw KMSError(
            .unsupportedKey, "cosign does not create keys on PKCS#11 tokens: create one with the token's own tool (e.g. pkcs11-tool --keypairgen)")
    }

    /// Loads the module, finds the token and the key pair, logs in once.
    private func open() throws -> Opened {
        try opened.withLock { state in
            if let state { return state }
            let module = try PKCS11Module.load(uri.modulePath!)
            do {
                let slot = try uri.slotID.map { CK_SLOT_ID($0) } ?? module.slot(forToken: uri.token!)
                let info = try module.tokenInfo(slot)
                var pin = uri.pin ?? environment["COSIGN_PKCS11_PIN"].flatMap { $0.isEmpty ? nil : $0 }
                if pin == nil, info.loginRequired, let askPIN {
                    pin = try askPIN("Enter PIN for key '\(uri.object ?? "")' in PKCS11 token '\(info.label)': ")
                }
                let session = try module.openSession(slot, pin: pin)
                let opened = try Self.findKeyPair(uri, in: session)
                state = opened
                return opened
            } catch let error as KMSError {
                throw KMSError(error.code, "opening pkcs11 token key \(reference): \(error.message)")
            }
        }
    }

    /// The private key matching the URI's id (else its label), and the public key object with the same CKA_ID.
    static func findKeyPair(_ uri: PKCS11URI, in session: PKCS11Session) throws -> Opened {
        var template: [(CK_ATTRIBUTE_TYPE, [UInt8])] = [(CK_ATTRIBUTE_TYPE(CKA_CLASS), CK_ULONG(CKO_PRIVATE_KEY).attributeBytes)]
        if let id = uri.id {
            template.append((CK_ATTRIBUTE_TYPE(CKA_ID), id))
        } else if let label = uri.object {
            template.append((CK_ATTRIBUTE_TYPE(CKA_LABEL), Array(label.utf8)))
        }
        let idText = uri.id.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let missing = KMSError(.notFound, "no key pair found for id=\"\(idText)\" label=\"\(uri.object ?? "")\" in slot/token")
        for privateKey in try session.findObjects(template) {
            guard let id = try session.attribute(privateKey, CK_ATTRIBUTE_TYPE(CKA_ID)), !id.isEmpty else { continue }
            let publicTemplate: [(CK_ATTRIBUTE_TYPE, [UInt8])] = [
                (CK_ATTRIBUTE_TYPE(CKA_CLASS), CK_ULONG(CKO_PUBLIC_KEY).attributeBytes), (CK_ATTRIBUTE_TYPE(CKA_ID), id),
            ]
            guard let publicObject = try session.findObjects(publicTemplate).first else { continue }
            let publicKey = try Self.publicKey(publicObject, in: session)
            return Opened(session: session, privateKey: privateKey, publicKey: publicKey)
        }
        throw missing
    }

    /// The public key of an EC (P-256/384/521) or RSA public key object.
    static func publicKey(_ object: CK_OBJECT_HANDLE, in session: PKCS11Session) throws -> PublicKey {
        guard let typeBytes = try session.attribute(object, CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE)), typeBytes.count == MemoryLayout<CK_ULONG>.size else {
            throw KMSError(.provider, "the public key object has no key type")
        }
        let type = typeBytes.withUnsafeBytes { $0.loadUnaligned(as: CK_ULONG.self) }
        do {
            switch type {
            case CK_ULONG(CKK_EC):
                guard let params = try session.attribute(object, CK_ATTRIBUTE_TYPE(CKA_EC_PARAMS)),
                    var point = try session.attribute(object, CK_ATTRIBUTE_TYPE(CKA_EC_POINT))
                else { throw KMSError(.provider, "the EC public key object lacks CKA_EC_PARAMS or CKA_EC_POINT") }
                // CKA_EC_POINT is a DER OCTET STRING around the X9.63 point (some modules give the point bare).
                if point.first == 0x04, point.count > 2, let inner = Self.octetString(point) { point = inner }
                switch params {
                case [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]:
                    return try PublicKey(derEncoded: Array(P256.Signing.PublicKey(x963Representation: point).derRepresentation))
                case [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]:
                    return try PublicKey(derEncoded: Array(P384.Signing.PublicKey(x963Representation: point).derRepresentation))
                case [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]:
                    return try PublicKey(derEncoded: Array(P521.Signing.PublicKey(x963Representation: point).derRepresentation))
                default:
                    throw KMSError(.unsupportedKey, "the token key's curve is not P-256, P-384 or P-521")
                }
            case CK_ULONG(CKK_RSA):
                guard let modulus = try session.attribute(object, CK_ATTRIBUTE_TYPE(CKA_MODULUS)),
                    let exponent = try session.attribute(object, CK_ATTRIBUTE_TYPE(CKA_PUBLIC_EXPONENT))
                else { throw KMSError(.provider, "the RSA public key object lacks its modulus or exponent") }
                return try PublicKey(rsaModulus: modulus, exponent: exponent)
            default:
                throw KMSError(.unsupportedKey, "the token key is of type 0x\(String(type, radix: 16)): cosign signs with EC and RSA keys")
            }
        } catch let error as KMSError {
            throw error
        } catch let error as any ReportableError {
            throw KMSError(.unsupportedKey, "the token's public key: \(error.message)")
        } catch {
            throw KMSError(.provider, "the token's public key does not parse: \(error)")
        }
    }

    /// The content of a DER OCTET STRING (short or long length form), or nil.
    static func octetString(_ der: [UInt8]) -> [UInt8]? {
        guard der.count >= 2, der[0] == 0x04 else { return nil }
        var length = Int(der[1])
        var offset = 2
        if length & 0x80 != 0 {
            let count = length & 0x7f
            guard count > 0, count <= 2, der.count >= 2 + count else { return nil }
            length = der[2..<(2 + count)].reduce(0) { $0 << 8 | Int($1) }
            offset = 2 + count
        }
        guard der.count == offset + length else { return nil }
        return Array(der[offset...])
    }

    /// The DER DigestInfo header before a digest (PKCS#1 v1.5, RFC 8017 §9.2 note 1).
    static func digestInfoPrefix(_ algorithm: HashAlgorithm) -> [UInt8] {
        switch algorithm {
        case .sha256: [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
        case .sha384: [0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30]
        case .sha512: [0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40]
        }
    }
}
