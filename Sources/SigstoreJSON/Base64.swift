#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Bytes carried as base64 in the protobuf JSON mapping.
///
/// Decoding accepts the standard and URL-safe alphabets with or without padding, as protojson does; encoding
/// writes standard base64 with padding.
public struct Base64Bytes: Decodable, Hashable, Sendable {
    /// The decoded bytes.
    public var bytes: [UInt8]

    /// Wraps bytes.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let bytes = Base64.decode(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "invalid base64 data"))
        }
        self.bytes = bytes
    }
}

/// An int64 in the protobuf JSON mapping: written as a decimal string, read from a string or a number.
public struct Int64String: Decodable, Hashable, Sendable {
    /// The value.
    public var value: Int64

    /// Wraps a value.
    public init(_ value: Int64) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            guard let v = Int64(s) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "\"\(s)\" is not an int64"))
            }
            value = v
        } else {
            value = try c.decode(Int64.self)
        }
    }
}

/// Standard base64 (RFC 4648 §4).
public enum Base64 {
    /// Encodes with the standard alphabet and padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        func text(_ input: UnsafeBufferPointer<UInt8>) -> String {
            String(unsafeUninitializedCapacity: (input.count + 2) / 3 * 4) { output in encode(input, to: output) }
        }
        if let result = bytes.withContiguousStorageIfAvailable(text) { return result }
        return Array(bytes).withUnsafeBufferPointer(text)
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Values of base64 characters (both alphabets); 0xFF for anything else.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Appends standard, padded base64 of `bytes` to `out`.
    public static func encode(_ bytes: [UInt8], into out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { encode($0, into: &out) }
    }

    /// Two base64 characters for each 12-bit value, the first in the low byte: six input bytes become eight
    /// characters with four lookups.
    private static let pairs: [UInt16] = (0..<4096).map { UInt16(alphabet[$0 >> 6]) | UInt16(alphabet[$0 & 63]) << 8 }

    /// Appends standard, padded base64 of `input` to `out`.
    public static func encode(_ input: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let start = out.count
        let length = (input.count + 2) / 3 * 4
        out.reserveCapacity(start + length)
        out.append(contentsOf: repeatElement(0, count: length))
        out.withUnsafeMutableBufferPointer { _ = encode(input, to: UnsafeMutableBufferPointer(rebasing: $0[start...])) }
    }

    /// Writes standard, padded base64 of `input` at the start of `output` (room for it assumed); returns its length.
    private static func encode(_ input: UnsafeBufferPointer<UInt8>, to output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let count = input.count
        var i = 0
        var o = 0
        // Eight bytes read (big-endian), the first six encoded, while eight are there to read.
        if let source = UnsafeRawPointer(input.baseAddress), let target = UnsafeMutableRawPointer(output.baseAddress) {
            pairs.withUnsafeBufferPointer { pairs in
                while i + 8 <= count {
                    let word = UInt64(bigEndian: source.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let chars =
                        UInt64(pairs[Int(truncatingIfNeeded: word >> 52)])
                        | UInt64(pairs[Int(truncatingIfNeeded: word >> 40 & 0xFFF)]) << 16
                        | UInt64(pairs[Int(truncatingIfNeeded: word >> 28 & 0xFFF)]) << 32
                        | UInt64(pairs[Int(truncatingIfNeeded: word >> 16 & 0xFFF)]) << 48
                    target.storeBytes(of: chars.littleEndian, toByteOffset: o, as: UInt64.self)
                    i += 6
                    o += 8
                }
            }
        }
        alphabet.withUnsafeBufferPointer { table in
            while i + 3 <= count {
                let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                output[o] = table[Int(n >> 18 & 63)]
                output[o + 1] = table[Int(n >> 12 & 63)]
                output[o + 2] = table[Int(n >> 6 & 63)]
                output[o + 3] = table[Int(n & 63)]
                i += 3
                o += 4
            }
            guard i < count else { return }
            let second = count - i == 2 ? UInt32(input[i + 1]) : 0
            let n = UInt32(input[i]) << 16 | second << 8
            output[o] = table[Int(n >> 18 & 63)]
            output[o + 1] = table[Int(n >> 12 & 63)]
            output[o + 2] = count - i == 2 ? table[Int(n >> 6 & 63)] : UInt8(ascii: "=")
            output[o + 3] = UInt8(ascii: "=")
            o += 4
        }
        return o
    }

    /// Decodes standard or URL-safe base64, padding optional; nil on any other character, on padding anywhere but
    /// the end, or on a length no encoding produces. Decodes straight into the result (one pass, no copies).
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(bytes: $0) }
    }

    /// Decodes base64 text given as bytes (the rules of ``decode(_:)``).
    public static func decode(bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let base = bytes.baseAddress else { return bytes.isEmpty ? [] : nil }
        var ok = true
        let out = [UInt8](unsafeUninitializedCapacity: bytes.count / 4 * 3 + 2) { output, initialized in
            guard let count = decode(base, count: bytes.count, into: output.baseAddress!) else {
                ok = false
                initialized = 0
                return
            }
            initialized = count
        }
        return ok ? out : nil
    }

    /// Decodes the base64 text at `range` of `buffer` into the start of `buffer` and drops everything after the
    /// decoded bytes, so that a large payload inside a document becomes the buffer itself, with no second allocation
    /// (the rules of ``decode(_:)``). Returns false, leaving `buffer` in an unspecified state, when the text is not
    /// base64.
    public static func decodeInPlace(_ buffer: inout [UInt8], range: Range<Int>) -> Bool {
        precondition(range.lowerBound >= 0 && range.upperBound <= buffer.count, "range outside the buffer")
        let count: Int? = buffer.withUnsafeMutableBufferPointer { whole in
            guard let base = whole.baseAddress else { return range.isEmpty ? 0 : nil }
            // Output position 3k trails input position lowerBound + 4k: each group is read before it can be written.
            return decode(base + range.lowerBound, count: range.count, into: base)
        }
        guard let count else { return false }
        buffer.removeSubrange(count...)
        return true
    }

    /// The decoding loop: `n` bytes of base64 at `input` into `output` (which may be `input` or before it, not
    /// after); the number of bytes written, or nil for text that is not base64.
    private static func decode(_ input: UnsafePointer<UInt8>, count: Int, into output: UnsafeMutablePointer<UInt8>) -> Int? {
        var n = count
        if n % 4 == 0 {
            var stripped = 0
            while stripped < 2, n > 0, input[n - 1] == UInt8(ascii: "=") {
                n -= 1
                stripped += 1
            }
        }
        guard n % 4 != 1 else { return nil }
        return values.withUnsafeBufferPointer { table -> Int? in
            var i = 0
            var o = 0
            while i + 4 <= n {
                let a = table[Int(input[i])], b = table[Int(input[i + 1])], c = table[Int(input[i + 2])], d = table[Int(input[i + 3])]
                guard (a | b | c | d) & 0xC0 == 0 else { return nil }
                let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                output[o] = UInt8(v >> 16 & 0xFF)
                output[o + 1] = UInt8(v >> 8 & 0xFF)
                output[o + 2] = UInt8(v & 0xFF)
                i += 4
                o += 3
            }
            let rest = n - i
            if rest >= 2 {
                let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                let c = rest == 3 ? table[Int(input[i + 2])] : 0
                guard (a | b | c) & 0xC0 == 0 else { return nil }
                let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
                output[o] = UInt8(v >> 16 & 0xFF)
                o += 1
                if rest == 3 {
                    output[o] = UInt8(v >> 8 & 0xFF)
                    o += 1
                }
            }
            return o
        }
    }

    /// Encodes with the URL-safe alphabet and no padding (RFC 4648 §5), as JWTs and PKCE use it.
    public static func encodeURL(_ bytes: some Collection<UInt8>) -> String {
        var text = encode(bytes)
        while text.last == "=" { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    /// Decodes strict standard base64 (padding required), as Go's `base64.StdEncoding`.
    public static func decodeStrict(_ text: some StringProtocol) -> [UInt8]? {
        guard text.utf8.count % 4 == 0 else { return nil }
        return Data(base64Encoded: String(text)).map(Array.init)
    }
}
