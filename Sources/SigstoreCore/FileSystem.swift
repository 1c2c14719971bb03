#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error reading or writing a file.
public typealias FileError = CodedError<FileErrorCode>

/// The domain of ``FileErrorCode``: reading and writing files.
public enum FileErrorDomain {}

/// The kinds of errors of the domain.
public typealias FileErrorCode = ErrorName<FileErrorDomain>

extension ErrorName where Domain == FileErrorDomain {
    /// A system call failed, or a file is not what was expected (a directory, too large).
    public static var io: Self { Self(name: "io") }
}

/// Small POSIX file helpers with cosign-style error messages.
public enum FileSystem {
    /// Whether something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Fails unless `path` is an existing regular file (or a readable special file such as a pipe).
    public static func checkReadableFile(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { throw error(errno, path: path, verb: "open") }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw FileError(.io, "read \(path): is a directory")
        }
    }

    /// Throws unless `path` is a regular file (not a directory, FIFO, device or socket, which could block or never end):
    /// for files that must be what a tool wrote, such as an image layout's.
    public static func checkRegularFile(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { throw error(errno, path: path, verb: "open") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FileError(.io, "read \(path): not a regular file") }
    }

    /// The size of the regular file open at `fd`; nil for anything else (a FIFO, a device, a directory).
    public static func regularFileSize(_ fd: Int32) -> Int? {
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(status.st_size)
    }

    /// Reads a whole (small) file, refusing directories and files over `limit` bytes.
    public static func readFile(_ path: String, limit: Int = 64 << 20) throws -> [UInt8] {
        try readFile(path, limit: limit, extraCapacity: 1)
    }

    /// ``readFile(_:limit:)`` into a buffer with `extraCapacity` bytes of room beyond the file's size, for a caller
    /// that grows the buffer in place (without it, growing a large buffer copies it).
    public static func readFile(_ path: String, limit: Int, extraCapacity: Int) throws -> [UInt8] {
        try checkReadableFile(path)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error(errno, path: path, verb: "open") }
        defer { close(fd) }
        var out = [UInt8]()
        var status = stat()
        if fstat(fd, &status) == 0, status.st_size > 0 { out.reserveCapacity(min(Int(status.st_size), limit) + max(extraCapacity, 1)) }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw error(errno, path: path, verb: "read")
            }
            out.append(contentsOf: buffer[0..<n])
            guard out.count <= limit else { throw FileError(.io, "read \(path): file is larger than \(limit) bytes") }
        }
        return out
    }

    /// Reads a whole file as UTF-8 text.
    public static func readText(_ path: String, limit: Int = 64 << 20) throws -> String {
        String(decoding: try readFile(path, limit: limit), as: UTF8.self)
    }

    /// Creates `path` and any missing parents with `mode` (an existing directory is fine).
    public static func makeDirectory(_ path: String, mode: UInt32 = 0o755) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode_t(mode)) != 0 && errno != EEXIST { throw error(errno, path: current, verb: "mkdir") }
        }
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { throw FileError(.io, "mkdir \(path): not a directory") }
    }

    /// Writes a file atomically: a temporary file in the same directory, fsync, rename. The final file gets `mode`.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: UInt32) throws {
        try writeAtomically(to: path, mode: mode) { write in try write(bytes) }
    }

    /// Writes a file atomically from pieces: `produce` is handed a function that appends bytes to the temporary file,
    /// which is synced and renamed to `path` only once `produce` returns. A document with a large payload is written
    /// without ever being whole in memory. When `produce` throws, nothing is left at `path` or beside it.
    public static func writeAtomically(
        to path: String, mode: UInt32, _ produce: (_ write: ([UInt8]) throws -> Void) throws -> Void
    ) throws {
        let file = try AtomicFile(path, mode: mode)
        try produce(file.write)
        try file.commit()
    }

    /// The error for a failed system call on `path`: `"<verb> <path>: <reason>"`.
    public static func error(_ code: Int32, path: String, verb: String) -> FileError {
        let reason: String
        switch code {
        case ENOENT: reason = "no such file or directory"
        case EACCES: reason = "permission denied"
        case EISDIR: reason = "is a directory"
        case ENOSPC: reason = "no space left on device"
        default: reason = String(cString: strerror(code)).lowercased()
        }
        return FileError(.io, "\(verb) \(path): \(reason)")
    }
}

/// A file written atomically: bytes go to a temporary file in the same directory, which ``commit()`` syncs and renames
/// to the path. Until then nothing is at the path; a file released without ``commit()`` is removed. For a writer that
/// has a last check to make (asynchronously) after the bytes are out and before they may be seen.
public final class AtomicFile {
    /// The final path.
    public let path: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var committed = false

    /// Creates the temporary file beside `path`, with `mode`.
    public init(_ path: String, mode: UInt32) throws {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        var template = Array("\(directory)/.cosign-tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileSystem.error(errno, path: path, verb: "create") }
        self.path = path
        self.descriptor = fd
        self.temporaryPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard fchmod(fd, mode_t(mode)) == 0 else { throw FileSystem.error(errno, path: path, verb: "chmod") }
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystem.error(errno, path: path, verb: "write")
            }
            offset += n
        }
    }

    /// Syncs the file and renames it to ``path``.
    public func commit() throws {
        guard fsync(descriptor) == 0 else { throw FileSystem.error(errno, path: path, verb: "sync") }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else { throw FileSystem.error(errno, path: path, verb: "rename") }
        committed = true
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed { unlink(temporaryPath) }
    }
}

/// `write(2)`, under a name that ``AtomicFile/write(_:)`` does not shadow.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }
