import Foundation
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing
import SigstoreCore

/// One virtual instance for the whole suite (key generation is the slow part).
let virtual = try! VirtualSigstore()

func verifier(_ configuration: VerifierConfiguration, listTSALeaf: Bool = true) throws -> SigstoreVerifier {
    SigstoreVerifier(
        trustMaterial: try TrustMaterial(jsonData: virtual.trustedRootJSON(listTSALeaf: listTSALeaf)), configuration: configuration)
}

let artifact = Array("hello, virtual sigstore\n".utf8)
let signingTime = Date(timeIntervalSince1970: 1_750_000_000)
let identity = [
    CertificateIdentity(
        subjectAlternativeName: try! StringMatcher(exact: "signer@example.com"),
        issuer: try! StringMatcher(exact: "https://issuer.example"))
]

/// cosign's default configuration for a certificate bundle, switched to signed timestamps for Rekor v2 or TSA cases.
func cosignConfiguration(signedTimestamps: Bool) -> VerifierConfiguration {
    .cosign(keyBased: false, useSignedTimestamps: signedTimestamps)
}

func verify(
    _ options: VirtualSigstore.Options, artifact input: ArtifactInput = .data(Data(artifact)),
    identities: [CertificateIdentity] = identity
) async throws -> VerificationResult {
    let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: options))
    let signed = options.timestamp || options.log == .rekorV2
    // TSA certificate faults are checked against a root that does not pin the TSA's own certificate.
    let pinned = options.faults.isDisjoint(with: [.timestampEKUNotCritical, .timestampFromUntrustedTSA])
    return try await verifier(cosignConfiguration(signedTimestamps: signed), listTSALeaf: pinned)
        .verify(bundle, policy: VerificationPolicy(artifact: input, identities: identities))
}

