import Foundation
import Sigstore
import SigstoreCore
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing

/// What a library user gets without reading the CLI: identities that cannot be empty, and a default configuration
/// that verifies what Sigstore issues (issue 24).
@Suite("library defaults are safe and work")
struct LibraryDefaultsTests {
    @Test("an empty identity matcher or an empty identity list is refused when the policy is built")
    func emptyIdentitiesRefused() throws {
        for (exact, pattern) in [(nil, nil), ("", nil), (nil, ""), ("", "")] as [(String?, String?)] {
            #expect(throws: VerificationError(.identity, ""), "exact \(exact ?? "nil"), pattern \(pattern ?? "nil")") {
                _ = try StringMatcher(exact: exact, pattern: pattern)
            }
        }
        #expect(throws: VerificationError(.identity, "")) { _ = try VerificationPolicy(artifact: .none, identities: []) }
        #expect(try StringMatcher(exact: "a@example.com").matches("a@example.com"))
        #expect(try VerificationPolicy(artifact: .none, identities: identity).identities.count == 1)
    }

    @Test(
        "VerifierConfiguration() verifies Rekor v1 bundles (integrated time) and Rekor v2 bundles (RFC 3161 timestamp)",
        arguments: [
            (VirtualSigstore.Log.rekorV1, false), (.rekorV1, true), (.rekorV2, true),
        ])
    func defaultConfigurationVerifies(log: VirtualSigstore.Log, timestamp: Bool) async throws {
        let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: .init(time: signingTime, log: log, timestamp: timestamp)))
        let result = try await verifier(VerifierConfiguration())
            .verify(bundle, policy: try VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
        #expect(result.subjectAlternativeName == "signer@example.com")
        #expect(!result.verifiedTimes.isEmpty)
    }

    @Test("a Rekor v2 bundle without a timestamp is refused by the default configuration, naming what is missing")
    func noObserverTimestamp() async throws {
        let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: .init(time: signingTime, log: .rekorV2, timestamp: false)))
        do {
            _ = try await verifier(VerifierConfiguration()).verify(bundle, policy: try VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
            Issue.record("a bundle with no observer timestamp verified")
        } catch let error as VerificationError {
            #expect(error == VerificationError(.timestamp, ""))
            #expect(error.message.contains("observer timestamps"), "\(error.message)")
        }
    }

    @Test(
        "VerifierConfiguration() verifies real bundles: the CPython 3.12.5 release (Rekor v1) and a Rekor v2 conformance bundle",
        .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func defaultConfigurationOnRealBundles() async throws {
        let vectors = try Requirement.sharedVectors()
        func check(bundle: String, root: String, digest: String, san: String, issuer: String) async throws {
            let verifier = SigstoreVerifier(
                trustMaterial: try TrustMaterial(jsonData: Array(try Data(contentsOf: vectors.appendingPathComponent(root)))),
                configuration: VerifierConfiguration())
            let parsed = try SigstoreBundle(jsonData: Array(try Data(contentsOf: vectors.appendingPathComponent(bundle))))
            let policy = try VerificationPolicy(
                artifact: .digest(try ArtifactDigest(parsing: digest)),
                identities: [CertificateIdentity(subjectAlternativeName: try StringMatcher(exact: san), issuer: try StringMatcher(exact: issuer))])
            let result = try await verifier.verify(parsed, policy: policy)
            #expect(result.subjectAlternativeName == san)
        }
        try await check(
            bundle: "cpython-release-tracker/3.12.5/bundle.sigstore.json", root: "trusted_roots/public-good-production.json",
            digest: "sha256:fba3a6fdbafb3dfae6afb39d3024607e0d324a5065e270c144cac0c4e892e153", san: "thomas@python.org",
            issuer: "https://accounts.google.com")
        try await check(
            bundle: "conformance/bundle-verify/rekor2-checkpoint-cosigned/bundle.sigstore.json",
            root: "conformance/bundle-verify/rekor2-checkpoint-cosigned/trusted_root.json",
            digest: "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf",
            san: "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
            issuer: "https://token.actions.githubusercontent.com")
    }

    static let beaconBundle = "conformance/bundle-verify/rekor2-checkpoint-cosigned/bundle.sigstore.json"
    static let beaconRoot = "conformance/bundle-verify/rekor2-checkpoint-cosigned/trusted_root.json"
    static let beacon = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon"

    @Test(
        "the one-call API: the beacon's Rekor v2 bundle verifies, its Fulcio extensions read by name; an empty identity is refused",
        .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func oneCall() async throws {
        let vectors = try Requirement.sharedVectors()
        let verifier = SigstoreVerifier(trustMaterial: try TrustMaterial(contentsOf: vectors.appendingPathComponent(Self.beaconRoot).path))
        let bundle = vectors.appendingPathComponent(Self.beaconBundle).path
        let digest = ArtifactInput.digest(try ArtifactDigest(parsing: "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"))
        let workflow = Self.beacon + "/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
        let issuer = "https://token.actions.githubusercontent.com"
        let result = try await verifier.verify(bundleAt: bundle, artifact: digest, identity: workflow, issuer: issuer)
        let extensions = try #require(result.certificate?.fulcioExtensions)
        #expect(extensions.issuer == issuer)
        #expect(extensions.sourceRepositoryURI == Self.beacon)
        #expect(extensions.sourceRepositoryRef == "refs/heads/main")
        #expect(extensions.sourceRepositoryDigest == "9739798945b2a848e911bcf1dddb97298cade0b1")
        #expect(extensions.sourceRepositoryIdentifier == "632596897")
        #expect(extensions.sourceRepositoryOwnerURI == "https://github.com/sigstore-conformance")
        #expect(extensions.sourceRepositoryOwnerIdentifier == "131804563")
        #expect(extensions.buildSignerURI == workflow && extensions.buildConfigURI == workflow)
        #expect(extensions.buildSignerDigest == "9739798945b2a848e911bcf1dddb97298cade0b1")
        #expect(extensions.runnerEnvironment == "github-hosted")
        #expect(extensions.buildTrigger == "workflow_dispatch")
        #expect(extensions.runInvocationURI == Self.beacon + "/actions/runs/15609877086/attempts/1")
        #expect(extensions.sourceRepositoryVisibilityAtSigning == "public")
        #expect(extensions.githubWorkflowRepository == "sigstore-conformance/extremely-dangerous-public-oidc-beacon")
        #expect(extensions.githubWorkflowName == "Extremely dangerous OIDC beacon")
        #expect(extensions.githubWorkflowTrigger == "workflow_dispatch")
        #expect(extensions.githubWorkflowSHA == "9739798945b2a848e911bcf1dddb97298cade0b1")
        #expect(extensions.githubWorkflowRef == "refs/heads/main")
        await #expect(throws: VerificationError(.identity, "")) {
            _ = try await verifier.verify(bundleAt: bundle, artifact: digest, identity: "", issuer: issuer)
        }
        await #expect(throws: VerificationError(.identity, "")) {
            _ = try await verifier.verify(bundleAt: bundle, artifact: digest, identity: workflow + "x", issuer: issuer)
        }
    }

    @Test(
        "the README's example program (Examples/verify-bundle) verifies the CPython release and refuses an empty or wrong identity",
        .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func exampleProgram() throws {
        let vectors = try Requirement.sharedVectors()
        let binary = try #require(Self.exampleBinary, "build the example first: swift build --build-tests")
        let common = [
            vectors.appendingPathComponent("trusted_roots/public-good-production.json").path,
            vectors.appendingPathComponent("cpython-release-tracker/3.12.5/bundle.sigstore.json").path,
            "sha256:fba3a6fdbafb3dfae6afb39d3024607e0d324a5065e270c144cac0c4e892e153",
        ]
        func run(_ identity: String) throws -> (Int32, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = common + [identity, "https://accounts.google.com"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: output, as: UTF8.self))
        }
        let good = try run("thomas@python.org")
        #expect(good == (0, "verified: signed by thomas@python.org (issuer https://accounts.google.com)\n"))
        let empty = try run("")
        #expect(empty.0 == 1 && empty.1.contains("an identity matcher needs a non-empty exact value"), "\(empty.1)")
        let wrong = try run("hugo@python.org")
        #expect(wrong.0 == 1 && wrong.1.contains("none of the expected identities matched"), "\(wrong.1)")
    }

    @Test("the signing example (Examples/sign-blob, one import of SigstoreSigning) writes a bundle its public key verifies, and not for another file")
    func signingExample() async throws {
        let binary = try #require(Self.exampleBinary(named: "sign-blob-example"), "build the example first: swift build --build-tests")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sign-example-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let artifact = Array("signed by the example\n".utf8)
        try Data(artifact).write(to: URL(fileURLWithPath: dir + "/a.txt"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [dir + "/a.txt", dir + "/a.sigstore.json", dir + "/a.pub"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && output.hasPrefix("signed and verified"), "\(output)")
        let key = try PublicKey(pemEncoded: try String(contentsOfFile: dir + "/a.pub", encoding: .utf8))
        let bundle = try SigstoreBundle(jsonData: Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/a.sigstore.json"))))
        let verifier = SigstoreVerifier(trustMaterial: TrustMaterial(), configuration: .cosign(keyBased: true, ignoreTransparencyLog: true))
        _ = try await verifier.verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), publicKey: key))
        await #expect(throws: VerificationError.self) {
            _ = try await verifier.verify(bundle, policy: VerificationPolicy(artifact: .data(Data("another file".utf8)), publicKey: key))
        }
    }

    /// The example built beside the tests (`swift build --build-tests` builds every target).
    static var exampleBinary: String? { exampleBinary(named: "verify-bundle-example") }

    static func exampleBinary(named name: String) -> String? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for candidate in [".build/debug/\(name)", ".build/x86_64-unknown-linux-gnu/debug/\(name)", ".build/aarch64-unknown-linux-gnu/debug/\(name)"] {
            let path = root.appendingPathComponent(candidate).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
