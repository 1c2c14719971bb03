import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing

/// SigstoreVerifier: the whole pipeline over valid evidence of every shape, and batch verification.
@Suite("Verifier against a virtual Sigstore")
struct VerifierTests {
    @Test(
        "valid bundles verify",
        arguments: [
            (VirtualSigstore.Log.rekorV1, false, false), (.rekorV1, true, false), (.rekorV1, false, true), (.rekorV1, true, true),
            (.rekorV2, true, false), (.rekorV2, true, true),
        ])
    func valid(log: VirtualSigstore.Log, timestamp: Bool, dsse: Bool) async throws {
        let options = VirtualSigstore.Options(time: signingTime, log: log, timestamp: timestamp, dsse: dsse)
        let result = try await verify(options)
        #expect(result.subjectAlternativeName == "signer@example.com")
        #expect(result.issuer == "https://issuer.example")
        #expect(result.logEntries.count == 1)
        #expect(!result.verifiedTimes.isEmpty)
        if dsse { #expect(result.envelopePayload?.type == "application/vnd.in-toto+json") }
        // By digest too.
        let digest = HashAlgorithm.sha256.digest(of: artifact)
        _ = try await verify(options, artifact: .digest(digest))
    }

    @Test("batch verification keeps input order and reports each failure")
    func batch() async throws {
        let good = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: .init(time: signingTime)))
        let bad = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: .init(time: signingTime, faults: [.otherIdentity])))
        let policy = try VerificationPolicy(artifact: .data(Data(artifact)), identities: identity)
        let items = (0..<20).map { (bundle: $0 % 3 == 0 ? bad : good, policy: policy) }
        let results = try await verifier(cosignConfiguration(signedTimestamps: false)).verify(items, maxConcurrency: 4)
        for (i, r) in results.enumerated() {
            switch r {
            case .success: #expect(i % 3 != 0)
            case .failure: #expect(i % 3 == 0)
            }
        }
    }

    @Test("every fault the virtual instance can inject is refused by some check")
    func everyFaultCovered() async throws {
        // Each per-check suite lists its faults; together they must cover every case.
        let covered: [VirtualSigstore.Fault] = [
            .untrustedCertificateAuthority, .leafWithoutCodeSigning, .sctFromUntrustedLog, .sctOverOtherCertificate, .noSCT,
            .setFromUntrustedKey, .setOverOtherTime, .checkpointFromUntrustedKey, .inclusionProofCorrupted,
            .checkpointRootMismatch, .logEntrySignatureMismatch, .logEntryDigestMismatch, .integratedAfterCertificateExpiry,
            .timestampImprintMismatch, .timestampFromUntrustedTSA, .timestampEKUNotCritical, .timestampAfterCertificateExpiry,
            .signatureOverOtherArtifact, .dsseSubjectMismatch, .dssePayloadTypeWrong, .checkpointWrongOrigin, .otherIdentity,
        ]
        #expect(Set(covered) == Set(VirtualSigstore.Fault.allCases))
    }
}
