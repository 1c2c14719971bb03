#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SigstoreCore
import SigstoreCrypto
import SigstoreJSON
import SigstoreModels
import SigstoreVerify
import Synchronization

/// A predicate file embedded as written in its statement (SPDX JSON, CycloneDX, OpenVEX, any predicate-type URI),
/// checked and hashed in one pass of 192 KiB pieces. `attest-blob` runs this pass while the key's scrypt decryption runs
/// (64 MiB of its own), so a large SBOM costs the time of the longer of the two and the memory of neither on top of the
/// other. Reading the file a second time to write it out, the attester checks that the statement it built hashes to
/// ``preAuthenticationDigest`` before its output is renamed into place: a file changed in between is refused.
struct StreamedPredicate: Sendable {
    /// The SHA-256 of the DSSE pre-authentication encoding of the statement that embeds the file.
    let preAuthenticationDigest: ArtifactDigest
    /// The predicate file.
    let path: String
    /// The statement's text before the predicate.
    let header: [UInt8]
    /// Where the predicate's object lies in the file (whitespace around it left out).
    let object: Range<Int>
    /// The statement's payload type.
    let payloadType: String

    /// The statement's length: the header, the object, the closing brace.
    var statementLength: Int { header.count + object.count + 1 }

    /// Pieces the file is read in (192 KiB, a multiple of 3): small enough that the two or three in flight between the
    /// encoder and the hashing task stay in the caches (768 KiB pieces made the second read twice as slow).
    static let readSize = 3 << 16

