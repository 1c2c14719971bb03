public import SigstoreCore

/// A request the issuing side refuses, or evidence it cannot produce.
public typealias IssuingError = CodedError<IssuingErrorCode>

/// The domain of ``IssuingErrorCode``: the issuing side.
public enum IssuingErrorDomain {}

/// The kinds of errors of the domain.
public typealias IssuingErrorCode = ErrorName<IssuingErrorDomain>

extension ErrorName where Domain == IssuingErrorDomain {
    /// The request is not what the protocol defines (not DER, a wrong version, a digest of the wrong length).
    public static var malformedRequest: Self { Self(name: "malformedRequest") }
    /// The request is well formed but asks for something this issuer does not do (an unknown policy, extensions).
    public static var unsupportedRequest: Self { Self(name: "unsupportedRequest") }
    /// Building or signing the evidence failed.
    public static var issuingFailed: Self { Self(name: "issuingFailed") }
}
