public import SigstoreCore

/// An error about an image reference, a registry document or a registry exchange. Messages never contain
/// credentials.
public typealias OCIError = CodedError<OCIErrorCode>

/// The kinds of ``OCIError``.
public struct OCIErrorCode: NamedErrorCode {
    public let name: String
    /// Creates a code.
    public init(name: String) { self.name = name }
    /// The image reference does not follow the Docker grammar.
    public static let invalidReference = Self(name: "invalidReference")
    /// A manifest, index or descriptor is malformed.
    public static let malformedDocument = Self(name: "malformedDocument")
    /// The registry does not have what was asked for.
    public static let notFound = Self(name: "notFound")
    /// The registry refused the credentials (or there were none).
    public static let unauthorized = Self(name: "unauthorized")
    /// The registry answered with an error.
    public static let registry = Self(name: "registry")
    /// The registry could not be reached, or the connection failed.
    public static let transport = Self(name: "transport")
    /// A downloaded blob or manifest does not match its digest.
    public static let digestMismatch = Self(name: "digestMismatch")
}
