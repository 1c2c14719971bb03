import SigstoreJSON
import SigstoreCore

/// OLPC canonical JSON, the form TUF signs: object members sorted by key (code point order), no whitespace, strings
/// with only `"` and `\` escaped (every other character written as it is, in UTF-8), integers only.
///
/// It is computed over the value tree as received, so fields this client does not know are kept in the signed bytes.
///
/// Canonical JSON leaves control characters in strings unescaped, so it is not always valid JSON; ``document(_:)``
/// writes the same sorted, compact form with them escaped, for files that JSON readers must accept.
enum CanonicalJSON {
    /// The canonical bytes of `value`.
    /// - Throws: ``TUFErrorCode/invalidMetadata`` when the value holds a non-integer number or an object repeats a
    ///   key (neither has a canonical form).
    static func encode(_ value: OrderedJSON) throws -> [UInt8] {
        var out: [UInt8] = []
        try write(value, into: &out, escapingControls: false)
        return out
    }

    /// `value` as a valid JSON document: sorted keys, no whitespace, control characters escaped.
    static func document(_ value: OrderedJSON) throws -> [UInt8] {
        var out: [UInt8] = []
        try write(value, into: &out, escapingControls: true)
        return out
    }

    private static func write(_ value: OrderedJSON, into out: inout [UInt8], escapingControls: Bool) throws {
        switch value {
        case .string(let text):
            writeEscaped(Array(text.utf8), into: &out, escapingControls: escapingControls)
        case .number(let number):
            out.append(contentsOf: String(number).utf8)
        case .raw(let text):
            throw TUFError(.invalidMetadata, "canonical json allows integers only, got \(text.prefix(40))")
        case .base64(let bytes):
            writeEscaped(Array(Base64.encode(bytes).utf8), into: &out, escapingControls: escapingControls)
        case .bool(let flag):
            out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .null:
            out.append(contentsOf: "null".utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, into: &out, escapingControls: escapingControls)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            let sorted = members.map { (key: Array($0.0.utf8), value: $0.1) }.sorted {
                $0.key.lexicographicallyPrecedes($1.key)
            }
            out.append(UInt8(ascii: "{"))
            for (index, member) in sorted.enumerated() {
                if index > 0 {
                    if sorted[index - 1].key == member.key {
                        throw TUFError(
                            .invalidMetadata,
                            "object repeats key \"\(String(decoding: member.key, as: UTF8.self))\""
                        )
                    }
                    out.append(UInt8(ascii: ","))
                }
                writeEscaped(member.key, into: &out, escapingControls: escapingControls)
                out.append(UInt8(ascii: ":"))
                try write(member.value, into: &out, escapingControls: escapingControls)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeEscaped(_ bytes: [UInt8], into out: inout [UInt8], escapingControls: Bool) {
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(UInt8(ascii: "\\"))
            } else if escapingControls, byte < 0x20 {
                switch byte {
                case 0x0A: out.append(contentsOf: Array("\\n".utf8))
                case 0x0D: out.append(contentsOf: Array("\\r".utf8))
                case 0x09: out.append(contentsOf: Array("\\t".utf8))
                default:
                    out.append(
                        contentsOf: Array("\\u00".utf8) + [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
                    )
                }
                continue
            }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }
}
