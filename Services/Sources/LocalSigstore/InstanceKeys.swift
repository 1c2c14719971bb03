public import Foundation
internal import HTTPTypes
public import Crypto
internal import SigstoreCrypto
internal import SwiftASN1
public import X509

/// Every key and CA certificate of one local Sigstore instance, generated on first start and kept in the data
/// directory (`keys/`, private keys mode 0600), so that trust material stays valid across restarts.
public struct InstanceKeys: Sendable {
    /// When the instance was created: the start of every validity window it publishes.
    public let created: Date
    /// Fulcio's root CA.
    public let fulcioRoot: Certificate
    /// Fulcio's issuing (intermediate) CA and its key.
    public let fulcioIntermediate: Certificate
    let fulcioIntermediateKey: P256.Signing.PrivateKey
    /// The CT log that signs SCTs for Fulcio.
    public let ctLogKey: P256.Signing.PrivateKey
    /// The Rekor v1 log key (ECDSA: verifiers check SETs with ECDSA only) and its tree ID.
    public let rekorKey: P256.Signing.PrivateKey
    public let rekorTreeID: Int64
    /// The Rekor v2 log key (Ed25519 checkpoints).
    public let rekorV2Key: Curve25519.Signing.PrivateKey
    /// The timestamp authority's root, its timestamping certificate and key.
    public let tsaRoot: Certificate
    public let tsaCertificate: Certificate
    let tsaKey: P256.Signing.PrivateKey
    /// The development OIDC issuer's token-signing key.
    public let oidcKey: P256.Signing.PrivateKey

