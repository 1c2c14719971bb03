import Foundation
import SigstoreCore
import SigstoreCrypto
import SigstoreJSON
import SigstoreModels
import SigstoreSign
import SigstoreVerify
import X509
import SwiftASN1

/// The flags of `verify-blob`'s certificate path that Go cosign still accepts beside a detached signature or a
/// legacy bundle (most are deprecated there in favour of bundles and `--trusted-root`).
public struct DetachedVerificationInputs: Sendable {
    /// `--certificate-chain`: the CA certificates above the signing certificate, root last; the root is trusted
    /// because it was given.
    public var certificateChain: String?
    /// `--ca-roots`: trusted root CA certificates (PEM), replacing the Fulcio roots.
    public var caRoots: String?
    /// `--ca-intermediates`: intermediate CA certificates (PEM), with `--ca-roots`.
    public var caIntermediates: String?
    /// `--rfc3161-timestamp`: cosign's timestamp file (`{"SignedRFC3161Timestamp": "<base64 TimeStampResp>"}`).
    public var rfc3161Timestamp: String?
    /// `--timestamp-certificate-chain`: the timestamp authority's chain (PEM), replacing the trusted root's.
    public var timestampCertificateChain: String?
    /// `--rekor-url`: where a detached signature's log entry is searched for.
    public var rekorURL = SigningOptions.defaultRekorURL
    /// `--sct`: a detached SCT, the JSON of RFC 6962's `add-chain` response (what Fulcio's legacy API returned in
    /// its `SCT` header, base64-decoded), checked over the certificate as an X.509 entry.
    public var sct: String?

    /// No detached inputs.
    public init() {}

    /// The flags Go cosign refuses next to a Sigstore bundle, with its messages, in a fixed order.
    func unsupportedWithBundle(certificate: String?, signature: String?) -> String? {
        let checks: [(Bool, String)] = [
            (certificate != nil, "certificate must be in bundle and may not be provided using --certificate"),
            (certificateChain != nil, "certificate chain must be in bundle and may not be provided using --certificate-chain"),
            (caRoots != nil || caIntermediates != nil, "CA roots/intermediates must be provided using --trusted-root"),
            (timestampCertificateChain != nil, "TSA certificate chain path may only be provided using --trusted-root"),
            (rfc3161Timestamp != nil, "RFC3161 timestamp may not be provided using --rfc3161-timestamp"),
            (signature != nil, "signature may not be provided using --signature"),
            (sct != nil, "SCT may not be provided using --sct"),
        ]
        return checks.first { $0.0 }.map { "unsupported: \($0.1) when using --new-bundle-format" }
    }

    /// Whether the certificate authorities come from the flags instead of the trusted root.
    var customCertificateAuthorities: Bool { caRoots != nil || certificateChain != nil }
}

/// Verifying a detached signature or cosign's legacy bundle the way Go cosign's legacy `verify-blob` path does: with
/// the certificate that arrives beside it (`--certificate`, or the legacy bundle's `cert`), or with `--key` and its log
/// entry. The pieces are assembled into a v0.1 bundle (the certificate or key, the log entry from the legacy bundle's
/// SET or found in Rekor, the RFC 3161 timestamp) and that bundle goes through the same verifier as every other.
struct LegacySignatureVerification {
    var options: VerificationOptions
    /// `--key`: the signature is checked with this key instead of a certificate, and only its log entry (the legacy
    /// bundle's SET, or one found in Rekor) is checked against the trust.
    var publicKey: PublicKey?
    var inputs: DetachedVerificationInputs
    var certificate: String?
    var signature: String?
    var legacy: LegacySignedPayload?

