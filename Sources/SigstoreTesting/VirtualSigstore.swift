#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
internal import SigstoreCrypto
internal import SigstoreJSON
internal import SigstoreModels
internal import SigstoreIssuing
internal import SigstoreVerify
internal import SwiftASN1
public import X509

/// An in-memory Sigstore: a Fulcio-style CA, a CT log, a Rekor v1 log, a Rekor v2 log and an RFC 3161 TSA, all with
/// fresh keys, that produce valid bundles at a chosen time (in the spirit of sigstore-go's `VirtualSigstore`).
///
/// Every piece of evidence is issued by SigstoreIssuing, the library sigstore-local's services use too. ``Fault``
/// breaks exactly one property of an otherwise valid bundle, so a test can show that the verifier check guarding that
/// property exists.
public struct VirtualSigstore: Sendable {
    /// The CA's root certificate.
    public var rootCertificate: Certificate { root.certificate }
    /// The CA's intermediate certificate (issues leaves).
    public var intermediateCertificate: Certificate { intermediate.certificate }
    let root: IssuingAuthority
    let intermediate: IssuingAuthority
    let ctLogKey: P256.Signing.PrivateKey
    let rekorKey: P256.Signing.PrivateKey
    let rekorV2Key: Curve25519.Signing.PrivateKey
    let tsaRoot: IssuingAuthority
    let tsa: TimestampIssuer
    /// A second, untrusted instance (same names, other keys), used to inject faults.
    let rogueKey: P256.Signing.PrivateKey
    let rogueIntermediate: IssuingAuthority
    let rogueTSA: TimestampIssuer

    /// When the instance's keys and certificates start being valid.
    public let epoch: Date

    /// Base URLs written into the trusted root.
    public static let fulcioURL = "https://fulcio.virtual.test"
    public static let rekorURL = "https://rekor.virtual.test"
    public static let rekorV2URL = "https://rekor-v2.virtual.test"
    public static let rekorV2Host = "rekor-v2.virtual.test"
    public static let ctLogURL = "https://ctfe.virtual.test"
    public static let tsaURL = "https://tsa.virtual.test/api/v1/timestamp"
    static let rekorHost = "rekor.virtual.test"
    static let rekorTreeID: Int64 = 1_193_050_959_916_656_506

    /// Creates an instance whose certificates are valid from `epoch` for ten years.
    public init(epoch: Date = Date(timeIntervalSince1970: 1_700_000_000)) throws {
        self.epoch = epoch
        let end = epoch.addingTimeInterval(10 * 365 * 86400)
        func name(_ commonName: String) throws -> DistinguishedName {
            try DistinguishedName {
                OrganizationName("virtual")
                CommonName(commonName)
            }
        }
        root = try IssuingAuthority.root(subject: try name("virtual-root"), notValidBefore: epoch, notValidAfter: end)
        intermediate = try root.intermediate(subject: try name("virtual-intermediate"), notValidBefore: epoch, notValidAfter: end)
        ctLogKey = P256.Signing.PrivateKey()
        rekorKey = P256.Signing.PrivateKey()
        rekorV2Key = Curve25519.Signing.PrivateKey()
        tsaRoot = try IssuingAuthority.root(subject: try name("virtual-tsa-root"), notValidBefore: epoch, notValidAfter: end)
        let tsaKey = P256.Signing.PrivateKey()
        // A serial with its high bit set: its DER INTEGER needs a leading 0x00, which the verifier must match.
        let tsaSerial = Certificate.SerialNumber(bytes: [0x00, 0x81, 0x77, UInt8.random(in: 0...255)])
        tsa = TimestampIssuer(authority: IssuingAuthority(
            certificate: try tsaRoot.timestampingCertificate(
                subject: try name("virtual-tsa"), publicKey: tsaKey.publicKey, notValidBefore: epoch, notValidAfter: end,
                serialNumber: tsaSerial),
            privateKey: tsaKey))
        rogueKey = P256.Signing.PrivateKey()
        let rogueRoot = try IssuingAuthority.root(subject: try name("virtual-root"), key: rogueKey, notValidBefore: epoch, notValidAfter: end)
        rogueIntermediate = try rogueRoot.intermediate(
            subject: try name("virtual-intermediate"), key: rogueKey, notValidBefore: epoch, notValidAfter: end)
        let rogueTSARoot = try IssuingAuthority.root(subject: try name("virtual-tsa-root"), key: rogueKey, notValidBefore: epoch, notValidAfter: end)
        rogueTSA = TimestampIssuer(authority: IssuingAuthority(
            certificate: try rogueTSARoot.timestampingCertificate(
                subject: try name("virtual-tsa"), publicKey: rogueKey.publicKey, notValidBefore: epoch, notValidAfter: end),
            privateKey: rogueKey))
    }

    // MARK: - Signing

    /// The signer's identity, written into the certificate's SAN.
    public enum Identity: Sendable, Hashable {
        case email(String)
        case uri(String)
        /// Fulcio's OtherName SAN (`user!domain`).
        case username(String)

