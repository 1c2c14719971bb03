import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import RegistryTesting
import SigstoreModels
import Testing

@Suite("cosign save / load / --local-image against docker-registry")
struct SaveLoadTests {
    @Test("an index DAG of 10^6 paths (six indexes, each naming the next ten times): save, load and copy fetch each manifest once (issue 23 item 2)")
    func indexDAG() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let leaf = try TestImage()
        var child = Descriptor(mediaType: MediaType.ociManifest, digest: try await leaf.push(with: f.client, to: try f.registry.reference("dag", tag: "leaf")),
                               size: Int64(leaf.manifestBytes.count))
        for level in 1...6 {
            let entries = (0..<10).map { _ in #"{"mediaType":"\#(child.mediaType)","digest":"\#(child.digest)","size":\#(child.size)}"# }
            let bytes = Array(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[\#(entries.joined(separator: ","))]}"#.utf8)
            let digest = try await f.client.putManifest(bytes, mediaType: MediaType.ociIndex, to: try f.registry.reference("dag", tag: "level\(level)"))
            child = Descriptor(mediaType: MediaType.ociIndex, digest: digest, size: Int64(bytes.count))
        }
        let proxy = try FaultProxy(upstream: f.registry)
        defer { proxy.stop() }
        try proxy.plan([])
        let top = "127.0.0.1:\(proxy.port)/dag@\(child.digest)"
        // Each command is bounded by -t (before the walk kept a visited set, save ran into it after about 1,250 requests).
        let saved = await f.run(["save", "--allow-http-registry", "-t", "60s", "--dir", "\(f.dir)/dag", top])
        #expect(saved.status == 0, "\(saved.stderr)")
        let afterSave = try proxy.requestCount()
        // 7 manifests and 2 blobs, plus discovery of signatures, referrers and attestations: far from 10^6.
        #expect(afterSave < 60, "save sent \(afterSave) requests")
        let loaded = await f.run(["load", "--allow-http-registry", "-t", "60s", "--dir", "\(f.dir)/dag", "127.0.0.1:\(proxy.port)/dag-loaded@\(child.digest)"])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let afterLoad = try proxy.requestCount() - afterSave
        #expect(afterLoad < 60, "load sent \(afterLoad) requests")
        let copied = await f.run(["copy", "--allow-http-registry", "-t", "60s", top, "127.0.0.1:\(proxy.port)/dag-copy"])
        #expect(copied.status == 0, "\(copied.stderr)")
        let afterCopy = try proxy.requestCount() - afterSave - afterLoad
        #expect(afterCopy < 80, "copy sent \(afterCopy) requests")
    }

    @Test("a save that fails into an existing layout leaves its index.json as the earlier save wrote it")
    func failedSaveKeepsLayout() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let kept = try TestImage()
        let keptDigest = try await kept.push(with: f.client, to: try f.registry.reference("kept", tag: "v1"))
        let dir = "\(f.dir)/layout"
        #expect(await f.run(["save", "--dir", dir, "\(f.registry.host)/kept:v1"]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/index.json"))
        // An image whose layer the registry no longer has: its save fails half way.
        let broken = try TestImage(layerSize: 4096)
        _ = try await broken.push(with: f.client, to: try f.registry.reference("broken", tag: "v1"))
        let (status, output) = try runProcess(
            "curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE",
                     "http://\(f.registry.host)/v2/broken/blobs/\(broken.manifest.layers[0].digest)"])
        #expect(status == 0 && output == "202", "blob delete: \(output)")
        let failed = await f.run(["save", "--dir", dir, "\(f.registry.host)/broken:v1"])
        #expect(failed.status != 0, "\(failed.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/index.json")) == before)
        #expect(String(decoding: before, as: UTF8.self).contains(keptDigest))
    }

    @Test("an image with its signatures and attestations, both storage schemes: saved, verified from disk, loaded elsewhere", arguments: [false, true])
    func roundTrip(legacy: Bool) async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        // A layer larger than one 8 MiB chunk: saved and loaded in pieces.
        let image = try TestImage(layerSize: 9 << 20)
        let repo = legacy ? "legacy" : "bundle"
        let digest = try await image.push(with: f.client, to: try f.registry.reference(repo, tag: "v1"))
        let ref = "\(f.registry.host)/\(repo):v1"
        let scheme = legacy ? ["--new-bundle-format=false"] : []
        try Predicates.spdx.write(toFile: "\(f.dir)/s.json", atomically: true, encoding: .utf8)
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false"] + scheme + [ref]).status == 0)
        #expect(await f.run(["attest", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--predicate", "\(f.dir)/s.json", "--type", "spdxjson"] + scheme + [ref]).status == 0)

