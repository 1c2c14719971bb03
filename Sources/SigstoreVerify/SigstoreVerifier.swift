#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
internal import SigstoreCrypto
public import SigstoreModels
import SigstoreCore
import SigstoreJSON
@_spi(FixedExpiryValidationTime) internal import X509

/// The offline Sigstore verifier: a trusted root, thresholds, and an injected clock. No network access.
///
/// The checks and their order follow sigstore-go's `Verify` as Go cosign configures it: bundle rules, transparency-log
/// entries, RFC 3161 timestamps, the certificate chain at every verified time, SCTs, the signature over the artifact,
/// and the identity policy.
public struct SigstoreVerifier: Sendable {
    /// The parsed trusted root.
    public let trustMaterial: TrustMaterial
    /// Thresholds and time sources.
    public let configuration: VerifierConfiguration
    private let now: @Sendable () -> Date

    /// Creates a verifier.
    public init(
        trustMaterial: TrustMaterial, configuration: VerifierConfiguration,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.trustMaterial = trustMaterial
        self.configuration = configuration
        self.now = now
    }

    /// Verifies many bundles with at most `maxConcurrency` in flight; results are in input order.
    public func verify(
        _ items: [(bundle: SigstoreBundle, policy: VerificationPolicy)], maxConcurrency: Int
    ) async -> [Result<VerificationResult, any Error>] {
        var results = [Result<VerificationResult, any Error>?](repeating: nil, count: items.count)
        await withTaskGroup(of: (Int, Result<VerificationResult, any Error>).self) { group in
            var next = 0
            func add() {
                let i = next
                next += 1
                group.addTask {
                    do { return (i, .success(try await self.verify(items[i].bundle, policy: items[i].policy))) } catch {
                        return (i, .failure(error))
                    }
                }
            }
            while next < min(max(1, maxConcurrency), items.count) { add() }
            while let (i, r) = await group.next() {
                results[i] = r
                if next < items.count { add() }
            }
        }
        return results.map { $0! }
    }

    /// Verifies one bundle against a policy.
    public func verify(_ bundle: SigstoreBundle, policy: VerificationPolicy) async throws -> VerificationResult {
        try Self.validateStructure(bundle)
        let material = try signerMaterial(bundle, policy: policy)
        let signatureBytes = Self.signatureBytes(bundle)

        var result = VerificationResult(
            subjectAlternativeName: nil, issuer: nil, certificate: nil, verifiedTimes: [], logEntries: [],
            envelopePayload: nil)

        // Transparency-log entries.
        var logTimes: [VerificationResult.VerifiedTime] = []
        if configuration.transparencyLogThreshold > 0 {
            (result.logEntries, logTimes) = try verifyTransparencyLog(
                bundle, material: material, signature: signatureBytes)
        }

        // RFC 3161 timestamps.
        var signedTimes: [VerificationResult.VerifiedTime] = []
        if configuration.signedTimestampThreshold > 0 {
            signedTimes = try await verifySignedTimestamps(bundle, signature: signatureBytes)
        }
        if logTimes.count < configuration.integratedTimestampThreshold {
            throw VerificationError(
                .transparencyLog,
                "threshold not met for verified log entry integrated timestamps: \(logTimes.count) < \(configuration.integratedTimestampThreshold)")
        }
        var times = signedTimes + (configuration.integratedTimestampThreshold > 0 ? logTimes : [])
        if configuration.useCurrentTime { times.append(.init(source: .currentTime, time: now())) }
        if times.isEmpty && !configuration.allowNoObserverTimestamps {
            throw VerificationError(.timestamp, "no valid observer timestamps found")
        }
        result.verifiedTimes = times

        // The certificate at every verified time, then its SCTs.
        if case .certificate(let leaf) = material {
            var firstChain: [Certificate]?
            for t in times {
                let chain = try await verifyCertificateChain(leaf, at: t.time)
                if firstChain == nil { firstChain = chain }
            }
            if configuration.signedCertificateTimestampThreshold > 0 {
                guard let chain = firstChain else {
                    throw VerificationError(.certificate, "no verified time to check the certificate chain at")
                }
                try verifySCTs(leaf, chain: chain)
            }
            result.certificate = leaf
            result.subjectAlternativeName = leaf.subjectAlternativeName
            result.issuer = leaf.issuer
        }

        // The signature over the artifact.
        result.envelopePayload = try verifySignature(bundle, material: material, artifact: policy.artifact)

        // The identity.
        if case .certificate(let leaf) = material {
            try Self.checkIdentity(leaf, identities: policy.identities)
        }
        return result
    }

