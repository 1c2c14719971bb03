import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import RegistryTesting
import SigstoreModels
import SigstoreTesting
import Testing
import SigstoreJSON
import SigstoreCore

/// A registry with a pushed image, a key pair and the flags/environment cosign needs to reach it.
struct ImageFixture {
    let registry: TestRegistry
    let dir: String
    let flags: [String]
    let env: [String: String]
    let client: RegistryClient

    init(_ mode: TestRegistry.Mode) async throws {
        registry = try TestRegistry(mode)
        dir = try makeTemporaryDirectory()
        var env = ["COSIGN_PASSWORD": "pw", "DOCKER_CONFIG": dir]
        var flags: [String] = []
        switch mode {
        case .plain: break
        case .basic:
            // Credentials the way users keep them: ~/.docker/config.json.
            let auth = Data("\(TestRegistry.username):\(TestRegistry.password)".utf8).base64EncodedString()
            try #"{"auths":{"\#(registry.host)":{"auth":"\#(auth)"}}}"#.write(toFile: "\(dir)/config.json", atomically: true, encoding: .utf8)
        case .token:
            flags += ["--registry-username", TestRegistry.username, "--registry-password", TestRegistry.password]
        case .tls:
            try registry.caPEM!.write(toFile: "\(dir)/ca.pem", atomically: true, encoding: .utf8)
            flags += ["--registry-cacert", "\(dir)/ca.pem"]
        case .mutualTLS:
            try registry.caPEM!.write(toFile: "\(dir)/ca.pem", atomically: true, encoding: .utf8)
            flags += [
                "--registry-cacert", "\(dir)/ca.pem", "--registry-client-cert", registry.clientCertificatePath, "--registry-client-key",
                registry.clientKeyPath,
            ]
        }
        env["HOME"] = dir
        self.env = env
        self.flags = flags
        client = try registry.client()
        let generated = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"], env: env)
        #expect(generated.status == 0, "\(generated.stderr)")
        let other = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/other"], env: env)
        #expect(other.status == 0, "\(other.stderr)")
    }

    func stop() {
        registry.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Pushes a fresh single-platform image to `repo:tag`; returns its reference by tag and its digest.
    func pushImage(_ repo: String = "app", tag: String = "v1") async throws -> (String, String) {
        let image = try TestImage()
        let digest = try await image.push(with: client, to: try registry.reference(repo, tag: tag))
        return ("\(registry.host)/\(repo):\(tag)", digest)
    }

    func run(_ args: [String]) async -> RunResult {
        await cosign(args + flags, env: env)
    }
}

@Suite("cosign sign / verify on images against docker-registry")
struct ImageSignTests {
    @Test("a referrers index of more than 1,000 entries ends discovery with a clear error; referrers of other artifact types are not fetched (issue 23 item 5)")
    func hostileReferrers() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        // The registry checks that an index's entries exist: every entry names one real manifest.
        let filler = try TestImage(platform: "filler")
        let fillerDigest = try await filler.push(with: f.client, to: try f.registry.reference("hostile", tag: "filler"))
        func referrersIndex(for digest: String, count: Int, artifactType: String) async throws {
            let entry = #"{"mediaType":"\#(filler.manifest.mediaType ?? "application/vnd.oci.image.manifest.v1+json")","digest":"\#(fillerDigest)","size":\#(filler.manifestBytes.count),"artifactType":"\#(artifactType)"}"#
            let entries = Array(repeating: entry, count: count)
            let bytes = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\#(entries.joined(separator: ","))]}"#.utf8)
            _ = try await f.client.putManifest(
                bytes, mediaType: "application/vnd.oci.image.index.v1+json",
                to: try f.registry.reference("hostile", tag: "sha256-\(digest.dropFirst(7))"))
        }
        let (_, flooded) = try await f.pushImage("hostile", tag: "flooded")
        try await referrersIndex(for: flooded, count: 1_001, artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json")
        let refused = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "\(f.registry.host)/hostile@\(flooded)"])
        expectOneLineError(refused, containing: "has 1001 referrers, more than the 1000 cosign considers")

