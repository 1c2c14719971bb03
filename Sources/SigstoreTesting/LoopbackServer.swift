public import Foundation
import Synchronization

/// `python3 -m http.server` bound to 127.0.0.1 on a free port, serving one directory; stopped by ``stop()`` (and, as
/// a backstop, when released).
public final class LoopbackServer: @unchecked Sendable {
    /// `http://127.0.0.1:<port>/`.
    public let baseURL: URL
    private let process: Process

    private init(baseURL: URL, process: Process) {
        self.baseURL = baseURL
        self.process = process
    }

    deinit { stop() }

    /// Stops the server (idempotent). SIGKILL, because children spawned by Foundation's `Process` on Linux can inherit
    /// a signal mask that blocks SIGTERM.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Runs `body` with a server for `directory`, stopping it afterwards even when `body` throws.
    public static func with<T: Sendable>(serving directory: URL, _ body: (URL) async throws -> T) async throws -> T {
        let server = try await start(serving: directory)
        do {
            let result = try await body(server.baseURL)
            server.stop()
            return result
        } catch {
            server.stop()
            throw error
        }
    }

    /// Starts a server for `directory`; call ``stop()`` when done.
    public static func start(serving directory: URL) async throws -> LoopbackServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let startup = Startup()
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            startup.state.withLock { state in
                if data.isEmpty {
                    state.continuation?.resume(
                        throwing: ServerError("http.server exited before listening: \(state.text)")
                    )
                    state.continuation = nil
                    handle.readabilityHandler = nil
                    return
                }
                state.text += String(decoding: data, as: UTF8.self)
                guard state.port == nil, let port = Self.port(in: state.text) else { return }
                state.port = port
                state.continuation?.resume(returning: port)
                state.continuation = nil
            }
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(20))
            startup.state.withLock { state in
                state.continuation?.resume(throwing: ServerError("http.server did not start within 20 s"))
                state.continuation = nil
            }
        }
        defer { timeout.cancel() }
        do {
            let port = try await withCheckedThrowingContinuation { continuation in
                startup.state.withLock { state in
                    if let port = state.port {
                        continuation.resume(returning: port)
                    } else {
                        state.continuation = continuation
                    }
                }
            }
            guard let url = URL(string: "http://127.0.0.1:\(port)/") else { throw ServerError("bad port \(port)") }
            return LoopbackServer(baseURL: url, process: process)
        } catch {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw error
        }
    }

    private static func port(in text: String) -> Int? {
        guard let range = text.range(of: "port ") else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        guard text[range.upperBound...].count > digits.count else { return nil }
        return Int(digits)
    }
}

/// What the server printed so far, and who waits for its port.
private final class Startup: Sendable {
    let state = Mutex<(text: String, continuation: CheckedContinuation<Int, any Error>?, port: Int?)>(("", nil, nil))
}

/// The server did not start.
public struct ServerError: Error, CustomStringConvertible {
    public let description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
