import Foundation
import SigstoreModels
import SigstoreTesting
import Testing
import SigstoreCore

@Suite("Trusted root parsing")
struct TrustedRootTests {
    // Needs ../shared/vectors (or SWIFT_COSIGN_VECTORS): skipped where it is absent, a failure under CI=true.
    @Test("every trusted root in the shared vectors parses, and a bad media type is refused", .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func vectors() throws {
        let vectors = try Requirement.sharedVectors()
        let files = FileManager.default.enumerator(atPath: vectors.path)?.compactMap { $0 as? String } ?? []
        var parsed = 0
        for file in files where file.hasSuffix(".json") && file.contains("trust") && !file.contains("trust_config") {
            let data = try Data(contentsOf: vectors.appendingPathComponent(file))
            guard String(decoding: data.prefix(400), as: UTF8.self).contains("trustedroot") || file.contains("trustedroot") else { continue }
            if file.hasSuffix("trustedroot.badtype.json") {
                #expect(throws: BundleError.self) { try TrustedRoot(jsonData: Array(data)) }
                continue
            }
            do {
                let root = try TrustedRoot(jsonData: Array(data))
                #expect(!(root.tlogs.isEmpty && root.certificateAuthorities.isEmpty && root.timestampAuthorities.isEmpty), "\(file)")
                parsed += 1
            } catch {
                // Upstream fixtures that are meant to be unusable as trust material.
                print("trusted root refused: \(file): \(error)")
                let name = file.lowercased()
                #expect(name.contains("fail") || name.contains("bad") || name.contains("invalid") || name.contains("missing"),
                        "\(file): \(error)")
            }
        }
        #expect(parsed > 40)
        let production = try TrustedRoot(jsonData: Array(Data(contentsOf: vectors.appendingPathComponent("trusted_roots/public-good-production.json"))))
        let rekor = try #require(production.tlogs.first { $0.baseURL == "https://rekor.sigstore.dev" })
        #expect(rekor.publicKey.keyDetails == "PKIX_ECDSA_P256_SHA_256")
        #expect(rekor.publicKey.validFor?.start == TimeRange.parseRFC3339("2021-01-12T11:53:27Z"))
        #expect(production.certificateAuthorities.allSatisfy { !$0.certificateChain.isEmpty })
    }

    @Test("validity windows are inclusive and timestamps strict")
    func timeRanges() throws {
        let start = try #require(TimeRange.parseRFC3339("2024-01-01T00:00:00Z"))
        let end = try #require(TimeRange.parseRFC3339("2024-01-02T00:00:00.5Z"))
        let range = TimeRange(start: start, end: end)
        #expect(range.contains(start) && range.contains(end))
        #expect(!range.contains(end.addingTimeInterval(0.001)))
        #expect(TimeRange.parseRFC3339("yesterday") == nil)
        let bad = #"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[{"baseUrl":"x","hashAlgorithm":"SHA2_256","publicKey":{"rawBytes":"AA==","keyDetails":"PKIX_ECDSA_P256_SHA_256","validFor":{"start":"soon"}},"logId":{"keyId":"AA=="}}]}"#
        #expect(throws: BundleError.self) { try TrustedRoot(jsonData: Array(bad.utf8)) }
        let unknown = #"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","surprise":1}"#
        #expect(throws: BundleError.self) { try TrustedRoot(jsonData: Array(unknown.utf8)) }
    }
}
