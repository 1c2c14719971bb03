#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import Crypto
public import SigstoreCrypto
public import SigstoreModels
public import X509
internal import SwiftASN1
import SigstoreCore

/// A trusted root with its keys and certificates parsed once, ready for many verifications.
public struct TrustMaterial: Sendable {
    /// A transparency log (Rekor) or certificate-transparency log.
    public struct Log: Sendable {
        /// The log's base URL.
        public var baseURL: String
        /// The host of ``baseURL`` (the Rekor v2 checkpoint origin).
        public var hostname: String?
        /// The log ID as bundles name it.
        public var logID: [UInt8]
        /// The log's key.
        public var key: PublicKey
        /// When the key may be used.
        public var validFor: TimeRange?
    }

    /// A certificate authority (Fulcio) or timestamp authority.
    public struct Authority: Sendable {
        /// The trust anchor: the last certificate of the chain.
        public var root: Certificate
        /// The certificates between leaf and root.
        public var intermediates: [Certificate]
        /// For timestamp authorities: the TSA's own certificate, when the chain lists it first.
        public var leaf: Certificate?
        /// When the authority may be used.
        public var validFor: TimeRange?
        /// The authority's URI.
        public var uri: String

        /// SHA-256 of the issuing certificate's `SubjectPublicKeyInfo`: the issuer key hash that embedded SCTs sign
        /// (RFC 6962 §3.2), computed once.
        var issuingKeyHash: [UInt8] = []

        /// For certificate authorities: whether `intermediates` → `root` is a chain of CA certificates whose
        /// signatures verify (checked once, when the trust material is loaded).
        var chainVerified = false

        /// The certificate that issues leaves: the first intermediate, else the root.
        var issuingCertificate: Certificate { intermediates.first ?? root }

        /// The certificates above the issuing one, up to and including the root.
        var upperCertificates: [Certificate] { intermediates.isEmpty ? [] : Array(intermediates.dropFirst()) + [root] }

        /// Checks the CA chain once: every certificate is a CA signed by the next, and any EKU permits code signing.
        mutating func verifyChainOnce() {
            let chain = intermediates + [root]
            for (i, cert) in chain.enumerated() {
                guard TrustMaterial.isCA(cert) else { return }
                if let eku = try? cert.extensions.extendedKeyUsage, !(eku.contains(.codeSigning) || eku.contains(.any)) {
                    return
                }
                let issuer = i + 1 < chain.count ? chain[i + 1] : cert
                guard issuer.publicKey.isValidSignature(cert.signature, for: cert) else { return }
            }
            chainVerified = true
        }
    }

    /// Transparency logs by hex log ID.
    public var transparencyLogs: [String: Log]
    /// Certificate-transparency logs by hex log ID.
    public var ctLogs: [String: Log]
    /// Fulcio certificate authorities.
    public var certificateAuthorities: [Authority]
    /// RFC 3161 timestamp authorities.
    public var timestampAuthorities: [Authority]

    /// Trust material with nothing in it: enough for key-signed bundles verified without a transparency log.
    public init() {
        transparencyLogs = [:]
        ctLogs = [:]
        certificateAuthorities = []
        timestampAuthorities = []
    }

    /// Parses every key and certificate of a trusted root.
    public init(trustedRoot: TrustedRoot) throws {
        func logs(_ instances: [TransparencyLogInstance], what: String, requireStart: Bool) throws -> [String: Log] {
            var out: [String: Log] = [:]
            for log in instances {
                if requireStart && log.publicKey.validFor?.start == nil {
                    throw VerificationError(.trustedRoot, "\(what) \(log.baseURL) has no validity start time")
                }
                guard log.hashAlgorithm == "SHA2_256" else {
                    throw VerificationError(.trustedRoot, "\(what) \(log.baseURL) has unsupported hash algorithm \(log.hashAlgorithm)")
                }
                let details = log.publicKey.keyDetails
                guard details.hasPrefix("PKIX_ECDSA_") || details.hasPrefix("PKIX_RSA_") || details == "PKIX_ED25519"
                    || details == "PKCS1_RSA_PKCS1V5"
                else {
                    throw VerificationError(.trustedRoot, "\(what) \(log.baseURL) has unsupported public key type \(details)")
                }
                let key: PublicKey
                do {
                    key =
                        log.publicKey.keyDetails.hasPrefix("PKCS1_")
                        ? try PublicKey(pkcs1RSA: log.publicKey.rawBytes)
                        : try PublicKey(derEncoded: log.publicKey.rawBytes)
                } catch {
                    throw VerificationError(.trustedRoot, "\(what) \(log.baseURL) has an unusable public key: \(error)")
                }
                let host = URL(string: log.baseURL)?.host
                out[Hex.encode(log.logID)] = Log(
                    baseURL: log.baseURL, hostname: host, logID: log.logID, key: key, validFor: log.publicKey.validFor)
            }
            return out
        }
        func authorities(_ cas: [CertificateAuthority], what: String, tsa: Bool) throws -> [Authority] {
            try cas.map { ca in
                let certs: [Certificate]
                do {
                    certs = try ca.certificateChain.map { try Certificate(derEncoded: $0) }
                } catch {
                    throw VerificationError(.trustedRoot, "\(what) \(ca.uri ?? "") has a malformed certificate")
                }
                guard let root = certs.last else {
                    throw VerificationError(.trustedRoot, "\(what) \(ca.uri ?? "") has an empty certificate chain")
                }
                var rest = Array(certs.dropLast())
                var leaf: Certificate?
                if tsa, let first = rest.first, !Self.isCA(first) {
                    leaf = first
                    rest.removeFirst()
                }
                var authority = Authority(root: root, intermediates: rest, leaf: leaf, validFor: ca.validFor, uri: ca.uri ?? "")
                authority.issuingKeyHash = HashAlgorithm.sha256.digest(of: authority.issuingCertificate.publicKey.spkiDER).bytes
                return authority
            }
        }
        transparencyLogs = try logs(trustedRoot.tlogs, what: "transparency log", requireStart: true)
        ctLogs = try logs(trustedRoot.ctlogs, what: "certificate transparency log", requireStart: true)
        certificateAuthorities = try authorities(trustedRoot.certificateAuthorities, what: "certificate authority", tsa: false)
        for i in certificateAuthorities.indices { certificateAuthorities[i].verifyChainOnce() }
        timestampAuthorities = try authorities(trustedRoot.timestampAuthorities, what: "timestamp authority", tsa: true)
    }

    /// Reads and parses a `trusted_root.json`.
    public init(jsonData: some Collection<UInt8>) throws {
        try self.init(trustedRoot: try TrustedRoot(jsonData: jsonData))
    }

    static func isCA(_ cert: Certificate) -> Bool {
        if case .isCertificateAuthority = try? cert.extensions.basicConstraints { return true }
        return false
    }
}
