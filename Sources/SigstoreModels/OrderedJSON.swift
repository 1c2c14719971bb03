/// A JSON value whose objects keep their member order, for writing documents byte for byte in the field order other
/// Sigstore implementations use (Foundation's `JSONEncoder` does not keep order on every platform).
public indirect enum OrderedJSON: Hashable, Sendable {
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
        write(into: &out, escapeHTML: escapeHTML)
        return out
    }

    private func write(into out: inout [UInt8], escapeHTML: Bool) {
        switch self {
        case .string(let s): Self.writeString(s, into: &out, escapeHTML: escapeHTML)
        case .number(let n): out.append(contentsOf: String(n).utf8)
        case .raw(let text): out.append(contentsOf: text.utf8)
        case .base64(let bytes):
            out.append(UInt8(ascii: "\""))
            Base64.encode(bytes, into: &out)
            out.append(UInt8(ascii: "\""))
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out, escapeHTML: escapeHTML)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &out, escapeHTML: escapeHTML)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out, escapeHTML: escapeHTML)
            }
            out.append(UInt8(ascii: "}"))
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
            write(into: &out, escapeHTML: true)
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
            for i in 0..<bytes.count {
                let byte = bytes[i]
                let plain = byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
                    && (!escapeHTML || (byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "&")))
                if plain { continue }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                runStart = i + 1
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: "\\r".utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: "\\t".utf8)
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

extension SigstoreBundle: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        var pairs: [(String, OrderedJSON?)] = [
            ("mediaType", .string(mediaType)), ("verificationMaterial", verificationMaterial.orderedJSON),
        ]
        switch content {
        case .messageSignature(let m): pairs.append(("messageSignature", m.orderedJSON))
        case .dsseEnvelope(let e): pairs.append(("dsseEnvelope", e.orderedJSON))
        }
        return .members(pairs)
    }
}

extension VerificationMaterial: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        var pairs: [(String, OrderedJSON?)] = []
        switch signer {
        case .publicKey(let hint): pairs.append(("publicKey", .members([("hint", hint.map(OrderedJSON.string))])))
        case .x509CertificateChain(let certs):
            pairs.append(
                ("x509CertificateChain", .object([("certificates", .array(certs.map { .object([("rawBytes", $0.orderedJSON)]) }))])))
        case .certificate(let cert): pairs.append(("certificate", .object([("rawBytes", cert.orderedJSON)])))
        }
        if !tlogEntries.isEmpty { pairs.append(("tlogEntries", .array(tlogEntries.map(\.orderedJSON)))) }
        if let tvd = timestampVerificationData, !tvd.rfc3161Timestamps.isEmpty {
            pairs.append(
                ("timestampVerificationData",
                 .object([("rfc3161Timestamps", .array(tvd.rfc3161Timestamps.map { .object([("signedTimestamp", $0.orderedJSON)]) }))])))
        }
        return .members(pairs)
    }
}

extension TransparencyLogEntry: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        .members([
            ("logIndex", logIndex.orderedJSON),
            ("logId", .object([("keyId", logID.orderedJSON)])),
            ("kindVersion", .object([("kind", .string(kind)), ("version", .string(version))])),
            ("integratedTime", integratedTime?.orderedJSON),
            ("inclusionPromise", signedEntryTimestamp.map { .object([("signedEntryTimestamp", $0.orderedJSON)]) }),
            ("inclusionProof", inclusionProof?.orderedJSON),
            ("canonicalizedBody", canonicalizedBody?.orderedJSON),
        ])
    }
}

extension InclusionProof: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        .members([
            ("logIndex", logIndex.orderedJSON), ("rootHash", rootHash.orderedJSON), ("treeSize", treeSize.orderedJSON),
            ("hashes", .array(hashes.map(\.orderedJSON))),
            ("checkpoint", checkpoint.map { .object([("envelope", .string($0))]) }),
        ])
    }
}

extension MessageSignature: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        .members([
            ("messageDigest", messageDigest.map { .object([("algorithm", .string($0.algorithm)), ("digest", $0.digest.orderedJSON)]) }),
            ("signature", signature.orderedJSON),
        ])
    }
}

extension DSSEEnvelope: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        .object([
            ("payload", payload.orderedJSON), ("payloadType", .string(payloadType)),
            ("signatures", .array(signatures.map { .members([("sig", $0.sig.orderedJSON), ("keyid", $0.keyid.map(OrderedJSON.string))]) })),
        ])
    }
}
