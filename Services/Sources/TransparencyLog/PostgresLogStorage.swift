#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import Logging
internal import NIOCore
internal import SigstoreCore
internal import PostgresNIO

/// Log storage in PostgreSQL (postgres-nio). Each append is one transaction with one multi-row insert; PostgreSQL
/// acknowledges the commit once it is in its write-ahead log.
///
/// Several processes may share one database (replicas of `sigstore-local serve`). Each log then has a head row
/// (`tlog_heads`: stored size and checkpoint), and a batch is integrated only inside a transaction that holds that
/// row's lock (``sequence(log:knownSize:_:)``): the writer reads the stored size under the lock, catches up with what
/// others integrated, and stores its entries from that size on, with the new checkpoint. Two writers therefore never
/// give out the same index, whatever their timing. A writer that stops inside that transaction (paused, `SIGSTOP`)
/// holds the lock only until PostgreSQL ends its idle session (`idle_in_transaction_session_timeout`); its
/// transaction is rolled back then, so it cannot write after another writer went on.
public final class PostgresLogStorage: LogStorage {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger = Logger(label: "sigstore-local.postgres")

    /// Connects to `postgres://user[:password]@host[:port]/database` (no TLS: meant for loopback and private
    /// networks). A session that stays idle inside a transaction for `stalledWriterTimeout` is ended by PostgreSQL,
    /// which releases its locks; a writer waits at most `lockTimeout` for a log's lock.
    public init(url: String, stalledWriterTimeout: Duration = .seconds(3), lockTimeout: Duration = .milliseconds(3500)) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty
        else {
            throw StorageError(.configuration, "--database must be a postgres://user@host:port/database URL")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? nil : database, tls: .disable)
        configuration.options.additionalStartupParameters = [
            ("idle_in_transaction_session_timeout", "\(Self.milliseconds(stalledWriterTimeout))"),
            ("lock_timeout", "\(Self.milliseconds(lockTimeout))"),
        ]
        configuration.options.connectTimeout = .seconds(2)
        let client = PostgresClient(configuration: configuration)
        self.client = client
        runner = Task { await client.run() }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        max(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000, 1)
    }

    public func prepare() async throws {
        // Replicas starting together: one creates the tables while the others wait (concurrent CREATE TABLE IF NOT
        // EXISTS can fail on PostgreSQL's catalogue).
        try await run("create tables") {
            try await transaction { connection in
                try await connection.checkedQuery("SELECT pg_advisory_xact_lock(7345012)", logger: logger)
                try await Self.createTables(connection, logger: logger)
            }
        }
    }

    private static func createTables(_ client: PostgresConnection, logger: Logger) async throws {
            try await client.checkedQuery("""
                CREATE TABLE IF NOT EXISTS tlog_entries (
                    log TEXT NOT NULL, idx BIGINT NOT NULL, leaf_hash BYTEA NOT NULL, body BYTEA NOT NULL,
                    integrated_time BIGINT NOT NULL, PRIMARY KEY (log, idx))
                """, logger: logger)
            try await client.checkedQuery("""
                CREATE TABLE IF NOT EXISTS tlog_search_keys (
                    log TEXT NOT NULL, key TEXT NOT NULL, idx BIGINT NOT NULL, PRIMARY KEY (log, key, idx))
                """, logger: logger)
            try await client.checkedQuery("""
                CREATE TABLE IF NOT EXISTS tlog_heads (log TEXT PRIMARY KEY, size BIGINT NOT NULL, checkpoint TEXT NOT NULL)
                """, logger: logger)
            try await client.checkedQuery("""
                CREATE TABLE IF NOT EXISTS sigstore_instance (
                    id INT PRIMARY KEY CHECK (id = 1), instance TEXT NOT NULL, keys_fingerprint TEXT NOT NULL, rotations INT NOT NULL)
                """, logger: logger)
    }

    public func claim(instance: String, keys: String, rotations: Int) async throws {
        let refusal: String? = try await run("record the instance's keys") {
            try await transaction { connection in
                try await connection.checkedQuery("""
                    INSERT INTO sigstore_instance (id, instance, keys_fingerprint, rotations) VALUES (1, \(instance), \(keys), \(rotations))
                    ON CONFLICT (id) DO NOTHING
                    """, logger: logger)
                let rows = try await connection.checkedQuery(
                    "SELECT instance, keys_fingerprint, rotations FROM sigstore_instance WHERE id = 1 FOR UPDATE", logger: logger)
                for try await (storedInstance, storedKeys, storedRotations) in rows.decode((String, String, Int).self) {
                    if storedInstance != instance {
                        return "the database's logs belong to another instance, or to one under another public address (recorded: "
                            + "\(storedInstance); this replica: \(instance)); start every replica with a copy of the same keys/ directory "
                            + "and the same --public-url"
                    }
                    if storedKeys == keys { return nil }
                    guard rotations > storedRotations else {
                        return "this replica's keys are not the instance's current ones (the database records keys rotated "
                            + "\(storedRotations) times, this replica's \(rotations)); copy keys/ from the replica that was rotated last"
                    }
                    // The instance was rotated: its newest keys are now the ones every replica must have.
                    try await connection.checkedQuery(
                        "UPDATE sigstore_instance SET keys_fingerprint = \(keys), rotations = \(rotations) WHERE id = 1", logger: logger)
                }
                return nil
            }
        }
        if let refusal { throw StorageError(.keysDiffer, refusal) }
    }

    public func leafHashes(log: String) async throws -> [[UInt8]] {
        try await leafHashes(log: log, from: 0)
    }

    public func leafHashes(log: String, from start: Int) async throws -> [[UInt8]] {
        try await run("read leaf hashes") {
            try await client.withConnection { connection in
                try await Self.leafHashes(connection, log: log, from: start, below: nil, logger: logger)
            }
        }
    }

    private static func leafHashes(
        _ connection: PostgresConnection, log: String, from start: Int, below end: Int?, logger: Logger
    ) async throws -> [[UInt8]] {
        let lower = Int64(start)
        let upper = Int64(end ?? Int.max)
        let rows = try await connection.checkedQuery(
            "SELECT idx, leaf_hash FROM tlog_entries WHERE log = \(log) AND idx >= \(lower) AND idx < \(upper) ORDER BY idx",
            logger: logger)
        var hashes: [[UInt8]] = []
        for try await (index, hash) in rows.decode((Int64, ByteBuffer).self) {
            guard index == start + hashes.count else {
                throw StorageError(.inconsistent, "log \(log) is missing entry \(start + hashes.count) (next stored index is \(index))")
            }
            hashes.append(Array(hash.readableBytesView))
        }
        return hashes
    }

    public func head(log: String) async throws -> StoredHead? {
        try await run("read the head of \(log)") {
            let rows = try await client.query("SELECT size, checkpoint FROM tlog_heads WHERE log = \(log)", logger: logger)
            for try await (size, checkpoint) in rows.decode((Int64, String).self) {
                return StoredHead(size: Int(size), checkpoint: checkpoint)
            }
            return StoredHead(size: 0, checkpoint: "")
        }
    }

    public func sequence(
        log: String, knownSize: Int, _ body: @Sendable (_ missing: [[UInt8]]) throws -> SequencedBatch?
    ) async throws {
        try await run("integrate a batch of \(log)") {
            try await transaction { connection in
                // Each statement is a round trip made while the log is locked: lock, catch up (when others wrote), write.
                var head = try await Self.lockHead(connection, log: log, knownSize: knownSize, logger: logger)
                if head == nil {
                    // The first batch since the head table exists: the head starts at what is stored (entries written
                    // before replicas were supported).
                    try await connection.checkedQuery("""
                        INSERT INTO tlog_heads (log, size, checkpoint)
                        SELECT \(log), COUNT(*), '' FROM tlog_entries WHERE log = \(log) ON CONFLICT (log) DO NOTHING
                        """, logger: logger)
                    head = try await Self.lockHead(connection, log: log, knownSize: knownSize, logger: logger)
                }
                guard let (stored, missing) = head, stored >= knownSize else {
                    throw StorageError(
                        .inconsistent, "log \(log) holds fewer entries (\(head?.size ?? 0)) than this process has integrated (\(knownSize))")
                }
                guard missing.count == stored - knownSize else {
                    throw StorageError(.inconsistent, "log \(log) is missing entries between \(knownSize) and \(stored)")
                }
                guard let batch = try body(missing), !batch.records.isEmpty else { return }
                guard batch.records.first?.index == stored else {
                    throw StorageError(.inconsistent, "a batch of \(log) starts at \(batch.records.first?.index ?? -1), not at the stored size \(stored)")
                }
                try await Self.insert(
                    connection, log: log, records: batch.records, leafHashes: batch.leafHashes,
                    head: (Int64(stored + batch.records.count), batch.checkpoint), logger: logger)
            }
        }
    }

    /// Locks the head row of `log` and reads its size, then the leaf hashes stored from `knownSize` up to it; nil when
    /// the row does not exist yet. Two statements: the lock waits for the previous writer's commit and reads the row
    /// it wrote, but a statement sees other tables as they were when it started, so the entries that writer stored are
    /// visible only to the next statement.
    private static func lockHead(
        _ connection: PostgresConnection, log: String, knownSize: Int, logger: Logger
    ) async throws -> (size: Int, missing: [[UInt8]])? {
        let rows = try await connection.checkedQuery("SELECT size FROM tlog_heads WHERE log = \(log) FOR UPDATE", logger: logger)
        var size: Int?
        for try await stored in rows.decode(Int64.self) { size = Int(stored) }
        guard let size else { return nil }
        let missing = size > knownSize ? try await leafHashes(connection, log: log, from: knownSize, below: size, logger: logger) : []
        return (size, missing)
    }

    /// Appends through the log's head, as ``sequence(log:knownSize:_:)`` does; refused unless `records` start at the
    /// stored size.
    public func append(log: String, records: [LogRecord], leafHashes: [[UInt8]]) async throws {
        let start = records.first?.index ?? 0
        try await sequence(log: log, knownSize: start) { missing in
            guard missing.isEmpty else {
                throw StorageError(.inconsistent, "log \(log) holds more than \(start) entries; another process appended")
            }
            return SequencedBatch(records: records, leafHashes: leafHashes, checkpoint: "")
        }
    }

    /// Stores `records`, their search keys and the log's new head in one statement.
    private static func insert(
        _ connection: PostgresConnection, log: String, records: [LogRecord], leafHashes: [[UInt8]], head: (size: Int64, checkpoint: String),
        logger: Logger
    ) async throws {
        let indices = records.map { Int64($0.index) }
        let hashes = leafHashes.map { ByteBuffer(bytes: $0) }
        let bodies = records.map { ByteBuffer(bytes: $0.body) }
        let times = records.map(\.integratedTime)
        var keys: [String] = []
        var keyIndices: [Int64] = []
        for record in records {
            for key in record.searchKeys {
                keys.append(key)
                keyIndices.append(Int64(record.index))
            }
        }
        try await connection.checkedQuery("""
            WITH entries AS (
                INSERT INTO tlog_entries (log, idx, leaf_hash, body, integrated_time)
                SELECT \(log), * FROM UNNEST(\(indices)::BIGINT[], \(hashes)::BYTEA[], \(bodies)::BYTEA[], \(times)::BIGINT[])
            ), search AS (
                INSERT INTO tlog_search_keys (log, key, idx)
                SELECT \(log), * FROM UNNEST(\(keys)::TEXT[], \(keyIndices)::BIGINT[])
                ON CONFLICT DO NOTHING
            )
            UPDATE tlog_heads SET size = \(head.size), checkpoint = \(head.checkpoint) WHERE log = \(log)
            """, logger: logger)
    }

    public func records(log: String, range: Range<Int>) async throws -> [LogRecord] {
        let lower = Int64(range.lowerBound)
        let upper = Int64(range.upperBound)
        return try await run("read entries") {
            let rows = try await client.query(
                "SELECT idx, body, integrated_time FROM tlog_entries WHERE log = \(log) AND idx >= \(lower) AND idx < \(upper) ORDER BY idx",
                logger: logger)
            var out: [LogRecord] = []
            for try await (index, body, time) in rows.decode((Int64, ByteBuffer, Int64).self) {
                out.append(LogRecord(index: Int(index), body: Array(body.readableBytesView), integratedTime: time))
            }
            return out
        }
    }

    public func indices(log: String, searchKey: String) async throws -> [Int] {
        try await run("search") {
            let rows = try await client.query(
                "SELECT idx FROM tlog_search_keys WHERE log = \(log) AND key = \(searchKey) ORDER BY idx", logger: logger)
            var out: [Int] = []
            for try await index in rows.decode(Int64.self) { out.append(Int(index)) }
            return out
        }
    }

    public func close() async throws {
        runner.cancel()
        _ = await runner.value
    }

    /// Runs `body` in a transaction on one pooled connection: BEGIN, `body`, COMMIT, or ROLLBACK when `body` throws
    /// and the session is still there. (postgres-nio's own `withTransaction` sends COMMIT or ROLLBACK on a connection
    /// the server has closed, and such a query never completes; see ``PostgresConnection/checkedQuery(_:logger:)``.)
    private func transaction<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await connection.checkedQuery("BEGIN", logger: logger)
            let value: T
            do {
                value = try await body(connection)
            } catch {
                if !connection.isClosed { _ = try? await connection.checkedQuery("ROLLBACK", logger: logger) }
                throw error
            }
            try await connection.checkedQuery("COMMIT", logger: logger)
            return value
        }
    }

    /// Runs `body`, turning driver errors into a `StorageError` naming the operation (PSQLError hides the server's
    /// message from `description`). Errors a retry can outlive (no connection, the server shutting down, a lock not
    /// granted in time, a session ended while idle in a transaction) are `.unavailable`.
    private func run<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw Self.storageError(operation, error)
        }
    }

    private static func storageError(_ operation: String, _ error: any Error) -> StorageError {
        if let error = error as? StorageError { return error }
        guard let error = error as? PSQLError else { return StorageError(.unavailable, "PostgreSQL: \(operation) failed: \(error)") }
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        let transient =
            error.serverInfo == nil || state.hasPrefix("08") || state.hasPrefix("57") || ["55P03", "25P03", "40001", "40P01"].contains(state)
        return StorageError(transient ? .unavailable : .database, "PostgreSQL: \(operation) failed: \(message)")
    }
}

extension PostgresConnection {
    /// Runs `query`, refusing at once when the session has already ended. postgres-nio writes a query to a closed
    /// connection without a completion to report the failure to, so that query would never answer; a session
    /// PostgreSQL ended (`idle_in_transaction_session_timeout` after this process stalled, a restart) is exactly
    /// that case.
    @discardableResult
    fileprivate func checkedQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !isClosed else { throw StorageError(.unavailable, "PostgreSQL: the session has ended") }
        return try await self.query(query, logger: logger)
    }
}
