#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
public import SigstoreCrypto
internal import SwiftASN1
internal import X509
import SigstoreCore
internal import SigstoreJSON

/// An RFC 6962 signed certificate timestamp, as embedded in a certificate.
public struct SignedCertificateTimestamp: Sendable, Hashable {
    /// SCT version (0 = v1).
    public var version: UInt8
    /// SHA-256 of the CT log's public key.
    public var logID: [UInt8]
    /// Milliseconds since the epoch.
    public var timestamp: UInt64
    /// SCT extensions, covered by the signature.
    public var extensions: [UInt8]
    /// TLS hash algorithm (4 = SHA-256).
    public var hashAlgorithm: UInt8
    /// TLS signature algorithm (1 = RSA, 3 = ECDSA).
    public var signatureAlgorithm: UInt8
    /// The signature.
    public var signature: [UInt8]

    /// Creates an SCT from its fields.
    public init(
        version: UInt8, logID: [UInt8], timestamp: UInt64, extensions: [UInt8], hashAlgorithm: UInt8,
        signatureAlgorithm: UInt8, signature: [UInt8]
    ) {
        self.version = version
        self.logID = logID
        self.timestamp = timestamp
        self.extensions = extensions
        self.hashAlgorithm = hashAlgorithm
        self.signatureAlgorithm = signatureAlgorithm
        self.signature = signature
    }

    /// The time the log promised to include the certificate.
    public var date: Date { Date(timeIntervalSince1970: Double(timestamp) / 1000) }

    /// Parses the value of the SCT-list extension: an OCTET STRING holding a TLS `SignedCertificateTimestampList`.
    public static func parseList(extensionValue: some Collection<UInt8>) throws -> [SignedCertificateTimestamp] {
        let inner: ASN1OctetString
        do {
            inner = try ASN1OctetString(derEncoded: Array(extensionValue)[...])
        } catch {
            throw VerificationError(.certificateTransparency, "malformed SCT list extension")
        }
        var reader = TLSReader(Array(inner.bytes))
        let total = try reader.u16()
        guard total == reader.remaining else { throw VerificationError(.certificateTransparency, "malformed SCT list length") }
        var list: [SignedCertificateTimestamp] = []
        while reader.remaining > 0 {
            var item = TLSReader(try reader.bytes(Int(try reader.u16())))
            let sct = SignedCertificateTimestamp(
                version: try item.u8(), logID: try item.bytes(32), timestamp: try item.u64(),
                extensions: try item.bytes(Int(try item.u16())), hashAlgorithm: try item.u8(),
                signatureAlgorithm: try item.u8(), signature: try item.bytes(Int(try item.u16())))
            guard item.remaining == 0 else { throw VerificationError(.certificateTransparency, "trailing bytes in SCT") }
            list.append(sct)
            guard list.count <= 64 else { throw VerificationError(.certificateTransparency, "too many SCTs") }
        }
        return list
    }

    /// Parses a detached SCT as Fulcio returned it and cosign's `--sct` reads it: the JSON of RFC 6962's
    /// `add-chain` response (`sct_version`, `id` and `extensions` in base64, `timestamp` in milliseconds, `signature`
    /// the base64 of a TLS `DigitallySigned`).
    public init(addChainResponseJSON bytes: [UInt8]) throws {
        func fail(_ what: String) -> VerificationError {
            VerificationError(.certificateTransparency, "malformed detached SCT: \(what)")
        }
        guard let json = try? JSONParser.parse(bytes), json.objectMembers != nil else {
            throw fail("not a JSON object (RFC 6962 add-chain response)")
        }
        guard let version = json["sct_version"]?.int64Value, version == 0 else { throw fail("sct_version must be 0 (v1)") }
        guard let idText = json["id"]?.stringValue, let id = Base64.decodeStrict(idText) else { throw fail("id is not base64") }
        guard id.count == 32 else { throw fail("id is invalid length, expected 32 got \(id.count)") }
        guard let timestamp = json["timestamp"]?.int64Value, timestamp >= 0 else { throw fail("timestamp is not a number of milliseconds") }
        let extensionsText = json["extensions"]?.stringValue ?? ""
        guard let extensions = Base64.decodeStrict(extensionsText) else { throw fail("extensions is not base64") }
        guard let signatureText = json["signature"]?.stringValue, let signed = Base64.decodeStrict(signatureText) else {
            throw fail("signature is not base64")
        }
        var reader = TLSReader(signed)
        guard let hash = try? reader.u8(), let algorithm = try? reader.u8(), let length = try? reader.u16(),
            let signature = try? reader.bytes(Int(length)), reader.remaining == 0
        else { throw fail("signature is not a TLS DigitallySigned structure") }
        self.init(
            version: 0, logID: id, timestamp: UInt64(timestamp), extensions: extensions, hashAlgorithm: hash,
            signatureAlgorithm: algorithm, signature: signature)
    }

    /// The bytes an SCT for an X.509 entry signs (RFC 6962 §3.2, `x509_entry`): what a log returns, detached, for a
    /// certificate that does not embed its SCT.
    public func signedData(x509Certificate der: [UInt8]) -> [UInt8] {
        signedData(entryType: 0, prefix: [], entry: der)
    }

    /// The bytes a precertificate SCT signs (RFC 6962 §3.2).
    public func signedData(issuerKeyHash: [UInt8], tbsCertificate: [UInt8]) -> [UInt8] {
        signedData(entryType: 1, prefix: issuerKeyHash, entry: tbsCertificate)
    }

    /// RFC 6962's `digitally-signed` input: version, `certificate_timestamp`, time, entry type, the entry (a 24-bit
    /// length after `prefix`), extensions (a 16-bit length).
    private func signedData(entryType: UInt8, prefix: [UInt8], entry: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [version, 0]
        out += withUnsafeBytes(of: timestamp.bigEndian, Array.init)
        out += [0, entryType]
        out += prefix
        let n = entry.count
        out += [UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
        out += entry
        out += [UInt8((extensions.count >> 8) & 0xFF), UInt8(extensions.count & 0xFF)]
        out += extensions
        return out
    }

    /// Checks the signature with a CT log key (SHA-256 only).
    public func verify(signedData: [UInt8], key: PublicKey) -> Bool {
        guard version == 0, hashAlgorithm == 4 else { return false }
        switch (signatureAlgorithm, key.kind) {
        case (3, .ecdsaP256), (3, .ecdsaP384), (3, .ecdsaP521), (1, .rsa): break
        default: return false
        }
        return (try? key.verifySignature(signature, digest: HashAlgorithm.sha256.digest(of: signedData))) != nil
    }
}

/// Reads big-endian TLS fields.
struct TLSReader {
    private let bytes: [UInt8]
    private var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var remaining: Int { bytes.count - offset }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, n <= remaining else { throw VerificationError(.certificateTransparency, "truncated SCT") }
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }
    mutating func u8() throws -> UInt8 { try bytes(1)[0] }
    mutating func u16() throws -> UInt16 { try bytes(2).reduce(0) { $0 << 8 | UInt16($1) } }
    mutating func u64() throws -> UInt64 { try bytes(8).reduce(0) { $0 << 8 | UInt64($1) } }
}
