import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing

/// SigstoreVerifier+Certificate: the chain to a trusted CA at every verified time, under Fulcio's profile.
@Suite("Signing certificates")
struct CertificateTests {
    @Test(
        "an untrusted CA, a leaf without code signing, or evidence after expiry is refused",
        arguments: [
            FaultCase(fault: .untrustedCertificateAuthority, check: .certificate),
            FaultCase(fault: .leafWithoutCodeSigning, check: .certificate),
            FaultCase(fault: .integratedAfterCertificateExpiry, check: .certificate),
            FaultCase(fault: .timestampAfterCertificateExpiry, check: .certificate, log: .rekorV2, timestamp: true),
        ])
    func refused(_ fault: FaultCase) async throws {
        try await fault.expectRefused()
    }

    @Test("certificates are checked at the verified time, not now")
    func verifiedTimeNotNow() async throws {
        // The certificate expired long ago (10 minutes after signing); the log's time still vouches for it.
        let options = VirtualSigstore.Options(time: Date(timeIntervalSince1970: 1_710_000_000))
        _ = try await verify(options)
        // With the current time as the only observer (ignoring the log), the expired certificate is refused.
        let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: options))
        let now = try verifier(.cosign(keyBased: false, ignoreTransparencyLog: true))
        await #expect(throws: VerificationError(.certificate, "")) {
            try await now.verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
        }
    }

    @Test("the certificate authority is trusted only inside its validity window (bounds inclusive)")
    func validityWindow() async throws {
        try await expectValidityWindow(service: "fulcio", log: .rekorV1, timestamp: false, used: 1, check: .certificate)
    }

    @Test("verifySigningCertificate checks a fresh certificate's chain and SCTs before a signer uses it")
    func signingCertificate() async throws {
        func leaf(_ faults: Set<VirtualSigstore.Fault>) throws -> SigningCertificate {
            let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: .init(time: signingTime, faults: faults)))
            guard case .certificate(let der) = bundle.verificationMaterial.signer else { throw VerificationError(.bundle, "no certificate") }
            return try SigningCertificate(der: der.bytes)
        }
        let verifier = try verifier(cosignConfiguration(signedTimestamps: false))
        try await verifier.verifySigningCertificate(try leaf([]), at: signingTime)
        await #expect(throws: VerificationError(.certificate, "")) {
            try await verifier.verifySigningCertificate(try leaf([]), at: signingTime.addingTimeInterval(3600))
        }
        await #expect(throws: VerificationError(.certificate, "")) {
            try await verifier.verifySigningCertificate(try leaf([.untrustedCertificateAuthority]), at: signingTime)
        }
        await #expect(throws: VerificationError(.certificateTransparency, "")) {
            try await verifier.verifySigningCertificate(try leaf([.noSCT]), at: signingTime)
        }
    }

    @Test("a certificate that is not X.509 is refused as such", arguments: [[0x30, 0x00], [0x01, 0x02, 0x03]] as [[UInt8]])
    func notACertificate(der: [UInt8]) {
        #expect(throws: VerificationError(.certificate, "")) { try SigningCertificate(der: der) }
    }
}
