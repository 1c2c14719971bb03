import Foundation
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing
import SigstoreJSON

/// A valid bundle with everything needed to verify it.
struct Seed: Sendable {
    var name: String
    var json: [UInt8]
    var verifier: SigstoreVerifier
    var policy: VerificationPolicy
}

enum Mutator {
    static let names = ["bit flips", "truncation", "deleted field", "duplicated field", "huge number", "deep nesting", "replaced base64", "swapped strings"]

    /// Applies one mutation chosen by `kind`.
    static func mutate(_ input: [UInt8], kind: Int, rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        switch kind {
        case 0:
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            }
        case 1:
            bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
        case 2, 3:
            // A member `"key":` somewhere in the document: delete it with its value, or repeat it.
            let keys = memberStarts(bytes)
            guard let start = keys.randomElement(using: &rng), let end = valueEnd(bytes, from: start) else { return bytes }
            if kind == 2 {
                var cut = start..<end
                if end < bytes.count, bytes[end] == UInt8(ascii: ",") { cut = start..<(end + 1) }
                bytes.removeSubrange(cut)
            } else {
                bytes.insert(contentsOf: Array(bytes[start..<end]) + [UInt8(ascii: ",")], at: start)
            }
        case 4:
            let numbers = ["\"99999999999999999999999\"", "-1", "\"-9223372036854775808\"", "1e308", "\"18446744073709551616\"", "0", "4294967296"]
            bytes = replaceValue(bytes, with: Array(numbers.randomElement(using: &rng)!.utf8), rng: &rng)
        case 5:
            let depth = Int.random(in: 100...3000, using: &rng)
            bytes = replaceValue(bytes, with: Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth), rng: &rng)
        case 6:
            let random = (0..<Int.random(in: 0...96, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes = replaceValue(bytes, with: Array("\"\(Data(random).base64EncodedString())\"".utf8), stringsOnly: true, rng: &rng)
        default:
            let strings = stringValues(bytes)
            guard strings.count >= 2 else { return bytes }
            let a = strings.randomElement(using: &rng)!
            let b = strings.randomElement(using: &rng)!
            guard a != b, a.upperBound <= b.lowerBound || b.upperBound <= a.lowerBound else { return bytes }
            let (first, second) = a.lowerBound < b.lowerBound ? (a, b) : (b, a)
            let x = Array(bytes[first])
            let y = Array(bytes[second])
            bytes.replaceSubrange(second, with: x)
            bytes.replaceSubrange(first, with: y)
        }
        return bytes
    }

    /// Offsets of `"key":` member starts.
    static func memberStarts(_ b: [UInt8]) -> [Int] {
        var out: [Int] = []
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\"") {
                var j = i + 1
                while j < b.count && b[j] != UInt8(ascii: "\"") { j += b[j] == UInt8(ascii: "\\") ? 2 : 1 }
                if j + 1 < b.count && b[j + 1] == UInt8(ascii: ":") { out.append(i) }
                i = j + 1
            } else {
                i += 1
            }
        }
        return out
    }

    /// The end of the value of the member starting at `start`.
    static func valueEnd(_ b: [UInt8], from start: Int) -> Int? {
        guard var i = b[start...].firstIndex(of: UInt8(ascii: ":")) else { return nil }
        i += 1
        var depth = 0
        var inString = false
        while i < b.count {
            let c = b[i]
            if inString {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                if depth == 0 { return i }
                depth -= 1
            } else if c == UInt8(ascii: ","), depth == 0 {
                return i
            }
            i += 1
        }
        return nil
    }

    /// Ranges of string values (including quotes).
    static func stringValues(_ b: [UInt8]) -> [Range<Int>] {
        memberStarts(b).compactMap { start -> Range<Int>? in
            guard let colon = b[start...].firstIndex(of: UInt8(ascii: ":")), colon + 1 < b.count, b[colon + 1] == UInt8(ascii: "\""),
                let end = valueEnd(b, from: start)
            else { return nil }
            return (colon + 1)..<end
        }
    }

    static func replaceValue(_ b: [UInt8], with value: [UInt8], stringsOnly: Bool = false, rng: inout SplitMix64) -> [UInt8] {
        var bytes = b
        if stringsOnly {
            guard let r = stringValues(b).randomElement(using: &rng) else { return b }
            bytes.replaceSubrange(r, with: value)
            return bytes
        }
        guard let start = memberStarts(b).randomElement(using: &rng), let end = valueEnd(b, from: start),
            let colon = b[start...].firstIndex(of: UInt8(ascii: ":"))
        else { return b }
        bytes.replaceSubrange((colon + 1)..<end, with: value)
        return bytes
    }
}

