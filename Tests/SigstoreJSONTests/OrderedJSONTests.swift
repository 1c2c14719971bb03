import Foundation
import SigstoreCore
import SigstoreJSON
import Testing

/// The writer against what Go's `encoding/json` writes (the escaping cosign's JSON has), and the reader's limits.
@Suite("OrderedJSON writer")
struct OrderedJSONTests {
    /// (input, Go with SetEscapeHTML(false), Go's default with HTML escaping).
    static let goEscaping: [(String, String, String)] = [
        ("plain", #""plain""#, #""plain""#),
        ("quote \" backslash \\", #""quote \" backslash \\""#, #""quote \" backslash \\""#),
        ("\n\r\t", #""\n\r\t""#, #""\n\r\t""#),
        ("\u{08}\u{0C}", #""\b\f""#, #""\b\f""#),
        ("\u{00}\u{01}\u{1F}", #""\u0000\u0001\u001f""#, #""\u0000\u0001\u001f""#),
        ("<a href=\"x\">&</a>", #""<a href=\"x\">&</a>""#, #""\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e""#),
        ("line\u{2028}para\u{2029}", #""line\u2028para\u2029""#, #""line\u2028para\u2029""#),
        ("é 😀 \u{7F}", "\"é 😀 \u{7F}\"", "\"é 😀 \u{7F}\""),
        ("/slash/", #""/slash/""#, #""/slash/""#),
    ]

    @Test("strings are escaped as Go escapes them, with and without HTML escaping", arguments: 0..<goEscaping.count)
    func escaping(_ index: Int) {
        let (input, plain, html) = Self.goEscaping[index]
        #expect(String(decoding: OrderedJSON.string(input).serialized(), as: UTF8.self) == plain)
        #expect(String(decoding: OrderedJSON.string(input).serialized(escapeHTML: true), as: UTF8.self) == html)
    }

    @Test("numbers are written as they were read; integers beyond 64 bits stay as written")
    func numbers() throws {
        for text in ["0", "-1", "9223372036854775807", "-9223372036854775808", "1.5", "-0.0", "1e300", "2E-7", "18446744073709551616"] {
            let value = try JSONParser.parse(Array("[\(text)]".utf8))
            #expect(String(decoding: value.serialized(), as: UTF8.self) == "[\(text)]")
        }
        #expect(try JSONParser.parse(Array("42".utf8)).int64Value == 42)
        #expect(try JSONParser.parse(Array("4.2".utf8)).int64Value == nil)
        #expect(try JSONParser.parse(Array("4.25".utf8)).doubleValue == 4.25)
    }

    @Test("nesting up to the limit is read; one level more is refused")
    func nesting() throws {
        let depth = JSONParser.maxDepth
        let fits = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONParser.validate(Array(fits.utf8)) }
        let deeper = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        #expect(throws: JSONError(.malformed, "")) { try JSONParser.parse(Array(deeper.utf8)) }
    }

    @Test("invalid UTF-8 is refused, in strings and outside them", arguments: [
        [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
        [0x22, 0xE2, 0x82, 0x22], [0x5B, 0xFF, 0x5D],
    ] as [[UInt8]])
    func invalidUTF8(_ bytes: [UInt8]) {
        #expect(throws: JSONError.self) { try JSONParser.validate(bytes) }
    }

    @Test("keys sorted as Go sorts map keys; member lookup; indentation as json.MarshalIndent")
    func shapes() throws {
        let value = try JSONParser.parse(Array(#"{"b":{"z":1,"a":[{"y":2,"x":3}]},"B":true,"a":"s"}"#.utf8))
        #expect(String(decoding: value.sortingKeys.serialized(), as: UTF8.self) == #"{"B":true,"a":"s","b":{"a":[{"x":3,"y":2}],"z":1}}"#)
        #expect(value["b"]?["z"]?.int64Value == 1)
        #expect(value["a"]?.stringValue == "s")
        #expect(value["B"]?.text == "true")
        #expect(value["missing"] == nil)
        let indented = String(decoding: OrderedJSON.object([("a", .array([.number(1)])), ("b", .object([]))]).indented("  "), as: UTF8.self)
        #expect(indented == "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}")
    }

    @Test("typed documents decode with one-line errors naming the document and path")
    func coding() throws {
        struct Doc: Decodable { var name: String; var count: Int }
        #expect(try JSONCoding.decode(Doc.self, from: Array(#"{"name":"n","count":2}"#.utf8), what: "doc").count == 2)
        #expect {
            try JSONCoding.decode(Doc.self, from: Array(#"{"name":"n"}"#.utf8), what: "doc")
        } throws: { error in
            (error as? JSONError)?.message == #"malformed doc: missing field "count""#
        }
        #expect(throws: JSONError(.tooLarge, "")) {
            try JSONCoding.decode(Doc.self, from: Array(repeating: 0x20, count: 11), what: "doc", limit: 10)
        }
    }
}

@Suite("base64url")
struct Base64URLTests {
    @Test("URL-safe encoding without padding, as JWTs use it (RFC 4648 §5 vectors)")
    func vectors() {
        let cases: [(String, String)] = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE")]
        for (plain, encoded) in cases {
            #expect(Base64.encodeURL(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64.encodeURL([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test("serialize(chunkSize:to:) hands over the bytes serialized() gives, in pieces, for payloads of every length around a chunk")
    func streamedSerialization() throws {
        for chunk in [3, 4, 7, 64] {
            for length in [0, 1, 2, 3, 62, 63, 64, 65, 66, 200] {
                let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
                let document = OrderedJSON.object([
                    ("mediaType", .string("application/x <&>")), ("payload", .base64(payload)),
                    ("list", .array([.number(1), .base64(payload), .null, .object([("k", .base64(payload))])])),
                ])
                var pieces: [[UInt8]] = []
                document.serialize(escapeHTML: true, chunkSize: chunk) { pieces.append($0) }
                #expect(pieces.joined().elementsEqual(document.serialized(escapeHTML: true)), "chunk \(chunk), length \(length)")
                #expect(pieces.allSatisfy { $0.count < chunk + 4 * chunk + 64 }, "a piece grew past its chunk")
            }
        }
    }

    @Test("FileSystem.writeAtomically(to:mode:_:) writes the pieces in order with the mode; a producer that throws leaves nothing")
    func streamedAtomicWrite() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stream-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/out.json"
        try FileSystem.writeAtomically(to: path, mode: 0o600) { write in
            try write(Array("first,".utf8))
            try write([])
            try write(Array("second".utf8))
        }
        #expect(try FileSystem.readFile(path) == Array("first,second".utf8))
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try FileSystem.writeAtomically(to: path, mode: 0o600) { write in
                try write(Array("partial".utf8))
                throw Stop()
            }
        }
        #expect(try FileSystem.readFile(path) == Array("first,second".utf8), "the old file is untouched")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out.json"], "no temporary file is left")
    }
}
