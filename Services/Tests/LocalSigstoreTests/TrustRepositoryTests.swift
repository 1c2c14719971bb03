import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LocalSigstore
import SigstoreCore
import SigstoreJSON
import SigstoreModels
import SigstoreTUF
import Synchronization
import Testing

/// The instance's TUF repository and key rotation, in process: what is published when (with an injected clock), the
/// routes that serve it, and rotated trust material in the trusted root.
@Suite("TUF repository and key rotation (in process)")
struct TrustRepositoryTests {
    /// A clock the test moves.
    final class TestClock: Sendable {
        private let current: Mutex<Date>
        init(_ start: Date) { current = Mutex(start) }
        var now: Date { current.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
        var reading: @Sendable () -> Date { { self.now } }
    }

    /// A data directory holding the two trust files the repository publishes.
    static func dataDirectory(trustedRoot: String = #"{"a":1}"#) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try Data(trustedRoot.utf8).write(to: URL(fileURLWithPath: directory.path + "/trusted_root.json"))
        try Data(#"{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json"}"#.utf8)
            .write(to: URL(fileURLWithPath: directory.path + "/signing_config.json"))
        return directory
    }

    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    @Test("publishes once, then only what is due: a changed trust file, a half-expired timestamp; a restart adds nothing")
    func publishesWhatIsDue() async throws {
        let data = try Self.dataDirectory()
        let clock = TestClock(Date(timeIntervalSince1970: 1_900_000_000))
        let repository = try TrustRepository(dataDirectory: data.path, now: clock.reading)
        #expect(try await repository.publish() == ["root", "snapshot", "targets", "timestamp"])
        #expect(try await repository.publish() == [])
        for key in ["tuf-root", "tuf-targets", "tuf-online"] {
            #expect(Self.mode(data.path + "/keys/\(key).key.pem") == 0o600, "\(key) is private")
        }
        #expect(
            FileManager.default.contents(atPath: repository.rootFile)
                == FileManager.default.contents(atPath: repository.repositoryDirectory + "/1.root.json"))
        // The timestamp lives a day and is re-signed once half of it is gone.
        #expect(await repository.nextRefresh == clock.now.addingTimeInterval(12 * 3600))
        clock.advance(12 * 3600 - 60)
        #expect(try await repository.publish() == [])
        clock.advance(120)
        #expect(try await repository.publish() == ["timestamp"])
        // A changed trust file: new targets, snapshot and timestamp.
        try Data(#"{"a":2}"#.utf8).write(to: URL(fileURLWithPath: data.path + "/trusted_root.json"))
        #expect(try await repository.publish() == ["snapshot", "targets", "timestamp"])
        #expect(await repository.version(of: "targets") == 2)
        // A new process on the same directory continues where this one stopped.
        let files = Self.contents(repository.repositoryDirectory)
        let restarted = try TrustRepository(dataDirectory: data.path, now: clock.reading)
        #expect(try await restarted.publish() == [])
        #expect(Self.contents(repository.repositoryDirectory) == files)
        #expect(await restarted.version(of: "timestamp") == 3)
    }

    /// Waits for the refresher's first log line rather than for a wall-clock deadline: other tests of this process
    /// block the (two) cooperative threads for seconds at a time, so how soon the refresher runs says nothing.
    @Test("while serving, the timestamp is re-signed when it is due", .timeLimit(.minutes(3)))
    func keepsTheTimestampFresh() async throws {
        let data = try Self.dataDirectory()
        let clock = TestClock(Date(timeIntervalSince1970: 1_900_000_000))
        let repository = try TrustRepository(dataDirectory: data.path, now: clock.reading)
        try await repository.publish()
        clock.advance(13 * 3600)
        let (lines, sink) = AsyncStream.makeStream(of: String.self)
        let refresher = Task { await repository.keepFresh(now: clock.reading) { sink.yield($0) } }
        defer { refresher.cancel() }
        var iterator = lines.makeAsyncIterator()
        #expect(await iterator.next() == "published timestamp")
        #expect(await repository.version(of: "timestamp") == 2)
        #expect(await repository.version(of: "snapshot") == 1)
    }

    @Test("a repository the keys cannot continue is refused with one message")
    func refusesForeignRepository() async throws {
        let data = try Self.dataDirectory()
        try await TrustRepository(dataDirectory: data.path).publish()
        // Someone replaced the root key: the published root cannot be succeeded.
        try FileManager.default.removeItem(atPath: data.path + "/keys/tuf-root.key.pem")
        #expect(throws: InstanceError(.repository, "")) { try TrustRepository(dataDirectory: data.path) }
    }

    @Test("the routes serve metadata and hash-prefixed targets and nothing else")
    func routes() async throws {
        let data = try Self.dataDirectory()
        let repository = try TrustRepository(dataDirectory: data.path)
        try await repository.publish()
        let served = repository.repositoryDirectory
        let digest = SHA256.hash(data: Data(#"{"a":1}"#.utf8)).map { String(format: "%02x", $0) }.joined()
        let router = Router()
        TrustRepository.register(serving: served, on: router)
        try await Application(router: router).test(.router) { client in
            for name in ["1.root.json", "timestamp.json", "1.snapshot.json", "1.targets.json", "targets/\(digest).trusted_root.json"] {
                let reply = try await client.get("/" + name)
                #expect(reply.status == 200, "\(name)")
                #expect(reply.body == Array(FileManager.default.contents(atPath: served + "/" + name) ?? Data()), "\(name)")
            }
            for name in ["2.root.json", "root.json", "..%2F..%2Fkeys%2Ftuf-root.key.pem", "targets/trusted_root.json",
                         "targets/\(digest.uppercased()).trusted_root.json", "targets/..", "x.snapshot.json"] {
                #expect(try await client.get("/" + name).status == 404, "\(name)")
            }
        }
    }

    @Test("rotating each authority keeps the old key in the trusted root until now and the new one from now", arguments: InstanceKeys.Authority.allCases)
    func rotation(authority: InstanceKeys.Authority) throws {
        let directory = try TemporaryDirectory()
        let created = Date(timeIntervalSince1970: 1_900_000_000)
        let keys = try InstanceKeys.loadOrCreate(directory: directory.path, now: created)
        let urls: [LocalStack.Service: String] = [
            .fulcio: "http://127.0.0.1:1", .rekor: "http://127.0.0.1:2", .rekorV2: "http://127.0.0.1:3", .tsa: "http://127.0.0.1:4",
        ]
        let before = try TrustedRoot(jsonData: try TrustFiles.trustedRoot(keys: keys, urls: urls, host: "127.0.0.1").serialized())
        let at = created.addingTimeInterval(3600.5)
        let rotated = try keys.rotated(authority, at: at, directory: directory.path)
        let end = Date(timeIntervalSince1970: at.timeIntervalSince1970.rounded(.down))
        // What was written is what is loaded.
        let reloaded = try InstanceKeys.load(directory: directory.path)
        #expect(reloaded.generation(of: authority) == 2 && reloaded.validFrom(authority) == end)
        #expect(reloaded.retired == rotated.retired && reloaded.rekorTreeID == rotated.rekorTreeID)
        #expect(reloaded.rekorLogName == (authority == .rekor ? "rekor-v1.2" : "rekor-v1"))
        let after = try TrustedRoot(jsonData: try TrustFiles.trustedRoot(keys: reloaded, urls: urls, host: "127.0.0.1").serialized())

        func windows(_ root: TrustedRoot) -> [TimeRange?] {
            switch authority {
            case .rekor: root.tlogs.filter { $0.baseURL == urls[.rekor] }.map(\.publicKey.validFor)
            case .rekorV2: root.tlogs.filter { $0.baseURL == urls[.rekorV2] }.map(\.publicKey.validFor)
            case .ctlog: root.ctlogs.map(\.publicKey.validFor)
            case .fulcio: root.certificateAuthorities.map(\.validFor)
            case .tsa: root.timestampAuthorities.map(\.validFor)
            }
        }
        #expect(windows(before).count == 1)
        #expect(windows(after) == [TimeRange(start: keys.created, end: end), TimeRange(start: end, end: nil)])
        // The retired entry is the one published before, except for its end.
        func material(_ root: TrustedRoot) -> [[UInt8]] {
            switch authority {
            case .rekor: root.tlogs.filter { $0.baseURL == urls[.rekor] }.map { $0.publicKey.rawBytes + $0.logID }
            case .rekorV2: root.tlogs.filter { $0.baseURL == urls[.rekorV2] }.map { $0.publicKey.rawBytes + $0.logID }
            case .ctlog: root.ctlogs.map { $0.publicKey.rawBytes + $0.logID }
            case .fulcio: root.certificateAuthorities.map { $0.certificateChain.flatMap { $0 } }
            case .tsa: root.timestampAuthorities.map { $0.certificateChain.flatMap { $0 } }
            }
        }
        #expect(material(after).first == material(before).first)
        #expect(material(after).last != material(before).first)
        // Every other authority is untouched.
        for other in InstanceKeys.Authority.allCases where other != authority {
            #expect(reloaded.generation(of: other) == 1 && reloaded.validFrom(other) == keys.created)
        }
        // The private keys of the new generation are private.
        for name in (try FileManager.default.contentsOfDirectory(atPath: directory.path + "/keys")) where name.hasSuffix(".key.pem") {
            #expect(Self.mode(directory.path + "/keys/" + name) == 0o600, "\(name)")
        }
    }

    /// Every file under `directory` by relative path.
    static func contents(_ directory: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let base = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return out }
        for case let name as String in walker {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[name] = FileManager.default.contents(atPath: base + "/" + name)
            }
        }
        return out
    }
}
