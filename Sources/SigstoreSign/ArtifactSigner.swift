public import Foundation
public import SigstoreCrypto
public import SigstoreModels
public import SigstoreVerify
internal import Synchronization
internal import X509
import SigstoreJSON
import SigstoreCore

/// What is signed.
public enum SigningContent: Sendable {
    /// An artifact's digest (`sign-blob`): a message signature, logged as `hashedrekord`.
    case digest(ArtifactDigest)
    /// A payload signed as a whole (the simple-signing payload of a legacy `.sig` layer): logged as `hashedrekord`
    /// over its SHA-256.
    case message([UInt8])
    /// A DSSE envelope over `payload` (attestations, cosign v3 image signatures).
    case dsse(payload: [UInt8], payloadType: String)
    /// ``dsse(payload:payloadType:)`` whose pre-authentication digest the caller has already computed (while reading
    /// the payload, say). A key whose hash is the digest's signs it as it is; any other key computes its own. The
    /// caller answers for the digest matching the payload.
    case dssePrehashed(payload: [UInt8], payloadType: String, preAuthenticationDigest: ArtifactDigest)
}

/// The signing services one signing run uses.
public struct SigningServices: Sendable {
    /// The transparency logs to write to (none: `--tlog-upload=false`).
    public var transparencyLogs: [any TransparencyLogClient]
    /// The timestamp authorities to ask.
    public var timestampAuthorities: [any TimestampAuthorityClient]
    /// The trust material that checks the certificate and the result (required for keyless signing).
    public var trustMaterial: TrustMaterial?

    /// Creates a set of services.
    public init(
        transparencyLogs: [any TransparencyLogClient] = [], timestampAuthorities: [any TimestampAuthorityClient] = [], trustMaterial: TrustMaterial? = nil) {
        self.transparencyLogs = transparencyLogs
        self.timestampAuthorities = timestampAuthorities
        self.trustMaterial = trustMaterial
    }
}

/// Time spent per phase and requests sent, for `bench/`.
public struct SigningTimings: Sendable {
    /// Seconds per phase: `token`, `fulcio`, `rekor`, `tsa`, `sign`, `verify`.
    public var seconds: [String: Double] = [:]

    /// Creates empty timings.
    public init() {}

