import Foundation
import SigstoreCore
import SigstoreVerify
import Testing
import TransparencyLog

/// SQLite storage that commits an append and then reports a failure, as when a connection drops during COMMIT.
final class LostAcknowledgement: LogStorage, @unchecked Sendable {
    let inner: SQLiteLogStorage
    var failNext = false

    init(path: String) throws { inner = try SQLiteLogStorage(path: path) }

    func prepare() async throws { try await inner.prepare() }
    func leafHashes(log: String) async throws -> [[UInt8]] { try await inner.leafHashes(log: log) }
    func append(log: String, records: [LogRecord], leafHashes: [[UInt8]]) async throws {
        try await inner.append(log: log, records: records, leafHashes: leafHashes)
        if failNext {
            failNext = false
            throw StorageError(.database, "connection closed during COMMIT")
        }
    }
    func records(log: String, range: Range<Int>) async throws -> [LogRecord] { try await inner.records(log: log, range: range) }
    func indices(log: String, searchKey: String) async throws -> [Int] { try await inner.indices(log: log, searchKey: searchKey) }
    func close() async throws { try await inner.close() }
}

@Suite("TransparencyLog")
struct TransparencyLogTests {
    static func log(_ storage: any LogStorage) async throws -> TransparencyLog {
        try await TransparencyLog(name: "t", storage: storage, signCheckpoint: { size, root in "\(size) \(root)" }, now: { 1 })
    }

    @Test("a commit whose acknowledgement was lost is taken into the tree: the retry is a duplicate, the next entry follows")
    func lostAcknowledgement() async throws {
        let tmp = try TemporaryDirectory()
        let storage = try LostAcknowledgement(path: tmp.path + "/log.sqlite")
        try await storage.prepare()
        let log = try await Self.log(storage)
        _ = try await log.append(body: Array("a".utf8))
        storage.failNext = true
        await #expect(throws: StorageError.self) { try await log.append(body: Array("b".utf8)) }
        #expect(await log.size == 2, "the committed entry is in the tree")
        guard case .duplicate(let index) = try await log.append(body: Array("b".utf8)) else {
            Issue.record("the retry should be a duplicate")
            return
        }
        #expect(index == 1)
        guard case .added(let next, _, let checkpoint) = try await log.append(body: Array("c".utf8)) else {
            Issue.record("the next entry should be added")
            return
        }
        #expect(next == 2 && checkpoint.size == 3)
        #expect(checkpoint.rootHash == naiveRoot(["a", "b", "c"].map { Array($0.utf8) }[...]))
        // A fresh log over the same storage agrees.
        let reopened = try await Self.log(storage)
        #expect(try await reopened.checkpoint.rootHash == checkpoint.rootHash)
    }
}
