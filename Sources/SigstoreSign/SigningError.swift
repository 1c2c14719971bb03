public import SigstoreCore

/// Why signing failed. Messages name the service and what went wrong, never a token or a key.
public typealias SigningError = CodedError<SigningErrorCode>

/// The kinds of ``SigningError``.
public enum SigningErrorCode: String, ErrorCode {
    /// A flag, file or configuration the user supplied is unusable.
    case configuration
    /// No identity token could be obtained, or the token is unusable (expired, malformed).
    case identityToken
    /// Fulcio refused or failed.
    case fulcio
    /// The transparency log refused or failed.
    case transparencyLog
    /// The timestamp authority refused or failed.
    case timestampAuthority
    /// A service answered with something that does not verify.
    case verification
    /// The network failed (after retries).
    case transport

    public var description: String { rawValue }
}
