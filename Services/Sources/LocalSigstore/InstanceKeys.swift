public import Foundation
internal import HTTPTypes
public import Crypto
internal import SigstoreCrypto
internal import SigstoreIssuing
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
        func name(_ commonName: String) throws -> DistinguishedName {
            try DistinguishedName {
                OrganizationName("sigstore-local")
                CommonName(commonName)
            }
        }
        let root = try IssuingAuthority.root(subject: try name("sigstore-local-root"), notValidBefore: created, notValidAfter: until)
        let intermediateKey = P256.Signing.PrivateKey()
        let intermediate = try root.intermediate(
            subject: try name("sigstore-local-intermediate"), key: intermediateKey, notValidBefore: created, notValidAfter: until)
            .certificate
        let tsaRootAuthority = try IssuingAuthority.root(
            subject: try name("sigstore-local-tsa-root"), notValidBefore: created, notValidAfter: until)
        let tsaRoot = tsaRootAuthority.certificate
        let tsaKey = P256.Signing.PrivateKey()
        let tsaCert = try tsaRootAuthority.timestampingCertificate(
            subject: try name("sigstore-local-tsa"), publicKey: tsaKey.publicKey, notValidBefore: created, notValidAfter: until)
        let instance = InstanceKeys(
            created: created, fulcioRoot: root.certificate, fulcioIntermediate: intermediate, fulcioIntermediateKey: intermediateKey,
            ctLogKey: P256.Signing.PrivateKey(), rekorKey: P256.Signing.PrivateKey(),
            rekorTreeID: Int64.random(in: 1_000_000_000_000_000...Int64.max), rekorV2Key: Curve25519.Signing.PrivateKey(),
            tsaRoot: tsaRoot, tsaCertificate: tsaCert, tsaKey: tsaKey, oidcKey: P256.Signing.PrivateKey())
        // Private keys first, instance.json last: a directory without instance.json is created anew.
        try writeSecret(keys + "/fulcio-intermediate.key.pem", intermediateKey.pemRepresentation)
        try writeSecret(keys + "/ctlog.key.pem", instance.ctLogKey.pemRepresentation)
        try writeSecret(keys + "/rekor.key.pem", instance.rekorKey.pemRepresentation)
        try writeSecret(
            keys + "/rekor-v2.key.pem",
            PEMBlock(label: "PRIVATE KEY", bytes: SigningKey(instance.rekorV2Key).pkcs8DERRepresentation).pemString)
        try writeSecret(keys + "/tsa.key.pem", tsaKey.pemRepresentation)
        try writeSecret(keys + "/oidc.key.pem", instance.oidcKey.pemRepresentation)
        try writePublic(keys + "/fulcio-root.crt.pem", try root.certificate.serializeAsPEM().pemString)
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
        // An Ed25519 PKCS#8 key is a fixed prefix and the seed: it must be exactly what the seed's key writes.
        guard let v2, v2.bytes.count == 48, let rekorV2Key = try? Curve25519.Signing.PrivateKey(rawRepresentation: v2.bytes.suffix(32)),
            SigningKey(rekorV2Key).pkcs8DERRepresentation == v2.bytes
        else {
            throw ServiceError(.internalServerError, "\(keys)/rekor-v2.key.pem is not an Ed25519 PKCS#8 key")
        }
        return InstanceKeys(
            created: Date(timeIntervalSince1970: Double(created)), fulcioRoot: try cert("fulcio-root.crt.pem"),
            fulcioIntermediate: try cert("fulcio-intermediate.crt.pem"),
            fulcioIntermediateKey: try p256("fulcio-intermediate.key.pem"), ctLogKey: try p256("ctlog.key.pem"),
            rekorKey: try p256("rekor.key.pem"), rekorTreeID: treeID,
            rekorV2Key: rekorV2Key, tsaRoot: try cert("tsa-root.crt.pem"),
            tsaCertificate: try cert("tsa.crt.pem"), tsaKey: try p256("tsa.key.pem"), oidcKey: try p256("oidc.key.pem"))
    }

    // MARK: - Issuers

    /// Fulcio's issuing CA: the intermediate and its key.
    var fulcioAuthority: IssuingAuthority { IssuingAuthority(certificate: fulcioIntermediate, privateKey: fulcioIntermediateKey) }

    /// The timestamp authority's token signer.
    var timestampIssuer: TimestampIssuer { TimestampIssuer(authority: IssuingAuthority(certificate: tsaCertificate, privateKey: tsaKey)) }

    // MARK: - Files

    /// Writes a private key: a temporary file with mode 0600, then renamed into place.
    static func writeSecret(_ path: String, _ text: String) throws {
        try writeAtomically(path, Array(text.utf8), mode: 0o600)
    }

    static func writePublic(_ path: String, _ text: String) throws {
        try writeAtomically(path, Array(text.utf8), mode: 0o644)
    }
}

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
