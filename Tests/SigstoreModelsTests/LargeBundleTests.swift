import Foundation
import SigstoreJSON
import SigstoreModels
import SigstoreTesting
import Testing

/// A bundle whose DSSE payload is large is decoded with the payload read straight from the document; the result is the
/// bundle the ordinary decoding gives, and its refusals are the same.
@Suite("Bundles with a large DSSE payload")
struct LargeBundleTests {
    /// A DSSE bundle's JSON with its payload replaced by the base64 of `payload`, written as `text` edits it.
    static func document(payload: [UInt8], edit: (String) -> String = { $0 }) throws -> (json: [UInt8], expected: SigstoreBundle) {
        let small = try BundleTests.json(.init(time: BundleTests.time, dsse: true))
        var expected = try SigstoreBundle(jsonData: small)
        guard case .dsseEnvelope(var envelope) = expected.content else { throw HarnessFailure("not a DSSE bundle") }
        let text = String(decoding: small, as: UTF8.self)
        let original = #""payload":""# + Base64.encode(envelope.payload.bytes) + "\""
        #expect(text.contains(original))
        let replaced = text.replacingOccurrences(of: original, with: #""payload":""# + edit(Base64.encode(payload)) + "\"")
        envelope.payload = Base64Bytes(payload)
        expected.content = .dsseEnvelope(envelope)
        return (Array(replaced.utf8), expected)
    }

    struct HarnessFailure: Error { let message: String; init(_ m: String) { message = m } }

    static let big = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) } + [UInt8](repeating: 0xFF, count: 30)

    @Test("a 3 MiB payload decodes to the same bundle as ordinary decoding gives, also when its '/' are escaped")
    func samePayload() throws {
        let (json, expected) = try Self.document(payload: Self.big)
        #expect(json.count > 4 << 20)
        let bundle = try SigstoreBundle(jsonData: json)
        #expect(bundle == expected)
        #expect(bundle.jsonData() == expected.jsonData())
        // An escaped solidus is legal JSON: the in-place path steps aside and the ordinary decoder reads it.
        let (escaped, escapedExpected) = try Self.document(payload: Self.big) { $0.replacingOccurrences(of: "/", with: "\\/") }
        #expect(try SigstoreBundle(jsonData: escaped) == escapedExpected)
    }

    @Test("a large bundle with bad base64, a duplicate member or invalid UTF-8 is refused")
    func refusals() throws {
        let (bad, _) = try Self.document(payload: Self.big) { "!" + $0.dropFirst() }
        #expect(throws: BundleError.self) { try SigstoreBundle(jsonData: bad) }
        let (json, _) = try Self.document(payload: Self.big)
        let text = String(decoding: json, as: UTF8.self)
        let duplicated = text.replacingOccurrences(of: #""payloadType":"#, with: #""payloadType":"x","payloadType":"#)
        #expect(throws: BundleError.self) { try SigstoreBundle(jsonData: Array(duplicated.utf8)) }
        var invalid = json
        invalid[invalid.count - 2] = 0xFF
        #expect(throws: BundleError.self) { try SigstoreBundle(jsonData: invalid) }
    }
}