        let (_, other) = try await f.pushImage("hostile", tag: "other")
        try await referrersIndex(for: other, count: 500, artifactType: "application/spdx+json")
        let proxy = try FaultProxy(upstream: f.registry)
        defer { proxy.stop() }
        try proxy.plan([])
        let none = await f.run(["verify", "--allow-http-registry", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "127.0.0.1:\(proxy.port)/hostile@\(other)"])
        #expect(none.status != 0)
        #expect(none.stderr.contains("no signatures found"), "\(none.stderr)")
        let requests = try proxy.requestCount()
        #expect(requests < 20, "requests: \(requests)")
    }

    @Test("--registry-server-name: a registry whose certificate names another host is reached through that name; without it the certificate is refused")
    func registryServerName() async throws {
        let registry = try TestRegistry(.tls, serverName: "registry.test")
        defer { registry.stop() }
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try registry.caPEM!.write(toFile: "\(dir)/ca.pem", atomically: true, encoding: .utf8)
        let env = ["COSIGN_PASSWORD": "pw", "DOCKER_CONFIG": dir, "HOME": dir]
        #expect(await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"], env: env).status == 0)
        let client = try registry.client()
        let digest = try await TestImage().push(with: client, to: try registry.reference("named", tag: "v1"))
        try await client.shutdown()
        let image = "\(registry.host)/named@\(digest)"
        let tls = ["--registry-cacert", "\(dir)/ca.pem"]
        let refused = await cosign(["sign", "--key", "\(dir)/k.key", "--tlog-upload=false", "-y"] + tls + [image], env: env)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("certificate"), "\(refused.stderr)")
        let named = tls + ["--registry-server-name", "registry.test"]
        for legacy in [false, true] {
            let scheme = legacy ? ["--new-bundle-format=false"] : []
            let signed = await cosign(["sign", "--key", "\(dir)/k.key", "--tlog-upload=false", "-y"] + scheme + named + [image], env: env)
            #expect(signed.status == 0, "legacy=\(legacy): \(signed.stderr)")
        }
        let verified = await cosign(["verify", "--key", "\(dir)/k.pub", "--insecure-ignore-tlog"] + named + [image], env: env)
        #expect(verified.status == 0, "\(verified.stderr)")
        let wrongName = await cosign(["verify", "--key", "\(dir)/k.pub", "--insecure-ignore-tlog", "--registry-server-name", "other.test"] + tls + [image], env: env)
        #expect(wrongName.status != 0)
    }

    @Test("sign and verify, both storage schemes, in every registry mode", arguments: TestRegistry.Mode.allCases)
    func signVerify(mode: TestRegistry.Mode) async throws {
        let f = try await ImageFixture(mode)
        defer { f.stop() }
        for legacy in [false, true] {
            let (tagRef, digest) = try await f.pushImage(legacy ? "legacy" : "bundle")
            let scheme = legacy ? ["--new-bundle-format=false"] : []
            let signed = await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "-a", "team=blue"] + scheme + [tagRef])
            #expect(signed.status == 0, "\(mode) legacy=\(legacy): \(signed.stderr)")
            #expect(signed.stderr.contains("uses a tag, not a digest"))
            #expect(signed.stderr.contains("Pushing signature to: \(f.registry.host)/\(legacy ? "legacy" : "bundle")"))

            let verified = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "-a", "team=blue", tagRef])
            #expect(verified.status == 0, "\(mode) legacy=\(legacy): \(verified.stderr)")
            #expect(verified.stderr.contains("Verification for \(tagRef) --"))
            #expect(verified.stderr.contains("  - The specified annotations were verified."))
            #expect(verified.stderr.contains("  - The signatures were verified against the specified public key"))
            #expect(verified.stdout.hasPrefix("\n["))
            let expectedType = legacy ? "cosign container image signature" : "https://sigstore.dev/cosign/sign/v1"
            let expectedReference = legacy ? "\(f.registry.host)/legacy" : tagRef
            #expect(
                verified.stdout.contains(
                    #"{"critical":{"identity":{"docker-reference":"\#(expectedReference)"},"image":{"docker-manifest-digest":"\#(digest)"},"type":"\#(expectedType)"},"optional":{"team":"blue"}}"#),
                "\(verified.stdout)")

            // Wrong key: legacy signatures give cosign's exit 12, bundles exit 1 (cosign returns that error unwrapped).
            let wrong = await f.run(["verify", "--key", "\(f.dir)/other.pub", "--insecure-ignore-tlog", tagRef])
            #expect(wrong.status == (legacy ? 12 : 1), "\(wrong.stderr)")
            #expect(wrong.stderr.contains(legacy ? "Error: no matching signatures: " : "Error: no matching attestations: "), "\(wrong.stderr)")
            // A required annotation that was not signed.
            let annotation = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "-a", "team=red", tagRef])
            #expect(annotation.status == (legacy ? 12 : 1))
            #expect(annotation.stderr.contains("missing or incorrect annotation"), "\(annotation.stderr)")
            // -o text prints the payloads.
            let text = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "-o", "text", tagRef])
            #expect(text.status == 0)
            #expect(text.stdout.contains(digest))
        }
        if mode == .plain { try await tamper(f) }
        if mode == .mutualTLS {
            // Without the client certificate the registry ends the handshake: one error line, nothing verified.
            let (ref, _) = try await f.pushImage("mtls")
            let noCertificate = await cosign(
                ["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--registry-cacert", "\(f.dir)/ca.pem", ref], env: f.env)
            #expect(noCertificate.status != 0, "\(noCertificate.stderr)")
            #expect(noCertificate.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: ") }.count == 1, "\(noCertificate.stderr)")
            let half = await cosign(
                ["verify", "--key", "\(f.dir)/k.pub", "--registry-client-cert", f.registry.clientCertificatePath, ref], env: f.env)
            expectOneLineError(half, containing: "--registry-client-cert and --registry-client-key must be given together")
        }
        // Missing signature: exit 10; missing image: exit 11.
        let (unsigned, _) = try await f.pushImage("unsigned")
        let none = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", unsigned])
        #expect(none.status == 10, "\(none.stderr)")
        #expect(none.stderr.contains("Error: no signatures found"))
        let missing = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "\(f.registry.host)/unsigned:nope"])
        #expect(missing.status == 11, "\(missing.stderr)")
        #expect(missing.stderr.contains("Error: image tag not found"))
    }

    /// A stored signature whose bytes were changed is refused: in the legacy image's annotation, and in a bundle.
    func tamper(_ f: ImageFixture) async throws {
        for legacy in [true, false] {
            let repo = legacy ? "tampered-legacy" : "tampered-bundle"
            let (tagRef, digest) = try await f.pushImage(repo)
            let scheme = legacy ? ["--new-bundle-format=false"] : []
            #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false"] + scheme + [tagRef]).status == 0)
            let ref = try f.registry.reference(repo, tag: "v1")
            let hex = String(digest.dropFirst(7))
            if legacy {
                let tag = ref.withTag("sha256-\(hex).sig")
                var text = String(decoding: try await f.client.manifest(tag).bytes, as: UTF8.self)
                let manifest = try JSONDecoder().decode(Manifest.self, from: Data(text.utf8))
                let b64 = manifest.layers[0].annotations?["dev.cosignproject.cosign/signature"] ?? ""
                var signature = Array(Data(base64Encoded: b64) ?? Data())
                signature[signature.count - 1] ^= 1
                text = text.replacingOccurrences(of: b64, with: Data(signature).base64EncodedString())
                try await f.client.putManifest(Array(text.utf8), mediaType: MediaType.ociManifest, to: tag)
            } else {
                let indexTag = ref.withTag("sha256-\(hex)")
                let index = try JSONDecoder().decode(ImageIndex.self, from: Data(try await f.client.manifest(indexTag).bytes))
                let referrer = try await f.client.manifest(ref.withDigest(index.manifests[0].digest))
                let manifest = try JSONDecoder().decode(Manifest.self, from: Data(referrer.bytes))
                let bundle = try await f.client.blob(ref, digest: manifest.layers[0].digest)
                // Change the statement's digest inside the signed payload (still a valid bundle).
                var json = String(decoding: bundle, as: UTF8.self)
                guard case .dsseEnvelope(let envelope) = try SigstoreBundle(jsonData: bundle).content else {
                    Issue.record("stored bundle has no DSSE envelope")
                    return
                }
                let payload = String(decoding: envelope.payload.bytes, as: UTF8.self).replacingOccurrences(of: "\"predicate\":{}", with: "\"predicate\":{\"x\":1}")
                json = json.replacingOccurrences(of: Data(envelope.payload.bytes).base64EncodedString(), with: Data(payload.utf8).base64EncodedString())
                let layer = try await f.client.uploadBlob(Array(json.utf8), mediaType: manifest.layers[0].mediaType, to: ref)
                let newManifest = String(decoding: referrer.bytes, as: UTF8.self)
                    .replacingOccurrences(of: manifest.layers[0].digest, with: layer.digest)
                    .replacingOccurrences(of: #""size":\#(bundle.count),"digest""#, with: #""size":\#(json.utf8.count),"digest""#)
                let newDigest = try await f.client.putManifest(Array(newManifest.utf8), mediaType: MediaType.ociManifest, to: ref.withDigest(TestImage.digest(Array(newManifest.utf8))))
                let newIndex = String(decoding: try await f.client.manifest(indexTag).bytes, as: UTF8.self)
                    .replacingOccurrences(of: index.manifests[0].digest, with: newDigest)
                    .replacingOccurrences(of: #""size":\#(index.manifests[0].size),"#, with: #""size":\#(newManifest.utf8.count),"#)
                try await f.client.putManifest(Array(newIndex.utf8), mediaType: MediaType.ociIndex, to: indexTag)
            }
            let verified = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", tagRef])
            #expect(verified.status == (legacy ? 12 : 1), "\(repo): \(verified.stderr)")
            #expect(verified.stderr.contains(legacy ? "Error: no matching signatures: invalid signature" : "Error: no matching attestations: verification failed (signature check)"), "\(verified.stderr)")
        }
    }

    @Test("a bundle referrer that does not verify (another key's) does not hide a valid legacy .sig signature")
    func referrerDoesNotHideLegacySignature() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (ref, _) = try await f.pushImage("both")
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", ref]).status == 0)
        #expect(await f.run(["sign", "--key", "\(f.dir)/other.key", "--tlog-upload=false", ref]).status == 0)
        let verified = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", ref])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("cosign container image signature"), "the legacy signature answered: \(verified.stdout)")
        // Neither verifies with a third key: the bundle path's error (exit 1), naming both failures.
        _ = await f.run(["generate-key-pair", "--output-key-prefix", "\(f.dir)/third"])
        let refused = await f.run(["verify", "--key", "\(f.dir)/third.pub", "--insecure-ignore-tlog", ref])
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("legacy signature: "), "\(refused.stderr)")
    }

    @Test("a multi-arch index signed recursively: the index and every platform image verify, in both schemes")
    func recursive() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        for legacy in [false, true] {
            let repo = legacy ? "multi-legacy" : "multi"
            let index = try TestIndex()
            let indexDigest = try await index.push(with: f.client, to: try f.registry.reference(repo, tag: "v1"))
            let scheme = legacy ? ["--new-bundle-format=false"] : []
            let signed = await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "-r"] + scheme + ["\(f.registry.host)/\(repo)@\(indexDigest)"])
            #expect(signed.status == 0, "\(signed.stderr)")
            #expect(!signed.stderr.contains("uses a tag"))
            for digest in [indexDigest] + index.images.map(\.digest) {
                let verified = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "\(f.registry.host)/\(repo)@\(digest)"])
                #expect(verified.status == 0, "\(digest): \(verified.stderr)")
                #expect(verified.stdout.contains(#""docker-manifest-digest":"\#(digest)""#))
            }
        }
        // Without -r only the index is signed.
        let index = try TestIndex()
        let indexDigest = try await index.push(with: f.client, to: try f.registry.reference("flat", tag: "v1"))
        let signed = await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "\(f.registry.host)/flat@\(indexDigest)"])
        #expect(signed.status == 0)
        let child = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "\(f.registry.host)/flat@\(index.images[0].digest)"])
        #expect(child.status == 10, "\(child.stderr)")
    }

    @Test("--registry-referrers-mode=oci-1-1 (COSIGN_EXPERIMENTAL): a legacy signature as an OCI 1.1 referrer with the .sig image's layers, Go's layout; verify --experimental-oci11, tree and attach sbom find it; oras reads it (issue 17)")
    func legacyReferrers() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (tagRef, digest) = try await f.pushImage("oci11")
        let ref = try f.registry.reference("oci11", tag: "v1")
        let hex = String(digest.dropFirst(7))
        let mode = ["--registry-referrers-mode", "oci-1-1"]
        let legacySign = ["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false"]
        var experimental = f.env
        experimental["COSIGN_EXPERIMENTAL"] = "1"
        func run(_ args: [String], env: [String: String]) async -> RunResult { await cosign(args + f.flags, env: env) }

        // Go's flag check: oci-1-1 needs COSIGN_EXPERIMENTAL; other values are refused.
        expectOneLineError(
            await f.run(legacySign + mode + [tagRef]),
            containing: "invalid argument \"oci-1-1\" for \"--registry-referrers-mode\" flag: in order to use  mode \"oci-1-1\", you must set COSIGN_EXPERIMENTAL=1")
        expectOneLineError(await f.run(legacySign + ["--registry-referrers-mode", "oci", tagRef]), containing: "must be one of \"legacy\", \"oci-1-1\"")

        // A .sig image first (signed with the other key); the referrer then carries its layer and the new one.
        let otherSign = ["sign", "--key", "\(f.dir)/other.key", "--tlog-upload=false", "--new-bundle-format=false", tagRef]
        #expect(await f.run(otherSign).status == 0)
        let signed = await run(legacySign + mode + [tagRef], env: experimental)
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.stderr.contains("with config.mediaType [application/vnd.dev.cosign.artifact.sig.v1+json] layers[0].mediaType [application/vnd.dev.cosign.simplesigning.v1+json]"), "\(signed.stderr)")
        let sigImage = try JSONDecoder().decode(Manifest.self, from: Data(try await f.client.manifest(ref.withTag("sha256-\(hex).sig")).bytes))
        #expect(sigImage.layers.count == 1, "the .sig tag is not written in oci-1-1 mode")

        // docker-registry has no referrers API: the referrer is listed in the sha256-<hex> index with its artifact type.
        let index = try JSONDecoder().decode(ImageIndex.self, from: Data(try await f.client.manifest(ref.withTag("sha256-\(hex)")).bytes))
        #expect(index.manifests.count == 1 && index.manifests[0].artifactType == "application/vnd.dev.cosign.artifact.sig.v1+json", "\(index)")
        let referrerDigest = index.manifests[0].digest
        let referrer = try await f.client.manifest(ref.withDigest(referrerDigest))
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(referrer.bytes))
        #expect(manifest.layers.count == 2 && manifest.layers[0] == sigImage.layers[0], "\(String(decoding: referrer.bytes, as: UTF8.self))")
        let config = try await f.client.blob(ref, digest: manifest.config.digest)
        #expect(
            String(decoding: config, as: UTF8.self)
                == #"{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"},{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["\#(manifest.layers[0].digest)","\#(manifest.layers[1].digest)"]},"config":{}}"#)
        let subjectSize = try await f.client.manifestDescriptor(ref)?.size ?? -1
        let text = String(decoding: referrer.bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.dev.cosign.artifact.sig.v1+json","size":\#(config.count),"digest":"\#(manifest.config.digest)"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json""#), "\(text)")
        #expect(text.hasSuffix(#""subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":\#(subjectSize),"digest":"\#(digest)"},"artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json"}"#), "\(text)")

        // verify finds it only with --experimental-oci11 (as Go cosign); the .sig image's signature still counts.
        let key = ["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog"]
        #expect(await f.run(key + [tagRef]).status != 0)
        let found = await f.run(key + ["--experimental-oci11", tagRef])
        #expect(found.status == 0 && found.stdout.contains(digest), "\(found.stderr)")
        #expect(found.stderr.contains("Flag --experimental-oci11 has been deprecated, OCI referrers will be the default behavior in future versions"))
        #expect(await f.run(["verify", "--key", "\(f.dir)/other.pub", "--insecure-ignore-tlog", "--experimental-oci11", tagRef]).status == 0)

        // tree lists the referrer by its artifact type unless --experimental-oci11=false.
        let tree = await f.run(["tree", tagRef])
        #expect(tree.stdout.contains("application/vnd.dev.cosign.artifact.sig.v1+json artifacts via OCI referrer: \(f.registry.host)/oci11@\(referrerDigest)"), "\(tree.stdout)")
        let legacyTree = await f.run(["tree", "--experimental-oci11=false", tagRef])
        #expect(legacyTree.stdout.contains(".sig") && !legacyTree.stdout.contains("via OCI referrer"), "\(legacyTree.stdout)")

        // attach sbom in oci-1-1 mode: a referrer with the SBOM artifact type, no .sbom tag.
        try Data(#"{"spdxVersion":"SPDX-2.3"}"#.utf8).write(to: URL(fileURLWithPath: "\(f.dir)/sbom.spdx.json"))
        let attached = await run(["attach", "sbom", "--sbom", "\(f.dir)/sbom.spdx.json"] + mode + [tagRef], env: experimental)
        #expect(attached.status == 0, "\(attached.stderr)")
        let withSBOM = await f.run(["tree", tagRef])
        #expect(withSBOM.stdout.contains("application/vnd.dev.cosign.artifact.sbom.v1+json artifacts via OCI referrer"), "\(withSBOM.stdout)")
        let sbomTag = try? await f.client.manifest(ref.withTag("sha256-\(hex).sbom"))
        #expect(sbomTag == nil)

        // PyPI oras reads the referrer and its blobs.
        let (status, output) = try runProcess(
            "python3", [repositoryRoot.appendingPathComponent("Tests/interop/oras_read.py").path, f.registry.host, "oci11", referrerDigest])
        #expect(status == 0 && output.contains("dev.cosignproject.cosign/signature"), "\(output)")
    }

    @Test("a registry behind a private CA: the built binary trusts SSL_CERT_FILE as Go cosign does, and refuses the registry without it")
    func systemTrustFromEnvironment() async throws {
        let binary = try #require(cosignBinary(), "no built cosign binary: run swift build first (or set COSIGN_BIN)")
        let f = try await ImageFixture(.tls)
        defer { f.stop() }
        let (tagRef, digest) = try await f.pushImage("private-ca")
        let ref = tagRef.replacingOccurrences(of: ":v1", with: "@" + digest)
        var env = f.env
        env["SSL_CERT_FILE"] = "\(f.dir)/ca.pem"
        let (signed, signOutput) = try runProcess(binary, ["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "-y", ref], env: env)
        #expect(signed == 0, "\(signOutput)")
        let (verified, verifyOutput) = try runProcess(binary, ["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", ref], env: env)
        #expect(verified == 0 && verifyOutput.contains(digest), "\(verifyOutput)")
        env["SSL_CERT_FILE"] = nil
        let (refused, refusedOutput) = try runProcess(binary, ["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", ref], env: env)
        #expect(refused != 0, "without the CA the registry's certificate must be refused: \(refusedOutput)")
        // The library names the failure; the command line adds the flags that fix it.
        #expect(refusedOutput.contains("the registry's TLS certificate is not trusted (after"), "\(refusedOutput)")
        #expect(refusedOutput.contains("(pass --registry-cacert or set SSL_CERT_FILE, or --allow-insecure-registry for testing)"), "\(refusedOutput)")
    }

    @Test("stored layout matches cosign's: legacy .sig image, bundle referrer and referrers-tag index; oras reads them")
    func layout() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (tagRef, digest) = try await f.pushImage("layout")
        let ref = try f.registry.reference("layout", tag: "v1")
        let hex = String(digest.dropFirst(7))
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", tagRef]).status == 0)
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", tagRef]).status == 0)

        // Legacy: config and manifest exactly as go-containerregistry writes them.
        let sig = try await f.client.manifest(ref.withTag("sha256-\(hex).sig"))
        #expect(sig.mediaType == MediaType.ociManifest)
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(sig.bytes))
        #expect(manifest.layers.count == 1)
        let layer = manifest.layers[0]
        #expect(layer.mediaType == "application/vnd.dev.cosign.simplesigning.v1+json")
        let annotations = layer.annotations ?? [:]
        #expect(Array(annotations.keys) == ["dev.cosignproject.cosign/signature"], "\(String(decoding: sig.bytes, as: UTF8.self))")
        let payload = try await f.client.blob(ref, digest: layer.digest)
        #expect(
            String(decoding: payload, as: UTF8.self)
                == #"{"critical":{"identity":{"docker-reference":"\#(f.registry.host)/layout"},"image":{"docker-manifest-digest":"\#(digest)"},"type":"cosign container image signature"},"optional":null}"#)
        let config = try await f.client.blob(ref, digest: manifest.config.digest)
        #expect(
            String(decoding: config, as: UTF8.self)
                == #"{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["\#(layer.digest)"]},"config":{}}"#)
        #expect(
            String(decoding: sig.bytes, as: UTF8.self)
                == #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":\#(config.count),"digest":"\#(manifest.config.digest)"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":\#(payload.count),"digest":"\#(layer.digest)","annotations":{"dev.cosignproject.cosign/signature":"\#(annotations["dev.cosignproject.cosign/signature"] ?? "")"}}]}"#)

        // v3: docker-registry has no referrers API, so the referrer is listed in the sha256-<hex> index.
        let fallback = try await f.client.manifest(ref.withTag("sha256-\(hex)"))
        #expect(fallback.mediaType == MediaType.ociIndex)
        let index = try JSONDecoder().decode(ImageIndex.self, from: Data(fallback.bytes))
        #expect(index.manifests.count == 1)
        let entry = index.manifests[0]
        #expect(
            String(decoding: fallback.bytes, as: UTF8.self)
                == #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":\#(entry.size),"digest":"\#(entry.digest)","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"}]}"#)
        let referrer = try await f.client.manifest(ref.withDigest(entry.digest))
        let referrerManifest = try JSONDecoder().decode(Manifest.self, from: Data(referrer.bytes))
        let bundleBytes = try await f.client.blob(ref, digest: referrerManifest.layers[0].digest)
        let created = referrerManifest.annotations?["org.opencontainers.image.created"] ?? ""
        #expect(created.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil)
        let subjectSize = try await f.client.manifestDescriptor(ref)?.size ?? -1
        #expect(
            String(decoding: referrer.bytes, as: UTF8.self)
                == #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"},"layers":[{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","size":\#(bundleBytes.count),"digest":"\#(referrerManifest.layers[0].digest)"}],"annotations":{"dev.sigstore.bundle.content":"dsse-envelope","dev.sigstore.bundle.predicateType":"https://sigstore.dev/cosign/sign/v1","org.opencontainers.image.created":"\#(created)"},"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":\#(subjectSize),"digest":"\#(digest)"},"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"}"#)
        #expect(try await f.client.blob(ref, digest: referrerManifest.config.digest) == Array("{}".utf8))
        // The bundle: key hint, DSSE over cosign's sign statement.
        let bundle = try SigstoreBundle(jsonData: bundleBytes)
        guard case .dsseEnvelope(let envelope) = bundle.content else {
            Issue.record("bundle has no DSSE envelope")
            return
        }
        #expect(envelope.payloadType == "application/vnd.in-toto+json")
        #expect(
            String(decoding: envelope.payload.bytes, as: UTF8.self)
                == #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(hex)"},"annotations":{}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}"#)
        guard case .publicKey(let hint) = bundle.verificationMaterial.signer else {
            Issue.record("bundle is not key-signed")
            return
        }
        #expect(hint?.count == 44)

        // PyPI oras, an independent OCI client, reads all three documents and every blob with matching digests.
        let (status, output) = try runProcess(
            "python3",
            [repositoryRoot.appendingPathComponent("Tests/interop/oras_read.py").path, f.registry.host, "layout", "sha256-\(hex).sig", "sha256-\(hex)", entry.digest])
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n")
        #expect(lines.count == 3, "\(output)")
        #expect(output.contains("dev.cosignproject.cosign/signature"))
        #expect(output.contains("application/vnd.dev.sigstore.bundle.v0.3+json"))
    }

    @Test("a byte-exact legacy payload and config for a known digest (digests computed from Go's encoding rules)")
    func knownBytes() {
        let payload = SimpleSigningPayload(dockerReference: "localhost:5000/foo", manifestDigest: "sha256:" + String(repeating: "a", count: 64)).jsonBytes()
        #expect(payload.count == 234)
        #expect(SignatureLayout.sha256(payload) == "sha256:fbceb8a4a55f2b8cba0995d9a374493892d1488144e52f720b5609e52bd7f4fa")
        let config = SignatureLayout.legacyConfig(diffIDs: [SignatureLayout.sha256(payload)])
        #expect(config.count == 233)
        #expect(SignatureLayout.sha256(config) == "sha256:2fb842c6f7499b78129fcb00643281dcd41ed78c11e785ac892d9d6b455f21ba")
        #expect(SignatureLayout.legacyConfig(diffIDs: []).count > 0)
        // HTML characters are escaped as Go does; annotations are sorted.
        let annotated = SimpleSigningPayload(dockerReference: "r", manifestDigest: "sha256:00", annotations: ["z": "<&>", "a": "1"]).jsonBytes()
        #expect(String(decoding: annotated, as: UTF8.self).hasSuffix(#""optional":{"a":"1","z":"\u003c\u0026\u003e"}}"#))
        #expect(SignatureLayout.rfc3339(Date(timeIntervalSince1970: 1_764_539_520)) == "2025-11-30T21:52:00Z")
        #expect(SignatureLayout.tag(for: "sha256:ab", kind: .signature) == "sha256-ab.sig")
    }

    @Test("re-signing with the same key and payload adds nothing; COSIGN_REPOSITORY stores signatures elsewhere")
    func dedupAndRepository() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (tagRef, digest) = try await f.pushImage("dedup")
        let hex = String(digest.dropFirst(7))
        let ref = try f.registry.reference("dedup")
        for _ in 0..<2 {
            #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", "\(f.registry.host)/dedup@\(digest)"]).status == 0)
        }
        let sig = try JSONDecoder().decode(Manifest.self, from: Data(try await f.client.manifest(ref.withTag("sha256-\(hex).sig")).bytes))
        #expect(sig.layers.count == 1)
        // A different annotation is a different signature.
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", "-a", "x=y", tagRef]).status == 0)
        let two = try JSONDecoder().decode(Manifest.self, from: Data(try await f.client.manifest(ref.withTag("sha256-\(hex).sig")).bytes))
        #expect(two.layers.count == 2)

        // COSIGN_REPOSITORY: both schemes write to and read from the other repository.
        let other = "\(f.registry.host)/sigstore"
        var env = f.env
        env["COSIGN_REPOSITORY"] = other
        for scheme in [["--new-bundle-format=false"], []] {
            let (imageRef, _) = try await f.pushImage("elsewhere", tag: scheme.isEmpty ? "b" : "l")
            let signed = await cosign(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false"] + scheme + [imageRef], env: env)
            #expect(signed.status == 0, "\(signed.stderr)")
            #expect(signed.stderr.contains("Pushing signature to: sigstore"))
            #expect(await cosign(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", imageRef], env: env).status == 0)
            // Without the variable the signature is not found next to the image.
            #expect(await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", imageRef]).status == 10)
        }
        // COSIGN_DOCKER_MEDIA_TYPES=1: a new .sig image uses Docker schema 2 types; appending keeps them.
        var docker = f.env
        docker["COSIGN_DOCKER_MEDIA_TYPES"] = "1"
        let (dockerRef, dockerDigest) = try await f.pushImage("docker")
        #expect(await cosign(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", dockerRef], env: docker).status == 0)
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", "-a", "b=2", dockerRef]).status == 0)
        let dockerSig = try await f.client.manifest(try f.registry.reference("docker").withTag("sha256-\(dockerDigest.dropFirst(7)).sig"))
        #expect(dockerSig.mediaType == MediaType.dockerManifest)
        let dockerManifest = try JSONDecoder().decode(Manifest.self, from: Data(dockerSig.bytes))
        #expect(dockerManifest.config.mediaType == MediaType.dockerConfig)
        #expect(dockerManifest.layers.count == 2)
        #expect(await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", dockerRef]).status == 0)
        let tags = try await f.client.tags(try f.registry.reference("sigstore"))
        #expect(tags.contains { $0.hasSuffix(".sig") })
    }

    @Test(
        "16 concurrent cosign sign processes on one image (docker-registry: no referrers API): every signature is kept (issue 23 item 12)",
        arguments: ["bundle", "legacy"])
    func concurrentSigners(scheme: String) async throws {
        guard let binary = cosignBinary() else {
            Issue.record("no built cosign binary: run swift build first (or set COSIGN_BIN)")
            return
        }
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (_, digest) = try await f.pushImage("busy")
        let image = "\(f.registry.host)/busy@\(digest)"
        let signers = 16
        let schemeFlags = scheme == "legacy" ? ["--new-bundle-format=false"] : []
        let outputs = try await withThrowingTaskGroup(of: (Int32, String).self) { group in
            for i in 0..<signers {
                group.addTask {
                    try runProcess(
                        binary, ["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "-a", "signer=\(i)", image] + schemeFlags, env: f.env)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for (status, output) in outputs { #expect(status == 0, "\(output)") }
        if scheme == "legacy" {
            let sig = try await f.client.manifest(try f.registry.reference("busy").withTag("sha256-\(digest.dropFirst(7)).sig"))
            let manifest = try JSONDecoder().decode(Manifest.self, from: Data(sig.bytes))
            #expect(manifest.layers.count == signers)
        }
        let verified = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", image])
        #expect(verified.status == 0)
        let found = Set((0..<signers).filter { verified.stdout.contains("\"signer\":\"\($0)\"") })
        #expect(found.count == signers, "signatures found: \(found.sorted())")
    }

    @Test("bad input: malformed reference, unreachable registry, no --key, bundle path without upload")
    func badInput() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["COSIGN_PASSWORD": "pw", "DOCKER_CONFIG": dir]
        #expect(await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"], env: env).status == 0)
        expectOneLineError(await cosign(["sign", "--key", "\(dir)/k.key", "--tlog-upload=false", "UPPER/Case:tag"], env: env), containing: "parsing reference")
        let port = try TestRegistry.freePort()
        let unreachable = await cosign(["sign", "--key", "\(dir)/k.key", "--tlog-upload=false", "127.0.0.1:\(port)/x:y"], env: env)
        expectOneLineError(unreachable, containing: "127.0.0.1:\(port)")
        expectOneLineError(await cosign(["sign", "--tlog-upload=false", "127.0.0.1:\(port)/x:y"], env: env), containing: "--tlog-upload=false is not supported")
        let noUpload = await cosign(["sign", "--key", "\(dir)/k.key", "--tlog-upload=false", "--upload=false", "127.0.0.1:\(port)/x:y"], env: env)
        expectOneLineError(noUpload, containing: "must enable upload to the OCI registry or specify a local --bundle path")
        expectOneLineError(await cosign(["verify", "--key", "\(dir)/k.pub", "--insecure-ignore-tlog", "-o", "yaml", "a/b:c"], env: env), containing: "--output")
    }
}

@Suite("cosign tree, triangulate, download, attach, upload, copy, clean against docker-registry")
struct ImageToolTests {
    @Test("the attachment commands over both storage schemes")
    func tools() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (tagRef, digest) = try await f.pushImage("tools")
        let hex = String(digest.dropFirst(7))
        let host = f.registry.host
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", tagRef]).status == 0)
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", tagRef]).status == 0)

        let triangulated = await f.run(["triangulate", tagRef])
        #expect(triangulated.stdout == "\(host)/tools:sha256-\(hex).sig\n")
        #expect(await f.run(["triangulate", "--type", "digest", tagRef]).stdout == "\(host)/tools@\(digest)\n")
        #expect(await f.run(["triangulate", "--type", "attestation", tagRef]).stdout == "\(host)/tools:sha256-\(hex).att\n")

        let tree = await f.run(["tree", tagRef])
        #expect(tree.status == 0)
        #expect(tree.stdout.hasPrefix("📦 Supply Chain Security Related artifacts for an image: \(tagRef)\n"))
        #expect(tree.stdout.contains("└── 🔐 Signatures for an image tag: \(host)/tools:sha256-\(hex).sig\n   └── 🍒 sha256:"))
        #expect(tree.stdout.contains("└── 🔗 https://sigstore.dev/cosign/sign/v1 artifacts via OCI referrer: \(host)/tools@sha256:"))

        // download signature: bundles (one JSON per line) take precedence over legacy signatures.
        let downloaded = await f.run(["download", "signature", tagRef])
        #expect(downloaded.status == 0)
        let lines = downloaded.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        #expect((try? SigstoreBundle(jsonData: Array(lines[0].utf8))) != nil)

        // attach signature: a detached signature over our own payload, on another image; verify accepts it.
        let (other, otherDigest) = try await f.pushImage("attached")
        let payload = SimpleSigningPayload(dockerReference: "\(host)/attached", manifestDigest: otherDigest).jsonBytes()
        try Data(payload).write(to: URL(fileURLWithPath: "\(f.dir)/payload.json"))
        let signedBlob = await f.run(["sign-blob", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", "--output-signature", "\(f.dir)/payload.sig", "\(f.dir)/payload.json"])
        #expect(signedBlob.status == 0, "\(signedBlob.stderr)")
        let attached = await f.run(["attach", "signature", "--payload", "\(f.dir)/payload.json", "--signature", "\(f.dir)/payload.sig", other])
        #expect(attached.status == 0, "\(attached.stderr)")
        #expect(await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", other]).status == 0)
        let legacyDownload = await f.run(["download", "signature", other])
        #expect(legacyDownload.stdout.hasPrefix(#"{"Base64Signature":""#))
        #expect(legacyDownload.stdout.contains(#""Payload":"\#(Base64.encode(payload))","Cert":null,"Chain":null,"Bundle":null,"RFC3161Timestamp":null}"#))
        // attach signature with a Sigstore bundle: stored as a referrer.
        let bundlePath = "\(f.dir)/image.sigstore.json"
        let (third, _) = try await f.pushImage("bundled")
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--upload=false", "--bundle", bundlePath, third]).status == 0)
        #expect(await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", third]).status == 10)
        #expect(await f.run(["attach", "signature", "--payload", bundlePath, third]).status == 0)
        #expect(await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", third]).status == 0)

        // copy: the image, its .sig image and its bundle referrer; signatures verify at the destination.
        let copied = await f.run(["copy", tagRef, "\(host)/copied:v1"])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "\(host)/copied:v1"]).status == 0)
        let copiedTree = await f.run(["tree", "\(host)/copied:v1"])
        #expect(copiedTree.stdout.contains(".sig") && copiedTree.stdout.contains("via OCI referrer"), "\(copiedTree.stdout)")
        let legacyTree = await f.run(["tree", "--experimental-oci11=false", "\(host)/copied:v1"])
        #expect(legacyTree.stdout.contains(".sig") && !legacyTree.stdout.contains("via OCI referrer"), "\(legacyTree.stdout)")
        expectOneLineError(await f.run(["tree", "--registry-referrers-mode", "oci", "\(host)/copied:v1"]), containing: "must be one of \"legacy\", \"oci-1-1\"")
        let refused = await f.run(["copy", other, "\(host)/copied:v1"])
        expectOneLineError(refused, containing: "already exists. Use `-f` to overwrite")

        // clean: declined without -f, then everything removed.
        let declined = await cosign(["clean", tagRef] + f.flags, env: f.env, stdin: "n\n")
        #expect(declined.status == 1)
        #expect(declined.stderr.contains("WARNING: this will remove all signatures, SBOMs and attestations from the image"))
        let cleaned = await f.run(["clean", "-f", tagRef])
        #expect(cleaned.status == 0)
        #expect(cleaned.stderr.contains("Removed \(host)/tools:sha256-\(hex).sig from \(tagRef)"))
        #expect(await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", tagRef]).status == 10)
        #expect(await f.run(["tree", tagRef]).stdout.hasPrefix("No Supply Chain Security Related Artifacts found"))

        // upload blob: a single file becomes an image whose layer oras can read.
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: "\(f.dir)/hello.txt"))
        let uploaded = await f.run(["upload", "blob", "-f", "\(f.dir)/hello.txt", "\(host)/files:v1"])
        #expect(uploaded.status == 0, "\(uploaded.stderr)")
        #expect(uploaded.stdout.hasPrefix("\(host)/files@sha256:"))
        #expect(uploaded.stderr.contains("with media type [text/plain]"))
        let (status, output) = try runProcess("python3", [repositoryRoot.appendingPathComponent("Tests/interop/oras_read.py").path, host, "files", "v1"])
        #expect(status == 0, "\(output)")
        #expect(output.contains(#""text/plain""#) && output.contains(#"hello\n"#))

        // A 20 MiB file goes up in 8 MiB chunks (PATCH with Content-Range) and comes back byte for byte.
        let big = (0..<(20 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        try Data(big).write(to: URL(fileURLWithPath: "\(f.dir)/big.bin"))
        let bigUpload = await f.run(["upload", "blob", "-f", "\(f.dir)/big.bin", "--ct", "application/octet-stream", "\(host)/files:big"])
        #expect(bigUpload.status == 0, "\(bigUpload.stderr)")
        let bigRef = try f.registry.reference("files", tag: "big")
        let bigManifest = try JSONDecoder().decode(Manifest.self, from: Data(try await f.client.manifest(bigRef).bytes))
        #expect(bigManifest.layers.first?.digest == TestImage.digest(big))
        #expect(bigManifest.layers.first?.mediaType == "application/octet-stream")
        #expect(try await f.client.blob(bigRef, digest: TestImage.digest(big)) == big)
        // copy moves the 20 MiB layer in ranged reads and chunked writes.
        #expect(await f.run(["copy", "\(host)/files:big", "\(host)/bigcopy:v1"]).status == 0)
        #expect(try await f.client.blob(try f.registry.reference("bigcopy"), digest: TestImage.digest(big)) == big)

        // copy --platform: one image of a multi-platform index, with its own signature.
        try Data("arm\n".utf8).write(to: URL(fileURLWithPath: "\(f.dir)/arm.txt"))
        let multi = await f.run(["upload", "blob", "-f", "\(f.dir)/hello.txt:linux/amd64", "-f", "\(f.dir)/arm.txt:linux/arm64", "\(host)/multi:v1"])
        #expect(multi.status == 0, "\(multi.stderr)")
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "-r", "\(host)/multi:v1"]).status == 0)
        let platformCopy = await f.run(["copy", "--platform", "linux/arm64", "\(host)/multi:v1", "\(host)/arm:v1"])
        #expect(platformCopy.status == 0, "\(platformCopy.stderr)")
        let copiedManifest = try await f.client.manifest(try f.registry.reference("arm", tag: "v1"))
        #expect(!copiedManifest.mediaType.contains("index"), "the destination is the arm64 image, not the index")
        let armManifest = try JSONDecoder().decode(Manifest.self, from: Data(copiedManifest.bytes))
        #expect(armManifest.layers.first?.digest == TestImage.digest(Array("arm\n".utf8)))
        #expect(await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "\(host)/arm:v1"]).status == 0)
        expectOneLineError(
            await f.run(["copy", "--platform", "linux/s390x", "\(host)/multi:v1", "\(host)/s390x:v1"]), containing: "unable to find an entity for linux/s390x")
        expectOneLineError(
            await f.run(["copy", "--platform", "linux/amd64", "\(host)/files:v1", "\(host)/single:v1"]), containing: "specified reference is not a multiarch image")
    }

    @Test("signing through a faulty registry: transient faults are retried; persistent ones fail clearly and never leave a manifest naming a missing blob")
    func faults() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let proxy = try FaultProxy(upstream: f.registry)
        defer { proxy.stop() }
        let (_, digest) = try await f.pushImage("faulty")
        let image = "127.0.0.1:\(proxy.port)/faulty@\(digest)"
        let args = ["--allow-http-registry", "--key", "\(f.dir)/k.key", "--tlog-upload=false"]
        for scheme in [["--new-bundle-format=false"], []] {
            // Two faults in a row on one request, then a pass: within the four attempts per request.
            try proxy.plan(["pass", "500", "429", "pass", "reset", "503", "pass", "slow", "pass", "500"])
            let signed = await f.run(["sign"] + args + scheme + [image])
            #expect(signed.status == 0, "\(signed.stderr)")
        }
        try proxy.plan([])
        let verified = await f.run(["verify", "--allow-http-registry", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", image])
        #expect(verified.status == 0, "\(verified.stderr)")

        // Persistent failure starting at every point of a legacy sign: one clear error, and whatever was written is
        // consistent (every blob a manifest names exists).
        let ref = try f.registry.reference("faulty", tag: "sha256-\(digest.dropFirst(7)).sig")
        for passing in [1, 4, 7, 10] {
            try proxy.plan(Array(repeating: "pass", count: passing) + Array(repeating: "500", count: 40))
            let failed = await f.run(["sign"] + args + ["--new-bundle-format=false", "-a", "n=\(passing)", image])
            if failed.status != 0 {
                expectOneLineError(failed, containing: "HTTP 500")
            }
            try proxy.plan([])
            if let fetched = try? await f.client.manifest(ref) {
                let manifest = try JSONDecoder().decode(Manifest.self, from: Data(fetched.bytes))
                for blob in [manifest.config] + manifest.layers {
                    #expect(try await f.client.blobExists(ref, digest: blob.digest), "manifest names missing blob \(blob.digest) after \(passing) requests")
                }
            }
        }
    }
}