    /// Checks the predicate at `path` and hashes the statement `header` + the predicate (surrounding whitespace
    /// dropped) + `}` as a DSSE payload of `payloadType`. Errors are those of the whole-file reader, prefixed by
    /// `what`. Nil when the file is not one this pass can take (not a regular file, empty, over the size limit, or
    /// with more than a piece of whitespace around it): the caller reads it the usual way, which reports the
    /// problem if there is one.
    static func check(path: String, header: [UInt8], what: String?, payloadType: String) throws -> StreamedPredicate? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let size = FileSystem.regularFileSize(fd), size > 0, size <= AttestationInput.maxPredicateBytes else { return nil }

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 16)
        defer { buffer.deallocate() }
        // The payload's length comes first in the encoding: the whitespace after the predicate is counted from the end.
        let tail = min(size, readSize)
        guard pread(fd, buffer.baseAddress, tail, off_t(size - tail)) == tail else { return nil }
        let trailing = buffer.prefix(tail).reversed().prefix(while: AttestationStatement.isWhitespace).count
        guard trailing < tail else { return nil }
        let end = size - trailing

        var validator = JSONStreamValidator()
        var hasher = HashAlgorithm.sha256.makeHasher()
        var offset = 0
        var leading: Int?
        while true {
            if Task.isCancelled { throw CancellationError() }
            let n = read(fd, buffer.baseAddress, readSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystem.error(errno, path: path, verb: "read")
            }
            if n == 0 { break }
            guard offset + n <= size else { throw changed(path) }
            let piece = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            do {
                try validator.consume(piece)
            } catch {
                throw invalid(path, AttestationStatement.invalidPredicate(error.message, what: what))
            }
            if leading == nil {
                guard let start = validator.valueStart else { return nil }
                leading = start
                let payloadLength = header.count + (end - start) + 1
                hasher.update(DSSEEnvelope.preAuthenticationHeader(payloadType: payloadType, payloadLength: payloadLength))
                hasher.update(header)
            }
            let from = max(offset, leading!)
            let to = min(offset + n, end)
            if from < to { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: piece[(from - offset)..<(to - offset)])) }
            offset += n
        }
        guard offset == size else { throw changed(path) }
        let kind: JSONParser.Kind
        do {
            kind = try validator.finish()
            try AttestationStatement.requireObject(kind, what: what)
        } catch let error as JSONError {
            throw invalid(path, AttestationStatement.invalidPredicate(error.message, what: what))
        } catch let error as CosignError {
            throw invalid(path, error)
        }
        guard validator.valueStart == leading, validator.valueEnd == end else { throw changed(path) }
        hasher.update([UInt8(ascii: "}")])
        return StreamedPredicate(
            preAuthenticationDigest: hasher.finalize(), path: path, header: header, object: leading!..<end, payloadType: payloadType)
    }

    /// Writes the statement's standard base64 to `write`, reading the predicate from the file again, and checks — on
    /// a task of its own, as the pieces go by — that the bytes encoded are the statement that was checked and hashed.
    /// Throws (after writing) when they are not: the caller's output must not be kept then.
    func writeStatementBase64(to write: ([UInt8]) throws -> Void) async throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystem.error(errno, path: path, verb: "open") }
        defer { close(fd) }
        // Each piece goes to the hashing task as it is read, and its buffer comes back to be read into again: two or
        // three buffers in all, since hashing is faster than encoding.
        let (pieces, sink) = AsyncStream.makeStream(of: Piece.self)
        let pool = BufferPool()
        let prefix = DSSEEnvelope.preAuthenticationHeader(payloadType: payloadType, payloadLength: statementLength)
        let hashing = Task.detached {
            var hasher = HashAlgorithm.sha256.makeHasher()
            hasher.update(prefix)
            for await var piece in pieces {
                piece.bytes.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<piece.count])) }
                let buffer = piece.bytes
                piece.bytes = []
                pool.give(consume buffer)
            }
            return hasher.finalize()
        }
        var encoded = false
        defer { if !encoded { sink.finish(); hashing.cancel() } }
        // Base64 takes three bytes at a time: what a piece leaves over (the header, at first) is carried into the next.
        var carried = header
        sink.yield(Piece(bytes: header, count: header.count))
        var out = [UInt8]()
        out.reserveCapacity(Self.readSize / 3 * 4 + header.count * 2 + 8)
        var offset = object.lowerBound
        while offset < object.upperBound {
            if Task.isCancelled { throw CancellationError() }
            let want = min(Self.readSize, object.upperBound - offset)
            var buffer = pool.take() ?? [UInt8](repeating: 0, count: Self.readSize)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystem.error(errno, path: path, verb: "read")
            }
            guard n > 0 else { throw Self.changed(path) }
            offset += n
            sink.yield(Piece(bytes: buffer, count: n))
            let completing = min((3 - carried.count % 3) % 3, n)
            carried += buffer[0..<completing]
            // A piece too short to complete the carried bytes' group is all carried.
            guard carried.count % 3 == 0 else { continue }
            let whole = completing + (n - completing) / 3 * 3
            Base64.encode(carried, into: &out)
            buffer.withUnsafeBufferPointer { Base64.encode(UnsafeBufferPointer(rebasing: $0[completing..<whole]), into: &out) }
            carried = Array(buffer[whole..<n])
            try write(out)
            out.removeAll(keepingCapacity: true)
        }
        carried.append(UInt8(ascii: "}"))
        sink.yield(Piece(bytes: [UInt8(ascii: "}")], count: 1))
        Base64.encode(carried, into: &out)
        try write(out)
        encoded = true
        sink.finish()
        guard await hashing.value == preAuthenticationDigest else { throw Self.changed(path) }
    }

    /// Throws unless `statement` is the statement that was checked.
    func requireSame(_ statement: [UInt8]) throws {
        let envelope = DSSEEnvelope(payload: statement, payloadType: payloadType, signatures: [])
        guard envelope.preAuthenticationDigest(.sha256) == preAuthenticationDigest else { throw Self.changed(path) }
    }

    private static func changed(_ path: String) -> CosignError {
        CosignError(.invalidInput, "invalid predicate \(path): the file changed while it was being read")
    }

    /// An error about the predicate, worded as the whole-file path words it (``AttestationInput/statement(predicate:path:subjectName:sha256:time:validateType:)``).
    private static func invalid(_ path: String, _ error: CosignError) -> CosignError {
        CosignError(.invalidInput, "invalid predicate \(path): \(error.message)")
    }
}

/// A piece of the statement on its way to the hashing task: the first `count` bytes of `bytes`.
private struct Piece: Sendable {
    var bytes: [UInt8]
    var count: Int
}

/// Read buffers handed back by the hashing task.
private final class BufferPool: Sendable {
    private let free = Mutex<[[UInt8]]>([])

    /// A buffer to read into, when one has come back.
    func take() -> [UInt8]? { free.withLock { $0.popLast() } }

    /// Hands a read buffer back (the header and the closing brace, which are not read buffers, are dropped).
    func give(_ buffer: consuming [UInt8]) {
        let buffer = buffer
        guard buffer.count == StreamedPredicate.readSize else { return }
        free.withLock { $0.append(buffer) }
    }
}
