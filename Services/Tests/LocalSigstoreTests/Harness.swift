import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RegistryTesting
import SigstoreModels
import SigstoreTesting
import Testing
import SigstoreJSON

/// Where the package lives, and its built `sigstore-local` (override with SIGSTORE_LOCAL_BIN).
enum Paths {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static var binary: String {
        ProcessInfo.processInfo.environment["SIGSTORE_LOCAL_BIN"] ?? package + "/.build/debug/sigstore-local"
    }
}

/// A temporary directory removed at the end of a test.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init(_ prefix: String = "sigstore-local-test") throws {
        let template = NSTemporaryDirectory() + prefix + ".XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else { throw HarnessError("mkdtemp failed") }
        path = String(cString: created)
        chmod(path, 0o755)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A `sigstore-local serve` process on free loopback ports; killed when released.
final class StackProcess: @unchecked Sendable {
    let process: Process
    let urls: [String: String]
    let dataDirectory: String
    private let stderrPath: String

    /// Starts the binary and waits (up to 30 s) for its ready line. With `umask`, the server runs under that umask and
    /// creates the data directory itself.
    init(dataDirectory: String, arguments: [String] = [], umask: String? = nil) throws {
        self.dataDirectory = dataDirectory
        let p = Process()
        let serve = ["serve", "--data-dir", dataDirectory, "--log-level", "warning"] + arguments
        if let umask {
            try FileManager.default.createDirectory(
                atPath: (dataDirectory as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "umask \(umask) && exec \"$0\" \"$@\"", Paths.binary] + serve
        } else {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            p.executableURL = URL(fileURLWithPath: Paths.binary)
            p.arguments = serve
        }
        let out = Pipe()
        stderrPath = dataDirectory + "/../stderr-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: stderrPath)
        try p.run()
        process = p
        var line: [UInt8] = []
        let deadline = Date().addingTimeInterval(30)
        let fd = out.fileHandleForReading.fileDescriptor
        while !line.contains(0x0A) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 100) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                line += buffer[0..<n]
            }
            if Date() > deadline || !p.isRunning { break }
        }
        guard let end = line.firstIndex(of: 0x0A), let json = try? JSONParser.parse(line[..<end]), case .object(let members) = json else {
            p.terminate()
            let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw HarnessError("sigstore-local did not become ready: \(err)")
        }
        var urls: [String: String] = [:]
        for (k, v) in members { if case .string(let s) = v { urls[k] = s } }
        self.urls = urls
    }

    subscript(service: String) -> String { urls[service] ?? "" }

    /// Sends `signal` and waits for the process to end.
    func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    deinit { stop(signal: SIGKILL) }
}

/// A throw-away PostgreSQL 15 (as in the testbed: initdb as the postgres user, loopback, trust auth).
final class PostgresServer: @unchecked Sendable {
    let url: String
    let port: Int
    private let directory: TemporaryDirectory
    static let bin = "/usr/lib/postgresql/15/bin"

    /// PostgreSQL 15's `initdb` (Debian: postgresql).
    static let requirement = Requirement.executable(bin + "/initdb")

    init() throws {
        directory = try TemporaryDirectory("sigstore-local-pg")
        port = try freePort()
        let dir = directory.path
        try run("/bin/chown", ["postgres:postgres", dir])
        try run("/usr/sbin/runuser", ["-u", "postgres", "--", Self.bin + "/initdb", "-D", dir + "/data", "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
        url = "postgres://postgres@127.0.0.1:\(port)/sigstore"
        try start()
        try run("/usr/sbin/runuser", ["-u", "postgres", "--", Self.bin + "/createdb", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "sigstore"])
    }

    /// Starts the server on its data directory and port (again, after ``stop(mode:)``).
    func start() throws {
        let dir = directory.path
        // The server outlives pg_ctl: it must inherit no pipe of ours, or reading our end would never see EOF.
        // Foundation's Process never sees this one exit (its daemon child lingers), so spawn and reap it directly.
        let status = try spawnAndWait([
            "/usr/sbin/runuser", "-u", "postgres", "--", Self.bin + "/pg_ctl", "-D", dir + "/data", "-l", dir + "/postgres.log", "-w",
            "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(dir)", "start",
        ])
        guard status == 0 else { throw HarnessError("pg_ctl start exited \(status): see \(dir)/postgres.log") }
    }

    /// Stops the server: `immediate` ends every session at once, as a crash would (recovery replays the WAL).
    func stop(mode: String = "fast") {
        _ = try? run("/usr/sbin/runuser", ["-u", "postgres", "--", Self.bin + "/pg_ctl", "-D", directory.path + "/data", "stop", "-m", mode])
    }

    /// Runs one SQL statement with psql and returns its unaligned output.
    func sql(_ statement: String) throws -> String {
        try run("/usr/sbin/runuser", [
            "-u", "postgres", "--", Self.bin + "/psql", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", "sigstore", "-At", "-c", statement,
        ]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit { stop() }
}

/// Runs `argv` with stdin, stdout and stderr on /dev/null and returns its exit status.
func spawnAndWait(_ argv: [String]) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for fd in [Int32(0), 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
    var pid: pid_t = 0
    var cArgs = argv.map { strdup($0) } + [nil]
    defer { for p in cArgs { free(p) } }
    guard posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ) == 0 else { throw HarnessError("cannot start \(argv[0])") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status >> 8) & 0xFF
}

/// Runs a program to completion; throws with its output when it fails.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: [UInt8]? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    let stdin = Pipe()
    p.standardInput = stdin
    try p.run()
    if let input { stdin.fileHandleForWriting.write(Data(input)) }
    try? stdin.fileHandleForWriting.close()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    if p.terminationStatus != 0 && executable != "/usr/bin/env" {
        throw HarnessError("\(executable) \(arguments.joined(separator: " ")) exited \(p.terminationStatus): \(output)")
    }
    return (p.terminationStatus, output)
}

/// A command through `env` (PATH lookup); never throws on a non-zero status.
func shell(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    try run("/usr/bin/env", arguments, environment: environment)
}

/// A free TCP port on 127.0.0.1 (the registry harness's helper).
func freePort() throws -> Int { try TestRegistry.freePort() }

/// Plain HTTP for the tests.
enum HTTP {
    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var json: OrderedJSON? { try? JSONParser.parse(body) }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static func request(
        _ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, contentType: String = "application/json",
        headers: [(String, String)] = [], timeout: TimeAmount = .seconds(60)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: contentType)
        }
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    static func get(_ url: String) async throws -> Reply { try await request(.GET, url) }

    static func post(_ url: String, json: String) async throws -> Reply {
        try await request(.POST, url, body: Array(json.utf8))
    }
}

extension OrderedJSON {
    subscript(key: String) -> OrderedJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.0 == key })?.1
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var int: Int? {
        switch self {
        case .number(let n): Int(n)
        case .raw(let t): Int(t)
        case .string(let s): Int(s)
        default: nil
        }
    }

    var array: [OrderedJSON] {
        if case .array(let a) = self { return a }
        return []
    }

    var firstValue: OrderedJSON? {
        if case .object(let members) = self { return members.first?.1 }
        return nil
    }
}