        var signerIdentity: SignerIdentity {
            switch self {
            case .email(let e): .email(e)
            case .uri(let u): .uri(u)
            case .username(let u): .username(u)
            }
        }
    }

    /// Which transparency log records the signature.
    public enum Log: Sendable, Hashable {
        case rekorV1
        case rekorV2
        case none
    }

    /// One property of a valid bundle to break.
    public enum Fault: String, Sendable, Hashable, CaseIterable {
        /// The leaf is issued by a CA key the trusted root does not hold.
        case untrustedCertificateAuthority
        /// The leaf has no code-signing EKU.
        case leafWithoutCodeSigning
        /// The leaf's SCT is signed by a key the trusted root does not hold.
        case sctFromUntrustedLog
        /// The SCT signature covers different certificate data.
        case sctOverOtherCertificate
        /// The leaf carries no SCT at all.
        case noSCT
        /// The inclusion promise is signed by an untrusted key.
        case setFromUntrustedKey
        /// The inclusion promise covers a different integrated time.
        case setOverOtherTime
        /// The checkpoint is signed by an untrusted key.
        case checkpointFromUntrustedKey
        /// An inclusion-proof hash is corrupted.
        case inclusionProofCorrupted
        /// The checkpoint's root differs from the proof's.
        case checkpointRootMismatch
        /// The log entry records a different signature.
        case logEntrySignatureMismatch
        /// The log entry records a different artifact digest.
        case logEntryDigestMismatch
        /// The entry was integrated after the certificate expired.
        case integratedAfterCertificateExpiry
        /// The RFC 3161 imprint is over something else.
        case timestampImprintMismatch
        /// The RFC 3161 token is signed by an untrusted TSA.
        case timestampFromUntrustedTSA
        /// The TSA certificate's EKU is not critical.
        case timestampEKUNotCritical
        /// The timestamp lies after the signing certificate expired.
        case timestampAfterCertificateExpiry
        /// The signature covers a different artifact.
        case signatureOverOtherArtifact
        /// The DSSE statement's subject does not match the artifact.
        case dsseSubjectMismatch
        /// The DSSE payload type is not in-toto.
        case dssePayloadTypeWrong
        /// A Rekor v2 checkpoint's origin is not the log's host.
        case checkpointWrongOrigin
        /// The certificate is for a different identity.
        case otherIdentity
    }

    /// What to sign and how to log it.
    public struct Options: Sendable {
        /// When the signing happens (certificate notBefore, integrated time, timestamp).
        public var time: Date
        /// The certificate's identity.
        public var identity: Identity
        /// The certificate's OIDC issuer.
        public var issuer: String
        /// The log to record in.
        public var log: Log
        /// Whether to add an RFC 3161 timestamp.
        public var timestamp: Bool
        /// Sign an in-toto statement in a DSSE envelope instead of the artifact.
        public var dsse: Bool
        /// Faults to inject.
        public var faults: Set<Fault>

        /// Creates options.
        public init(
            time: Date, identity: Identity = .email("signer@example.com"), issuer: String = "https://issuer.example",
            log: Log = .rekorV1, timestamp: Bool = false, dsse: Bool = false, faults: Set<Fault> = []
        ) {
            self.time = time
            self.identity = identity
            self.issuer = issuer
            self.log = log
            self.timestamp = timestamp
            self.dsse = dsse
            self.faults = faults
        }
    }

    /// Signs `artifact` keylessly and returns the v0.3 bundle JSON.
    public func sign(_ artifact: [UInt8], options: Options) throws -> [UInt8] {
        let f = options.faults
        let signerKey = P256.Signing.PrivateKey()
        let leafDER = try DER.encoding(try leafCertificate(for: signerKey, options: options))

        // Content and signature.
        let signed = f.contains(.signatureOverOtherArtifact) ? artifact + [0x21] : artifact
        let artifactDigest = Array(SHA256.hash(data: artifact))
        var content: String
        var signature: [UInt8]
        var envelopeParts: (payload: [UInt8], type: String)?
        if options.dsse {
            var subject = Hex.encode(artifactDigest)
            if f.contains(.dsseSubjectMismatch) { subject = Hex.encode(SHA256.hash(data: Array("other".utf8))) }
            let payload = Array(
                #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"artifact","digest":{"sha256":"\#(subject)"}}],"predicateType":"https://cosign.sigstore.dev/attestation/v1","predicate":{}}"#
                    .utf8)
            let type = f.contains(.dssePayloadTypeWrong) ? "text/plain" : "application/vnd.in-toto+json"
            let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: type, payload: payload)
            signature = Array(try signerKey.signature(for: pae).derRepresentation)
            envelopeParts = (payload, type)
            content =
                #""dsseEnvelope":{"payload":"\#(Base64.encode(payload))","payloadType":"\#(type)","signatures":[{"sig":"\#(Base64.encode(signature))"}]}"#
        } else {
            signature = Array(try signerKey.signature(for: SHA256.hash(data: signed)).derRepresentation)
            content =
                #""messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"\#(Base64.encode(artifactDigest))"},"signature":"\#(Base64.encode(signature))"}"#
        }

