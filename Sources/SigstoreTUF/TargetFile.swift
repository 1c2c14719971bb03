public import SigstoreJSON
import SigstoreCore

/// A target (artifact) as trusted targets metadata describes it: its path, length and hashes.
public struct TargetFile: Sendable, Hashable {
    /// The target path (`trusted_root.json`, `registry.npmjs.org/keys.json`).
    public let path: String
    /// The exact length in bytes.
    public let length: Int
    /// Hex digests by algorithm name (`sha256`, `sha512`, …). Every one must match a download.
    public let hashes: [String: String]
    /// The `custom` value of the target, if any (Sigstore lists `custom.sigstore` on legacy targets).
    public let custom: OrderedJSON?
    /// The hashes in document order; the first names the hash-prefixed file on consistent-snapshot repositories.
    let orderedHashes: [(String, String)]

    init(path: String, json: JSONObject) throws {
        self.path = path
        length = try json.int("length")
        guard length >= 0 else { throw TUFError(.invalidMetadata, "\(json.context): length must not be negative") }
        orderedHashes = try json.stringMap("hashes")
        guard !orderedHashes.isEmpty else {
            throw TUFError(.invalidMetadata, "\(json.context): hashes must not be empty")
        }
        hashes = Dictionary(orderedHashes, uniquingKeysWith: { first, _ in first })
        custom = json.value("custom")
    }

    /// The file name this client stores the target under: the path quoted like Python's `quote(path, safe="")`, so
    /// the same target always lands in the same file and no path can leave the directory (`""`, `.` and `..` are
    /// encoded too).
    public var localFileName: String {
        let quoted = TextEncoding.quote(path)
        switch quoted {
        case "": return "%00"
        case ".": return "%2E"
        case "..": return "%2E%2E"
        default: return quoted
        }
    }

    /// Throws ``TUFErrorCode/lengthOrHashMismatch`` unless `bytes` has this target's length and every listed hash.
    /// - Parameter bytes: The candidate content.
    public func verify(_ bytes: [UInt8]) throws {
        try Digests.verify(bytes, length: length, hashes: orderedHashes, what: path)
    }

    /// Targets are equal when path, length, hashes and custom value are.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.path == rhs.path && lhs.length == rhs.length && lhs.hashes == rhs.hashes && lhs.custom == rhs.custom
    }

    /// Hashes path, length and hashes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(length)
        hasher.combine(hashes)
    }
}
