public import SigstoreCore

/// One entry of a transparency log as it is stored.
public struct LogRecord: Sendable, Hashable {
    /// The entry's index in its log, from 0.
    public var index: Int
    /// The leaf: the canonical entry body the Merkle leaf hash is computed over.
    public var body: [UInt8]
    /// When the entry was integrated (Unix seconds; 0 where the log records no time).
    public var integratedTime: Int64
    /// Keys the entry can be searched by (`sha256:<hex>`, an email, a key fingerprint).
    public var searchKeys: [String]

    /// Creates a record.
    public init(index: Int, body: [UInt8], integratedTime: Int64, searchKeys: [String] = []) {
        self.index = index
        self.body = body
        self.integratedTime = integratedTime
        self.searchKeys = searchKeys
    }
}

/// Durable storage for append-only logs. An append returns only once its records would survive a crash of the
/// process; records of one append are stored together or not at all.
public protocol LogStorage: Sendable {
    /// Creates the schema if it does not exist.
    func prepare() async throws
    /// The leaf hashes of every record of `log`, in index order (to rebuild the tree at start).
    func leafHashes(log: String) async throws -> [[UInt8]]
    /// Stores consecutive records of `log`, with their leaf hashes, in one transaction.
    func append(log: String, records: [LogRecord], leafHashes: [[UInt8]]) async throws
    /// The records of `log` with indices in `range` that exist, in index order.
    func records(log: String, range: Range<Int>) async throws -> [LogRecord]
    /// The indices of the records of `log` stored with `searchKey`, ascending.
    func indices(log: String, searchKey: String) async throws -> [Int]
    /// Releases connections and files.
    func close() async throws
}

/// A storage failure, with the operation that failed: the package's error model.
public typealias StorageError = CodedError<StorageErrorCode>

/// The kind of a ``StorageError``.
/// The domain of ``StorageErrorCode``: log storage.
public enum StorageErrorDomain {}

/// The kinds of errors of the domain.
public typealias StorageErrorCode = ErrorName<StorageErrorDomain>

extension ErrorName where Domain == StorageErrorDomain {
    /// The storage is configured wrongly (a database URL that is not one).
    public static var configuration: Self { Self(name: "configuration") }
    /// The database refused or failed an operation.
    public static var database: Self { Self(name: "database") }
    /// What is stored does not add up (an entry missing from the middle of a log).
    public static var inconsistent: Self { Self(name: "inconsistent") }
}
