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
public final class PostgresLogStorage: LogStorage {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger = Logger(label: "sigstore-local.postgres")

    /// Connects to `postgres://user[:password]@host[:port]/database` (no TLS: meant for loopback and private
    /// networks).
    public init(url: String) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty
        else {
            throw StorageError(.configuration, "--database must be a postgres://user@host:port/database URL")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? nil : database, tls: .disable)
        let client = PostgresClient(configuration: configuration)
        self.client = client
        runner = Task { await client.run() }
    }

    public func prepare() async throws {
        try await run("create tables") {
            try await client.query("""
                CREATE TABLE IF NOT EXISTS tlog_entries (
                    log TEXT NOT NULL, idx BIGINT NOT NULL, leaf_hash BYTEA NOT NULL, body BYTEA NOT NULL,
                    integrated_time BIGINT NOT NULL, PRIMARY KEY (log, idx))
                """, logger: logger)
            try await client.query("""
                CREATE TABLE IF NOT EXISTS tlog_search_keys (
                    log TEXT NOT NULL, key TEXT NOT NULL, idx BIGINT NOT NULL, PRIMARY KEY (log, key, idx))
                """, logger: logger)
        }
    }

    public func leafHashes(log: String) async throws -> [[UInt8]] {
        try await run("read leaf hashes") {
            let rows = try await client.query(
                "SELECT idx, leaf_hash FROM tlog_entries WHERE log = \(log) ORDER BY idx", logger: logger)
            var hashes: [[UInt8]] = []
            for try await (index, hash) in rows.decode((Int64, ByteBuffer).self) {
                guard index == hashes.count else {
                    throw StorageError(.inconsistent, "log \(log) is missing entry \(hashes.count) (next stored index is \(index))")
                }
                hashes.append(Array(hash.readableBytesView))
            }
            return hashes
        }
    }

    public func append(log: String, records: [LogRecord], leafHashes: [[UInt8]]) async throws {
        let indices = records.map { Int64($0.index) }
        let hashes = leafHashes.map { ByteBuffer(bytes: $0) }
        let bodies = records.map { ByteBuffer(bytes: $0.body) }
        let times = records.map(\.integratedTime)
        var keyLogs: [String] = []
        var keys: [String] = []
        var keyIndices: [Int64] = []
        for record in records {
            for key in record.searchKeys {
                keyLogs.append(log)
                keys.append(key)
                keyIndices.append(Int64(record.index))
            }
        }
        try await run("append \(records.count) entries") {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("""
                    INSERT INTO tlog_entries (log, idx, leaf_hash, body, integrated_time)
                    SELECT \(log), * FROM UNNEST(\(indices)::BIGINT[], \(hashes)::BYTEA[], \(bodies)::BYTEA[], \(times)::BIGINT[])
                    """, logger: logger)
                if !keys.isEmpty {
                    try await connection.query("""
                        INSERT INTO tlog_search_keys (log, key, idx)
                        SELECT * FROM UNNEST(\(keyLogs)::TEXT[], \(keys)::TEXT[], \(keyIndices)::BIGINT[])
                        ON CONFLICT DO NOTHING
                        """, logger: logger)
                }
            }
        }
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

    /// Runs `body`, turning driver errors into a `StorageError` naming the operation (PSQLError hides the server's
    /// message from `description`).
    private func run<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StorageError {
            throw error
        } catch let error as PSQLError {
            throw StorageError(.database, "PostgreSQL: \(operation) failed: \(error.serverInfo?[.message] ?? "\(error.code)")")
        } catch {
            throw StorageError(.database, "PostgreSQL: \(operation) failed: \(error)")
        }
    }
}
