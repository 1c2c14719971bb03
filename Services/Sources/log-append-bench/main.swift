import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SigstoreCrypto
import SigstoreModels
import Synchronization
import SigstoreJSON

// Appends signed hashedrekord entries to a Rekor v1 or v2 log with C concurrent clients over loopback and prints one
// JSON line: entries per second and latency percentiles. Entries are signed before the clock starts.
//
//   log-append-bench --url http://127.0.0.1:PORT --log v1|v2 --clients 8 --entries 2000
//
// With several comma-separated URLs (replicas of one log), client k posts to URL k mod n.

var arguments: [String: String] = [:]
var it = CommandLine.arguments.dropFirst().makeIterator()
while let flag = it.next() {
    guard flag.hasPrefix("--"), let value = it.next() else {
        FileHandle.standardError.write(Data("usage: log-append-bench --url URL --log v1|v2 --clients N --entries N\n".utf8))
        exit(2)
    }
    arguments[String(flag.dropFirst(2))] = value
}
guard let base = arguments["url"], let clients = Int(arguments["clients"] ?? "1"), let count = Int(arguments["entries"] ?? "1000"),
      clients >= 1, count >= clients
else {
    FileHandle.standardError.write(Data("usage: log-append-bench --url URL --log v1|v2 --clients N --entries N\n".utf8))
    exit(2)
}
let v2 = arguments["log"] == "v2"

let key = SigningKey.generateP256()
let pem = Base64.encode(Array(key.publicKey.pemRepresentation.utf8))
let spki = Base64.encode(key.publicKey.derRepresentation)
var bodies: [[UInt8]] = []
bodies.reserveCapacity(count)
for _ in 0..<count {
    let digest = (0..<32).map { _ in UInt8.random(in: 0...255) }
    let signature = Base64.encode(try key.signature(forDigest: try ArtifactDigest(algorithm: .sha256, bytes: digest)))
    let json =
        v2
        ? #"{"hashedRekordRequestV002":{"digest":"\#(Base64.encode(digest))","signature":{"content":"\#(signature)","verifier":{"publicKey":{"rawBytes":"\#(spki)"},"keyDetails":"PKIX_ECDSA_P256_SHA_256"}}}}"#
        : #"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"signature":{"content":"\#(signature)","publicKey":{"content":"\#(pem)"}},"data":{"hash":{"algorithm":"sha256","value":"\#(Hex.encode(digest))"}}}}"#
    bodies.append(Array(json.utf8))
}
let payloads = bodies
let urls = base.split(separator: ",").map { String($0) + (v2 ? "/api/v2/log/entries" : "/api/v1/log/entries") }

var configuration = HTTPClient.Configuration()
configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = clients
let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
let next = Atomic<Int>(0)
let failures = Atomic<Int>(0)

let start = ContinuousClock.now
let latencies: [Double] = await withTaskGroup(of: [Double].self) { group in
    for k in 0..<clients {
        let url = urls[k % urls.count]
        group.addTask {
            var mine: [Double] = []
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                if i >= payloads.count { break }
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: payloads[i]))
                let t0 = ContinuousClock.now
                do {
                    let response = try await client.execute(request, timeout: .seconds(60))
                    _ = try await response.body.collect(upTo: 1 << 20)
                    if response.status.code != 201 { failures.add(1, ordering: .relaxed) }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
                let d = ContinuousClock.now - t0
                mine.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
            }
            return mine
        }
    }
    var all: [Double] = []
    for await part in group { all += part }
    return all
}
let elapsed = ContinuousClock.now - start
try await client.shutdown() as Void
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let sorted = latencies.sorted()
func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
let line = String(
    format: #"{"log":"%@","clients":%d,"entries":%d,"failures":%d,"seconds":%.3f,"entriesPerSecond":%.1f,"p50ms":%.2f,"p99ms":%.2f}"#,
    v2 ? "v2" : "v1", clients, count, failures.load(ordering: .relaxed), seconds, Double(count) / seconds, percentile(0.5),
    percentile(0.99))
print(line)
if failures.load(ordering: .relaxed) > 0 { exit(1) }
