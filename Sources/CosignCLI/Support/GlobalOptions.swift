#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Cosign
import SigstoreCore

/// The flags every cosign command takes (`--output-file`, `-d/--verbose`, `-t/--timeout`).
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("output-file"), help: "log output to a file")
    var outputFile: String?

    @Flag(name: [.customShort("d"), .customLong("verbose")], help: "log debug output")
    var verbose = false

    @Option(name: [.customShort("t"), .customLong("timeout")], help: "timeout for commands")
    var timeout: String = "3m0s"

    func validate() throws {
        guard GoDuration.parse(timeout) != nil else {
            throw ValidationError("invalid argument \"\(timeout)\" for \"-t, --timeout\" flag: time: invalid duration \"\(timeout)\"")
        }
    }

    /// Runs `body` with stdout redirected to `--output-file` when given, and bounded by `--timeout`.
    func run(_ body: @escaping @Sendable (Console) async throws -> Void) async throws {
        var console = Console.current
        var fd: Int32 = -1
        if let outputFile {
            fd = open(outputFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw CLIError("opening --output-file \(outputFile): \(String(cString: strerror(errno)))") }
            console.stdout = FileDescriptorSink(fd: fd)
        }
        defer { if fd >= 0 { close(fd) } }
        let limit = GoDuration.parse(timeout) ?? .seconds(180)
        let captured = console
        if limit == .zero {
            try await body(captured)
            return
        }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await Console.$current.withValue(captured) { try await body(captured) }
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            let finished = try await group.next() ?? false
            group.cancelAll()
            if !finished { throw CLIError("context deadline exceeded: the command took longer than --timeout \(timeout)") }
        }
    }
}

/// A cosign subcommand: its flags, and an `execute` that makes one call into the library. `run()` applies the
/// global flags around it.
protocol CosignSubcommand: AsyncParsableCommand, Sendable {
    /// `--output-file`, `--verbose`, `--timeout`.
    var global: GlobalOptions { get }
    /// The command's work.
    func execute(_ console: Console) async throws
}

extension CosignSubcommand {
    func run() async throws {
        let command = self
        try await global.run { console in try await command.execute(console) }
    }
}
