import Crypto
import SigstoreCore

/// Hash checks of downloaded bytes against the `hashes` trusted metadata lists (swift-crypto does the hashing).
enum Digests {
    /// The hash algorithms this client can check.
    static let supported: Set<String> = ["sha256", "sha384", "sha512"]

    /// Lowercase hex digest of `bytes`; nil for an algorithm this client does not support.
    static func hexDigest(_ algorithm: String, of bytes: [UInt8]) -> String? {
        switch algorithm {
        case "sha256": TextEncoding.hex(SHA256.hash(data: bytes))
        case "sha384": TextEncoding.hex(SHA384.hash(data: bytes))
        case "sha512": TextEncoding.hex(SHA512.hash(data: bytes))
        default: nil
        }
    }

    /// Throws unless `bytes` has `length` (when given) and matches **every** listed hash. An algorithm this client
    /// does not know is a failure, never skipped.
    /// - Parameter what: Names the file in messages (`"trusted_root.json"`).
    static func verify(_ bytes: [UInt8], length: Int?, hashes: [(String, String)], what: String) throws {
        if let length, bytes.count != length {
            throw TUFError(
                .lengthOrHashMismatch,
                "\(what): length mismatch: expected \(length) bytes, got \(bytes.count)"
            )
        }
        for (algorithm, expected) in hashes {
            guard let actual = hexDigest(algorithm, of: bytes) else {
                throw TUFError(.lengthOrHashMismatch, "\(what): unsupported hash algorithm \"\(algorithm)\"")
            }
            guard actual == expected.lowercased() else {
                throw TUFError(
                    .lengthOrHashMismatch,
                    "\(what): \(algorithm) mismatch: expected \(expected), got \(actual)"
                )
            }
        }
    }
}