@Suite("cosign verify with identities: keyless bundles stored as referrers")
struct KeylessImageVerifyTests {
    @Test("a keyless DSSE bundle over an image, attached as a referrer, verifies with the identity flags and a trusted root")
    func keyless() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let image = try TestImage()
        let ref = try f.registry.reference("keyless", tag: "v1")
        let digest = try await image.push(with: f.client, to: ref)
        // The virtual Sigstore's DSSE statement names sha256 of the bytes it is given: the manifest's digest.
        let sigstore = try VirtualSigstore()
        let bundle = try sigstore.sign(image.manifestBytes, options: .init(time: KeylessVerifyTests.signingTime, identity: .email("dev@example.com"), dsse: true))
        try Data(bundle).write(to: URL(fileURLWithPath: "\(f.dir)/keyless.sigstore.json"))
        try Data(sigstore.trustedRootJSON()).write(to: URL(fileURLWithPath: "\(f.dir)/trusted_root.json"))
        let imageRef = "\(f.registry.host)/keyless@\(digest)"
        #expect(await f.run(["attach", "signature", "--payload", "\(f.dir)/keyless.sigstore.json", imageRef]).status == 0)

        let base = ["verify", "--trusted-root", "\(f.dir)/trusted_root.json", "--certificate-oidc-issuer", "https://issuer.example"]
        let verified = await f.run(base + ["--certificate-identity", "dev@example.com", imageRef])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stderr.contains("  - Existence of the claims in the transparency log was verified offline"))
        #expect(verified.stderr.contains("  - The code-signing certificate was verified using trusted certificate authority certificates"))
        #expect(verified.stdout.contains(#""Issuer":"https://issuer.example""#), "\(verified.stdout)")
        #expect(verified.stdout.contains(#""Subject":"dev@example.com""#))
        let text = await f.run(base + ["--certificate-identity", "dev@example.com", "-o", "text", imageRef])
        #expect(text.stderr.contains("Certificate subject: dev@example.com"))
        #expect(text.stderr.contains("Certificate issuer URL: https://issuer.example"))

        let wrong = await f.run(base + ["--certificate-identity", "eve@example.com", imageRef])
        expectOneLineError(wrong, containing: "no matching attestations: verification failed (identity check)")
        let noRoot = await f.run(["verify", "--certificate-identity", "dev@example.com", "--certificate-oidc-issuer", "https://issuer.example", imageRef])
        expectOneLineError(noRoot, containing: "--trusted-root")

        // The bundle's statement is also an attestation (cosign's custom predicate type): verify-attestation accepts it
        // with the identity flags and prints its envelope.
        let attestationBase = ["verify-attestation", "--trusted-root", "\(f.dir)/trusted_root.json", "--certificate-oidc-issuer", "https://issuer.example"]
        let attestation = await f.run(attestationBase + ["--certificate-identity", "dev@example.com", "--type", "custom", imageRef])
        #expect(attestation.status == 0, "\(attestation.stderr)")
        #expect(attestation.stderr.contains("  - The code-signing certificate was verified using trusted certificate authority certificates"))
        #expect(attestation.stderr.contains("Certificate subject: dev@example.com"))
        #expect(attestation.stdout.contains(#""payloadType":"application/vnd.in-toto+json""#), "\(attestation.stdout)")
        let wrongAttestation = await f.run(attestationBase + ["--certificate-identity", "eve@example.com", imageRef])
        expectOneLineError(wrongAttestation, containing: "no matching attestations: verification failed (identity check)")
    }

    @Test("a keyless legacy .sig layer (certificate, chain and Rekor bundle annotations) verifies; a key-only layer gives exit 13")
    func keylessLegacy() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (tagRef, digest) = try await f.pushImage("keyless-legacy")
        let payload = SimpleSigningPayload(dockerReference: "\(f.registry.host)/keyless-legacy", manifestDigest: digest).jsonBytes()
        let sigstore = try VirtualSigstore()
        try Data(sigstore.trustedRootJSON()).write(to: URL(fileURLWithPath: "\(f.dir)/trusted_root.json"))
        let bundleJSON = try sigstore.sign(payload, options: .init(time: KeylessVerifyTests.signingTime, identity: .email("dev@example.com")))
        // Turn the bundle into the annotations cosign's legacy writer puts on a layer.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bundleJSON)) as? [String: Any])
        let material = try #require(object["verificationMaterial"] as? [String: Any])
        let certificate = try #require((material["certificate"] as? [String: Any])?["rawBytes"] as? String)
        let entry = try #require((material["tlogEntries"] as? [[String: Any]])?.first)
        let signature = try #require((object["messageSignature"] as? [String: Any])?["signature"] as? String)
        let der = try #require(Data(base64Encoded: certificate))
        let pem = "-----BEGIN CERTIFICATE-----\n" + der.base64EncodedString(options: .lineLength64Characters) + "\n-----END CERTIFICATE-----\n"
        let keyID = try #require((entry["logId"] as? [String: Any])?["keyId"] as? String)
        let logID = try #require(Data(base64Encoded: keyID))
        let set = try #require((entry["inclusionPromise"] as? [String: Any])?["signedEntryTimestamp"] as? String)
        let rekorBundle = #"{"SignedEntryTimestamp":"\#(set)","Payload":{"body":"\#(entry["canonicalizedBody"] as? String ?? "")","integratedTime":\#(entry["integratedTime"] as? String ?? "0"),"logIndex":\#(entry["logIndex"] as? String ?? "0"),"logID":"\#(logID.map { String(format: "%02x", $0) }.joined())"}}"#
        let layer = LegacyLayer(
            payload: payload, mediaType: CosignMediaType.simpleSigning,
            annotations: [
                CosignAnnotation.signature: signature, CosignAnnotation.certificate: pem, CosignAnnotation.chain: "",
                CosignAnnotation.bundle: rekorBundle,
            ])
        let store = SignatureStore(client: f.client)
        let tag = try f.registry.reference("keyless-legacy").withTag("sha256-\(digest.dropFirst(7)).sig")
        try await store.appendLegacy(layer, to: tag)

        let base = ["verify", "--trusted-root", "\(f.dir)/trusted_root.json", "--certificate-oidc-issuer", "https://issuer.example"]
        let verified = await f.run(base + ["--certificate-identity", "dev@example.com", tagRef])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains(#""Subject":"dev@example.com""#), "\(verified.stdout)")
        let wrong = await f.run(base + ["--certificate-identity", "eve@example.com", tagRef])
        #expect(wrong.status == 12, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("no matching signatures: verification failed (identity check)"), "\(wrong.stderr)")

        // A key-signed legacy signature verified keylessly: no certificate (exit 13).
        let (keyed, _) = try await f.pushImage("keyed")
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", keyed]).status == 0)
        let noCert = await f.run(base + ["--certificate-identity", "dev@example.com", keyed])
        #expect(noCert.status == 13, "\(noCert.stderr)")
        #expect(noCert.stderr.contains("Error: no certificate found on signature"))
    }

    @Test("a keyless legacy .att layer (DSSE envelope with certificate and Rekor dsse entry annotations) verifies with verify-attestation")
    func keylessLegacyAttestation() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let image = try TestImage()
        let ref = try f.registry.reference("keyless-att", tag: "v1")
        let digest = try await image.push(with: f.client, to: ref)
        let sigstore = try VirtualSigstore()
        try Data(sigstore.trustedRootJSON()).write(to: URL(fileURLWithPath: "\(f.dir)/trusted_root.json"))
        let bundleJSON = try sigstore.sign(image.manifestBytes, options: .init(time: KeylessVerifyTests.signingTime, identity: .email("dev@example.com"), dsse: true))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bundleJSON)) as? [String: Any])
        let material = try #require(object["verificationMaterial"] as? [String: Any])
        let certificate = try #require((material["certificate"] as? [String: Any])?["rawBytes"] as? String)
        let entry = try #require((material["tlogEntries"] as? [[String: Any]])?.first)
        let envelope = try #require(object["dsseEnvelope"] as? [String: Any])
        let der = try #require(Data(base64Encoded: certificate))
        let pem = "-----BEGIN CERTIFICATE-----\n" + der.base64EncodedString(options: .lineLength64Characters) + "\n-----END CERTIFICATE-----\n"
        let keyID = try #require((entry["logId"] as? [String: Any])?["keyId"] as? String)
        let logID = try #require(Data(base64Encoded: keyID))
        let set = try #require((entry["inclusionPromise"] as? [String: Any])?["signedEntryTimestamp"] as? String)
        let kind = try #require((entry["kindVersion"] as? [String: Any])?["kind"] as? String)
        #expect(kind == "dsse")
        let rekorBundle = #"{"SignedEntryTimestamp":"\#(set)","Payload":{"body":"\#(entry["canonicalizedBody"] as? String ?? "")","integratedTime":\#(entry["integratedTime"] as? String ?? "0"),"logIndex":\#(entry["logIndex"] as? String ?? "0"),"logID":"\#(logID.map { String(format: "%02x", $0) }.joined())"}}"#
        let layer = LegacyLayer(
            payload: Array(try JSONSerialization.data(withJSONObject: envelope)), mediaType: CosignMediaType.dsseEnvelope,
            annotations: [
                CosignAnnotation.signature: "", CosignAnnotation.certificate: pem, CosignAnnotation.chain: "",
                CosignAnnotation.bundle: rekorBundle, CosignAnnotation.predicateType: "https://cosign.sigstore.dev/attestation/v1",
            ])
        let store = SignatureStore(client: f.client)
        try await store.appendLegacy(layer, to: ref.withTag("sha256-\(digest.dropFirst(7)).att"))
        let imageRef = "\(f.registry.host)/keyless-att@\(digest)"

        let base = ["verify-attestation", "--trusted-root", "\(f.dir)/trusted_root.json", "--certificate-oidc-issuer", "https://issuer.example"]
        let verified = await f.run(base + ["--certificate-identity", "dev@example.com", imageRef])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stderr.contains("Certificate subject: dev@example.com"))
        #expect(verified.stdout.split(separator: "\n").count == 1)
        let wrong = await f.run(base + ["--certificate-identity", "eve@example.com", imageRef])
        expectOneLineError(wrong, containing: "no matching attestations: verification failed (identity check)")
        // The same layer checked with a key: the key does not match the certificate.
        let keyed = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", imageRef])
        #expect(keyed.status == 1)
        #expect(keyed.stderr.contains("no matching attestations"), "\(keyed.stderr)")
    }
}

