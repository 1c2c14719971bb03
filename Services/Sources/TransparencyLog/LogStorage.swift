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

    /// The leaf hashes of the records of `log` from index `start` on, in index order (to catch up with entries
    /// another process integrated).
    func leafHashes(log: String, from start: Int) async throws -> [[UInt8]]
    /// The newest checkpoint stored for `log`, when processes share the storage; nil where one process owns it.
    func head(log: String) async throws -> StoredHead?
    /// Integrates one batch of `log` as its only writer for the moment.
    ///
    /// Storage that several processes write takes the log's write lock, reads the stored size, and passes `body` the
    /// leaf hashes stored after `knownSize` (entries other processes integrated). What `body` returns is stored in the
    /// same transaction, with its checkpoint as the log's head, and only then does the lock go. Nothing is written when
    /// `body` returns nil or throws. Storage one process owns calls `body` with no hashes and stores its batch.
    func sequence(
        log: String, knownSize: Int, _ body: @Sendable (_ missing: [[UInt8]]) throws -> SequencedBatch?
    ) async throws
    /// Records which instance the storage's logs belong to and which keys sign for it, and refuses a process of
    /// another instance, or of the same instance with other keys that are not newer (storage one process owns
    /// accepts any).
    ///
    /// - Parameters:
    ///   - instance: names the instance across key rotations (and the logs' origin).
    ///   - keys: names the current keys.
    ///   - rotations: how many rotations `keys` are past the first; keys with more replace the recorded ones.
    /// - Throws: ``StorageError`` with code `.keysDiffer` when the process does not belong.
    func claim(instance: String, keys: String, rotations: Int) async throws
}

/// A log's head as stored: its size and the signed checkpoint for it.
public struct StoredHead: Sendable, Hashable {
    /// The number of stored entries.
    public var size: Int
    /// The signed note for that size (empty before the first batch).
    public var checkpoint: String

    /// Creates a head.
    public init(size: Int, checkpoint: String) {
        self.size = size
        self.checkpoint = checkpoint
    }
}

/// One batch to store: consecutive records starting at the stored size, and the checkpoint that covers them.
public struct SequencedBatch: Sendable {
    /// The new records, consecutive from the stored size.
    public var records: [LogRecord]
    /// Their leaf hashes.
    public var leafHashes: [[UInt8]]
    /// The signed checkpoint for the size after them.
    public var checkpoint: String

    /// Creates a batch.
    public init(records: [LogRecord], leafHashes: [[UInt8]], checkpoint: String) {
        self.records = records
        self.leafHashes = leafHashes
        self.checkpoint = checkpoint
    }
}

extension LogStorage {
    /// Storage one process owns: every leaf hash from `start` of what ``leafHashes(log:)`` reads.
    public func leafHashes(log: String, from start: Int) async throws -> [[UInt8]] {
        Array(try await leafHashes(log: log).dropFirst(start))
    }

    /// Storage one process owns keeps no shared head.
    public func head(log: String) async throws -> StoredHead? { nil }

    /// Storage one process owns: the process is the only writer, so nothing is missing; the batch is appended.
    public func sequence(
        log: String, knownSize: Int, _ body: @Sendable (_ missing: [[UInt8]]) throws -> SequencedBatch?
    ) async throws {
        guard let batch = try body([]), !batch.records.isEmpty else { return }
        try await append(log: log, records: batch.records, leafHashes: batch.leafHashes)
    }

    /// Storage one process owns accepts any keys: they live beside it.
    public func claim(instance: String, keys: String, rotations: Int) async throws {}
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
    /// The database cannot be reached, or did not answer in time.
    public static var unavailable: Self { Self(name: "unavailable") }
    /// The storage is shared with processes whose keys differ from this one's.
    public static var keysDiffer: Self { Self(name: "keysDiffer") }
}
