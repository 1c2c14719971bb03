import Foundation
import SigstoreTesting
import Testing
import SigstoreCore
@testable import SigstoreTUF

/// Hostile or broken mirrors, on a writable copy of the 2026-08 public-good state (clock 2026-08-22): each failure is
/// a one-line ``TUFError`` of the expected code, and the caches are left exactly as they were.
@Suite("Bad input", .enabled(if: Vectors.available, "shared/vectors/tuf not found (set SWIFT_COSIGN_VECTORS)"))
struct BadInputTests {
    static let clock = Vectors.date("2026-08-22T12:00:00Z")

    /// A cache bootstrapped with root 15 and a writable copy of the repository.
    struct Fixture {
        let temp: TemporaryDirectory
        let repository: URL
        let metadata: URL
        let targets: URL

        init(state: String = "sigstore-public-good") throws {
            let vectors = try #require(Vectors.directory)
            temp = try TemporaryDirectory()
            repository = temp.url.appendingPathComponent("repository", isDirectory: true)
            try Files.writableCopy(of: vectors.appendingPathComponent(state, isDirectory: true), to: repository)
            metadata = try temp.subdirectory("metadata")
            targets = try temp.subdirectory("targets")
            try FileManager.default.copyItem(
                at: repository.appendingPathComponent("15.root.json"),
                to: metadata.appendingPathComponent("root.json")
            )
        }

        func configuration(base: URL? = nil, now: Date = BadInputTests.clock) -> Updater.Configuration {
            let base = base ?? repository.asDirectory
            var configuration = Updater.Configuration(
                metadataDirectory: metadata,
                metadataBaseURL: base,
                targetsBaseURL: URL(string: base.absoluteString + "targets/")
            )
            configuration.now = { now }
            return configuration
        }

        func replace(_ name: String, with bytes: [UInt8]) throws {
            let file = repository.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: file)
            try Data(bytes).write(to: file)
        }

        func bytes(_ name: String) throws -> [UInt8] {
            Array(try Data(contentsOf: repository.appendingPathComponent(name)))
        }