    /// Adds the time since `start` to `phase`.
    public mutating func add(_ phase: String, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        seconds[phase, default: 0] += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// A signature with everything a bundle needs.
public struct SignedContent: Sendable {
    /// The raw signature.
    public var signature: [UInt8]
    /// The DSSE envelope, for DSSE content.
    public var envelope: DSSEEnvelope?
    /// The signed digest, for message signatures.
    public var digest: ArtifactDigest?
    /// The signing certificate chain (DER, leaf first), for keyless signatures.
    public var certificateChain: [[UInt8]]?
    /// The signer's public key.
    public var publicKey: PublicKey
    /// The transparency-log entries.
    public var logEntries: [LoggedEntry]
    /// DER `TimeStampResp`s.
    public var timestamps: [[UInt8]]

    /// Creates signed content (for example from a key signature made without any service).
    public init(
        signature: [UInt8], envelope: DSSEEnvelope? = nil, digest: ArtifactDigest?, certificateChain: [[UInt8]]? = nil, publicKey: PublicKey,
        logEntries: [LoggedEntry] = [], timestamps: [[UInt8]] = []
    ) {
        self.signature = signature
        self.envelope = envelope
        self.digest = digest
        self.certificateChain = certificateChain
        self.publicKey = publicKey
        self.logEntries = logEntries
        self.timestamps = timestamps
    }

    /// The Sigstore bundle v0.3: the leaf certificate or the key hint, the log entries, the timestamps and the
    /// content.
    public func bundle() -> SigstoreBundle {
        let signer: VerificationMaterial.Signer
        if let leaf = certificateChain?.first {
            signer = .certificate(Base64Bytes(leaf))
        } else {
            signer = .publicKey(hint: Base64.encode(HashAlgorithm.sha256.digest(of: publicKey.derRepresentation).bytes))
        }
        let material = VerificationMaterial(
            signer: signer, tlogEntries: logEntries.map(\.entry),
            timestampVerificationData: timestamps.isEmpty ? nil : TimestampVerificationData(rfc3161Timestamps: timestamps.map { Base64Bytes($0) }))
        let content: SigstoreBundle.Content
        if let envelope {
            content = .dsseEnvelope(envelope)
        } else {
            let d = digest!
            content = .messageSignature(MessageSignature(messageDigest: MessageDigest(algorithm: d.algorithm.protoName, digest: d.bytes), signature: signature))
        }
        return SigstoreBundle(verificationMaterial: material, content: content)
    }

    /// The certificate, PEM, for cosign's legacy outputs and annotations.
    public var certificatePEM: String? { certificateChain?.first.map { RekorClient.pem($0, publicKey) } }

    /// The certificates above the leaf, PEM, concatenated.
    public var chainPEM: String? {
        guard let chain = certificateChain, chain.count > 1 else { return nil }
        return chain.dropFirst().map { RekorClient.pem($0, publicKey) }.joined()
    }
}

/// Signs content with a key or a Fulcio certificate, timestamps it, logs it and checks the result against the
/// trusted root before handing it back: nothing a caller writes has not verified.
public struct ArtifactSigner: Sendable {
    /// The signing key (ephemeral for keyless signing).
    public let key: any Signer
    /// The certificate chain (DER, leaf first) for keyless signing.
    public let certificateChain: [[UInt8]]?
    /// The services.
    public let services: SigningServices
    let timings: TimingBox
    let now: @Sendable () -> Date

    /// Whether ``certificateChain`` was attached to a key (`--key` with `--certificate`) rather than issued by Fulcio.
    public let attachedCertificate: Bool

    /// A signer for a key (`--key`), with the certificate chain (DER, leaf first) given for it when there is one.
    /// The caller checks that the certificate is for the key.
    public init(
        key: any Signer, attachedCertificateChain: [[UInt8]]? = nil, services: SigningServices, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.key = key
        self.certificateChain = attachedCertificateChain
        self.attachedCertificate = attachedCertificateChain != nil
        self.services = services
        self.timings = TimingBox(SigningTimings())
        self.now = now
    }

    /// Keyless: generates nothing itself; `key` is the ephemeral key whose certificate Fulcio issued for `token`. The
    /// chain is checked against the trusted root (chain and SCT) and must certify `key`.
    public static func keyless(
        token: IdentityToken, key: any Signer, fulcio: any CertificateAuthorityClient, services: SigningServices, timings: SigningTimings = SigningTimings(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> ArtifactSigner {
        guard let trust = services.trustMaterial else {
            throw SigningError(.configuration, "keyless signing needs a trusted root to check Fulcio's certificate", remedy: .trustedRoot)
        }
        try token.checkNotExpired(at: now())
        var timings = timings
        let start = ContinuousClock.now
        let chain = try await fulcio.signingCertificate(token: token, key: key)
        timings.add("fulcio", since: start)
        let leaf: SigningCertificate
        do {
            leaf = try SigningCertificate(der: chain[0])
        } catch {
            throw SigningError(.verification, "Fulcio's certificate does not parse: \(error)")
        }
        guard (try? leaf.publicKey().derRepresentation) == key.publicKey.derRepresentation else {
            throw SigningError(.verification, "Fulcio's certificate is for another public key")
        }
        let verifier = SigstoreVerifier(trustMaterial: trust, configuration: .cosign(keyBased: false), now: now)
        do {
            try await verifier.verifySigningCertificate(leaf, at: leaf.certificate.notValidBefore)
        } catch let error as VerificationError {
            throw SigningError(.verification, "Fulcio's certificate failed verification: \(error.message)")
        }
        return ArtifactSigner(key: key, chain: chain, services: services, timings: timings, now: now)
    }

    private init(key: any Signer, chain: [[UInt8]], services: SigningServices, timings: SigningTimings, now: @escaping @Sendable () -> Date) {
        self.key = key
        self.certificateChain = chain
        self.attachedCertificate = false
        self.services = services
        self.timings = TimingBox(timings)
        self.now = now
    }

    /// Time per phase so far.
    public var phaseTimings: SigningTimings { timings.withLock { $0 } }

    /// Signs `content`, asks every timestamp authority, writes to every transparency log, and verifies the bundle.
    public func sign(_ content: SigningContent) async throws -> SignedContent {
        let publicKey = key.publicKey
        // An Ed25519 key signs pure Ed25519 unless a log records the signature: a hashedrekord entry holds a SHA-512
        // digest, which Rekor v1 checks as Ed25519ph (cosign's choice too); a v1 dsse entry is checked as pure Ed25519
        // over the envelope. Rekor v2 takes neither.
        let logged = !services.transparencyLogs.isEmpty
        if key.signsWholeMessage && services.transparencyLogs.contains(where: { $0.apiVersion != 1 }) {
            throw SigningError(
                .configuration, "Rekor v2 does not accept Ed25519 signatures: use a Rekor v1 log or another key type", remedy: .withoutTransparencyLog)
        }
        var start = ContinuousClock.now
        var signature: [UInt8]
        var envelope: DSSEEnvelope?
        var digest: ArtifactDigest?
        do {
            switch content {
            case .digest(let d):
                if key.signsWholeMessage { throw SigningError(.configuration, "Ed25519 keys sign whole messages, not digests") }
                signature = try await key.signature(forDigest: d)
                digest = d
            case .message(let bytes):
                signature = logged ? try await key.prehashedSignature(forMessage: bytes) : try await key.signature(forMessage: bytes)
                digest = key.kind.defaultHashAlgorithm.digest(of: bytes)
            case .dsse(let payload, let payloadType):
                let signed = try await key.signedEnvelope(payload: payload, payloadType: payloadType)
                signature = signed.signatures[0].sig.bytes
                envelope = signed
            case .dssePrehashed(let payload, let payloadType, let preAuthenticationDigest):
                let signed = try await key.signedEnvelope(
                    payload: payload, payloadType: payloadType, preAuthenticationDigest: preAuthenticationDigest)
                signature = signed.signatures[0].sig.bytes
                envelope = signed
            }
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError(.configuration, "signing: \(error)")
        }
        timings.withLock { $0.add("sign", since: start) }

        start = ContinuousClock.now
        var timestamps: [[UInt8]] = []
        for tsa in services.timestampAuthorities {
            timestamps.append(try await tsa.timestamp(signature: signature))
        }
        timings.withLock { $0.add("tsa", since: start) }

        start = ContinuousClock.now
        var entries: [LoggedEntry] = []
        let certificate = certificateChain?.first
        for log in services.transparencyLogs {
            let proposal: LogProposal
            if let envelope {
                proposal = .dsse(envelope: envelope, certificate: certificate, publicKey: publicKey)
            } else {
                proposal = .hashedRekord(digest: digest!, signature: signature, certificate: certificate, publicKey: publicKey)
            }
            entries.append(try await log.upload(proposal))
        }
        timings.withLock { $0.add("rekor", since: start) }

        let signed = SignedContent(
            signature: signature, envelope: envelope, digest: digest, certificateChain: certificateChain, publicKey: publicKey,
            logEntries: entries, timestamps: timestamps)
        start = ContinuousClock.now
        try await check(signed, content: content)
        timings.withLock { $0.add("verify", since: start) }
        return signed
    }

    /// Verifies the signed content as a verifier would, with the signer's own identity (or key).
    func check(_ signed: SignedContent, content: SigningContent) async throws {
        guard let trust = services.trustMaterial else { return }
        // An attached certificate may come from a private CA the trusted root does not know: the key vouches for the
        // signature, as it does for the log entry.
        var checked = signed
        if attachedCertificate { checked.certificateChain = nil }
        let bundle = checked.bundle()
        let keyBased = checked.certificateChain == nil
        let entries = signed.logEntries
        let onlyV2 = !entries.isEmpty && entries.allSatisfy { $0.apiVersion == 2 }
        var configuration = VerifierConfiguration.cosign(
            keyBased: keyBased, ignoreTransparencyLog: entries.isEmpty,
            useSignedTimestamps: onlyV2 || (entries.isEmpty && !signed.timestamps.isEmpty))
        if !signed.timestamps.isEmpty { configuration.signedTimestampThreshold = 1 }
        let artifact: ArtifactInput
        switch content {
        case .digest(let d): artifact = .digest(d)
        case .message: artifact = .digest(signed.digest!)
        case .dsse, .dssePrehashed: artifact = .none
        }
        let policy: VerificationPolicy
        if keyBased {
            policy = VerificationPolicy(artifact: artifact, publicKey: signed.publicKey)
        } else {
            let leaf = try SigningCertificate(der: signed.certificateChain![0])
            guard let san = leaf.subjectAlternativeName, let issuer = leaf.issuer else {
                throw SigningError(.verification, "Fulcio's certificate has no identity or issuer")
            }
            policy = try VerificationPolicy(
                artifact: artifact, identities: [CertificateIdentity(subjectAlternativeName: try StringMatcher(exact: san), issuer: try StringMatcher(exact: issuer))])
        }
        do {
            _ = try await SigstoreVerifier(trustMaterial: trust, configuration: configuration, now: now).verify(bundle, policy: policy)
        } catch let error as VerificationError {
            throw SigningError(.verification, "the signed bundle does not verify (\(error.check.rawValue) check): \(error.message)")
        }
    }
}

/// Shared, lockable timings (a class, so that the signer stays copyable).
final class TimingBox: Sendable {
    private let state: Mutex<SigningTimings>
    init(_ value: SigningTimings) { state = Mutex(value) }
    func withLock<T>(_ body: (inout SigningTimings) -> T) -> T { state.withLock { body(&$0) } }
}
