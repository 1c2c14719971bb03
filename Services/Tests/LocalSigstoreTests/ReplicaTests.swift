import Foundation
import NIOCore
import NIOHTTP1
import SigstoreCrypto
import SigstoreModels
import SigstoreJSON
import SigstoreTesting
import SigstoreVerify
import Testing

/// Several `sigstore-local serve` processes on one PostgreSQL database, as a team would run them behind one address
/// (issue 20): clients spread over the replicas append to both logs while replicas are killed, paused, or lose the
/// database; afterwards every acknowledged entry is in the log once at the index it was given, no index holds two
/// entries, and every checkpoint a client saw is consistent with the final tree.
@Suite(
    "sigstore-local replicas on one PostgreSQL", .serialized,
    .enabled(if: PostgresServer.requirement.shouldRun, "needs \(PostgresServer.requirement)"))
struct ReplicaTests {
    /// PostgreSQL and N replicas started from copies of one keys/ directory.
    final class Cluster: @unchecked Sendable {
        let tmp: TemporaryDirectory
        let pg: PostgresServer
        private let lock = NSLock()
        private var processes: [StackProcess]
        private(set) var live: [Bool]

        /// Starts `replicas` replicas, replica `i` with `arguments(i)` besides `--database`.
        init(replicas: Int, arguments: (Int) -> [String] = { _ in [] }) throws {
            tmp = try TemporaryDirectory("sigstore-local-replicas")
            pg = try PostgresServer()
            var processes: [StackProcess] = []
            for i in 0..<replicas {
                let dir = tmp.path + "/replica-\(i)"
                if i > 0 { try ReplicaTests.copyKeys(from: tmp.path + "/replica-0", to: dir) }
                processes.append(try StackProcess(dataDirectory: dir, arguments: ["--database", pg.url] + arguments(i)))
            }
            self.processes = processes
            live = Array(repeating: true, count: replicas)
        }

        subscript(i: Int) -> StackProcess { lock.withLock { processes[i] } }
        var count: Int { lock.withLock { processes.count } }

        /// The live replica after `i` in turn (a load balancer taking a dead backend out).
        func next(after i: Int) -> Int {
            lock.withLock {
                for step in 1...live.count where live[(i + step) % live.count] { return (i + step) % live.count }
                return i
            }
        }

        func kill(_ i: Int) {
            lock.withLock { live[i] = false }
            processes[i].stop(signal: SIGKILL)
        }

        func signal(_ i: Int, _ signal: Int32) { Foundation.kill(processes[i].process.processIdentifier, signal) }

        deinit { for p in processes { p.stop(signal: SIGKILL) } }
    }

