import Foundation
import OCIModels
import OCIRegistry
import RegistryTesting
import Testing
import SigstoreCore

@Suite("Registry client against docker-registry (CNCF distribution)")
struct RegistryClientTests {
    @Test("push blobs and a manifest, read them back byte for byte", arguments: TestRegistry.Mode.allCases)
    func roundTrip(mode: TestRegistry.Mode) async throws {
        let registry = try TestRegistry(mode)
        defer { registry.stop() }
        let client = try registry.client()
        let image = try TestImage()
        let ref = try registry.reference("demo/app", tag: "v1")
        try await client.uploadBlob(image.config, mediaType: MediaType.ociConfig, to: ref)
        try await client.uploadBlob(image.layer, mediaType: MediaType.ociLayer, to: ref)
        // A second upload of the same blob is a no-op (exists check).
        let before = client.requestCount
        try await client.uploadBlob(image.layer, mediaType: MediaType.ociLayer, to: ref)
        #expect(client.requestCount - before == 1)
        let digest = try await client.putManifest(image.manifestBytes, mediaType: MediaType.ociManifest, to: ref)
        let fetched = try await client.manifest(ref)
        #expect(fetched.bytes == image.manifestBytes)
        #expect(fetched.digest == digest)
        #expect(fetched.mediaType == MediaType.ociManifest)
        let byDigest = try await client.manifest(ref.withDigest(digest))
        #expect(byDigest.bytes == image.manifestBytes)
        let head = try await client.manifestDescriptor(ref)
        #expect(head?.digest == digest)
        #expect(head?.size == Int64(image.manifestBytes.count))
        #expect(try await client.blob(ref, digest: image.manifest.layers[0].digest) == image.layer)
        #expect(try await client.tags(ref) == ["v1"])
        #expect(try await client.manifestDescriptor(ref.withTag("missing")) == nil)
        // docker-registry 2.8 has no referrers API: the client reports that, for the tag fallback.
        #expect(try await client.referrers(ref, digest: digest) == nil)
        try await client.deleteManifest(ref.withDigest(digest))
        #expect(try await client.manifestDescriptor(ref.withDigest(digest)) == nil)
        try await client.shutdown()
    }

