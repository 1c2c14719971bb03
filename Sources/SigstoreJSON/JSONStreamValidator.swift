public import SigstoreCore

/// Checks one JSON document handed over in pieces, accepting exactly what ``JSONParser/validate(_:rejectingDuplicateKeys:)``
/// accepts (duplicate member names allowed): UTF-8, escapes, number grammar, nesting up to ``JSONParser/maxDepth``,
/// whitespace only around the top-level value. It keeps no part of the document, so a file of any size is checked with
/// the memory of the piece being read — while something else (a key's scrypt) holds the rest of the budget.
///
/// ```swift
/// var validator = JSONStreamValidator()
/// while let piece = next() { try piece.withUnsafeBytes { try validator.consume($0) } }
/// let kind = try validator.finish()
/// ```
public struct JSONStreamValidator: Sendable {
    private enum State: UInt8 {
        /// Before the top-level value.
        case start
        /// A value is required (after `:`, or `,` in an array).
        case value
        /// After `[`: a value or `]`.
        case arrayFirst
        /// After `{`: a member name or `}`.
        case objectFirst
        /// After `,` in an object: a member name.
        case name
        /// After a member name.
        case colon
        /// After a value inside a container: `,` or the container's end.
        case afterValue
        /// After the top-level value: whitespace only.
        case end
        case string, escape, unicode, utf8
        case minus, zero, integer, dot, fraction, exponent, exponentSign, exponentDigits
        case literal
    }

    private var state = State.start
    /// Whether the string being read is a member name.
    private var inName = false
    /// The open containers, innermost last: true for an object.
    private var containers: [Bool] = []
    /// Bytes consumed before the current piece.
    private var consumed = 0
    /// Hex digits left in a `\u` escape, or continuation bytes left in a UTF-8 sequence.
    private var pending = 0
    /// The range of the next UTF-8 continuation byte.
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF
    /// The literal being matched (`true`, `false` or `null`) and how much of it has been.
    private var literal: StaticString = "null"
    private var literalIndex = 0
    /// Where the token being read started (a literal, a `\u` escape's `u`, a UTF-8 sequence's lead byte): errors in it
    /// name that byte, as the whole-document reader does, and a mismatch is reported only once the token is complete
    /// (a token cut short by the end of the document is reported as such).
    private var tokenStart = 0
    private var tokenBad = false

    /// The kind of the top-level value, once its first byte has been read.
    public private(set) var kind: JSONParser.Kind?
    /// The offset of the top-level value's first byte, once read.
    public private(set) var valueStart: Int?
    /// The offset just past the top-level value, once it is complete.
    public private(set) var valueEnd: Int?

    /// A validator at the start of a document.
    public init() {}

