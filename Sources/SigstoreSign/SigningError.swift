/// Why signing failed. Messages name the service and what went wrong, never a token or a key.
public struct SigningError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable {
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
    }

    /// The kind of failure.
    public var code: Code
    /// A one-line message a user can act on.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
