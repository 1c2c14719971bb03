/// An error from the cosign layer: key files, artifacts, signing and verification.
///
/// ``isVerificationFailure`` separates "the evidence is bad" from operational problems, as cosign's
/// `VerificationFailure` does; the CLI maps both to exit codes. Equality compares only ``code``.
public struct CosignError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var code: Code
    /// A one-line, lowercase message naming the problem. Never contains passwords or key material.
    public var message: String
    /// Where the error was raised.
    public var file: String
    /// The line the error was raised at.
    public var line: UInt

    /// Creates an error.
    public init(_ code: Code, _ message: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { message }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Whether this error means a signature or its evidence failed verification.
    public var isVerificationFailure: Bool { code == .verificationFailed }

    /// The kind of a ``CosignError``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Bad user input: flags, files, formats.
        public static let invalidInput = Code("invalidInput")
        /// A key file cannot be read or decrypted.
        public static let keyFile = Code("keyFile")
        /// The password is wrong.
        public static let wrongPassword = Code("wrongPassword")
        /// Reading or writing a file failed.
        public static let io = Code("io")
        /// A signature, digest or log entry did not verify.
        public static let verificationFailed = Code("verificationFailed")
        /// The requested feature is not available in this build yet.
        public static let unsupported = Code("unsupported")
        /// The user declined a confirmation prompt.
        public static let declined = Code("declined")
    }
}
