public import SigstoreCore

/// The domain of ``InstanceErrorCode``: the data directory of a local Sigstore instance and the commands that work on
/// it (`serve` starting up, `rotate`), as opposed to a request a service refuses (``ServiceError``).
public enum InstanceErrorDomain {}

/// The kinds of ``InstanceError``.
public typealias InstanceErrorCode = ErrorName<InstanceErrorDomain>

/// A data directory that cannot be used as asked: the package's error model.
public typealias InstanceError = CodedError<InstanceErrorCode>

extension ErrorName where Domain == InstanceErrorDomain {
    /// The directory is missing or holds no instance (`serve` never ran on it).
    public static var notADataDirectory: Self { Self(name: "notADataDirectory") }
    /// A `serve` process holds the data directory.
    public static var serverRunning: Self { Self(name: "serverRunning") }
    /// A port the data directory remembers is taken.
    public static var portInUse: Self { Self(name: "portInUse") }
    /// An authority name `rotate` does not know.
    public static var unknownAuthority: Self { Self(name: "unknownAuthority") }
    /// A file of the data directory is unreadable or malformed.
    public static var corrupt: Self { Self(name: "corrupt") }
    /// A file of the data directory cannot be written.
    public static var storage: Self { Self(name: "storage") }
    /// A configuration file (`--issuer-config`) is malformed.
    public static var configuration: Self { Self(name: "configuration") }
    /// The TUF repository cannot be published.
    public static var repository: Self { Self(name: "repository") }
}
