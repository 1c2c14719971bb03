#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
public import SigstoreCrypto
public import SwiftASN1
public import X509
import SigstoreCore

/// Sigstore's certificate extension OIDs (`1.3.6.1.4.1.57264.1.*`).
public enum SigstoreOID {
    /// `1.3.6.1.4.1.57264.1.<n>`.
    public static func fulcio(_ n: UInt) -> ASN1ObjectIdentifier { [1, 3, 6, 1, 4, 1, 57264, 1, n] }
    /// OIDC issuer, raw bytes (deprecated).
    public static let issuerV1 = fulcio(1)
    /// OIDC issuer, DER UTF8String.
    public static let issuerV2 = fulcio(8)
    /// The OtherName SAN type for username identities.
    public static let otherNameSAN = fulcio(7)
    /// The embedded SCT list of RFC 6962.
    public static let sctList: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 11129, 2, 4, 2]
    /// The CT precertificate-signing EKU.
    public static let precertificateSigning: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 11129, 2, 4, 4]
}

/// A signing certificate with what the verifier reads from it.
public struct SigningCertificate: Sendable, Hashable {
    /// The parsed certificate.
    public var certificate: Certificate
    /// Its DER encoding.
    public var der: [UInt8]

    /// Parses a DER certificate.
    public init(der: [UInt8]) throws {
        guard !der.isEmpty else { throw VerificationError(.bundle, "bundle certificate is empty") }
        do {
            certificate = try Certificate(derEncoded: der)
        } catch {
            throw VerificationError(.certificate, "bundle certificate is not a valid X.509 certificate")
        }
        self.der = der
    }

    /// The certificate's public key, as the signature verifier uses it.
    public func publicKey() throws -> SigstoreCrypto.PublicKey {
        do {
            // The key's own bytes: re-encoding the parsed key would convert its point to affine coordinates again.
            // swift-certificates decoded the point already (uncompressed only, as ours): an ECDSA key is taken as is.
            let spki = Array(try CertificateBytes.subjectPublicKeyInfo(der))
            if let key = P256.Signing.PublicKey(certificate.publicKey) { return SigstoreCrypto.PublicKey(key, spki: spki) }
            if let key = P384.Signing.PublicKey(certificate.publicKey) { return SigstoreCrypto.PublicKey(key, spki: spki) }
            return try SigstoreCrypto.PublicKey(derEncoded: spki)
        } catch {
            throw VerificationError(.certificate, "unsupported public key in signing certificate: \(error)")
        }
    }

    /// The identity sigstore-go summarizes: the first URI SAN, else the first email, else the Fulcio OtherName.
    public var subjectAlternativeName: String? {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return nil }
        var email: String?
        var other: String?
        for name in names {
            switch name {
            case .uniformResourceIdentifier(let uri): return uri
            case .rfc822Name(let e): if email == nil { email = e }
            case .otherName(let o) where o.typeID == SigstoreOID.otherNameSAN:
                if other == nil, let v = o.value, let s = try? ASN1UTF8String(asn1Any: v) { other = String(s) }
            default: continue
            }
        }
        return email ?? other
    }

    /// The OIDC issuer: the DER UTF8String extension `.1.8`, else the raw `.1.1`.
    public var issuer: String? {
        if let v2 = certificate.extensions[oid: SigstoreOID.issuerV2],
            let s = try? ASN1UTF8String(derEncoded: v2.value)
        {
            return String(s)
        }
        return rawExtension(SigstoreOID.issuerV1)
    }

    /// A deprecated raw-bytes Sigstore extension (`.1.1`–`.1.6`) as text.
    public func rawExtension(_ oid: ASN1ObjectIdentifier) -> String? {
        certificate.extensions[oid: oid].map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// Fulcio's extensions describing the signer's workload (CI provider claims), by name.
    public var fulcioExtensions: FulcioExtensions { FulcioExtensions(self) }

    /// Whether the certificate is valid at `time` (bounds inclusive).
    public func isValid(at time: Date) -> Bool {
        certificate.notValidBefore <= time && time <= certificate.notValidAfter
    }
}

extension Certificate.PublicKey {
    /// The PKIX `SubjectPublicKeyInfo` DER.
    var spkiDER: [UInt8] {
        var s = DER.Serializer()
        // Serializing a parsed key cannot fail.
        try? s.serialize(self)
        return s.serializedBytes
    }
}

/// Fulcio's leaf profile for chain building: a code-signing EKU, and the critical SAN that identity policies check.
struct CodeSigningPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.extendedKeyUsage,
    ]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        for (index, cert) in chain.enumerated() {
            let eku: ExtendedKeyUsage?
            do { eku = try cert.extensions.extendedKeyUsage } catch {
                return .failsToMeetPolicy(reason: "malformed extended key usage")
            }
            guard let eku else {
                if index == 0 { return .failsToMeetPolicy(reason: "leaf certificate has no extended key usage") }
                continue
            }
            if !(eku.contains(.codeSigning) || eku.contains(.any)) {
                return .failsToMeetPolicy(reason: "certificate's extended key usage does not permit code signing")
            }
        }
        return .meetsPolicy
    }
}