        // Transparency log.
        var entries: [String] = []
        switch options.log {
        case .none: break
        case .rekorV1:
            entries.append(try rekorV1Entry(
                leafDER: leafDER, signature: signature, artifactDigest: artifactDigest, envelope: envelopeParts,
                options: options))
        case .rekorV2:
            let keyPub = SigstoreCrypto.PublicKey(signerKey.publicKey)
            let digest: ArtifactDigest
            if let e = envelopeParts {
                digest = HashAlgorithm.sha256.digest(of: DSSEEnvelope.preAuthenticationEncoding(payloadType: e.type, payload: e.payload))
            } else {
                digest = try ArtifactDigest(algorithm: .sha256, bytes: artifactDigest)
            }
            let body = RekorV2Body.canonicalBody(
                digest: digest, signature: signature, verifier: .certificate(leafDER), keyKind: keyPub.kind)
            entries.append(try rekorV2Entry(body: body, options: options))
        }

        var timestamps = ""
        if options.timestamp {
            var genTime = options.time.addingTimeInterval(2)
            if f.contains(.timestampAfterCertificateExpiry) { genTime = options.time.addingTimeInterval(3600) }
            let token = try timestampResponse(
                imprint: Array(SHA256.hash(data: f.contains(.timestampImprintMismatch) ? signature + [1] : signature)),
                genTime: genTime, faults: f)
            timestamps = #","timestampVerificationData":{"rfc3161Timestamps":[{"signedTimestamp":"\#(Base64.encode(token))"}]}"#
        }
        let json = """
            {"mediaType":"\(SigstoreBundle.mediaTypeV03)","verificationMaterial":{"certificate":{"rawBytes":"\(Base64.encode(leafDER))"},\
            "tlogEntries":[\(entries.joined(separator: ","))]\(timestamps)},\(content)}
            """
        return Array(json.utf8)
    }

    // MARK: - Certificates

    /// A Fulcio leaf for `key`, with the faults of `options` that concern the certificate or its SCT.
    func leafCertificate(for key: P256.Signing.PrivateKey, options: Options) throws -> Certificate {
        let f = options.faults
        let logID = LogSigner(key: ctLogKey).logID
        var ctLog: any SCTSigner = LogSigner(key: f.contains(.sctFromUntrustedLog) ? rogueKey : ctLogKey, logID: logID)
        if f.contains(.sctOverOtherCertificate) { ctLog = TamperingCTLog(log: ctLog) }
        var issuer = CodeSigningCertificateIssuer(
            authority: f.contains(.untrustedCertificateAuthority) ? rogueIntermediate : intermediate,
            ctLog: f.contains(.noSCT) ? nil : ctLog)
        issuer.includesCodeSigningUsage = !f.contains(.leafWithoutCodeSigning)
        return try issuer.issue(
            publicKey: Certificate.PublicKey(key.publicKey),
            identity: f.contains(.otherIdentity) ? .email("mallory@example.com") : options.identity.signerIdentity,
            oidcIssuer: options.issuer, at: options.time)
    }

    // MARK: - RFC 3161

    func timestampResponse(imprint: [UInt8], genTime: Date, faults f: Set<Fault>) throws -> [UInt8] {
        var issuer = f.contains(.timestampFromUntrustedTSA) ? rogueTSA : tsa
        if f.contains(.timestampEKUNotCritical) {
            // The same key, issued by the trusted TSA root, with a non-critical EKU.
            let certificate = try tsaRoot.timestampingCertificate(
                subject: tsa.authority.certificate.subject, publicKey: tsa.authority.privateKey.publicKey, notValidBefore: epoch,
                notValidAfter: epoch.addingTimeInterval(86400 * 3650), criticalExtendedKeyUsage: false)
            issuer = TimestampIssuer(authority: IssuingAuthority(certificate: certificate, privateKey: tsa.authority.privateKey))
        }
        let request = try TimestampRequest(hashAlgorithm: .sha256, hashedMessage: imprint, certificateRequested: true)
        return try issuer.response(to: request, at: genTime, serialNumber: [0x01, 0x23, 0x45])
    }
}

/// A CT log that signs a different TBSCertificate than the one it is given.
struct TamperingCTLog: SCTSigner {
    let log: any SCTSigner

    func signedCertificateTimestamp(tbsCertificate: [UInt8], issuerKeyHash: [UInt8], at time: Date) throws -> SignedCertificateTimestamp {
        var tampered = tbsCertificate
        tampered[tampered.count - 1] ^= 0x01
        return try log.signedCertificateTimestamp(tbsCertificate: tampered, issuerKeyHash: issuerKeyHash, at: time)
    }
}