    /// Checks the next piece of the document.
    public mutating func consume(_ piece: UnsafeRawBufferPointer) throws(JSONError) {
        guard let start = piece.baseAddress else { return }
        let bytes = UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: piece.count)
        var i = 0
        let n = bytes.count
        while i < n {
            let byte = bytes[i]
            switch state {
            case .string:
                i = JSONParser.skipPlainASCII(bytes, from: i)
                while i < n {
                    let b = bytes[i]
                    if b >= 0x20 && b < 0x80 && b != 0x22 && b != 0x5C {
                        i += 1
                        continue
                    }
                    break
                }
                guard i < n else { break }
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    if inName { state = .colon } else { try valueComplete(at: i + 1) }
                } else if b == UInt8(ascii: "\\") {
                    state = .escape
                } else if b < 0x20 {
                    throw failure(at: i, "control character in a string")
                } else {
                    try startUTF8(b, at: i)
                }
                i += 1
            case .start, .value, .arrayFirst, .objectFirst, .name, .colon, .afterValue, .end:
                if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                    i += 1
                    continue
                }
                try structural(byte, at: i)
                i += 1
            case .escape:
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    state = .string
                case UInt8(ascii: "u"):
                    (state, pending, tokenStart, tokenBad) = (.unicode, 4, consumed + i, false)
                default: throw failure(at: i, "invalid escape")
                }
                i += 1
            case .unicode:
                if !Self.isHex(byte) { tokenBad = true }
                pending -= 1
                i += 1
                if pending == 0 {
                    if tokenBad { throw failure(offset: tokenStart, "invalid \\u escape") }
                    state = .string
                }
            case .utf8:
                guard byte >= low && byte <= high else { throw failure(offset: tokenStart, "invalid UTF-8") }
                (low, high) = (0x80, 0xBF)
                pending -= 1
                if pending == 0 { state = .string }
                i += 1
            case .minus:
                guard Self.isDigit(byte) else { throw failure(at: i, "invalid value") }
                state = byte == UInt8(ascii: "0") ? .zero : .integer
                i += 1
            case .zero, .integer, .fraction, .exponentDigits:
                if state != .zero {
                    while i < n, Self.isDigit(bytes[i]) { i += 1 }
                    guard i < n else { break }
                }
                let b = bytes[i]
                if b == UInt8(ascii: "."), state == .zero || state == .integer {
                    state = .dot
                    i += 1
                } else if b == UInt8(ascii: "e") || b == UInt8(ascii: "E"), state != .exponentDigits {
                    state = .exponent
                    i += 1
                } else {
                    // The number ended before this byte, which is read again in the state that follows it.
                    try valueComplete(at: i)
                }
            case .dot:
                guard Self.isDigit(byte) else { throw failure(at: i, "invalid number") }
                state = .fraction
                i += 1
            case .exponent:
                if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                    state = .exponentSign
                } else if Self.isDigit(byte) {
                    state = .exponentDigits
                } else {
                    throw failure(at: i, "invalid number")
                }
                i += 1
            case .exponentSign:
                guard Self.isDigit(byte) else { throw failure(at: i, "invalid number") }
                state = .exponentDigits
                i += 1
            case .literal:
                if byte != literal.withUTF8Buffer({ $0[literalIndex] }) { tokenBad = true }
                literalIndex += 1
                i += 1
                if literalIndex == literal.utf8CodeUnitCount {
                    if tokenBad { throw failure(offset: tokenStart, "invalid literal") }
                    try valueComplete(at: i)
                }
            }
        }
        consumed += n
    }

    /// Ends the document: throws unless it held exactly one complete value; returns that value's kind.
    @discardableResult
    public mutating func finish() throws(JSONError) -> JSONParser.Kind {
        // The whole-document reader's words for a document that stops here.
        if state == .zero || state == .integer || state == .fraction || state == .exponentDigits { try valueComplete(at: 0) }
        switch state {
        case .end, .zero, .integer, .fraction, .exponentDigits: break
        case .start, .value, .arrayFirst: throw failure(at: 0, "unexpected end of input")
        case .objectFirst, .name: throw failure(at: 0, "expected a string key")
        case .colon: throw failure(at: 0, "expected ':'")
        case .afterValue: throw failure(at: 0, "unexpected end of input in \(containers.last! ? "an object" : "an array")")
        case .string, .escape: throw failure(at: 0, "unterminated string")
        case .unicode: throw failure(offset: tokenStart, "truncated \\u escape")
        case .utf8: throw failure(offset: tokenStart, "invalid UTF-8")
        case .minus: throw failure(at: 0, "invalid value")
        case .dot, .exponent, .exponentSign: throw failure(at: 0, "invalid number")
        case .literal: throw failure(offset: tokenStart, "unexpected end of input")
        }
        guard let kind else { throw failure(at: 0, "unexpected end of input") }
        return kind
    }

    // MARK: - Steps

    /// A whitespace state meets a byte that is not whitespace.
    private mutating func structural(_ byte: UInt8, at i: Int) throws(JSONError) {
        switch state {
        case .start:
            (kind, valueStart) = (Self.kind(of: byte), consumed + i)
            try beginValue(byte, at: i)
        case .value:
            try beginValue(byte, at: i)
        case .arrayFirst:
            if byte == UInt8(ascii: "]") { return try close(at: i) }
            try beginValue(byte, at: i)
        case .objectFirst, .name:
            if byte == UInt8(ascii: "}"), state == .objectFirst { return try close(at: i) }
            guard byte == UInt8(ascii: "\"") else { throw failure(at: i, "expected a string key") }
            (state, inName) = (.string, true)
        case .colon:
            guard byte == UInt8(ascii: ":") else { throw failure(at: i, "expected ':'") }
            state = .value
        case .afterValue:
            let object = containers[containers.count - 1]
            if byte == UInt8(ascii: ",") {
                state = object ? .name : .value
            } else if byte == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                try close(at: i)
            } else {
                throw failure(at: i, object ? "expected ',' or '}'" : "expected ',' or ']'")
            }
        case .end:
            throw failure(at: i, "unexpected data after the top-level value")
        default:
            preconditionFailure("not a whitespace state")
        }
    }

    private mutating func beginValue(_ byte: UInt8, at i: Int) throws(JSONError) {
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard containers.count < JSONParser.maxDepth else {
                throw failure(at: i, "nested deeper than \(JSONParser.maxDepth) levels")
            }
            let object = byte == UInt8(ascii: "{")
            containers.append(object)
            state = object ? .objectFirst : .arrayFirst
        case UInt8(ascii: "\""): (state, inName) = (.string, false)
        case UInt8(ascii: "t"): (state, literal, literalIndex, tokenStart, tokenBad) = (.literal, "true", 1, consumed + i, false)
        case UInt8(ascii: "f"): (state, literal, literalIndex, tokenStart, tokenBad) = (.literal, "false", 1, consumed + i, false)
        case UInt8(ascii: "n"): (state, literal, literalIndex, tokenStart, tokenBad) = (.literal, "null", 1, consumed + i, false)
        case UInt8(ascii: "-"): state = .minus
        case UInt8(ascii: "0"): state = .zero
        case UInt8(ascii: "1")...UInt8(ascii: "9"): state = .integer
        default: throw failure(at: i, "invalid value")
        }
    }

    /// The container closed by the byte at `i`.
    private mutating func close(at i: Int) throws(JSONError) {
        containers.removeLast()
        try valueComplete(at: i + 1)
    }

    /// A value ended just before offset `end` of the current piece.
    private mutating func valueComplete(at end: Int) throws(JSONError) {
        if containers.isEmpty {
            state = .end
            valueEnd = consumed + end
        } else {
            state = .afterValue
        }
    }

    /// The lead byte of a multi-byte UTF-8 sequence (RFC 3629: no overlongs, surrogates or values past U+10FFFF).
    private mutating func startUTF8(_ lead: UInt8, at i: Int) throws(JSONError) {
        (low, high, tokenStart) = (0x80, 0xBF, consumed + i)
        switch lead {
        case 0xC2...0xDF: pending = 1
        case 0xE0: (pending, low) = (2, 0xA0)
        case 0xE1...0xEC, 0xEE...0xEF: pending = 2
        case 0xED: (pending, high) = (2, 0x9F)
        case 0xF0: (pending, low) = (3, 0x90)
        case 0xF1...0xF3: pending = 3
        case 0xF4: (pending, high) = (3, 0x8F)
        default: throw failure(at: i, "invalid UTF-8")
        }
        state = .utf8
    }

    /// An error at offset `i` of the current piece.
    private func failure(at i: Int, _ what: String) -> JSONError { failure(offset: consumed + i, what) }

    private func failure(offset: Int, _ what: String) -> JSONError {
        JSONError(.malformed, "invalid JSON at byte \(offset): \(what)")
    }

    private static func kind(of byte: UInt8) -> JSONParser.Kind {
        switch byte {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        default: .number
        }
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    @inline(__always)
    private static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20) &- UInt8(ascii: "a") < 6
    }
}
