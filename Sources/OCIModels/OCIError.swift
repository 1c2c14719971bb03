/// An error about an image reference, a registry document or a registry exchange.
///
/// Equality compares only ``code``.
public struct OCIError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var code: Code
    /// A one-line message naming the problem; never contains credentials.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The kind of an ``OCIError``.
    public struct Code: Hashable, Sendable {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The image reference does not follow the Docker grammar.
        public static let invalidReference = Code("invalidReference")
        /// A manifest, index or descriptor is malformed.
        public static let malformedDocument = Code("malformedDocument")
        /// The registry does not have what was asked for.
        public static let notFound = Code("notFound")
        /// The registry refused the credentials (or there were none).
        public static let unauthorized = Code("unauthorized")
        /// The registry answered with an error.
        public static let registry = Code("registry")
        /// The registry could not be reached, or the connection failed.
        public static let transport = Code("transport")
        /// A downloaded blob or manifest does not match its digest.
        public static let digestMismatch = Code("digestMismatch")
    }
}
