/// An error raised while reading or writing a Sigstore document (bundle, envelope, …).
///
/// Equality compares only ``code``.
public struct BundleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var code: Code
    /// A one-line, lowercase message naming the problem.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The kind of a ``BundleError``.
    public struct Code: Hashable, Sendable {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The document is not valid JSON or does not have the expected shape.
        public static let malformed = Code("malformed")
        /// The document declares a media type or version this library does not understand.
        public static let unsupportedVersion = Code("unsupportedVersion")
        /// The document exceeds a size or count limit.
        public static let tooLarge = Code("tooLarge")
    }
}

/// Limits applied to everything read, in the spirit of sigstore-go's `internal/limits`.
public enum Limits {
    /// Largest bundle or envelope document accepted, in bytes.
    public static let maxDocumentBytes = 128 << 20
    /// Most transparency-log entries accepted in one bundle.
    public static let maxTlogEntries = 32
    /// Most RFC 3161 timestamps accepted in one bundle.
    public static let maxTimestamps = 32
    /// Most certificates accepted in one chain.
    public static let maxCertificates = 32
    /// Most signatures accepted in one DSSE envelope.
    public static let maxSignatures = 32
}
