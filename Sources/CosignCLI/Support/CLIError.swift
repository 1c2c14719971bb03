import SigstoreCore

/// An error raised by the command-line layer itself: a flag combination or an option that is not supported.
typealias CLIError = CodedError<CommandLineErrorCode>

/// The one kind of ``CLIError``.
enum CommandLineErrorCode: String, ErrorCode {
    /// The flags given cannot be used as they are.
    case usage

    var description: String { rawValue }
}

extension CodedError where Code == CommandLineErrorCode {
    /// A usage error with `message`.
    init(_ message: String, file: String = #fileID, line: UInt = #line) {
        self.init(.usage, message, file: file, line: line)
    }
}
