public import SigstoreCore

/// A strict RFC 8259 JSON reader over bytes, for documents users hand to cosign (predicates, statements) where the
/// exact text matters: numbers are kept as written, object members in document order, and a document can be checked
/// without building it, so a predicate of tens of megabytes is validated in one linear pass and embedded as it is.
public enum JSONParser {
    /// The kind of a document's top-level value.
    public enum Kind: String, Sendable {
        case object, array, string, number, bool, null
    }

    /// Deepest nesting accepted.
    public static let maxDepth = 512

    /// Parses a whole document (surrounding whitespace allowed).
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> OrderedJSON {
        try withBuffer(bytes) { buffer throws(JSONError) in
            var reader = Reader(buffer: buffer, build: true)
            let value = try reader.document()
            return value
        }
    }

    /// Parses a whole document as ``validate(_:rejectingDuplicateKeys:)`` checks it with duplicate keys refused.
    static func parseRejectingDuplicateKeys(_ bytes: some Collection<UInt8>) throws(JSONError) -> OrderedJSON {
        try parse(bytes, rejectingDuplicateKeys: true)
    }

    /// Parses a whole document; with `rejectingDuplicateKeys`, an object naming a member twice is an error (see
    /// ``validate(_:rejectingDuplicateKeys:)``).
    public static func parse(_ bytes: some Collection<UInt8>, rejectingDuplicateKeys: Bool) throws(JSONError) -> OrderedJSON {
        try withBuffer(bytes) { buffer throws(JSONError) in
            var reader = Reader(buffer: buffer, build: true)
            reader.rejectDuplicates = rejectingDuplicateKeys
            return try reader.document()
        }
    }

    /// Parses a whole document, building only the top-level members named in `keeping` (when the top level is an
    /// object); every other member is checked but left out, so a statement's large predicate costs one scan.
    public static func parse(_ bytes: some Collection<UInt8>, keepingTopLevel keeping: Set<String>) throws(JSONError) -> OrderedJSON {
        try withBuffer(bytes) { buffer throws(JSONError) in
            var reader = Reader(buffer: buffer, build: true)
            reader.keepTopLevel = keeping
            return try reader.document()
        }
    }

    /// Checks `bytes` as ``validate(_:rejectingDuplicateKeys:)`` does (duplicate keys refused) and, in the same pass,
    /// finds the string at `path` (member names from the top-level object down): where its text lies, quotes excluded,
    /// or nil when the path leads elsewhere or the string has escapes. Lets a reader decode a large value (a DSSE
    /// payload's base64) straight from the document instead of through a copy.
    public static func validate(_ bytes: UnsafeBufferPointer<UInt8>, locatingPlainString path: [String]) throws(JSONError) -> Range<Int>? {
        var reader = Reader(buffer: bytes, build: false)
        reader.rejectDuplicates = true
        reader.locate = path
        _ = try reader.documentKind()
        return reader.located
    }

    /// Checks that `bytes` is one well-formed JSON document (UTF-8) and returns the kind of its top-level value; builds
    /// nothing. With `rejectingDuplicateKeys`, an object naming a member twice is an error, as Go's protojson (which
    /// reads every Sigstore document) refuses it: readers that keep the first or the last would disagree.
    @discardableResult
    public static func validate(_ bytes: some Collection<UInt8>, rejectingDuplicateKeys: Bool = false) throws(JSONError) -> Kind {
        try withBuffer(bytes) { buffer throws(JSONError) in
            var reader = Reader(buffer: buffer, build: false)
            reader.rejectDuplicates = rejectingDuplicateKeys
            return try reader.documentKind()
        }
    }

    /// The names of the top-level object's members, found by a quick structural scan that checks nothing else: nil
    /// when the document does not look like an object. Enough to tell document formats apart before a full parse
    /// (which then checks everything).
    public static func topLevelKeys(_ bytes: some Collection<UInt8>) -> [String]? {
        let found: [String]?? = bytes.withContiguousStorageIfAvailable { buffer in topLevelKeys(buffer) }
        if let found { return found }
        return Array(bytes).withUnsafeBufferPointer { topLevelKeys($0) }
    }

