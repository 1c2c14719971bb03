import Foundation
import SigstoreCore
import SigstoreModels
import Testing

/// SigningConfig v0.2: read, written, read back; services picked by validity.
@Suite("Signing configs")
struct SigningConfigTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    static let config = SigningConfig(
        caURLs: [.init(url: "https://fulcio.test", majorAPIVersion: 1, validFrom: start)],
        oidcURLs: [.init(url: "https://oauth.test", majorAPIVersion: 1, validFrom: start)],
        rekorTlogURLs: [
            .init(url: "https://rekor-v2.test", majorAPIVersion: 2, validFrom: start, operatorName: "test"),
            .init(url: "https://rekor.test", majorAPIVersion: 1, validFrom: start, validUntil: start.addingTimeInterval(3600)),
        ],
        rekorTlogSelector: .any, tsaURLs: [.init(url: "https://tsa.test/api/v1/timestamp", majorAPIVersion: 1, validFrom: start)],
        tsaSelector: .exact(1))

    @Test("a config written in code reads back equal")
    func roundTrip() throws {
        let data = Self.config.jsonData()
        #expect(try SigningConfig(jsonData: data) == Self.config)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(SigningConfig.mediaTypeV02))
        #expect(text.contains(#""end": "2023-11-14T23:13:20Z""#))
    }

    @Test("a service is valid inside its window only: from its start, until (not at) its end")
    func validity() {
        let rekor = Self.config.rekorTlogURLs[1]
        #expect(rekor.isValid(at: Self.start) && rekor.isValid(at: Self.start.addingTimeInterval(3599)))
        #expect(!rekor.isValid(at: Self.start.addingTimeInterval(-1)) && !rekor.isValid(at: Self.start.addingTimeInterval(3600)))
        #expect(Self.config.rekorTlogURLs[0].isValid(at: Self.start.addingTimeInterval(1e9)))
    }

    @Test(
        "malformed configs are refused",
        arguments: [
            "{", #"{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.1+json"}"#,
            #"{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","caUrls":[{"url":"https://x","validFor":{"start":"tomorrow"}}]}"#,
            #"{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","rekorTlogConfig":{"selector":"SOME"}}"#,
        ])
    func refused(json: String) {
        #expect(throws: (any Error).self) { try SigningConfig(jsonData: Array(json.utf8)) }
    }
}
