import Crypto
import Foundation
import SigstoreCore
import SigstoreTesting
import Testing
@testable import SigstoreTUF

/// Repositories written by ``RepositoryWriter`` (consistent and not, with named, hashed-bin and succinct delegations)
/// refresh and download with ``Updater`` and with python-tuf's ngclient.
@Suite("Repository writer")
struct RepositoryWriterTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func topLevelKeys() -> RepositoryWriter.TopLevelKeys {
        let online = RepositoryKey(Curve25519.Signing.PrivateKey())
        return .init(
            root: .init([RepositoryKey(P256.Signing.PrivateKey()), RepositoryKey(P256.Signing.PrivateKey())], threshold: 2),
            timestamp: .init([online]),
            snapshot: .init([online]),
            targets: .init([RepositoryKey(P256.Signing.PrivateKey())])
        )
    }

    /// A written repository in `<temp>/repository`, a client cache in `<temp>/metadata`.
    struct Setup {
        let temp: TemporaryDirectory
        let repository: URL
        let metadata: URL
        let downloads: URL
        var writer: RepositoryWriter

        init(
            consistentSnapshot: Bool = true,
            now: @escaping @Sendable () -> Date = { RepositoryWriterTests.start }
        ) throws {
            temp = try TemporaryDirectory()
            repository = temp.url.appendingPathComponent("repository", isDirectory: true)
            metadata = try temp.subdirectory("metadata")
            downloads = try temp.subdirectory("downloads")
            writer = try RepositoryWriter(
                directory: repository,
                keys: RepositoryWriterTests.topLevelKeys(),
                consistentSnapshot: consistentSnapshot,
                now: now
            )
        }

        func updater(
            base: URL? = nil,
            fetcher: any Fetcher = FileFetcher(),
            now: Date = RepositoryWriterTests.start
        ) throws -> Updater {
            let base = base ?? repository.asDirectory
            var configuration = Updater.Configuration(
                metadataDirectory: metadata,
                metadataBaseURL: base,
                targetsBaseURL: URL(string: base.absoluteString + "targets/"),
                bootstrapRoot: Array(try Data(contentsOf: repository.appendingPathComponent("1.root.json")))
            )
            configuration.now = { now }
            return Updater(configuration: configuration, fetcher: fetcher)
        }

        func exists(_ relative: String) -> Bool {
            FileManager.default.fileExists(atPath: repository.appendingPathComponent(relative).path)
        }
    }

    /// Downloads `name` through `updater` into the setup's download directory.
    static func fetch(_ name: String, _ updater: Updater, _ setup: Setup) async throws -> [UInt8]? {
        guard let target = try await updater.targetInfo(for: name) else { return nil }
        return try await updater.download(
            target: target,
            to: setup.downloads.appendingPathComponent(target.localFileName)
        )
    }

    @Test func consistentRepositoryRoundTrip() async throws {
        var setup = try Setup()
        let trustedRoot = Array("{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=0.1\"}".utf8)
        setup.writer.setTarget("trusted_root.json", content: trustedRoot)
        setup.writer.setTarget("dir/sub/file.txt", content: Array("nested".utf8))
        try setup.writer.publish()
        let digest = Files.sha256(trustedRoot)
        for file in [
            "1.root.json", "timestamp.json", "1.snapshot.json", "1.targets.json", "targets/\(digest).trusted_root.json",
            "targets/dir/sub/\(Files.sha256(Array("nested".utf8))).file.txt",
        ] {
            #expect(setup.exists(file), "\(file) missing")
        }

        let fetcher = RecordingFetcher(FileFetcher())
        let updater = try setup.updater(fetcher: fetcher)
        #expect(try await Self.fetch("trusted_root.json", updater, setup) == trustedRoot)
        #expect(try await Self.fetch("dir/sub/file.txt", updater, setup) == Array("nested".utf8))
        #expect(try await Self.fetch("missing.json", updater, setup) == nil)
        #expect(
            fetcher.requestedNames.prefix(4) == ["2.root.json", "timestamp.json", "1.snapshot.json", "1.targets.json"]
        )

        // New content: targets, snapshot and timestamp get new versions; root does not.
        setup.writer.setTarget("trusted_root.json", content: Array("{}".utf8))
        try setup.writer.publish()
        #expect(setup.writer.version(of: "root") == 1)
        #expect(setup.writer.version(of: "targets") == 2)
        #expect(setup.writer.version(of: "snapshot") == 2)
        #expect(setup.writer.version(of: "timestamp") == 2)
        #expect(try await Self.fetch("trusted_root.json", try setup.updater(), setup) == Array("{}".utf8))

        // Root key rotation: root 2 is signed by the old and the new keys, and the client follows it.
        setup.writer.keys.root = .init([RepositoryKey(Curve25519.Signing.PrivateKey())])
        try setup.writer.publish()
        #expect(setup.writer.version(of: "root") == 2)
        try await setup.updater().refresh()
        #expect(Files.version(setup.metadata.appendingPathComponent("root.json")) == 2)

        // Only the timestamp changes: the client fetches it and reuses the cached snapshot and targets.
        try setup.writer.publish()
        fetcher.reset()
        try await setup.updater(fetcher: fetcher).refresh()
        #expect(fetcher.requestedNames == ["3.root.json", "timestamp.json"])
    }

    @Test func expiringRolesAreResigned() async throws {
        var setup = try Setup()
        setup.writer.setTarget("a", content: [1])
        try setup.writer.publish()
        let later = Self.start.addingTimeInterval(6 * 86_400)
        setup.writer.now = { later }
        try setup.writer.publish()
        // The snapshot (7 days) is past half its validity: re-signed; targets (90 days) are not.
        #expect(setup.writer.version(of: "snapshot") == 2)
        #expect(setup.writer.version(of: "targets") == 1)
        try await setup.updater(now: later.addingTimeInterval(12 * 3_600)).refresh()
    }

    @Test func nonConsistentSnapshotRepository() async throws {
        var setup = try Setup(consistentSnapshot: false)
        setup.writer.setTarget("path/file.txt", content: Array("plain".utf8))
        try setup.writer.publish()
        for file in ["1.root.json", "timestamp.json", "snapshot.json", "targets.json", "targets/path/file.txt"] {
            #expect(setup.exists(file), "\(file) missing")
        }
        let fetcher = RecordingFetcher(FileFetcher())
        let updater = try setup.updater(fetcher: fetcher)
        #expect(try await Self.fetch("path/file.txt", updater, setup) == Array("plain".utf8))
        #expect(
            fetcher.requestedNames == ["2.root.json", "timestamp.json", "snapshot.json", "targets.json", "file.txt"]
        )
    }

    @Test func hashedBinDelegations() async throws {
        var setup = try Setup()
        setup.writer.listsMetaHashes = true
        let binKey = RepositoryWriter.RoleKeys([RepositoryKey(Curve25519.Signing.PrivateKey())])
        for digit in "0123456789abcdef" {
            try setup.writer.addDelegation(
                .init(name: "bin-\(digit)", keys: binKey, paths: .hashPrefixes([String(digit)]))
            )
        }
        let names = (0..<20).map { "artifact-\($0).txt" }
        for name in names {
            let bin = "bin-\(Files.sha256(Array(name.utf8)).prefix(1))"
            setup.writer.setTarget(name, content: Array(name.utf8), role: bin)
        }
        // Listed in the wrong bin: no client may find it.
        let misplaced = "misplaced.txt"
        let rightDigit = Files.sha256(Array(misplaced.utf8)).prefix(1)
        let wrongBin = rightDigit == "0" ? "bin-1" : "bin-0"
        setup.writer.setTarget(misplaced, content: [1], role: wrongBin)
        try setup.writer.publish()

        let fetcher = RecordingFetcher(FileFetcher())
        let updater = try setup.updater(fetcher: fetcher)
        try await updater.refresh()
        for name in names {
            fetcher.reset()
            #expect(try await Self.fetch(name, updater, setup) == Array(name.utf8))
            let bin = "bin-\(Files.sha256(Array(name.utf8)).prefix(1))"
            let metadataRequests = fetcher.requestedNames.filter {
                $0.hasSuffix(".json") && !$0.hasPrefix(Files.sha256(Array(name.utf8)))
            }
            #expect(metadataRequests.allSatisfy { $0 == "1.\(bin).json" }, "\(fetcher.requestedNames)")
        }
        #expect(try await updater.targetInfo(for: misplaced) == nil)
    }

    @Test func succinctHashedBins() async throws {
        var setup = try Setup()
        try setup.writer.setSuccinctDelegation(
            .init(keys: .init([RepositoryKey(P256.Signing.PrivateKey())]), bitLength: 4, namePrefix: "bins")
        )
        let names = ["a.txt", "b/c.txt", "trusted_root.json", "signing_config.v0.2.json"]
        for name in names {
            let bin = try #require(setup.writer.binName(for: name))
            setup.writer.setTarget(name, content: Array(name.utf8), role: bin)
        }
        try setup.writer.publish()
        #expect(setup.exists("1.bins-0.json") && setup.exists("1.bins-f.json"))

        let fetcher = RecordingFetcher(FileFetcher())
        let updater = try setup.updater(fetcher: fetcher)
        try await updater.refresh()
        for name in names {
            fetcher.reset()
            #expect(try await Self.fetch(name, updater, setup) == Array(name.utf8))
            let bin = try #require(setup.writer.binName(for: name))
            #expect(
                fetcher.requestedNames.first == "1.\(bin).json" || fetcher.requestedNames.count == 1,
                "\(fetcher.requestedNames)"
            )
        }
        // python-tuf's bin naming: bit_length 4 → one hex digit.
        let roles = SuccinctRoles(keys: .init(keyIDs: [], threshold: 1), bitLength: 4, namePrefix: "bins")
        #expect(roles.roleName(for: "a.txt") == setup.writer.binName(for: "a.txt"))
    }

    @Test func searchStopsAfterMaxDelegations() async throws {
        var setup = try Setup()
        let key = RepositoryWriter.RoleKeys([RepositoryKey(Curve25519.Signing.PrivateKey())])
        var delegator = "targets"
        for index in 1...40 {
            try setup.writer.addDelegation(
                .init(name: "r\(index)", delegator: delegator, keys: key, paths: .patterns(["*"]))
            )
            delegator = "r\(index)"
        }
        setup.writer.setTarget("deep.txt", content: [1], role: "r40")
        setup.writer.setTarget("shallow.txt", content: [2], role: "r31")
        try setup.writer.publish()
        let fetcher = RecordingFetcher(FileFetcher())
        let updater = try setup.updater(fetcher: fetcher)
        try await updater.refresh()
        #expect(try await updater.targetInfo(for: "shallow.txt") != nil)
        fetcher.reset()
        #expect(try await updater.targetInfo(for: "deep.txt") == nil)
        // 32 roles visited: targets and r1…r31 (loaded before), so r32 is never fetched.
        #expect(fetcher.requests.isEmpty, "\(fetcher.requestedNames)")
    }

    @Test func rootRotationsAreCapped() async throws {
        var setup = try Setup()
        try setup.writer.publish()
        for _ in 0..<4 {
            setup.writer.keys.root = .init([RepositoryKey(P256.Signing.PrivateKey())])
            try setup.writer.publish()
        }
        #expect(setup.writer.version(of: "root") == 5)
        var configuration = try setup.updater().configuration
        configuration.limits.maxRootRotations = 2
        try await Updater(configuration: configuration, fetcher: FileFetcher()).refresh()
        #expect(Files.version(setup.metadata.appendingPathComponent("root.json")) == 3)
        try await setup.updater().refresh()
        #expect(Files.version(setup.metadata.appendingPathComponent("root.json")) == 5)
    }

    enum Kind: String, CaseIterable, Sendable {
        case consistent, nonConsistent, hashedBins, succinct
    }

    @Test(
        .enabled(
            if: PythonTUF.available,
            "python-tuf venv not found (run scripts/tuf-conformance.sh or set TUF_PYTHON)"
        ),
        arguments: Kind.allCases
    )
    func pythonTUFAcceptsWrittenRepositories(kind: Kind) async throws {
        // python-tuf reads the real clock, so the repository is dated by it too.
        var setup = try Setup(consistentSnapshot: kind != .nonConsistent, now: { Date() })
        let names = ["trusted_root.json", "signing_config.v0.2.json", "dir/file.txt"]
        switch kind {
        case .consistent, .nonConsistent:
            try setup.writer.addDelegation(
                .init(
                    name: "dir-role",
                    keys: .init([RepositoryKey(P256.Signing.PrivateKey())]),
                    paths: .patterns(["dir/*"]),
                    terminating: true
                )
            )
            for name in names {
                setup.writer.setTarget(
                    name,
                    content: Array(name.utf8),
                    role: name.hasPrefix("dir/") ? "dir-role" : "targets"
                )
            }
        case .hashedBins:
            setup.writer.listsMetaHashes = true
            let key = RepositoryWriter.RoleKeys([RepositoryKey(Curve25519.Signing.PrivateKey())])
            for digit in "0123456789abcdef" {
                try setup.writer.addDelegation(
                    .init(name: "bin-\(digit)", keys: key, paths: .hashPrefixes([String(digit)]))
                )
            }
            for name in names {
                setup.writer.setTarget(
                    name,
                    content: Array(name.utf8),
                    role: "bin-\(Files.sha256(Array(name.utf8)).prefix(1))"
                )
            }
        case .succinct:
            try setup.writer.setSuccinctDelegation(
                .init(keys: .init([RepositoryKey(P256.Signing.PrivateKey())]), bitLength: 3, namePrefix: "bin")
            )
            for name in names {
                setup.writer.setTarget(
                    name,
                    content: Array(name.utf8),
                    role: try #require(setup.writer.binName(for: name))
                )
            }
        }
        try setup.writer.publish()
        // A second version, so python-tuf also walks a root rotation.
        setup.writer.keys.root = .init([RepositoryKey(P256.Signing.PrivateKey())])
        try setup.writer.publish()

        try await LoopbackServer.with(serving: setup.repository) { base in
            let found = try await PythonTUF.download(
                metadataURL: base,
                targetsURL: try #require(URL(string: base.absoluteString + "targets/")),
                root: setup.repository.appendingPathComponent("1.root.json"),
                targets: names + ["absent.txt"],
                workDirectory: setup.temp.url
            )
            for name in names { #expect(found[name] == Files.sha256(Array(name.utf8)), "python-tuf: \(name)") }
            #expect(found["absent.txt"] == .some(nil))
            // And the Swift client over the same HTTP mirror.
            let updater = try setup.updater(base: base, fetcher: HTTPFetcher(), now: Date())
            for name in names { #expect(try await Self.fetch(name, updater, setup) == Array(name.utf8)) }
        }
    }

    // MARK: Resuming and publishing only what is due

    @Test func publishChangesWritesNothingWhenNothingIsDue() async throws {
        var setup = try Setup()
        setup.writer.setTarget("trusted_root.json", content: Array("{}".utf8))
        #expect(try setup.writer.publishChanges() == ["root", "snapshot", "targets", "timestamp"])
        let before = Files.snapshot(setup.repository)
        #expect(try setup.writer.publishChanges() == [])
        #expect(Files.snapshot(setup.repository) == before)
        // Half a day later the one-day timestamp is due, and only it.
        let later = Self.start.addingTimeInterval(12 * 3_600 + 1)
        setup.writer.now = { later }
        #expect(setup.writer.nextRefresh == Self.start.addingTimeInterval(12 * 3_600))
        #expect(try setup.writer.publishChanges() == ["timestamp"])
        #expect(setup.writer.version(of: "timestamp") == 2)
        #expect(setup.writer.version(of: "snapshot") == 1)
    }

    @Test func resumedWriterContinuesTheRepository() async throws {
        let keys = Self.topLevelKeys()
        let temp = try TemporaryDirectory()
        let repository = temp.url.appendingPathComponent("repository", isDirectory: true)
        var first = try RepositoryWriter(directory: repository, keys: keys, now: { Self.start })
        first.setTarget("trusted_root.json", content: Array("one".utf8))
        first.setTarget("signing_config.v0.2.json", content: Array("config".utf8))
        try first.publish()
        let written = Files.snapshot(repository)

        // Same keys, same content: nothing new, nothing rewritten.
        var resumed = try RepositoryWriter(resuming: repository, keys: keys, now: { Self.start.addingTimeInterval(60) })
        #expect(resumed.version(of: "root") == 1 && resumed.version(of: "timestamp") == 1)
        #expect(resumed.rootDocument == Array(try Data(contentsOf: repository.appendingPathComponent("1.root.json"))))
        resumed.setTarget("trusted_root.json", content: Array("one".utf8))
        resumed.setTarget("signing_config.v0.2.json", content: Array("config".utf8))
        #expect(try resumed.publishChanges() == [])
        #expect(Files.snapshot(repository) == written)

        // A changed target: targets, snapshot and timestamp go up by one; the other target is kept as it was.
        resumed.setTarget("trusted_root.json", content: Array("two".utf8))
        #expect(try resumed.publishChanges() == ["snapshot", "targets", "timestamp"])
        #expect(resumed.version(of: "targets") == 2)
        let metadata = try temp.subdirectory("metadata")
        var configuration = Updater.Configuration(
            metadataDirectory: metadata,
            metadataBaseURL: repository.asDirectory,
            targetsBaseURL: repository.appendingPathComponent("targets", isDirectory: true).asDirectory,
            bootstrapRoot: Array(try Data(contentsOf: repository.appendingPathComponent("1.root.json")))
        )
        configuration.now = { Self.start.addingTimeInterval(120) }
        let updater = Updater(configuration: configuration, fetcher: FileFetcher())
        let downloads = try temp.subdirectory("downloads")
        for (name, content) in [("trusted_root.json", "two"), ("signing_config.v0.2.json", "config")] {
            let target = try #require(try await updater.targetInfo(for: name))
            #expect(
                try await updater.download(target: target, to: downloads.appendingPathComponent(name))
                    == Array(content.utf8)
            )
        }

        // A new root key: resuming needs the old one to sign root 2 as well.
        var rotated = keys
        rotated.root = .init([RepositoryKey(P256.Signing.PrivateKey())])
        #expect(throws: TUFError(.invalidConfiguration, "")) {
            try RepositoryWriter(resuming: repository, keys: rotated)
        }
        var next = try RepositoryWriter(
            resuming: repository,
            keys: rotated,
            previousRootKeys: keys.root.keys,
            now: { Self.start.addingTimeInterval(180) }
        )
        #expect(try next.publishChanges() == ["root"])
        configuration.now = { Self.start.addingTimeInterval(240) }
        try await Updater(configuration: configuration, fetcher: FileFetcher()).refresh()
        #expect(Files.version(metadata.appendingPathComponent("root.json")) == 2)
    }

    @Test func resumingRefusesWhatItCannotContinue() throws {
        let temp = try TemporaryDirectory()
        let repository = temp.url.appendingPathComponent("repository", isDirectory: true)
        #expect(throws: TUFError(.notFound, "")) {
            try RepositoryWriter(resuming: repository, keys: Self.topLevelKeys())
        }
        let keys = Self.topLevelKeys()
        var writer = try RepositoryWriter(directory: repository, keys: keys, now: { Self.start })
        writer.setTarget("trusted_root.json", content: Array("one".utf8))
        try writer.publish()
        // An altered target file.
        let file = repository.appendingPathComponent("targets/\(Files.sha256(Array("one".utf8))).trusted_root.json")
        try Data("two".utf8).write(to: file)
        #expect(throws: TUFError(.lengthOrHashMismatch, "")) {
            try RepositoryWriter(resuming: repository, keys: keys)
        }
        // Metadata signed by other keys than its root lists.
        try Data("one".utf8).write(to: file)
        var other = try RepositoryWriter(directory: temp.url.appendingPathComponent("other"), keys: Self.topLevelKeys())
        other.setTarget("trusted_root.json", content: Array("one".utf8))
        try other.publish()
        try FileManager.default.removeItem(at: repository.appendingPathComponent("timestamp.json"))
        try FileManager.default.copyItem(
            at: temp.url.appendingPathComponent("other/timestamp.json"),
            to: repository.appendingPathComponent("timestamp.json")
        )
        #expect(throws: TUFError(.unsignedMetadata, "")) {
            try RepositoryWriter(resuming: repository, keys: keys)
        }
    }
}
