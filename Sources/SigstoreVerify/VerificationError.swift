/// A verification that did not succeed: which check failed, and a one-line message with the expected and actual
/// values where there are any.
///
/// Equality compares only ``check``.
public struct VerificationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The check that failed.
    public var check: Check
    /// A one-line, lowercase message naming the problem.
    public var message: String

    /// Creates an error.
    public init(_ check: Check, _ message: String) {
        self.check = check
        self.message = message
    }

    public var description: String { message }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.check == rhs.check }
    public func hash(into hasher: inout Hasher) { hasher.combine(check) }

    /// The family of checks a ``VerificationError`` comes from.
    public enum Check: String, Hashable, Sendable {
        /// The bundle's structure or version rules.
        case bundle
        /// The trusted root itself (a key or certificate it holds cannot be used).
        case trustedRoot
        /// Transparency-log entries: body, signed entry timestamp, inclusion proof, checkpoint.
        case transparencyLog
        /// RFC 3161 signed timestamps, or the lack of a verified time.
        case timestamp
        /// The signing certificate and its chain to a trusted CA.
        case certificate
        /// Signed certificate timestamps from certificate-transparency logs.
        case certificateTransparency
        /// The signature over the artifact or the DSSE envelope.
        case signature
        /// The artifact (or in-toto subject) does not match what was signed.
        case artifact
        /// The certificate's identity does not match the policy.
        case identity
    }
}
