import Foundation
import NIOCore
import NIOHTTP1
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify
import Testing
import SigstoreTesting
import SigstoreJSON

/// Appends under concurrent load, SIGKILL, restart: every acknowledged entry must be there with a valid inclusion
/// proof, and the new checkpoint must be consistent with the last one a client saw.
@Suite("Transparency log durability across SIGKILL", .serialized)
struct DurabilityTests {
    /// What clients were told: index → canonical body, and the largest checkpoint seen.
    actor Acknowledged {
        var v1: [Int: [UInt8]] = [:]
        var v2: [Int: [UInt8]] = [:]
        var v1Checkpoint: (size: Int, root: [UInt8], note: String)?
        var v2Checkpoint: (size: Int, root: [UInt8], note: String)?
        var stops: [String] = []
        var count: Int { v1.count + v2.count }

        func stopped(_ why: String) { stops.append(why) }

        func add(v2 isV2: Bool, index: Int, body: [UInt8], checkpoint: (size: Int, root: [UInt8], note: String)) {
            if isV2 {
                v2[index] = body
                if checkpoint.size > (v2Checkpoint?.size ?? -1) { v2Checkpoint = checkpoint }
            } else {
                v1[index] = body
                if checkpoint.size > (v1Checkpoint?.size ?? -1) { v1Checkpoint = checkpoint }
            }
        }
    }

    /// Posts entries until the server goes away; records each acknowledged one.
    static func client(stack: StackProcess, v2: Bool, factory: EntryFactory, acks: Acknowledged) async {
        let url = v2 ? stack["rekor-v2"] + "/api/v2/log/entries" : stack["rekor"] + "/api/v1/log/entries"
        while true {
            do {
                // A short timeout: after the kill, AsyncHTTPClient keeps retrying the connection of a queued request
                // until its deadline.
                let reply = try await HTTP.request(
                    .POST, url, body: Array((v2 ? try factory.rekorV2() : try factory.rekorV1()).utf8), timeout: .seconds(5))
                guard reply.status == 201, let json = reply.json else {
                    await acks.stopped("HTTP \(reply.status): \(reply.text.prefix(200))")
                    return
                }
                if v2 {
                    let proof = json["inclusionProof"]!
                    await acks.add(
                        v2: true, index: json["logIndex"]!.int!, body: Base64.decode(json["canonicalizedBody"]!.string!)!,
                        checkpoint: (proof["treeSize"]!.int!, Base64.decode(proof["rootHash"]!.string!)!, proof["checkpoint"]!["envelope"]!.string!))
                } else {
                    let entry = json.firstValue!
                    let proof = entry["verification"]!["inclusionProof"]!
                    await acks.add(
                        v2: false, index: entry["logIndex"]!.int!, body: Base64.decode(entry["body"]!.string!)!,
                        checkpoint: (proof["treeSize"]!.int!, Hex.decode(proof["rootHash"]!.string!)!, proof["checkpoint"]!.string!))
                }
            } catch {
                await acks.stopped("\(error)")
                return
            }
        }
    }

    func run(database: [String]) async throws {
        let tmp = try TemporaryDirectory()
        let data = tmp.path + "/data"
        let acks = Acknowledged()
        let factory = EntryFactory()
        do {
            let stack = try StackProcess(dataDirectory: data, arguments: database)
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<16 {
                    group.addTask { await Self.client(stack: stack, v2: i % 2 == 1, factory: factory, acks: acks) }
                }
                group.addTask {
                    // Kill once enough entries are acknowledged (or after 60 s, which the expectations below report).
                    let deadline = Date().addingTimeInterval(60)
                    while await acks.count < 600 && Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
                    stack.stop(signal: SIGKILL)
                }
            }
        }
        let v1Acked = await acks.v1
        let v2Acked = await acks.v2
        let early = await acks.stops
        #expect(v1Acked.count + v2Acked.count >= 600, "clients stopped before the kill: \(early.prefix(3))")
        #expect(v1Acked.count > 100 && v2Acked.count > 100, "load reached both logs: v1 \(v1Acked.count), v2 \(v2Acked.count)")

        let stack = try StackProcess(dataDirectory: data, arguments: database)
        defer { stack.stop() }