@Suite("Robustness: mutated bundles never verify and never crash")
struct RobustnessTests {
    /// Valid bundles from the virtual instance: Rekor v1 and v2, with and without RFC 3161 timestamps and DSSE.
    static func virtualSeeds() throws -> [Seed] {
        let artifactData = Data(artifact)
        var seeds: [Seed] = []
        for (log, timestamp, dsse) in [
            (VirtualSigstore.Log.rekorV1, false, false), (.rekorV1, true, true), (.rekorV2, true, false), (.rekorV2, true, true),
        ] {
            let json = try virtual.sign(artifact, options: .init(time: signingTime, log: log, timestamp: timestamp, dsse: dsse))
            let signed = timestamp || log == .rekorV2
            seeds.append(Seed(
                name: "virtual \(log) tsa=\(timestamp) dsse=\(dsse)", json: json,
                verifier: try verifier(cosignConfiguration(signedTimestamps: signed)),
                policy: try VerificationPolicy(artifact: .data(artifactData), identities: identity)))
        }
        return seeds
    }

    /// A real bundle from the shared vectors: CPython 3.12.5's release, signed on the public-good instance.
    static func sharedVectorSeed() throws -> Seed {
        let vectors = try Requirement.sharedVectors()
        let bundle = vectors.appendingPathComponent("cpython-release-tracker/3.12.5/bundle.sigstore.json")
        let root = vectors.appendingPathComponent("trusted_roots/public-good-production.json")
        let digest = try ArtifactDigest(parsing: "sha256:fba3a6fdbafb3dfae6afb39d3024607e0d324a5065e270c144cac0c4e892e153")
        return Seed(
            name: "cpython 3.12.5", json: Array(try Data(contentsOf: bundle)),
            verifier: SigstoreVerifier(
                trustMaterial: try TrustMaterial(jsonData: Array(try Data(contentsOf: root))),
                configuration: cosignConfiguration(signedTimestamps: false)),
            policy: try VerificationPolicy(
                artifact: .digest(digest),
                identities: [
                    CertificateIdentity(
                        subjectAlternativeName: try StringMatcher(exact: "thomas@python.org"),
                        issuer: try StringMatcher(exact: "https://accounts.google.com"))
                ]))
    }

    /// Whether a mutant that verified differs from the original only by leaving out material the verifier does not
    /// need under its configuration (an unused RFC 3161 timestamp, a v0.3 inclusion promise next to a proof, a v0.1
    /// inclusion proof next to a promise) or in fields that are unauthenticated hints by design (DSSE `keyid`, the
    /// public-key hint).
    static func onlyOmitsOptionalMaterial(_ mutant: SigstoreBundle, original: SigstoreBundle, seed: Seed) -> Bool {
        func strip(_ b: SigstoreBundle, like other: SigstoreBundle) -> SigstoreBundle {
            var b = b
            if other.verificationMaterial.timestampVerificationData == nil || seed.verifier.configuration.signedTimestampThreshold == 0 {
                b.verificationMaterial.timestampVerificationData = nil
            }
            if case .publicKey = b.verificationMaterial.signer { b.verificationMaterial.signer = .publicKey(hint: nil) }
            if case .dsseEnvelope(var e) = b.content {
                e.signatures = e.signatures.map { DSSEEnvelope.Signature(sig: $0.sig.bytes, keyid: nil) }
                b.content = .dsseEnvelope(e)
            }
            b.verificationMaterial.tlogEntries = b.verificationMaterial.tlogEntries.enumerated().map { i, entry in
                var e = entry
                if (e.integratedTime?.value ?? 0) == 0 { e.integratedTime = nil }
                let o = i < other.verificationMaterial.tlogEntries.count ? other.verificationMaterial.tlogEntries[i] : nil
                if o?.signedEntryTimestamp == nil { e.signedEntryTimestamp = nil }
                if o?.inclusionProof == nil { e.inclusionProof = nil }
                return e
            }
            return b
        }
        return strip(original, like: mutant) == strip(mutant, like: mutant)
    }

