// In-process verification throughput: parses and verifies the CPython release bundles of the shared vectors (real
// production bundles: Fulcio chain, SCT, Rekor v1 SET, inclusion proof and checkpoint, identity) over and over, with
// 1..N concurrent verifications. It prints a JSON line with the parsing rate alone, then one per concurrency level:
// the median over SECONDS rounds (at least 3) of bundles per second, and of the ratio to the crypto floor measured
// with swift-crypto in the same round (the ECDSA checks alone, per core).
//
//   verify-throughput VECTORS_DIR [SECONDS] [MAX_CONCURRENCY]
import Foundation
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify

struct Case: Sendable {
    var bundle: [UInt8]
    var policy: VerificationPolicy
}

let args = CommandLine.arguments
guard args.count >= 2 else {
    FileHandle.standardError.write(Data("usage: verify-throughput VECTORS_DIR [SECONDS] [MAX_CONCURRENCY]\n".utf8))
    exit(2)
}
let vectors = URL(fileURLWithPath: args[1])
let seconds = args.count > 2 ? Double(args[2]) ?? 5 : 5
let maxConcurrency = args.count > 3 ? Int(args[3]) ?? 2 : 2

let root = try TrustMaterial(jsonData: Array(try Data(contentsOf: vectors.appendingPathComponent("trusted_roots/public-good-production.json"))))
let verifier = SigstoreVerifier(trustMaterial: root, configuration: .cosign(keyBased: false))
var loaded: [Case] = []
let table = try String(contentsOf: vectors.appendingPathComponent("cases.tsv"), encoding: .utf8)
for line in table.split(separator: "\n") {
    let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    guard f.count > 9, f[0].hasPrefix("cpython/"), f[2] == "pass", f[9].hasSuffix("public-good-production.json") else { continue }
    let identity = CertificateIdentity(subjectAlternativeName: try StringMatcher(exact: f[6]), issuer: try StringMatcher(exact: f[7]))
    loaded.append(Case(
        bundle: Array(try Data(contentsOf: vectors.appendingPathComponent(f[4]))),
        policy: try VerificationPolicy(artifact: .digest(try ArtifactDigest(parsing: f[5])), identities: [identity])))
}
let cases = loaded
guard !cases.isEmpty else { fatalError("no cpython cases found in \(vectors.path)/cases.tsv") }

/// Verifies every case once with `concurrency` in flight; returns how many verified.
func round(concurrency: Int, cases: [Case]) async throws -> Int {
    let bundles = try cases.map { try SigstoreBundle(jsonData: $0.bundle) }
    let results = await verifier.verify(zip(bundles, cases).map { (bundle: $0, policy: $1.policy) }, maxConcurrency: concurrency)
    for r in results { if case .failure(let e) = r { throw e } }
    return results.count
}

/// Times `count` ECDSA verifications with swift-crypto (through SigstoreCrypto, as verification calls it) of a
/// `kind` key over a digest of `algorithm`, in seconds.
struct Verifications: Sendable {
    let key: PublicKey
    let digest: ArtifactDigest
    let signature: [UInt8]

    init(_ kind: KeyKind, _ algorithm: HashAlgorithm) throws {
        let signer = try SigningKey.generate(kind)
        key = signer.publicKey
        digest = try ArtifactDigest(algorithm: algorithm, bytes: (0..<algorithm.byteCount).map { UInt8($0) })
        signature = try signer.signature(forDigest: digest)
    }

    func time(_ count: Int) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<count { try key.verifySignature(signature, digest: digest) }
        return (clock.now - start).seconds
    }
}
extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// The wall time of `concurrency` copies of `count` checks run at once, one per task.
func checksTime(_ checks: Verifications, count: Int, concurrency: Int) async throws -> Double {
    if concurrency == 1 { return try checks.time(count) }
    let clock = ContinuousClock()
    let start = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<concurrency { group.addTask { _ = try checks.time(count) } }
        try await group.waitForAll()
    }
    return (clock.now - start).seconds
}

let p256Checks = try Verifications(.ecdsaP256, .sha256)
let p384Checks = try Verifications(.ecdsaP384, .sha384)