        // Rekor v1: the checkpoint verifies; every acknowledged entry is there with a proof to it.
        let log = try #require(try await HTTP.get(stack["rekor"] + "/api/v1/log").json)
        let head = try verifiedCheckpoint(log["signedTreeHead"]!.string!, stack: stack, v2: false)
        #expect(head.size == log["treeSize"]!.int!)
        #expect(head.size >= (v1Acked.keys.max() ?? 0) + 1)
        for (index, body) in v1Acked.sorted(by: { $0.key < $1.key }) {
            let entry = try #require(try await HTTP.get(stack["rekor"] + "/api/v1/log/entries?logIndex=\(index)").json?.firstValue)
            #expect(Base64.decode(entry["body"]!.string!) == body, "entry \(index) has the acknowledged body")
            let proof = entry["verification"]!["inclusionProof"]!
            let root = Merkle.rootFromInclusionProof(
                index: UInt64(index), size: UInt64(proof["treeSize"]!.int!), leafHash: Merkle.leafHash(body),
                proof: proof["hashes"]!.array.map { Hex.decode($0.string!)! })
            #expect(root == head.root && proof["treeSize"]!.int! == head.size, "entry \(index) is included in the new checkpoint")
        }
        let old = try #require(await acks.v1Checkpoint)
        let oldVerified = try verifiedCheckpointAnyPort(old.note, key: stack, v2: false)
        #expect(oldVerified.size == old.size && oldVerified.root == old.root)
        let consistency = try #require(
            try await HTTP.get(stack["rekor"] + "/api/v1/log/proof?firstSize=\(old.size)&lastSize=\(head.size)").json)
        #expect(Merkle.verifyConsistency(
            oldSize: UInt64(old.size), newSize: UInt64(head.size), oldRoot: old.root, newRoot: head.root,
            proof: consistency["hashes"]!.array.map { Hex.decode($0.string!)! }))

        // Rekor v2: rebuild the tree from the entry tiles; the checkpoint, the acknowledged entries and the old
        // checkpoint must all agree with it.
        let note = try await HTTP.get(stack["rekor-v2"] + "/api/v2/checkpoint").text
        let head2 = try verifiedCheckpoint(note, stack: stack, v2: true)
        var bodies: [[UInt8]] = []
        var tile = 0
        while bodies.count < head2.size {
            let width = min(256, head2.size - tile * 256)
            let path = Self.tilePath(tile) + (width == 256 ? "" : ".p/\(width)")
            let reply = try await HTTP.get(stack["rekor-v2"] + "/api/v2/tile/entries/" + path)
            #expect(reply.status == 200)
            var offset = 0
            while offset + 2 <= reply.body.count {
                let n = Int(reply.body[offset]) << 8 | Int(reply.body[offset + 1])
                bodies.append(Array(reply.body[(offset + 2)..<(offset + 2 + n)]))
                offset += 2 + n
            }
            tile += 1
        }
        #expect(bodies.count == head2.size)
        #expect(naiveRoot(bodies[...]) == head2.root, "the v2 checkpoint commits to the stored entries")
        for (index, body) in v2Acked { #expect(bodies[index] == body, "v2 entry \(index) has the acknowledged body") }
        let old2 = try #require(await acks.v2Checkpoint)
        #expect(naiveRoot(bodies[0..<old2.size]) == old2.root, "the last v2 checkpoint a client saw is a prefix of the new tree")

        // The log goes on appending after the restart.
        let next = try await HTTP.post(stack["rekor"] + "/api/v1/log/entries", json: try factory.rekorV1())
        #expect(next.status == 201)
        #expect(next.json?.firstValue?["logIndex"]?.int == head.size)
    }

    /// Verifies a checkpoint from before the restart (the key is the same; the trusted root names the new ports).
    func verifiedCheckpointAnyPort(_ note: String, key stack: StackProcess, v2: Bool) throws -> (size: Int, root: [UInt8]) {
        try verifiedCheckpoint(note, stack: stack, v2: v2)
    }

    static func tilePath(_ n: Int) -> String {
        var parts: [String] = []
        var value = n
        repeat {
            parts.insert(String(format: "%03d", value % 1000), at: 0)
            value /= 1000
        } while value > 0
        return parts.enumerated().map { $0.offset < parts.count - 1 ? "x" + $0.element : $0.element }.joined(separator: "/")
    }

    @Test("SQLite: SIGKILL under 16 concurrent clients loses no acknowledged entry")
    func sqlite() async throws {
        try await run(database: [])
    }

    // Needs PostgreSQL 15's binaries: skipped where they are missing, a failure under CI=true.
    @Test(
        "PostgreSQL: SIGKILL under 16 concurrent clients loses no acknowledged entry",
        .enabled(if: PostgresServer.requirement.shouldRun, "needs \(PostgresServer.requirement)"))
    func postgres() async throws {
        try PostgresServer.requirement.check()
        let pg = try PostgresServer()
        try await run(database: ["--database", pg.url])
    }
}
