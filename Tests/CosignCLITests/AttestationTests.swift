import Cosign
import CosignCLI
import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import RegistryTesting
import SigstoreModels
import SigstoreTesting
import Testing

/// Predicates of the types the issue names, as small but realistic documents.
enum Predicates {
    static let slsa1 = #"""
        {"buildDefinition":{"buildType":"https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
          "externalParameters":{"workflow":{"ref":"refs/heads/main","repository":"https://github.com/octo/app","path":".github/workflows/build.yml"}},
          "resolvedDependencies":[{"uri":"git+https://github.com/octo/app@refs/heads/main","digest":{"gitCommit":"6f1e2a0c1b7d4e5f8a9b0c1d2e3f4a5b6c7d8e9f"}}]},
         "runDetails":{"builder":{"id":"https://github.com/octo/app/.github/workflows/build.yml@refs/heads/main"},
          "metadata":{"invocationID":"https://github.com/octo/app/actions/runs/1/attempts/1","startedOn":"2026-11-30T10:00:00Z"}}}
        """#
    static let spdx = #"""
        {"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"app",
         "documentNamespace":"https://example.com/spdx/app-1","creationInfo":{"created":"2026-11-30T10:00:00Z","creators":["Tool: syft-1.0"]},
         "packages":[{"name":"openssl","SPDXID":"SPDXRef-Package-openssl","versionInfo":"3.0.15","downloadLocation":"NOASSERTION"}]}
        """#
    static let cyclonedx = #"""
        {"bomFormat":"CycloneDX","specVersion":"1.5","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,
         "components":[{"type":"library","name":"zlib","version":"1.3.1","purl":"pkg:generic/zlib@1.3.1"}]}
        """#
    static let custom = "release notes: <b>v1</b> & friends\n"

    /// (`--type`, file contents, predicate-type URI)
    static let all: [(String, String, String)] = [
        ("slsaprovenance1", slsa1, "https://slsa.dev/provenance/v1"),
        ("spdxjson", spdx, "https://spdx.dev/Document"),
        ("cyclonedx", cyclonedx, "https://cyclonedx.org/bom"),
        ("custom", custom, "https://cosign.sigstore.dev/attestation/v1"),
    ]
}

/// The in-toto statement inside a DSSE envelope JSON line (or a bundle line).
func statement(ofEnvelopeLine line: some StringProtocol) throws -> [String: Any] {
    var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    if let envelope = object["dsseEnvelope"] as? [String: Any] { object = envelope }
    let payload = Data(base64Encoded: object["payload"] as! String)!
    return try JSONSerialization.jsonObject(with: payload) as! [String: Any]
}

@Suite("cosign attest / verify-attestation on images against docker-registry")
struct ImageAttestationTests {
    @Test("round trip for SLSA v1, SPDX JSON, CycloneDX and custom predicates, both storage schemes", arguments: [false, true])
    func roundTrip(legacy: Bool) async throws {
        let f = try await ImageFixture(.token)
        defer { f.stop() }
        let (tagRef, digest) = try await f.pushImage(legacy ? "legacy" : "bundle")
        let digestRef = "\(tagRef.split(separator: ":").dropLast().joined(separator: ":"))@\(digest)"
        let scheme = legacy ? ["--new-bundle-format=false"] : []
        for (type, contents, _) in Predicates.all {
            let path = "\(f.dir)/\(type).predicate"
            try contents.write(toFile: path, atomically: true, encoding: .utf8)
            let attested = await f.run(["attest", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--predicate", path, "--type", type] + scheme + [digestRef])
            #expect(attested.status == 0, "\(type): \(attested.stderr)")
            #expect(attested.stderr.contains("Using payload from: \(path)"))
            #expect(attested.stdout.isEmpty)
        }
        let repository = "\(f.registry.host)/\(legacy ? "legacy" : "bundle")"
        for (type, contents, uri) in Predicates.all {
            let verified = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", type, tagRef])
            #expect(verified.status == 0, "\(type): \(verified.stderr)")
            #expect(verified.stderr.contains("WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the attestation."))
            #expect(verified.stderr.contains("Verification for \(tagRef) --"))
            #expect(verified.stderr.contains("  - The signatures were verified against the specified public key"))
            let lines = verified.stdout.split(separator: "\n")
            #expect(lines.count == 1, "\(type): \(verified.stdout)")
            guard let line = lines.first else { continue }
            let s = try statement(ofEnvelopeLine: line)
            #expect(s["_type"] as? String == "https://in-toto.io/Statement/v0.1")
            #expect(s["predicateType"] as? String == uri)
            let subject = (s["subject"] as! [[String: Any]])[0]
            #expect(subject["name"] as? String == repository)
            #expect((subject["digest"] as? [String: String])?["sha256"] == String(digest.dropFirst(7)))
            let predicate = s["predicate"]
            switch type {
            case "custom": #expect((predicate as? [String: Any])?["Data"] as? String == contents)
            case "slsaprovenance1":
                let metadata = ((predicate as? [String: Any])?["runDetails"] as? [String: Any])?["metadata"] as? [String: Any]
                #expect(metadata?["invocationId"] as? String == "https://github.com/octo/app/actions/runs/1/attempts/1")
            default:
                let original = try JSONSerialization.jsonObject(with: Data(contents.utf8)) as! NSDictionary
                #expect((predicate as? NSDictionary) == original)
            }
        }

        // A type nobody attested: cosign's error naming the types found.
        let none = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", "vuln", tagRef])
        #expect(none.status == 1)
        #expect(none.stderr.contains("Error: none of the attestations matched the predicate type: vuln, found: "), "\(none.stderr)")
        #expect(none.stderr.contains("https://spdx.dev/Document"))
        // The wrong key.
        let wrong = await f.run(["verify-attestation", "--key", "\(f.dir)/other.pub", "--insecure-ignore-tlog", "--type", "spdxjson", tagRef])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("Error: no matching attestations: "), "\(wrong.stderr)")

        // download attestation: everything, or one predicate type.
        let all = await f.run(["download", "attestation", tagRef])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.split(separator: "\n").count == 4, "\(all.stdout)")
        let spdx = await f.run(["download", "attestation", "--predicate-type", "spdxjson", tagRef])
        #expect(spdx.status == 0)
        let spdxLines = spdx.stdout.split(separator: "\n")
        #expect(spdxLines.count == 1)
        if let line = spdxLines.first { #expect(try statement(ofEnvelopeLine: line)["predicateType"] as? String == "https://spdx.dev/Document") }
        if legacy { #expect(spdx.stdout.hasPrefix(#"{"payloadType":"application/vnd.in-toto+json","payload":"#)) }
        let missing = await f.run(["download", "attestation", "--predicate-type", "openvex", tagRef])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("Error: no attestations with predicate type 'https://openvex.dev/ns' found"))

        // tree lists them; copy takes them along.
        let tree = await f.run(["tree", tagRef])
        #expect(tree.status == 0)
        #expect(tree.stdout.contains(legacy ? "💾 Attestations for an image tag: " : "└── 🔗 https://spdx.dev/Document artifacts via OCI referrer: "), "\(tree.stdout)")
        let destination = "\(f.registry.host)/copied-\(legacy ? "legacy" : "bundle"):v1"
        let copied = await f.run(["copy", tagRef, destination])
        #expect(copied.status == 0, "\(copied.stderr)")
        let atDestination = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", "cyclonedx", destination])
        #expect(atDestination.status == 0, "\(atDestination.stderr)")

        // Where they are stored.
        let ref = try f.registry.reference(legacy ? "legacy" : "bundle", tag: "v1")
        let hex = String(digest.dropFirst(7))
        if legacy {
            let manifest = try JSONDecoder().decode(Manifest.self, from: Data(try await f.client.manifest(ref.withTag("sha256-\(hex).att")).bytes))
            #expect(manifest.layers.count == 4)
            #expect(manifest.layers.allSatisfy { $0.mediaType == "application/vnd.dsse.envelope.v1+json" })
            #expect(manifest.layers.map { $0.annotations?["predicateType"] ?? "" }.sorted() == Predicates.all.map(\.2).sorted())
            #expect(manifest.layers.allSatisfy { $0.annotations?["dev.cosignproject.cosign/signature"] == "" })
        } else {
            let index = try JSONDecoder().decode(ImageIndex.self, from: Data(try await f.client.manifest(ref.withTag("sha256-\(hex)")).bytes))
            #expect(index.manifests.count == 4)
            for entry in index.manifests {
                let manifest = try JSONDecoder().decode(Manifest.self, from: Data(try await f.client.manifest(ref.withDigest(entry.digest)).bytes))
                #expect(manifest.annotations?["dev.sigstore.bundle.content"] == "dsse-envelope")
                #expect(Predicates.all.map(\.2).contains(manifest.annotations?["dev.sigstore.bundle.predicateType"] ?? ""))
                #expect(manifest.subject?.digest == digest)
            }
        }
    }

    @Test("legacy --replace drops earlier attestations of the same type only; re-attesting appends")
    func replace() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (tagRef, digest) = try await f.pushImage()
        let legacy = ["--new-bundle-format=false", "--tlog-upload=false", "--key", "\(f.dir)/k.key"]
        try Predicates.custom.write(toFile: "\(f.dir)/c.txt", atomically: true, encoding: .utf8)
        try Predicates.spdx.write(toFile: "\(f.dir)/s.json", atomically: true, encoding: .utf8)
        for args in [["--predicate", "\(f.dir)/c.txt"], ["--predicate", "\(f.dir)/c.txt"], ["--predicate", "\(f.dir)/s.json", "--type", "spdxjson"]] {
            let r = await f.run(["attest"] + legacy + args + [tagRef])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let tag = try f.registry.reference("app", tag: "sha256-\(digest.dropFirst(7)).att")
        func layers() async throws -> [Descriptor] {
            try JSONDecoder().decode(Manifest.self, from: Data(try await f.client.manifest(tag).bytes)).layers
        }
        // cosign never treats attestations as duplicates: the same custom predicate twice gives two layers.
        #expect(try await layers().count == 3)
        let replaced = await f.run(["attest"] + legacy + ["--replace", "--predicate", "\(f.dir)/c.txt", tagRef])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(replaced.stderr.contains("Replacing attestation predicate: https://cosign.sigstore.dev/attestation/v1"))
        #expect(replaced.stderr.contains("Not replacing attestation predicate: https://spdx.dev/Document"))
        let after = try await layers()
        #expect(after.count == 2)
        #expect(after.map { $0.annotations?["predicateType"] ?? "" }.sorted() == ["https://cosign.sigstore.dev/attestation/v1", "https://spdx.dev/Document"])
        let verified = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", tagRef])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.split(separator: "\n").count == 1)
    }

    @Test("--record-creation-timestamp sets the legacy image's creation time (SOURCE_DATE_EPOCH honoured)")
    func creationTimestamp() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (ref, digest) = try await f.pushImage()
        try Predicates.custom.write(toFile: "\(f.dir)/c.txt", atomically: true, encoding: .utf8)
        var env = f.env
        env["SOURCE_DATE_EPOCH"] = "1700000000"
        let key = ["--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", "--record-creation-timestamp"]
        #expect(await cosign(["sign"] + key + [ref] + f.flags, env: env).status == 0)
        #expect(await cosign(["attest"] + key + ["--predicate", "\(f.dir)/c.txt", ref] + f.flags, env: env).status == 0)
        let hex = String(digest.dropFirst(7))
        for suffix in ["sig", "att"] {
            let tag = try f.registry.reference("app", tag: "sha256-\(hex).\(suffix)")
            let manifest = try JSONDecoder().decode(Manifest.self, from: Data(try await f.client.manifest(tag).bytes))
            let config = try await f.client.blob(tag, digest: manifest.config.digest)
            let object = try JSONSerialization.jsonObject(with: Data(config)) as! [String: Any]
            #expect(object["created"] as? String == "2023-11-14T22:13:20Z", "\(suffix)")
            #expect(((object["history"] as? [[String: Any]])?.first?["created"] as? String) == "0001-01-01T00:00:00Z")
        }
    }

    @Test("tampered payloads and subjects that do not name the image are refused")
    func tampering() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        try Predicates.spdx.write(toFile: "\(f.dir)/s.json", atomically: true, encoding: .utf8)
        let base = ["--tlog-upload=false", "--key", "\(f.dir)/k.key", "--predicate", "\(f.dir)/s.json", "--type", "spdxjson"]

        // Legacy: change the statement inside a stored envelope, keeping its signature.
        let (legacyRef, legacyDigest) = try await f.pushImage("legacy")
        #expect(await f.run(["attest", "--new-bundle-format=false"] + base + [legacyRef]).status == 0)
        let ref = try f.registry.reference("legacy", tag: "v1")
        let tag = ref.withTag("sha256-\(legacyDigest.dropFirst(7)).att")
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(try await f.client.manifest(tag).bytes))
        let envelopeBytes = try await f.client.blob(ref, digest: manifest.layers[0].digest)
        var envelope = try JSONSerialization.jsonObject(with: Data(envelopeBytes)) as! [String: Any]
        let original = String(decoding: Data(base64Encoded: envelope["payload"] as! String)!, as: UTF8.self)
        envelope["payload"] = Data(original.replacingOccurrences(of: "openssl", with: "opensst").utf8).base64EncodedString()
        let tamperedFile = "\(f.dir)/tampered.json"
        try JSONSerialization.data(withJSONObject: envelope).write(to: URL(fileURLWithPath: tamperedFile))
        // Replace the stored attestation with the tampered one.
        try await f.client.deleteManifest(ref.withDigest(try await f.client.manifestDescriptor(tag)!.digest))
        let attached = await f.run(["attach", "attestation", "--attestation", tamperedFile, legacyRef])
        #expect(attached.status == 0, "\(attached.stderr)")
        let tampered = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", "spdxjson", legacyRef])
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("Error: no matching attestations: verifying DSSE envelope"), "\(tampered.stderr)")

        // Attestations over another digest (attest-blob --hash), attached to the image: both schemes refuse them.
        let (bundleRef, _) = try await f.pushImage("bundle")
        let otherHash = String(repeating: "0f", count: 32)
        let blobBase = ["attest-blob", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--predicate", "\(f.dir)/s.json", "--type", "spdxjson", "--hash", otherHash]
        let envelopeFile = "\(f.dir)/other.dsse.json"
        let legacyBlob = await f.run(blobBase + ["--new-bundle-format=false", "--output-signature", envelopeFile, "x"])
        #expect(legacyBlob.status == 0, "\(legacyBlob.stderr)")
        let bundleFile = "\(f.dir)/other.sigstore.json"
        #expect(await f.run(blobBase + ["--bundle", bundleFile, "x"]).status == 0)
        let (wrongSubjectRef, _) = try await f.pushImage("wrong-subject")
        #expect(await f.run(["attach", "attestation", "--attestation", envelopeFile, wrongSubjectRef]).status == 0)
        let legacyMismatch = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", "spdxjson", wrongSubjectRef])
        #expect(legacyMismatch.status == 1)
        #expect(legacyMismatch.stderr.contains("no matching subject digest found"), "\(legacyMismatch.stderr)")
        #expect(await f.run(["attach", "attestation", "--attestation", bundleFile, bundleRef]).status == 0)
        let bundleMismatch = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", "spdxjson", bundleRef])
        #expect(bundleMismatch.status == 1)
        #expect(bundleMismatch.stderr.contains("(artifact check)"), "\(bundleMismatch.stderr)")
    }

    @Test("attach attestation: an envelope or a bundle made with attest-blob over the image digest verifies")
    func attach() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        try Predicates.cyclonedx.write(toFile: "\(f.dir)/bom.json", atomically: true, encoding: .utf8)
        for legacy in [true, false] {
            let (ref, digest) = try await f.pushImage(legacy ? "legacy" : "bundle")
            let out = "\(f.dir)/\(legacy ? "att.dsse.json" : "att.sigstore.json")"
            let blob = ["attest-blob", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--predicate", "\(f.dir)/bom.json", "--type", "cyclonedx", "--hash", String(digest.dropFirst(7))]
            let made = await f.run(blob + (legacy ? ["--new-bundle-format=false", "--output-signature", out] : ["--bundle", out]) + ["image"])
            #expect(made.status == 0, "\(made.stderr)")
            let attached = await f.run(["attach", "attestation", "--attestation", out, ref])
            #expect(attached.status == 0, "\(attached.stderr)")
            let verified = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", "cyclonedx", ref])
            #expect(verified.status == 0, "legacy=\(legacy): \(verified.stderr)")
            #expect(verified.stdout.split(separator: "\n").count == 1)
        }
        // One file holding two envelopes (a JSON stream, as cosign reads it) gives two layers.
        let (streamRef, streamDigest) = try await f.pushImage("stream")
        let hexDigest = String(streamDigest.dropFirst(7))
        var envelopes = ""
        for type in ["cyclonedx", "spdxjson"] {
            let predicate = type == "cyclonedx" ? "\(f.dir)/bom.json" : "\(f.dir)/spdx.json"
            if type == "spdxjson" { try Predicates.spdx.write(toFile: predicate, atomically: true, encoding: .utf8) }
            let made = await f.run(
                ["attest-blob", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--predicate", predicate, "--type", type, "--hash", hexDigest,
                 "--new-bundle-format=false", "image"])
            #expect(made.status == 0, "\(made.stderr)")
            envelopes += made.stdout
        }
        try envelopes.write(toFile: "\(f.dir)/two.json", atomically: true, encoding: .utf8)
        let attachedTwo = await f.run(["attach", "attestation", "--attestation", "\(f.dir)/two.json", streamRef])
        #expect(attachedTwo.status == 0, "\(attachedTwo.stderr)")
        for type in ["cyclonedx", "spdxjson"] {
            let verified = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", type, streamRef])
            #expect(verified.status == 0, "\(type): \(verified.stderr)")
        }

        // Bad input: not JSON, wrong payload type, an envelope without signatures; nothing is written.
        let (ref, digest) = try await f.pushImage("bad")
        let cases: [(String, String)] = [
            ("not json", "invalid JSON"),
            (#"{"payloadType":"text/plain","payload":"e30=","signatures":[{"sig":"AA=="}]}"#, "invalid payloadType text/plain on envelope"),
            (#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}"#, "could not attach attestation without having signatures"),
        ]
        for (i, (contents, message)) in cases.enumerated() {
            try contents.write(toFile: "\(f.dir)/bad\(i).json", atomically: true, encoding: .utf8)
            let r = await f.run(["attach", "attestation", "--attestation", "\(f.dir)/bad\(i).json", ref])
            #expect(r.status == 1)
            #expect(r.stderr.contains(message), "\(r.stderr)")
        }
        let tag = try f.registry.reference("bad", tag: "sha256-\(digest.dropFirst(7)).att")
        #expect(try await f.client.manifestDescriptor(tag) == nil)
    }

    @Test("COSIGN_REPOSITORY, --no-upload --bundle, and clean --type attestation")
    func storageOptions() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        try Predicates.spdx.write(toFile: "\(f.dir)/s.json", atomically: true, encoding: .utf8)
        let attest = ["attest", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--predicate", "\(f.dir)/s.json", "--type", "spdxjson"]
        let verify = ["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", "spdxjson"]

        // Attestations kept in another repository are found only with the same COSIGN_REPOSITORY.
        for legacy in [false, true] {
            let (ref, _) = try await f.pushImage(legacy ? "elsewhere-legacy" : "elsewhere")
            var env = f.env
            env["COSIGN_REPOSITORY"] = "\(f.registry.host)/attestations"
            let scheme = legacy ? ["--new-bundle-format=false"] : []
            #expect(await cosign(attest + scheme + [ref] + f.flags, env: env).status == 0)
            #expect(await cosign(verify + [ref] + f.flags, env: env).status == 0)
            let without = await f.run(verify + [ref])
            #expect(without.status == 1)
            #expect(without.stderr.contains("no matching attestations"), "\(without.stderr)")
        }

        // --no-upload with --bundle writes only the file, which verifies against the image digest.
        let (ref, digest) = try await f.pushImage("offline")
        let noUpload = await f.run(attest + ["--no-upload", "--bundle", "\(f.dir)/offline.sigstore.json", ref])
        #expect(noUpload.status == 0, "\(noUpload.stderr)")
        #expect(await f.run(verify + [ref]).status == 1)
        let offline = await f.run(
            ["verify-blob-attestation", "--key", "\(f.dir)/k.pub", "--bundle", "\(f.dir)/offline.sigstore.json", "--type", "spdxjson",
             "--insecure-ignore-tlog", "--digest", String(digest.dropFirst(7)), "--digestAlg", "sha256"])
        #expect(offline.status == 0, "\(offline.stderr)")
        let noBundle = await f.run(attest + ["--no-upload", ref])
        expectOneLineError(noBundle, containing: "must enable upload to the OCI registry or specify a local --bundle path")

        // clean --type attestation removes the .att image and keeps the signatures.
        let (cleaned, cleanedDigest) = try await f.pushImage("cleaned")
        #expect(await f.run(attest + ["--new-bundle-format=false", cleaned]).status == 0)
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", cleaned]).status == 0)
        let clean = await f.run(["clean", "--type", "attestation", "-f", cleaned])
        #expect(clean.status == 0, "\(clean.stderr)")
        let hex = String(cleanedDigest.dropFirst(7))
        #expect(try await f.client.manifestDescriptor(try f.registry.reference("cleaned", tag: "sha256-\(hex).att")) == nil)
        #expect(try await f.client.manifestDescriptor(try f.registry.reference("cleaned", tag: "sha256-\(hex).sig")) != nil)
        #expect(await f.run(verify + [cleaned]).status == 1)
        #expect(await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", cleaned]).status == 0)
    }

    @Test("download attestation --platform reads the legacy attestations of one image of an index")
    func platform() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let index = try TestIndex()
        let indexDigest = try await index.push(with: f.client, to: try f.registry.reference("multi", tag: "v1"))
        try Predicates.cyclonedx.write(toFile: "\(f.dir)/bom.json", atomically: true, encoding: .utf8)
        let arm = index.images[1].digest
        let attested = await f.run(
            ["attest", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", "--predicate", "\(f.dir)/bom.json",
             "--type", "cyclonedx", "\(f.registry.host)/multi@\(arm)"])
        #expect(attested.status == 0, "\(attested.stderr)")
        let indexRef = "\(f.registry.host)/multi@\(indexDigest)"
        let arm64 = await f.run(["download", "attestation", "--platform", "linux/arm64", indexRef])
        #expect(arm64.status == 0, "\(arm64.stderr)")
        let lines = arm64.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        if let line = lines.first {
            let subject = (try statement(ofEnvelopeLine: line)["subject"] as! [[String: Any]])[0]
            #expect((subject["digest"] as? [String: String])?["sha256"] == String(arm.dropFirst(7)))
        }
        let amd64 = await f.run(["download", "attestation", "--platform", "linux/amd64", indexRef])
        #expect(amd64.status == 0)
        #expect(amd64.stdout.isEmpty)
        let errors: [(String, String, String)] = [
            ("linux/s390x", indexRef, "unable to find an entity for linux/s390x"),
            ("linux", indexRef, "parsing platform"),
            ("linux/arm64", "\(f.registry.host)/multi@\(arm)", "specified reference is not a multiarch image"),
        ]
        for (platform, ref, message) in errors {
            let r = await f.run(["download", "attestation", "--platform", platform, ref])
            #expect(r.status == 1)
            #expect(r.stderr.contains(message), "\(r.stderr)")
        }
    }

    @Test("attach sbom / download sbom: a one-layer .sbom image with cosign's media types, read back byte for byte")
    func sbom() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (ref, digest) = try await f.pushImage()
        try Predicates.spdx.write(toFile: "\(f.dir)/sbom.spdx.json", atomically: true, encoding: .utf8)
        let attached = await f.run(["attach", "sbom", "--sbom", "\(f.dir)/sbom.spdx.json", ref])
        #expect(attached.status == 0, "\(attached.stderr)")
        #expect(attached.stderr.contains("WARNING: SBOM attachments are deprecated"))
        let hex = String(digest.dropFirst(7))
        #expect(attached.stderr.contains("Uploading SBOM file for [\(ref)] to [\(f.registry.host)/app:sha256-\(hex).sbom] with mediaType [text/spdx+json]."), "\(attached.stderr)")
        let downloaded = await f.run(["download", "sbom", ref])
        #expect(downloaded.status == 0, "\(downloaded.stderr)")
        #expect(downloaded.stdout == Predicates.spdx)
        #expect(downloaded.stderr.contains("Found SBOM of media type: text/spdx+json"))
        let tree = await f.run(["tree", ref])
        #expect(tree.stdout.contains("📦 SBOMs for an image tag: \(f.registry.host)/app:sha256-\(hex).sbom"), "\(tree.stdout)")

        // A second attach replaces the first (one layer, the new media type).
        let xml = "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"/>"
        let replaced = await cosign(["attach", "sbom", "--sbom", "-", "--type", "cyclonedx", ref] + f.flags, env: f.env, stdin: xml)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        let tag = try f.registry.reference("app", tag: "sha256-\(hex).sbom")
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(try await f.client.manifest(tag).bytes))
        #expect(manifest.layers.count == 1)
        #expect(manifest.layers.first?.mediaType == "application/vnd.cyclonedx+xml")
        #expect(manifest.layers.first?.annotations == nil)
        #expect(manifest.config.mediaType == "application/vnd.oci.image.config.v1+json")
        #expect(await f.run(["download", "sbom", ref]).stdout == xml)

        // Errors: an unknown type, a bad input format, no SBOM on an image, none at an index's level.
        let unknown = await f.run(["attach", "sbom", "--sbom", "\(f.dir)/sbom.spdx.json", "--type", "foo", ref])
        expectOneLineError(unknown, containing: "unknown SBOM type: \"foo\", expected (spdx|cyclonedx|syft)")
        let format = await f.run(["attach", "sbom", "--sbom", "\(f.dir)/sbom.spdx.json", "--input-format", "xml", ref])
        expectOneLineError(format, containing: "invalid SBOM input format: \"xml\", expected (json|text)")
        let (bare, _) = try await f.pushImage("bare")
        expectOneLineError(await f.run(["download", "sbom", bare]), containing: "no sbom attached to reference")
        let index = try TestIndex()
        let indexDigest = try await index.push(with: f.client, to: try f.registry.reference("multi", tag: "v1"))
        let indexRef = "\(f.registry.host)/multi@\(indexDigest)"
        let atIndex = await f.run(["download", "sbom", indexRef])
        expectOneLineError(atIndex, containing: "no SBOM found attached to image index")
        #expect(atIndex.stderr.contains("Try using --platform with one of the following architectures:\nlinux/amd64, linux/arm64"), "\(atIndex.stderr)")
        #expect(await f.run(["attach", "sbom", "--sbom", "\(f.dir)/sbom.spdx.json", "\(f.registry.host)/multi@\(index.images[0].digest)"]).status == 0)
        let platform = await f.run(["download", "sbom", "--platform", "linux/amd64", indexRef])
        #expect(platform.status == 0, "\(platform.stderr)")
        #expect(platform.stdout == Predicates.spdx)
    }

    @Test("an image signature bundle is listed among attestations; bad input gets one clear line")
    func signaturesAndErrors() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (ref, _) = try await f.pushImage()
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", ref]).status == 0)
        let none = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", ref])
        #expect(none.status == 1)
        #expect(none.stderr.contains("none of the attestations matched the predicate type: custom, found: https://sigstore.dev/cosign/sign/v1"), "\(none.stderr)")
        let sign = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", "https://sigstore.dev/cosign/sign/v1", ref])
        #expect(sign.status == 0, "\(sign.stderr)")

        try "[1,2]".write(toFile: "\(f.dir)/array.json", atomically: true, encoding: .utf8)
        let errors: [([String], String)] = [
            (["attest", "--key", "\(f.dir)/k.key", "--tlog-upload=false", ref], "at least one of the flags in the group [predicate statement] is required"),
            (["attest", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--predicate", "\(f.dir)/array.json", "--type", "nonsense", ref], "invalid predicate type: nonsense"),
            (["attest", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--predicate", "\(f.dir)/array.json", "--type", "spdxjson", ref], "invalid predicate \(f.dir)/array.json: expected a JSON object, found an array"),
            (["attest", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--predicate", "\(f.dir)/missing.json", ref], "missing.json"),
            (["attest", "--key", "\(f.dir)/k.key", "--predicate", "\(f.dir)/array.json", ref], "--tlog-upload=false"),
            (["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", "", ref], "missing predicate type"),
            (["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "\(f.registry.host)/app:nope"], "image tag not found"),
        ]
        for (args, message) in errors {
            let r = await f.run(args)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1, "\(r.stderr)")
        }
    }
}

@Suite("cosign attest-blob / verify-blob-attestation")
struct BlobAttestationTests {
    @Test("round trips for every predicate type, bundle and legacy envelope; securesystemslib verifies our envelopes")
    func roundTrip() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["COSIGN_PASSWORD": "pw"]
        #expect(await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"], env: env).status == 0)
        #expect(await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/other"], env: env).status == 0)
        let blob = "\(dir)/artifact.tar"
        try Data("artifact contents\n".utf8).write(to: URL(fileURLWithPath: blob))
        let blobHex = "a2dbf6d27f4f1ad9bb4e6a9d1bce8c7e4d8b9d6e2a0b6a8d3c1ed67c54b2e7fa"  // not the blob's: for --digest mismatch
        for (type, contents, uri) in Predicates.all {
            let predicate = "\(dir)/\(type).predicate"
            try contents.write(toFile: predicate, atomically: true, encoding: .utf8)
            let bundle = "\(dir)/\(type).sigstore.json"
            let signed = await cosign(
                ["attest-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--predicate", predicate, "--type", type, "--bundle", bundle, blob], env: env)
            #expect(signed.status == 0, "\(type): \(signed.stderr)")
            #expect(signed.stderr.contains("Wrote bundle to file \(bundle)"))
            #expect((try FileManager.default.attributesOfItem(atPath: bundle)[.posixPermissions] as? Int) == 0o600)
            let line = try String(contentsOfFile: bundle, encoding: .utf8)
            let s = try statement(ofEnvelopeLine: line)
            #expect(s["predicateType"] as? String == uri)
            #expect(((s["subject"] as! [[String: Any]])[0]["name"] as? String) == "artifact.tar")

            let verify = ["verify-blob-attestation", "--key", "\(dir)/k.pub", "--bundle", bundle, "--type", type, "--insecure-ignore-tlog"]
            let ok = await cosign(verify + [blob], env: env)
            #expect(ok.status == 0, "\(type): \(ok.stderr)")
            #expect(ok.stderr.hasSuffix("Verified OK\n"))
            // Wrong type, wrong key, another blob, a digest that is not the subject.
            let wrongType = await cosign(
                ["verify-blob-attestation", "--key", "\(dir)/k.pub", "--bundle", bundle, "--type", type == "custom" ? "spdxjson" : "custom", "--insecure-ignore-tlog", blob], env: env)
            #expect(wrongType.status == 1)
            #expect(wrongType.stderr.contains("invalid predicate type"), "\(wrongType.stderr)")
            let wrongKey = await cosign(
                ["verify-blob-attestation", "--key", "\(dir)/other.pub", "--bundle", bundle, "--type", type, "--insecure-ignore-tlog", blob], env: env)
            #expect(wrongKey.status == 1)
            let wrongDigest = await cosign(verify + ["--digest", blobHex, "--digestAlg", "sha256"], env: env)
            #expect(wrongDigest.status == 1)
            #expect(wrongDigest.stderr.contains("(artifact check)"), "\(wrongDigest.stderr)")

            // The legacy envelope on stdout, verified by us and by securesystemslib.
            let legacy = await cosign(
                ["attest-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--predicate", predicate, "--type", type, "--new-bundle-format=false", blob], env: env)
            #expect(legacy.status == 0, "\(legacy.stderr)")
            let envelopeFile = "\(dir)/\(type).dsse.json"
            try legacy.stdout.write(toFile: envelopeFile, atomically: true, encoding: .utf8)
            let legacyOK = await cosign(
                ["verify-blob-attestation", "--key", "\(dir)/k.pub", "--signature", envelopeFile, "--type", type, "--insecure-ignore-tlog", blob], env: env)
            #expect(legacyOK.status == 0, "\(legacyOK.stderr)")
            // cosign's legacy bundle file (base64 of the envelope and of the public key) verifies with --bundle.
            let legacyBundle = "\(dir)/\(type).legacy.json"
            let wroteLegacy = await cosign(
                ["attest-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--predicate", predicate, "--type", type, "--new-bundle-format=false",
                 "--bundle", legacyBundle, "--output-signature", "\(dir)/ignored.json", blob], env: env)
            #expect(wroteLegacy.status == 0, "\(wroteLegacy.stderr)")
            let legacyBundleOK = await cosign(
                ["verify-blob-attestation", "--key", "\(dir)/k.pub", "--bundle", legacyBundle, "--type", type, "--insecure-ignore-tlog", blob], env: env)
            #expect(legacyBundleOK.status == 0, "\(legacyBundleOK.stderr)")
            let hex = try sha256Hex(of: blob)
            for file in [bundle, envelopeFile] {
                let (status, output) = try runProcess(
                    "python3", [repositoryRoot.appendingPathComponent("Tests/interop/dsse_verify.py").path, file, "\(dir)/k.pub", hex])
                #expect(status == 0, "\(file): \(output)")
                #expect(output.contains("OK \(uri)"), "\(output)")
                let (wrong, _) = try runProcess(
                    "python3", [repositoryRoot.appendingPathComponent("Tests/interop/dsse_verify.py").path, file, "\(dir)/other.pub"])
                #expect(wrong != 0)
            }
        }

        // A tampered bundle payload is refused by us and by securesystemslib.
        let bundle = "\(dir)/spdxjson.sigstore.json"
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle))) as! [String: Any]
        var envelope = object["dsseEnvelope"] as! [String: Any]
        let payload = String(decoding: Data(base64Encoded: envelope["payload"] as! String)!, as: UTF8.self)
        envelope["payload"] = Data(payload.replacingOccurrences(of: "openssl", with: "opensst").utf8).base64EncodedString()
        object["dsseEnvelope"] = envelope
        let tampered = "\(dir)/tampered.sigstore.json"
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: tampered))
        let refused = await cosign(["verify-blob-attestation", "--key", "\(dir)/k.pub", "--bundle", tampered, "--type", "spdxjson", "--insecure-ignore-tlog", blob], env: env)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("(signature check)"), "\(refused.stderr)")
        let (status, _) = try runProcess("python3", [repositoryRoot.appendingPathComponent("Tests/interop/dsse_verify.py").path, tampered, "\(dir)/k.pub"])
        #expect(status != 0)
    }

    @Test("--statement signs a statement as given; --hash skips reading the blob")
    func statementAndHash() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["COSIGN_PASSWORD": "pw"]
        #expect(await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"], env: env).status == 0)
        let hex = String(repeating: "ab", count: 32)
        let statementText = #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"thing","digest":{"sha256":"\#(hex)"}}],"predicateType":"https://example.com/review/v1","predicate":{"approved":true}}"#
        try statementText.write(toFile: "\(dir)/statement.json", atomically: true, encoding: .utf8)
        let signed = await cosign(
            ["attest-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--statement", "\(dir)/statement.json", "--bundle", "\(dir)/s.json"], env: env)
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.stderr.contains("Using statement from: \(dir)/statement.json"))
        let line = try String(contentsOfFile: "\(dir)/s.json", encoding: .utf8)
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        let payload = Data(base64Encoded: (object["dsseEnvelope"] as! [String: Any])["payload"] as! String)!
        #expect(String(decoding: payload, as: UTF8.self) == statementText)
        let verified = await cosign(
            ["verify-blob-attestation", "--key", "\(dir)/k.pub", "--bundle", "\(dir)/s.json", "--type", "https://example.com/review/v1",
             "--insecure-ignore-tlog", "--digest", hex, "--digestAlg", "sha256"], env: env)
        #expect(verified.status == 0, "\(verified.stderr)")

        // --hash: the statement names the given digest; the blob path only gives the subject name.
        try "{}".write(toFile: "\(dir)/p.json", atomically: true, encoding: .utf8)
        let hashed = await cosign(
            ["attest-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--predicate", "\(dir)/p.json", "--type", "openvex", "--hash", hex,
             "--bundle", "\(dir)/h.json", "/nonexistent/dir/file.bin"], env: env)
        #expect(hashed.status == 0, "\(hashed.stderr)")
        let s = try statement(ofEnvelopeLine: try String(contentsOfFile: "\(dir)/h.json", encoding: .utf8))
        let subject = (s["subject"] as! [[String: Any]])[0]
        #expect(subject["name"] as? String == "file.bin")
        #expect((subject["digest"] as? [String: String])?["sha256"] == hex)

        // The predicate from standard input.
        let piped = await cosign(
            ["attest-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--predicate", "-", "--type", "cyclonedx", "--hash", hex,
             "--bundle", "\(dir)/stdin.json", "thing"], env: env, stdin: Predicates.cyclonedx)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stderr.contains("Using payload from: standard input"))
        let pipedStatement = try statement(ofEnvelopeLine: try String(contentsOfFile: "\(dir)/stdin.json", encoding: .utf8))
        #expect((pipedStatement["predicate"] as? NSDictionary) == (try JSONSerialization.jsonObject(with: Data(Predicates.cyclonedx.utf8)) as! NSDictionary))

        // Bad input: both/neither of --predicate and --statement, a non-statement, a missing bundle path.
        let bad: [([String], String)] = [
            (["--predicate", "\(dir)/p.json", "--statement", "\(dir)/statement.json", "--bundle", "\(dir)/x.json", "b"], "one of --predicate or --statement must be set"),
            (["--statement", "\(dir)/p.json", "--bundle", "\(dir)/x.json"], "invalid statement"),
            (["--predicate", "\(dir)/p.json", "b"], "must specify --bundle with --new-bundle-format"),
        ]
        for (args, message) in bad {
            let r = await cosign(["attest-blob", "--key", "\(dir)/k.key", "--tlog-upload=false"] + args, env: env)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/x.json"))

        // A predicate over the limit (the statement must fit a bundle every reader accepts) is refused by name.
        let huge = "\(dir)/huge.json"
        _ = FileManager.default.createFile(atPath: huge, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: huge))
        try handle.truncate(atOffset: 91 << 20)
        try handle.close()
        let tooBig = await cosign(
            ["attest-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--predicate", huge, "--type", "spdxjson", "--hash", hex, "--bundle", "\(dir)/x.json", "b"],
            env: env)
        #expect(tooBig.status == 1)
        #expect(tooBig.stderr.contains("huge.json: file is larger than"), "\(tooBig.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/x.json"))
    }
}

extension BlobAttestationTests {
    /// Standard input that, when the password is read from it (the key is being decrypted, the predicate file's first
    /// pass started), waits, then runs `meanwhile`, then gives the password.
    final class PasswordAfter: InputSource {
        let password: String
        let meanwhile: @Sendable () -> Void
        init(_ password: String, meanwhile: @escaping @Sendable () -> Void) {
            self.password = password
            self.meanwhile = meanwhile
        }
        var isTerminal: Bool { false }
        func readLine() -> String? { nil }
        func readSecretLine() -> String? { nil }
        func readAll() -> [UInt8] {
            Thread.sleep(forTimeInterval: 1)
            meanwhile()
            return Array(password.utf8)
        }
    }

    @Test("a predicate file is checked and hashed while the key is decrypted: the statement and the errors are those of the whole-file path; a file changed meanwhile is refused")
    func streamedPredicate() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["COSIGN_PASSWORD": "pw"]
        #expect(await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"], env: env).status == 0)
        let hex = String(repeating: "cd", count: 32)
        func attest(_ predicate: String, type: String = "spdxjson", bundle: String, stdin: String? = nil) async -> RunResult {
            await cosign(
                ["attest-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--predicate", stdin == nil ? predicate : "-", "--type", type,
                 "--hash", hex, "--bundle", bundle, "artifact.bin"], env: env, stdin: stdin ?? "")
        }
        func payload(_ bundle: String) throws -> Data {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle))) as! [String: Any]
            return Data(base64Encoded: (object["dsseEnvelope"] as! [String: Any])["payload"] as! String)!
        }
        // Whitespace around the object, non-ASCII text, pieces larger than the 1 MiB the first pass reads at a time.
        let big = (0..<40_000).map { #"{"name":"pkg-\#($0)","note":"é€😀 \u00e9 \"q\"","n":-\#($0).5e-3}"# }.joined(separator: ",")
        for (name, text) in [("small", " \n\t{\"a\":[1,2,{\"b\":null}]}\n\n "), ("big", "\n{\"packages\":[\(big)]}\n")] {
            let file = "\(dir)/\(name).json"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            for type in ["spdxjson", "https://example.com/predicate/v1"] {
                let streamed = await attest(file, type: type, bundle: "\(dir)/\(name).file.json")
                #expect(streamed.status == 0, "\(streamed.stderr)")
                let piped = await attest(file, type: type, bundle: "\(dir)/\(name).stdin.json", stdin: text)
                #expect(piped.status == 0, "\(piped.stderr)")
                #expect(try payload("\(dir)/\(name).file.json") == payload("\(dir)/\(name).stdin.json"), "\(name) \(type)")
                let verified = await cosign(
                    ["verify-blob-attestation", "--key", "\(dir)/k.pub", "--bundle", "\(dir)/\(name).file.json", "--type", type,
                     "--insecure-ignore-tlog", "--digest", hex, "--digestAlg", "sha256"], env: env)
                #expect(verified.status == 0, "\(verified.stderr)")
            }
        }
        // Apart from the signature, the bundle written from the file is the bundle written from memory.
        func withoutSignature(_ bundle: String) throws -> NSDictionary {
            var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle))) as! [String: Any]
            var envelope = object["dsseEnvelope"] as! [String: Any]
            envelope["signatures"] = (envelope["signatures"] as! [[String: Any]]).map { $0.filter { $0.key != "sig" } }
            object["dsseEnvelope"] = envelope
            return object as NSDictionary
        }
        #expect(try withoutSignature("\(dir)/big.file.json") == withoutSignature("\(dir)/big.stdin.json"))
        // Errors name the file and say what the whole-file reader says; nothing is written.
        for (text, type) in [("[1]", "spdxjson"), ("{\"a\":tru}", "spdxjson"), ("{\"a\":\"\u{01}\"}", "cyclonedx"), ("\"s\"", "https://example.com/p"),
                             ("{} {}", "openvex"), ("{\"a\":\"\\x\"}", "spdxjson")] {
            let file = "\(dir)/bad.json"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let streamed = await attest(file, type: type, bundle: "\(dir)/bad.bundle.json")
            let piped = await attest(file, type: type, bundle: "\(dir)/bad.bundle.json", stdin: text)
            #expect(streamed.status == 1 && piped.status == 1, "\(text)")
            let message = streamed.stderr.components(separatedBy: "invalid predicate \(file): ").last ?? ""
            #expect(!message.isEmpty && piped.stderr.contains("invalid predicate from standard input: \(message)"), "\(text): \(streamed.stderr) vs \(piped.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/bad.bundle.json"))
        }
        // The file changes after the first pass (while the password is asked for): refused, no bundle.
        let file = "\(dir)/changing.json"
        try #"{"version":1}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let out = BufferSink()
        let err = BufferSink()
        let stdin = PasswordAfter("pw") { try? #"{"version":2}"#.write(toFile: file, atomically: false, encoding: .utf8) }
        let context = CommandContext(
            environment: ["TUF_ROOT": NSTemporaryDirectory() + "swift-cosign-tests-no-tuf"], stdout: out, stderr: err, stdin: stdin)
        let status = await CosignCLI.run(
            ["attest-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--predicate", file, "--type", "spdxjson", "--hash", hex,
             "--bundle", "\(dir)/changed.bundle.json", "artifact.bin"], context: context)
        #expect(status == 1)
        #expect(err.text.contains("invalid predicate \(file): the file changed while it was being read"), "\(err.text)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/changed.bundle.json"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.hasPrefix(".cosign-tmp") })
    }
}

extension BlobAttestationTests {
    @Test(
        "keys that do not sign a SHA-256 digest (P-384, Ed25519) get the statement built from the predicate file; the bundle verifies",
        .enabled(if: Requirement.tool("openssl").shouldRun, "needs openssl"), arguments: [["ec", "-pkeyopt", "ec_paramgen_curve:P-384"], ["ed25519"]])
    func streamedPredicateOtherKeys(_ algorithm: [String]) async throws {
        try Requirement.tool("openssl").check()
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, pem) = try runProcess("openssl", ["genpkey", "-algorithm"] + algorithm)
        #expect(status == 0)
        try pem.write(toFile: "\(dir)/raw.pem", atomically: true, encoding: .utf8)
        #expect(await cosign(["import-key-pair", "--key", "\(dir)/raw.pem", "--output-key-prefix", "\(dir)/k"]).status == 0)
        try "\n{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[]}\n".write(toFile: "\(dir)/p.json", atomically: true, encoding: .utf8)
        let hex = String(repeating: "ef", count: 32)
        let signed = await cosign(
            ["attest-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--predicate", "\(dir)/p.json", "--type", "spdxjson", "--hash", hex,
             "--bundle", "\(dir)/b.json", "artifact.bin"])
        #expect(signed.status == 0, "\(signed.stderr)")
        let verified = await cosign(
            ["verify-blob-attestation", "--key", "\(dir)/k.pub", "--bundle", "\(dir)/b.json", "--type", "spdxjson", "--insecure-ignore-tlog",
             "--digest", hex, "--digestAlg", "sha256"])
        #expect(verified.status == 0, "\(verified.stderr)")
    }
}

func sha256Hex(of path: String) throws -> String {
    let (status, output) = try runProcess("sha256sum", [path])
    guard status == 0 else { throw CocoaError(.fileReadUnknown) }
    return String(output.prefix(64))
}

@Suite("cosign's own attestation (shared vectors)")
struct CosignAttestationFixtureTests {
    @Test(
        "a Go cosign `attest` bundle verifies as an attestation, and our statement for the same inputs equals cosign's", .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func cosignFixture() async throws {
        let vectors = try Requirement.sharedVectors()
        let bundle = vectors.appendingPathComponent("cosign/bundles/oci-attestation.sigstore.json").path
        let root = vectors.appendingPathComponent("cosign/trusted_root_pgi.json").path
        let digest = "732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4"
        let base = [
            "verify-blob-attestation", "--bundle", bundle, "--trusted-root", root, "--certificate-identity", "cody@soyland.com",
            "--certificate-oidc-issuer", "https://github.com/login/oauth", "--digest", digest, "--digestAlg", "sha256",
        ]
        let ok = await cosign(base + ["--type", "custom"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.hasSuffix("Verified OK\n"))
        let wrongType = await cosign(base + ["--type", "spdxjson"])
        expectOneLineError(wrongType, containing: "invalid predicate type, expected spdxjson got https://cosign.sigstore.dev/attestation/v1")
        let wrongDigest = await cosign(
            ["verify-blob-attestation", "--bundle", bundle, "--trusted-root", root, "--certificate-identity", "cody@soyland.com",
             "--certificate-oidc-issuer", "https://github.com/login/oauth", "--digest", String(repeating: "0", count: 64), "--digestAlg", "sha256"])
        #expect(wrongDigest.status == 1)

        // cosign attested the predicate file `{"foo": "bar"}\n` as `custom` at 2025-02-28T19:18:11Z: the statement we
        // build from the same inputs is the same JSON document (cosign's field order differs between releases).
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle))) as! [String: Any]
        let payload = Data(base64Encoded: (object["dsseEnvelope"] as! [String: Any])["payload"] as! String)!
        let theirs = try JSONSerialization.jsonObject(with: payload) as! NSDictionary
        let ours = try AttestationStatement.generate(
            predicate: Array("{\"foo\": \"bar\"}\n".utf8), type: "custom", subjectName: "127.0.0.1:60943/repo", sha256: digest,
            time: Date(timeIntervalSince1970: 1_740_770_291))
        #expect(try JSONSerialization.jsonObject(with: Data(ours)) as! NSDictionary == theirs)
    }
}
