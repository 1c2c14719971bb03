import AsyncHTTPClient
import Foundation
import HTTPTypes
import JWTKit
@testable import LocalSigstore
import SigstoreIssuing
import SigstoreJSON
import SigstoreVerify
import SwiftASN1
import Testing
import X509

/// Fulcio's issuer configuration and CI identities (issue 19): GitHub Actions and GitLab CI claims become the SAN and
/// extensions 1.3.6.1.4.1.57264.1.2–.1.23 exactly as Fulcio writes them.
@Suite("CI identities: Fulcio's issuer configuration and its GitHub/GitLab claim mapping")
struct CIIdentityTests {
    static func claims(_ pairs: [String: String]) -> IdentityClaims {
        IdentityClaims(issuer: "https://token.actions.githubusercontent.com", subject: pairs["sub"] ?? "", audience: "sigstore", issuedAt: Date(), expires: Date() + 600, email: nil)
    }

    static func payload(_ pairs: [(String, String)]) -> OrderedJSON { .object(pairs.map { ($0.0, .string($0.1)) }) }

    static func identity(_ type: IssuerConfiguration.IssuerType, _ pairs: [(String, String)], provider: String? = nil) async throws -> VerifiedIdentity {
        let issuer = IssuerConfiguration.Issuer(issuerURL: "https://issuer.example", type: type, ciProvider: provider)
        let verifier = IdentityTokenVerifier(configuration: { IssuerConfiguration() }, http: .shared, now: { Date() })
        let sub = pairs.first { $0.0 == "sub" }?.1 ?? ""
        return try await verifier.identity(issuer: issuer, claims: claims(["sub": sub]), payload: payload(pairs))
    }

    /// Fulcio's `TestAPIWithCiProvider` (pkg/server/grpc_server_test.go): these claims, its expected SAN and extensions.
    static let githubClaims: [(String, String)] = [
        ("sub", "repo:sigstore/fulcio:ref:refs/heads/main"), ("job_workflow_ref", "job/workflow/ref"), ("sha", "sha"), ("event_name", "trigger"),
        ("repository", "sigstore/fulcio"), ("workflow", "workflow"), ("ref", "refs/heads/main"), ("job_workflow_sha", "example-sha"),
        ("runner_environment", "cloud-hosted"), ("repository_id", "12345"), ("repository_owner", "username"), ("repository_owner_id", "345"),
        ("repository_visibility", "public"), ("workflow_ref", "sigstore/other/.github/workflows/foo.yaml@refs/heads/main"),
        ("workflow_sha", "example-sha-other"), ("run_id", "42"), ("run_attempt", "1"), ("environment", "production"),
    ]
    static let githubExpected: [Int: String] = [
        2: "trigger", 3: "sha", 4: "workflow", 5: "sigstore/fulcio", 6: "refs/heads/main",
        9: "https://github.com/job/workflow/ref", 10: "example-sha", 11: "cloud-hosted", 12: "https://github.com/sigstore/fulcio", 13: "sha",
        14: "refs/heads/main", 15: "12345", 16: "https://github.com/username", 17: "345",
        18: "https://github.com/sigstore/other/.github/workflows/foo.yaml@refs/heads/main", 19: "example-sha-other", 20: "trigger",
        21: "https://github.com/sigstore/fulcio/actions/runs/42/attempts/1", 22: "public", 23: "production",
    ]

    @Test("GitHub Actions claims: the SAN and every extension Fulcio's own test expects, for github-workflow and ci-provider alike")
    func github() async throws {
        for (type, provider) in [(IssuerConfiguration.IssuerType.githubWorkflow, nil), (.ciProvider, "github-workflow")] {
            let identity = try await Self.identity(type, Self.githubClaims, provider: provider)
            #expect(identity.identity == .uri("https://github.com/job/workflow/ref"))
            #expect(identity.challenge == "repo:sigstore/fulcio:ref:refs/heads/main")
            #expect(identity.claimExtensions.filter { !$0.value.isEmpty } == Self.githubExpected, "\(type)")
        }
        // Without `environment`, no 1.23 (the default is empty, which Fulcio leaves out).
        let noEnvironment = try await Self.identity(.githubWorkflow, Self.githubClaims.filter { $0.0 != "environment" })
        #expect(noEnvironment.claimExtensions[23, default: ""].isEmpty)
    }

