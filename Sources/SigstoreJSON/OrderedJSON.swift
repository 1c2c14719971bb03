/// A JSON value whose objects keep their member order, for writing documents byte for byte in the field order other
/// Sigstore implementations use (Foundation's `JSONEncoder` does not keep order on every platform).
public enum OrderedJSON: Hashable, Sendable {
    case string(String)
    case number(Int64)
    /// JSON text written verbatim (a number that is not an integer, as it was read).
    case raw(String)
    /// Bytes written as a standard, padded base64 string, encoded straight into the output (no intermediate string).
    case base64([UInt8])
    case bool(Bool)
    case null
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    public static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool { lhs.serialized() == rhs.serialized() }
    public func hash(into hasher: inout Hasher) { hasher.combine(serialized()) }

    /// Compact serialization. Strings are escaped as Go's `encoding/json` does, except that `<`, `>` and `&` are
    /// left alone unless `escapeHTML` is set.
    public func serialized(escapeHTML: Bool = false) -> [UInt8] {
        var out = [UInt8]()
        write(into: &out, escapeHTML: escapeHTML, chunkSize: .max) { _ in }
        return out
    }

    /// ``serialized(escapeHTML:)`` handed to `sink` in pieces of about `chunkSize` bytes, the same bytes in order: a
    /// document with a large base64 payload is written out without ever being whole in memory.
    public func serialize(escapeHTML: Bool = false, chunkSize: Int = 1 << 20, to sink: ([UInt8]) throws -> Void) rethrows {
        var out = [UInt8]()
        out.reserveCapacity(chunkSize + 4096)
        try write(into: &out, escapeHTML: escapeHTML, chunkSize: max(chunkSize, 3), sink: sink)
        if !out.isEmpty { try sink(out) }
    }

    /// Appends the serialization to `out`, handing `out` to `sink` (and emptying it) whenever it holds `chunkSize`
    /// bytes or more; a base64 payload longer than `chunkSize` is encoded a chunk at a time.
    private func write(into out: inout [UInt8], escapeHTML: Bool, chunkSize: Int, sink: ([UInt8]) throws -> Void) rethrows {
        switch self {
        case .string(let s): Self.writeString(s, into: &out, escapeHTML: escapeHTML)
        case .number(let n): out.append(contentsOf: String(n).utf8)
        case .raw(let text): out.append(contentsOf: text.utf8)
        case .base64(let bytes):
            out.append(UInt8(ascii: "\""))
            let step = chunkSize >= bytes.count ? max(bytes.count, 1) : chunkSize / 3 * 3
            var start = 0
            while start < bytes.count {
                let end = min(start + step, bytes.count)
                bytes.withUnsafeBufferPointer { Base64.encode(UnsafeBufferPointer(rebasing: $0[start..<end]), into: &out) }
                if out.count >= chunkSize {
                    try sink(out)
                    out.removeAll(keepingCapacity: true)
                }
                start = end
            }
            out.append(UInt8(ascii: "\""))
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try item.write(into: &out, escapeHTML: escapeHTML, chunkSize: chunkSize, sink: sink)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &out, escapeHTML: escapeHTML)
                out.append(UInt8(ascii: ":"))
                try value.write(into: &out, escapeHTML: escapeHTML, chunkSize: chunkSize, sink: sink)
            }
            out.append(UInt8(ascii: "}"))
        }
        if out.count >= chunkSize {
            try sink(out)
            out.removeAll(keepingCapacity: true)
        }
    }

    /// Go's `json.MarshalIndent(v, "", indent)`: one member or element per line, `"key": value`, empty containers as
    /// `{}` and `[]`, HTML characters escaped; no trailing newline.
    public func indented(_ indent: String) -> [UInt8] {
        var out = [UInt8]()
        writeIndented(into: &out, indent: Array(indent.utf8), level: 0)
        return out
    }

    private func writeIndented(into out: inout [UInt8], indent: [UInt8], level: Int) {
        func newline(_ level: Int) {
            out.append(UInt8(ascii: "\n"))
            for _ in 0..<level { out.append(contentsOf: indent) }
        }
        switch self {
        case .array(let items) where !items.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                item.writeIndented(into: &out, indent: indent, level: level + 1)
            }
            newline(level)
            out.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                Self.writeString(key, into: &out, escapeHTML: true)
                out.append(contentsOf: Array(": ".utf8))
                value.writeIndented(into: &out, indent: indent, level: level + 1)
            }
            newline(level)
            out.append(UInt8(ascii: "}"))
        default:
            write(into: &out, escapeHTML: true, chunkSize: .max) { _ in }
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ s: String, into out: inout [UInt8], escapeHTML: Bool) {
        var s = s
        out.append(UInt8(ascii: "\""))
        s.withUTF8 { bytes in
            // Runs of bytes that need no escape are copied in one piece: a base64 payload of tens of megabytes is
            // written at memory speed.
            if bytes.count > 1 << 16 { out.reserveCapacity(out.count + bytes.count + 2) }
            var runStart = 0
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                // U+2028 and U+2029 (E2 80 A8/A9) are escaped whatever `escapeHTML` says, as Go does.
                let separator = byte == 0xE2 && i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9)
                let plain = byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && !separator
                    && (!escapeHTML || (byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "&")))
                if plain {
                    i += 1
                    continue
                }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                if separator {
                    out.append(contentsOf: (bytes[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                    i += 3
                    runStart = i
                    continue
                }
                i += 1
                runStart = i
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: "\\r".utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: "\\t".utf8)
                case 0x08: out.append(contentsOf: "\\b".utf8)
                case 0x0C: out.append(contentsOf: "\\f".utf8)
                default:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xf)])
                }
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// A type that can describe itself as ordered JSON.
public protocol OrderedJSONRepresentable {
    /// The JSON value, members in the order they are to be written.
    var orderedJSON: OrderedJSON { get }
}

extension Base64Bytes: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON { .base64(bytes) }
}

extension Int64String: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON { .string(String(value)) }
}

extension OrderedJSON {
    /// Builds an object, leaving out members whose value is nil.
    public static func members(_ pairs: [(String, OrderedJSON?)]) -> OrderedJSON {
        .object(pairs.compactMap { key, value in value.map { (key, $0) } })
    }
}

extension OrderedJSON {
    /// The value of member `key` when this is an object (the first such member), else nil.
    public subscript(key: String) -> OrderedJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The members when this is an object.
    public var objectMembers: [(String, OrderedJSON)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements when this is an array.
    public var arrayValue: [OrderedJSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// The text when this is a string.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value when this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The value when this is an integer number (one that fits in 64 bits, written without fraction or exponent).
    public var int64Value: Int64? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The value when this is a number of any form, as a `Double`.
    public var doubleValue: Double? {
        switch self {
        case .number(let value): Double(value)
        case .raw(let text): Double(text)
        default: nil
        }
    }
}

extension OrderedJSON {
    /// The value with every object's members sorted by key (byte order), as Go's `encoding/json` writes a map.
    public var sortingKeys: OrderedJSON {
        switch self {
        case .array(let items): .array(items.map(\.sortingKeys))
        case .object(let members):
            .object(members.map { ($0.0, $0.1.sortingKeys) }.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) })
        default: self
        }
    }

    /// The value as text: a string as it is, anything else as its compact JSON.
    public var text: String {
        if case .string(let value) = self { return value }
        return String(decoding: serialized(), as: UTF8.self)
    }
}
