public import SigstoreCore
import SigstoreJSON

/// An error raised while reading or writing a Sigstore document (bundle, envelope, trusted root, …).
public typealias BundleError = CodedError<BundleErrorCode>

/// The domain of ``BundleErrorCode``: Sigstore documents.
public enum BundleErrorDomain {}

/// The kinds of errors of the domain.
public typealias BundleErrorCode = ErrorName<BundleErrorDomain>

extension ErrorName where Domain == BundleErrorDomain {
    /// The document is not valid JSON or does not have the expected shape.
    public static var malformed: Self { Self(name: "malformed") }
    /// The document declares a media type or version this library does not understand.
    public static var unsupportedVersion: Self { Self(name: "unsupportedVersion") }
    /// The document exceeds a size or count limit.
    public static var tooLarge: Self { Self(name: "tooLarge") }
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

/// Decodes a model document, reporting a document that is not JSON or too large as a ``BundleError``.
func decodeDocument<T: Decodable>(_ type: T.Type, from data: some Collection<UInt8>, what: String) throws -> T {
    do {
        return try JSONCoding.decode(T.self, from: data, what: what, limit: Limits.maxDocumentBytes, strict: true)
    } catch let error as JSONError {
        throw BundleError(error.code == .tooLarge ? .tooLarge : .malformed, error.message, underlying: error)
    }
}