    // MARK: - Bundle structure

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

    static func validateStructure(_ bundle: SigstoreBundle) throws {
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
            if version >= 3 {
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

    private func signerMaterial(_ bundle: SigstoreBundle, policy: VerificationPolicy) throws -> Material {
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

    // MARK: - Transparency log

    private func verifyTransparencyLog(
        _ bundle: SigstoreBundle, material: Material, signature: [UInt8]
    ) throws -> ([VerificationResult.LogEntry], [VerificationResult.VerifiedTime]) {
        let entries = bundle.verificationMaterial.tlogEntries
        for i in entries.indices {
            for j in entries.indices where j > i {
                if entries[i].logID == entries[j].logID && entries[i].logIndex == entries[j].logIndex {
                    throw VerificationError(.transparencyLog, "duplicate transparency log entries found")
                }
            }
        }
        var verifiedLogs = Set<String>()
        var timedLogs = Set<String>()
        var verified: [VerificationResult.LogEntry] = []
        var times: [VerificationResult.VerifiedTime] = []
        for entry in entries {
            let body = entry.canonicalizedBody?.bytes ?? []
            let isV2 = entry.kind == "hashedrekord" && entry.version == "0.0.2"
            var v1Body: RekorV1Body?
            if isV2 {
                try Self.checkV2BodyHead(body)
            } else {
                let parsed = try RekorV1Body(canonicalizedBody: body)
                guard parsed.kind == entry.kind, parsed.apiVersion == entry.version else {
                    throw VerificationError(
                        .transparencyLog,
                        "transparency log entry kind \(entry.kind) \(entry.version) does not match its body (\(parsed.kind) \(parsed.apiVersion))")
                }
                v1Body = parsed
            }
            let logIDHex = Hex.encode(entry.logID.bytes)
            guard let log = trustMaterial.transparencyLogs[logIDHex] else { continue }  // unknown logs do not count

            guard entry.signedEntryTimestamp != nil || entry.inclusionProof != nil else {
                throw VerificationError(.transparencyLog, "transparency log entry must contain an inclusion proof and/or promise")
            }
            if isV2 && entry.inclusionProof == nil {
                throw VerificationError(.transparencyLog, "Rekor v2 entries must have an inclusion proof")
            }
            let integrated = entry.integratedTime?.value ?? 0
            if let set = entry.signedEntryTimestamp?.bytes {
                if isV2 || !Self.verifySET(set, entry: entry, body: body, log: log) { continue }  // unverifiable promises are skipped
            }
            if let proof = entry.inclusionProof {
                guard let checkpointText = proof.checkpoint, !checkpointText.isEmpty else {
                    throw VerificationError(.transparencyLog, "inclusion proof has no checkpoint")
                }
                let note = try SignedNote(checkpointText)
                let checkpoint = try Checkpoint(text: note.text)
                if checkpoint.isRekorV1 {
                    try Self.verifyV1Inclusion(entry: entry, body: body, proof: proof, note: note, checkpoint: checkpoint, log: log)
                } else {
                    let leaf = try rebuildV2Leaf(bundle, material: material, signature: signature)
                    try Self.verifyV2Inclusion(entry: entry, leaf: leaf, proof: proof, note: note, checkpoint: checkpoint, log: log)
                    // The body and the proof's own fields are not needed to verify, but must agree with what was
                    // verified (as sigstore-python checks): nothing unauthenticated is carried along.
                    guard body == leaf else {
                        throw VerificationError(.transparencyLog, "Rekor v2 entry body does not match the entry rebuilt from the bundle")
                    }
                    guard proof.logIndex.value == entry.logIndex.value, proof.treeSize.value >= 0,
                        UInt64(proof.treeSize.value) == checkpoint.size, proof.rootHash.bytes == checkpoint.rootHash
                    else {
                        throw VerificationError(.transparencyLog, "Rekor v2 inclusion proof fields do not match the signed checkpoint")
                    }
                }
            }
            if let v1Body {
                try Self.compare(v1Body, bundle: bundle, material: material, signature: signature)
            }
            if integrated != 0, case .certificate(let leaf) = material {
                let t = Date(timeIntervalSince1970: Double(integrated))
                guard leaf.isValid(at: t) else {
                    throw VerificationError(
                        .certificate,
                        "integrated time \(t) outside certificate validity \(leaf.certificate.notValidBefore) – \(leaf.certificate.notValidAfter)")
                }
            }
            verifiedLogs.insert(logIDHex)
            let date = integrated == 0 ? nil : Date(timeIntervalSince1970: Double(integrated))
            verified.append(.init(logURL: log.baseURL, logIndex: entry.logIndex.value, logID: logIDHex, integratedTime: date))
            if entry.signedEntryTimestamp != nil, let date, !timedLogs.contains(logIDHex) {
                timedLogs.insert(logIDHex)
                times.append(.init(source: .transparencyLog(log.baseURL), time: date))
            }
        }
        guard verifiedLogs.count >= configuration.transparencyLogThreshold else {
            throw VerificationError(
                .transparencyLog,
                "not enough verified log entries from transparency log: \(verifiedLogs.count) < \(configuration.transparencyLogThreshold)")
        }
        return (verified, times)
    }

    private static func checkV2BodyHead(_ body: [UInt8]) throws {
        struct Head: Decodable {
            var kind: String
            var apiVersion: String
        }
        guard let head = try? JSONDecoder().decode(Head.self, from: Data(body)) else {
            throw VerificationError(.transparencyLog, "transparency log entry body is not a Rekor entry")
        }
        guard head.kind == "hashedrekord", head.apiVersion == "0.0.2" else {
            throw VerificationError(
                .transparencyLog, "transparency log entry kind hashedrekord 0.0.2 does not match its body (\(head.kind) \(head.apiVersion))")
        }
    }

    static func verifySET(_ set: [UInt8], entry: TransparencyLogEntry, body: [UInt8], log: TrustMaterial.Log) -> Bool {
        guard let start = log.validFor?.start else { return false }
        let integrated = entry.integratedTime?.value ?? 0
        let t = Date(timeIntervalSince1970: Double(integrated))
        if t < start { return false }
        if let end = log.validFor?.end, t > end { return false }
        switch log.key.kind {
        case .ecdsaP256, .ecdsaP384, .ecdsaP521: break
        default: return false
        }
        let payload = SignedEntryTimestampPayload.bytes(
            body: body, integratedTime: integrated, logID: entry.logID.bytes, logIndex: entry.logIndex.value)
        return (try? log.key.verifySignature(set, digest: HashAlgorithm.sha256.digest(of: payload))) != nil
    }

    static func verifyV1Inclusion(
        entry: TransparencyLogEntry, body: [UInt8], proof: InclusionProof, note: SignedNote, checkpoint: Checkpoint,
        log: TrustMaterial.Log
    ) throws {
        guard proof.logIndex.value >= 0, proof.treeSize.value > 0 else {
            throw VerificationError(.transparencyLog, "invalid inclusion proof index \(proof.logIndex.value) or size \(proof.treeSize.value)")
        }
        let root = Merkle.rootFromInclusionProof(
            index: UInt64(proof.logIndex.value), size: UInt64(proof.treeSize.value), leafHash: Merkle.leafHash(body),
            proof: proof.hashes.map(\.bytes))
        guard let root, root == proof.rootHash.bytes else {
            throw VerificationError(
                .transparencyLog, "inclusion proof for log index \(proof.logIndex.value) does not lead to root hash \(Hex.encode(proof.rootHash.bytes))")
        }
        let hint = Array(HashAlgorithm.sha256.digest(of: log.key.derRepresentation).bytes.prefix(4))
        // Rekor v1 names its key after the host in the origin "<host> - <tree id>".
        guard note.isSigned(by: log.key, keyHint: hint, name: checkpoint.rekorV1Host) else {
            throw VerificationError(.transparencyLog, "checkpoint signature is not valid for log \(log.baseURL)")
        }
        guard checkpoint.rootHash == proof.rootHash.bytes, checkpoint.size == UInt64(proof.treeSize.value) else {
            throw VerificationError(.transparencyLog, "inclusion proof root hash does not match the signed checkpoint")
        }
    }

    static func verifyV2Inclusion(
        entry: TransparencyLogEntry, leaf: [UInt8], proof: InclusionProof, note: SignedNote, checkpoint: Checkpoint,
        log: TrustMaterial.Log
    ) throws {
        guard let host = log.hostname, !host.isEmpty else {
            throw VerificationError(.transparencyLog, "cannot verify Rekor v2 entry without baseUrl in transparency log's trusted root")
        }
        let keyID = SignedNote.keyID(name: host, key: log.key)
        guard note.isSigned(by: log.key, keyHint: Array(keyID.prefix(4)), name: host) else {
            throw VerificationError(.transparencyLog, "checkpoint is not signed by log \(host)")
        }
        guard checkpoint.origin == host else {
            throw VerificationError(.transparencyLog, "checkpoint origin \"\(checkpoint.origin)\" is not \"\(host)\"")
        }
        let root = Merkle.rootFromInclusionProof(
            index: UInt64(entry.logIndex.value), size: checkpoint.size, leafHash: Merkle.leafHash(leaf),
            proof: proof.hashes.map(\.bytes))
        guard let root, root == checkpoint.rootHash else {
            throw VerificationError(
                .transparencyLog, "inclusion proof for log index \(entry.logIndex.value) does not match the checkpoint of size \(checkpoint.size)")
        }
    }

    private func rebuildV2Leaf(_ bundle: SigstoreBundle, material: Material, signature: [UInt8]) throws -> [UInt8] {
        let key = try material.publicKey
        let hash = RekorV2Body.keyDetails(for: key.kind).hash
        let digest: ArtifactDigest
        switch bundle.content {
        case .messageSignature(let m):
            guard let md = m.messageDigest, let alg = HashAlgorithm(protoName: md.algorithm) else {
                throw VerificationError(.bundle, "message signature has no usable message digest")
            }
            guard let d = try? ArtifactDigest(algorithm: alg, bytes: md.digest.bytes) else {
                throw VerificationError(.bundle, "message digest has the wrong length for \(alg.rawValue)")
            }
            digest = d
        case .dsseEnvelope(let e):
            digest = e.preAuthenticationDigest(hash)
        }
        let verifier: RekorV2Body.Verifier
        switch material {
        case .certificate(let c): verifier = .certificate(c.der)
        case .publicKey(let k): verifier = .publicKey(k)
        }
        return RekorV2Body.canonicalBody(digest: digest, signature: signature, verifier: verifier, keyKind: key.kind)
    }

    static func compare(_ body: RekorV1Body, bundle: SigstoreBundle, material: Material, signature: [UInt8]) throws {
        guard body.signature == signature else {
            throw VerificationError(.transparencyLog, "transparency log signature does not match the bundle's signature")
        }
        let sameKey: Bool
        switch material {
        case .certificate(let leaf):
            let block = try? PEMBlock.parseFirst(body.verifierPEM)
            sameKey = block?.label == "CERTIFICATE" && block?.bytes == leaf.der
        case .publicKey(let key):
            let block = try? PEMBlock.parseFirst(body.verifierPEM)
            sameKey = block?.label == "PUBLIC KEY" && block?.bytes == key.derRepresentation
        }
        guard sameKey else {
            throw VerificationError(.transparencyLog, "transparency log certificate does not match the bundle's signer")
        }
        switch bundle.content {
        case .messageSignature(let m):
            guard let logged = body.digest else {
                throw VerificationError(.transparencyLog, "transparency log entry is not a hashedrekord or missing digest")
            }
            guard let md = m.messageDigest, let alg = HashAlgorithm(protoName: md.algorithm) else {
                throw VerificationError(.bundle, "message signature has no usable message digest")
            }
            guard alg == logged.algorithm else {
                throw VerificationError(
                    .transparencyLog, "transparency log hashedrekord entry digest algorithm mismatch: \(alg.rawValue) != \(logged.algorithm.rawValue)")
            }
            guard md.digest.bytes == logged.bytes else {
                throw VerificationError(
                    .transparencyLog,
                    "transparency log hashedrekord entry digest \(logged.hex) does not match artifact \(Hex.encode(md.digest.bytes))")
            }
        case .dsseEnvelope(let e):
            guard let logged = body.payloadSHA256 else {
                throw VerificationError(.transparencyLog, "transparency log rekor v1 entry is not a dsse or intoto entry")
            }
            let actual = HashAlgorithm.sha256.digest(of: e.payload.bytes).bytes
            guard actual == logged else {
                throw VerificationError(
                    .transparencyLog,
                    "transparency log dsse/intoto entry payload hash \(Hex.encode(logged)) does not match envelope payload hash \(Hex.encode(actual))")
            }
        }
    }

    // MARK: - Timestamps

    private func verifySignedTimestamps(_ bundle: SigstoreBundle, signature: [UInt8]) async throws -> [VerificationResult.VerifiedTime] {
        let tokens = bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []
        var verified: [VerificationResult.VerifiedTime] = []
        var uris = Set<String>()
        var errors: [String] = []
        for token in tokens {
            do {
                let ts = try RFC3161Timestamp(responseDER: token.bytes)
                var found: (Date, String)?
                var lastError: (any Error)?
                for tsa in trustMaterial.timestampAuthorities {
                    do {
                        found = (try await ts.verify(signature: signature, authority: tsa), tsa.uri)
                        break
                    } catch { lastError = error }
                }
                guard let (time, uri) = found else {
                    throw lastError ?? VerificationError(.timestamp, "no timestamp authority in the trusted root")
                }
                if uris.contains(uri) {
                    errors.append("duplicate timestamps from the same authority \(uri)")
                    continue
                }
                uris.insert(uri)
                verified.append(.init(source: .timestampAuthority(uri), time: time))
            } catch {
                errors.append("\(error)")
            }
        }
        guard verified.count >= configuration.signedTimestampThreshold else {
            let detail = errors.isEmpty ? "" : ": " + errors.joined(separator: "; ")
            throw VerificationError(
                .timestamp,
                "threshold not met for verified signed timestamps: \(verified.count) < \(configuration.signedTimestampThreshold)\(detail)")
        }
        return verified
    }

    // MARK: - Certificates

    /// Checks a freshly issued signing certificate before a signer uses it: it chains to a trusted certificate
    /// authority at `time`, and it carries enough SCTs from trusted CT logs (the configured threshold).
    public func verifySigningCertificate(_ leaf: SigningCertificate, at time: Date) async throws {
        let chain = try await verifyCertificateChain(leaf, at: time)
        if configuration.signedCertificateTimestampThreshold > 0 { try verifySCTs(leaf, chain: chain) }
    }

    private func verifyCertificateChain(_ leaf: SigningCertificate, at time: Date) async throws -> [Certificate] {
        guard leaf.isValid(at: time) else {
            throw VerificationError(
                .certificate,
                "certificate is not valid at the verified time \(time) (valid \(leaf.certificate.notValidBefore) – \(leaf.certificate.notValidAfter))")
        }
        var reasons: [String] = []
        for ca in trustMaterial.certificateAuthorities {
            if let validFor = ca.validFor, !validFor.contains(time) { continue }
            guard ca.chainVerified else {
                reasons.append("certificate authority \(ca.uri) has an invalid certificate chain")
                continue
            }
            // The CA's own chain was verified when the trust material was loaded, so the certificate that issues
            // leaves serves as the anchor; the certificates above it must still be valid at this time.
            guard ca.upperCertificates.allSatisfy({ $0.notValidBefore <= time && time <= $0.notValidAfter }) else {
                reasons.append("certificate authority \(ca.uri) is not valid at \(time)")
                continue
            }
            var verifier = Verifier(rootCertificates: CertificateStore([ca.issuingCertificate])) {
                RFC5280Policy(fixedExpiryValidationTime: time)
                CodeSigningPolicy()
            }
            switch await verifier.validate(leaf: leaf.certificate, intermediates: CertificateStore()) {
            case .validCertificate(let chain): return Array(chain) + ca.upperCertificates
            case .couldNotValidate(let failures):
                reasons += failures.map { String($0.policyFailureReason.description.prefix(160)) }
            }
        }
        let why = reasons.isEmpty ? "no chain to a trusted root" : Array(Set(reasons)).sorted().joined(separator: "; ")
        throw VerificationError(
            .certificate, "certificate does not chain to a trusted certificate authority at \(time): \(why)")
    }

    private func verifySCTs(_ leaf: SigningCertificate, chain: [Certificate]) throws {
        guard chain.count >= 2 else { throw VerificationError(.certificateTransparency, "certificate chain has no issuer for SCT verification") }
        guard let ext = leaf.certificate.extensions[oid: SigstoreOID.sctList] else {
            throw VerificationError(
                .certificateTransparency, "only able to verify 0 SCT entries; unable to meet threshold of \(configuration.signedCertificateTimestampThreshold)")
        }
        let scts = try SignedCertificateTimestamp.parseList(extensionValue: ext.value)
        let tbs: [UInt8]
        do {
            guard let t = try DERRewriting.tbsCertificate(leaf.der, removingExtension: SigstoreOID.sctList) else {
                throw VerificationError(.certificateTransparency, "certificate has no SCT list")
            }
            tbs = t
        } catch let e as VerificationError { throw e } catch {
            throw VerificationError(.certificateTransparency, "cannot rebuild the precertificate: \(error)")
        }
        let issuerKeyHash = HashAlgorithm.sha256.digest(of: chain[1].publicKey.spkiDER).bytes
        var verified = Set<String>()
        for sct in scts {
            let id = Hex.encode(sct.logID)
            if verified.contains(id) { continue }
            guard let log = trustMaterial.ctLogs[id] else { continue }
            if let validFor = log.validFor {
                if let s = validFor.start, sct.date < s { continue }
                if let e = validFor.end, sct.date > e { continue }
            }
            if sct.verify(signedData: sct.signedData(issuerKeyHash: issuerKeyHash, tbsCertificate: tbs), key: log.key) {
                verified.insert(id)
            }
        }
        guard verified.count >= configuration.signedCertificateTimestampThreshold else {
            throw VerificationError(
                .certificateTransparency,
                "only able to verify \(verified.count) SCT entries; unable to meet threshold of \(configuration.signedCertificateTimestampThreshold)")
        }
    }

    // MARK: - Signature

    private func verifySignature(
        _ bundle: SigstoreBundle, material: Material, artifact: ArtifactInput
    ) throws -> (type: String, payload: [UInt8])? {
        let key = try material.publicKey
        let isCertificate: Bool
        if case .certificate = material { isCertificate = true } else { isCertificate = false }
        switch bundle.content {
        case .messageSignature(let m):
            guard let md = m.messageDigest else {
                throw VerificationError(.signature, "message is missing artifact digest")
            }
            guard let alg = HashAlgorithm(protoName: md.algorithm) else {
                throw VerificationError(.signature, "unsupported message digest algorithm \(md.algorithm)")
            }
            switch artifact {
            case .none:
                throw VerificationError(.artifact, "a message signature can only be verified with its artifact or digest")
            case .data(let data):
                if key.signsWholeMessage {
                    if isCertificate {
                        throw VerificationError(.signature, "Ed25519ph message signatures are not supported")
                    }
                    try check { try key.verifySignature(m.signature.bytes, message: data) }
                } else {
                    let candidates = Self.hashes(for: key, certificate: isCertificate)
                    var ok = false
                    for h in candidates where (try? key.verifySignature(m.signature.bytes, digest: h.digest(of: data))) != nil {
                        ok = true
                        break
                    }
                    guard ok else { throw VerificationError(.signature, "could not verify message: invalid signature") }
                }
                let actual = alg.digest(of: data)
                guard actual.bytes == md.digest.bytes else {
                    throw VerificationError(
                        .artifact, "artifact digest does not match message digest: bundle has \(Hex.encode(md.digest.bytes)), artifact is \(actual.hex)")
                }
            case .digests(let digests):
                if key.signsWholeMessage {
                    throw VerificationError(.signature, "an Ed25519 message signature needs the artifact's bytes, not digests")
                }
                var ok = false
                for h in Self.hashes(for: key, certificate: isCertificate) {
                    guard let d = digests.first(where: { $0.algorithm == h }) else { continue }
                    if (try? key.verifySignature(m.signature.bytes, digest: d)) != nil {
                        ok = true
                        break
                    }
                }
                guard ok else { throw VerificationError(.signature, "could not verify message: invalid signature") }
                guard let actual = digests.first(where: { $0.algorithm == alg }) else {
                    throw VerificationError(.artifact, "no \(alg.rawValue) digest of the artifact to compare with the message digest")
                }
                guard actual.bytes == md.digest.bytes else {
                    throw VerificationError(
                        .artifact, "artifact digest does not match message digest: bundle has \(Hex.encode(md.digest.bytes)), artifact is \(actual.hex)")
                }
            case .digest(let given):
                guard given.bytes == md.digest.bytes else {
                    throw VerificationError(
                        .artifact, "artifact does not match digest: bundle has \(Hex.encode(md.digest.bytes)), given \(given.hex)")
                }
                if key.signsWholeMessage {
                    throw VerificationError(
                        .signature, "message signatures with ed25519 signatures can only be verified with artifacts, and not just their digest")
                }
                try check { try key.verifySignature(m.signature.bytes, digest: given) }
            }
            return nil
        case .dsseEnvelope(let e):
            try check { try key.verifyDSSESignature(e.signatures[0].sig.bytes, envelope: e) }
            try Self.matchStatement(e, artifact: artifact)
            return (e.payloadType, e.payload.bytes)
        }
    }

    /// The hashes a message signature may use: the key's default, plus SHA-256 for P-384/P-521 certificates
    /// (old clients, sigstore-go's compatibility verifier).
    private static func hashes(for key: PublicKey, certificate: Bool) -> [HashAlgorithm] {
        switch key.kind {
        case .ecdsaP384 where certificate, .ecdsaP521 where certificate: [key.defaultHashAlgorithm, .sha256]
        default: [key.defaultHashAlgorithm]
        }
    }

    private func check(_ body: () throws -> Void) throws {
        do { try body() } catch let e as SigstoreCryptoError {
            throw VerificationError(.signature, "could not verify signature: \(e.message)")
        }
    }

    static func matchStatement(_ envelope: DSSEEnvelope, artifact: ArtifactInput) throws {
        if case .none = artifact { return }
        guard envelope.payloadType == "application/vnd.in-toto+json" else {
            throw VerificationError(.artifact, "DSSE payload type \"\(envelope.payloadType)\" is not application/vnd.in-toto+json")
        }
        guard let statement = InTotoStatement(payload: envelope.payload.bytes) else {
            throw VerificationError(.artifact, "DSSE payload is not an in-toto statement")
        }
        let subjects = (statement.subject ?? []).compactMap { $0 }
        guard !subjects.isEmpty else { throw VerificationError(.artifact, "no subjects found in statement") }
        guard subjects.count <= 1024, subjects.allSatisfy({ ($0.digest?.count ?? 0) <= 32 }) else {
            throw VerificationError(.artifact, "in-toto statement has too many subjects or digests")
        }
        let names: [(String, HashAlgorithm)] = [("sha512", .sha512), ("sha384", .sha384), ("sha256", .sha256)]
        switch artifact {
        case .data(let data):
            var computed: [String: String] = [:]
            for subject in subjects {
                for (name, alg) in names {
                    guard let expected = subject.digest?[name] else { continue }
                    let actual = computed[name] ?? alg.digest(of: data).hex
                    computed[name] = actual
                    if expected.lowercased() == actual { return }
                }
            }
            guard !computed.isEmpty else {
                throw VerificationError(.artifact, "no matching artifact hash algorithm found in subject digests")
            }
            throw VerificationError(
                .artifact, "provided artifact digests do not match digests in statement (artifact sha256:\(computed["sha256"] ?? HashAlgorithm.sha256.digest(of: data).hex))")
        case .none:
            return
        case .digests(let digests):
            var sawAlgorithm = false
            for subject in subjects {
                for d in digests {
                    guard let expected = subject.digest?[d.algorithm.rawValue] else { continue }
                    sawAlgorithm = true
                    if expected.lowercased() == d.hex { return }
                }
            }
            guard sawAlgorithm else {
                throw VerificationError(.artifact, "no matching artifact hash algorithm found in subject digests")
            }
            throw VerificationError(
                .artifact, "provided artifact digests do not match digests in statement (artifact \(digests.map(\.description).joined(separator: ", ")))")
        case .digest(let d):
            for subject in subjects where subject.digest?[d.algorithm.rawValue]?.lowercased() == d.hex { return }
            throw VerificationError(.artifact, "provided artifact digest \(d) does not match any digest in statement")
        }
    }

    // MARK: - Identity

    static func checkIdentity(_ leaf: SigningCertificate, identities: [CertificateIdentity]) throws {
        guard !identities.isEmpty else {
            throw VerificationError(.identity, "no certificate identity given: pass --certificate-identity and --certificate-oidc-issuer")
        }
        let san = leaf.subjectAlternativeName
        let issuer = leaf.issuer
        var reasons: [String] = []
        for identity in identities {
            guard let san, identity.subjectAlternativeName.matches(san) else {
                reasons.append("expected identity \(identity.subjectAlternativeName), got \"\(san ?? "")\"")
                continue
            }
            guard let issuer, identity.issuer.matches(issuer) else {
                reasons.append("expected issuer \(identity.issuer), got \"\(issuer ?? "")\"")
                continue
            }
            var extOK = true
            for (arc, expected) in identity.extensions.sorted(by: { $0.key < $1.key }) {
                let actual = leaf.rawExtension(SigstoreOID.fulcio(arc))
                if actual != expected {
                    reasons.append("expected certificate extension 1.3.6.1.4.1.57264.1.\(arc) \"\(expected)\", got \"\(actual ?? "")\"")
                    extOK = false
                    break
                }
            }
            if extOK { return }
        }
        throw VerificationError(.identity, "none of the expected identities matched what was in the certificate: " + reasons.joined(separator: "; "))
    }
}