        /// Both caches (metadata and targets), to compare before and after.
        var state: [String: Data] {
            Files.snapshot(metadata).merging(Files.snapshot(targets).mapKeys { "targets" + $0 }) { a, _ in a }
        }
    }

    /// Runs `body`, which must fail with a ``TUFError`` of `code`, and checks the caches did not change.
    func expectFailure(
        _ code: TUFErrorCode,
        _ fixture: Fixture,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        let before = fixture.state
        do {
            try await body()
            Issue.record("expected a \(code) error", sourceLocation: sourceLocation)
        } catch let error as TUFError {
            #expect(error.code == code, "\(error.code): \(error.message)", sourceLocation: sourceLocation)
            #expect(!error.message.isEmpty && !error.message.contains("\n"), sourceLocation: sourceLocation)
        } catch {
            Issue.record("not a TUFError: \(error)", sourceLocation: sourceLocation)
        }
        #expect(fixture.state == before, "the cache changed", sourceLocation: sourceLocation)
    }

    @Test func targetHashMismatch() async throws {
        let fixture = try Fixture()
        let name = "targets/6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66.trusted_root.json"
        var tampered = try fixture.bytes(name)
        tampered[100] ^= 0x01
        try fixture.replace(name, with: tampered)
        let updater = Updater(configuration: fixture.configuration(), fetcher: FileFetcher())
        try await updater.refresh()
        let target = try #require(try await updater.targetInfo(for: "trusted_root.json"))
        // A verified copy already in place must survive the failed download.
        let destination = fixture.targets.appendingPathComponent(target.localFileName)
        try Data("old".utf8).write(to: destination)
        await expectFailure(.lengthOrHashMismatch, fixture) {
            try await updater.download(target: target, to: destination)
        }
        #expect(updater.cachedTarget(target, at: destination) == nil)
    }

    @Test func metadataOverTheSizeLimit() async throws {
        let fixture = try Fixture()
        var configuration = fixture.configuration()
        configuration.limits.timestampMaxLength = 100
        await expectFailure(.tooLarge, fixture) {
            try await Updater(configuration: configuration, fetcher: FileFetcher()).refresh()
        }
    }

    @Test func metadataOverTheSizeLimitOverHTTP() async throws {
        let fixture = try Fixture()
        // Larger than the limit with a Content-Length header (python's http.server sends one): refused before the body.
        try await LoopbackServer.with(serving: fixture.repository) { base in
            var configuration = fixture.configuration(base: base)
            configuration.limits.timestampMaxLength = 100
            await expectFailure(.tooLarge, fixture) {
                try await Updater(configuration: configuration, fetcher: HTTPFetcher()).refresh()
            }
            // An oversized snapshot: the verified timestamp is kept (partial progress), the snapshot is not stored.
            configuration.limits.timestampMaxLength = Updater.Limits().timestampMaxLength
            configuration.limits.snapshotMaxLength = 1_000
            let error = await #expect(throws: TUFError.self) {
                try await Updater(configuration: configuration, fetcher: HTTPFetcher()).refresh()
            }
            #expect(error?.code == .tooLarge)
            #expect(Files.version(fixture.metadata.appendingPathComponent("timestamp.json")) == 762)
            #expect(Files.version(fixture.metadata.appendingPathComponent("snapshot.json")) == nil)
        }
    }

    @Test func timestampRollback() async throws {
        let fixture = try Fixture()
        try await Updater(configuration: fixture.configuration(), fetcher: FileFetcher()).refresh()
        let older = try #require(Vectors.directory).appendingPathComponent(
            "sigstore-public-good-2025-10-09",
            isDirectory: true
        )
        await expectFailure(.rollback, fixture) {
            try await Updater(configuration: fixture.configuration(base: older.asDirectory), fetcher: FileFetcher())
                .refresh()
        }
    }

    @Test func freeze() async throws {
        let fixture = try Fixture()
        await expectFailure(.expiredMetadata, fixture) {
            let configuration = fixture.configuration(now: Vectors.date("2026-08-29T00:00:00Z"))
            try await Updater(configuration: configuration, fetcher: FileFetcher()).refresh()
        }
    }

    @Test func mirrorAnsweringHTML() async throws {
        let fixture = try Fixture()
        await expectFailure(.invalidMetadata, fixture) {
            try await Updater(configuration: fixture.configuration(), fetcher: HTMLFetcher()).refresh()
        }
        // The same over HTTP: the mirror's timestamp.json is a web page.
        try fixture.replace("timestamp.json", with: Array("<html><body>maintenance</body></html>\n".utf8))
        try await LoopbackServer.with(serving: fixture.repository) { base in
            await expectFailure(.invalidMetadata, fixture) {
                try await Updater(configuration: fixture.configuration(base: base), fetcher: HTTPFetcher()).refresh()
            }
        }
    }

    @Test func unreachableMirror() async throws {
        let fixture = try Fixture()
        // A port nobody listens on: a server is started to find a free one, then stopped.
        let server = try await LoopbackServer.start(serving: fixture.repository)
        let base = server.baseURL
        server.stop()
        await expectFailure(.downloadFailed, fixture) {
            try await Updater(
                configuration: fixture.configuration(base: base),
                fetcher: HTTPFetcher(timeout: .seconds(5))
            ).refresh()
        }
    }

    @Test func missingSnapshotKeepsTheNewTimestamp() async throws {
        let fixture = try Fixture()
        try FileManager.default.removeItem(at: fixture.repository.appendingPathComponent("165.snapshot.json"))
        let updater = Updater(configuration: fixture.configuration(), fetcher: FileFetcher())
        let error = await #expect(throws: TUFError.self) { try await updater.refresh() }
        #expect(error?.code == .notFound)
        #expect(Files.version(fixture.metadata.appendingPathComponent("timestamp.json")) == 762)
        #expect(Files.version(fixture.metadata.appendingPathComponent("snapshot.json")) == nil)
    }

    @Test func editedTargetsMetadata() async throws {
        let fixture = try Fixture()
        let original = try fixture.bytes("14.targets.json")
        let text = String(decoding: original, as: UTF8.self).replacingOccurrences(
            of: "\"version\": 14",
            with: "\"version\":14 "
        )
        #expect(Array(text.utf8) != original)
        // Whitespace only: canonical bytes unchanged, signature still valid.
        try fixture.replace("14.targets.json", with: Array(text.utf8))
        try await Updater(configuration: fixture.configuration(), fetcher: FileFetcher()).refresh()
        // A changed value: the signature no longer verifies.
        let fresh = try Fixture()
        let edited = String(decoding: original, as: UTF8.self).replacingOccurrences(
            of: "trusted_root.json",
            with: "trusted_r00t.json"
        )
        try fresh.replace("14.targets.json", with: Array(edited.utf8))
        let updater = Updater(configuration: fresh.configuration(), fetcher: FileFetcher())
        let error = await #expect(throws: TUFError.self) { try await updater.refresh() }
        #expect(error?.code == .unsignedMetadata)
        #expect(Files.version(fresh.metadata.appendingPathComponent("targets.json")) == nil)
        #expect(Files.version(fresh.metadata.appendingPathComponent("snapshot.json")) == 165)
    }

    @Test func rootServedUnderTheNextVersion() async throws {
        let fixture = try Fixture()
        try fixture.replace("16.root.json", with: try fixture.bytes("15.root.json"))
        await expectFailure(.badVersion, fixture) {
            try await Updater(configuration: fixture.configuration(), fetcher: FileFetcher()).refresh()
        }
    }
}

extension Dictionary {
    fileprivate func mapKeys(_ transform: (Key) -> Key) -> [Key: Value] {
        Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
