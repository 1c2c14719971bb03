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

/// ECDSA verifications per second with swift-crypto (through SigstoreCrypto, as verification calls it) for `kind`,
/// over a digest of `algorithm`, for about `seconds`.
func verificationsPerSecond(_ kind: KeyKind, _ algorithm: HashAlgorithm, seconds: Double) throws -> Double {
    let key = try SigningKey.generate(kind)
    let digest = try ArtifactDigest(algorithm: algorithm, bytes: (0..<algorithm.byteCount).map { UInt8($0) })
    let signature = try key.signature(forDigest: digest)
    let clock = ContinuousClock()
    let start = clock.now
    var n = 0
    while clock.now - start < .seconds(seconds) {
        for _ in 0..<20 { try key.publicKey.verifySignature(signature, digest: digest) }
        n += 20
    }
    return Double(n) / (clock.now - start).seconds
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

// The signing keys of the bundles: a P-384 leaf key makes the artifact signature a P-384 verification too.
var counted = 0
for result in await verifier.verify(try cases.map { (bundle: try SigstoreBundle(jsonData: $0.bundle), policy: $0.policy) }, maxConcurrency: 1) {
    if case .ecdsaP384 = try result.get().certificate?.publicKey().kind { counted += 1 }
}
let p384Leaves = counted
/// The crypto floor of one bundle, in bundles per second: its ECDSA verifications alone (the Fulcio intermediate's
/// P-384 signature, three P-256 checks, and the artifact signature with the leaf's key).
func floor(p256: Double, p384: Double) -> Double {
    let n = Double(cases.count), k = Double(p384Leaves)
    return n / ((n - k) * (1 / p384 + 4 / p256) + k * (2 / p384 + 3 / p256))
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

// Rounds that alternate the floor's measurement with the bundles' on the same core, so that both see the same
// machine (a noisy VM's speed drifts over seconds): the ratio is the median of the rounds' ratios.
let rounds = max(3, Int(seconds.rounded()))
for concurrency in 1...maxConcurrency {
    _ = try await round(concurrency: concurrency, cases: cases)  // warm-up
    var rates: [Double] = [], p256s: [Double] = [], p384s: [Double] = [], ratios: [Double] = []
    var done = 0
    var elapsed = 0.0
    for _ in 0..<rounds {
        let p256 = try verificationsPerSecond(.ecdsaP256, .sha256, seconds: 0.1)
        let p384 = try verificationsPerSecond(.ecdsaP384, .sha384, seconds: 0.2)
        let clock = ContinuousClock()
        let start = clock.now
        var n = 0
        while clock.now - start < .seconds(0.8) { n += try await round(concurrency: concurrency, cases: cases) }
        let s = (clock.now - start).seconds
        done += n
        elapsed += s
        let rate = Double(n) / s
        rates.append(rate)
        p256s.append(p256)
        p384s.append(p384)
        ratios.append(rate / (Double(concurrency) * floor(p256: p256, p384: p384)))
    }
    print(
        #"{"concurrency": \#(concurrency), "bundles": \#(done), "seconds": \#(elapsed), "bundles_per_second": \#(median(rates)), "#
            + #""rounds": \#(rounds), "swift_crypto_p256_verify_per_second": \#(median(p256s)), "#
            + #""swift_crypto_p384_verify_per_second": \#(median(p384s)), "p384_leaf_keys": \#(p384Leaves), "#
            + #""bundles_in_set": \#(cases.count), "floor_ratio": \#(median(ratios))}"#)
}
