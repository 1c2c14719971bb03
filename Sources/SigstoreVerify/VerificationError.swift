public import SigstoreCore

/// A verification that did not succeed: the evidence is bad. The ``VerificationCheck`` names the family of checks
/// that failed; the message gives the expected and actual values where there are any.
public typealias VerificationError = CodedError<VerificationCheck>

extension CodedError where Code == VerificationCheck {
    /// The check that failed.
    public var check: VerificationCheck { code }
}

/// The family of checks a ``VerificationError`` comes from.
public enum VerificationCheck: String, ErrorCode {
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

    public var description: String { rawValue }

    /// `verification failed (<check> check): <message>`.
    public func summary(of message: String) -> String { "verification failed (\(rawValue) check): \(message)" }
}