// The signing keys of the bundles: a P-384 leaf key makes the artifact signature a P-384 verification too.
var counted = 0
for result in await verifier.verify(try cases.map { (bundle: try SigstoreBundle(jsonData: $0.bundle), policy: $0.policy) }, maxConcurrency: 1) {
    if case .ecdsaP384 = try result.get().certificate?.publicKey().kind { counted += 1 }
}
let p384Leaves = counted
// The ECDSA checks of the whole set: per bundle the Fulcio intermediate's P-384 signature, three P-256 checks (SCT,
// inclusion promise, checkpoint), and the artifact signature with the leaf's key.
let setP384 = cases.count + p384Leaves
let setP256 = 3 * cases.count + (cases.count - p384Leaves)

// VERIFY_THROUGHPUT_PROFILE=1: the bundles alone for SECONDS, nothing else (for perf record).
if ProcessInfo.processInfo.environment["VERIFY_THROUGHPUT_PROFILE"] != nil {
    let clock = ContinuousClock()
    let start = clock.now
    var done = 0
    while clock.now - start < .seconds(seconds) { done += try await round(concurrency: 1, cases: cases) }
    print(#"{"profiled_bundles_per_second": \#(Double(done) / (clock.now - start).seconds)}"#)
    exit(0)
}

// Parsing alone (bundle JSON into the model), for the share of a verification that is not verification.
do {
    let clock = ContinuousClock()
    let start = clock.now
    var parsed = 0
    while clock.now - start < .seconds(1) {
        for c in cases { _ = try SigstoreBundle(jsonData: c.bundle) }
        parsed += cases.count
    }
    print(#"{"parse_bundles_per_second": \#(Double(parsed) / (clock.now - start).seconds)}"#)
}

// Rounds that alternate the set's bundles with the set's ECDSA checks alone (its crypto floor) on the same core, a few
// hundred milliseconds apart, so that both see the same machine: this VM's speed swings by a third from one second
// to the next. Each round's ratio is the floor's time over the bundles' (per core); the figures are the medians.
let rounds = max(3, Int((seconds * 2).rounded()))
for concurrency in 1...maxConcurrency {
    _ = try await round(concurrency: concurrency, cases: cases)  // warm-up
    var rates: [Double] = [], floors: [Double] = [], p256s: [Double] = [], p384s: [Double] = [], ratios: [Double] = []
    var done = 0
    var elapsed = 0.0
    for _ in 0..<rounds {
        var bundleTime = 0.0, p256Time = 0.0, p384Time = 0.0
        // Two passes over the set each round, each between the set's P-384 checks and its P-256 checks; with N
        // concurrent verifications, N copies of the checks run at once (the floor of N cores).
        for _ in 0..<2 {
            p384Time += try await checksTime(p384Checks, count: setP384, concurrency: concurrency)
            let clock = ContinuousClock()
            let start = clock.now
            done += try await round(concurrency: concurrency, cases: cases)
            bundleTime += (clock.now - start).seconds
            p256Time += try await checksTime(p256Checks, count: setP256, concurrency: concurrency)
        }
        elapsed += bundleTime
        let floorTime = p384Time + p256Time
        let c = Double(concurrency)
        rates.append(Double(2 * cases.count) / bundleTime)
        floors.append(c * Double(2 * cases.count) / floorTime)
        p256s.append(c * Double(2 * setP256) / p256Time)
        p384s.append(c * Double(2 * setP384) / p384Time)
        ratios.append(floorTime / (c * bundleTime))
        if ProcessInfo.processInfo.environment["VERIFY_THROUGHPUT_ROUNDS"] != nil {
            FileHandle.standardError.write(Data("round: \(Int(rates.last!)) bundles/s, floor \(Int(floors.last!))/s, ratio \(ratios.last!)\n".utf8))
        }
    }
    print(
        #"{"concurrency": \#(concurrency), "bundles": \#(done), "seconds": \#(elapsed), "bundles_per_second": \#(median(rates)), "#
            + #""rounds": \#(rounds), "swift_crypto_p256_verify_per_second": \#(median(p256s)), "#
            + #""swift_crypto_p384_verify_per_second": \#(median(p384s)), "p384_leaf_keys": \#(p384Leaves), "#
            + #""bundles_in_set": \#(cases.count), "floor_bundles_per_second": \#(median(floors)), "#
            + #""floor_ratio": \#(median(ratios))}"#)
}
