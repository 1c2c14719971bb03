#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import GRDB
internal import SigstoreCore

/// Log storage in one SQLite database file in WAL mode with `synchronous = FULL`: a commit is on disk before an
/// append returns.
public final class SQLiteLogStorage: LogStorage {
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StorageError(.database, "cannot open SQLite database \(path): \(error)")
        }
    }

    public func prepare() async throws {
        try await pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS entries (
                    log TEXT NOT NULL, idx INTEGER NOT NULL, leaf_hash BLOB NOT NULL, body BLOB NOT NULL,
                    integrated_time INTEGER NOT NULL, PRIMARY KEY (log, idx)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS search_keys (
                    log TEXT NOT NULL, key TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (log, key, idx)) WITHOUT ROWID;
                """)
        }
    }

    public func leafHashes(log: String) async throws -> [[UInt8]] {
        try await pool.read { db in
            var hashes: [[UInt8]] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT idx, leaf_hash FROM entries WHERE log = ? ORDER BY idx", arguments: [log])
            while let row = try rows.next() {
                let index: Int = row[0]
                guard index == hashes.count else {
                    throw StorageError(.inconsistent, "log \(log) is missing entry \(hashes.count) (next stored index is \(index))")
                }
                let hash: Data = row[1]
                hashes.append(Array(hash))
            }
            return hashes
        }
    }

    public func append(log: String, records: [LogRecord], leafHashes: [[UInt8]]) async throws {
        try await pool.write { db in
            let insert = try db.cachedStatement(
                sql: "INSERT INTO entries (log, idx, leaf_hash, body, integrated_time) VALUES (?, ?, ?, ?, ?)")
            let key = try db.cachedStatement(sql: "INSERT OR IGNORE INTO search_keys (log, key, idx) VALUES (?, ?, ?)")
            for (record, hash) in zip(records, leafHashes) {
                try insert.execute(arguments: [log, record.index, Data(hash), Data(record.body), record.integratedTime])
                for k in record.searchKeys { try key.execute(arguments: [log, k, record.index]) }
            }
        }
    }

    public func records(log: String, range: Range<Int>) async throws -> [LogRecord] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT idx, body, integrated_time FROM entries WHERE log = ? AND idx >= ? AND idx < ? ORDER BY idx",
                arguments: [log, range.lowerBound, range.upperBound])
            return rows.map { row in
                let body: Data = row[1]
                return LogRecord(index: row[0], body: Array(body), integratedTime: row[2])
            }
        }
    }

    public func indices(log: String, searchKey: String) async throws -> [Int] {
        try await pool.read { db in
            try Int.fetchAll(db, sql: "SELECT idx FROM search_keys WHERE log = ? AND key = ? ORDER BY idx", arguments: [log, searchKey])
        }
    }

    public func close() async throws {
        try pool.close()
    }
}
