import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreModels
import SigstoreTesting
import Testing

@Suite("JSON reader for predicates")
struct JSONParserTests {
    /// `count` documents, each a seed (in turn) with one to three bytes inserted, removed or replaced by bytes of
    /// `alphabet`, from a seeded generator.
    static func mutations(of seeds: [String], alphabet: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
        var generator = SplitMix64(state: seed)
        return (0..<count).map { i in
            var bytes = Array(seeds[i % seeds.count].utf8)
            for _ in 0..<(1 + Int(generator.next() % 3)) {
                let position = Int(generator.next() % UInt64(bytes.count + 1))
                switch generator.next() % 3 {
                case 0: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: position)
                case 1: if position < bytes.count { bytes.remove(at: position) }
                default: if position < bytes.count { bytes[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))] }
                }
            }
            return bytes
        }
    }

    @Test("well-formed documents parse with numbers and member order kept")
    func parses() throws {
        let text = #" {"b":1,"a":[true,false,null,-0.5e3,"x\u00e9\n\ud83d\ude00"],"c":{}} "#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(String(decoding: value.serialized(), as: UTF8.self) == #"{"b":1,"a":[true,false,null,-0.5e3,"xé\n😀"],"c":{}}"#)
        #expect(try JSONParser.validate(Array(text.utf8)) == .object)
        #expect(try JSONParser.validate(Array("[1]".utf8)) == .array)
        #expect(try JSONParser.validate(Array(#""s""#.utf8)) == .string)
    }

    @Test("long strings are read a word at a time: a quote, backslash, control or non-ASCII byte at any offset is still seen")
    func longStrings() throws {
        for offset in 0..<24 {
            let before = String(repeating: "a", count: offset)
            let after = String(repeating: "b", count: 23 - offset)
            func read(_ middle: [UInt8]) throws(JSONError) -> OrderedJSON {
                try JSONParser.parse(Array("\"\(before)".utf8) + middle + Array("\(after)\"".utf8))
            }
            #expect(try read(Array("c".utf8)) == .string(before + "c" + after))
            #expect(try read(Array(#"\n"#.utf8)) == .string(before + "\n" + after), "escape at \(offset)")
            #expect(try read(Array("é".utf8)) == .string(before + "é" + after), "UTF-8 at \(offset)")
            #expect(throws: JSONError.self, "control byte at \(offset)") { try read([0x1F]) }
            #expect(throws: JSONError.self, "bad UTF-8 at \(offset)") { try read([0xC0, 0x80]) }
            #expect(throws: JSONError.self, "quote at \(offset)") { try read(Array("\"".utf8)) }
            #expect(try read([0x7F, 0x20]) == .string(before + "\u{7F} " + after))
        }
    }

    @Test("the top-level keys of an object, by a structural scan")
    func topLevelKeys() {
        let text = #" {"a":{"b":[1,"}",{"]":2}]},"mediaType" : "x","c\u0041":"\"}\\","d":[[]] } "#
        #expect(JSONParser.topLevelKeys(Array(text.utf8)) == ["a", "mediaType", "cA", "d"])
        #expect(JSONParser.topLevelKeys(Array("{}".utf8)) == [])
        for broken in ["[1]", "\"s\"", "{\"a\":1", "{\"a\" 1}", "{\"a\":\"x}", "{\"a\":[}", ""] {
            #expect(JSONParser.topLevelKeys(Array(broken.utf8)) == nil, "\(broken)")
        }
    }

    @Test("top-level members can be left unbuilt but are still checked")
    func keeping() throws {
        let text = #"{"predicate":{"big":[1,2,{"x":"y"}]},"predicateType":"t","subject":[]}"#
        let value = try JSONParser.parse(Array(text.utf8), keepingTopLevel: ["predicateType", "subject"])
        #expect(String(decoding: value.serialized(), as: UTF8.self) == #"{"predicateType":"t","subject":[]}"#)
        #expect(throws: JSONError.self) {
            try JSONParser.parse(Array(#"{"predicate":{"big":[1,]},"predicateType":"t"}"#.utf8), keepingTopLevel: ["predicateType"])
        }
        let statement = InTotoStatement(payload: Array(#"{"_type":"x","subject":[null,{"name":"a","digest":{"sha256":"00"}}],"predicate":{"a":1},"predicateType":"p"}"#.utf8))
        #expect(statement?.subject?.count == 2)
        #expect(statement?.subject?[1]?.digest == ["sha256": "00"])
        #expect(InTotoStatement(payload: Array(#"{"subject":[{"digest":{"sha256":1}}]}"#.utf8)) == nil)
        #expect(InTotoStatement(payload: Array(#"{"predicateType":"p","predicate":{"a":}}"#.utf8)) == nil)
    }

    @Test("malformed documents are refused", arguments: [
        "", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "01", "1.", "-", "tru", "\"\u{01}\"", "\"\\x\"", "{\"a\":1} x", "[\"\\u12\"]",
        "{'a':1}", "NaN",
    ])
    func refuses(_ text: String) {
        #expect(throws: JSONError.self) { try JSONParser.validate(Array(text.utf8)) }
        #expect(throws: JSONError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("differential: 4000 mutated documents get the same verdict as Python's strict json module")
    func differential() throws {
        let seeds = [
            #"{"a":[1,-2.5e+3,true,false,null],"b":{"c":"d\u00e9\n"},"e":"\ud83d\ude00"}"#,
            #"[{"spdxVersion":"SPDX-2.3","packages":[{"name":"x","versionInfo":"1.0"}]},0,1e-7,"é"]"#,
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"00"}}],"predicate":{}}"#,
        ]
        let alphabet = Array(#"{}[]:,"\/ 0123456789.eE+-truefalsnxu\#u{00}\#u{1f}"#.utf8) + [0xC3, 0xA9, 0xED, 0xA0, 0x80, 0xFF]
        let documents = Self.mutations(of: seeds, alphabet: alphabet, count: 4000, seed: 0x5eed)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("interop/json_verdicts.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let hex = documents.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n") + "\n"
        let writer = Thread { input.fileHandleForWriting.write(Data(hex.utf8)); try? input.fileHandleForWriting.close() }
        writer.start()
        let verdicts = output.fileHandleForReading.readDataToEndOfFile().split(separator: UInt8(ascii: "\n")).map { $0 == Data("1".utf8) }
        process.waitUntilExit()
        try #require(verdicts.count == documents.count)
        var accepted = 0
        for (document, expected) in zip(documents, verdicts) {
            let ours = (try? JSONParser.validate(document)) != nil
            #expect(ours == expected, "\(String(decoding: document, as: UTF8.self)): ours \(ours), python \(expected)")
            if ours { _ = try JSONParser.parse(document) }
            accepted += expected ? 1 : 0
        }
        // Both verdicts occur (the mutations are neither all harmless nor all fatal).
        #expect(accepted > 200 && accepted < 3800, "\(accepted) accepted")
    }

    @Test("duplicate member names are refused however they are written, and only within one object")
    func duplicateNames() throws {
        func refused(_ text: String) -> Bool {
            (try? JSONParser.validate(Array(text.utf8), rejectingDuplicateKeys: true)) == nil
        }
        // Plain names compare as bytes; a name with escapes is the same name as its plain spelling.
        #expect(refused(#"{"a":1,"b":2,"a":3}"#))
        #expect(refused(#"{"a":1,"a":2}"#))
        #expect(refused(#"{"a":1,"a":2}"#))
        #expect(refused(#"{"":1,"":2}"#))
        #expect(!refused(#"{"a":1,"ab":2,"b":3,"":4}"#))
        // The same names in nested and sibling objects are not duplicates.
        #expect(!refused(#"{"a":{"a":1,"b":{"a":2}},"b":[{"a":1},{"a":2}]}"#))
        #expect(refused(#"{"x":{"a":1},"y":{"a":1,"c":0,"a":2}}"#))
        // Past 32 members the names go into a set: a late duplicate is still found.
        let many = (0..<40).map { #""k\#($0)":\#($0)"# }
        #expect(!refused("{" + many.joined(separator: ",") + "}"))
        #expect(refused("{" + (many + [#""k3":0"#]).joined(separator: ",") + "}"))
        #expect(refused("{" + (many + [#""k3":0"#]).joined(separator: ",") + "}"))
        // Without the option, duplicates pass the check; the message names the duplicate.
        #expect((try? JSONParser.validate(Array(#"{"a":1,"a":2}"#.utf8))) == .object)
        do {
            try JSONParser.validate(Array(#"{"sig":1,"sig":2}"#.utf8), rejectingDuplicateKeys: true)
            Issue.record("a duplicate key passed")
        } catch {
            #expect(error.message.contains(#"duplicate key "sig""#), "\(error.message)")
        }
    }

    @Test("invalid UTF-8 and excessive nesting are refused")
    func limits() {
        #expect(throws: JSONError.self) { try JSONParser.validate([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONError.self) { try JSONParser.validate([0x22, 0xED, 0xA0, 0x80, 0x22]) }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONError.self) { try JSONParser.validate(Array(deep.utf8)) }
    }
}

@Suite("base64")
struct Base64Tests {
    @Test("encoding and decoding agree with Foundation; URL-safe and unpadded input is read; bad input is refused")
    func agrees() {
        var generator = SplitMix64(state: 64)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let foundation = Data(bytes).base64EncodedString()
            var out: [UInt8] = []
            Base64.encode(bytes, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == foundation)
            #expect(Base64.encode(bytes) == foundation)
            #expect(Base64.encode(bytes.lazy.map { $0 }) == foundation)
            var appended = Array("prefix:".utf8)
            Base64.encode(bytes, into: &appended)
            #expect(String(decoding: appended, as: UTF8.self) == "prefix:" + foundation)
            #expect(String(decoding: OrderedJSON.base64(bytes).serialized(), as: UTF8.self) == "\"\(foundation)\"")
            #expect(Base64.decode(foundation) == bytes)
            let urlSafe = String(foundation.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }).replacingOccurrences(of: "=", with: "")
            #expect(Base64.decode(urlSafe) == bytes)
        }
        for bad in ["A", "A===", "QQ=", "Q=Q=", "QQ==QQ==", "QQ ==", "QQ\n==", "QUJD*", "===="] {
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
        #expect(Base64.decode("") == [])
    }
}
