import Foundation
import SigstoreTesting
import Testing
import SigstoreVerify
import TransparencyLog

/// Two writers of one log in one PostgreSQL database, as two replicas are: indices come from the stored head under its
/// lock, and a writer that stalls inside its transaction commits nothing once PostgreSQL has ended its session
/// (issue 20).
@Suite(
    "Shared log storage on PostgreSQL", .serialized,
    .enabled(if: PostgresServer.requirement.shouldRun, "needs \(PostgresServer.requirement)"))
struct ReplicaStorageTests {
    static func record(_ index: Int, _ text: String) -> (LogRecord, [UInt8]) {
        let body = Array(text.utf8)
        return (LogRecord(index: index, body: body, integratedTime: 1), Merkle.leafHash(body))
    }

    /// A batch of `texts` on top of `missing`, numbered after them.
    static func batch(_ texts: [String], knownSize: Int, missing: [[UInt8]]) -> SequencedBatch {
        let start = knownSize + missing.count
        let made = texts.enumerated().map { record(start + $0.offset, $0.element) }
        return SequencedBatch(records: made.map(\.0), leafHashes: made.map(\.1), checkpoint: "checkpoint \(start + texts.count)")
    }

    @Test("a writer that knew an older size is handed what the other stored and numbers its batch after it")
    func catchUp() async throws {
        try PostgresServer.requirement.check()
        let pg = try PostgresServer()
        // Long timeouts: this test is about catching up, and a loaded machine must not end its sessions.
        let a = try PostgresLogStorage(url: pg.url, stalledWriterTimeout: .seconds(60), lockTimeout: .seconds(60))
        let b = try PostgresLogStorage(url: pg.url, stalledWriterTimeout: .seconds(60), lockTimeout: .seconds(60))
        try await a.prepare()
        try await b.prepare()
        try await a.sequence(log: "l", knownSize: 0) { missing in
            #expect(missing.isEmpty)
            return Self.batch(["a0", "a1"], knownSize: 0, missing: missing)
        }
        let seen = Locked<[[UInt8]]>([])
        try await b.sequence(log: "l", knownSize: 0) { missing in
            seen.set(missing)
            return Self.batch(["b2"], knownSize: 0, missing: missing)
        }
        #expect(seen.get() == [Merkle.leafHash(Array("a0".utf8)), Merkle.leafHash(Array("a1".utf8))])
        #expect(try await a.head(log: "l") == StoredHead(size: 3, checkpoint: "checkpoint 3"))
        #expect(try await a.records(log: "l", range: 0..<3).map { String(decoding: $0.body, as: UTF8.self) } == ["a0", "a1", "b2"])
        // A writer that claims to know more than is stored is refused: the database is not the log it served.
        await #expect(throws: StorageError.self) {
            try await a.sequence(log: "l", knownSize: 5) { _ in nil }
        }
        try await a.close()
        try await b.close()
    }

    @Test("a writer stalled inside its transaction loses the lock when PostgreSQL ends its session; its batch never commits")
    func stalledWriter() async throws {
        try PostgresServer.requirement.check()
        let pg = try PostgresServer()
        let stalled = try PostgresLogStorage(url: pg.url, stalledWriterTimeout: .milliseconds(1500))
        let other = try PostgresLogStorage(url: pg.url, stalledWriterTimeout: .seconds(60), lockTimeout: .seconds(60))
        try await other.prepare()
        try await other.sequence(log: "l", knownSize: 0) { Self.batch(["first"], knownSize: 0, missing: $0) }

        // The stalled writer holds the head's lock and stops answering for 6 s (as a process under SIGSTOP would).
        let locked = Locked(false)
        let outcome = Locked<String?>(nil)
        Task {
            do {
                try await stalled.sequence(log: "l", knownSize: 1) { missing in
                    locked.set(true)
                    Thread.sleep(forTimeInterval: 6)
                    return Self.batch(["stalled"], knownSize: 1, missing: missing)
                }
                outcome.set("committed")
            } catch {
                outcome.set("failed: \(error)")
            }
        }
        let lockDeadline = ContinuousClock.now + .seconds(30)
        while !locked.get() && outcome.get() == nil && ContinuousClock.now < lockDeadline { try await Task.sleep(for: .milliseconds(10)) }
        try #require(locked.get(), "the stalled writer never took the lock: \(outcome.get() ?? "still waiting")")
        let started = ContinuousClock.now
        try await other.sequence(log: "l", knownSize: 1) { Self.batch(["took over"], knownSize: 1, missing: $0) }
        let waited = ContinuousClock.now - started
        // The point: the other writer went on while the stalled one was still asleep holding the lock.
        #expect(waited < .seconds(6), "the other writer waited \(waited) for the stalled one's lock (its session ends after 1.5 s)")

        // Once it wakes, the stalled writer's statements meet a session PostgreSQL has ended: it fails, in bounded time.
        let deadline = ContinuousClock.now + .seconds(30)
        while outcome.get() == nil && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let result = outcome.get() ?? "hung"
        #expect(result.hasPrefix("failed") && result.contains("session has ended"), "the stalled writer's batch: \(result)")
        let stored = try await other.records(log: "l", range: 0..<5).map { String(decoding: $0.body, as: UTF8.self) }
        #expect(stored == ["first", "took over"], "no fork: index 1 holds the other writer's entry only")
        #expect(try await other.head(log: "l")?.size == 2)
        // The stalled writer's storage goes on working with a new session (a few tries: on a loaded machine its short
        // idle timeout may end a session again).
        var wrote = false
        for _ in 0..<3 where !wrote {
            wrote = (try? await stalled.sequence(log: "l", knownSize: 2) { Self.batch(["after"], knownSize: 2, missing: $0) }) != nil
        }
        #expect(wrote)
        #expect(try await other.head(log: "l")?.size == 3)
        try await stalled.close()
        try await other.close()
    }
}