    func verify(blob: String, console: Console) async throws {
        let identities = publicKey == nil ? try options.identity.identities() : []
        try CertificateFiles.checkAuthorityFlags(
            caRoots: inputs.caRoots, caIntermediates: inputs.caIntermediates, certificateChain: inputs.certificateChain)
        let detachedSCT = try inputs.sct.map { try Self.detachedSCT($0) }
        let useTimestamps = options.useSignedTimestamps || inputs.timestampCertificateChain != nil
        if inputs.rfc3161Timestamp != nil && !useTimestamps {
            throw CosignError(
                .invalidInput, "when specifying --rfc3161-timestamp, you must also specify --use-signed-timestamps or --timestamp-certificate-chain")
        }
        if useTimestamps && inputs.rfc3161Timestamp == nil {
            throw CosignError(
                .invalidInput, "when specifying --use-signed-timestamps or --timestamp-certificate-chain, you must also specify --rfc3161-timestamp")
        }

        let leaf = publicKey == nil ? try signingCertificate() : nil
        let signatureBytes = try signatureValue()
        let trust = try await trustedRoot(useTimestamps: useTimestamps, console: console)
        let artifact = try Artifact.parse(blob, allowDigest: false)
        // A logged Ed25519 signature is Ed25519ph, recorded with the artifact's SHA-512 digest.
        let digest = try artifact.digest(publicKey?.kind == .ed25519 ? .sha512 : .sha256)

        var entries: [TransparencyLogEntry] = []
        if !options.skipsTransparencyLog {
            if let rekorBundle = legacy?.rekorBundle {
                entries = [try Self.logEntry(rekorBundle)]
            } else {
                entries = [try await searchLog(digest: digest, signature: signatureBytes, leaf: leaf, console: console)]
            }
        }
        var timestamps: TimestampVerificationData?
        if let path = inputs.rfc3161Timestamp {
            timestamps = TimestampVerificationData(rfc3161Timestamps: [Base64Bytes(try Self.timestampFile(path))])
        }
        let bundle = SigstoreBundle(
            mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
            verificationMaterial: VerificationMaterial(
                signer: leaf.map { .x509CertificateChain([Base64Bytes($0.der)]) } ?? .publicKey(hint: nil), tlogEntries: entries,
                timestampVerificationData: timestamps),
            content: .messageSignature(
                MessageSignature(messageDigest: MessageDigest(algorithm: digest.algorithm.protoName, digest: digest.bytes), signature: signatureBytes)))
        let verification = BundleVerification(
            trustMaterial: trust,
            options: .init(
                publicKey: publicKey, identities: identities, ignoreTransparencyLog: options.skipsTransparencyLog, ignoreSCT: options.ignoreSCT,
                useSignedTimestamps: useTimestamps, detachedSCTs: detachedSCT.map { [$0] } ?? []),
            now: console.now)
        do {
            try await verification.verify(bundle: bundle, artifact: Artifact.digest(digest))
        } catch let error as VerificationError where error.check == .certificate && options.skipsTransparencyLog && !useTimestamps {
            if let leaf, !leaf.isValid(at: console.now()) {
                throw CosignError(.verificationFailed, "expected a signed timestamp to verify an expired certificate: \(error.message)", underlying: error)
            }
            throw error
        }
    }

    /// The signing certificate: `--certificate`, or the legacy bundle's; both must agree.
    private func signingCertificate() throws -> SigningCertificate {
        let fromFlag = try certificate.map { try CertificateFiles.load($0, what: "--certificate")[0] }
        var fromBundle: [UInt8]?
        if let text = legacy?.certText {
            if text.contains("-----BEGIN CERTIFICATE-----") {
                fromBundle = try CertificateFiles.parse(text, what: "the bundle's cert")[0]
            }
        }
        if let fromFlag, let fromBundle, fromFlag != fromBundle {
            throw CosignError(.verificationFailed, "the cert passed in does not match the cert in the provided bundle")
        }
        guard let der = fromFlag ?? fromBundle else {
            throw CosignError(.invalidInput, "bundle does not contain cert for verification, please provide public key")
        }
        do {
            return try SigningCertificate(der: der)
        } catch let error as any ReportableError {
            throw CosignError(.invalidInput, "loading cert: \(error.message)", underlying: error)
        }
    }

