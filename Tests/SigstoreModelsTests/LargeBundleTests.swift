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

    @Test("init(ownedJSON:) gives the same bundles as init(jsonData:) (large, escaped, small) and refuses the same documents")
    func ownedDocument() throws {
        let (json, expected) = try Self.document(payload: Self.big)
        #expect(try SigstoreBundle(ownedJSON: json) == expected)
        let (escaped, escapedExpected) = try Self.document(payload: Self.big) { $0.replacingOccurrences(of: "/", with: "\\/") }
        #expect(try SigstoreBundle(ownedJSON: escaped) == escapedExpected)
        let small = try BundleTests.json(.init(time: BundleTests.time, dsse: true))
        #expect(try SigstoreBundle(ownedJSON: small) == SigstoreBundle(jsonData: small))
        // Payload lengths of every remainder, padded and not, decode in place to the bytes ordinary decoding gives.
        for extra in 0..<3 {
            let payload = Array(Self.big.prefix((1 << 20) + extra))
            let (document, expectedBundle) = try Self.document(payload: payload)
            #expect(try SigstoreBundle(ownedJSON: document) == expectedBundle, "extra \(extra)")
        }
        let (bad, _) = try Self.document(payload: Self.big) { "!" + $0.dropFirst() }
        #expect(throws: BundleError.self) { try SigstoreBundle(ownedJSON: bad) }
        var invalid = json
        invalid[invalid.count - 2] = 0xFF
        #expect(throws: BundleError.self) { try SigstoreBundle(ownedJSON: invalid) }
    }

    @Test("Base64.decodeInPlace decodes a range into the start of its buffer and drops the rest; refuses what decode refuses")
    func base64InPlace() throws {
        for length in [0, 1, 2, 3, 4, 5, 1000, 4099] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
            for prefix in [0, 1, 17] {
                var buffer = [UInt8](repeating: 0x41, count: prefix) + Array(Base64.encode(bytes).utf8) + Array(#"","x":1}"#.utf8)
                let range = prefix..<(prefix + Base64.encode(bytes).utf8.count)
                #expect(Base64.decodeInPlace(&buffer, range: range), "length \(length), prefix \(prefix)")
                #expect(buffer == bytes, "length \(length), prefix \(prefix)")
            }
        }
        for bad in ["A", "AB=C", "AB$D", "ABCD=", "===="] {
            var buffer = Array(bad.utf8)
            #expect(!Base64.decodeInPlace(&buffer, range: 0..<buffer.count), "\(bad)")
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
    }
}
