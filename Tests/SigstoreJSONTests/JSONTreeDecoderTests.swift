import Foundation
import SigstoreCore
import SigstoreJSON
import Testing

/// JSONCoding's strict decoding (one pass of JSONParser, then a decoder over the tree) against Foundation's
/// JSONDecoder on the same documents: the same values, or both refused.
@Suite("strict documents decode as Foundation's JSONDecoder decodes them")
struct JSONTreeDecoderTests {
    struct Inner: Decodable, Equatable {
        var name: String
        var size: Int?
    }
    struct Document: Decodable, Equatable {
        var text: String
        var count: Int
        var big: Int64?
        var small: UInt8?
        var ratio: Double?
        var flag: Bool?
        var items: [Inner]?
        var map: [String: String]?
        var matrix: [[Int]]?
        var optionalText: String?
    }

    static let documents: [String] = [
        #"{"text":"a","count":1}"#,
        #"{"text":"a","count":1,"big":9223372036854775807,"small":255,"ratio":0.5,"flag":true}"#,
        #"{"text":"a","count":1,"items":[{"name":"x"},{"name":"y","size":2}],"map":{"k":"v","":"e"},"matrix":[[1,2],[]]}"#,
        #"{"text":"a","count":1,"optionalText":null,"items":null}"#,
        #"{"text":"é\u00e9\n","count":-0}"#,
        #"{"text":"a","count":1.0}"#,
        #"{"text":"a","count":1e2}"#,
        #"{"text":"a","count":1.5}"#,
        #"{"text":"a","count":"1"}"#,
        #"{"text":"a","count":1e400}"#,
        #"{"text":"a","count":9223372036854775808}"#,
        #"{"text":"a","count":1,"small":256}"#,
        #"{"text":"a","count":1,"small":-1}"#,
        #"{"text":"a","count":1,"ratio":"0.5"}"#,
        #"{"text":"a","count":1,"ratio":1}"#,
        #"{"text":"a","count":1,"flag":1}"#,
        #"{"text":1,"count":1}"#,
        #"{"text":null,"count":1}"#,
        #"{"count":1}"#,
        #"{"text":"a"}"#,
        #"{"text":"a","count":1,"items":[{"size":1}]}"#,
        #"{"text":"a","count":1,"items":[null]}"#,
        #"{"text":"a","count":1,"items":{}}"#,
        #"{"text":"a","count":1,"map":[]}"#,
        #"{"text":"a","count":1,"map":{"k":1}}"#,
        #"{"text":"a","count":1,"matrix":[[1,"2"]]}"#,
        #"[]"#, #""text""#, #"null"#,
        #"{"text":"a","count":1,"unknown":{"deep":[1,2,{"x":null}]}}"#,
    ]

    @Test("the same values, or both refused", arguments: documents)
    func agrees(_ text: String) {
        let bytes = Array(text.utf8)
        let foundation = try? JSONDecoder().decode(Document.self, from: Data(bytes))
        let ours = try? JSONCoding.decode(Document.self, from: bytes, what: "document", strict: true)
        #expect(ours == foundation, "\(text)")
    }

    @Test("errors name the field and its path as before")
    func errors() {
        func message(_ text: String) -> String {
            do {
                _ = try JSONCoding.decode(Document.self, from: Array(text.utf8), what: "doc", strict: true)
                return "decoded"
            } catch {
                return (error as? JSONError)?.message ?? "\(error)"
            }
        }
        #expect(message(#"{"count":1}"#) == #"malformed doc: missing field "text""#)
        #expect(message(#"{"text":"a","count":1,"items":[{"size":1}]}"#) == #"malformed doc: missing field "name" at items[0]"#)
        #expect(message(#"{"text":1,"count":1}"#).hasPrefix("malformed doc: unexpected value at text: "))
        #expect(message(#"{"text":"a","count":1.5}"#).hasPrefix("malformed doc: "))
        #expect(message(#"{"text":"a","text":"b","count":1}"#).contains(#"duplicate key "text""#))
        #expect(message(#"{"text":"a","count":1"#).hasPrefix("malformed doc: "))
    }
}
