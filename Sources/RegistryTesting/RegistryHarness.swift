public import Foundation
public import OCIModels
public import OCIRegistry
import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A CNCF distribution registry (`docker-registry`) on 127.0.0.1 and a free port, in a temporary directory; stopped by
/// ``stop()`` (tests call it in `defer`).
public final class TestRegistry: @unchecked Sendable {
    public enum Mode: String, CaseIterable, Sendable {
        case plain, basic, tls, token
        /// TLS that also asks the client for a certificate from the test CA (mutual TLS).
        case mutualTLS
    }

    public let mode: Mode
    /// The only name the TLS certificate carries, when one was chosen.
    public let serverName: String?
    public let port: Int
    public let directory: URL
    public let process: Process
    /// The token server, in `token` mode.
    public var tokenServer: Process?
    public var tokenPort = 0
    /// The CA certificate (PEM) that signed the TLS server certificate.
    public var caPEM: String?
    public static let username = "testuser"
    public static let password = "testpass"

    public var host: String { "127.0.0.1:\(port)" }
    /// In `mutualTLS` mode: the client certificate and key (PEM) the registry accepts.
    public var clientCertificatePath: String { directory.path + "/client.pem" }
    public var clientKeyPath: String { directory.path + "/client.key" }

    /// `serverName`, in the TLS modes, is the only name the server certificate carries (not 127.0.0.1): clients must
    /// be told it (`--registry-server-name`).
    public init(_ mode: Mode, serverName: String? = nil) throws {
        self.mode = mode
        self.serverName = serverName
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
        case .tls, .mutualTLS:
            let d = directory.path
            for args in [
                ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem", "-days", "2", "-subj", "/CN=test CA"],
                ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/server.key", "-out", "\(d)/server.csr", "-subj", "/CN=127.0.0.1"],
                ["x509", "-req", "-in", "\(d)/server.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key", "-CAcreateserial", "-out", "\(d)/server.pem", "-days", "2", "-extfile", "\(d)/san.cnf"],
            ] {
                if args.contains("-extfile") {
                    let san = serverName.map { "DNS:\($0)" } ?? "IP:127.0.0.1,DNS:localhost"
                    try "subjectAltName=\(san)\n".write(toFile: "\(d)/san.cnf", atomically: true, encoding: .utf8)
                }
                let (status, out) = try Self.run("openssl", args)
                guard status == 0 else { throw HarnessError("openssl \(args[0]) failed: \(out)") }
            }
            caPEM = try String(contentsOfFile: "\(d)/ca.pem", encoding: .utf8)
            var tls = "certificate: \(d)/server.pem, key: \(d)/server.key"
            if mode == .mutualTLS {
                for args in [
                    ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/client.key", "-out", "\(d)/client.csr", "-subj", "/CN=test client"],
                    ["x509", "-req", "-in", "\(d)/client.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key", "-CAcreateserial", "-out", "\(d)/client.pem", "-days", "2"],
                ] {
                    let (status, out) = try Self.run("openssl", args)
                    guard status == 0 else { throw HarnessError("openssl \(args[0]) failed: \(out)") }
                }
                tls += ", clientcas: [\(d)/ca.pem]"
            }
            config = config.replacingOccurrences(of: "  secret: test-secret\n", with: "  secret: test-secret\n  tls: {\(tls)}\n")
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

    public func stop() {
        for p in [process, tokenServer].compactMap({ $0 }) where p.isRunning {
            p.terminate()
            for _ in 0..<100 where p.isRunning { usleep(20_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// How many tokens the token server has issued.
    public func tokensIssued() throws -> Int {
        let (_, out) = try Self.run("curl", ["-s", "http://127.0.0.1:\(tokenPort)/count"])
        struct Count: Decodable { var issued: Int }
        return try JSONDecoder().decode(Count.self, from: Data(out.utf8)).issued
    }

    /// A client set up for this registry's mode.
    public func client(credentials: RegistryCredentials? = RegistryCredentials(username: username, password: password), trustCA: Bool = true) throws -> RegistryClient {
        var configuration = RegistryClient.Configuration()
        configuration.baseDelay = .milliseconds(20)
        configuration.connectTimeout = .seconds(1)
        if mode != .tls && mode != .mutualTLS { configuration.allowHTTP = true }
        if mode == .tls || mode == .mutualTLS, trustCA { configuration.caCertificatesPEM = caPEM }
        configuration.serverName = serverName
        if mode == .mutualTLS {
            configuration.clientCertificatePEM = try String(contentsOfFile: clientCertificatePath, encoding: .utf8)
            configuration.clientKeyPEM = try String(contentsOfFile: clientKeyPath, encoding: .utf8)
        }
        let map = credentials.map { [host: $0] } ?? [:]
        return try RegistryClient(configuration: configuration, credentials: StaticCredentials(map))
    }

    public func reference(_ repository: String, tag: String = "latest") throws -> ImageReference {
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

    public static func freePort() throws -> Int {
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

    public static func canConnect(port: Int) -> Bool {
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

    public static func run(_ tool: String, _ args: [String]) throws -> (Int32, String) {
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

public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The fault-injecting proxy (`fault_proxy.py`) in front of a registry.
public final class FaultProxy: @unchecked Sendable {
    public let port: Int
    public let planPath: String
    public let process: Process

    public init(upstream: TestRegistry) throws {
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
    public func plan(_ faults: [String]) throws {
        let json = "[" + faults.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        try json.write(toFile: planPath, atomically: true, encoding: .utf8)
    }

    public func requestCount() throws -> Int { try counts().count }

    /// How many of the planned faults requests have taken since the proxy started.
    public func usedFaults() throws -> Int { try counts().used }

    private func counts() throws -> (count: Int, used: Int) {
        let (_, out) = try TestRegistry.run("curl", ["-s", "http://127.0.0.1:\(port)/__proxy/count"])
        struct Count: Decodable { var count: Int, used: Int }
        let decoded = try JSONDecoder().decode(Count.self, from: Data(out.utf8))
        return (decoded.count, decoded.used)
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            for _ in 0..<100 where process.isRunning { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }
}

/// A small OCI image built in memory: a config, one random layer, its manifest.
public struct TestImage: Sendable {
    public var config: [UInt8]
    public var layer: [UInt8]
    public var manifest: Manifest
    public var manifestBytes: [UInt8]
    /// `sha256:<hex>` of ``manifestBytes``.
    public var digest: String { Self.digest(manifestBytes) }

    /// Creates an image for `platform` (`amd64`, `arm64`…) with `layerSize` random bytes.
    public init(platform: String = "amd64", layerSize: Int = 4096) throws {
        config = Array(#"{"architecture":"\#(platform)","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        layer = (0..<layerSize).map { _ in UInt8.random(in: 0...255) }
        manifest = Manifest(
            mediaType: MediaType.ociManifest,
            config: Descriptor(mediaType: MediaType.ociConfig, digest: Self.digest(config), size: Int64(config.count)),
            layers: [Descriptor(mediaType: MediaType.ociLayer, digest: Self.digest(layer), size: Int64(layer.count))])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        manifestBytes = Array(try encoder.encode(manifest))
    }

    /// Pushes blobs, then the manifest, to `ref` (a tag or digest reference); returns the manifest digest.
    @discardableResult
    public func push(with client: RegistryClient, to ref: ImageReference) async throws -> String {
        try await client.uploadBlob(config, mediaType: MediaType.ociConfig, to: ref)
        try await client.uploadBlob(layer, mediaType: MediaType.ociLayer, to: ref)
        return try await client.putManifest(manifestBytes, mediaType: MediaType.ociManifest, to: ref)
    }

    /// `sha256:<hex>` of `bytes`.
    public static func digest(_ bytes: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// A multi-platform image: an OCI index over one ``TestImage`` per platform.
public struct TestIndex: Sendable {
    public var images: [TestImage]
    public var indexBytes: [UInt8]
    /// `sha256:<hex>` of ``indexBytes``.
    public var digest: String { TestImage.digest(indexBytes) }

    /// Creates an index over images for `platforms`.
    public init(platforms: [String] = ["amd64", "arm64"]) throws {
        images = try platforms.map { try TestImage(platform: $0) }
        let index = ImageIndex(
            mediaType: MediaType.ociIndex,
            manifests: zip(images, platforms).map { image, platform in
                Descriptor(
                    mediaType: MediaType.ociManifest, digest: image.digest, size: Int64(image.manifestBytes.count),
                    platform: .init(architecture: platform, os: "linux"))
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        indexBytes = Array(try encoder.encode(index))
    }

    /// Pushes every image by digest, then the index to `ref`; returns the index digest.
    @discardableResult
    public func push(with client: RegistryClient, to ref: ImageReference) async throws -> String {
        for image in images { try await image.push(with: client, to: ref.withDigest(image.digest)) }
        return try await client.putManifest(indexBytes, mediaType: MediaType.ociIndex, to: ref)
    }
}

/// A loopback TCP port held bound without listening: connections to it are refused, and nothing else can bind it
/// until this is released.
public final class ClosedPort {
    /// The port.
    public let port: Int
    private let socketFD: Int32

    /// Binds a free loopback port without listening.
    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            close(fd)
            throw HarnessError("bind() failed")
        }
        socketFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(socketFD) }
}
