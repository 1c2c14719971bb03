import SigstoreCore
import SigstoreCrypto
import SigstoreModels
import SigstoreSign
import SigstoreVerify
import X509
import SwiftASN1
import SigstoreJSON

/// `cosign bundle upgrade`: a v0.1 or v0.2 Sigstore bundle rewritten as v0.3, as Go cosign does it: the certificate
/// chain cut to its leaf, and each log entry that has only an inclusion promise completed with its inclusion proof
/// from Rekor v1. Unlike Go, the entry Rekor returns must be the one the bundle holds (same body, log and index):
/// nothing else is written into the bundle.
public struct BundleUpgrade: Sendable {
    /// `--rekor-url`: where missing inclusion proofs are fetched.
    public var rekorURL = SigningOptions.defaultRekorURL

    /// Creates an upgrade.
    public init() {}

    /// The upgraded bundle's JSON (the input itself when it is already v0.3).
    public func upgrade(_ bytes: [UInt8], console: Console) async throws -> [UInt8] {
        var bundle = try SigstoreBundle(jsonData: bytes)
        switch bundle.minorVersion {
        case 3:
            console.info("Bundle is already at v0.3, no upgrade needed.")
            return bytes
        case 1, 2: console.info("Upgrading from v0.\(bundle.minorVersion) to v0.3...")
        default: throw CosignError(.invalidInput, "unsupported bundle version: \(bundle.mediaType)")
        }
        if case .x509CertificateChain(let chain) = bundle.verificationMaterial.signer, let leaf = chain.first {
            console.info("Truncating certificate chain to only the leaf certificate...")
            for (i, der) in chain.enumerated() {
                let identity: String
                if let certificate = try? Certificate(derEncoded: der.bytes) {
                    let san = try? SigningCertificate(der: der.bytes).subjectAlternativeName
                    identity = san ?? (certificate.subject.description.isEmpty ? "<none>" : certificate.subject.description)
                } else {
                    identity = "<unable to parse>"
                }
                console.info("  Certificate \(i) Identity: \(identity)")
            }
            bundle.verificationMaterial.signer = .certificate(leaf)
        }
        let entries = bundle.verificationMaterial.tlogEntries
        bundle.verificationMaterial.tlogEntries = try await ServiceHTTP.withClient { http in
            let rekor = RekorClient(baseURL: rekorURL, apiVersion: 1, http: http)
            var completed = entries
            for (i, entry) in entries.enumerated() where entry.signedEntryTimestamp != nil && entry.inclusionProof == nil {
                console.info("Fetching missing inclusion proof from Rekor for log index \(entry.logIndex.value)...")
                let fetched = try await rekor.entry(atIndex: entry.logIndex.value)
                guard fetched.canonicalizedBody == entry.canonicalizedBody, fetched.logID == entry.logID,
                    fetched.logIndex == entry.logIndex, fetched.integratedTime == entry.integratedTime
                else {
                    throw CosignError(
                        .verificationFailed, "Rekor's entry at log index \(entry.logIndex.value) is not the one the bundle holds: nothing was written")
                }
                guard fetched.inclusionProof != nil else {
                    throw CosignError(.verificationFailed, "Rekor returned log index \(entry.logIndex.value) without an inclusion proof")
                }
                completed[i] = fetched
            }
            return completed
        }
        bundle.mediaType = SigstoreBundle.mediaTypeV03
        return bundle.jsonData()
    }
}
