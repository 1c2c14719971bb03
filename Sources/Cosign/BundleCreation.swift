import Foundation
import SigstoreCore
import SigstoreCrypto
import SigstoreJSON
public import SigstoreModels
import SigstoreSign
import SigstoreVerify

/// `cosign bundle create`: a Sigstore bundle (v0.3) from cosign's older outputs — a detached signature or DSSE
/// envelope, the certificate or key, an RFC 3161 timestamp file, cosign's legacy bundle — with the transparency-log
/// entry (SET and inclusion proof) looked up in Rekor v1, as Go cosign does.
public struct BundleCreation: Sendable {
    /// `--artifact`: the signed file (`-` for standard input).
    public var artifact: String?
    /// `--attestation`: a DSSE envelope (JSON).
    public var attestation: String?
    /// `--bundle`: cosign's legacy bundle.
    public var bundle: String?
    /// `--certificate`: the signing certificate (PEM, or base64 of PEM as `--output-certificate` writes it).
    public var certificate: String?
    /// `--signature`: a file holding the base64 signature.
    public var signature: String?
    /// `--rfc3161-timestamp`: cosign's timestamp file.
    public var rfc3161Timestamp: String?
    /// `--key`: the public key, when no certificate signed.
    public var key: String?
    /// `--ignore-tlog`: no log entry is looked up.
    public var ignoreTransparencyLog = false
    /// `--rekor-url`: the Rekor v1 log to search.
    public var rekorURL = SigningOptions.defaultRekorURL

    /// Nothing given yet.
    public init() {}

    /// The media type Go cosign writes.
    public static let mediaType = "application/vnd.dev.sigstore.bundle+json;version=0.3"

    /// Assembles the bundle.
    public func make(console: Console) async throws -> SigstoreBundle {
        guard let artifact, !artifact.isEmpty else { throw CosignError(.invalidInput, "must supply --artifact") }
        guard bundle != nil || signature != nil else {
            throw CosignError(.invalidInput, "must at least supply signature via --bundle or --signature")
        }
        if bundle != nil && certificate != nil { throw CosignError(.invalidInput, "--bundle and --certificate cannot be used together") }
        if bundle != nil && signature != nil { throw CosignError(.invalidInput, "--bundle and --signature cannot be used together") }

        var certificateDER: [UInt8]?
        var signatureBytes: [UInt8] = []
        var envelope: DSSEEnvelope?
        if let bundle {
            let legacy = try LegacySignedPayload(jsonData: try FileSystem.readFile(bundle, limit: Limits.maxDocumentBytes))
            if ignoreTransparencyLog, legacy.rekorBundle != nil {
                throw CosignError(.invalidInput, "cannot ignore transparency log when the provided bundle contains a Signed Entry Timestamp")
            }
            if let text = legacy.certText {
                if text.contains("-----BEGIN CERTIFICATE-----") {
                    certificateDER = try CertificateFiles.parse(text, what: "the bundle's cert")[0]
                } else if key == nil {
                    throw CosignError(.invalidInput, "no certs found in bundle: it was signed with a key, pass --key")
                }
            }
            (signatureBytes, envelope) = try Self.signatureOrEnvelope(Array(legacy.base64Signature.utf8), what: "the bundle's base64Signature")
        }
        if let signature {
            (signatureBytes, envelope) = try Self.signatureOrEnvelope(
                try FileSystem.readFile(signature, limit: 16 << 20), what: "--signature \(signature)")
        }
        if let certificate { certificateDER = try CertificateFiles.load(certificate, what: "--certificate")[0] }
        if let attestation {
            let bytes = try FileSystem.readFile(attestation, limit: Limits.maxDocumentBytes)
            do {
                envelope = try JSONCoding.decode(DSSEEnvelope.self, from: bytes, what: "attestation")
            } catch let error as any ReportableError {
                throw CosignError(.invalidInput, "--attestation \(attestation): \(error.message)", underlying: error)
            }
        }
        let publicKey: PublicKey
        if let certificateDER {
            publicKey = try SigningCertificate(der: certificateDER).publicKey()
        } else if let key {
            publicKey = try await KeyReference.publicKey(fetching: key, console: console)
        } else {
            throw CosignError(.invalidInput, "invalid bundle: missing verification material: pass --certificate or --key")
        }

        let digest = try Artifact.parse(artifact, allowDigest: false).digest(.sha256)
        let content: SigstoreBundle.Content
        let proposal: LogProposal
        if let envelope, let first = envelope.signatures.first {
            let single = DSSEEnvelope(payload: envelope.payload.bytes, payloadType: envelope.payloadType, signatures: [.init(sig: first.sig.bytes)])
            content = .dsseEnvelope(single)
            proposal = .dsse(envelope: envelope, certificate: certificateDER, publicKey: publicKey)
        } else {
            guard !signatureBytes.isEmpty else { throw CosignError(.invalidInput, "the signature is empty") }
            content = .messageSignature(
                MessageSignature(messageDigest: MessageDigest(algorithm: digest.algorithm.protoName, digest: digest.bytes), signature: signatureBytes))
            proposal = .hashedRekord(digest: digest, signature: signatureBytes, certificate: certificateDER, publicKey: publicKey)
        }

        var entries: [TransparencyLogEntry] = []
        if !ignoreTransparencyLog { entries = [try await lookUp(proposal)] }
        var timestamps: TimestampVerificationData?
        if let path = rfc3161Timestamp {
            timestamps = TimestampVerificationData(rfc3161Timestamps: [Base64Bytes(try LegacySignatureVerification.timestampFile(path))])
        }
        let signer: VerificationMaterial.Signer =
            certificateDER.map { .certificate(Base64Bytes($0)) }
            ?? .publicKey(hint: Base64.encode(HashAlgorithm.sha256.digest(of: publicKey.derRepresentation).bytes))
        return SigstoreBundle(
            mediaType: Self.mediaType,
            verificationMaterial: VerificationMaterial(signer: signer, tlogEntries: entries, timestampVerificationData: timestamps),
            content: content)
    }

    /// The entry Rekor v1 holds for the proposal; exactly one must be found.
    private func lookUp(_ proposal: LogProposal) async throws -> TransparencyLogEntry {
        let found = try await ServiceHTTP.withClient { http in
            try await RekorClient(baseURL: rekorURL, apiVersion: 1, http: http).search(proposal)
        }
        guard let entry = found.first else {
            throw CosignError(.verificationFailed, "signature not found in transparency log \(ServiceHTTP.redact(rekorURL)) (pass --ignore-tlog if it was never logged)")
        }
        guard found.count == 1 else { throw CosignError(.verificationFailed, "too many tlog entries; should only have 1") }
        guard entry.inclusionProof != nil else {
            throw CosignError(.verificationFailed, "the transparency log returned the entry without an inclusion proof")
        }
        return entry
    }

    /// A base64 signature, or base64 of a DSSE envelope (what `attest-blob --output-signature` writes).
    static func signatureOrEnvelope(_ text: [UInt8], what: String) throws -> ([UInt8], DSSEEnvelope?) {
        let stripped = String(decoding: text, as: UTF8.self).filter { !$0.isWhitespace }
        guard let decoded = Base64.decodeStrict(stripped), !decoded.isEmpty else {
            throw CosignError(.invalidInput, "\(what) is not a base64 signature")
        }
        if decoded.first == UInt8(ascii: "{"), let envelope = try? JSONCoding.decode(DSSEEnvelope.self, from: decoded, what: "envelope") {
            return (envelope.signatures.first?.sig.bytes ?? [], envelope)
        }
        return (decoded, nil)
    }
}
