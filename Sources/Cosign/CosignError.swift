public import SigstoreCore

/// An error from the cosign layer: key files, artifacts, signing and verification. Messages never contain passwords
/// or key material.
///
/// ``CosignErrorCode/verificationFailed`` separates "the evidence is bad" from operational problems, as cosign's
/// `VerificationFailure` does.
public typealias CosignError = CodedError<CosignErrorCode>

extension CodedError where Code == CosignErrorCode {
    /// Whether this error means a signature or its evidence failed verification.
    public var isVerificationFailure: Bool { code == .verificationFailed }
}

/// The kinds of ``CosignError``.
public struct CosignErrorCode: NamedErrorCode {
    public let name: String
    /// Creates a code.
    public init(name: String) { self.name = name }
    /// Bad user input: flags, files, formats.
    public static let invalidInput = Self(name: "invalidInput")
    /// A `--type` value is neither a known predicate type nor a URI.
    public static let invalidPredicateType = Self(name: "invalidPredicateType")
    /// A key file cannot be read or decrypted.
    public static let keyFile = Self(name: "keyFile")
    /// The password is wrong.
    public static let wrongPassword = Self(name: "wrongPassword")
    /// Reading or writing a file failed.
    public static let io = Self(name: "io")
    /// A signature, digest or log entry did not verify.
    public static let verificationFailed = Self(name: "verificationFailed")
    /// The requested feature is not available in this build yet.
    public static let unsupported = Self(name: "unsupported")
    /// The user declined a confirmation prompt.
    public static let declined = Self(name: "declined")
}
