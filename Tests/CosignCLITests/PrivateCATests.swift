import Foundation
import SigstoreTesting
import RegistryTesting
import Testing

/// A private PKI made with openssl (root, intermediate, a code-signing leaf for a cosign key): signing with the key
/// and its certificate, detached verification against `--ca-roots`/`--certificate-chain`, a trusted root made by
/// `trusted-root create`, and the bad inputs each gets one clear error line for.
@Suite("private CA: sign-blob --certificate, verify-blob --ca-roots, trusted-root and signing-config create, bundle create")
struct PrivateCATests {
    static let identity = ["--certificate-identity", "dev@example.com", "--certificate-oidc-issuer", "https://issuer.example"]
    static let relaxed = identity + ["--insecure-ignore-sct", "--insecure-ignore-tlog"]

    /// root.pem → int.pem → leaf.pem (for leaf.key, imported as cosign.key), chain.pem = int + root, other.pem: an
    /// unrelated root with its own leaf (other-leaf.pem) for the same key.
    static func pki() throws -> String {
        try Requirement.tool("openssl").check()
        let dir = try makeTemporaryDirectory()
        func openssl(_ args: [String]) throws {
            let (status, output) = try runProcess("openssl", args)
            guard status == 0 else { throw CLIFixtureError("openssl \(args.joined(separator: " ")): \(output)") }
        }
        func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name)")) }
        for name in ["root", "other"] {
            try openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(dir)/\(name).key", "-out",
                "\(dir)/\(name).pem", "-days", "30", "-subj", "/O=Example/CN=\(name) CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        }
        try openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(dir)/int.key", "-out", "\(dir)/int.csr",
            "-subj", "/O=Example/CN=Example Intermediate",
        ])
        try write("int.ext", "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n")
        try openssl([
            "x509", "-req", "-in", "\(dir)/int.csr", "-CA", "\(dir)/root.pem", "-CAkey", "\(dir)/root.key", "-CAcreateserial", "-out",
            "\(dir)/int.pem", "-days", "30", "-extfile", "\(dir)/int.ext",
        ])
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(dir)/leaf.key"])
        try openssl(["req", "-new", "-key", "\(dir)/leaf.key", "-out", "\(dir)/leaf.csr", "-subj", "/"])
        try write(
            "leaf.ext",
            "subjectAltName=critical,email:dev@example.com\nextendedKeyUsage=codeSigning\nkeyUsage=critical,digitalSignature\n1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:https://issuer.example\n")
        for (issuer, out) in [("int", "leaf.pem"), ("other", "other-leaf.pem")] {
            try openssl([
                "x509", "-req", "-in", "\(dir)/leaf.csr", "-CA", "\(dir)/\(issuer).pem", "-CAkey", "\(dir)/\(issuer).key", "-CAcreateserial",
                "-out", "\(dir)/\(out)", "-days", "7", "-extfile", "\(dir)/leaf.ext",
            ])
        }
        let chain = try String(contentsOfFile: "\(dir)/int.pem", encoding: .utf8) + String(contentsOfFile: "\(dir)/root.pem", encoding: .utf8)
        try write("chain.pem", chain)
        try write("artifact.txt", "released under a private CA\n")
        try write("other.txt", "not what was signed\n")
        return dir
    }

    @Test(
        "sign-blob --key --certificate --certificate-chain; verify-blob --certificate --signature with --ca-roots/--ca-intermediates or --certificate-chain; a leaf from another CA, a wrong identity or artifact are refused",
        .enabled(if: Requirement.tool("openssl").shouldRun, "needs openssl"))
    func detached() async throws {
        let dir = try Self.pki()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let imported = await cosign(["import-key-pair", "--key", "\(dir)/leaf.key", "--output-key-prefix", "\(dir)/cosign"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let signed = await cosign([
            "sign-blob", "--key", "\(dir)/cosign.key", "--certificate", "\(dir)/leaf.pem", "--certificate-chain", "\(dir)/chain.pem",
            "--tlog-upload=false", "--new-bundle-format=false", "--output-signature", "\(dir)/artifact.sig", "--output-certificate",
            "\(dir)/artifact.pem", "--bundle", "\(dir)/legacy.json", "\(dir)/artifact.txt",
        ])
        #expect(signed.status == 0, "\(signed.stderr)")
        // The legacy bundle carries the certificate, as Go cosign writes it (base64 of the PEM).
        let legacy = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/legacy.json"))) as? [String: Any]
        let cert = String(decoding: Data(base64Encoded: legacy?["cert"] as? String ?? "") ?? Data(), as: UTF8.self)
        #expect(cert == (try String(contentsOfFile: "\(dir)/leaf.pem", encoding: .utf8)))

        let pieces = ["verify-blob", "--certificate", "\(dir)/leaf.pem", "--signature", "\(dir)/artifact.sig"]
        let caRoots = ["--ca-roots", "\(dir)/root.pem", "--ca-intermediates", "\(dir)/int.pem"]
        let ok = await cosign(pieces + caRoots + Self.relaxed + ["\(dir)/artifact.txt"])
        #expect(ok.status == 0 && ok.stderr.hasSuffix("Verified OK\n"), "\(ok.stderr)")
        #expect(ok.stderr.contains("Flag --ca-roots has been deprecated, please use --trusted-root to provide CA certificates"))
        // The base64 certificate --output-certificate wrote, and the chain flag instead of the CA flags.
        let chain = await cosign(
            ["verify-blob", "--certificate", "\(dir)/artifact.pem", "--signature", "\(dir)/artifact.sig", "--certificate-chain", "\(dir)/chain.pem"]
                + Self.relaxed + ["\(dir)/artifact.txt"])
        #expect(chain.status == 0, "\(chain.stderr)")
        // The legacy bundle holds the certificate and the signature.
        let bundled = await cosign(["verify-blob", "--bundle", "\(dir)/legacy.json"] + caRoots + Self.relaxed + ["\(dir)/artifact.txt"])
        #expect(bundled.status == 0, "\(bundled.stderr)")

        let otherCA = await cosign(
            ["verify-blob", "--certificate", "\(dir)/other-leaf.pem", "--signature", "\(dir)/artifact.sig"] + caRoots + Self.relaxed + ["\(dir)/artifact.txt"])
        expectOneLineError(otherCA, containing: "does not chain to a trusted certificate authority")
        let untrusted = await cosign(pieces + ["--ca-roots", "\(dir)/other.pem"] + Self.relaxed + ["\(dir)/artifact.txt"])
        expectOneLineError(untrusted, containing: "does not chain to a trusted certificate authority")
        let wrongIdentity = await cosign(
            pieces + caRoots + ["--certificate-identity", "eve@example.com", "--certificate-oidc-issuer", "https://issuer.example",
                                "--insecure-ignore-sct", "--insecure-ignore-tlog", "\(dir)/artifact.txt"])
        expectOneLineError(wrongIdentity, containing: "expected identity \"eve@example.com\", got \"dev@example.com\"")
        let wrongArtifact = await cosign(pieces + caRoots + Self.relaxed + ["\(dir)/other.txt"])
        expectOneLineError(wrongArtifact, containing: "signature check")
        let mismatch = await cosign(
            ["verify-blob", "--bundle", "\(dir)/legacy.json", "--certificate", "\(dir)/other-leaf.pem"] + caRoots + Self.relaxed + ["\(dir)/artifact.txt"])
        expectOneLineError(mismatch, containing: "the cert passed in does not match the cert in the provided bundle")
        // Without --insecure-ignore-tlog the entry must come from a log (here: none reachable, no TUF).
        let noLog = await cosign(pieces + caRoots + Self.identity + ["--insecure-ignore-sct", "--offline", "\(dir)/artifact.txt"])
        #expect(noLog.status == 1)
    }

    @Test(
        "images signed with the key and its private-CA certificate (bundle and legacy schemes) verify with --ca-roots/--ca-intermediates or --certificate-chain, and not against another CA",
        .enabled(if: Requirement.tool("openssl").shouldRun && Requirement.tool("docker-registry").shouldRun, "needs openssl and docker-registry"))
    func images() async throws {
        let dir = try Self.pki()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let imported = await f.run(["import-key-pair", "--key", "\(dir)/leaf.key", "--output-key-prefix", "\(dir)/cosign"])
        #expect(imported.status == 0, "\(imported.stderr)")
        for legacy in [false, true] {
            let (ref, _) = try await f.pushImage(legacy ? "legacy" : "bundle")
            let scheme = legacy ? ["--new-bundle-format=false"] : []
            let signed = await f.run(
                ["sign", "--key", "\(dir)/cosign.key", "--certificate", "\(dir)/leaf.pem", "--certificate-chain", "\(dir)/chain.pem",
                 "--tlog-upload=false"] + scheme + [ref])
            #expect(signed.status == 0, "legacy=\(legacy): \(signed.stderr)")
            let verify = ["verify"] + Self.relaxed
            let ok = await f.run(verify + ["--ca-roots", "\(dir)/root.pem", "--ca-intermediates", "\(dir)/int.pem", ref])
            #expect(ok.status == 0, "legacy=\(legacy): \(ok.stderr)")
            #expect(ok.stderr.contains("Flag --ca-roots has been deprecated"))
            #expect(ok.stdout.contains("dev@example.com"), "legacy=\(legacy): \(ok.stdout)")
            let chain = await f.run(verify + ["--certificate-chain", "\(dir)/chain.pem", ref])
            #expect(chain.status == 0, "legacy=\(legacy): \(chain.stderr)")
            let other = await f.run(verify + ["--ca-roots", "\(dir)/other.pem", ref])
            #expect(other.status != 0, "legacy=\(legacy): \(other.stderr)")
            // The key verifies a legacy signature whatever certificate is attached (Go's SigVerifier path); a bundle
            // that carries a certificate is verified by its certificate, as sigstore-go does.
            let byKey = await f.run(["verify", "--key", "\(dir)/cosign.pub", "--insecure-ignore-tlog"] + [ref])
            if legacy {
                #expect(byKey.status == 0, "\(byKey.stderr)")
            } else {
                #expect(byKey.status == 1 && byKey.stderr.contains("the bundle carries a certificate"), "\(byKey.stderr)")
            }
        }
    }

    @Test(
        "a detached SCT (--sct) for a certificate without an embedded one: made by an independent CT signer, it verifies; another certificate's, an untrusted log's, a malformed one or none are refused",
        .enabled(if: Requirement.tool("openssl").shouldRun && Requirement.pythonModules("cryptography").shouldRun, "needs openssl and cryptography"))
    func detachedSCT() async throws {
        let dir = try Self.pki()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(await cosign(["import-key-pair", "--key", "\(dir)/leaf.key", "--output-key-prefix", "\(dir)/cosign"]).status == 0)
        let signed = await cosign([
            "sign-blob", "--key", "\(dir)/cosign.key", "--certificate", "\(dir)/leaf.pem", "--certificate-chain", "\(dir)/chain.pem",
            "--tlog-upload=false", "--new-bundle-format=false", "--output-signature", "\(dir)/artifact.sig", "\(dir)/artifact.txt",
        ])
        #expect(signed.status == 0, "\(signed.stderr)")
        // Two CT logs' keys; only the first is trusted (SIGSTORE_CT_LOG_PUBLIC_KEY_FILE).
        for name in ["ct", "rogue-ct"] {
            try runProcess("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(dir)/\(name).key"])
        }
        try runProcess("openssl", ["ec", "-in", "\(dir)/ct.key", "-pubout", "-out", "\(dir)/ct.pub"])
        let maker = repositoryRoot.appendingPathComponent("Tests/interop/make_detached_sct.py").path
        for (key, cert, out) in [("ct", "leaf.pem", "sct.json"), ("ct", "other-leaf.pem", "other-sct.json"), ("rogue-ct", "leaf.pem", "rogue-sct.json")] {
            let (status, output) = try runProcess("python3", [maker, "\(dir)/\(key).key", "\(dir)/\(cert)", "\(dir)/\(out)"])
            #expect(status == 0, "\(output)")
        }
        try Data("{\"sct_version\":0,\"id\":\"AAAA\",\"timestamp\":1}".utf8).write(to: URL(fileURLWithPath: "\(dir)/short-id.json"))
        try Data("not json".utf8).write(to: URL(fileURLWithPath: "\(dir)/garbage.json"))
        let env = ["COSIGN_PASSWORD": "test-password", "SIGSTORE_CT_LOG_PUBLIC_KEY_FILE": "\(dir)/ct.pub"]
        let base = ["verify-blob", "--certificate", "\(dir)/leaf.pem", "--signature", "\(dir)/artifact.sig", "--certificate-chain", "\(dir)/chain.pem",
                    "--insecure-ignore-tlog", "--offline"] + Self.identity
        func verify(_ extra: [String], _ artifact: String = "artifact.txt") async -> RunResult {
            await cosign(base + extra + ["\(dir)/\(artifact)"], env: env)
        }

        let ok = await verify(["--sct", "\(dir)/sct.json"])
        #expect(ok.status == 0 && ok.stderr.hasSuffix("Verified OK\n"), "\(ok.stderr)")
        #expect(ok.stderr.contains("Flag --sct has been deprecated, a Signed Certificate Timestamp is now provided via a Sigstore bundle"))
        expectOneLineError(await verify([]), containing: "certificate does not include required embedded SCT and no detached SCT was set")
        expectOneLineError(await verify(["--sct", "\(dir)/other-sct.json"]), containing: "the detached SCT does not verify over the certificate")
        expectOneLineError(await verify(["--sct", "\(dir)/rogue-sct.json"]), containing: "which the trusted root does not have")
        expectOneLineError(await verify(["--sct", "\(dir)/short-id.json"]), containing: "id is invalid length, expected 32 got 3")
        expectOneLineError(await verify(["--sct", "\(dir)/garbage.json"]), containing: "malformed detached SCT: not a JSON object")
        expectOneLineError(await verify(["--sct", "\(dir)/missing.json"]), containing: "missing.json")
        // The SCT vouches for the certificate, not the artifact; --insecure-ignore-sct skips it.
        expectOneLineError(await verify(["--sct", "\(dir)/sct.json"], "other.txt"), containing: "signature check")
        let ignored = await verify(["--sct", "\(dir)/rogue-sct.json", "--insecure-ignore-sct"])
        #expect(ignored.status == 0, "\(ignored.stderr)")
    }

    @Test("bad input gets one error line each", .enabled(if: Requirement.tool("openssl").shouldRun, "needs openssl"))
    func badInput() async throws {
        let dir = try Self.pki()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = await cosign(["import-key-pair", "--key", "\(dir)/leaf.key", "--output-key-prefix", "\(dir)/cosign"])
        let signed = await cosign([
            "sign-blob", "--key", "\(dir)/cosign.key", "--tlog-upload=false", "--new-bundle-format=false", "--output-signature",
            "\(dir)/artifact.sig", "\(dir)/artifact.txt",
        ])
        #expect(signed.status == 0, "\(signed.stderr)")
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/garbage.pem"))
        let reversed = try String(contentsOfFile: "\(dir)/root.pem", encoding: .utf8) + String(contentsOfFile: "\(dir)/int.pem", encoding: .utf8)
        try Data(reversed.utf8).write(to: URL(fileURLWithPath: "\(dir)/reversed.pem"))
        let signature = try String(contentsOfFile: "\(dir)/artifact.sig", encoding: .utf8)
        try Data(Data(base64Encoded: signature.trimmingCharacters(in: .whitespacesAndNewlines))!.prefix(20).base64EncodedData())
            .write(to: URL(fileURLWithPath: "\(dir)/short.sig"))
        let artifact = "\(dir)/artifact.txt"
        let cases: [([String], String)] = [
            (["verify-blob", "--certificate", "\(dir)/garbage.pem", "--signature", "\(dir)/artifact.sig", "--ca-roots", "\(dir)/root.pem"]
                + Self.relaxed + [artifact], "error during PEM decoding"),
            (["verify-blob", "--certificate", "\(dir)/leaf.pem", "--signature", "\(dir)/artifact.sig", "--certificate-chain", "\(dir)/reversed.pem"]
                + Self.relaxed + [artifact], "the chain is not in order"),
            (["verify-blob", "--certificate", "\(dir)/leaf.pem", "--signature", "\(dir)/short.sig", "--certificate-chain", "\(dir)/chain.pem"]
                + Self.relaxed + [artifact], "signature check"),
            (["verify-blob", "--certificate", "\(dir)/leaf.pem", "--signature", "\(dir)/artifact.sig", "--ca-intermediates", "\(dir)/int.pem"]
                + Self.relaxed + [artifact], "--ca-intermediates must be used together with --ca-roots"),
            (["verify-blob", "--certificate", "\(dir)/leaf.pem", "--signature", "\(dir)/artifact.sig", "--ca-roots", "\(dir)/root.pem",
              "--certificate-chain", "\(dir)/chain.pem"] + Self.relaxed + [artifact], "cannot be used together"),
            (["verify-blob", "--certificate", "\(dir)/leaf.pem", "--ca-roots", "\(dir)/root.pem"] + Self.relaxed + [artifact], "missing flag '--signature'"),
            (["verify-blob", "--certificate", "\(dir)/leaf.pem", "--signature", "\(dir)/artifact.sig", "--ca-roots", "\(dir)/root.pem",
              "--rfc3161-timestamp", "\(dir)/ts.json"] + Self.relaxed + [artifact], "--use-signed-timestamps or --timestamp-certificate-chain"),
            (["verify-blob", "--certificate", "\(dir)/leaf.pem", "--signature", "\(dir)/artifact.sig", "--trusted-root", "\(dir)/tr.json"]
                + Self.relaxed + [artifact], "--trusted-root only supported with --new-bundle-format"),
            (["sign-blob", "--key", "\(dir)/cosign.key", "--certificate", "\(dir)/other-leaf.pem", "--certificate-chain", "\(dir)/chain.pem",
              "--tlog-upload=false", "--bundle", "\(dir)/x.json", artifact], "is not issued by certificate 2"),
            (["sign-blob", "--certificate", "\(dir)/leaf.pem", "--bundle", "\(dir)/x.json", artifact], "attach a certificate to --key"),
            (["trusted-root", "create", "--fulcio", "url=https://ca.example"], "missing or empty required key 'certificate-chain' in fulcio spec"),
            (["trusted-root", "create", "--fulcio", "url=https://ca.example,certificate-chain=\(dir)/garbage.pem"], "error during PEM decoding"),
            (["trusted-root", "create", "--rekor", "url=https://rekor.example,public-key=\(dir)/cosign.pub,start-time=2024-13-01T00:00:00Z"],
             "parsing start-time: \"2024-13-01T00:00:00Z\" is not an RFC 3339 time"),
            (["trusted-root", "create", "--rekor", "url=https://rekor.example,public-key=\(dir)/cosign.pub"], "missing or empty required key 'start-time' in tlog spec"),
            (["trusted-root", "create", "--rekor", "url=https://rekor.example,public-key"], "invalid key-value pair: public-key"),
            (["trusted-root", "create", "--tsa", "url=https://tsa.example,certificate-chain=\(dir)/chain.pem"], "first certificate in chain must be a leaf certificate"),
            (["signing-config", "create", "--rekor", "url=https://rekor.example,api-version=1,start-time=2024-01-01T00:00:00Z,operator=x"],
             "--rekor-config must be provided when --rekor is specified"),
            (["signing-config", "create", "--tsa", "url=https://tsa.example,api-version=1,start-time=2024-01-01T00:00:00Z", "--tsa-config", "ANY"],
             "missing required key 'operator' in service spec"),
            (["signing-config", "create", "--rekor", "url=https://rekor.example,api-version=one,start-time=2024-01-01T00:00:00Z,operator=x",
              "--rekor-config", "ANY"], "parsing api-version"),
            (["signing-config", "create", "--rekor", "url=https://rekor.example,api-version=1,start-time=2024-01-01T00:00:00Z,operator=x",
              "--rekor-config", "SOME"], "invalid service config mode: SOME"),
            (["signing-config", "create", "--rekor-config", "ANY:2"], "mode ANY does not accept a count"),
            (["bundle", "create", "--signature", "\(dir)/artifact.sig"], "must supply --artifact"),
            (["bundle", "create", "--artifact", artifact], "must at least supply signature via --bundle or --signature"),
            (["bundle", "create", "--artifact", artifact, "--signature", "\(dir)/artifact.sig", "--ignore-tlog"], "missing verification material"),
        ]
        for (args, fragment) in cases {
            expectOneLineError(await cosign(args), containing: fragment)
        }
    }

    @Test(
        "a key-signed bundle carrying the private CA's certificate verifies against a trusted root from trusted-root create; signing-config create writes what Go cosign writes",
        .enabled(if: Requirement.tool("openssl").shouldRun, "needs openssl"))
    func createdTrustedRoot() async throws {
        let dir = try Self.pki()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = await cosign(["import-key-pair", "--key", "\(dir)/leaf.key", "--output-key-prefix", "\(dir)/cosign"])
        let signed = await cosign([
            "sign-blob", "--key", "\(dir)/cosign.key", "--certificate", "\(dir)/leaf.pem", "--certificate-chain", "\(dir)/chain.pem",
            "--tlog-upload=false", "--bundle", "\(dir)/artifact.sigstore.json", "\(dir)/artifact.txt",
        ])
        #expect(signed.status == 0, "\(signed.stderr)")
        let bundle = try String(contentsOfFile: "\(dir)/artifact.sigstore.json", encoding: .utf8)
        #expect(bundle.contains(#""verificationMaterial":{"certificate":{"rawBytes":"#), Comment(rawValue: bundle))

        let root = await cosign(["trusted-root", "create", "--fulcio", "url=https://ca.example,certificate-chain=\(dir)/chain.pem"])
        #expect(root.status == 0, "\(root.stderr)")
        #expect(root.stdout.hasPrefix(#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","certificateAuthorities":[{"subject":{"organization":"Example","commonName":"root CA"},"uri":"https://ca.example""#))
        #expect(!root.stdout.contains("tlogs") && root.stdout.hasSuffix("}\n"))
        try Data(root.stdout.utf8).write(to: URL(fileURLWithPath: "\(dir)/trusted_root.json"))
        let verify = ["verify-blob", "--bundle", "\(dir)/artifact.sigstore.json", "--trusted-root", "\(dir)/trusted_root.json"] + Self.relaxed
        let ok = await cosign(verify + ["\(dir)/artifact.txt"])
        #expect(ok.status == 0, "\(ok.stderr)")
        expectOneLineError(await cosign(verify + ["\(dir)/other.txt"]), containing: "signature check")
        // The same bundle against a root that names another CA.
        let otherRoot = await cosign(["trusted-root", "create", "--fulcio", "url=https://ca.example,certificate-chain=\(dir)/other.pem", "--out", "\(dir)/other_root.json"])
        #expect(otherRoot.status == 0 && otherRoot.stdout.isEmpty, "\(otherRoot.stderr)")
        let refused = await cosign(
            ["verify-blob", "--bundle", "\(dir)/artifact.sigstore.json", "--trusted-root", "\(dir)/other_root.json"] + Self.relaxed + ["\(dir)/artifact.txt"])
        expectOneLineError(refused, containing: "does not chain to a trusted certificate authority")

        let config = await cosign([
            "signing-config", "create", "--fulcio", "url=https://fulcio.example,api-version=1,start-time=2024-01-01T00:00:00Z,operator=example.com",
            "--rekor", "url=https://rekor.example, api-version=2 ,start-time=2024-01-01T00:00:00Z,end-time=2030-01-01T00:00:00Z,operator=example.com",
            "--rekor-config", "exact:1",
        ])
        #expect(config.status == 0, "\(config.stderr)")
        #expect(
            config.stdout
                == #"{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","caUrls":[{"url":"https://fulcio.example","majorApiVersion":1,"validFor":{"start":"2024-01-01T00:00:00Z"},"operator":"example.com"}],"rekorTlogUrls":[{"url":"https://rekor.example","majorApiVersion":2,"validFor":{"start":"2024-01-01T00:00:00Z","end":"2030-01-01T00:00:00Z"},"operator":"example.com"}],"rekorTlogConfig":{"selector":"EXACT","count":1},"tsaConfig":{}}"#
                + "\n")
        // --base-config: a kind's flags replace its services, the others are kept.
        try Data(config.stdout.utf8).write(to: URL(fileURLWithPath: "\(dir)/base.json"))
        let derived = await cosign([
            "signing-config", "create", "--base-config", "\(dir)/base.json", "--rekor",
            "url=https://rekor2.example,api-version=1,start-time=2025-01-01T00:00:00Z,operator=example.com", "--rekor-config", "ANY",
        ])
        #expect(derived.status == 0, "\(derived.stderr)")
        #expect(derived.stdout.contains("https://fulcio.example") && derived.stdout.contains("https://rekor2.example"))
        #expect(!derived.stdout.contains("https://rekor.example"))
    }

    @Test("bundle create: a detached key signature with --ignore-tlog becomes a bundle verify-blob --key accepts")
    func bundleCreateWithKey() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/cosign"])
        try Data("artifact\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/artifact.txt"))
        let signed = await cosign([
            "sign-blob", "--key", "\(dir)/cosign.key", "--tlog-upload=false", "--new-bundle-format=false", "--output-signature",
            "\(dir)/artifact.sig", "\(dir)/artifact.txt",
        ])
        #expect(signed.status == 0, "\(signed.stderr)")
        let created = await cosign([
            "bundle", "create", "--artifact", "\(dir)/artifact.txt", "--signature", "\(dir)/artifact.sig", "--key", "\(dir)/cosign.pub",
            "--ignore-tlog", "--out", "\(dir)/artifact.sigstore.json",
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let text = try String(contentsOfFile: "\(dir)/artifact.sigstore.json", encoding: .utf8)
        #expect(text.hasPrefix(#"{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.3","verificationMaterial":{"publicKey":{"hint":"#))
        let verify = await cosign([
            "verify-blob", "--key", "\(dir)/cosign.pub", "--bundle", "\(dir)/artifact.sigstore.json", "--insecure-ignore-tlog", "\(dir)/artifact.txt",
        ])
        #expect(verify.status == 0, "\(verify.stderr)")
    }
}

