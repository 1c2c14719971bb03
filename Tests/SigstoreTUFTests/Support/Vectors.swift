import Foundation

/// The real TUF repository states in `shared/vectors/tuf` (beside the checkout, or `$SWIFT_COSIGN_VECTORS/tuf`), read
/// in place and never copied into the package.
enum Vectors {
    /// The `tuf` vectors directory, when present.
    static let directory: URL? = {
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["SWIFT_COSIGN_VECTORS"], !override.isEmpty {
            let root = URL(fileURLWithPath: override, isDirectory: true)
            candidates += [root.appendingPathComponent("tuf", isDirectory: true), root]
        } else {
            // <package>/Tests/SigstoreTUFTests/Support/Vectors.swift → <package>/../shared/vectors/tuf
            let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent()
            candidates.append(
                package.deletingLastPathComponent().appendingPathComponent("shared/vectors/tuf", isDirectory: true)
            )
        }
        return candidates.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("scenarios.json").path)
        }
    }()

    static var available: Bool { directory != nil }

    /// Whether this run is CI (where missing vectors are a failure, not a skip).
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// `scenarios.json`, decoded.
    static let scenarios: ScenarioFile? = {
        guard let directory, let data = try? Data(contentsOf: directory.appendingPathComponent("scenarios.json")) else {
            return nil
        }
        return try? JSONDecoder().decode(ScenarioFile.self, from: data)
    }()

    /// The scenario ids, for `@Test(arguments:)`.
    static var scenarioIDs: [String] { scenarios?.scenarios.map(\.id) ?? [] }

    /// The instant a scenario step's `time` names.
    static func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text) ?? Date(timeIntervalSince1970: 0)
    }
}

struct ScenarioFile: Decodable, Sendable {
    struct Repository: Decodable, Sendable {
        var metadata_path: String
        var targets_path: String
    }

    struct Scenario: Decodable, Sendable {
        var id: String
        var steps: [Step]
    }

    struct Step: Decodable, Sendable {
        var repo: String
        var time: String
        var init_root: String?
        var targets: [String]
        var expect: String
        var trusted_after: [String: Int]?
        var targets_sha256: [String: String]?
    }

    var repos: [String: Repository]
    var scenarios: [Scenario]
}
