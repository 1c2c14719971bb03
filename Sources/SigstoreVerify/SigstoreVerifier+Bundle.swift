#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import SigstoreCrypto
internal import SigstoreModels
internal import SigstoreJSON
internal import SigstoreCore

/// The bundle's own rules (sigstore-go `bundle.go`): what each media-type version must carry, limits on its
/// contents, and whether its signer is a certificate or the key the policy names.
extension SigstoreVerifier {
    enum Material {
        case certificate(SigningCertificate)
        case publicKey(PublicKey)

        var publicKey: PublicKey {
            get throws {
                switch self {
                case .certificate(let c): try c.publicKey()
                case .publicKey(let k): k
                }
            }
        }
    }

    static func validateStructure(_ bundle: SigstoreBundle, allowCertificateChain: Bool = false) throws {
        let version = bundle.minorVersion
        let material = bundle.verificationMaterial
        for entry in material.tlogEntries {
            if version == 1 && entry.signedEntryTimestamp == nil {
                throw VerificationError(.bundle, "bundle v0.1 requires an inclusion promise for every transparency log entry")
            }
            if version >= 2 {
                guard let proof = entry.inclusionProof else {
                    throw VerificationError(.bundle, "bundle v0.\(version) requires an inclusion proof for every transparency log entry")
                }
                guard proof.checkpoint != nil else {
                    throw VerificationError(.bundle, "inclusion proof has no checkpoint")
                }
            }
            guard entry.logIndex.value >= 0 else {
                throw VerificationError(.bundle, "transparency log entry has a negative log index \(entry.logIndex.value)")
            }
            guard (entry.integratedTime?.value ?? 0) >= 0 else {
                throw VerificationError(.bundle, "transparency log entry has a negative integrated time")
            }
            guard let body = entry.canonicalizedBody, !body.bytes.isEmpty else {
                throw VerificationError(.bundle, "transparency log entry has no canonicalized body")
            }
            guard entry.logID.bytes.count > 0 else { throw VerificationError(.bundle, "transparency log entry has no log ID") }
        }
        if let tsd = material.timestampVerificationData, tsd.rfc3161Timestamps.count > Limits.maxTimestamps {
            throw VerificationError(.bundle, "too many signed timestamps: \(tsd.rfc3161Timestamps.count) > \(Limits.maxTimestamps)")
        }
        switch material.signer {
        case .x509CertificateChain(let certs):
            if version >= 3 && !allowCertificateChain {
                throw VerificationError(.bundle, "bundle v0.3 must carry a single certificate, not a certificate chain")
            }
            guard let first = certs.first, !first.bytes.isEmpty else {
                throw VerificationError(.bundle, "bundle certificate chain is empty")
            }
        case .certificate(let c):
            guard !c.bytes.isEmpty else { throw VerificationError(.bundle, "bundle certificate is empty") }
        case .publicKey: break
        }
        switch bundle.content {
        case .messageSignature(let m):
            guard !m.signature.bytes.isEmpty else { throw VerificationError(.bundle, "bundle message signature is empty") }
        case .dsseEnvelope(let e):
            guard e.signatures.count == 1 else {
                throw VerificationError(.signature, "DSSE envelope must have exactly one signature, has \(e.signatures.count)")
            }
        }
    }

    func signerMaterial(_ bundle: SigstoreBundle, policy: VerificationPolicy) throws -> Material {
        switch bundle.verificationMaterial.signer {
        case .publicKey:
            guard let key = policy.publicKey else {
                throw VerificationError(.bundle, "bundle is signed with a public key: the verifier needs that key")
            }
            return .publicKey(key)
        case .x509CertificateChain(let certs):
            guard policy.publicKey == nil else {
                throw VerificationError(.bundle, "expected a key signature, but the bundle carries a certificate")
            }
            return .certificate(try SigningCertificate(der: certs[0].bytes))
        case .certificate(let c):
            guard policy.publicKey == nil else {
                throw VerificationError(.bundle, "expected a key signature, but the bundle carries a certificate")
            }
            return .certificate(try SigningCertificate(der: c.bytes))
        }
    }

    static func signatureBytes(_ bundle: SigstoreBundle) -> [UInt8] {
        switch bundle.content {
        case .messageSignature(let m): m.signature.bytes
        case .dsseEnvelope(let e): e.signatures.first?.sig.bytes ?? []
        }
    }
}