@Suite("Verifier against a virtual Sigstore")
struct VirtualSigstoreTests {
    @Test(
        "valid bundles verify",
        arguments: [
            (VirtualSigstore.Log.rekorV1, false, false), (.rekorV1, true, false), (.rekorV1, false, true), (.rekorV1, true, true),
            (.rekorV2, true, false), (.rekorV2, true, true),
        ])
    func valid(log: VirtualSigstore.Log, timestamp: Bool, dsse: Bool) async throws {
        let options = VirtualSigstore.Options(time: signingTime, log: log, timestamp: timestamp, dsse: dsse)
        let result = try await verify(options)
        #expect(result.subjectAlternativeName == "signer@example.com")
        #expect(result.issuer == "https://issuer.example")
        #expect(result.logEntries.count == 1)
        #expect(!result.verifiedTimes.isEmpty)
        if dsse { #expect(result.envelopePayload?.type == "application/vnd.in-toto+json") }
        // By digest too.
        let digest = HashAlgorithm.sha256.digest(of: artifact)
        _ = try await verify(options, artifact: .digest(digest))
    }

    @Test("a URI identity matches by regular expression, unanchored as Go's MatchString")
    func uriIdentity() async throws {
        let options = VirtualSigstore.Options(
            time: signingTime, identity: .uri("https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main"))
        let byRegex = [
            CertificateIdentity(
                subjectAlternativeName: try StringMatcher(pattern: "github.com/org/repo/"),
                issuer: try StringMatcher(pattern: "^https://issuer\\.example$"))
        ]
        let result = try await verify(options, identities: byRegex)
        #expect(result.subjectAlternativeName?.hasPrefix("https://github.com/org/repo/") == true)
        let wrong = [
            CertificateIdentity(
                subjectAlternativeName: try StringMatcher(pattern: "^github"), issuer: try StringMatcher(pattern: "."))
        ]
        await #expect(throws: VerificationError(.identity, "")) { try await verify(options, identities: wrong) }
    }

    /// Each fault breaks one property; the check guarding it must catch it.
    @Test(
        "every check refuses its fault",
        arguments: [
            (VirtualSigstore.Fault.untrustedCertificateAuthority, VerificationCheck.certificate, VirtualSigstore.Log.rekorV1, false, false),
            (.leafWithoutCodeSigning, .certificate, .rekorV1, false, false),
            (.sctFromUntrustedLog, .certificateTransparency, .rekorV1, false, false),
            (.sctOverOtherCertificate, .certificateTransparency, .rekorV1, false, false),
            (.noSCT, .certificateTransparency, .rekorV1, false, false),
            (.setFromUntrustedKey, .transparencyLog, .rekorV1, false, false),
            (.setOverOtherTime, .transparencyLog, .rekorV1, false, false),
            (.checkpointFromUntrustedKey, .transparencyLog, .rekorV1, false, false),
            (.checkpointFromUntrustedKey, .transparencyLog, .rekorV2, true, false),
            (.inclusionProofCorrupted, .transparencyLog, .rekorV1, false, false),
            (.inclusionProofCorrupted, .transparencyLog, .rekorV2, true, false),
            (.checkpointRootMismatch, .transparencyLog, .rekorV1, false, false),
            (.checkpointRootMismatch, .transparencyLog, .rekorV2, true, false),
            (.checkpointWrongOrigin, .transparencyLog, .rekorV2, true, false),
            (.logEntrySignatureMismatch, .transparencyLog, .rekorV1, false, false),
            (.logEntryDigestMismatch, .transparencyLog, .rekorV1, false, false),
            (.logEntryDigestMismatch, .transparencyLog, .rekorV1, false, true),
            (.integratedAfterCertificateExpiry, .certificate, .rekorV1, false, false),
            (.timestampImprintMismatch, .timestamp, .rekorV2, true, false),
            (.timestampFromUntrustedTSA, .timestamp, .rekorV2, true, false),
            (.timestampEKUNotCritical, .timestamp, .rekorV2, true, false),
            (.timestampAfterCertificateExpiry, .certificate, .rekorV2, true, false),
            (.signatureOverOtherArtifact, .signature, .rekorV2, true, false),
            (.dsseSubjectMismatch, .artifact, .rekorV1, false, true),
            (.dssePayloadTypeWrong, .artifact, .rekorV2, true, true),
            (.otherIdentity, .identity, .rekorV1, false, false),
        ])
    func fault(
        _ fault: VirtualSigstore.Fault, check: VerificationCheck, log: VirtualSigstore.Log, timestamp: Bool,
        dsse: Bool
    ) async throws {
        let good = VirtualSigstore.Options(time: signingTime, log: log, timestamp: timestamp, dsse: dsse)
        _ = try await verify(good)
        var bad = good
        bad.faults = [fault]
        do {
            _ = try await verify(bad)
            Issue.record("\(fault) verified")
        } catch let error as VerificationError {
            #expect(error.check == check, "\(fault): \(error.message)")
        }
    }

    @Test(
        "keys and authorities are used only inside their validity windows in the trusted root (bounds inclusive)",
        arguments: [
            ("rekor", VirtualSigstore.Log.rekorV1, false, VerificationCheck.transparencyLog),
            ("ctlog", .rekorV1, false, .certificateTransparency),
            ("fulcio", .rekorV1, false, .certificate),
            ("tsa", .rekorV2, true, .timestamp),
        ])
    func validityWindows(service: String, log: VirtualSigstore.Log, timestamp: Bool, check: VerificationCheck) async throws {
        let options = VirtualSigstore.Options(time: signingTime, log: log, timestamp: timestamp)
        let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: options))
        let policy = VerificationPolicy(artifact: .data(Data(artifact)), identities: identity)
        func verifier(until end: Date) throws -> SigstoreVerifier {
            SigstoreVerifier(
                trustMaterial: try TrustMaterial(jsonData: virtual.trustedRootJSON(validUntil: [service: end])),
                configuration: cosignConfiguration(signedTimestamps: timestamp))
        }
        // Still valid an hour after signing: verifies.
        _ = try await verifier(until: signingTime.addingTimeInterval(3600)).verify(bundle, policy: policy)
        // Valid until exactly the time it vouched for (SCT at signing, integrated time +1 s, timestamp +2 s): verifies.
        let used: TimeInterval = ["ctlog": 0, "rekor": 1, "fulcio": 1, "tsa": 2][service]!
        _ = try await verifier(until: signingTime.addingTimeInterval(used)).verify(bundle, policy: policy)
        // Expired a minute before signing: refused by the check that uses that key.
        do {
            _ = try await verifier(until: signingTime.addingTimeInterval(-60)).verify(bundle, policy: policy)
            Issue.record("\(service) outside its window verified")
        } catch let error as VerificationError {
            #expect(error.check == check, "\(error.message)")
        }
    }

    @Test("duplicate log entries are refused (they could count twice toward a threshold)")
    func duplicateEntries() async throws {
        let json = try virtual.sign(artifact, options: .init(time: signingTime))
        var object = try JSONSerialization.jsonObject(with: Data(json)) as! [String: Any]
        var material = object["verificationMaterial"] as! [String: Any]
        let entries = material["tlogEntries"] as! [Any]
        material["tlogEntries"] = entries + entries
        object["verificationMaterial"] = material
        let bundle = try SigstoreBundle(jsonData: Array(try JSONSerialization.data(withJSONObject: object)))
        do {
            _ = try await verifier(cosignConfiguration(signedTimestamps: false))
                .verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
            Issue.record("duplicate entries verified")
        } catch let error as VerificationError {
            #expect(error.message.contains("duplicate"))
        }
    }

    @Test("a signed-entry timestamp that does not verify does not count; Rekor v2 alone needs a timestamp")
    func thresholds() async throws {
        // Rekor v2 without an RFC 3161 timestamp: no verified time.
        let v2 = VirtualSigstore.Options(time: signingTime, log: .rekorV2, timestamp: false)
        await #expect(throws: VerificationError(.timestamp, "")) { try await verify(v2) }
        // No log entry at all: the transparency-log threshold is not met.
        let none = VirtualSigstore.Options(time: signingTime, log: .none, timestamp: true)
        await #expect(throws: VerificationError(.transparencyLog, "")) { try await verify(none) }
        // ... unless the log is explicitly ignored (cosign --insecure-ignore-tlog with signed timestamps).
        let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: none))
        let ignoring = try verifier(.cosign(keyBased: false, ignoreTransparencyLog: true, useSignedTimestamps: true))
        _ = try await ignoring.verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
    }

    @Test("certificates are checked at the verified time, not now")
    func verifiedTimeNotNow() async throws {
        // The certificate expired long ago (10 minutes after signing); the log's time still vouches for it.
        let options = VirtualSigstore.Options(time: Date(timeIntervalSince1970: 1_710_000_000))
        _ = try await verify(options)
        // With the current time as the only observer (ignoring the log), the expired certificate is refused.
        let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: options))
        let now = try verifier(.cosign(keyBased: false, ignoreTransparencyLog: true))
        await #expect(throws: VerificationError(.certificate, "")) {
            try await now.verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
        }
    }

    @Test("batch verification keeps input order and reports each failure")
    func batch() async throws {
        let good = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: .init(time: signingTime)))
        let bad = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: .init(time: signingTime, faults: [.otherIdentity])))
        let policy = VerificationPolicy(artifact: .data(Data(artifact)), identities: identity)
        let items = (0..<20).map { (bundle: $0 % 3 == 0 ? bad : good, policy: policy) }
        let results = try await verifier(cosignConfiguration(signedTimestamps: false)).verify(items, maxConcurrency: 4)
        for (i, r) in results.enumerated() {
            switch r {
            case .success: #expect(i % 3 != 0)
            case .failure: #expect(i % 3 == 0)
            }
        }
    }
}

