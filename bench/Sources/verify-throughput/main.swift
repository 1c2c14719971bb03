// In-process verification throughput: parses and verifies the CPython release bundles of the shared vectors (real
// production bundles: Fulcio chain, SCT, Rekor v1 SET, inclusion proof and checkpoint, identity) over and over, with
// 1..N concurrent verifications, and prints one JSON line per concurrency level.
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
/// over a digest of `algorithm`, for about a second.
func verificationsPerSecond(_ kind: KeyKind, _ algorithm: HashAlgorithm) throws -> Double {
    let key = try SigningKey.generate(kind)
    let digest = try ArtifactDigest(algorithm: algorithm, bytes: (0..<algorithm.byteCount).map { UInt8($0) })
    let signature = try key.signature(forDigest: digest)
    let clock = ContinuousClock()
    let start = clock.now
    var n = 0
    while clock.now - start < .seconds(1) {
        for _ in 0..<50 { try key.publicKey.verifySignature(signature, digest: digest) }
        n += 50
    }
    let elapsed = clock.now - start
    return Double(n) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}
let p256 = try verificationsPerSecond(.ecdsaP256, .sha256)
let p384 = try verificationsPerSecond(.ecdsaP384, .sha384)
// The signing keys of the bundles: a P-384 leaf key makes the artifact signature a P-384 verification too.
var p384Leaves = 0
for result in await verifier.verify(try cases.map { (bundle: try SigstoreBundle(jsonData: $0.bundle), policy: $0.policy) }, maxConcurrency: 1) {
    if case .ecdsaP384 = try result.get().certificate?.publicKey().kind { p384Leaves += 1 }
}
print(
    #"{"swift_crypto_p256_verify_per_second": \#(p256), "swift_crypto_p384_verify_per_second": \#(p384), "#
        + #""bundles": \#(cases.count), "p384_leaf_keys": \#(p384Leaves)}"#)

for concurrency in 1...maxConcurrency {
    _ = try await round(concurrency: concurrency, cases: cases)  // warm-up
    let clock = ContinuousClock()
    let start = clock.now
    var done = 0
    while clock.now - start < .seconds(seconds) { done += try await round(concurrency: concurrency, cases: cases) }
    let elapsed = clock.now - start
    let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(#"{"concurrency": \#(concurrency), "bundles": \#(done), "seconds": \#(s), "bundles_per_second": \#(Double(done) / s)}"#)
}