        let dir = "\(f.dir)/saved-\(repo)"
        let saved = await f.run(["save", "--dir", dir, ref])
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stdout.isEmpty)

        // The layout go-containerregistry writes: oci-layout, index.json (three-space indent) with cosign's kinds.
        #expect(try String(contentsOfFile: "\(dir)/oci-layout", encoding: .utf8) == "{\n    \"imageLayoutVersion\": \"1.0.0\"\n}")
        let indexText = try String(contentsOfFile: "\(dir)/index.json", encoding: .utf8)
        #expect(indexText.hasPrefix("{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n   \"manifests\": [\n      {\n         \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"), "\(indexText)")
        let index = try JSONDecoder().decode(ImageIndex.self, from: Data(indexText.utf8))
        let kinds = index.manifests.map { $0.annotations?["kind"] ?? "" }
        #expect(kinds == (legacy ? ["dev.cosignproject.cosign/image", "dev.cosignproject.cosign/sigs", "dev.cosignproject.cosign/atts"] : ["dev.cosignproject.cosign/image"]))
        #expect(index.manifests[0].digest == digest)
        #expect(index.manifests[0].artifactType == "application/vnd.oci.image.config.v1+json")
        let blobs = Set(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/blobs/sha256"))
        for blob in [image.manifest.config.digest, image.manifest.layers[0].digest, digest] {
            #expect(blobs.contains(String(blob.dropFirst(7))), "\(blob)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/blobs/sha256/\(image.manifest.layers[0].digest.dropFirst(7))")) == Data(image.layer))
        // Bundle referrers are kept as blobs only (2 referrers: the signature and the attestation).
        let referrers = blobs.filter { name in
            guard let m = try? JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: "\(dir)/blobs/sha256/\(name)"))) else { return false }
            return m.subject?.digest == digest
        }
        #expect(referrers.count == (legacy ? 0 : 2))

        // Verified from disk.
        let verified = await f.run(["verify", "--local-image", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", dir])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stderr.contains("Verification for \(dir) --"))
        let attested = await f.run(["verify-attestation", "--local-image", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", "spdxjson", dir])
        #expect(attested.status == 0, "\(attested.stderr)")
        #expect(attested.stdout.split(separator: "\n").count == 1)
        let wrongKey = await f.run(["verify", "--local-image", "--key", "\(f.dir)/other.pub", "--insecure-ignore-tlog", dir])
        #expect(wrongKey.status != 0)

        // Loaded into another repository: the image, its signatures and its attestations verify there.
        let target = "\(f.registry.host)/loaded-\(repo):v2"
        let loaded = await f.run(["load", "--dir", dir, target])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(try await f.client.manifestDescriptor(try f.registry.reference("loaded-\(repo)", tag: "v2"))?.digest == digest)
        #expect(await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", target]).status == 0)
        let loadedAttestation = await f.run(["verify-attestation", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--type", "spdxjson", target])
        #expect(loadedAttestation.status == 0, "\(loadedAttestation.stderr)")
        let pulled = try await f.client.blob(try f.registry.reference("loaded-\(repo)"), digest: image.manifest.layers[0].digest, maxBytes: 16 << 20)
        #expect(pulled == image.layer)
    }

    @Test("an index with every image is saved and loaded; bad input gets one clear line")
    func indexAndErrors() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let index = try TestIndex()
        let indexDigest = try await index.push(with: f.client, to: try f.registry.reference("multi", tag: "v1"))
        let ref = "\(f.registry.host)/multi@\(indexDigest)"
        #expect(await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", ref]).status == 0)
        let dir = "\(f.dir)/saved-index"
        #expect(await f.run(["save", "--dir", dir, ref]).status == 0)
        let entries = try OCILayout(path: dir).entries()
        #expect(entries.map { $0.annotations?["kind"] ?? "" } == ["dev.cosignproject.cosign/imageIndex", "dev.cosignproject.cosign/sigs"])
        #expect(entries[0].artifactType == nil)
        #expect(await f.run(["verify", "--local-image", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", dir]).status == 0)
        let loaded = await f.run(["load", "--dir", dir, "\(f.registry.host)/copy@\(indexDigest)"])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        for child in index.images {
            #expect(try await f.client.manifestDescriptor(try f.registry.reference("copy").withDigest(child.digest)) != nil)
        }
        #expect(await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "\(f.registry.host)/copy@\(indexDigest)"]).status == 0)

        // An unsigned image: saved, but nothing to verify.
        let (unsigned, _) = try await f.pushImage("unsigned")
        #expect(await f.run(["save", "--dir", "\(f.dir)/unsigned", unsigned]).status == 0)
        expectOneLineError(
            await f.run(["verify", "--local-image", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "\(f.dir)/unsigned"]),
            containing: "no signatures associated with the image saved in \(f.dir)/unsigned")
        expectOneLineError(
            await f.run(["verify-attestation", "--local-image", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "\(f.dir)/unsigned"]),
            containing: "no attestations provided")
        // A layout whose signature blob was changed.
        let sigs = try #require(try OCILayout(path: dir).entry(.signatures))
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: "\(dir)/blobs/sha256/\(sigs.digest.dropFirst(7))")))
        let payloadFile = "\(dir)/blobs/sha256/\(manifest.layers[0].digest.dropFirst(7))"
        var payload = try Data(contentsOf: URL(fileURLWithPath: payloadFile))
        payload[payload.count - 2] ^= 1
        try payload.write(to: URL(fileURLWithPath: payloadFile))
        let tampered = await f.run(["verify", "--local-image", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", dir])
        expectOneLineError(tampered, containing: "does not match its digest")
        // Missing flags and directories.
        expectOneLineError(await f.run(["save", ref]), containing: "required flag(s) \"dir\" not set")
        expectOneLineError(await f.run(["load", "--dir", "\(f.dir)/nothing", ref]), containing: "no index.json")
        expectOneLineError(await f.run(["save", "--dir", "\(f.dir)/x", "\(f.registry.host)/multi:nope"]), containing: "not found")
    }
}
