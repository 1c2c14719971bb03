import Crypto
import Foundation
import SigstoreCore
import SigstoreCrypto
import SigstoreIssuing
import SigstoreModels
import SigstoreVerify
import SwiftASN1
import Testing
import X509

/// IssuingAuthority, CodeSigningCertificateIssuer and LogSigner: Fulcio-profile leaves with an embedded SCT that the
/// verifier's certificate and SCT checks accept.
@Suite("Certificates and SCTs")
struct CertificateIssuerTests {
    static let root = try! IssuingAuthority.root(subject: try! name("root"), notValidBefore: epoch, notValidAfter: tenYears)
    static let intermediate = try! root.intermediate(subject: try! name("intermediate"), notValidBefore: epoch, notValidAfter: tenYears)
    static let ctLog = LogSigner(key: P256.Signing.PrivateKey())

    static func verifier(sctThreshold: Int = 1) throws -> SigstoreVerifier {
        let ctKey = SigstoreCrypto.PublicKey(ctLog.key.publicKey)
        let trustedRoot = TrustedRoot(
            certificateAuthorities: [
                CertificateAuthority(
                    organization: "issuing-tests", commonName: "fulcio", uri: "https://fulcio.test",
                    certificateChain: [try DER.encoding(intermediate.certificate), try DER.encoding(root.certificate)],
                    validFor: TimeRange(start: epoch, end: nil))
            ],
            ctlogs: [
                TransparencyLogInstance(
                    baseURL: "https://ct.test",
                    publicKey: PublicKeyMaterial(rawBytes: ctKey.derRepresentation, keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: TimeRange(start: epoch, end: nil)),
                    logID: ctLog.logID)
            ])
        return SigstoreVerifier(
            trustMaterial: try TrustMaterial(trustedRoot: trustedRoot),
            configuration: VerifierConfiguration(signedCertificateTimestampThreshold: sctThreshold))
    }

    @Test("a leaf chains to the root at its issuing time, carries the identity, and its SCT verifies", arguments: [
        SignerIdentity.email("alice@example.com"), .uri("https://github.com/org/repo/.github/workflows/ci.yml@refs/heads/main"),
        .username("alice!example.com"),
    ])
    func leaf(identity: SignerIdentity) async throws {
        let issuer = CodeSigningCertificateIssuer(authority: Self.intermediate, ctLog: Self.ctLog)
        let key = P256.Signing.PrivateKey()
        let certificate = try issuer.issue(
            publicKey: Certificate.PublicKey(key.publicKey), identity: identity, oidcIssuer: "https://issuer.test",
            tokenSubject: "subject-1", at: signingTime)
        let leaf = try SigningCertificate(der: try DER.encoding(certificate))
        try await Self.verifier().verifySigningCertificate(leaf, at: signingTime.addingTimeInterval(599))
        switch identity {
        case .email(let e), .uri(let e), .username(let e): #expect(leaf.subjectAlternativeName == e)
        }
        #expect(leaf.issuer == "https://issuer.test")
        #expect(leaf.rawExtension(SigstoreOID.issuerV1) == "https://issuer.test")
        #expect(certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore) == 600)
        #expect(certificate.extensions[oid: .X509ExtensionID.subjectAlternativeName]?.critical == true)
        #expect(certificate.extensions[oid: SigstoreOID.fulcio(24)] != nil)
        // Ten minutes and one second later the leaf has expired.
        await #expect(throws: VerificationError(.certificate, "")) {
            try await Self.verifier().verifySigningCertificate(leaf, at: signingTime.addingTimeInterval(601))
        }
    }

    @Test("without a CT log a leaf carries no SCT, which only a verifier without an SCT threshold accepts")
    func withoutSCT() async throws {
        let issuer = CodeSigningCertificateIssuer(authority: Self.intermediate, ctLog: nil)
        let certificate = try issuer.issue(
            publicKey: Certificate.PublicKey(P256.Signing.PrivateKey().publicKey), identity: .email("a@b.test"),
            oidcIssuer: "https://issuer.test", at: signingTime)
        #expect(certificate.extensions[oid: SigstoreOID.sctList] == nil)
        let leaf = try SigningCertificate(der: try DER.encoding(certificate))
        try await Self.verifier(sctThreshold: 0).verifySigningCertificate(leaf, at: signingTime)
        await #expect(throws: VerificationError(.certificateTransparency, "")) {
            try await Self.verifier().verifySigningCertificate(leaf, at: signingTime)
        }
    }

    @Test("an SCT list round-trips through the verifier's parser, and each SCT verifies over its data")
    func sctList() throws {
        let tbs = Array("a tbs certificate".utf8)
        let issuerKeyHash = [UInt8](repeating: 9, count: 32)
        let scts = try (0..<3).map { i in
            try Self.ctLog.signedCertificateTimestamp(tbsCertificate: tbs, issuerKeyHash: issuerKeyHash, at: signingTime.addingTimeInterval(Double(i)))
        }
        let parsed = try SignedCertificateTimestamp.parseList(extensionValue: try SignedCertificateTimestamp.listExtension(scts).value)
        #expect(parsed == scts)
        let key = SigstoreCrypto.PublicKey(Self.ctLog.key.publicKey)
        for sct in parsed {
            #expect(sct.verify(signedData: sct.signedData(issuerKeyHash: issuerKeyHash, tbsCertificate: tbs), key: key))
            #expect(!sct.verify(signedData: sct.signedData(issuerKeyHash: issuerKeyHash, tbsCertificate: tbs + [0]), key: key))
        }
        #expect(parsed[0].date == signingTime)
    }

    @Test("CA certificates: critical basic constraints and key usage, key identifiers that link the chain")
    func authorities() throws {
        let root = Self.root.certificate
        let intermediate = Self.intermediate.certificate
        #expect(root.issuer == root.subject)
        #expect(intermediate.issuer == root.subject)
        #expect(root.extensions[oid: .X509ExtensionID.basicConstraints]?.critical == true)
        #expect(root.extensions[oid: .X509ExtensionID.authorityKeyIdentifier] == nil)
        #expect(try intermediate.extensions.authorityKeyIdentifier?.keyIdentifier == root.extensions.subjectKeyIdentifier?.keyIdentifier)
        #expect(try intermediate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(try intermediate.extensions.extendedKeyUsage?.contains(.codeSigning) == true)
        #expect(root.publicKey.isValidSignature(intermediate.signature, for: intermediate))
        let tsa = try Self.root.timestampingCertificate(
            subject: try name("tsa"), publicKey: P256.Signing.PrivateKey().publicKey, notValidBefore: epoch, notValidAfter: tenYears)
        #expect(tsa.extensions[oid: .X509ExtensionID.extendedKeyUsage]?.critical == true)
        #expect(try tsa.extensions.extendedKeyUsage.map(Array.init) == [.timeStamping])
    }
}
