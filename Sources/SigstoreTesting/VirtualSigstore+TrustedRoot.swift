#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
internal import SigstoreCrypto
internal import SigstoreIssuing
internal import SigstoreModels
internal import SigstoreVerify
internal import SwiftASN1
internal import X509

extension VirtualSigstore {
    /// The `trusted_root.json` (v0.1) that trusts this instance. Without `listTSALeaf` the TSA chain holds only its
    /// root, so the TSA certificate embedded in a token is what gets checked.
    ///
    /// `validUntil` ends the validity window of the named services (`rekor`, `rekor-v2`, `ctlog`, `fulcio`, `tsa`).
    public func trustedRootJSON(listTSALeaf: Bool = true, validUntil: [String: Date] = [:]) -> [UInt8] {
        func window(_ service: String) -> TimeRange { TimeRange(start: epoch, end: validUntil[service]) }
        func log(_ url: String, _ key: SigstoreCrypto.PublicKey, _ details: String, _ id: [UInt8], _ service: String) -> TransparencyLogInstance {
            TransparencyLogInstance(
                baseURL: url, publicKey: PublicKeyMaterial(rawBytes: key.derRepresentation, keyDetails: details, validFor: window(service)),
                logID: id)
        }
        func authority(_ name: String, _ url: String, _ chain: [Certificate], _ service: String) -> CertificateAuthority {
            CertificateAuthority(
                organization: "virtual", commonName: name, uri: url, certificateChain: chain.compactMap { try? DER.encoding($0) },
                validFor: window(service))
        }
        let rekor = SigstoreCrypto.PublicKey(rekorKey.publicKey)
        let rekorV2 = SigstoreCrypto.PublicKey(rekorV2Key.publicKey)
        let ctLog = SigstoreCrypto.PublicKey(ctLogKey.publicKey)
        let root = TrustedRoot(
            tlogs: [
                log(Self.rekorURL, rekor, "PKIX_ECDSA_P256_SHA_256", Array(SHA256.hash(data: rekor.derRepresentation)), "rekor"),
                log(Self.rekorV2URL, rekorV2, "PKIX_ED25519", SignedNote.keyID(name: Self.rekorV2Host, key: rekorV2), "rekor-v2"),
            ],
            certificateAuthorities: [authority("virtual-fulcio", Self.fulcioURL, [intermediateCertificate, rootCertificate], "fulcio")],
            ctlogs: [log(Self.ctLogURL, ctLog, "PKIX_ECDSA_P256_SHA_256", Array(SHA256.hash(data: ctLog.derRepresentation)), "ctlog")],
            timestampAuthorities: [
                authority("virtual-tsa", Self.tsaURL, listTSALeaf ? [tsa.authority.certificate, tsaRoot.certificate] : [tsaRoot.certificate], "tsa")
            ])
        return root.jsonData()
    }
}
