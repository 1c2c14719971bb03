import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing

/// SigstoreVerifier+TransparencyLog: inclusion promises, inclusion proofs, checkpoints, thresholds.
@Suite("Transparency-log entries")
struct TransparencyLogTests {
    @Test(
        "a broken promise, proof or checkpoint is refused",
        arguments: [
            FaultCase(fault: .setFromUntrustedKey, check: .transparencyLog),
            FaultCase(fault: .setOverOtherTime, check: .transparencyLog),
            FaultCase(fault: .checkpointFromUntrustedKey, check: .transparencyLog),
            FaultCase(fault: .checkpointFromUntrustedKey, check: .transparencyLog, log: .rekorV2, timestamp: true),
            FaultCase(fault: .inclusionProofCorrupted, check: .transparencyLog),
            FaultCase(fault: .inclusionProofCorrupted, check: .transparencyLog, log: .rekorV2, timestamp: true),
            FaultCase(fault: .checkpointRootMismatch, check: .transparencyLog),
            FaultCase(fault: .checkpointRootMismatch, check: .transparencyLog, log: .rekorV2, timestamp: true),
            FaultCase(fault: .checkpointWrongOrigin, check: .transparencyLog, log: .rekorV2, timestamp: true),
        ])
    func refused(_ fault: FaultCase) async throws {
        try await fault.expectRefused()
    }

    @Test("valid Rekor v1 and v2 entries verify and are reported", arguments: [VirtualSigstore.Log.rekorV1, .rekorV2])
    func reported(log: VirtualSigstore.Log) async throws {
        let result = try await verify(.init(time: signingTime, log: log, timestamp: log == .rekorV2))
        let entry = try #require(result.logEntries.first)
        #expect(result.logEntries.count == 1)
        #expect(entry.logURL == (log == .rekorV1 ? VirtualSigstore.rekorURL : VirtualSigstore.rekorV2URL))
        // Rekor v1 records an integrated time; Rekor v2 does not.
        #expect((entry.integratedTime != nil) == (log == .rekorV1))
    }

    @Test("duplicate log entries are refused (they could count twice toward a threshold)")
    func duplicateEntries() async throws {
        let bundle = try editedBundle { object in
            var material = try #require(object["verificationMaterial"] as? [String: Any])
            let entries = try #require(material["tlogEntries"] as? [Any])
            material["tlogEntries"] = entries + entries
            object["verificationMaterial"] = material
        }
        do {
            _ = try await verifier(cosignConfiguration(signedTimestamps: false))
                .verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
            Issue.record("duplicate entries verified")
        } catch let error as VerificationError {
            #expect(error.message.contains("duplicate"))
        }
    }

    @Test("an entry of a log the trusted root does not list does not count toward the threshold")
    func unknownLog() async throws {
        let bundle = try editedBundle { object in
            var material = try #require(object["verificationMaterial"] as? [String: Any])
            var entries = try #require(material["tlogEntries"] as? [[String: Any]])
            entries[0]["logId"] = ["keyId": Base64.encode([UInt8](repeating: 7, count: 32))]
            material["tlogEntries"] = entries
            object["verificationMaterial"] = material
        }
        #expect(try await refusingCheck(bundle) == .transparencyLog)
    }

    @Test("a signed-entry timestamp that does not verify does not count; Rekor v2 alone needs a timestamp")
    func thresholds() async throws {
        // Rekor v2 without an RFC 3161 timestamp: no verified time.
        let v2 = VirtualSigstore.Options(time: signingTime, log: .rekorV2, timestamp: false)
        await #expect(throws: VerificationError(.timestamp, "")) { try await verify(v2) }
        // No log entry at all: the transparency-log threshold is not met.
        let none = VirtualSigstore.Options(time: signingTime, log: .none, timestamp: true)
        await #expect(throws: VerificationError(.transparencyLog, "")) { try await verify(none) }
        // ... unless the log is explicitly ignored (cosign --insecure-ignore-tlog with signed timestamps).
        let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: none))
        let ignoring = try verifier(.cosign(keyBased: false, ignoreTransparencyLog: true, useSignedTimestamps: true))
        _ = try await ignoring.verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
    }

    @Test("the log key is used only inside its validity window (bounds inclusive)")
    func validityWindow() async throws {
        try await expectValidityWindow(service: "rekor", log: .rekorV1, timestamp: false, used: 1, check: .transparencyLog)
    }
}

/// Verifies a bundle against trusted roots whose `service` window ends an hour after signing, exactly when the
/// evidence was made (`used` seconds after signing), and a minute before signing: only the last is refused.
func expectValidityWindow(
    service: String, log: VirtualSigstore.Log, timestamp: Bool, used: TimeInterval, check: VerificationCheck,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let options = VirtualSigstore.Options(time: signingTime, log: log, timestamp: timestamp)
    let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: options))
    let policy = try VerificationPolicy(artifact: .data(Data(artifact)), identities: identity)
    func verifier(until end: Date) throws -> SigstoreVerifier {
        SigstoreVerifier(
            trustMaterial: try TrustMaterial(jsonData: virtual.trustedRootJSON(validUntil: [service: end])),
            configuration: cosignConfiguration(signedTimestamps: timestamp))
    }
    _ = try await verifier(until: signingTime.addingTimeInterval(3600)).verify(bundle, policy: policy)
    _ = try await verifier(until: signingTime.addingTimeInterval(used)).verify(bundle, policy: policy)
    do {
        _ = try await verifier(until: signingTime.addingTimeInterval(-60)).verify(bundle, policy: policy)
        Issue.record("\(service) outside its window verified", sourceLocation: sourceLocation)
    } catch let error as VerificationError {
        #expect(error.check == check, "\(error.message)", sourceLocation: sourceLocation)
    }
}