    /// `--signature` (a file or the value), else the legacy bundle's `base64Signature`.
    private func signatureValue() throws -> [UInt8] {
        if let signature {
            return try BlobSignatureVerification.decodeSignature(try BlobSignatureVerification.signatureText(signature))
        }
        if let legacy { return try BlobSignatureVerification.decodeSignature(Array(legacy.base64Signature.utf8)) }
        throw CosignError(.invalidInput, "missing flag '--signature'")
    }

    /// The trust: TUF's trusted root (with the environment's overrides) for the logs, CT logs and timestamp
    /// authorities, its certificate authorities replaced by `--ca-roots`/`--ca-intermediates` or
    /// `--certificate-chain`, its timestamp authorities by `--timestamp-certificate-chain`. TUF is not asked when the
    /// flags give everything the checks need.
    private func trustedRoot(useTimestamps: Bool, console: Console) async throws -> TrustMaterial {
        let needsRoot =
            !inputs.customCertificateAuthorities || !options.skipsTransparencyLog || !options.ignoreSCT
            || (useTimestamps && inputs.timestampCertificateChain == nil)
        var root = needsRoot ? try await TrustSources.trustedRoot(offline: options.offline, console: console) : TrustedRoot()
        try CertificateFiles.replaceAuthorities(
            in: &root, caRoots: inputs.caRoots, caIntermediates: inputs.caIntermediates, certificateChain: inputs.certificateChain)
        if let tsaPath = inputs.timestampCertificateChain {
            let chain = try CertificateFiles.load(tsaPath, what: "--timestamp-certificate-chain")
            try CertificateFiles.checkOrder(chain, what: "--timestamp-certificate-chain")
            root.timestampAuthorities = [CertificateAuthority(organization: nil, commonName: nil, uri: nil, certificateChain: chain, validFor: nil)]
        }
        return try TrustSources.usable(root)
    }

    /// Finds the signature's entry in Rekor v1 (`--rekor-url`), as Go cosign does when no bundle carries it; the
    /// earliest of the entries found is the one verified.
    private func searchLog(digest: ArtifactDigest, signature: [UInt8], leaf: SigningCertificate?, console: Console) async throws
        -> TransparencyLogEntry
    {
        if options.offline {
            throw CosignError(
                .invalidInput,
                "offline verification failed: a detached signature's transparency-log entry must come in a bundle (--bundle), or pass --insecure-ignore-tlog")
        }
        let found = try await ServiceHTTP.withClient { http in
            try await RekorClient(baseURL: inputs.rekorURL, apiVersion: 1, http: http).search(
                .hashedRekord(digest: digest, signature: signature, certificate: leaf?.der, publicKey: try publicKey ?? leaf!.publicKey()))
        }
        guard let earliest = found.min(by: { ($0.integratedTime?.value ?? 0) < ($1.integratedTime?.value ?? 0) }) else {
            throw CosignError(.verificationFailed, "signature not found in transparency log \(ServiceHTTP.redact(inputs.rekorURL))")
        }
        return earliest
    }