    /// Makes the data directory `dir` with a copy of the keys of the data directory `source`, as an operator adds a
    /// replica.
    static func copyKeys(from source: String, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source + "/keys", toPath: dir + "/keys")
    }

    /// What clients were told, per log: index → body, every checkpoint seen, and what went wrong.
    actor Record {
        struct Seen: Hashable { var size: Int; var root: [UInt8]; var note: String }
        var acked: [Bool: [Int: [UInt8]]] = [false: [:], true: [:]]
        var ackedBy: [Int: Int] = [:]
        var checkpoints: [Bool: Set<Seen>] = [false: [], true: []]
        var ackTimes: [(time: ContinuousClock.Instant, v2: Bool, index: Int)] = []
        var refusals: [String] = []
        var unavailable = 0
        /// Requests that got no answer within the client's timeout, per replica.
        var timeouts: [Int: Int] = [:]
        var stop = false
        var count: Int { acked[false]!.count + acked[true]!.count }

        func add(v2: Bool, index: Int, body: [UInt8], seen: Seen, replica: Int) {
            if let earlier = acked[v2]![index], earlier != body { refusals.append("index \(index) acknowledged for two bodies") }
            acked[v2]![index] = body
            ackedBy[replica, default: 0] += 1
            checkpoints[v2]!.insert(seen)
            ackTimes.append((ContinuousClock.now, v2, index))
        }

        func failed(_ why: String, status: Int?) {
            if status == 503 { unavailable += 1 } else { refusals.append(why) }
        }

        func timedOut(_ replica: Int) { timeouts[replica, default: 0] += 1 }

        func halt() { stop = true }
        /// The largest index acknowledged in either log.
        var maxIndex: [Bool: Int] { [false: acked[false]!.keys.max() ?? -1, true: acked[true]!.keys.max() ?? -1] }
        /// When an index beyond `marks` was first acknowledged after `since`.
        func firstIntegration(after since: ContinuousClock.Instant, beyond marks: [Bool: Int]) -> ContinuousClock.Instant? {
            ackTimes.first { $0.time > since && $0.index > marks[$0.v2]! }?.time
        }
    }

    /// Appends entries until told to stop, moving to the next live replica after a connection failure.
    static func client(_ n: Int, cluster: Cluster, factory: EntryFactory, record: Record) async {
        let v2 = n % 2 == 1
        var replica = n % cluster.count
        while await !record.stop {
            let stack = cluster[replica]
            let url = v2 ? stack["rekor-v2"] + "/api/v2/log/entries" : stack["rekor"] + "/api/v1/log/entries"
            do {
                let reply = try await HTTP.request(
                    .POST, url, body: Array((v2 ? try factory.rekorV2() : try factory.rekorV1()).utf8), timeout: .seconds(8))
                guard reply.status == 201, let json = reply.json else {
                    await record.failed("HTTP \(reply.status) from replica \(replica): \(reply.text.prefix(200))", status: reply.status)
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                if v2 {
                    let proof = json["inclusionProof"]!
                    await record.add(
                        v2: true, index: json["logIndex"]!.int!, body: Base64.decode(json["canonicalizedBody"]!.string!)!,
                        seen: .init(
                            size: proof["treeSize"]!.int!, root: Base64.decode(proof["rootHash"]!.string!)!,
                            note: proof["checkpoint"]!["envelope"]!.string!),
                        replica: replica)
                } else {
                    let entry = json.firstValue!
                    let proof = entry["verification"]!["inclusionProof"]!
                    await record.add(
                        v2: false, index: entry["logIndex"]!.int!, body: Base64.decode(entry["body"]!.string!)!,
                        seen: .init(size: proof["treeSize"]!.int!, root: Hex.decode(proof["rootHash"]!.string!)!, note: proof["checkpoint"]!.string!),
                        replica: replica)
                }
            } catch {
                let text = "\(error)"
                if text.contains("deadline") || text.contains("imeout") {
                    // No answer in time (a paused replica): counted, and the next replica takes the client.
                    await record.timedOut(replica)
                    replica = cluster.next(after: replica)
                } else if text.lowercased().contains("connect") || text.lowercased().contains("closed") {
                    // The replica went away (refused, reset, or "I/O on closed channel" on a pooled connection).
                    replica = cluster.next(after: replica)
                } else {
                    await record.failed("replica \(replica): \(text)", status: nil)
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Runs `clients` clients over the cluster while `script` runs; stops them when it returns.
    static func load(
        _ cluster: Cluster, clients: Int, record: Record, _ script: @escaping @Sendable () async throws -> Void
    ) async throws {
        let factory = EntryFactory()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<clients { group.addTask { await Self.client(n, cluster: cluster, factory: factory, record: record) } }
            group.addTask {
                defer { Task { await record.halt() } }
                try await script()
                await record.halt()
            }
            try await group.waitForAll()
        }
    }

    /// Waits until `count` more entries are acknowledged (at most `limit`).
    static func waitFor(_ more: Int, record: Record, limit: Duration = .seconds(60)) async throws {
        let target = await record.count + more
        let deadline = ContinuousClock.now + limit
        while await record.count < target, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let reached = await record.count
        #expect(reached >= target, "only \(reached) of \(target) entries acknowledged in \(limit)")
    }

    /// The stored entries of a log, straight from PostgreSQL: (index, leaf hash hex, body hex).
    static func stored(_ pg: PostgresServer, log: String) throws -> [(index: Int, leaf: String, body: [UInt8])] {
        let out = try pg.sql("SELECT idx || ' ' || encode(leaf_hash, 'hex') || ' ' || encode(body, 'hex') FROM tlog_entries WHERE log = '\(log)' ORDER BY idx")
        return out.split(separator: "\n").map { line in
            let parts = line.split(separator: " ")
            return (Int(parts[0])!, String(parts[1]), Hex.decode(String(parts[2]))!)
        }
    }

    /// Everything the issue asks of the result, checked against the database and a live replica.
    static func checkLogs(_ cluster: Cluster, record: Record, via replica: Int, pausedReplica: Int? = nil) async throws {
        let stack = cluster[replica]
        for v2 in [false, true] {
            let name = v2 ? "rekor-v2" : "rekor-v1"
            let entries = try stored(cluster.pg, log: name)
            // Every index up to the tree size holds exactly one entry, and no body is there twice.
            #expect(entries.map(\.index) == Array(0..<entries.count), "\(name): indices are 0..<\(entries.count), each once")
            #expect(Set(entries.map(\.leaf)).count == entries.count, "\(name): no entry is stored twice")
            for entry in entries where Hex.encode(Merkle.leafHash(entry.body)) != entry.leaf {
                Issue.record("\(name): entry \(entry.index)'s stored leaf hash is not its body's")
            }
            let head = try cluster.pg.sql("SELECT size FROM tlog_heads WHERE log = '\(name)'")
            #expect(Int(head) == entries.count, "\(name): the stored head says \(head), the log holds \(entries.count)")

            // Every acknowledged entry is there once, at the index it was given.
            let acked = await record.acked[v2]!
            #expect(acked.count > 50, "\(name): load reached the log (\(acked.count) acknowledged)")
            for (index, body) in acked where index >= entries.count || entries[index].body != body {
                Issue.record("\(name): acknowledged entry \(index) is not stored at that index")
            }

            // The final checkpoint a replica serves verifies and commits to the stored entries; every checkpoint a
            // client saw (signed by whichever replica answered it) verifies and is a prefix of it.
            let bodies = entries.map(\.body)
            let finalNote = v2
                ? try await HTTP.get(stack["rekor-v2"] + "/api/v2/checkpoint").text
                : try #require(try await HTTP.get(stack["rekor"] + "/api/v1/log").json?["signedTreeHead"]?.string)
            let final = try verifiedCheckpoint(finalNote, stack: stack, v2: v2)
            #expect(final.size == entries.count && final.root == naiveRoot(bodies[...]), "\(name): the served checkpoint commits to the stored log")
            let seen = await record.checkpoints[v2]!
            for checkpoint in seen {
                let verified = try verifiedCheckpoint(checkpoint.note, stack: stack, v2: v2)
                #expect(verified.size == checkpoint.size && verified.root == checkpoint.root)
                if v2 {
                    #expect(naiveRoot(bodies[0..<checkpoint.size]) == checkpoint.root, "\(name): checkpoint \(checkpoint.size) is a prefix of the final tree")
                } else {
                    let proof = try #require(
                        try await HTTP.get(stack["rekor"] + "/api/v1/log/proof?firstSize=\(checkpoint.size)&lastSize=\(final.size)").json)
                    #expect(
                        Merkle.verifyConsistency(
                            oldSize: UInt64(checkpoint.size), newSize: UInt64(final.size), oldRoot: checkpoint.root, newRoot: final.root,
                            proof: proof["hashes"]!.array.map { Hex.decode($0.string!)! }),
                        "\(name): the consistency proof from checkpoint \(checkpoint.size) to \(final.size) verifies")
                }
            }
        }
        let refusals = await record.refusals
        #expect(refusals.isEmpty, "unexpected failures: \(refusals.prefix(3))")
        let timeouts = await record.timeouts.filter { $0.key != pausedReplica }
        #expect(timeouts.isEmpty, "requests that got no answer in time, per replica: \(timeouts)")
    }

    @Test("48 clients over 3 replicas; two replicas SIGKILLed in turn: nothing acknowledged is lost, the logs go on at once")
    func failover() async throws {
        try PostgresServer.requirement.check()
        let cluster = try Cluster(replicas: 3)
        let record = Record()
        let gaps = Locked<[Duration]>([])
        try await Self.load(cluster, clients: 48, record: record) {
            for victim in [0, 1] {
                try await Self.waitFor(300, record: record)
                let marks = await record.maxIndex
                let killed = ContinuousClock.now
                cluster.kill(victim)
                try await Self.waitFor(300, record: record)
                if let first = await record.firstIntegration(after: killed, beyond: marks) { gaps.set(gaps.get() + [first - killed]) }
            }
        }
        let perReplica = await record.ackedBy
        #expect((0..<3).allSatisfy { (perReplica[$0] ?? 0) > 20 }, "every replica answered clients: \(perReplica)")
        let taken = gaps.get()
        print("replicas: kill → next new integration: \(taken.map { "\($0)" }.joined(separator: ", ")); acknowledged per replica \(perReplica)")
        #expect(taken.count == 2 && taken.allSatisfy { $0 < .seconds(2) }, "the logs went on within 2 s of each kill: \(taken)")
        try await Self.checkLogs(cluster, record: record, via: 2)

        // Duplicates stay duplicates across replicas: an entry another replica acknowledged is a 409 with its index.
        let (index, body) = try #require(await record.acked[false]!.first)
        let again = try await HTTP.post(cluster[2]["rekor"] + "/api/v1/log/entries", json: Self.proposedEntry(fromCanonical: body))
        #expect(again.status == 409)
        #expect(again.headers.first(name: "x-log-index") == "\(index)")
    }

    /// A hashedrekord proposed entry equivalent to a stored canonical body (the canonical body is itself one).
    static func proposedEntry(fromCanonical body: [UInt8]) -> String { String(decoding: body, as: UTF8.self) }

    @Test("a replica paused (SIGSTOP) under load, resumed after the others went on: the others integrate meanwhile, and it forks nothing")
    func pausedReplica() async throws {
        try PostgresServer.requirement.check()
        let cluster = try Cluster(replicas: 3)
        let record = Record()
        let during = Locked(0)
        try await Self.load(cluster, clients: 24, record: record) {
            try await Self.waitFor(300, record: record)
            cluster.signal(1, SIGSTOP)
            let before = await record.count
            try await Task.sleep(for: .seconds(4))
            during.set(await record.count - before)
            cluster.signal(1, SIGCONT)
            try await Self.waitFor(300, record: record)
        }
        #expect(during.get() > 50, "the other replicas integrated while one was paused: \(during.get()) entries")
        try await Self.checkLogs(cluster, record: record, via: 1, pausedReplica: 1)
        // The resumed replica appends again, after everything the others integrated.
        let stored = try Self.stored(cluster.pg, log: "rekor-v1").count
        let next = try await HTTP.post(cluster[1]["rekor"] + "/api/v1/log/entries", json: try EntryFactory().rekorV1())
        #expect(next.status == 201)
        #expect(next.json?.firstValue?["logIndex"]?.int == stored)
    }

    @Test("PostgreSQL restarted under load: clients get 503 while it is down, never a hang; replicas reconnect; nothing acknowledged is lost")
    func databaseRestart() async throws {
        try PostgresServer.requirement.check()
        let cluster = try Cluster(replicas: 3)
        let record = Record()
        try await Self.load(cluster, clients: 24, record: record) {
            try await Self.waitFor(300, record: record)
            cluster.pg.stop(mode: "immediate")
            try await Task.sleep(for: .seconds(3))
            try cluster.pg.start()
            try await Self.waitFor(300, record: record)
        }
        #expect(await record.unavailable > 0, "clients were told the log is unavailable while PostgreSQL was down")
        try await Self.checkLogs(cluster, record: record, via: 0)
    }

    @Test("cosign signs through each replica (keyless; Rekor v1, and Rekor v2 with the TSA) and verifies every bundle with the first replica's trusted root")
    func cosignThroughEachReplica() async throws {
        try PostgresServer.requirement.check()
        let cluster = try Cluster(replicas: 3)
        let dir = cluster.tmp.path
        let blob = dir + "/artifact.txt"
        try Data("signed through a replica\n".utf8).write(to: URL(fileURLWithPath: blob))
        let trust = cluster[0].dataDirectory + "/trusted_root.json"
        let email = "alice@example.com"
        for i in 0..<cluster.count {
            let stack = cluster[i]
            let token = try run(Paths.binary, ["token", "--data-dir", stack.dataDirectory, "--email", email]).output
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let v1 = dir + "/v1-\(i).sigstore.json"
            let v2 = dir + "/v2-\(i).sigstore.json"
            let signV1 = try CosignBinary.run([
                "sign-blob", "--yes", "--identity-token", token, "--use-signing-config=false", "--fulcio-url", stack["fulcio"],
                "--rekor-url", stack["rekor"], "--trusted-root", trust, "--bundle", v1, blob,
            ])
            #expect(signV1.status == 0, "replica \(i), Rekor v1: \(signV1.output)")
            let signV2 = try CosignBinary.run([
                "sign-blob", "--yes", "--identity-token", token, "--signing-config", stack.dataDirectory + "/signing_config.json",
                "--trusted-root", trust, "--bundle", v2, blob,
            ])
            #expect(signV2.status == 0, "replica \(i), Rekor v2: \(signV2.output)")
            for bundle in [v1, v2] {
                let verify = try CosignBinary.run([
                    "verify-blob", "--bundle", bundle, "--certificate-identity", email, "--certificate-oidc-issuer", stack["oidc"],
                    "--trusted-root", trust, blob,
                ])
                #expect(verify.status == 0, "replica \(i), \(bundle): \(verify.output)")
            }
        }
        // Both logs hold the three replicas' entries, one after the other.
        #expect(try Self.stored(cluster.pg, log: "rekor-v1").count == 3)
        #expect(try Self.stored(cluster.pg, log: "rekor-v2").count == 3)
    }

    @Test("three replicas behind one address (--public-url, a round-robin TCP balancer): identical trust files, one log, cosign signs and verifies through it")
    func behindOneAddress() async throws {
        try PostgresServer.requirement.check()
        let balancer = try freePort()
        let public_ = "http://localhost:\(balancer)"
        let ports = try (0..<3).map { _ in try freePort() }
        let cluster = try Cluster(replicas: 3) { i in
            ["--port", "\(ports[i])", "--public-url", public_, "--services", "oidc,fulcio,rekor,rekor-v2,tsa"]
        }
        let (tmp, pg) = (cluster.tmp, cluster.pg)
        let replicas = (0..<3).map { cluster[$0] }
        #expect(replicas[0]["rekor"] == public_ + "/rekor", "the ready line names the public address")
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        proxy.arguments = [Paths.package + "/../scripts/round-robin-proxy.py", "\(balancer)"] + ports.map(String.init)
        let out = Pipe()
        proxy.standardOutput = out
        // Nothing of ours stays open in it (swift test waits for its output streams to close), and SIGKILL ends it
        // whatever signal dispositions it inherited.
        proxy.standardError = FileHandle.nullDevice
        try proxy.run()
        defer {
            kill(proxy.processIdentifier, SIGKILL)
            proxy.waitUntilExit()
        }
        _ = out.fileHandleForReading.availableData  // "ready"

        // Every replica wrote the same trust material: same keys, same URLs, same log origins.
        let roots = try replicas.map { try Data(contentsOf: URL(fileURLWithPath: $0.dataDirectory + "/trusted_root.json")) }
        #expect(roots.allSatisfy { $0 == roots[0] }, "the replicas' trusted roots are identical")
        let configs = try replicas.map { try Data(contentsOf: URL(fileURLWithPath: $0.dataDirectory + "/signing_config.json")) }
        #expect(configs.allSatisfy { $0 == configs[0] }, "the replicas' signing configs are identical")

        let blob = tmp.path + "/artifact.txt"
        try Data("signed through the balancer\n".utf8).write(to: URL(fileURLWithPath: blob))
        let trust = replicas[0].dataDirectory + "/trusted_root.json"
        let email = "alice@example.com"
        for n in 0..<3 {
            let token = try run(Paths.binary, ["token", "--data-dir", replicas[n].dataDirectory, "--email", email]).output
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let v1 = tmp.path + "/v1-\(n).sigstore.json"
            let v2 = tmp.path + "/v2-\(n).sigstore.json"
            let signV1 = try CosignBinary.run([
                "sign-blob", "--yes", "--identity-token", token, "--use-signing-config=false", "--fulcio-url", public_ + "/fulcio",
                "--rekor-url", public_ + "/rekor", "--trusted-root", trust, "--bundle", v1, blob,
            ])
            #expect(signV1.status == 0, "Rekor v1 through the balancer: \(signV1.output)")
            let signV2 = try CosignBinary.run([
                "sign-blob", "--yes", "--identity-token", token, "--signing-config", replicas[0].dataDirectory + "/signing_config.json",
                "--trusted-root", trust, "--bundle", v2, blob,
            ])
            #expect(signV2.status == 0, "Rekor v2 through the balancer: \(signV2.output)")
            for bundle in [v1, v2] {
                let verify = try CosignBinary.run([
                    "verify-blob", "--bundle", bundle, "--certificate-identity", email, "--certificate-oidc-issuer", public_ + "/oidc",
                    "--trusted-root", trust, blob,
                ])
                #expect(verify.status == 0, "\(bundle): \(verify.output)")
            }
        }
        // Each replica, asked directly, serves the same log: three entries each, one checkpoint size and root.
        var heads: [String] = []
        for port in ports {
            let log = try #require(try await HTTP.get("http://127.0.0.1:\(port)/rekor/api/v1/log").json)
            heads.append("\(log["treeSize"]!.int!) \(log["rootHash"]!.string!)")
            let note = try await HTTP.get("http://127.0.0.1:\(port)/rekor-v2/api/v2/checkpoint").text
            #expect(note.hasPrefix("localhost\n3\n"), "Rekor v2 checkpoint names the public host and holds 3 entries: \(note.prefix(40))")
        }
        #expect(Set(heads).count == 1 && heads[0].hasPrefix("3 "), "every replica serves the same Rekor v1 head: \(heads)")
        // A replica started under another public address is refused: its checkpoints would name another origin.
        let other = tmp.path + "/other"
        try Self.copyKeys(from: replicas[0].dataDirectory, to: other)
        do {
            _ = try StackProcess(dataDirectory: other, arguments: [
                "--database", pg.url, "--port", "\(try freePort())", "--public-url", "http://sigstore.example.net",
            ])
            Issue.record("a replica with another public address started")
        } catch {
            #expect("\(error)".contains("another public address"), "\(error)")
        }
    }

    @Test("replicas must share the instance's current keys: another instance is refused, a rotated instance restarts, stale keys are refused")
    func keysChecked() async throws {
        try PostgresServer.requirement.check()
        let tmp = try TemporaryDirectory("sigstore-local-claims")
        let pg = try PostgresServer()
        let first = tmp.path + "/replica-0"
        var replica = try StackProcess(dataDirectory: first, arguments: ["--database", pg.url])
        let stale = tmp.path + "/stale"
        try Self.copyKeys(from: first, to: stale)

        // Another instance (keys of its own) on the same database.
        do {
            let stranger = try StackProcess(dataDirectory: tmp.path + "/stranger", arguments: ["--database", pg.url])
            stranger.stop()
            Issue.record("a replica of another instance started")
        } catch {
            #expect("\(error)".contains("another instance"), "\(error)")
        }

        // The instance is rotated (on a stopped replica, as `rotate` requires) and starts again with its newer keys.
        replica.stop()
        try run(Paths.binary, ["rotate", "--data-dir", first, "--service", "rekor-v2"])
        replica = try StackProcess(dataDirectory: first, arguments: ["--database", pg.url])
        defer { replica.stop() }
        #expect(try await HTTP.get(replica["rekor-v2"] + "/api/v2/checkpoint").status == 200)

        // A replica still holding the keys from before the rotation would sign with a retired key: refused.
        do {
            let old = try StackProcess(dataDirectory: stale, arguments: ["--database", pg.url])
            old.stop()
            Issue.record("a replica with keys from before the rotation started")
        } catch {
            #expect("\(error)".contains("rotated last"), "\(error)")
        }
    }
}
