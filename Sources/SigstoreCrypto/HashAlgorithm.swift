#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Crypto
import SigstoreCore

/// A hash algorithm used for artifact digests and signatures, named as in the Sigstore protobuf specs.
public enum HashAlgorithm: String, Sendable, Hashable, CaseIterable {
    case sha256
    case sha384
    case sha512

    /// The protobuf-specs `HashAlgorithm` enum name (`SHA2_256`, …).
    public var protoName: String {
        switch self {
        case .sha256: "SHA2_256"
        case .sha384: "SHA2_384"
        case .sha512: "SHA2_512"
        }
    }

    /// The digest size in bytes.
    public var byteCount: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// Parses a protobuf-specs name (`SHA2_256`).
    public init?(protoName: String) {
        guard let match = Self.allCases.first(where: { $0.protoName == protoName }) else { return nil }
        self = match
    }

    /// Returns a streaming hasher for this algorithm.
    public func makeHasher() -> ArtifactHasher { ArtifactHasher(algorithm: self) }

    /// Hashes a complete buffer.
    public func digest(of bytes: some DataProtocol) -> ArtifactDigest {
        var hasher = makeHasher()
        hasher.update(bytes)
        return hasher.finalize()
    }
}

/// A digest of an artifact: the algorithm and the raw digest bytes.
public struct ArtifactDigest: Hashable, Sendable, CustomStringConvertible {
    /// The algorithm that produced ``bytes``.
    public var algorithm: HashAlgorithm
    /// The raw digest.
    public var bytes: [UInt8]

    /// Creates a digest value; the length must match the algorithm.
    public init(algorithm: HashAlgorithm, bytes: [UInt8]) throws {
        guard bytes.count == algorithm.byteCount else {
            throw SigstoreCryptoError(
                .malformedDigest,
                "\(algorithm.rawValue) digest must be \(algorithm.byteCount) bytes, got \(bytes.count)")
        }
        self.algorithm = algorithm
        self.bytes = bytes
    }

    init(unchecked algorithm: HashAlgorithm, bytes: [UInt8]) {
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// Parses `<algorithm>:<hex>`, e.g. `sha256:0123…`.
    public init(parsing string: some StringProtocol) throws {
        guard let colon = string.firstIndex(of: ":") else {
            throw SigstoreCryptoError(.malformedDigest, "digest \"\(string)\" is not of the form <algorithm>:<hex>")
        }
        let name = string[..<colon].lowercased()
        guard let algorithm = HashAlgorithm(rawValue: name) else {
            throw SigstoreCryptoError(.malformedDigest, "unsupported digest algorithm \"\(name)\" (expected sha256, sha384 or sha512)")
        }
        guard let bytes = Hex.decode(string[string.index(after: colon)...]) else {
            throw SigstoreCryptoError(.malformedDigest, "digest \"\(string)\" is not valid hex")
        }
        try self.init(algorithm: algorithm, bytes: bytes)
    }

    /// Lowercase hex of ``bytes``.
    public var hex: String { Hex.encode(bytes) }

    /// `<algorithm>:<hex>`.
    public var description: String { "\(algorithm.rawValue):\(hex)" }
}

/// An incremental hasher over one of the ``HashAlgorithm`` cases.
public struct ArtifactHasher: Sendable {
    private enum Backing: Sendable {
        case sha256(SHA256)
        case sha384(SHA384)
        case sha512(SHA512)
    }
    private var backing: Backing
    /// The algorithm this hasher computes.
    public let algorithm: HashAlgorithm

    /// Creates a hasher.
    public init(algorithm: HashAlgorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha256: backing = .sha256(SHA256())
        case .sha384: backing = .sha384(SHA384())
        case .sha512: backing = .sha512(SHA512())
        }
    }

    /// Feeds bytes into the hash.
    public mutating func update(bufferPointer: UnsafeRawBufferPointer) {
        switch backing {
        case .sha256(var h):
            h.update(bufferPointer: bufferPointer)
            backing = .sha256(h)
        case .sha384(var h):
            h.update(bufferPointer: bufferPointer)
            backing = .sha384(h)
        case .sha512(var h):
            h.update(bufferPointer: bufferPointer)
            backing = .sha512(h)
        }
    }

    /// Feeds bytes into the hash.
    public mutating func update(_ bytes: some DataProtocol) {
        for region in bytes.regions {
            region.withUnsafeBytes { update(bufferPointer: $0) }
        }
    }

    /// Returns the digest of everything fed so far.
    public func finalize() -> ArtifactDigest {
        switch backing {
        // The digest's bytes copied at once (`Array(digest)` reads it as a sequence of unknown length: a byte at a
        // time, the array grown as it goes).
        case .sha256(let h): ArtifactDigest(unchecked: .sha256, bytes: h.finalize().withUnsafeBytes { Array($0) })
        case .sha384(let h): ArtifactDigest(unchecked: .sha384, bytes: h.finalize().withUnsafeBytes { Array($0) })
        case .sha512(let h): ArtifactDigest(unchecked: .sha512, bytes: h.finalize().withUnsafeBytes { Array($0) })
        }
    }
}

/// Lowercase hexadecimal encoding.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lowercase hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        if let text = bytes.withContiguousStorageIfAvailable({ encode(contiguous: $0) }) { return text }
        return Array(bytes).withUnsafeBufferPointer { encode(contiguous: $0) }
    }

    /// Writes the digits straight into the string's storage.
    private static func encode(contiguous bytes: UnsafeBufferPointer<UInt8>) -> String {
        digits.withUnsafeBufferPointer { digits in
            String(unsafeUninitializedCapacity: bytes.count * 2) { out in
                for (i, b) in bytes.enumerated() {
                    out[2 * i] = digits[Int(b >> 4)]
                    out[2 * i + 1] = digits[Int(b & 0x0f)]
                }
                return bytes.count * 2
            }
        }
    }

    /// Decodes hex (either case); nil when the input is not an even-length hex string.
    public static func decode(_ string: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(string.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = value(utf8[i]), let lo = value(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