@Suite("Merkle proofs")
struct MerkleTests {
    @Test("inclusion proofs verify for every index of trees up to 40 leaves, and fail when moved")
    func inclusion() {
        for size in 1...40 {
            for index in 0..<size {
                let leaf = Array("leaf \(index)".utf8)
                let (proof, root) = VirtualSigstore.tree(leaf: leaf, index: index, size: size)
                let computed = Merkle.rootFromInclusionProof(
                    index: UInt64(index), size: UInt64(size), leafHash: Merkle.leafHash(leaf), proof: proof)
                #expect(computed == root)
                if size > 1 {
                    let moved = Merkle.rootFromInclusionProof(
                        index: UInt64((index + 1) % size), size: UInt64(size), leafHash: Merkle.leafHash(leaf), proof: proof)
                    #expect(moved != root)
                }
            }
        }
        #expect(Merkle.rootFromInclusionProof(index: 3, size: 3, leafHash: Merkle.leafHash([1]), proof: []) == nil)
    }

    /// RFC 9162 §2.1.4.1 SUBPROOF, to produce consistency proofs for the verifier.
    static func consistency(_ leaves: [[UInt8]], old m: Int) -> [[UInt8]] {
        func mth(_ d: ArraySlice<[UInt8]>) -> [UInt8] {
            if d.count == 1 { return d.first! }
            var k = 1
            while k * 2 < d.count { k *= 2 }
            return Merkle.nodeHash(mth(d.prefix(k)), mth(d.dropFirst(k)))
        }
        func subproof(_ m: Int, _ d: ArraySlice<[UInt8]>, _ complete: Bool) -> [[UInt8]] {
            let n = d.count
            if m == n { return complete ? [] : [mth(d)] }
            var k = 1
            while k * 2 < n { k *= 2 }
            if m <= k { return subproof(m, d.prefix(k), complete) + [mth(d.dropFirst(k))] }
            return subproof(m - k, d.dropFirst(k), false) + [mth(d.prefix(k))]
        }
        return subproof(m, leaves[...], true)
    }

    @Test("consistency proofs between every pair of sizes up to 24")
    func consistency() {
        let leaves = (0..<24).map { Merkle.leafHash(Array("entry \($0)".utf8)) }
        func root(_ n: Int) -> [UInt8] {
            func mth(_ d: ArraySlice<[UInt8]>) -> [UInt8] {
                if d.count == 1 { return d.first! }
                var k = 1
                while k * 2 < d.count { k *= 2 }
                return Merkle.nodeHash(mth(d.prefix(k)), mth(d.dropFirst(k)))
            }
            return mth(leaves.prefix(n))
        }
        for newSize in 1...24 {
            for oldSize in 1...newSize {
                let proof = oldSize == newSize ? [] : Self.consistency(Array(leaves.prefix(newSize)), old: oldSize)
                #expect(Merkle.verifyConsistency(
                    oldSize: UInt64(oldSize), newSize: UInt64(newSize), oldRoot: root(oldSize), newRoot: root(newSize), proof: proof))
                if oldSize < newSize {
                    #expect(!Merkle.verifyConsistency(
                        oldSize: UInt64(oldSize), newSize: UInt64(newSize), oldRoot: root(newSize), newRoot: root(newSize), proof: proof))
                }
            }
        }
    }
}
