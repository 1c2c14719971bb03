import Foundation
import SigstoreJSON
internal import SigstoreCore

/// Exclusive use of a data directory: `serve` holds it while it runs, `rotate` while it rotates. It is an advisory
/// `flock` on `DATA/serve.lock` (which records the holder's process ID), so the kernel releases it when the holder
/// exits, however it exits.
public final class DataDirectoryLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock of `directory` (which must exist) without waiting.
    /// - Throws: ``InstanceError`` `serverRunning` naming the holder when another process has it.
    public init(directory: String, purpose: String) throws {
        let path = directory + "/serve.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw InstanceError(.storage, "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            throw InstanceError(
                .serverRunning,
                "\(directory) is in use by sigstore-local process \(holder) (\(path) is locked); stop it before \(purpose)")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    deinit { close(descriptor) }
}

/// The ports and address of each service, chosen at the first start and reused by every later one (`DATA/ports.json`),
/// because service URLs are baked into tokens, certificates and trust files.
public struct RememberedAddresses: Sendable, Equatable {
    /// The address the services bound.
    public var address: String?
    /// The port of each service.
    public var ports: [LocalStack.Service: Int] = [:]
    /// The port of the one listener that served every service under a path prefix (`serve --port`).
    public var port: Int?

    /// Where they are kept.
    public static func path(_ directory: String) -> String { directory + "/ports.json" }

    /// Nothing remembered.
    public init() {}

    /// Reads `DATA/ports.json` (nothing remembered when it does not exist).
    public init(directory: String) throws {
        let path = Self.path(directory)
        guard let data = FileManager.default.contents(atPath: path) else { return }
        guard let json = try? JSONParser.parse(Array(data)), case .object = json else {
            throw InstanceError(.corrupt, "\(path) is malformed: not a json object")
        }
        address = json["address"]?.stringValue
        if let value = json["port"] {
            guard let port = value.int64Value, (1...65535).contains(port) else {
                throw InstanceError(.corrupt, "\(path) is malformed: the port is not a port number")
            }
            self.port = Int(port)
        }
        for service in LocalStack.Service.allCases {
            guard let value = json["ports"]?[service.rawValue] else { continue }
            guard let port = value.int64Value, (1...65535).contains(port) else {
                throw InstanceError(.corrupt, "\(path) is malformed: the \(service.rawValue) port is not a port number")
            }
            ports[service] = Int(port)
        }
    }

    /// Writes `DATA/ports.json` atomically.
    public func write(directory: String) throws {
        var members: [(String, OrderedJSON)] = []
        if let address { members.append(("address", .string(address))) }
        if let port { members.append(("port", .number(Int64(port)))) }
        members.append((
            "ports",
            .object(LocalStack.Service.allCases.compactMap { s in ports[s].map { (s.rawValue, .number(Int64($0))) } })
        ))
        try writeAtomically(Self.path(directory), OrderedJSON.object(members).indented("  ") + [0x0A], mode: 0o644)
    }

    /// Throws ``InstanceError`` `portInUse` when `port` on `address` (a numeric IPv4 or IPv6 address) cannot be bound
    /// now, the way the server binds it (`SO_REUSEADDR`, so connections left over from a killed server do not count).
    /// Names that are not numeric addresses are not checked.
    static func checkFree(address: String, port: Int, describe: () -> String) throws {
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let family: Int32
        if inet_pton(AF_INET, address, &v4.sin_addr) == 1 {
            family = AF_INET
        } else if inet_pton(AF_INET6, address, &v6.sin6_addr) == 1 {
            family = AF_INET6
        } else {
            return
        }
        #if canImport(Glibc)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        if family == AF_INET {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
            result = withUnsafePointer(to: &v4) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
            result = withUnsafePointer(to: &v6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        if result != 0 && errno == EADDRINUSE { throw InstanceError(.portInUse, describe()) }
    }
}
