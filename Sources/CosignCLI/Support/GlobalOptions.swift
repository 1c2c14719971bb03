#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Synchronization
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
        // Not a task group: it would wait for a body blocked in a read that cancellation cannot interrupt (a FIFO, an
        // endless device). At the deadline the command fails and the process exits, whatever the body is doing.
        let race = DeadlineRace()
        let finished: Bool = try await withCheckedThrowingContinuation { continuation in
            race.start(continuation, limit: limit) { try await Console.$current.withValue(captured) { try await body(captured) } }
        }
        race.cancel()
        if !finished { throw CLIError("context deadline exceeded: the command took longer than --timeout \(timeout)") }
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

/// The body of a command against its deadline: the first to end resumes the continuation (true: the body finished).
private final class DeadlineRace: Sendable {
    private let continuation = Mutex<CheckedContinuation<Bool, any Error>?>(nil)
    private let tasks = Mutex<[Task<Void, Never>]>([])

    func start(_ continuation: CheckedContinuation<Bool, any Error>, limit: Duration, body: @escaping @Sendable () async throws -> Void) {
        self.continuation.withLock { $0 = continuation }
        let work = Task {
            do {
                try await body()
                self.finish(.success(true))
            } catch {
                self.finish(.failure(error))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            self.finish(.success(false))
        }
        tasks.withLock { $0 = [work, timer] }
    }

    private func finish(_ result: Result<Bool, any Error>) {
        continuation.withLock { pending in
            pending?.resume(with: result)
            pending = nil
        }
    }

    /// Stops the timer, and asks a body past its deadline to stop (the process exits anyway).
    func cancel() {
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }
}