    @Test("8,000 mutations of virtual bundles: bit flips, truncation, deleted and duplicated fields, huge numbers, deep nesting, replaced and swapped values")
    func mutations() async throws {
        try await Self.mutate(try Self.virtualSeeds(), total: Self.budget(8_000))
    }

    // Needs ../shared/vectors (or SWIFT_COSIGN_VECTORS): skipped where it is absent, a failure under CI=true.
    @Test(
        "2,000 mutations of a real public-good bundle (shared vectors)",
        .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func sharedVectorMutations() async throws {
        try await Self.mutate([try Self.sharedVectorSeed()], total: Self.budget(2_000))
    }

    /// `ROBUSTNESS_MUTATIONS` scales the budgets (10,000 over both tests by default).
    static func budget(_ share: Int) -> Int {
        guard let total = ProcessInfo.processInfo.environment["ROBUSTNESS_MUTATIONS"].flatMap(Int.init) else { return share }
        return max(1, total * share / 10_000)
    }

    static func mutate(_ seeds: [Seed], total: Int) async throws {
        var originals: [SigstoreBundle] = []
        for seed in seeds {
            let original = try SigstoreBundle(jsonData: seed.json)
            _ = try await seed.verifier.verify(original, policy: seed.policy)
            originals.append(original)
        }
        let originalBundles = originals
        let workers = 2
        struct Tally: Sendable {
            var rejectedByParser = 0
            var rejectedByVerifier = 0
            var equivalent = 0
            var verified: [String] = []
        }
        let tallies = await withTaskGroup(of: Tally.self) { group in
            for w in 0..<workers {
                group.addTask {
                    var tally = Tally()
                    var rng = SplitMix64(state: 0x5157_0000 + UInt64(w))
                    for i in stride(from: w, to: total, by: workers) {
                        let seed = seeds[i % seeds.count]
                        let kind = (i / seeds.count) % Mutator.names.count
                        let mutated = Mutator.mutate(seed.json, kind: kind, rng: &rng)
                        guard let bundle = try? SigstoreBundle(jsonData: mutated) else {
                            tally.rejectedByParser += 1
                            continue
                        }
                        if bundle == originalBundles[i % seeds.count] {
                            tally.equivalent += 1  // e.g. a flipped bit in base64 padding, or a duplicate key read once
                            continue
                        }
                        do {
                            _ = try await seed.verifier.verify(bundle, policy: seed.policy)
                            if Self.onlyOmitsOptionalMaterial(bundle, original: originalBundles[i % seeds.count], seed: seed) {
                                tally.equivalent += 1
                                continue
                            }
                            let d = (0..<min(seed.json.count, mutated.count)).first { seed.json[$0] != mutated[$0] } ?? min(seed.json.count, mutated.count)
                            let ctx = String(decoding: seed.json[max(0, d - 60)..<min(seed.json.count, d + 40)], as: UTF8.self)
                            let ctx2 = String(decoding: mutated[max(0, d - 60)..<min(mutated.count, d + 40)], as: UTF8.self)
                            tally.verified.append("\(seed.name) / \(Mutator.names[kind]) / #\(i) ORIG[\(ctx)] MUT[\(ctx2)]")
                        } catch {
                            tally.rejectedByVerifier += 1
                        }
                    }
                    return tally
                }
            }
            var all: [Tally] = []
            for await t in group { all.append(t) }
            return all
        }
        let parser = tallies.map(\.rejectedByParser).reduce(0, +)
        let verifierRejected = tallies.map(\.rejectedByVerifier).reduce(0, +)
        let equivalent = tallies.map(\.equivalent).reduce(0, +)
        let verified = tallies.flatMap(\.verified)
        print("robustness: \(total) mutations of \(seeds.count) bundles: \(parser) rejected by the parser, \(verifierRejected) by the verifier, \(equivalent) equivalent to the original, \(verified.count) verified")
        #expect(parser + verifierRejected + equivalent + verified.count == total)
        #expect(verified.isEmpty, "mutated bundles verified: \(verified.prefix(10))")
        #expect(verifierRejected > total / 10, "too few mutations reached the verifier to mean anything")
    }
}