    /// Loads the instance in `directory`, creating it (and the directory) if it has none.
    public static func loadOrCreate(directory: String, now: Date = Date()) throws -> InstanceKeys {
        let keys = directory + "/keys"
        let fm = FileManager.default
        if fm.fileExists(atPath: keys + "/instance.json") {
            return try load(keys)
        }
        try fm.createDirectory(atPath: keys, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let created = Date(timeIntervalSince1970: (now.timeIntervalSince1970 - 60).rounded(.down))
        let until = created.addingTimeInterval(10 * 365 * 86400)
        let rootKey = P256.Signing.PrivateKey()
        let root = try caCertificate(
            name: "sigstore-local-root", key: rootKey, issuer: nil, issuerKey: rootKey, from: created, to: until,
            pathLength: nil, codeSigning: false)
        let intermediateKey = P256.Signing.PrivateKey()
        let intermediate = try caCertificate(
            name: "sigstore-local-intermediate", key: intermediateKey, issuer: root, issuerKey: rootKey, from: created,
            to: until, pathLength: 0, codeSigning: true)
        let tsaRootKey = P256.Signing.PrivateKey()
        let tsaRoot = try caCertificate(
            name: "sigstore-local-tsa-root", key: tsaRootKey, issuer: nil, issuerKey: tsaRootKey, from: created, to: until,
            pathLength: nil, codeSigning: false)
        let tsaKey = P256.Signing.PrivateKey()
        let tsaCert = try timestampingCertificate(key: tsaKey, issuer: tsaRoot, issuerKey: tsaRootKey, from: created, to: until)
        let instance = InstanceKeys(
            created: created, fulcioRoot: root, fulcioIntermediate: intermediate, fulcioIntermediateKey: intermediateKey,
            ctLogKey: P256.Signing.PrivateKey(), rekorKey: P256.Signing.PrivateKey(),
            rekorTreeID: Int64.random(in: 1_000_000_000_000_000...Int64.max), rekorV2Key: Curve25519.Signing.PrivateKey(),
            tsaRoot: tsaRoot, tsaCertificate: tsaCert, tsaKey: tsaKey, oidcKey: P256.Signing.PrivateKey())
        // Private keys first, instance.json last: a directory without instance.json is created anew.
        try writeSecret(keys + "/fulcio-intermediate.key.pem", intermediateKey.pemRepresentation)
        try writeSecret(keys + "/ctlog.key.pem", instance.ctLogKey.pemRepresentation)
        try writeSecret(keys + "/rekor.key.pem", instance.rekorKey.pemRepresentation)
        try writeSecret(
            keys + "/rekor-v2.key.pem",
            PEMBlock(label: "PRIVATE KEY", bytes: ed25519PKCS8Prefix + Array(instance.rekorV2Key.rawRepresentation)).pemString)
        try writeSecret(keys + "/tsa.key.pem", tsaKey.pemRepresentation)
        try writeSecret(keys + "/oidc.key.pem", instance.oidcKey.pemRepresentation)
        try writePublic(keys + "/fulcio-root.crt.pem", try root.serializeAsPEM().pemString)
        try writePublic(keys + "/fulcio-intermediate.crt.pem", try intermediate.serializeAsPEM().pemString)
        try writePublic(keys + "/tsa-root.crt.pem", try tsaRoot.serializeAsPEM().pemString)
        try writePublic(keys + "/tsa.crt.pem", try tsaCert.serializeAsPEM().pemString)
        try writePublic(
            keys + "/instance.json",
            #"{"created":\#(Int64(created.timeIntervalSince1970)),"rekorTreeID":\#(instance.rekorTreeID)}"# + "\n")
        return instance
    }

    private static func load(_ keys: String) throws -> InstanceKeys {
        func text(_ name: String) throws -> String {
            do {
                return try String(contentsOfFile: keys + "/" + name, encoding: .utf8)
            } catch {
                throw ServiceError(.internalServerError, "cannot read \(keys)/\(name): \(error.localizedDescription)")
            }
        }
        func p256(_ name: String) throws -> P256.Signing.PrivateKey {
            do { return try P256.Signing.PrivateKey(pemRepresentation: try text(name)) } catch let e as ServiceError { throw e } catch {
                throw ServiceError(.internalServerError, "\(keys)/\(name) is not a P-256 private key")
            }
        }
        func cert(_ name: String) throws -> Certificate {
            do { return try Certificate(pemEncoded: try text(name)) } catch let e as ServiceError { throw e } catch {
                throw ServiceError(.internalServerError, "\(keys)/\(name) is not a PEM certificate")
            }
        }
        let meta = try text("instance.json")
        struct Instance: Decodable {
            var created: Int64
            var rekorTreeID: Int64
        }
        guard let instance = try? JSONDecoder().decode(Instance.self, from: Data(meta.utf8)) else {
            throw ServiceError(.internalServerError, "\(keys)/instance.json is malformed")
        }
        let (created, treeID) = (instance.created, instance.rekorTreeID)
        let v2 = try? PEMBlock.parseFirst(try text("rekor-v2.key.pem"))
        guard let v2, v2.bytes.count == 48, Array(v2.bytes.prefix(16)) == ed25519PKCS8Prefix else {
            throw ServiceError(.internalServerError, "\(keys)/rekor-v2.key.pem is not an Ed25519 PKCS#8 key")
        }
        let seed = v2.bytes.suffix(32)
        return InstanceKeys(
            created: Date(timeIntervalSince1970: Double(created)), fulcioRoot: try cert("fulcio-root.crt.pem"),
            fulcioIntermediate: try cert("fulcio-intermediate.crt.pem"),
            fulcioIntermediateKey: try p256("fulcio-intermediate.key.pem"), ctLogKey: try p256("ctlog.key.pem"),
            rekorKey: try p256("rekor.key.pem"), rekorTreeID: treeID,
            rekorV2Key: try Curve25519.Signing.PrivateKey(rawRepresentation: seed), tsaRoot: try cert("tsa-root.crt.pem"),
            tsaCertificate: try cert("tsa.crt.pem"), tsaKey: try p256("tsa.key.pem"), oidcKey: try p256("oidc.key.pem"))
    }

    // MARK: - Certificates

    static func caCertificate(
        name: String, key: P256.Signing.PrivateKey, issuer: Certificate?, issuerKey: P256.Signing.PrivateKey, from: Date,
        to: Date, pathLength: Int?, codeSigning: Bool
    ) throws -> Certificate {
        let publicKey = Certificate.PublicKey(key.publicKey)
        var extensions: [Certificate.Extension] = [
            try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: pathLength), critical: true),
            try Certificate.Extension(KeyUsage(keyCertSign: true, cRLSign: true), critical: true),
            try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false),
        ]
        if let issuer {
            extensions.append(try Certificate.Extension(
                AuthorityKeyIdentifier(keyIdentifier: try issuer.extensions.subjectKeyIdentifier?.keyIdentifier), critical: false))
        }
        if codeSigning { extensions.append(try Certificate.Extension(try ExtendedKeyUsage([.codeSigning]), critical: false)) }
        let subject = try DistinguishedName {
            OrganizationName("sigstore-local")
            CommonName(name)
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey, notValidBefore: from,
            notValidAfter: to, issuer: issuer?.subject ?? subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions(extensions), issuerPrivateKey: Certificate.PrivateKey(issuerKey))
    }

    static func timestampingCertificate(
        key: P256.Signing.PrivateKey, issuer: Certificate, issuerKey: P256.Signing.PrivateKey, from: Date, to: Date
    ) throws -> Certificate {
        let publicKey = Certificate.PublicKey(key.publicKey)
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey, notValidBefore: from,
            notValidAfter: to, issuer: issuer.subject,
            subject: try DistinguishedName {
                OrganizationName("sigstore-local")
                CommonName("sigstore-local-tsa")
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions([
                try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true),
                // Exactly id-kp-timeStamping, critical (RFC 3161 §2.3; rfc3161-client and sigstore-go check both).
                try Certificate.Extension(try ExtendedKeyUsage([.timeStamping]), critical: true),
                try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false),
                try Certificate.Extension(
                    AuthorityKeyIdentifier(keyIdentifier: try issuer.extensions.subjectKeyIdentifier?.keyIdentifier),
                    critical: false),
            ]),
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
    }

    // MARK: - Files

    /// Writes a private key: a temporary file with mode 0600, then renamed into place.
    static func writeSecret(_ path: String, _ text: String) throws {
        try writeAtomically(path, Array(text.utf8), mode: 0o600)
    }

    static func writePublic(_ path: String, _ text: String) throws {
        try writeAtomically(path, Array(text.utf8), mode: 0o644)
    }
}

/// The DER of an Ed25519 PKCS#8 `PrivateKeyInfo` up to the 32-byte seed (RFC 8410 §7).
let ed25519PKCS8Prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]

/// Writes `bytes` to a temporary file beside `path` with `mode`, syncs it and renames it into place.
func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t) throws {
    let temporary = path + ".tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
    guard fd >= 0 else { throw ServiceError(.internalServerError, "cannot write \(path): \(String(cString: strerror(errno)))") }
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n <= 0 {
            close(fd)
            unlink(temporary)
            throw ServiceError(.internalServerError, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        offset += n
    }
    fsync(fd)
    close(fd)
    guard rename(temporary, path) == 0 else {
        unlink(temporary)
        throw ServiceError(.internalServerError, "cannot write \(path): \(String(cString: strerror(errno)))")
    }
}
