import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing

/// SigstoreVerifier+Identity: the certificate's SAN and OIDC issuer against the expected identities.
@Suite("Certificate identities")
struct IdentityTests {
    @Test("a certificate for another identity is refused", arguments: [FaultCase(fault: .otherIdentity, check: .identity)])
    func refused(_ fault: FaultCase) async throws {
        try await fault.expectRefused()
    }

    @Test("a URI identity matches by regular expression, unanchored as Go's MatchString")
    func uriIdentity() async throws {
        let options = VirtualSigstore.Options(
            time: signingTime, identity: .uri("https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main"))
        let byRegex = [
            CertificateIdentity(
                subjectAlternativeName: try StringMatcher(pattern: "github.com/org/repo/"),
                issuer: try StringMatcher(pattern: "^https://issuer\\.example$"))
        ]
        let result = try await verify(options, identities: byRegex)
        #expect(result.subjectAlternativeName?.hasPrefix("https://github.com/org/repo/") == true)
        let wrong = [
            CertificateIdentity(
                subjectAlternativeName: try StringMatcher(pattern: "^github"), issuer: try StringMatcher(pattern: "."))
        ]
        await #expect(throws: VerificationError(.identity, "")) { try await verify(options, identities: wrong) }
    }

    @Test(
        "the SAN and the issuer must both match one expected identity",
        arguments: [
            ("signer@example.com", "https://other.example"), ("other@example.com", "https://issuer.example"),
            ("SIGNER@example.com", "https://issuer.example"),
        ])
    func mismatch(san: String, issuer: String) async throws {
        let expected = [CertificateIdentity(subjectAlternativeName: try StringMatcher(exact: san), issuer: try StringMatcher(exact: issuer))]
        await #expect(throws: VerificationError(.identity, "")) { try await verify(.init(time: signingTime), identities: expected) }
    }

    @Test("any one of several identities may match; none at all is refused")
    func several() async throws {
        let other = CertificateIdentity(
            subjectAlternativeName: try StringMatcher(exact: "other@example.com"), issuer: try StringMatcher(exact: "https://issuer.example"))
        _ = try await verify(.init(time: signingTime), identities: [other] + identity)
        await #expect(throws: VerificationError(.identity, "")) { try await verify(.init(time: signingTime), identities: []) }
    }
}