    @Test("bearer tokens: fetched once per repository and action, reused; anonymous gets pull only")
    func bearer() async throws {
        let registry = try TestRegistry(.token)
        defer { registry.stop() }
        let client = try registry.client()
        let image = try TestImage()
        let ref = try registry.reference("demo/app", tag: "v1")
        try await client.uploadBlob(image.config, mediaType: MediaType.ociConfig, to: ref)
        try await client.uploadBlob(image.layer, mediaType: MediaType.ociLayer, to: ref)
        try await client.putManifest(image.manifestBytes, mediaType: MediaType.ociManifest, to: ref)
        let afterPush = try registry.tokensIssued()
        // The push needed two tokens: pull (existence checks) and pull,push (uploads, manifest).
        #expect(afterPush == 2, "tokens issued while pushing: \(afterPush)")
        // Reads reuse the pull token: no new token for five more pulls.
        for _ in 0..<5 { _ = try await client.manifest(ref) }
        let newTokens = try registry.tokensIssued() - afterPush
        #expect(newTokens == 0, "tokens issued for 5 pulls: \(newTokens)")
        let anonymous = try registry.client(credentials: nil)
        #expect(try await anonymous.manifest(ref).bytes == image.manifestBytes)
        await #expect(throws: OCIError(.unauthorized, "")) {
            try await anonymous.uploadBlob(Array("x".utf8), mediaType: MediaType.ociLayer, to: ref)
        }
        let wrong = try registry.client(credentials: .init(username: TestRegistry.username, password: "nope"))
        await #expect(throws: OCIError(.unauthorized, "")) { _ = try await wrong.manifest(ref) }
        try await client.shutdown()
        try await anonymous.shutdown()
        try await wrong.shutdown()
    }

    /// A plain-HTTP client with short retry delays and connect timeout, for the fault-proxy tests.
    static func fastRetryingClient(baseDelay: Duration) throws -> RegistryClient {
        var configuration = RegistryClient.Configuration()
        configuration.allowHTTP = true
        configuration.baseDelay = baseDelay
        configuration.connectTimeout = .seconds(1)
        return try RegistryClient(configuration: configuration)
    }

    @Test("transient failures (429 with Retry-After, 500, 503, connection resets, slow bodies) are retried; persistent ones are reported")
    func faults() async throws {
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let proxy = try FaultProxy(upstream: registry)
        defer { proxy.stop() }
        let client = try Self.fastRetryingClient(baseDelay: .milliseconds(20))
        let ref = try ImageReference(parsing: "127.0.0.1:\(proxy.port)/demo/app:v1")
        let image = try TestImage()
        // The ping passes; then each kind of transient fault once, each followed by a retry that passes.
        try proxy.plan(["pass", "429", "pass", "500", "pass", "reset", "pass", "503", "pass", "slow"])
        let start = ContinuousClock.now
        try await client.uploadBlob(image.config, mediaType: MediaType.ociConfig, to: ref)
        #expect(ContinuousClock.now - start >= .milliseconds(900), "Retry-After: 1 was not honoured")
        try await client.uploadBlob(image.layer, mediaType: MediaType.ociLayer, to: ref)
        try await client.putManifest(image.manifestBytes, mediaType: MediaType.ociManifest, to: ref)
        #expect(try await client.manifest(ref).bytes == image.manifestBytes)
        #expect(try proxy.requestCount() > client.requestCount - 1 - 2)  // every retry reached the proxy

        // A registry that keeps failing: a clear error after the configured attempts, and the blob is not there.
        try proxy.plan(Array(repeating: "500", count: 20))
        let other = Array("never stored".utf8)
        do {
            try await client.uploadBlob(other, mediaType: MediaType.ociLayer, to: ref)
            Issue.record("upload through a failing registry succeeded")
        } catch let e as OCIError {
            #expect(e.code == .registry)
            #expect(e.message.contains("HTTP 500"), "\(e.message)")
        }
        try proxy.plan([])
        #expect(try await client.blobExists(ref, digest: TestImage.digest(other)) == false)
        try proxy.plan(Array(repeating: "reset", count: 20))
        await #expect(throws: OCIError(.transport, "")) { _ = try await client.manifest(ref) }
        try await client.shutdown()
    }

    @Test("a multi-platform index is stored after its children and read back")
    func index() async throws {
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let client = try registry.client()
        let ref = try registry.reference("demo/multi", tag: "multi")
        var entries: [Descriptor] = []
        for arch in ["amd64", "arm64"] {
            let image = try TestImage(platform: arch)
            try await client.uploadBlob(image.config, mediaType: MediaType.ociConfig, to: ref)
            try await client.uploadBlob(image.layer, mediaType: MediaType.ociLayer, to: ref)
            let digest = try await client.putManifest(image.manifestBytes, mediaType: MediaType.ociManifest, to: ref.withDigest(TestImage.digest(image.manifestBytes)))
            entries.append(Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(image.manifestBytes.count), platform: .init(architecture: arch, os: "linux")))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let indexBytes = Array(try encoder.encode(ImageIndex(manifests: entries)))
        try await client.putManifest(indexBytes, mediaType: MediaType.ociIndex, to: ref)
        let fetched = try await client.manifest(ref)
        #expect(fetched.mediaType == MediaType.ociIndex)
        #expect(fetched.bytes == indexBytes)
        try await client.shutdown()
    }

    @Test("authentication and TLS failures are clear errors")
    func failures() async throws {
        let basic = try TestRegistry(.basic)
        defer { basic.stop() }
        let ref = try basic.reference("demo/app")
        let anonymous = try basic.client(credentials: nil)
        await #expect(throws: OCIError(.unauthorized, "")) { _ = try await anonymous.manifest(ref) }
        let wrong = try basic.client(credentials: .init(username: TestRegistry.username, password: "nope"))
        do {
            _ = try await wrong.manifest(ref)
            Issue.record("wrong password accepted")
        } catch let e as OCIError {
            #expect(e.code == .unauthorized)
            #expect(!e.message.contains("nope"))
        }
        try await anonymous.shutdown()
        try await wrong.shutdown()

        let tls = try TestRegistry(.tls)
        defer { tls.stop() }
        let untrusted = try tls.client(trustCA: false)
        await #expect(throws: OCIError(.transport, "")) { _ = try await untrusted.tags(try tls.reference("demo/app")) }
        try await untrusted.shutdown()
        var insecure = RegistryClient.Configuration()
        insecure.allowInsecureTLS = true
        insecure.connectTimeout = .seconds(1)
        let skipping = try RegistryClient(configuration: insecure)
        #expect(try await skipping.tags(try tls.reference("demo/none")).isEmpty)
        try await skipping.shutdown()

        // Nothing listening: connection errors are retried, then reported, without waiting for the connect timeout
        // (AsyncHTTPClient's own connection retries would hold each attempt for all of it).
        var config = RegistryClient.Configuration()
        config.allowHTTP = true
        config.maxAttempts = 2
        config.baseDelay = .milliseconds(10)
        config.connectTimeout = .seconds(120)
        let nowhere = try RegistryClient(configuration: config)
        // A port bound but not listening: refused, and no registry another test starts can take it meanwhile (a port
        // that was merely free once did get taken in a clean-clone run).
        let closed = try ClosedPort()
        let port = closed.port
        let started = ContinuousClock.now
        await #expect(throws: OCIError(.transport, "")) { _ = try await nowhere.manifest(try ImageReference(parsing: "127.0.0.1:\(port)/ab:b")) }
        #expect(ContinuousClock.now - started < .seconds(60), "a refused connection waited for the connect timeout")
        withExtendedLifetime(closed) {}
        try await nowhere.shutdown()
    }

    @Test("streamed transfers: a download cut short resumes (also from a registry that ignores Range); a copy or upload cut short starts over; corrupted bytes are refused and never committed")
    func interruptedStreams() async throws {
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let proxy = try FaultProxy(upstream: registry)
        defer { proxy.stop() }
        let client = try Self.fastRetryingClient(baseDelay: .milliseconds(10))
        let image = try TestImage(layerSize: 3 << 20)
        let ref = try ImageReference(parsing: "127.0.0.1:\(proxy.port)/streams/source:v1")
        try await image.push(with: client, to: ref)
        let layer = image.manifest.layers[0]
        func download() async throws -> [UInt8] {
            var received: [UInt8] = []
            try await client.streamBlob(layer, from: ref, chunkSize: 256 << 10) { received += $0 }
            return received
        }

        // Download: cut twice (resumed with a Range each time), the last resumption from a registry that ignores the
        // Range (the bytes already seen are skipped).
        var used = try proxy.usedFaults()
        try proxy.plan(["GET cut", "GET cut", "GET norange"])
        #expect(try await download() == image.layer)
        #expect(try proxy.usedFaults() - used == 3, "every planned fault was met")
        // Cut on every attempt: one error naming the blob, after the configured attempts.
        try proxy.plan(Array(repeating: "GET cut", count: 4))
        await #expect(throws: OCIError(.transport, "")) { _ = try await download() }
        // A flipped byte: refused as a digest mismatch.
        try proxy.plan(["GET flip"])
        await #expect(throws: OCIError(.digestMismatch, "")) { _ = try await download() }

        // Copy: the source cut short, then the upload reset: started over each time; the copy is byte for byte.
        let copied = try ImageReference(parsing: "127.0.0.1:\(proxy.port)/streams/copied:v1")
        used = try proxy.usedFaults()
        try proxy.plan(["GET cut", "PATCH reset"])
        try await client.copyBlob(layer, from: ref, to: copied, chunkSize: 256 << 10)
        #expect(try proxy.usedFaults() - used == 2)
        #expect(try await client.blob(copied, digest: layer.digest, maxBytes: 4 << 20) == image.layer)
        // A corrupted source: the copy is refused and the destination never gets the blob.
        let corrupted = try ImageReference(parsing: "127.0.0.1:\(proxy.port)/streams/corrupted:v1")
        try proxy.plan(["GET flip"])
        await #expect(throws: OCIError(.digestMismatch, "")) {
            try await client.copyBlob(layer, from: ref, to: corrupted, chunkSize: 256 << 10)
        }
        try proxy.plan([])
        #expect(try await client.blobExists(corrupted, digest: layer.digest) == false)

        // Upload from a reader: reset once, started over with a fresh reader.
        let uploaded = try ImageReference(parsing: "127.0.0.1:\(proxy.port)/streams/uploaded:v1")
        let opened = Counter()
        used = try proxy.usedFaults()
        try proxy.plan(["PATCH reset"])
        try await client.uploadBlob(digest: layer.digest, size: layer.size, mediaType: layer.mediaType, to: uploaded) {
            opened.increment()
            let pieces = Counter()
            return {
                let index = pieces.increment() - 1
                let start = min(index * (1 << 20), image.layer.count)
                return Array(image.layer[start..<min(start + (1 << 20), image.layer.count)])
            }
        }
        #expect(try proxy.usedFaults() - used == 1 && opened.value == 2)
        #expect(try await client.blob(uploaded, digest: layer.digest, maxBytes: 4 << 20) == image.layer)
        try await client.shutdown()
    }
}

/// A thread-safe counter for the tests' closures.
final class Counter: @unchecked Sendable {
    private var count = 0
    private let lock = NSLock()
    /// Adds one; returns the new value.
    @discardableResult
    func increment() -> Int { lock.withLock { count += 1; return count } }
    var value: Int { lock.withLock { count } }
}
