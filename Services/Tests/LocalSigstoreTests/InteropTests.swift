import Foundation
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify
import SigstoreTesting
import Testing
import SigstoreJSON

/// sigstore-python (PyPI `sigstore`) signs against the stack, verifies offline, and our verifier accepts its bundles.
// Needs sigstore-python (PyPI `sigstore`): skipped where it is missing, a failure under CI=true.
@Suite(
    "sigstore-python against sigstore-local", .serialized,
    .enabled(if: Requirement.pythonModules("sigstore").shouldRun, "needs \(Requirement.pythonModules("sigstore"))"))
struct InteropTests {
    static let email = "alice@example.com"

    static func sigstore(_ arguments: [String], trustConfig: String) throws -> (status: Int32, output: String) {
        try Requirement.pythonModules("sigstore").check()
        return try shell(["python3", "-m", "sigstore", "--trust-config", trustConfig] + arguments)
    }

    static func token(_ stack: StackProcess, email: String = email, extra: [String] = []) throws -> String {
        try run(Paths.binary, ["token", "--data-dir", stack.dataDirectory, "--email", email] + extra).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Verifies `bundle` over `artifact` with SigstoreVerify and cosign's keyless options.
    static func verifyWithOurs(bundle path: String, artifact: [UInt8], stack: StackProcess, v2: Bool) async throws {
        let root = try TrustedRoot(jsonData: Array(try Data(contentsOf: URL(fileURLWithPath: stack.dataDirectory + "/trusted_root.json"))))
        let verifier = SigstoreVerifier(
            trustMaterial: try TrustMaterial(trustedRoot: root),
            configuration: .cosign(keyBased: false, useSignedTimestamps: v2))
        let bundle = try SigstoreBundle(jsonData: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let identity = CertificateIdentity(
            subjectAlternativeName: try StringMatcher(exact: email), issuer: try StringMatcher(exact: stack["oidc"]))
        _ = try await verifier.verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), identities: [identity]))
    }

    @Test("sign and attest a blob with Rekor v1 and v2; verify offline with sigstore-python and SigstoreVerify")
    func signAndAttest() async throws {
        let tmp = try TemporaryDirectory()
        let stack = try StackProcess(dataDirectory: tmp.path + "/data")
        defer { stack.stop() }
        let trust = stack.dataDirectory + "/trust_config.json"
        let artifact = Array("an artifact signed against sigstore-local\n".utf8)
        let artifactPath = tmp.path + "/artifact.txt"
        try Data(artifact).write(to: URL(fileURLWithPath: artifactPath))
        let predicate = tmp.path + "/predicate.json"
        try Data(#"{"buildDefinition":{"buildType":"https://example.com/build/v1","externalParameters":{}},"runDetails":{"builder":{"id":"https://example.com/builder"}}}"#.utf8)
            .write(to: URL(fileURLWithPath: predicate))
        let token = try Self.token(stack)
        for version in ["1", "2"] {
            let signed = tmp.path + "/sign.v\(version).json"
            let attested = tmp.path + "/attest.v\(version).json"
            let sign = try Self.sigstore(
                ["sign", "--identity-token", token, "--rekor-version", version, "--bundle", signed, artifactPath], trustConfig: trust)
            #expect(sign.status == 0, "sigstore sign (Rekor v\(version)): \(sign.output)")
            let attest = try Self.sigstore(
                ["attest", "--identity-token", token, "--rekor-version", version, "--predicate", predicate,
                 "--predicate-type", "https://slsa.dev/provenance/v1", "--bundle", attested, artifactPath], trustConfig: trust)
            #expect(attest.status == 0, "sigstore attest (Rekor v\(version)): \(attest.output)")
            for bundle in [signed, attested] {
                let verify = try Self.sigstore(
                    ["verify", "identity", "--offline", "--bundle", bundle, "--cert-identity", Self.email,
                     "--cert-oidc-issuer", stack["oidc"], artifactPath], trustConfig: trust)
                #expect(verify.status == 0 && verify.output.contains("OK: "), "sigstore verify \(bundle): \(verify.output)")
                try await Self.verifyWithOurs(bundle: bundle, artifact: artifact, stack: stack, v2: version == "2")
                let json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: bundle))))
                let entry = json["verificationMaterial"]?["tlogEntries"]?.array.first
                #expect(entry?["kindVersion"]?["version"]?.string == (version == "1" ? "0.0.1" : "0.0.2"))
            }
            // The wrong identity is refused by both verifiers.
            let wrong = try Self.sigstore(
                ["verify", "identity", "--offline", "--bundle", signed, "--cert-identity", "mallory@example.com",
                 "--cert-oidc-issuer", stack["oidc"], artifactPath], trustConfig: trust)
            #expect(wrong.status != 0)
            await #expect(throws: (any Error).self) {
                try await Self.verifyWithOurs(bundle: signed, artifact: Array("another artifact".utf8), stack: stack, v2: version == "2")
            }
        }
    }

    @Test("a URI subject without email becomes a URI SAN")
    func uriIdentity() async throws {
        let tmp = try TemporaryDirectory()
        let stack = try StackProcess(dataDirectory: tmp.path + "/data")
        defer { stack.stop() }
        let artifactPath = tmp.path + "/a.txt"
        try Data("x".utf8).write(to: URL(fileURLWithPath: artifactPath))
        let subject = "https://ci.example.com/workflows/release"
        let token = try run(Paths.binary, ["token", "--data-dir", stack.dataDirectory, "--subject", subject]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let trust = stack.dataDirectory + "/trust_config.json"
        let bundle = tmp.path + "/a.json"
        let sign = try Self.sigstore(["sign", "--identity-token", token, "--rekor-version", "1", "--bundle", bundle, artifactPath], trustConfig: trust)
        #expect(sign.status == 0, "\(sign.output)")
        let verify = try Self.sigstore(
            ["verify", "identity", "--offline", "--bundle", bundle, "--cert-identity", subject, "--cert-oidc-issuer", stack["oidc"], artifactPath],
            trustConfig: trust)
        #expect(verify.status == 0, "\(verify.output)")
    }
}
