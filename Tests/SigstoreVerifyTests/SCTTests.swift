import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing

/// SigstoreVerifier+SCT: embedded SCTs from trusted CT logs, over the rebuilt precertificate.
@Suite("Signed certificate timestamps")
struct SCTTests {
    @Test(
        "an SCT from an untrusted log, over another certificate, or none at all is refused",
        arguments: [
            FaultCase(fault: .sctFromUntrustedLog, check: .certificateTransparency),
            FaultCase(fault: .sctOverOtherCertificate, check: .certificateTransparency),
            FaultCase(fault: .noSCT, check: .certificateTransparency),
        ])
    func refused(_ fault: FaultCase) async throws {
        try await fault.expectRefused()
    }

    @Test("without an SCT threshold (cosign --insecure-ignore-sct) a leaf without SCTs verifies")
    func ignored() async throws {
        let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: .init(time: signingTime, faults: [.noSCT])))
        let verifier = try verifier(.cosign(keyBased: false, ignoreSCT: true))
        _ = try await verifier.verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
    }

    @Test("the CT log is trusted only inside its validity window (bounds inclusive)")
    func validityWindow() async throws {
        try await expectValidityWindow(service: "ctlog", log: .rekorV1, timestamp: false, used: 0, check: .certificateTransparency)
    }

    @Test(
        "malformed SCT lists are refused",
        arguments: [
            [0x04, 0x00], [0x04, 0x02, 0x00, 0x05], [0x04, 0x04, 0x00, 0x02, 0x00, 0x01], [0x30, 0x00],
            [0x04, 0x06, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00],
        ] as [[UInt8]])
    func malformedList(value: [UInt8]) {
        #expect(throws: VerificationError(.certificateTransparency, "")) {
            try SignedCertificateTimestamp.parseList(extensionValue: value)
        }
    }
}