/// RFC 3161 TSA chain profile: the leaf must carry a critical EKU of exactly id-kp-timeStamping; intermediates with an
/// EKU must permit it.
struct TimeStampingPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        for (index, cert) in chain.enumerated() {
            let ext = cert.extensions[oid: .X509ExtensionID.extendedKeyUsage]
            guard let ext else {
                if index == 0 { return .failsToMeetPolicy(reason: "timestamp certificate has no extended key usage") }
                continue
            }
            guard let eku = try? ExtendedKeyUsage(ext) else { return .failsToMeetPolicy(reason: "malformed extended key usage") }
            if index == 0 {
                guard ext.critical, eku.count == 1, eku.contains(.timeStamping) else {
                    return .failsToMeetPolicy(
                        reason: "timestamp certificate must have a critical extended key usage of timeStamping only")
                }
            } else if !(eku.contains(.timeStamping) || eku.contains(.any)) {
                return .failsToMeetPolicy(reason: "intermediate certificate does not permit timestamping")
            }
        }
        return .meetsPolicy
    }
}

/// Fulcio's certificate extensions (`1.3.6.1.4.1.57264.1.*`, sigstore/fulcio `docs/oid-info.md`) by name, as
/// sigstore-go's `certificate.Extensions` has them: nil where the certificate does not carry one.
public struct FulcioExtensions: Sendable, Hashable {
    /// `.1.8` (`.1.1` in older certificates): the OIDC issuer.
    public var issuer: String?
    /// `.1.9`: the URI of the build instructions that signed (e.g. a reusable workflow at a ref).
    public var buildSignerURI: String?
    /// `.1.10`: the digest of those build instructions.
    public var buildSignerDigest: String?
    /// `.1.11`: where the build ran (`github-hosted`, `self-hosted`).
    public var runnerEnvironment: String?
    /// `.1.12`: the source repository's URI.
    public var sourceRepositoryURI: String?
    /// `.1.13`: the source commit's digest.
    public var sourceRepositoryDigest: String?
    /// `.1.14`: the source ref (`refs/heads/main`).
    public var sourceRepositoryRef: String?
    /// `.1.15`: the source repository's immutable identifier.
    public var sourceRepositoryIdentifier: String?
    /// `.1.16`: the URI of the repository's owner.
    public var sourceRepositoryOwnerURI: String?
    /// `.1.17`: the owner's immutable identifier.
    public var sourceRepositoryOwnerIdentifier: String?
    /// `.1.18`: the URI of the top-level build instructions.
    public var buildConfigURI: String?
    /// `.1.19`: their digest.
    public var buildConfigDigest: String?
    /// `.1.20`: the event that started the build (`push`, `workflow_dispatch`).
    public var buildTrigger: String?
    /// `.1.21`: the URI of this run.
    public var runInvocationURI: String?
    /// `.1.22`: the repository's visibility when it signed (`public`, `private`).
    public var sourceRepositoryVisibilityAtSigning: String?
    /// `.1.2` (deprecated): the GitHub workflow trigger.
    public var githubWorkflowTrigger: String?
    /// `.1.3` (deprecated): the GitHub workflow commit SHA.
    public var githubWorkflowSHA: String?
    /// `.1.4` (deprecated): the GitHub workflow name.
    public var githubWorkflowName: String?
    /// `.1.5` (deprecated): the GitHub workflow repository.
    public var githubWorkflowRepository: String?
    /// `.1.6` (deprecated): the GitHub workflow ref.
    public var githubWorkflowRef: String?

    /// Reads the extensions of `certificate`.
    public init(_ certificate: SigningCertificate) {
        func utf8String(_ n: UInt) -> String? {
            guard let value = certificate.certificate.extensions[oid: SigstoreOID.fulcio(n)]?.value,
                let string = try? ASN1UTF8String(derEncoded: value)
            else { return nil }
            return String(string)
        }
        func raw(_ n: UInt) -> String? { certificate.rawExtension(SigstoreOID.fulcio(n)) }
        issuer = certificate.issuer
        buildSignerURI = utf8String(9)
        buildSignerDigest = utf8String(10)
        runnerEnvironment = utf8String(11)
        sourceRepositoryURI = utf8String(12)
        sourceRepositoryDigest = utf8String(13)
        sourceRepositoryRef = utf8String(14)
        sourceRepositoryIdentifier = utf8String(15)
        sourceRepositoryOwnerURI = utf8String(16)
        sourceRepositoryOwnerIdentifier = utf8String(17)
        buildConfigURI = utf8String(18)
        buildConfigDigest = utf8String(19)
        buildTrigger = utf8String(20)
        runInvocationURI = utf8String(21)
        sourceRepositoryVisibilityAtSigning = utf8String(22)
        githubWorkflowTrigger = raw(2)
        githubWorkflowSHA = raw(3)
        githubWorkflowName = raw(4)
        githubWorkflowRepository = raw(5)
        githubWorkflowRef = raw(6)
    }
}