    private static func topLevelKeys(_ buffer: UnsafeBufferPointer<UInt8>) -> [String]? {
        var index = 0
        func skipWhitespace() {
            while index < buffer.count, [0x20, 0x09, 0x0A, 0x0D].contains(buffer[index]) { index += 1 }
        }
        /// Moves past the string opening at `index`; false when it does not end.
        func skipString() -> Bool {
            index += 1
            while true {
                index = skipPlainASCII(buffer, from: index)
                guard index < buffer.count else { return false }
                switch buffer[index] {
                case UInt8(ascii: "\""): index += 1; return true
                case UInt8(ascii: "\\"): index += 2
                default: index += 1
                }
            }
        }
        skipWhitespace()
        guard index < buffer.count, buffer[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var keys: [String] = []
        while true {
            skipWhitespace()
            guard index < buffer.count else { return nil }
            if buffer[index] == UInt8(ascii: "}") { return keys }
            guard buffer[index] == UInt8(ascii: "\"") else { return nil }
            let start = index
            guard skipString() else { return nil }
            guard case .string(let key)? = try? parse(UnsafeBufferPointer(rebasing: buffer[start..<index])) else { return nil }
            keys.append(key)
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            // The value: up to the comma or brace that closes it at this level.
            var depth = 0
            while true {
                guard index < buffer.count else { return nil }
                let byte = buffer[index]
                if byte == UInt8(ascii: "\"") {
                    guard skipString() else { return nil }
                    continue
                }
                if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
                if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                    if depth == 0 { break }
                    depth -= 1
                }
                if byte == UInt8(ascii: ","), depth == 0 { break }
                index += 1
            }
            if buffer[index] == UInt8(ascii: ",") { index += 1 }
        }
    }

