import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing

/// SigstoreVerifier+Timestamps and RFC3161Timestamp: signed timestamps from trusted authorities, observer times.
@Suite("Signed timestamps and observer times")
struct TimestampTests {
    @Test(
        "a token over something else, from an untrusted TSA, or with a non-critical EKU is refused",
        arguments: [
            FaultCase(fault: .timestampImprintMismatch, check: .timestamp, log: .rekorV2, timestamp: true),
            FaultCase(fault: .timestampFromUntrustedTSA, check: .timestamp, log: .rekorV2, timestamp: true),
            FaultCase(fault: .timestampEKUNotCritical, check: .timestamp, log: .rekorV2, timestamp: true),
        ])
    func refused(_ fault: FaultCase) async throws {
        try await fault.expectRefused()
    }

    @Test("the verified time is the token's genTime, from the authority's URI")
    func verifiedTime() async throws {
        let result = try await verify(.init(time: signingTime, log: .rekorV2, timestamp: true))
        let time = try #require(result.verifiedTimes.first)
        #expect(result.verifiedTimes.count == 1)
        #expect(time.source == .timestampAuthority(VirtualSigstore.tsaURL))
        #expect(time.time == signingTime.addingTimeInterval(2))
    }

    @Test("the TSA is trusted only inside its validity window (bounds inclusive)")
    func validityWindow() async throws {
        try await expectValidityWindow(service: "tsa", log: .rekorV2, timestamp: true, used: 2, check: .timestamp)
    }

    @Test("two tokens from the same authority count once")
    func duplicateAuthority() async throws {
        let options = VirtualSigstore.Options(time: signingTime, log: .rekorV2, timestamp: true)
        let bundle = try editedBundle(options) { object in
            var material = try #require(object["verificationMaterial"] as? [String: Any])
            var data = try #require(material["timestampVerificationData"] as? [String: Any])
            let tokens = try #require(data["rfc3161Timestamps"] as? [Any])
            data["rfc3161Timestamps"] = tokens + tokens
            material["timestampVerificationData"] = data
            object["verificationMaterial"] = material
        }
        var configuration = cosignConfiguration(signedTimestamps: true)
        _ = try await verifier(configuration).verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
        configuration.signedTimestampThreshold = 2
        #expect(try await refusingCheck(bundle, configuration: configuration) == .timestamp)
    }

    @Test(
        "malformed tokens are refused with a timestamp error, never a crash",
        arguments: [
            [UInt8](), [0x30, 0x00], [0x30, 0x03, 0x30, 0x01, 0x02], [0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02],
            Array(repeating: 0x30, count: 64),
        ])
    func malformed(token: [UInt8]) {
        #expect(throws: VerificationError(.timestamp, "")) { try RFC3161Timestamp(responseDER: token) }
    }

    @Test("a token cut short at any length is refused")
    func truncated() async throws {
        let json = try virtual.sign(artifact, options: .init(time: signingTime, log: .rekorV2, timestamp: true))
        let bundle = try SigstoreBundle(jsonData: json)
        let token = try #require(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.first).bytes
        let parsed = try RFC3161Timestamp(responseDER: token)
        #expect(parsed.imprintAlgorithm == .sha256)
        #expect(parsed.certificates.count == 1)
        for length in stride(from: 0, to: token.count, by: 7) {
            #expect(throws: VerificationError.self) { try RFC3161Timestamp(responseDER: Array(token.prefix(length))) }
        }
    }

    @Test("the current time is an observer time only when configured")
    func currentTime() async throws {
        let options = VirtualSigstore.Options(time: Date().addingTimeInterval(-60), log: .none)
        let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: options))
        let policy = try VerificationPolicy(artifact: .data(Data(artifact)), identities: identity)
        let now = try verifier(.cosign(keyBased: false, ignoreTransparencyLog: true))
        let result = try await now.verify(bundle, policy: policy)
        #expect(result.verifiedTimes.map(\.source) == [.currentTime])
        var strict = VerifierConfiguration(transparencyLogThreshold: 0)
        strict.useCurrentTime = false
        #expect(try await refusingCheck(bundle, configuration: strict) == .timestamp)
    }
}
