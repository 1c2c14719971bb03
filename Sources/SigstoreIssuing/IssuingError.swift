public import SigstoreCore

/// A request the issuing side refuses, or evidence it cannot produce.
public typealias IssuingError = CodedError<IssuingErrorCode>

/// The kind of an ``IssuingError``.
public struct IssuingErrorCode: NamedErrorCode {
    public let name: String

    /// Creates a code.
    public init(name: String) { self.name = name }

    /// The request is not what the protocol defines (not DER, a wrong version, a digest of the wrong length).
    public static let malformedRequest = Self(name: "malformedRequest")
    /// The request is well formed but asks for something this issuer does not do (an unknown policy, extensions).
    public static let unsupportedRequest = Self(name: "unsupportedRequest")
    /// Building or signing the evidence failed.
    public static let issuingFailed = Self(name: "issuingFailed")
}