/// Library messages name no command-line flag (issue 24): a front end words the remedy (``Remedy``) in its own terms.
@Suite("library errors name no CLI flag; the command line adds it from the remedy")
struct RemedyTests {
    @Test("no message string literal of the library targets names a --flag (other tools' flags, in parentheses after e.g., excepted)")
    func noFlagsInLibraryMessages() throws {
        let libraries = [
            "SigstoreCore", "SigstoreJSON", "SigstoreCrypto", "SigstoreModels", "SigstoreVerify", "Sigstore", "SigstoreIssuing", "SigstoreSign",
            "SigstoreTUF", "SigstoreKMS", "SigstorePKCS11", "OCIModels", "OCIRegistry",
        ]
        var offenders: [String] = []
        for library in libraries {
            let dir = repositoryRoot.appendingPathComponent("Sources/\(library)")
            guard let files = FileManager.default.enumerator(atPath: dir.path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let code = line.trimmingCharacters(in: .whitespaces)
                    guard !code.hasPrefix("//"), line.contains("\""), line.contains(" --"), !line.contains("e.g.") else { continue }
                    if line.firstMatch(of: /"[^"]*\s--[a-z][a-z0-9-]*/) != nil { offenders.append("\(library)/\(file):\(number + 1)") }
                }
            }
        }
        #expect(offenders.isEmpty, "\(offenders)")
    }

    @Test("a reference with a URL scheme: the library's message, then the command line's flag")
    func schemeRemedy() async throws {
        let result = await cosign(["triangulate", "https://registry.example/a/b:v1"])
        expectOneLineError(result, containing: "image reference must not contain a URL scheme (http:// or https://): https://registry.example/a/b:v1 (to use plain HTTP, pass --allow-http-registry)")
        #expect(throws: OCIError.self) { _ = try ImageReference(parsing: "http://x/y") }
        do {
            _ = try ImageReference(parsing: "http://x/y")
        } catch let error as OCIError {
            #expect(!error.message.contains("--") && error.remedy == .plainHTTPRegistry)
        }
    }
}
