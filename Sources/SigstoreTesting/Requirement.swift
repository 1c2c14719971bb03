// Process and FileHandle: Foundation proper, which test support may use.
public import Foundation

/// Something a test needs from its machine: a tool on `PATH`, an executable, Python modules, or the shared vectors
/// (`../shared/vectors` beside the checkout, or `SWIFT_COSIGN_VECTORS`).
///
/// A test states its requirements as a condition trait, and checks them first thing:
///
/// ```swift
/// @Test("openssl verifies the token", .enabled(if: Requirement.tool("openssl").shouldRun, "needs openssl"))
/// func openssl() throws {
///     try Requirement.tool("openssl").check()
///     …
/// }
/// ```
///
/// Where a requirement is missing the test is skipped with its comment, except under CI (`CI` set to anything but
/// `false` or `0`): there the test runs, and ``check()`` fails it loudly, so that a CI image missing a tool is never
/// reported as green.
public struct Requirement: Sendable, CustomStringConvertible {
    /// What is needed and how to get it, for the failure message.
    public let description: String
    private let isPresent: @Sendable () -> Bool

    /// A requirement met when `isPresent` returns true.
    public init(_ description: String, isPresent: @escaping @Sendable () -> Bool) {
        self.description = description
        self.isPresent = isPresent
    }

    /// Whether the machine has what is required.
    public var isMet: Bool { isPresent() }

    /// Whether a test with this requirement runs: the requirement is met, or CI is set (so the test fails loudly).
    public var shouldRun: Bool { isMet || Self.isCI }

    /// Throws ``RequirementError`` when the requirement is not met (reached only under CI, or when a test forgot the
    /// condition trait).
    public func check() throws {
        guard isMet else { throw RequirementError(description: "missing requirement: \(description)") }
    }

    /// Whether the environment says this is a CI run (`CI=true`).
    public static var isCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"]?.lowercased(), !value.isEmpty else { return false }
        return value != "false" && value != "0"
    }

    /// A command on `PATH`.
    public static func tool(_ name: String) -> Requirement {
        Requirement("\(name) on PATH (run scripts/setup.sh)") { findOnPath(name) != nil }
    }

    /// An executable at a fixed path (Chromium, PostgreSQL's `initdb`).
    public static func executable(_ path: String) -> Requirement {
        Requirement("\(path) (run scripts/setup.sh)") { FileManager.default.isExecutableFile(atPath: path) }
    }

    /// Python 3 modules importable by `python3`.
    public static func pythonModules(_ modules: String...) -> Requirement {
        let names = modules.joined(separator: ", ")
        return Requirement("python3 with \(names) (run scripts/setup.sh)") {
            guard let python = findOnPath("python3") else { return false }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", "import " + names]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return false }
            process.waitUntilExit()
            return process.terminationStatus == 0
        }
    }

    /// The shared test vectors: data collected from other projects, kept outside the repository.
    public static let vectors = Requirement(
        "../shared/vectors beside the checkout (or SWIFT_COSIGN_VECTORS naming the directory)"
    ) { vectorsDirectory != nil }

    /// The shared vectors directory, or nil when it is absent (or `SWIFT_COSIGN_VECTORS` names no directory).
    public static var vectorsDirectory: URL? {
        if let env = ProcessInfo.processInfo.environment["SWIFT_COSIGN_VECTORS"], !env.isEmpty {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: env, isDirectory: &isDirectory) && isDirectory.boolValue
                ? URL(fileURLWithPath: env) : nil
        }
        // Sources/SigstoreTesting/Requirement.swift → the checkout → its parent.
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidate = checkout.deletingLastPathComponent().appendingPathComponent("shared/vectors")
        return FileManager.default.fileExists(atPath: candidate.appendingPathComponent("MANIFEST.md").path) ? candidate : nil
    }

    /// The shared vectors directory; throws ``RequirementError`` when it is absent.
    public static func sharedVectors() throws -> URL {
        try vectors.check()
        guard let directory = vectorsDirectory else { throw RequirementError(description: "missing requirement: \(vectors)") }
        return directory
    }

    private static func findOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A test's requirement is missing where it must not be (under CI).
public struct RequirementError: Error, CustomStringConvertible {
    /// What is missing and how to get it.
    public let description: String
}
