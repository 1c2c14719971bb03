/// An error raised while parsing keys, signatures or digests, or while signing.
///
/// Modelled on swift-certificates' `CertificateError`: the `code` is extensible and equality compares only the code,
/// so tests can match on the kind of failure while the message stays free to improve.
public struct SigstoreCryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public var code: Code
    /// A one-line, lowercase explanation a user can act on. Never contains key material.
    public var message: String
    /// Where the error was raised.
    public var location: Location

    /// Creates an error.
    public init(_ code: Code, _ message: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.message = message
        self.location = Location(file: file, line: line)
    }

    public var description: String { message }

    public static func == (lhs: SigstoreCryptoError, rhs: SigstoreCryptoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The source location an error was raised at.
    public struct Location: Hashable, Sendable {
        public var file: String
        public var line: UInt
    }

    /// The kind of a ``SigstoreCryptoError``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: Hashable, Sendable {
            case malformedPEM, malformedKey, unsupportedKey, malformedSignature, invalidSignature, signingFailed
            case io, malformedDigest
        }
        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// The input is not PEM, or not the PEM block that was expected.
        public static let malformedPEM = Code(.malformedPEM)
        /// The key's encoding is not valid.
        public static let malformedKey = Code(.malformedKey)
        /// The key is well formed but of a type or size that is not supported.
        public static let unsupportedKey = Code(.unsupportedKey)
        /// The signature bytes cannot be a signature for this key.
        public static let malformedSignature = Code(.malformedSignature)
        /// The signature does not verify.
        public static let invalidSignature = Code(.invalidSignature)
        /// The signing operation itself failed.
        public static let signingFailed = Code(.signingFailed)
        /// Reading an artifact failed.
        public static let io = Code(.io)
        /// A digest string such as `sha256:<hex>` is malformed.
        public static let malformedDigest = Code(.malformedDigest)

        public var description: String { String(describing: backing) }
    }
}