    private static func withBuffer<R>(
        _ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(JSONError) -> R
    ) throws(JSONError) -> R {
        let result: Result<R, JSONError>? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(JSONError) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        let second: Result<R, JSONError> = copy.withUnsafeBufferPointer { buffer in
            do throws(JSONError) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        return try second.get()
    }

    private struct Reader {
        let buffer: UnsafeBufferPointer<UInt8>
        var build: Bool
        var keepTopLevel: Set<String>?
        var position = 0
        var depth = 0
        var rejectDuplicates = false
        /// A member path to find a plain string at (``JSONParser/validate(_:locatingPlainString:)``), the path of the
        /// member being read, and where the string was found.
        var locate: [String] = []
        var path: [String] = []
        var located: Range<Int>?
        /// Whether the last string read had no escapes, and where its text lies (quotes excluded).
        var lastStringPlain = true
        var lastStringRange = 0..<0
        /// The names of the members of the objects being read, innermost last, for refusing duplicates by comparing
        /// bytes: no String or set per object while only plain names come.
        var names: [Range<Int>] = []

        init(buffer: UnsafeBufferPointer<UInt8>, build: Bool) {
            self.buffer = buffer
            self.build = build
        }

        mutating func document() throws(JSONError) -> OrderedJSON {
            skipWhitespace()
            let value = try value()
            try end()
            return value
        }

        mutating func documentKind() throws(JSONError) -> Kind {
            skipWhitespace()
            let kind = try peekKind()
            _ = try value()
            try end()
            return kind
        }

        private mutating func end() throws(JSONError) {
            skipWhitespace()
            if position != buffer.count { throw failure("unexpected data after the top-level value") }
        }

        private func failure(_ what: String) -> JSONError {
            JSONError(.malformed, "invalid JSON at byte \(position): \(what)")
        }

        private mutating func skipWhitespace() {
            while position < buffer.count {
                switch buffer[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        private func peekKind() throws(JSONError) -> Kind {
            guard position < buffer.count else { throw failure("unexpected end of input") }
            switch buffer[position] {
            case UInt8(ascii: "{"): return .object
            case UInt8(ascii: "["): return .array
            case UInt8(ascii: "\""): return .string
            case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
            case UInt8(ascii: "n"): return .null
            default: return .number
            }
        }

        private mutating func value() throws(JSONError) -> OrderedJSON {
            guard position < buffer.count else { throw failure("unexpected end of input") }
            switch buffer[position] {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            // Checking alone builds nothing: `.null` stands for every value read and not kept.
            case UInt8(ascii: "\""):
                let text = try string()
                return build ? .string(text) : .null
            case UInt8(ascii: "t"): try literal("true"); return build ? .bool(true) : .null
            case UInt8(ascii: "f"): try literal("false"); return build ? .bool(false) : .null
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        private mutating func enter() throws(JSONError) {
            depth += 1
            if depth > JSONParser.maxDepth { throw failure("nested deeper than \(JSONParser.maxDepth) levels") }
        }

        private mutating func object() throws(JSONError) -> OrderedJSON {
            try enter()
            position += 1
            var members: [(String, OrderedJSON)] = []
            skipWhitespace()
            if position < buffer.count, buffer[position] == UInt8(ascii: "}") {
                position += 1
                depth -= 1
                return build ? .object(members) : .null
            }
            // Names compare as bytes until a name with escapes comes, or the object has many members: then as
            // decoded strings, in a set.
            let namesBase = names.count
            var seen: Set<String>?
            defer { names.removeSubrange(namesBase...) }
            while true {
                skipWhitespace()
                guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else {
                    throw failure("expected a string key")
                }
                let key = try string(key: true)
                if rejectDuplicates, !insertName(key, base: namesBase, seen: &seen) {
                    throw failure("duplicate key \"\(key.isEmpty ? String(decoding: UnsafeBufferPointer(rebasing: buffer[lastStringRange]), as: UTF8.self) : key)\"")
                }
                skipWhitespace()
                guard position < buffer.count, buffer[position] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                position += 1
                skipWhitespace()
                let member: OrderedJSON?
                if !locate.isEmpty { path.append(key) }
                defer { if !locate.isEmpty { path.removeLast() } }
                if !locate.isEmpty, path == locate, position < buffer.count, buffer[position] == UInt8(ascii: "\"") {
                    let start = position + 1
                    member = .string(try string())
                    if lastStringPlain { located = start..<(position - 1) }
                } else if build, depth == 1, let keep = keepTopLevel, !keep.contains(key) {
                    build = false
                    _ = try value()
                    build = true
                    member = nil
                } else {
                    member = try value()
                }
                if build, let member { members.append((key, member)) }
                skipWhitespace()
                guard position < buffer.count else { throw failure("unexpected end of input in an object") }
                if buffer[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard buffer[position] == UInt8(ascii: "}") else { throw failure("expected ',' or '}'") }
                position += 1
                depth -= 1
                return build ? .object(members) : .null
            }
        }

        /// Records the name just read (`key`, or empty where the name is plain and nothing is built) among the members
        /// of the object whose names start at `base`; false when the object already has it.
        private mutating func insertName(_ key: String, base: Int, seen: inout Set<String>?) -> Bool {
            let range = lastStringRange
            if seen == nil, lastStringPlain, names.count - base < 32 {
                let name = UnsafeBufferPointer(rebasing: buffer[range])
                for other in names[base...] where other.count == range.count {
                    if UnsafeBufferPointer(rebasing: buffer[other]).elementsEqual(name) { return false }
                }
                names.append(range)
                return true
            }
            if seen == nil {
                seen = Set(names[base...].map { String(decoding: UnsafeBufferPointer(rebasing: buffer[$0]), as: UTF8.self) })
            }
            let name =
                !key.isEmpty || range.isEmpty ? key
                : String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
            return seen!.insert(name).inserted
        }

        private mutating func array() throws(JSONError) -> OrderedJSON {
            try enter()
            position += 1
            var items: [OrderedJSON] = []
            skipWhitespace()
            if position < buffer.count, buffer[position] == UInt8(ascii: "]") {
                position += 1
                depth -= 1
                return build ? .array(items) : .null
            }
            while true {
                skipWhitespace()
                let item = try value()
                if build { items.append(item) }
                skipWhitespace()
                guard position < buffer.count else { throw failure("unexpected end of input in an array") }
                if buffer[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard buffer[position] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
                position += 1
                depth -= 1
                return build ? .array(items) : .null
            }
        }

        private mutating func literal(_ word: StaticString) throws(JSONError) {
            let count = word.utf8CodeUnitCount
            guard position + count <= buffer.count else { throw failure("unexpected end of input") }
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
            for i in 0..<count where buffer[position + i] != expected[i] { throw failure("invalid literal") }
            position += count
        }

        private mutating func number() throws(JSONError) -> OrderedJSON {
            let start = position
            func digit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
            if position < buffer.count, buffer[position] == UInt8(ascii: "-") { position += 1 }
            guard position < buffer.count, digit(buffer[position]) else { throw failure("invalid value") }
            if buffer[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                while position < buffer.count, digit(buffer[position]) { position += 1 }
            }
            if position < buffer.count, buffer[position] == UInt8(ascii: ".") {
                position += 1
                guard position < buffer.count, digit(buffer[position]) else { throw failure("invalid number") }
                while position < buffer.count, digit(buffer[position]) { position += 1 }
            }
            if position < buffer.count, buffer[position] == UInt8(ascii: "e") || buffer[position] == UInt8(ascii: "E") {
                position += 1
                if position < buffer.count, buffer[position] == UInt8(ascii: "+") || buffer[position] == UInt8(ascii: "-") {
                    position += 1
                }
                guard position < buffer.count, digit(buffer[position]) else { throw failure("invalid number") }
                while position < buffer.count, digit(buffer[position]) { position += 1 }
            }
            guard build else { return .null }
            let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<position]), as: UTF8.self)
            if let integer = Int64(text) { return .number(integer) }
            return .raw(text)
        }

        /// Reads a string (the opening quote at `position`), checking escapes and UTF-8; decodes it when building.
        private mutating func string(key: Bool = false) throws(JSONError) -> String {
            position += 1
            let start = position
            var plain = true
            while true {
                position = JSONParser.skipPlainASCII(buffer, from: position)
                guard position < buffer.count else { throw failure("unterminated string") }
                let byte = buffer[position]
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 { throw failure("control character in a string") }
                if byte == UInt8(ascii: "\\") {
                    plain = false
                    position += 1
                    guard position < buffer.count else { throw failure("unterminated string") }
                    switch buffer[position] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                        UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        position += 1
                    case UInt8(ascii: "u"):
                        guard position + 4 < buffer.count else { throw failure("truncated \\u escape") }
                        for i in 1...4 where Self.hexValue(buffer[position + i]) == nil { throw failure("invalid \\u escape") }
                        position += 5
                    default: throw failure("invalid escape")
                    }
                } else if byte < 0x80 {
                    position += 1
                } else {
                    position += try utf8Sequence(at: position)
                }
            }
            let end = position
            position += 1
            lastStringPlain = plain
            lastStringRange = start..<end
            // Checking alone, a name is decoded only where it has escapes or a member path is being followed.
            guard build || (key && ((rejectDuplicates && !plain) || !locate.isEmpty)) else { return "" }
            let raw = UnsafeBufferPointer(rebasing: buffer[start..<end])
            if plain { return String(decoding: raw, as: UTF8.self) }
            return Self.unescape(raw)
        }

        /// The length of the well-formed UTF-8 sequence at `index` (RFC 3629: no overlongs, surrogates or values past
        /// U+10FFFF).
        private func utf8Sequence(at index: Int) throws(JSONError) -> Int {
            let lead = buffer[index]
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: throw failure("invalid UTF-8")
            }
            guard index + length <= buffer.count else { throw failure("invalid UTF-8") }
            let second = buffer[index + 1]
            guard second >= low && second <= high else { throw failure("invalid UTF-8") }
            for i in 2..<length where buffer[index + i] & 0xC0 != 0x80 { throw failure("invalid UTF-8") }
            return length
        }

        private static func hexValue(_ byte: UInt8) -> UInt16? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt16(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt16(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt16(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        /// Decodes the escapes of an already-checked string body. Unpaired surrogates become U+FFFD, as Go does.
        private static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String {
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var i = 0
            func code(at index: Int) -> UInt16 {
                (1...4).reduce(0) { $0 << 4 | hexValue(raw[index + $1])! }
            }
            func append(_ scalar: Unicode.Scalar) { out.append(contentsOf: Array(String(Character(scalar)).utf8)) }
            while i < raw.count {
                let byte = raw[i]
                guard byte == UInt8(ascii: "\\") else {
                    out.append(byte)
                    i += 1
                    continue
                }
                let kind = raw[i + 1]
                i += 2
                switch kind {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    let first = code(at: i - 1)
                    i += 4
                    if (0xD800...0xDBFF).contains(first), i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"),
                        raw[i + 1] == UInt8(ascii: "u")
                    {
                        let second = code(at: i + 1)
                        if (0xDC00...0xDFFF).contains(second) {
                            let value = 0x10000 + (UInt32(first - 0xD800) << 10) + UInt32(second - 0xDC00)
                            append(Unicode.Scalar(value)!)
                            i += 6
                            continue
                        }
                    }
                    append(Unicode.Scalar(UInt32(first)) ?? "\u{FFFD}")
                default: out.append(kind)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

extension JSONParser {
    /// The first index from `start` where 8 bytes in a row are not all plain string text (printable ASCII other
    /// than `"` and `\\`): long runs of such text (base64, hex, names) are passed a word at a time; the byte loop
    /// checks what is left.
    @inline(__always)
    static func skipPlainASCII(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = buffer.baseAddress else { return start }
        var index = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while index + 8 <= buffer.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            // Any byte >= 0x80, < 0x20, equal to '"' (0x22) or to '\\' (0x5C) stops the run (exact tests).
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let special = (word | (word &- ones &* 0x20) | (quote &- ones) & ~quote | (backslash &- ones) & ~backslash) & highs
            if special != 0 { break }
            index += 8
        }
        return index
    }
}
