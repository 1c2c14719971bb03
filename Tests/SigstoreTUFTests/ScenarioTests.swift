import Foundation
import SigstoreTesting
import Testing
import SigstoreCore
@testable import SigstoreTUF

/// How a scenario reaches the vectors: `file://` through ``FileFetcher``, or a loopback `python3 -m http.server`
/// through ``HTTPFetcher``.
enum Transport: String, CaseIterable, Sendable {
    case file
    case http
}

/// Every step of `shared/vectors/tuf/scenarios.json` (real Sigstore repository states, recorded with python-tuf 7.0.0)
/// behaves as recorded: rotation from public-good root 5 and staging root 1, the three-step cache progression, rollback
/// refusal, freeze refusal with the cache unchanged, the delegated target and the missing one.
@Suite(
    "Real Sigstore repositories",
    .enabled(if: Vectors.available, "shared/vectors/tuf not found (set SWIFT_COSIGN_VECTORS)")
)
struct ScenarioTests {
    @Test("scenario", arguments: Vectors.scenarioIDs, Transport.allCases)
    func scenario(id: String, transport: Transport) async throws {
        let file = try #require(Vectors.scenarios)
        let vectors = try #require(Vectors.directory)
        let scenario = try #require(file.scenarios.first { $0.id == id })
        switch transport {
        case .file:
            let runner = ScenarioRunner(
                file: file,
                vectors: vectors,
                base: vectors.asDirectory,
                fetcher: RecordingFetcher(FileFetcher())
            )
            try await runner.run(scenario)
        case .http:
            try await LoopbackServer.with(serving: vectors) { base in
                let runner = ScenarioRunner(
                    file: file,
                    vectors: vectors,
                    base: base,
                    fetcher: RecordingFetcher(HTTPFetcher())
                )
                try await runner.run(scenario)
            }
        }
    }

    /// A freeze-attack check that stays true forever: at the real current date every copied state has expired.
    @Test func refusesAtTheRealDate() async throws {
        let vectors = try #require(Vectors.directory)
        let temp = try TemporaryDirectory()
        let metadata = try temp.subdirectory("metadata")
        let repository = vectors.appendingPathComponent("sigstore-public-good", isDirectory: true)
        try FileManager.default.copyItem(
            at: repository.appendingPathComponent("15.root.json"),
            to: metadata.appendingPathComponent("root.json")
        )
        let before = Files.snapshot(metadata)
        let updater = Updater(
            configuration: .init(metadataDirectory: metadata, metadataBaseURL: repository.asDirectory),
            fetcher: FileFetcher()
        )
        let error = await #expect(throws: TUFError.self) { try await updater.refresh() }
        #expect(error?.code == .expiredMetadata)
        #expect(Files.snapshot(metadata) == before)
    }
}

@Test("the TUF vectors are present when CI=true")
func vectorsArePresentInCI() {
    #expect(Vectors.available || !Vectors.isCI, "CI=true but shared/vectors/tuf is missing (set SWIFT_COSIGN_VECTORS)")
}

/// Runs the steps of one scenario on one cache.
struct ScenarioRunner {
    let file: ScenarioFile
    let vectors: URL
    let base: URL
    let fetcher: RecordingFetcher

    func run(_ scenario: ScenarioFile.Scenario) async throws {
        let temp = try TemporaryDirectory()
        let metadata = try temp.subdirectory("metadata")
        let targets = try temp.subdirectory("targets")
        for (index, step) in scenario.steps.enumerated() {
            let label = "\(scenario.id) step \(index + 1)"
            if let initRoot = step.init_root {
                let destination = metadata.appendingPathComponent("root.json")
                try? FileManager.default.removeItem(at: destination)
                try FileManager.default.copyItem(at: vectors.appendingPathComponent(initRoot), to: destination)
            }
            let repository = try #require(file.repos[step.repo])
            let repositoryURL = base.appendingPathComponent(step.repo, isDirectory: true)
            var configuration = Updater.Configuration(
                metadataDirectory: metadata,
                metadataBaseURL: repositoryURL.appendingPathComponent(repository.metadata_path, isDirectory: true),
                targetsBaseURL: repositoryURL.appendingPathComponent(repository.targets_path, isDirectory: true)
            )
            let now = Vectors.date(step.time)
            configuration.now = { now }

            let before = Files.snapshot(metadata)
            fetcher.reset()
            let updater = Updater(configuration: configuration, fetcher: fetcher)
            var failure: (any Error)?
            do { try await updater.refresh() } catch { failure = error }

            switch step.expect {
            case "ok":
                #expect(failure == nil, "\(label): \(String(describing: failure))")
            case "refresh-fails":
                #expect(failure != nil, "\(label): the refresh should have failed")
                #expect(Files.snapshot(metadata) == before, "\(label): a failed refresh changed the cache")
            default:  // implementation-defined: refusing cleanly is fine, crashing is not
                break
            }
            if let failure {
                let error = try #require(failure as? TUFError, "\(label): \(failure) is not a TUFError")
                #expect(!error.message.contains("\n"), "\(label): message is not one line")
            }
            guard failure == nil else {
                try checkTrusted(step, metadata: metadata, label: label)
                continue
            }

            for name in step.targets {
                let expected = step.targets_sha256?[name]
                fetcher.reset()
                let info = try await updater.targetInfo(for: name)
                if expected == "not-found" {
                    #expect(info == nil, "\(label): \(name) should not be found")
                    #expect(fetcher.requests.isEmpty, "\(label): searching \(name) fetched \(fetcher.requests)")
                    continue
                }
                let target = try #require(info, "\(label): \(name) not found")
                let destination = targets.appendingPathComponent(target.localFileName)
                let bytes = try await updater.download(target: target, to: destination)
                #expect(Files.sha256(bytes) == expected, "\(label): \(name)")
                #expect(updater.cachedTarget(target, at: destination) == bytes)
            }
            try checkTrusted(step, metadata: metadata, label: label)
            if step.trusted_after?["registry.npmjs.org"] != nil {
                #expect(fetcher.requestedNames.contains { $0.hasSuffix(".registry.npmjs.org.json") }, "\(label)")
            }

            // Up to date now: a new refresh probes for the next root, then fetches the timestamp and nothing else.
            fetcher.reset()
            try await Updater(configuration: configuration, fetcher: fetcher).refresh()
            let root = try #require(Files.version(metadata.appendingPathComponent("root.json")))
            #expect(
                fetcher.requestedNames == ["\(root + 1).root.json", "timestamp.json"],
                "\(label): \(fetcher.requestedNames)"
            )
        }
    }

    /// The role versions stored in the cache are those python-tuf held after the same step.
    private func checkTrusted(_ step: ScenarioFile.Step, metadata: URL, label: String) throws {
        for (role, version) in step.trusted_after ?? [:] {
            let stored = Files.version(metadata.appendingPathComponent("\(TextEncoding.quote(role)).json"))
            #expect(
                stored == version,
                "\(label): trusted \(role) version \(String(describing: stored)), expected \(version)"
            )
        }
    }
}
