#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import SigstoreModels
internal import SigstoreCore
internal import SigstoreJSON
internal import Synchronization

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
    /// The clock read when the configuration uses the current time as an observer time.
    let now: @Sendable () -> Date

    /// Creates a verifier. The default configuration verifies what the Sigstore public-good instance issues
    /// (``VerifierConfiguration/init(transparencyLogThreshold:integratedTimestampThreshold:signedTimestampThreshold:observerTimestampThreshold:signedCertificateTimestampThreshold:useCurrentTime:allowNoObserverTimestamps:)``).
    public init(
        trustMaterial: TrustMaterial, configuration: VerifierConfiguration = VerifierConfiguration(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.trustMaterial = trustMaterial
        self.configuration = configuration
        self.now = now
    }

    /// Verifies many bundles with at most `maxConcurrency` in flight; results are in input order.
    ///
    /// Each of up to `maxConcurrency` workers takes the next unverified bundle until none is left, so a bundle costs
    /// no task of its own and no hand-over between threads.
    public func verify(
        _ items: [(bundle: SigstoreBundle, policy: VerificationPolicy)], maxConcurrency: Int
    ) async -> [Result<VerificationResult, any Error>] {
        let workers = min(max(1, maxConcurrency), items.count)
        guard workers > 1 else {
            var results: [Result<VerificationResult, any Error>] = []
            results.reserveCapacity(items.count)
            for item in items {
                do { results.append(.success(try await verify(item.bundle, policy: item.policy))) } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
        let next = NextIndex()
        var results = [Result<VerificationResult, any Error>?](repeating: nil, count: items.count)
        await withTaskGroup(of: [(Int, Result<VerificationResult, any Error>)].self) { group in
            for _ in 0..<workers {
                group.addTask {
                    var done: [(Int, Result<VerificationResult, any Error>)] = []
                    while true {
                        let i = next.take()
                        guard i < items.count else { break }
                        do { done.append((i, .success(try await self.verify(items[i].bundle, policy: items[i].policy)))) } catch {
                            done.append((i, .failure(error)))
                        }
                    }
                    return done
                }
            }
            for await done in group {
                for (i, r) in done { results[i] = r }
            }
        }
        return results.map { $0 ?? .failure(VerificationError(.bundle, "bundle was not verified")) }
    }

    /// Verifies one bundle against a policy.
    ///
    /// A straight line through the checks of the Sigstore client specification (“Verification”), in sigstore-go's
    /// order; each step lives in the file named beside it.
    ///
    /// - Parameters:
    ///   - bundle: The bundle to verify.
    ///   - policy: The artifact (or its digests) and the identities or key expected to have signed it.
    /// - Returns: What the verification established: identity, verified times, log entries, DSSE payload.
    /// - Throws: ``VerificationError`` naming the check that failed.
    public func verify(_ bundle: SigstoreBundle, policy: VerificationPolicy) async throws -> VerificationResult {
        // The bundle obeys the rules of its version, and its signer is what the policy expects: a key or a
        // certificate (+Bundle).
        try Self.validateStructure(bundle, allowCertificateChain: configuration.allowCertificateChain)
        let material = try signerMaterial(bundle, policy: policy)
        let signature = Self.signatureBytes(bundle)

        // “Verify the transparency log entries”: each body matches the bundle, and its inclusion promise and/or
        // inclusion proof and checkpoint verify with a trusted log's key (+TransparencyLog, +LogEntryBody).
        var logEntries: [VerificationResult.LogEntry] = []
        var logTimes: [VerificationResult.VerifiedTime] = []
        if configuration.transparencyLogThreshold > 0 {
            (logEntries, logTimes) = try verifyTransparencyLog(bundle, material: material, signature: signature)
        }

        // “Establish a time for the signature”: RFC 3161 timestamps, integrated times vouched for by verified
        // promises, or the current time when the configuration allows it (+Timestamps).
        let times = try await verifiedTimes(bundle, signature: signature, logTimes: logTimes)

        // “Verify the certificate”: it chains to a trusted certificate authority at every verified time, and
        // trusted CT logs vouch for it with SCTs (+Certificate, +SCT).
        if case .certificate(let leaf) = material {
            try await verifyCertificate(leaf, at: times)
        }

        // “Verify the signature” over the artifact, its digest or the DSSE envelope (+Signature).
        let envelopePayload = try verifySignature(bundle, material: material, artifact: policy.artifact)

        // “Verify the identity”: the certificate names one of the expected identities (+Identity).
        var result = VerificationResult(
            subjectAlternativeName: nil, issuer: nil, certificate: nil, verifiedTimes: times, logEntries: logEntries,
            envelopePayload: envelopePayload)
        if case .certificate(let leaf) = material {
            try Self.checkIdentity(leaf, identities: policy.identities)
            result.certificate = leaf
            result.subjectAlternativeName = leaf.subjectAlternativeName
            result.issuer = leaf.issuer
        }
        return result
    }
}

/// The next index for the workers of a batch to take.
private final class NextIndex: Sendable {
    private let value = Atomic<Int>(0)

    /// An index no other caller got.
    func take() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
