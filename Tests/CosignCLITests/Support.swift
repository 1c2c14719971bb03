import Cosign
import CosignCLI
import Foundation
import Testing

/// The result of one in-process cosign run.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs cosign in-process with captured output.
func cosign(_ args: [String], env: [String: String] = ["COSIGN_PASSWORD": "test-password"], stdin: String = "") async -> RunResult {
    // Never the user's TUF cache or the public-good mirror: a command that falls back to TUF fails at once, offline.
    var env = env
    if env["TUF_ROOT"] == nil { env["TUF_ROOT"] = NSTemporaryDirectory() + "swift-cosign-tests-no-tuf" }
    if env["TUF_MIRROR"] == nil { env["TUF_MIRROR"] = "file:///nonexistent-swift-cosign-test-mirror" }
    let out = BufferSink()
    let err = BufferSink()
    let context = CommandContext(environment: env, stdout: out, stderr: err, stdin: BufferInput(stdin))
    let status = await CosignCLI.run(args, context: context)
    return RunResult(status: status, stdout: out.text, stderr: err.text)
}

/// A fresh temporary directory.
func makeTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cosign-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// Runs an external program, returning its status and combined output.
@discardableResult
func runProcess(_ executable: String, _ args: [String], env: [String: String]? = nil, stdin: Data? = nil) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + args
    if let env { process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 } }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The repository root.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built cosign executable (debug build next to the tests, or `$COSIGN_BIN`).
func cosignBinary() -> String? {
    if let env = ProcessInfo.processInfo.environment["COSIGN_BIN"] { return env }
    for candidate in [".build/debug/cosign", ".build/x86_64-unknown-linux-gnu/debug/cosign", ".build/aarch64-unknown-linux-gnu/debug/cosign"] {
        let path = repositoryRoot.appendingPathComponent(candidate).path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// A test precondition: expect exactly one `Error: …` line on stderr and exit 1.
func expectOneLineError(_ result: RunResult, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 1, "exit \(result.status), stderr: \(result.stderr)", sourceLocation: sourceLocation)
    let errorLines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
    #expect(errorLines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
}