@Suite("public keys from http(s) URLs")
struct KeyURLTests {
    @Test("verify-blob --key http://127.0.0.1:PORT/cosign.pub fetches the key; a missing key or a non-key page is one error line")
    func keyFromURL() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/cosign"])
        try Data("artifact\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/artifact.txt"))
        try Data("<html>not a key</html>\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/index.html"))
        let signed = await cosign([
            "sign-blob", "--key", "\(dir)/cosign.key", "--tlog-upload=false", "--bundle", "\(dir)/artifact.sigstore.json", "\(dir)/artifact.txt",
        ])
        #expect(signed.status == 0, "\(signed.stderr)")
        let server = try await LoopbackServer.start(serving: URL(fileURLWithPath: dir))
        defer { server.stop() }
        let base = server.baseURL.absoluteString.hasSuffix("/") ? String(server.baseURL.absoluteString.dropLast()) : server.baseURL.absoluteString
        let ok = await cosign(["verify-blob", "--key", "\(base)/cosign.pub", "--bundle", "\(dir)/artifact.sigstore.json", "--insecure-ignore-tlog", "\(dir)/artifact.txt"])
        #expect(ok.status == 0, "\(ok.stderr)")
        expectOneLineError(
            await cosign(["verify-blob", "--key", "\(base)/missing.pub", "--bundle", "\(dir)/artifact.sigstore.json", "--insecure-ignore-tlog", "\(dir)/artifact.txt"]),
            containing: "HTTP 404")
        expectOneLineError(
            await cosign(["verify-blob", "--key", "\(base)/index.html", "--bundle", "\(dir)/artifact.sigstore.json", "--insecure-ignore-tlog", "\(dir)/artifact.txt"]),
            containing: "the key at \(base)/index.html")
        expectOneLineError(
            await cosign(["sign-blob", "--key", "\(base)/cosign.key", "--tlog-upload=false", "--bundle", "\(dir)/x.json", "\(dir)/artifact.txt"]),
            containing: "a signing key cannot be loaded from a URL")
    }
}

struct CLIFixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