    /// The log entry a legacy bundle's `rekorBundle` describes: its SET, body, index, time and log ID (no inclusion
    /// proof, as in a v0.1 bundle).
    static func logEntry(_ rekorBundle: LegacySignedPayload.RekorBundle) throws -> TransparencyLogEntry {
        let payload = rekorBundle.Payload
        guard let body = Base64.decodeStrict(payload.body) else {
            throw CosignError(.invalidInput, "bundle payload body is not base64")
        }
        guard let logID = Hex.decode(payload.logID) else { throw CosignError(.invalidInput, "bundle payload logID is not hex") }
        struct KindVersion: Decodable { var kind: String; var apiVersion: String }
        guard let kindVersion = try? JSONCoding.decode(KindVersion.self, from: body, what: "log entry body") else {
            throw CosignError(.invalidInput, "bundle payload body has no kind or apiVersion")
        }
        let json: OrderedJSON = .object([
            ("logIndex", .string(String(payload.logIndex))), ("logId", .object([("keyId", .base64(logID))])),
            ("kindVersion", .object([("kind", .string(kindVersion.kind)), ("version", .string(kindVersion.apiVersion))])),
            ("integratedTime", .string(String(payload.integratedTime))),
            ("inclusionPromise", .object([("signedEntryTimestamp", .base64(rekorBundle.SignedEntryTimestamp.bytes))])),
            ("canonicalizedBody", .base64(body)),
        ])
        do {
            return try JSONCoding.decode(TransparencyLogEntry.self, from: json.serialized(), what: "log entry")
        } catch let error as any ReportableError {
            throw CosignError(.invalidInput, "bundle's rekorBundle: \(error.message)", underlying: error)
        }
    }

    /// cosign's timestamp file: `{"SignedRFC3161Timestamp": "<base64 DER TimeStampResp>"}` (the key matched without
    /// regard to case, as Go's JSON decoder does).
    /// Reads `--sct`.
    static func detachedSCT(_ path: String) throws -> SignedCertificateTimestamp {
        let bytes = try FileSystem.readFile(path, limit: 1 << 20)
        do {
            return try SignedCertificateTimestamp(addChainResponseJSON: bytes)
        } catch let error as VerificationError {
            throw CosignError(.invalidInput, "--sct \(path): \(error.message)")
        }
    }

    static func timestampFile(_ path: String) throws -> [UInt8] {
        let bytes = try FileSystem.readFile(path, limit: 1 << 20)
        guard case .object(let members)? = try? JSONParser.parse(bytes),
            let value = members.first(where: { $0.0.lowercased() == "signedrfc3161timestamp" })?.1,
            case .string(let text) = value, let der = Base64.decodeStrict(text), !der.isEmpty
        else {
            throw CosignError(.invalidInput, "\(path) is not an RFC 3161 timestamp file ({\"SignedRFC3161Timestamp\": \"<base64>\"})")
        }
        return der
    }
}

/// Reading certificates the way cosign's flags take them: PEM, or base64 of PEM (what `--output-certificate` writes).
public enum CertificateFiles {
    /// The certificates (DER) in the file at `path`, in file order.
    public static func load(_ path: String, what: String) throws -> [[UInt8]] {
        let bytes = try FileSystem.readFile(path, limit: 4 << 20)
        return try parse(String(decoding: bytes, as: UTF8.self), what: "\(what) \(path)")
    }

