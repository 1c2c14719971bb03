import Foundation
import OCIModels
import OCIRegistry
#if canImport(Glibc)
import Glibc
#endif

/// A CNCF distribution registry (`docker-registry`) on 127.0.0.1 and a free port, in a temporary directory; stopped by
/// ``stop()`` (tests call it in `defer`).
final class TestRegistry: @unchecked Sendable {
    enum Mode: String, CaseIterable, Sendable {
        case plain, basic, tls, token
    }

    let mode: Mode
    let port: Int
    let directory: URL
    let process: Process
    /// The token server, in `token` mode.
    var tokenServer: Process?
    var tokenPort = 0
    /// The CA certificate (PEM) that signed the TLS server certificate.
    var caPEM: String?
    static let username = "testuser"
    static let password = "testpass"

    var host: String { "127.0.0.1:\(port)" }

    init(_ mode: Mode) throws {
        self.mode = mode
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        var config = """
            version: 0.1
            log: {level: error, accesslog: {disabled: true}}
            storage:
              filesystem: {rootdirectory: \(directory.path)/data}
              delete: {enabled: true}
            http:
              addr: 127.0.0.1:\(port)
              secret: test-secret

            """
        switch mode {
        case .plain: break
        case .basic:
            let (status, hash) = try Self.run("htpasswd", ["-Bbn", Self.username, Self.password])
            guard status == 0 else { throw HarnessError("htpasswd failed: \(hash)") }
            try hash.write(to: directory.appendingPathComponent("htpasswd"), atomically: true, encoding: .utf8)
            config += "auth: {htpasswd: {realm: test, path: \(directory.path)/htpasswd}}\n"
        case .token:
            tokenPort = try Self.freePort()
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("token_server.py").path
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            server.arguments = ["python3", script, String(tokenPort), directory.appendingPathComponent("token.pem").path]
            server.standardOutput = FileHandle.nullDevice
            try server.run()
            tokenServer = server
            var up = false
            for _ in 0..<400 {
                if Self.canConnect(port: tokenPort) {
                    up = true
                    break
                }
                guard server.isRunning else { throw HarnessError("token server exited (is the PyPI cryptography package installed?)") }
                usleep(25_000)
            }
            guard up else { throw HarnessError("token server did not start on port \(tokenPort)") }
            config += """
                auth:
                  token: {realm: http://127.0.0.1:\(tokenPort)/token, service: test-registry, issuer: test-issuer, rootcertbundle: \(directory.path)/token.pem}

                """
        case .tls:
            let d = directory.path
            for args in [
                ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem", "-days", "2", "-subj", "/CN=test CA"],
                ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/server.key", "-out", "\(d)/server.csr", "-subj", "/CN=127.0.0.1"],
                ["x509", "-req", "-in", "\(d)/server.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key", "-CAcreateserial", "-out", "\(d)/server.pem", "-days", "2", "-extfile", "\(d)/san.cnf"],
            ] {
                if args.contains("-extfile") {
                    try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: "\(d)/san.cnf", atomically: true, encoding: .utf8)
                }
                let (status, out) = try Self.run("openssl", args)
                guard status == 0 else { throw HarnessError("openssl \(args[0]) failed: \(out)") }
            }
            caPEM = try String(contentsOfFile: "\(d)/ca.pem", encoding: .utf8)
            config = config.replacingOccurrences(
                of: "  secret: test-secret\n", with: "  secret: test-secret\n  tls: {certificate: \(d)/server.pem, key: \(d)/server.key}\n")
        }
        let configPath = directory.appendingPathComponent("config.yml")
        try config.write(to: configPath, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        process.arguments = ["serve", configPath.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        try waitForPort()
    }

    func stop() {
        for p in [process, tokenServer].compactMap({ $0 }) where p.isRunning {
            p.terminate()
            for _ in 0..<100 where p.isRunning { usleep(20_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// How many tokens the token server has issued.
    func tokensIssued() throws -> Int {
        let (_, out) = try Self.run("curl", ["-s", "http://127.0.0.1:\(tokenPort)/count"])
        struct Count: Decodable { var issued: Int }
        return try JSONDecoder().decode(Count.self, from: Data(out.utf8)).issued
    }

    /// A client set up for this registry's mode.
    func client(credentials: RegistryCredentials? = RegistryCredentials(username: username, password: password), trustCA: Bool = true) throws -> RegistryClient {
        var configuration = RegistryClient.Configuration()
        configuration.baseDelay = .milliseconds(20)
        configuration.connectTimeout = .seconds(1)
        if mode != .tls { configuration.allowHTTP = true }
        if mode == .tls && trustCA { configuration.caCertificatesPEM = caPEM }
        let map = credentials.map { [host: $0] } ?? [:]
        return try RegistryClient(configuration: configuration, credentials: StaticCredentials(map))
    }

    func reference(_ repository: String, tag: String = "latest") throws -> ImageReference {
        try ImageReference(parsing: "\(host)/\(repository):\(tag)")
    }

    private func waitForPort() throws {
        for _ in 0..<200 {
            if Self.canConnect(port: port) { return }
            guard process.isRunning else { throw HarnessError("docker-registry exited with status \(process.terminationStatus)") }
            usleep(25_000)
        }
        throw HarnessError("docker-registry did not start listening on \(host)")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0 else { throw HarnessError("bind failed") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    static func run(_ tool: String, _ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The fault-injecting proxy (`fault_proxy.py`) in front of a registry.
final class FaultProxy: @unchecked Sendable {
    let port: Int
    let planPath: String
    let process: Process

    init(upstream: TestRegistry) throws {
        port = try TestRegistry.freePort()
        planPath = upstream.directory.appendingPathComponent("plan.json").path
        try "[]".write(toFile: planPath, atomically: true, encoding: .utf8)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fault_proxy.py").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, String(port), String(upstream.port), planPath]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<400 {
            if TestRegistry.canConnect(port: port) { return }
            guard process.isRunning else { throw HarnessError("fault proxy exited") }
            usleep(25_000)
        }
        throw HarnessError("fault proxy did not start")
    }

    /// Faults for the next requests, in order.
    func plan(_ faults: [String]) throws {
        let json = "[" + faults.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        try json.write(toFile: planPath, atomically: true, encoding: .utf8)
    }

    func requestCount() throws -> Int {
        let (_, out) = try TestRegistry.run("curl", ["-s", "http://127.0.0.1:\(port)/__proxy/count"])
        struct Count: Decodable { var count: Int }
        return try JSONDecoder().decode(Count.self, from: Data(out.utf8)).count
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            for _ in 0..<100 where process.isRunning { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }
}

/// A small OCI image built in memory: an empty-ish config, one random layer, its manifest.
struct TestImage {
    var config: [UInt8]
    var layer: [UInt8]
    var manifest: Manifest
    var manifestBytes: [UInt8]

    init(platform: String = "amd64") throws {
        config = Array(#"{"architecture":"\#(platform)","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        layer = (0..<4096).map { _ in UInt8.random(in: 0...255) }
        manifest = Manifest(
            config: Descriptor(mediaType: MediaType.ociConfig, digest: Self.digest(config), size: Int64(config.count)),
            layers: [Descriptor(mediaType: MediaType.ociLayer, digest: Self.digest(layer), size: Int64(layer.count))])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        manifestBytes = Array(try encoder.encode(manifest))
    }

    static func digest(_ bytes: [UInt8]) -> String {
        let (_, out) = (try? TestRegistry.runSHA(bytes)) ?? (0, "")
        return "sha256:" + out
    }
}

extension TestRegistry {
    static func runSHA(_ bytes: [UInt8]) throws -> (Int32, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (s, out) = try run("sha256sum", [path])
        return (s, String(out.prefix(64)))
    }
}
