import Foundation
import OCIRegistry
import SigstoreTesting
import Testing

@Suite("verify-blob and verify-blob-attestation with bundles and a trusted root")
struct KeylessVerifyTests {
    static let signingTime = Date(timeIntervalSince1970: 1_750_000_000)

    /// A directory with a trusted root, an artifact and bundles from a virtual Sigstore.
    static func fixture() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyless-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let sigstore = try VirtualSigstore()
        let artifact = Array("artifact for the CLI\n".utf8)
        try Data(artifact).write(to: URL(fileURLWithPath: "\(dir)/artifact.txt"))
        try Data(sigstore.trustedRootJSON()).write(to: URL(fileURLWithPath: "\(dir)/trusted_root.json"))
        let v1 = try sigstore.sign(artifact, options: .init(time: signingTime, identity: .email("dev@example.com")))
        try Data(v1).write(to: URL(fileURLWithPath: "\(dir)/v1.sigstore.json"))
        let v2 = try sigstore.sign(artifact, options: .init(time: signingTime, identity: .email("dev@example.com"), log: .rekorV2, timestamp: true))
        try Data(v2).write(to: URL(fileURLWithPath: "\(dir)/v2.sigstore.json"))
        let attestation = try sigstore.sign(artifact, options: .init(time: signingTime, identity: .email("dev@example.com"), dsse: true))
        try Data(attestation).write(to: URL(fileURLWithPath: "\(dir)/att.sigstore.json"))
        return dir
    }

    @Test("keyless bundles verify with identity flags; wrong identities and artifacts name the failed check")
    func keyless() async throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = ["verify-blob", "--trusted-root", "\(dir)/trusted_root.json", "--certificate-oidc-issuer", "https://issuer.example"]
        for bundle in ["v1", "v2"] {
            let ok = await cosign(base + ["--bundle", "\(dir)/\(bundle).sigstore.json", "--certificate-identity", "dev@example.com", "\(dir)/artifact.txt"])
            #expect(ok.status == 0, "\(bundle): \(ok.stderr)")
            #expect(ok.stderr == "Verified OK\n")
            let regexp = await cosign(base + ["--bundle", "\(dir)/\(bundle).sigstore.json", "--certificate-identity-regexp", "@example\\.com$", "\(dir)/artifact.txt"])
            #expect(regexp.status == 0, "\(bundle): \(regexp.stderr)")
        }
        let wrongIdentity = await cosign(base + ["--bundle", "\(dir)/v1.sigstore.json", "--certificate-identity", "eve@example.com", "\(dir)/artifact.txt"])
        expectOneLineError(wrongIdentity, containing: "identity check")
        #expect(wrongIdentity.stderr.contains("expected identity \"eve@example.com\", got \"dev@example.com\""))
        let wrongIssuer = await cosign([
            "verify-blob", "--trusted-root", "\(dir)/trusted_root.json", "--certificate-oidc-issuer", "https://other.example",
            "--bundle", "\(dir)/v1.sigstore.json", "--certificate-identity", "dev@example.com", "\(dir)/artifact.txt",
        ])
        expectOneLineError(wrongIssuer, containing: "expected issuer \"https://other.example\"")
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: "\(dir)/other.txt"))
        let wrongArtifact = await cosign(base + ["--bundle", "\(dir)/v1.sigstore.json", "--certificate-identity", "dev@example.com", "\(dir)/other.txt"])
        expectOneLineError(wrongArtifact, containing: "verification failed (")
        let missingIdentity = await cosign(base + ["--bundle", "\(dir)/v1.sigstore.json", "\(dir)/artifact.txt"])
        expectOneLineError(missingIdentity, containing: "--certificate-identity or --certificate-identity-regexp is required")
        let noRoot = await cosign(["verify-blob", "--bundle", "\(dir)/v1.sigstore.json", "--certificate-identity", "x", "--certificate-oidc-issuer", "y", "\(dir)/artifact.txt"])
        expectOneLineError(noRoot, containing: "--trusted-root")
        let badRegexp = await cosign(base + ["--bundle", "\(dir)/v1.sigstore.json", "--certificate-identity-regexp", "(", "\(dir)/artifact.txt"])
        expectOneLineError(badRegexp, containing: "invalid regular expression")
    }

    @Test("--allow-certificate-chain: a v0.3 bundle carrying the whole chain is refused without it and verifies with it")
    func allowCertificateChain() async throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/v1.sigstore.json"))) as? [String: Any])
        var material = try #require(object["verificationMaterial"] as? [String: Any])
        let leaf = try #require((material["certificate"] as? [String: Any]) ?? ((material["x509CertificateChain"] as? [String: Any])?["certificates"] as? [[String: Any]])?.first)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/trusted_root.json"))) as? [String: Any])
        let cas = try #require(root["certificateAuthorities"] as? [[String: Any]])
        let upper = try #require((cas.first?["certChain"] as? [String: Any])?["certificates"] as? [[String: Any]])
        material["certificate"] = nil
        material["x509CertificateChain"] = ["certificates": [leaf] + upper]
        object["verificationMaterial"] = material
        object["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.3+json"
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: "\(dir)/chain.sigstore.json"))
        let base = [
            "verify-blob", "--bundle", "\(dir)/chain.sigstore.json", "--trusted-root", "\(dir)/trusted_root.json", "--certificate-identity",
            "dev@example.com", "--certificate-oidc-issuer", "https://issuer.example",
        ]
        expectOneLineError(await cosign(base + ["\(dir)/artifact.txt"]), containing: "must carry a single certificate")
        let allowed = await cosign(base + ["--allow-certificate-chain", "\(dir)/artifact.txt"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }

    @Test("verify-blob-attestation checks the predicate type and the subject")
    func attestation() async throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = [
            "verify-blob-attestation", "--trusted-root", "\(dir)/trusted_root.json", "--bundle", "\(dir)/att.sigstore.json",
            "--certificate-identity", "dev@example.com", "--certificate-oidc-issuer", "https://issuer.example",
        ]
        let ok = await cosign(base + ["--type", "custom", "\(dir)/artifact.txt"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let byURI = await cosign(base + ["--type", "https://cosign.sigstore.dev/attestation/v1", "\(dir)/artifact.txt"])
        #expect(byURI.status == 0, "\(byURI.stderr)")
        let wrongType = await cosign(base + ["--type", "slsaprovenance1", "\(dir)/artifact.txt"])
        expectOneLineError(wrongType, containing: "invalid predicate type, expected slsaprovenance1 got https://cosign.sigstore.dev/attestation/v1")
        try Data("other".utf8).write(to: URL(fileURLWithPath: "\(dir)/other.txt"))
        let wrongSubject = await cosign(base + ["--type", "custom", "\(dir)/other.txt"])
        expectOneLineError(wrongSubject, containing: "artifact check")
        let noClaims = await cosign(base + ["--type", "custom", "--check-claims=false"])
        #expect(noClaims.status == 0, "\(noClaims.stderr)")
        let messageBundle = await cosign([
            "verify-blob-attestation", "--trusted-root", "\(dir)/trusted_root.json", "--bundle", "\(dir)/v1.sigstore.json",
            "--certificate-identity", "dev@example.com", "--certificate-oidc-issuer", "https://issuer.example", "\(dir)/artifact.txt",
        ])
        expectOneLineError(messageBundle, containing: "bundle does not contain a DSSE envelope")
    }
}

@Suite("Shared conformance vectors")
struct ConformanceVectorTests {
    @Test("every tier of ../shared/vectors passes (run-conformance.sh against the built cosign)", .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func conformance() throws {
        let vectors = try Requirement.sharedVectors()
        guard let binary = cosignBinary() else {
            Issue.record("no built cosign binary: run swift build first (or set COSIGN_BIN)")
            return
        }
        let (status, output) = try runProcess(
            "bash", [vectors.appendingPathComponent("run-conformance.sh").path], env: ["CLIENT": binary, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        let lines = output.split(separator: "\n")
        for line in lines where line.hasPrefix("FAIL") || line.hasPrefix("  tier") { print(line) }
        print(lines.last ?? "")
        #expect(status == 0)
        #expect(lines.last?.hasSuffix(" passed, 0 failed") == true, "\(lines.last ?? "")")
    }

    @Test(
        "no network access when a trusted root is given: no sockets under strace, and it verifies with no network",
        .enabled(if: Requirement.vectors.shouldRun && Requirement.tool("strace").shouldRun, "needs the shared vectors and strace"))
    func offline() throws {
        let vectors = try Requirement.sharedVectors()
        try Requirement.tool("strace").check()
        guard let binary = cosignBinary() else {
            Issue.record("no built cosign binary")
            return
        }
        let args = [
            "verify-blob", "--bundle", vectors.appendingPathComponent("cpython-release-tracker/3.12.5/bundle.sigstore.json").path,
            "--certificate-identity", "thomas@python.org", "--certificate-oidc-issuer", "https://accounts.google.com",
            "--trusted-root", vectors.appendingPathComponent("trusted_roots/public-good-production.json").path,
            "sha256:fba3a6fdbafb3dfae6afb39d3024607e0d324a5065e270c144cac0c4e892e153",
        ]
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("strace-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let (status, output) = try runProcess("strace", ["-f", "-qq", "-e", "trace=socket,connect,sendto,sendmsg", "-o", trace, binary] + args)
        if status != 0 && output.contains("PTRACE") {
            // A sandbox without ptrace: the strace half cannot run; under CI that is a failure, not a skip.
            if Requirement.isCI { Issue.record("ptrace is not permitted, so the strace half cannot run: \(output.prefix(120))") }
        } else {
            #expect(status == 0, "\(output)")
            let calls = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
            #expect(!calls.contains("AF_INET"), "socket calls: \(calls)")
            #expect(!calls.contains("connect("), "connect calls: \(calls)")
        }
        // In a network namespace with no interfaces up (root only), verification still succeeds.
        if getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") {
            let (netStatus, netOutput) = try runProcess("unshare", ["-n", binary] + args)
            #expect(netStatus == 0, "\(netOutput)")
        }
    }
}

@Suite("cosign login")
struct LoginTests {
    @Test("stores credentials in DOCKER_CONFIG/config.json (0600), keeps other content, and they are read back")
    func login() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("login-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try #"{"auths": {"other.example": {"auth": "b3RoZXI6cHc="}}, "psFormat": "table"}"#
            .write(toFile: "\(dir)/config.json", atomically: true, encoding: .utf8)
        let env = ["DOCKER_CONFIG": dir]
        let result = await cosign(["login", "127.0.0.1:5000", "-u", "alice", "-p", "s3cret"], env: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "logged in via \(dir)/config.json\n")
        #expect(!result.stderr.contains("s3cret"))
        let viaStdin = await cosign(["login", "docker.io", "-u", "bob", "--password-stdin"], env: env, stdin: "hubpw\n")
        #expect(viaStdin.status == 0, "\(viaStdin.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: "\(dir)/config.json")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let text = try String(contentsOfFile: "\(dir)/config.json", encoding: .utf8)
        #expect(text.contains("psFormat"))
        let provider = try DockerConfigCredentials(environment: env)
        #expect(try provider.credentials(for: "127.0.0.1:5000") == .init(username: "alice", password: "s3cret"))
        #expect(try provider.credentials(for: "index.docker.io") == .init(username: "bob", password: "hubpw"))
        #expect(try provider.credentials(for: "other.example") == .init(username: "other", password: "pw"))
        let noPassword = await cosign(["login", "reg.example", "-u", "x"], env: env)
        expectOneLineError(noPassword, containing: "a password is required")
        let badServer = await cosign(["login", "bad host!", "-u", "x", "-p", "secretpw"], env: env)
        expectOneLineError(badServer, containing: "invalid registry bad host!")
        #expect(!badServer.stderr.contains("secretpw"))
    }
}
