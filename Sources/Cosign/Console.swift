#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

#if canImport(Glibc)
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
#elseif canImport(Musl)
private let systemRead = Musl.read
private let systemWrite = Musl.write
#elseif canImport(Darwin)
private let systemRead = Darwin.read
private let systemWrite = Darwin.write
#endif
public import Foundation

/// A destination for command output.
public protocol OutputSink: Sendable {
    /// Writes bytes.
    func write(_ bytes: [UInt8])
    /// Whether the output is an interactive terminal (progress is shown only there).
    var isTerminal: Bool { get }
}

extension OutputSink {
    /// Not a terminal, unless the sink says so.
    public var isTerminal: Bool { false }
    /// Writes UTF-8 text.
    public func write(_ text: String) { write(Array(text.utf8)) }
    /// Writes a line of UTF-8 text.
    public func line(_ text: String) { write(Array((text + "\n").utf8)) }
}

/// Writes to a POSIX file descriptor.
public struct FileDescriptorSink: OutputSink {
    let fd: Int32
    /// Creates a sink over an open descriptor.
    public init(fd: Int32) { self.fd = fd }
    public var isTerminal: Bool { isatty(fd) == 1 }
    public func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}

/// Collects output in memory, for in-process tests.
public final class BufferSink: OutputSink {
    private let storage = Mutex<[UInt8]>([])
    /// Creates an empty buffer.
    public init() {}
    public func write(_ bytes: [UInt8]) { storage.withLock { $0.append(contentsOf: bytes) } }
    /// Everything written so far.
    public var bytes: [UInt8] { storage.withLock { $0 } }
    /// Everything written so far, as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A source of standard input.
public protocol InputSource: Sendable {
    /// Reads one line without its terminator; nil at end of input.
    func readLine() -> String?
    /// Reads everything that is left.
    func readAll() -> [UInt8]
    /// Whether the input is an interactive terminal.
    var isTerminal: Bool { get }
    /// Reads a password from the terminal without echo; nil when that is not possible.
    func readSecretLine() -> String?
}

/// The process's standard input.
public struct StandardInput: InputSource {
    /// Creates the source.
    public init() {}
    public var isTerminal: Bool { isatty(0) == 1 }

    public func readLine() -> String? {
        var line = [UInt8]()
        var byte: UInt8 = 0
        while true {
            let n = systemRead(0, &byte, 1)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
    }

    public func readAll() -> [UInt8] {
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(0, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    public func readSecretLine() -> String? {
        var original = termios()
        guard tcgetattr(0, &original) == 0 else { return nil }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        guard tcsetattr(0, TCSAFLUSH, &silent) == 0 else { return nil }
        defer { _ = tcsetattr(0, TCSAFLUSH, &original) }
        return readLine() ?? ""
    }
}

/// Fixed input for in-process tests.
public final class BufferInput: InputSource {
    private let storage: Mutex<[UInt8]>
    public let isTerminal: Bool
    /// Creates input from text; `isTerminal` simulates an interactive terminal.
    public init(_ text: String = "", isTerminal: Bool = false) {
        storage = Mutex(Array(text.utf8))
        self.isTerminal = isTerminal
    }
    public func readLine() -> String? {
        storage.withLock { buf in
            guard !buf.isEmpty else { return nil }
            if let nl = buf.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buf[..<nl], as: UTF8.self)
                buf.removeSubrange(...nl)
                return line
            }
            let line = String(decoding: buf, as: UTF8.self)
            buf.removeAll()
            return line
        }
    }
    public func readAll() -> [UInt8] { storage.withLock { buf in defer { buf.removeAll() }; return buf } }
    public func readSecretLine() -> String? { readLine() }
}

/// Everything an operation reads from or writes to the person running it: environment variables, results (standard
/// output), progress and warnings (standard error), passwords and confirmations (standard input). Operations run the
/// same in-process (tests, embedding tools) and in the `cosign` process.
public struct Console: Sendable {
    /// Environment variables.
    public var environment: [String: String]
    /// Standard output: results.
    public var stdout: any OutputSink
    /// Standard error: progress, warnings, errors.
    public var stderr: any OutputSink
    /// Standard input: passwords and confirmations.
    public var stdin: any InputSource

    /// Creates a context.
    public init(environment: [String: String], stdout: any OutputSink, stderr: any OutputSink, stdin: any InputSource) {
        self.environment = environment
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = stdin
    }

    /// The context of the running process.
    public static func process() -> Console {
        var environment: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let eq = pair.firstIndex(of: "=") {
                environment[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            entry += 1
        }
        return Console(
            environment: environment, stdout: FileDescriptorSink(fd: 1), stderr: FileDescriptorSink(fd: 2),
            stdin: StandardInput())
    }

    /// The console operations run in.
    @TaskLocal public static var current: Console = .process()

    /// The current time: `SOURCE_DATE_EPOCH` (seconds) when set, as cosign's `now` package, else the clock.
    public func now() -> Date {
        if let text = environment["SOURCE_DATE_EPOCH"], let seconds = Int64(text) {
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
        return Date()
    }

    /// Prints `WARNING: …` on stderr.
    public func warn(_ message: String) { stderr.line("WARNING: \(message)") }
    /// Prints an informational line on stderr.
    public func info(_ message: String) { stderr.line(message) }
}