    /// The certificates (DER) in PEM text or base64 of PEM text; each must parse as X.509.
    public static func parse(_ text: String, what: String) throws -> [[UInt8]] {
        var pem = text
        if !text.contains("-----BEGIN"), let decoded = Base64.decodeStrict(text.filter { !$0.isWhitespace }) {
            pem = String(decoding: decoded, as: UTF8.self)
        }
        let trimmed = pem.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw CosignError(.invalidInput, "\(what): no certs found in pem file") }
        let blocks: [PEMBlock]
        do {
            blocks = try PEMBlock.parseAll(pem)
        } catch {
            throw CosignError(.invalidInput, "\(what): error during PEM decoding: not a PEM certificate")
        }
        let certs = blocks.filter { $0.label == "CERTIFICATE" }
        guard !certs.isEmpty else {
            throw CosignError(.invalidInput, "\(what): error during PEM decoding: no CERTIFICATE block")
        }
        for (i, block) in certs.enumerated() {
            do {
                _ = try Certificate(derEncoded: block.bytes)
            } catch {
                throw CosignError(.invalidInput, "\(what): certificate \(i + 1) is not a valid X.509 certificate")
            }
        }
        return certs.map(\.bytes)
    }

    /// A chain given issuer-last must be in order: each certificate issued by the next (and, with
    /// `verifySignatures`, signed by it).
    public static func checkOrder(_ chain: [[UInt8]], what: String, verifySignatures: Bool = false) throws {
        let certs = try chain.map { try Certificate(derEncoded: $0) }
        for i in certs.indices.dropLast() {
            guard certs[i].issuer == certs[i + 1].subject else {
                throw CosignError(
                    .invalidInput,
                    "\(what): the chain is not in order: certificate \(i + 1) (\(certs[i].subject)) is not issued by certificate \(i + 2) (\(certs[i + 1].subject)); list intermediates first and the root last")
            }
            if verifySignatures && !certs[i + 1].publicKey.isValidSignature(certs[i].signature, for: certs[i]) {
                throw CosignError(.invalidInput, "\(what): certificate \(i + 1) (\(certs[i].subject)) is not signed by the next certificate in the chain")
            }
        }
    }

    /// Replaces the trusted root's certificate authorities with `--ca-roots` (and `--ca-intermediates`) or
    /// `--certificate-chain` (intermediates first, the root last), when given.
    static func replaceAuthorities(in root: inout TrustedRoot, caRoots: String?, caIntermediates: String?, certificateChain: String?) throws {
        try checkAuthorityFlags(caRoots: caRoots, caIntermediates: caIntermediates, certificateChain: certificateChain)
        if let caRoots {
            let rootCerts = try load(caRoots, what: "--ca-roots")
            let intermediates = try caIntermediates.map { try load($0, what: "--ca-intermediates") } ?? []
            root.certificateAuthorities = try authorities(roots: rootCerts, intermediates: intermediates)
        } else if let certificateChain {
            let chain = try load(certificateChain, what: "--certificate-chain")
            try checkOrder(chain, what: "--certificate-chain \(certificateChain)")
            root.certificateAuthorities = [CertificateAuthority(organization: nil, commonName: nil, uri: nil, certificateChain: chain, validFor: nil)]
        }
    }

    /// The combinations Go cosign refuses: intermediates without roots, a chain together with roots.
    static func checkAuthorityFlags(caRoots: String?, caIntermediates: String?, certificateChain: String?) throws {
        if caIntermediates != nil && caRoots == nil {
            throw CosignError(.invalidInput, "--ca-intermediates must be used together with --ca-roots")
        }
        if certificateChain != nil && (caRoots != nil || caIntermediates != nil) {
            throw CosignError(.invalidInput, "--certificate-chain cannot be used together with --ca-roots or --ca-intermediates")
        }
    }

    /// One certificate authority per root, with the intermediates that chain up to it (issuing certificate first).
    static func authorities(roots: [[UInt8]], intermediates: [[UInt8]]) throws -> [CertificateAuthority] {
        let rootCerts = try roots.map { ($0, try Certificate(derEncoded: $0)) }
        let others = try intermediates.map { ($0, try Certificate(derEncoded: $0)) }
        var out: [CertificateAuthority] = []
        for root in rootCerts {
            out.append(CertificateAuthority(organization: nil, commonName: nil, uri: nil, certificateChain: [root.0], validFor: nil))
            // Every intermediate that leads up to this root gives its own authority, so a leaf from any of them verifies.
            for start in others {
                var chain = [start]
                func issued(_ cert: Certificate, by issuer: Certificate) -> Bool {
                    cert.issuer == issuer.subject && issuer.publicKey.isValidSignature(cert.signature, for: cert)
                }
                while !issued(chain.last!.1, by: root.1),
                    let next = others.first(where: { c in issued(chain.last!.1, by: c.1) && !chain.contains { $0.0 == c.0 } })
                {
                    chain.append(next)
                }
                if issued(chain.last!.1, by: root.1) {
                    out.append(
                        CertificateAuthority(organization: nil, commonName: nil, uri: nil, certificateChain: chain.map(\.0) + [root.0], validFor: nil))
                }
            }
        }
        return out
    }
}
