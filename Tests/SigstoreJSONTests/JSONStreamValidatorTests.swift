import SigstoreCore
import SigstoreJSON
import SigstoreTesting
import Testing

@Suite("JSON checked in pieces")
struct JSONStreamValidatorTests {
    /// What a reader makes of a document: the top-level value's kind and extent, or the error message.
    enum Verdict: Equatable {
        case value(JSONParser.Kind, Range<Int>)
        case error(String)
    }

    /// The stream validator's verdict on `bytes` fed in pieces of `size` bytes.
    static func verdict(_ bytes: [UInt8], pieces size: Int) -> Verdict {
        verdict(bytes, cuts: Array(stride(from: size, to: bytes.count, by: size)))
    }

    /// The stream validator's verdict on `bytes` cut at `cuts`.
    static func verdict(_ bytes: [UInt8], cuts: [Int]) -> Verdict {
        var validator = JSONStreamValidator()
        do {
            var start = 0
            for end in cuts + [bytes.count] {
                try feed(&validator, bytes[start..<end])
                start = end
            }
            let kind = try validator.finish()
            return .value(kind, validator.valueStart!..<validator.valueEnd!)
        } catch let error as JSONError {
            return .error(error.message)
        } catch {
            return .error("\(error)")
        }
    }

    /// The whole-document reader's verdict; the extent is the document less its surrounding whitespace.
    static func expected(_ bytes: [UInt8]) -> Verdict {
        do {
            let kind = try JSONParser.validate(bytes)
            let space: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
            let first = bytes.firstIndex { !space.contains($0) }!
            let last = bytes.lastIndex { !space.contains($0) }! + 1
            return .value(kind, first..<last)
        } catch {
            return .error(error.message)
        }
    }

    static func feed(_ validator: inout JSONStreamValidator, _ bytes: some Collection<UInt8>) throws {
        let copy = Array(bytes)
        try copy.withUnsafeBytes { try validator.consume($0) }
    }

    static func check(_ bytes: [UInt8], sizes: [Int] = [1, 2, 3, 5, 8, 13, 64, .max]) {
        let reference = expected(bytes)
        for size in sizes {
            let ours = verdict(bytes, pieces: max(1, min(size, bytes.count)))
            #expect(ours == reference, "\(String(decoding: bytes, as: UTF8.self).debugDescription) in pieces of \(size)")
        }
    }

    @Test("4000 mutated documents, fed in pieces of 1 to 7 bytes and whole, get the verdict, error message, kind and extent of the whole-document reader")
    func differential() {
        let seeds = [
            #" {"a":[1,-2.5e+3,true,false,null,0,-0,10.25E-2],"b":{"c":"d\u00e9\n\"\\/"},"e":"\ud83d\ude00"}  "#,
            #"[{"spdxVersion":"SPDX-2.3","packages":[{"name":"x","versionInfo":"1.0"}]},0,1e-7,"é€😀"]"#,
            "\t{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"digest\":{\"sha256\":\"00\"}}],\"predicate\":{}}\n",
            "-12.5e3", " \"text\" ", "[[],{},[{}],\"\"]",
        ]
        let alphabet = Array(#"{}[]:,"\/ 0123456789.eE+-truefalsnxu\#u{00}\#u{1f}"#.utf8) + [0x0A, 0xC3, 0xA9, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0xFF]
        var accepted = 0
        for bytes in JSONParserTests.mutations(of: seeds, alphabet: alphabet, count: 4000, seed: 0x5eed_57) {
            Self.check(bytes, sizes: [1, 3, 7, .max])
            if case .value = Self.expected(bytes) { accepted += 1 }
        }
        #expect(accepted > 200 && accepted < 3800, "\(accepted) accepted")
    }

    @Test("documents that are valid, and the ways they break, split at every offset", arguments: [
        "{}", "[]", "0", "-0.5e-3", "1E+9", "true", "null", " false ", "\"\\u00e9\\n\"", "{\"a\":[1,{\"b\":null}],\"c\":\"é😀\"}",
        "", " ", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "01", "1.", "-", "tru", "truex", "nul", "\"\u{01}\"", "\"\\x\"",
        "{\"a\":1} x", "[\"\\u12\"]", "[\"\\u12g0\"]", "{'a':1}", "NaN", "1 2", "[1 2]", "{\"a\" 1}", "{,}", "[,1]", "{\"a\":1 \"b\":2}",
        "[1}", "{\"a\":1]", "\"abc", "\"\\", "1e", "1e+", "-a", "[-]", "{\"a\":}", "]", "}", ":", "tx", "[tx", "[tx]", "\"\\u00g",
        "\"\\u00g0\"", "\"\\u00", "{\"a\"", "{\"a\":1", "[1", "[", "\"\u{e9}", "\"é\"",
    ])
    func everySplit(_ text: String) {
        let bytes = Array(text.utf8)
        let reference = Self.expected(bytes)
        for cut in 0...bytes.count {
            #expect(Self.verdict(bytes, cuts: [cut]) == reference, "\(text.debugDescription) cut at \(cut)")
        }
    }

    @Test("UTF-8 is checked across piece boundaries: overlongs, surrogates, values past U+10FFFF and truncations are refused")
    func utf8() {
        let good: [[UInt8]] = [[0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xED, 0x9F, 0xBF]]
        let bad: [[UInt8]] = [
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80],
            [0xF5, 0x80, 0x80, 0x80], [0xC3], [0xE2, 0x82], [0x80], [0xFF], [0xC3, 0x28],
        ]
        for sequence in good + bad {
            for offset in 0..<10 {
                let text = [0x22] + Array(repeating: UInt8(ascii: "a"), count: offset) + sequence + Array("bcdefghijk\"".utf8)
                Self.check(text, sizes: [1, 2, 5, 9, .max])
            }
        }
    }

    @Test("nesting up to the reader's limit is accepted, one level more is refused")
    func depth() {
        for levels in [JSONParser.maxDepth, JSONParser.maxDepth + 1] {
            Self.check(Array((String(repeating: "[", count: levels) + String(repeating: "]", count: levels)).utf8), sizes: [7, .max])
            Self.check(Array((String(repeating: "{\"a\":", count: levels) + "1" + String(repeating: "}", count: levels)).utf8), sizes: [7, .max])
        }
    }

    @Test("errors name the byte, counted across pieces")
    func messages() {
        var validator = JSONStreamValidator()
        do {
            try Self.feed(&validator, Array(#"{"a":"#.utf8))
            try Self.feed(&validator, Array(#"1,"b":tru}"#.utf8))
            Issue.record("a bad literal passed")
        } catch let error as JSONError {
            #expect(error.message == "invalid JSON at byte 11: invalid literal")
        } catch {
            Issue.record("unexpected error \(error)")
        }
        var empty = JSONStreamValidator()
        #expect(throws: JSONError.self) { try empty.finish() }
    }
}