    @Test("GitLab CI claims: Fulcio's TestAPIWithGitLab expectations, the ref_type template, and a tag")
    func gitlab() async throws {
        let sha = "714a629c0b401fdce83e847fc9589983fc6f46bc"
        var claims: [(String, String)] = [
            ("sub", "project_path:cpanato/testing-cosign:ref_type:branch:ref:main"), ("project_path", "cpanato/testing-cosign"),
            ("project_id", "42831435"), ("pipeline_source", "push"), ("pipeline_id", "757451528"),
            ("ci_config_ref_uri", "gitlab.com/cpanato/testing-cosign//.gitlab-ci.yml@refs/heads/main"), ("ci_config_sha", sha), ("sha", sha),
            ("namespace_path", "cpanato"), ("namespace_id", "1730270"), ("job_id", "3659681386"), ("ref", "main"), ("ref_type", "branch"),
            ("runner_id", "1"), ("runner_environment", "gitlab-hosted"), ("project_visibility", "public"),
        ]
        let identity = try await Self.identity(.gitlabPipeline, claims)
        let config = "https://gitlab.com/cpanato/testing-cosign//.gitlab-ci.yml@refs/heads/main"
        #expect(identity.identity == .uri(config))
        #expect(identity.claimExtensions.filter { !$0.value.isEmpty } == [
            9: config, 10: sha, 11: "gitlab-hosted", 12: "https://gitlab.com/cpanato/testing-cosign", 13: sha, 14: "refs/heads/main",
            15: "42831435", 16: "https://gitlab.com/cpanato", 17: "1730270", 18: config, 19: sha, 20: "push",
            21: "https://gitlab.com/cpanato/testing-cosign/-/jobs/3659681386", 22: "public",
        ])
        claims.removeAll { $0.0 == "ref_type" || $0.0 == "ref" }
        claims += [("ref_type", "tag"), ("ref", "v1.0")]
        #expect(try await Self.identity(.gitlabPipeline, claims).claimExtensions[14] == "refs/tags/v1.0")
    }

    @Test("a token without a required claim is refused with Fulcio's message; a ci-provider template names the missing key")
    func missingClaims() async throws {
        let withoutRepository = Self.githubClaims.filter { $0.0 != "repository" }
        await #expect { try await Self.identity(.githubWorkflow, withoutRepository) } throws: { error in
            (error as? ServiceError)?.status == .unauthorized && "\(error)".contains("missing repository claim in ID token")
        }
        let withoutRunID = Self.githubClaims.filter { $0.0 != "run_id" }
        await #expect { try await Self.identity(.ciProvider, withoutRunID, provider: "github-workflow") } throws: { error in
            (error as? ServiceError)?.status == .badRequest && "\(error)".contains("map has no entry for key \"run_id\"")
        }
    }

    @Test("the issuer configuration file: Fulcio's JSON shape, meta issuers; each mistake names the line and the field")
    func configurationFile() throws {
        let good = """
            {
              "OIDCIssuers": {
                "https://token.actions.githubusercontent.com": {"IssuerURL": "https://token.actions.githubusercontent.com", "ClientID": "sigstore", "Type": "github-workflow"},
                "https://ci.example.com": {"IssuerURL": "https://ci.example.com", "ClientID": "sigstore", "Type": "uri", "SubjectDomain": "https://ci.example.com"}
              },
              "MetaIssuers": {
                "https://oidc.eks.*.amazonaws.com/id/*": {"ClientID": "sigstore", "Type": "kubernetes"}
              }
            }
            """
        let config = try IssuerConfiguration(json: Array(good.utf8), path: "issuers.json")
        #expect(config.issuer(for: "https://token.actions.githubusercontent.com")?.type == .githubWorkflow)
        #expect(config.issuer(for: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF")?.type == .kubernetes)
        #expect(config.issuer(for: "https://oidc.eks.eu-west-1.amazonaws.com/id/AB/CD") == nil)
        #expect(config.issuer(for: "https://elsewhere.example") == nil)

        func refusal(_ text: String) -> String {
            do {
                _ = try IssuerConfiguration(json: Array(text.utf8), path: "issuers.json")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal("{\n  \"OIDCIssuers\": {\n    \"https://a.example\": {\"Type\": \"emial\"}\n  }\n}").contains("issuers.json:3: OIDCIssuers[\"https://a.example\"]: unknown Type emial"))
        #expect(refusal("{\n  \"OIDCIssuers\": {\n    \"https://a.example\": {\n      \"Type\": \"email\",\n      \"ClientId\": 7\n    }\n  }\n}").contains("issuers.json:5: OIDCIssuers[\"https://a.example\"]: ClientId must be a string"))
        #expect(refusal("{\n  \"OIDCIssuers\": {\n    \"https://a.example\": {\"Type\": \"email\", \"Clientid\": \"x\", \"Audience\": \"y\"}\n  }\n}").contains("issuers.json:3: OIDCIssuers[\"https://a.example\"]: unknown field Audience"))
        #expect(refusal("{\n  \"OIDCIssuers\": {\n    \"https://a.example\": {\"Type\": \"uri\"}\n  }\n}").contains("uri issuer must have SubjectDomain set"))
        #expect(refusal("{\"OIDCIssuers\": {\"https://a.example\": {\"Type\": \"uri\", \"SubjectDomain\": \"https://b.other\"}}}").contains("hostname top-level and second-level domains do not match"))
        #expect(refusal("{\"OIDCIssuers\": {\"https://a.example\": {\"Type\": \"ci-provider\", \"CIProvider\": \"jenkins\"}}}").contains("unknown CIProvider jenkins"))
        #expect(refusal("{\"OIDCIssuers\": {\"https://a.example\": {\"Type\": \"username\", \"SubjectDomain\": \"https://a.example\"}}}").contains("SubjectDomain for username should not contain scheme"))
        #expect(refusal("{\"OIDCIssuers\": {\"https://a.example\": {\"Type\": \"buildkite-job\"}}}").contains("Type buildkite-job is not supported"))
        #expect(refusal("{\n  \"OIDCIssuers\": {\n    \"https://a.example\": {\"Type\": \"email\"},\n  }\n}").contains("issuers.json:4: not valid JSON"))
        #expect(refusal("{\"Issuers\": {}}").contains("unknown field Issuers"))
    }

    @Test("Go-template subset: claims, if eq / else / end; unsupported actions are refused")
    func templates() throws {
        #expect(try CITemplates.render("{{ .url }}/{{ .a }}", ["url": "https://x", "a": "b"]) == "https://x/b")
        let ref = #"refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}"#
        #expect(try CITemplates.render(ref, ["ref_type": "branch", "ref": "main"]) == "refs/heads/main")
        #expect(try CITemplates.render(ref, ["ref_type": "tag", "ref": "v1"]) == "refs/tags/v1")
        #expect(throws: CITemplates.TemplateError.self) { try CITemplates.render("{{ printf \"%s\" .a }}", ["a": "b"]) }
        #expect(throws: CITemplates.TemplateError.self) { try CITemplates.render("missing", [:]) }
    }

    @Test("GitHub Actions and GitLab CI end to end: the development issuer's CI tokens, keyless sign-blob, verify-blob with the workflow flags; a wrong repository is refused; a token without its claims gets 401")
    func endToEnd() async throws {
        let f = try KeylessFixture()
        let workflow = "octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main"
        func token(_ arguments: [String]) throws -> String {
            try run(Paths.binary, ["token", "--data-dir", f.data] + arguments).output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let blob = try f.write("artifact.txt", "built by a workflow\n")
        let bundle = f.dir + "/github.sigstore.json"
        let sign = try CosignBinary.run(
            ["sign-blob", "-y", "--identity-token", try token(["--github-workflow", workflow]), "--bundle", bundle, blob] + f.urlFlags(tsa: false))
        #expect(sign.status == 0, "sign-blob: \(sign.output)")
        let github = f.issuer + "/github"
        let base = ["verify-blob", "--bundle", bundle, "--trusted-root", f.data + "/trusted_root.json", "--certificate-oidc-issuer", github]
        let ok = try CosignBinary.run(base + [
            "--certificate-identity-regexp", "^https://github.com/octo-org/octo-repo/", "--certificate-github-workflow-repository", "octo-org/octo-repo",
            "--certificate-github-workflow-ref", "refs/heads/main", "--certificate-github-workflow-trigger", "push",
            "--certificate-github-workflow-name", "release", blob,
        ])
        #expect(ok.status == 0 && ok.stderr.contains("Verified OK"), "verify-blob: \(ok.output)")
        let exact = try CosignBinary.run(base + ["--certificate-identity", "https://github.com/" + workflow, blob])
        #expect(exact.status == 0, "\(exact.output)")
        let wrongRepository = try CosignBinary.run(base + [
            "--certificate-identity-regexp", ".*", "--certificate-github-workflow-repository", "octo-org/other-repo", blob,
        ])
        #expect(wrongRepository.status != 0, "\(wrongRepository.output)")
        let wrongTrigger = try CosignBinary.run(base + ["--certificate-identity-regexp", ".*", "--certificate-github-workflow-trigger", "pull_request", blob])
        #expect(wrongTrigger.status != 0, "\(wrongTrigger.output)")
        let wrongIssuer = try CosignBinary.run(
            ["verify-blob", "--bundle", bundle, "--trusted-root", f.data + "/trusted_root.json", "--certificate-oidc-issuer", f.issuer,
             "--certificate-identity-regexp", ".*", blob])
        #expect(wrongIssuer.status != 0, "\(wrongIssuer.output)")

        // The certificate carries what Fulcio writes for these claims.
        let json = try f.json(bundle)
        let material = try #require(json["verificationMaterial"] as? [String: Any])
        let raw = try #require((material["certificate"] as? [String: Any])?["rawBytes"] as? String)
        let certificate = try Certificate(derEncoded: Array(try #require(Data(base64Encoded: raw))))
        func extensionText(_ arc: UInt) throws -> String? {
            guard let ext = certificate.extensions[oid: [1, 3, 6, 1, 4, 1, 57264, 1, arc]] else { return nil }
            if arc <= 6 { return String(decoding: ext.value, as: UTF8.self) }
            return String(try ASN1UTF8String(derEncoded: ext.value))
        }
        #expect(try extensionText(5) == "octo-org/octo-repo")
        #expect(try extensionText(8) == github)
        #expect(try extensionText(9) == "https://github.com/" + workflow)
        #expect(try extensionText(12) == "https://github.com/octo-org/octo-repo")
        #expect(try extensionText(14) == "refs/heads/main")
        #expect(try extensionText(20) == "push")
        #expect(try extensionText(22) == "public")
        #expect(try extensionText(23) == nil)

        // A token from the GitHub issuer without `repository`: Fulcio answers 401 naming the claim.
        let partial = try token(["--github-workflow", workflow, "--without-claim", "repository"])
        let reply = try await HTTP.post(
            f.stack["fulcio"] + "/api/v2/signingCert",
            json: #"{"credentials":{"oidcIdentityToken":"\#(partial)"},"publicKeyRequest":{"publicKey":{"content":"x"},"proofOfPossession":"eA=="}}"#)
        #expect(reply.status == 401 && reply.text.contains("missing repository claim in ID token"), "\(reply.status) \(reply.text)")
        let refused = try CosignBinary.run(["sign-blob", "-y", "--identity-token", partial, "--bundle", f.dir + "/x.json", blob] + f.urlFlags(tsa: false))
        #expect(refused.status != 0 && refused.output.contains("missing repository claim"), "\(refused.output)")

        // GitLab CI.
        let gitlabBundle = f.dir + "/gitlab.sigstore.json"
        let gitlabSign = try CosignBinary.run(
            ["sign-blob", "-y", "--identity-token", try token(["--gitlab-project", "group/project", "--gitlab-ref", "main"]), "--bundle", gitlabBundle, blob]
                + f.urlFlags(tsa: false))
        #expect(gitlabSign.status == 0, "sign-blob (GitLab): \(gitlabSign.output)")
        let gitlabVerify = try CosignBinary.run([
            "verify-blob", "--bundle", gitlabBundle, "--trusted-root", f.data + "/trusted_root.json", "--certificate-oidc-issuer", f.issuer + "/gitlab",
            "--certificate-identity", "https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main", blob,
        ])
        #expect(gitlabVerify.status == 0, "verify-blob (GitLab): \(gitlabVerify.output)")
    }

    @Test("serve refuses a malformed issuer configuration at start, naming the line and the field; a valid one is served in /api/v2/configuration")
    func configurationAtStart() async throws {
        let tmp = try TemporaryDirectory()
        let bad = tmp.path + "/issuers.json"
        try Data("{\n  \"OIDCIssuers\": {\n    \"https://ci.example.com\": {\"Type\": \"uri\"}\n  }\n}\n".utf8).write(to: URL(fileURLWithPath: bad))
        let refused = try shell([Paths.binary, "serve", "--data-dir", tmp.path + "/data", "--issuer-config", bad])
        #expect(refused.status != 0 && refused.output.contains("issuers.json:3: OIDCIssuers[\"https://ci.example.com\"]: uri issuer must have SubjectDomain set"), "\(refused.output)")

        let good = tmp.path + "/good.json"
        try Data(#"{"OIDCIssuers": {"https://ci.example.com": {"Type": "uri", "SubjectDomain": "https://ci.example.com"}}, "MetaIssuers": {"https://oidc.eks.*.amazonaws.com/id/*": {"Type": "kubernetes"}}}"#.utf8)
            .write(to: URL(fileURLWithPath: good))
        let stack = try StackProcess(dataDirectory: tmp.path + "/served", arguments: ["--issuer-config", good])
        defer { stack.stop() }
        let configuration = try await HTTP.get(stack["fulcio"] + "/api/v2/configuration")
        var urls = Set<String>()
        if case .array(let entries)? = configuration.json?["issuers"] {
            for case .object(let members) in entries {
                for case (let name, .string(let url)) in members where name == "issuerUrl" || name == "wildcardIssuerUrl" { urls.insert(url) }
            }
        }
        let oidc: String = stack["oidc"]
        let expected: Set<String> = ["https://ci.example.com", "https://oidc.eks.*.amazonaws.com/id/*", oidc, oidc + "/github", oidc + "/gitlab"]
        #expect(urls == expected, "\(configuration.text)")
    }

    @Test("a username issuer: the SAN is Fulcio's critical OtherName user!domain; cosign signs and verifies that identity; a subject with ! is refused")
    func username() async throws {
        let port = try freePort()
        let tmp = try TemporaryDirectory()
        let issuer = "http://127.0.0.1:\(port)/oidc"
        let config = tmp.path + "/issuers.json"
        try Data(#"{"OIDCIssuers": {"\#(issuer)": {"Type": "username", "SubjectDomain": "127.0.0.1"}}}"#.utf8).write(to: URL(fileURLWithPath: config))
        let f = try KeylessFixture(stackArguments: ["--port", "\(port)", "--issuer-config", config])
        #expect(f.issuer == issuer)
        let blob = try f.write("artifact.txt", "signed by a username\n")
        let token = try run(Paths.binary, ["token", "--data-dir", f.data, "--subject", "alice"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let bundle = f.dir + "/u.sigstore.json"
        let sign = try CosignBinary.run(["sign-blob", "-y", "--identity-token", token, "--bundle", bundle, blob] + f.urlFlags(tsa: false))
        #expect(sign.status == 0, "sign-blob: \(sign.output)")
        let verify = try CosignBinary.run(["verify-blob", "--bundle", bundle, "--certificate-identity", "alice!127.0.0.1"] + ["--certificate-oidc-issuer", issuer, "--trusted-root", f.data + "/trusted_root.json", blob])
        #expect(verify.status == 0, "verify-blob: \(verify.output)")
        let other = try CosignBinary.run(["verify-blob", "--bundle", bundle, "--certificate-identity", "bob!127.0.0.1", "--certificate-oidc-issuer", issuer, "--trusted-root", f.data + "/trusted_root.json", blob])
        #expect(other.status != 0)
        // The SAN extension: critical, one OtherName of type 1.3.6.1.4.1.57264.1.7.
        let json = try f.json(bundle)
        let raw = try #require(((json["verificationMaterial"] as? [String: Any])?["certificate"] as? [String: Any])?["rawBytes"] as? String)
        let certificate = try Certificate(derEncoded: Array(try #require(Data(base64Encoded: raw))))
        let san = try #require(certificate.extensions[oid: [2, 5, 29, 17]])
        #expect(san.critical)
        let names = try #require(try certificate.extensions.subjectAlternativeNames)
        guard case .otherName(let name) = Array(names).first else {
            Issue.record("the SAN is not an OtherName: \(names)")
            return
        }
        #expect(name.typeID == [1, 3, 6, 1, 4, 1, 57264, 1, 7])
        let bang = try run(Paths.binary, ["token", "--data-dir", f.data, "--subject", "eve!x"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = try CosignBinary.run(["sign-blob", "-y", "--identity-token", bang, "--bundle", f.dir + "/x.json", blob] + f.urlFlags(tsa: false))
        #expect(refused.status != 0 && refused.output.contains("username cannot contain ! character"), "\(refused.output)")
    }
}
