#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The one error model of the package: every module's error is a ``ReportableError``, so a caller (the command line
/// among them) reports any of them the same way without knowing its type.
///
/// An error has a kind (``CodedError/code``), a one-line lowercase ``message`` a user can act on (never a password, key or
/// token), the error it wraps if any, and the exit status a command line reports for it.
public protocol ReportableError: LocalizedError, CustomStringConvertible {
    /// The one-line message naming what went wrong, with expected and actual values where there are any.
    var message: String { get set }
    /// The error this one wraps, when it was caused by another.
    var underlying: (any Error)? { get }
    /// The process exit status a command line reports for this error: 1 unless the kind has its own.
    var exitStatus: Int32 { get }
    /// The line a command line prints after `Error: `: the message, with the context its kind adds.
    var summary: String { get }
    /// What the user can do about it, named for each front end to word in its own terms (the command line names
    /// its flags); the message itself names no flag.
    var remedy: Remedy? { get }
}

/// A named way out of an error (``ReportableError/remedy``): ``trustedRoot`` (give a trusted root),
/// ``withoutTransparencyLog`` (sign without a log), ``registryTrust`` (trust the registry's CA), ``redirectURL``
/// (fix the OAuth redirect URL), ``plainHTTPRegistry`` (reach a registry without TLS). Front ends map the names they know and ignore the others.
public struct Remedy: Hashable, Sendable, CustomStringConvertible {
    /// The remedy's name.
    public let name: String
    /// A remedy named `name`.
    public init(name: String) { self.name = name }
    public var description: String { name }

    /// Give the verifier a trusted root.
    public static var trustedRoot: Remedy { Remedy(name: "trustedRoot") }
    /// Sign without a transparency log.
    public static var withoutTransparencyLog: Remedy { Remedy(name: "withoutTransparencyLog") }
    /// Trust the CA of the registry's TLS certificate (or, for testing, skip the check).
    public static var registryTrust: Remedy { Remedy(name: "registryTrust") }
    /// Correct the OAuth redirect URL.
    public static var redirectURL: Remedy { Remedy(name: "redirectURL") }
    /// Reach the registry over plain HTTP (for a registry without TLS).
    public static var plainHTTPRegistry: Remedy { Remedy(name: "plainHTTPRegistry") }
}

extension ReportableError {
    public var errorDescription: String? { summary }
    public var remedy: Remedy? { nil }

    /// The remedy of this error or, failing that, of the errors it wraps.
    public var remedyInChain: Remedy? {
        var current: (any Error)? = self
        var depth = 0
        while let error = current, depth < 16 {
            if let reportable = error as? any ReportableError {
                if let remedy = reportable.remedy { return remedy }
                current = reportable.underlying
            } else {
                current = nil
            }
            depth += 1
        }
        return nil
    }

    /// The same error with `context` put before its message (`"signing a.txt: " + message`).
    public func adding(context: String) -> Self {
        var copy = self
        copy.message = "\(context): \(message)"
        return copy
    }
}

/// The kind of a ``CodedError``: each module declares its own extensible set of codes.
public protocol ErrorCode: Hashable, Sendable, CustomStringConvertible {
    /// The exit status a command line reports for errors of this kind; 1 unless overridden.
    var exitStatus: Int32 { get }
    /// The line reported for `message`; the message itself unless the kind adds context.
    func summary(of message: String) -> String
}

extension ErrorCode {
    public var exitStatus: Int32 { 1 }
    public func summary(of message: String) -> String { message }
}

/// An error of one module: a ``code`` from the module's ``ErrorCode`` type, a message, the underlying error and the
/// place it was raised. Modules name their instance (`typealias OCIError = CodedError<OCIErrorCode>`).
///
/// Equality compares only ``code``, so tests match the kind of failure while messages stay free to improve
/// (as swift-certificates' `CertificateError` does).
public struct CodedError<Code: ErrorCode>: ReportableError, Hashable {
    /// What kind of failure this is.
    public var code: Code
    public var message: String
    public var underlying: (any Error)?
    /// The source file the error was raised in.
    public var file: String
    /// The line the error was raised at.
    public var line: UInt
    /// What the user can do about it.
    public var remedy: Remedy?

    /// Creates an error of kind `code`.
    public init(
        _ code: Code, _ message: String, underlying: (any Error)? = nil, remedy: Remedy? = nil, file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.remedy = remedy
        self.file = file
        self.line = line
    }

    public var description: String { message }
    public var exitStatus: Int32 { code.exitStatus }
    public var summary: String { code.summary(of: message) }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

/// A code named by a string: the usual shape of a module's extensible error codes (see ``ErrorName``).
public protocol NamedErrorCode: ErrorCode {
    /// The code's name, as tests and logs show it.
    var name: String { get }
}

extension NamedErrorCode {
    public var description: String { name }
}

/// The named codes of one module's errors, told apart from other modules' by `Domain`, a caseless enum the module
/// declares. A module's whole error declaration is then its domain, two typealiases and its codes:
///
/// ```swift
/// public enum OCIErrorDomain {}
/// public typealias OCIErrorCode = ErrorName<OCIErrorDomain>
/// public typealias OCIError = CodedError<OCIErrorCode>
///
/// extension ErrorName where Domain == OCIErrorDomain {
///     /// The manifest or blob does not exist.
///     public static var notFound: Self { Self(name: "notFound") }
/// }
/// ```
///
/// Codes can be added without breaking callers, and two codes are equal when their names are.
public struct ErrorName<Domain>: NamedErrorCode {
    public let name: String

    /// A code of this domain.
    public init(name: String) { self.name = name }
}
