public import SigstoreCore

/// An error raised by the TUF client or the repository writer: an extensible ``TUFErrorCode``, a one-line lowercase
/// message naming what was wrong (with the expected and actual values where there are any), and the error that caused
/// it. Equality compares only the code.
public typealias TUFError = CodedError<TUFErrorCode>

/// The kinds of ``TUFError``.
public struct TUFErrorCode: NamedErrorCode {
    public let name: String
    /// Creates a code.
    public init(name: String) { self.name = name }
    /// Metadata is not valid JSON, has the wrong shape, the wrong `_type` or an unsupported `spec_version`.
    public static let invalidMetadata = Self(name: "invalidMetadata")
    /// Metadata is not signed by a threshold of the keys trusted for its role.
    public static let unsignedMetadata = Self(name: "unsignedMetadata")
    /// Metadata has another version than the one it must have (URL, snapshot or timestamp `meta`).
    public static let badVersion = Self(name: "badVersion")
    /// Metadata has expired (freeze attack).
    public static let expiredMetadata = Self(name: "expiredMetadata")
    /// The repository offered an older version than one already trusted (rollback attack).
    public static let rollback = Self(name: "rollback")
    /// A download does not have the length or hashes its trusted description lists.
    public static let lengthOrHashMismatch = Self(name: "lengthOrHashMismatch")
    /// A download is larger than its limit (endless-data attack).
    public static let tooLarge = Self(name: "tooLarge")
    /// The mirror answered 403 or 404, or the file does not exist.
    public static let notFound = Self(name: "notFound")
    /// The mirror could not be reached or answered with an error other than 403 or 404.
    public static let downloadFailed = Self(name: "downloadFailed")
    /// No trusted targets metadata lists the requested target path.
    public static let targetNotFound = Self(name: "targetNotFound")
    /// The trusted metadata is inconsistent (for example a delegated role missing from the snapshot).
    public static let repositoryError = Self(name: "repositoryError")
    /// Reading or writing the local cache failed.
    public static let storageError = Self(name: "storageError")
    /// The updater or writer was configured with something it cannot use.
    public static let invalidConfiguration = Self(name: "invalidConfiguration")
    /// The repository writer could not sign metadata.
    public static let signingFailed = Self(name: "signingFailed")
}
